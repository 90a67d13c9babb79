//! A component made from an app's core module: what `wasi-hw component`
//! does, for an app built as a core module (a `wasm32v1-none` build, or an
//! app in C, guest-sdk/c) that is to run on wasmtime.
//!
//! The module carries the description of its world in a `component-type`
//! custom section (the Rust SDK's bindings and the C bindings both put it
//! there); wit-component reads it and wraps the module in a component of
//! that world, validated.

use anyhow::{Result, bail};

/// The component of the core module `module`, or why there is none: not a
/// core module, no world's description in it, or a module that does not
/// match the world it describes (the reason is wit-component's).
pub fn from_module(module: &[u8]) -> Result<Vec<u8>> {
    match module.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => {}
        Some([0, b'a', b's', b'm', _, _, 1, 0]) => {
            bail!("it is a component already")
        }
        _ => bail!("not a WebAssembly module"),
    }
    let has_world = wasmparser::Parser::new(0)
        .parse_all(module)
        .filter_map(|payload| payload.ok())
        .any(|payload| {
            matches!(payload, wasmparser::Payload::CustomSection(s)
                if s.name().starts_with("component-type"))
        });
    if !has_world {
        bail!(
            "it carries no description of its world (no `component-type` custom section): \
             build it with the guest SDK (Rust or C), and do not strip it first"
        );
    }
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .encode()
}
