//! The wasi-hw reference host.
//!
//! It runs apps (components of world `wasi-hw:hal/app`) on wasmtime against
//! a mocked board described in a TOML file ([`board`]), under virtual or
//! real time ([`time`]), within what the board file's [`policy`] grants, and
//! records a [`trace`] of every peripheral operation. The board model knows
//! nothing of wasmtime; [`host`] is the glue.

pub mod board;
pub mod host;
pub mod policy;
pub mod shim;
pub mod time;
pub mod trace;
