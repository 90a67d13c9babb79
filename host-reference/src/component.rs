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
    has_world(module)?;
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(module)?
        .encode()
}

/// Puts into `module`, a core module written by hand (a test's hostile
/// guest, a fuzz target's interpreter), the description of the world that
/// `app` carries (a core module built with a guest SDK), so that
/// [`from_module`] makes it a component of that world. Errors: `app`
/// carries no world's description.
pub fn describe_as(module: &mut Vec<u8>, app: &[u8]) -> Result<()> {
    has_world(app)?;
    let (_, world) = wit_component::metadata::decode(app)?;
    wit_component::embed_component_metadata(
        module,
        &world.resolve,
        world.world,
        wit_component::StringEncoding::UTF8,
        false,
    )
}

/// Whether `module` carries the description of its world (a
/// `component-type` custom section), or why not.
fn has_world(module: &[u8]) -> Result<()> {
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
    Ok(())
}
