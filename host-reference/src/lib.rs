//! The wasi-hw reference host.
//!
//! It runs apps (components of world `wasi-hw:hal/app`) on wasmtime against
//! a mocked board described in a TOML file ([`board`]), under virtual or
//! real time ([`time`]), within what the board file's [`policy`] grants, and
//! records a [`trace`] of every peripheral operation. The board model is the
//! `no_std` crate `wasi-hw-board` (re-exported here), which knows nothing of
//! wasmtime; [`host`] is the wasmtime glue, and [`shim`] runs core modules
//! on wasmi through the generated shim over the same model
//! (`wasi_hw_board::host::BoardHost`, as firmware does).

pub mod host;
pub mod printout;
pub mod shim;
pub mod template;

/// The README's Rust examples, compiled by `cargo test --doc` so that they
/// follow the API (they read files that are not there, so they do not run).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

// The board model is its own no_std crate, so that firmware runs it too.
pub use wasi_hw_board::{board, policy, time, trace, watch};
