//! wasi-hw's project automation. `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod c;
mod checked_in;
mod cost;
mod examples;
mod firmware;
mod readme;
mod setup;
mod step;
mod tiny;

/// Project automation for wasi-hw.
#[derive(Parser)]
#[command(name = "cargo xtask", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Installs the Rust targets that rust-toolchain.toml names where the
    /// toolchain lacks them (`rustup target add`), and names the system tools
    /// that some commands need, with the command that installs each. `demo`,
    /// `test`, `examples` and `firmware` install the targets themselves first.
    Setup,
    /// Runs every shell command of the repository's READMEs as written
    /// (those .ci/run runs itself and those a test runs aside), from the
    /// root, with the workspace's commands on the PATH; fails on the first
    /// that fails.
    ReadmeCommands,
    /// Runs every test: the set-up above, then `cargo test --workspace` with
    /// ARGS after it (for example `cargo xtask test -- --nocapture`).
    Test {
        /// Passed to `cargo test --workspace`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
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
    /// Builds the example apps in C (guest-sdk/c/examples, with the SDK's
    /// Makefile, Debian's clang and lld) and runs each on the reference
    /// host beside its Rust twin: the same trace and exit code, on success
    /// and on a bad argument. Reports their sizes. Exits 1 if one differs.
    C,
    /// Builds the Cortex-M4 firmware (firmware/qemu-wasmi) with the
    /// example apps' core modules inside, prints where its flash goes
    /// (with binutils-arm-none-eabi), runs the apps on QEMU's MPS2-AN386
    /// (qemu-system-arm), then the conformance suite on it, one boot a case,
    /// compared with the reference host. Exits 1 if an app did not end as
    /// expected or a case failed.
    Firmware {
        /// Print the size table as Markdown (for BENCHMARKS.md).
        #[arg(long)]
        markdown: bool,
        /// Build only the firmware that runs, not the four variants that
        /// the size report compares it with (saves about half the time).
        #[arg(long, conflicts_with = "markdown")]
        no_size_report: bool,
    },
}

fn root() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().map(PathBuf::from).unwrap_or(xtask)
}

fn main() -> ExitCode {
    let root = root();
    let result: Result<ExitCode> = match Cli::parse().command {
        Command::Setup => setup::run(&root),
        Command::Test { args } => test(&root, &args),
        Command::ReadmeCommands => readme::run(&root),
        Command::Codegen { check } => checked_in::run(&root, check),
        Command::Examples { markdown } => {
            examples::run(&root, markdown).map(|()| ExitCode::SUCCESS)
        }
        Command::Demo => examples::demo(&root),
        Command::C => c::run(&root),
        Command::Firmware {
            markdown,
            no_size_report,
        } => firmware::run(&root, markdown, !no_size_report),
    };
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::from(2)
    })
}

/// `cargo xtask test`: the targets first, then every test.
fn test(root: &std::path::Path, args: &[String]) -> Result<ExitCode> {
    setup::targets(root)?;
    let code = step::step("running cargo test --workspace", || {
        let status = examples::cargo()
            .current_dir(root)
            .args(["test", "--workspace"])
            .args(args)
            .status()?;
        Ok(status.code().unwrap_or(1))
    })?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
