//! What the tests of the `wasi-hw` command share.

use std::process::{Command, Output};

/// Runs `wasi-hw` with `args`.
pub fn wasi_hw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasi-hw"))
        .args(args)
        .output()
        .unwrap()
}

/// Output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
