//! Waiting for several events at once: the `poll` interface of the spec.

pub use crate::bindings::wasi_hw::hal::poll::*;
