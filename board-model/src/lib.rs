//! The wasi-hw mocked board, for the reference host and for firmware.
//!
//! A [`board::Board`] is pins (with wires between them and scripts that
//! drive them), I2C buses with device models (a 24C02 EEPROM, a BME280,
//! registers of 8 or 16 bits behind a pointer), sensors, a [`time`] clock, a [`policy`] of what an app
//! may touch, and a [`trace`] of every operation; [`watch`] is what a
//! pollable waits for and when it is ready, the one definition both hosts
//! use. It knows nothing of any WebAssembly engine. It is `no_std` with
//! `alloc`: the feature `std` adds real time and board files read from
//! paths; `file` parses board files (TOML); `shim` adds
//! `host::BoardHost`, the spec's semantics behind the generated no_std
//! shim's traits, so that a firmware hosts apps on this very model and its
//! traces can be compared with the reference host's.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod board;
#[cfg(feature = "shim")]
pub mod host;
pub mod policy;
pub mod time;
pub mod trace;
pub mod watch;
