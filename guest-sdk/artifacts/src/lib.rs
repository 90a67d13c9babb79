//! Paths of the example apps and test guests, built for the wasm targets by
//! this crate's build script: `BLINKY_COMPONENT` (wasm32-wasip2),
//! `BLINKY_CORE` (wasm32v1-none), and so on for every app in
//! `guest-sdk/examples`. The `*_COMPONENT` constants exist with the feature
//! `component`, the `*_CORE` ones with `core` (both on by default).

include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));
