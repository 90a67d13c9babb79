//! wasi-hw's project automation. `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod checked_in;
mod examples;
mod firmware;

/// Project automation for wasi-hw.
#[derive(Parser)]
#[command(name = "cargo xtask", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerates every generated file that the repository checks in (the
    /// guest SDK's bindings), or with --check names the stale ones and exits 1.
    Codegen {
        /// Write nothing; exit 1 if any checked-in file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Builds every example app for wasm32v1-none (a core module) and
    /// wasm32-wasip2 (a component), validates them, and reports their sizes.
    ///
    /// The artifacts land in target/examples/: APP.core.wasm (custom sections
    /// stripped, then `wasm-opt -Oz` if binaryen is installed) and
    /// APP.component.wasm.
    Examples {
        /// Print the size table as Markdown (for BENCHMARKS.md).
        #[arg(long)]
        markdown: bool,
    },
    /// The main job: builds blinky and weather as components and runs them
    /// on the reference host's demo board, printing what happened with its
    /// (virtual) times: the LED's toggles and the sensor's readings.
    Demo,
    /// Builds the Cortex-M4 firmware (conformance/firmware-qemu) with the
    /// example apps' core modules inside, prints where its flash goes
    /// (with binutils-arm-none-eabi), runs the apps on QEMU's MPS2-AN386
    /// (qemu-system-arm), then the conformance suite on it, one boot a case,
    /// compared with the reference host. Exits 1 if an app did not end as
    /// expected or a case failed.
    Firmware {
        /// Print the size table as Markdown (for BENCHMARKS.md).
        #[arg(long)]
        markdown: bool,
    },
}

fn root() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().map(PathBuf::from).unwrap_or(xtask)
}

fn main() -> ExitCode {
    let result: Result<ExitCode> = match Cli::parse().command {
        Command::Codegen { check } => checked_in::run(&root(), check),
        Command::Examples { markdown } => {
            examples::run(&root(), markdown).map(|()| ExitCode::SUCCESS)
        }
        Command::Demo => examples::demo(&root()),
        Command::Firmware { markdown } => firmware::run(&root(), markdown),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}
