//! `cargo xtask setup`: what the project's commands need on this machine.
//! The Rust targets that `rust-toolchain.toml` names are installed (with
//! `rustup target add`) when the toolchain lacks them; the system tools that
//! only some commands use are named, with the command that installs them,
//! when they are missing. `demo`, `test`, `examples` and `firmware` run the
//! first part themselves, before any build.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};

use crate::examples::which;
use crate::step::{say, step};

/// Installs the targets of `rust-toolchain.toml` that the toolchain lacks.
pub fn targets(root: &Path) -> Result<()> {
    step(
        "checking the Rust targets that rust-toolchain.toml names",
        || {
            let toolchain = wasi_hw_toolchain::read(root).map_err(|e| anyhow!("{e}"))?;
            let wanted: Vec<&str> = toolchain.targets.iter().map(String::as_str).collect();
            let installed = wasi_hw_toolchain::ensure(root, &wanted, &mut |line| say(line))
                .map_err(|e| anyhow!("{e}"))?;
            if installed.is_empty() {
                say(&format!(
                    "Rust {} has every target: {}",
                    toolchain.channel,
                    wanted.join(", ")
                ));
            }
            Ok(())
        },
    )
}

/// A system tool that some command needs, and how to get it.
struct Tool {
    binary: &'static str,
    needed_by: &'static str,
    install: &'static str,
}

const TOOLS: [Tool; 5] = [
    Tool {
        binary: "wasm-opt",
        needed_by: "the -Oz column of `cargo xtask examples` (optional)",
        install: "apt-get install binaryen",
    },
    Tool {
        binary: "qemu-system-arm",
        needed_by: "`cargo xtask firmware` (the Cortex-M4 under QEMU)",
        install: "apt-get install qemu-system-arm",
    },
    Tool {
        binary: "clang",
        needed_by: "`cargo xtask c`, `cargo xtask firmware` and guest-sdk/c (apps in C)",
        install: "apt-get install clang lld make",
    },
    Tool {
        binary: "wasm-ld",
        needed_by: "`cargo xtask c`, `cargo xtask firmware` and guest-sdk/c (apps in C)",
        install: "apt-get install lld",
    },
    Tool {
        binary: "arm-none-eabi-size",
        needed_by: "the size report of `cargo xtask firmware` (optional)",
        install: "apt-get install binutils-arm-none-eabi",
    },
];

/// `cargo xtask setup`.
pub fn run(root: &Path) -> Result<ExitCode> {
    targets(root)?;
    for tool in &TOOLS {
        match which(tool.binary) {
            Some(path) => say(&format!("{} is at {}", tool.binary, path.display())),
            None => say(&format!(
                "{} is not installed; {} needs it: `{}`",
                tool.binary, tool.needed_by, tool.install
            )),
        }
    }
    say("ready: `cargo xtask demo` runs the example apps, `cargo xtask test` every test");
    Ok(ExitCode::SUCCESS)
}
