//! The wasi-hw reference host.
//!
//! It runs apps of world `wasi-hw:hal/app` against a mocked board described
//! in a TOML file ([`board`]), under virtual or real time ([`time`]), within
//! what the board file's [`policy`] grants, and records a [`trace`] of every
//! peripheral operation. The board model is the `no_std` crate
//! `wasi-hw-board` (re-exported here), which knows nothing of wasmtime, and
//! its `host::BoardHost` holds all of the spec's semantics behind the
//! generated shim's traits. [`host`] runs components on wasmtime through
//! the shim's generated wasmtime adapter; [`shim`] runs core modules on
//! wasmi through its wasmi adapters, as firmware does; [`quirks`] wraps the
//! board host into deliberately broken hosts for the conformance suite's
//! own tests.

pub mod component;
pub mod host;
pub use wasi_hw_bundle::pack;
pub mod printout;
pub mod quirks;
pub mod shim;
pub mod template;

/// The README's Rust examples, compiled by `cargo test --doc` so that they
/// follow the API (they read files that are not there, so they do not run).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

// The board model is its own no_std crate, so that firmware runs it too.
pub use wasi_hw_board::{board, policy, time, trace, watch};
