//! The component the reference host runs when the suite has only the test
//! guest's core module.
//!
//! The reference host runs components (wasmtime's component model), and the
//! test guest's component is built for `wasm32-wasip2`, a target that a
//! team testing a host of core modules may not have. Its core module
//! (`wasm32v1-none`) is the same source, carries the description of world
//! `wasi-hw:hal/app` that the guest SDK's bindings write into every build,
//! and imports the spec by its canonical-ABI names only, so `wit-component`
//! makes it a component of that world, as `wasm-component-ld` does for
//! `wasm32-wasip2`. The suite's tests check that the reference host gives
//! every case the same trace from either.

use anyhow::{Context, Result};

/// The core module `bytes` made a component of world `wasi-hw:hal/app`.
///
/// Errors: `bytes` is not a valid core module, lacks the world's
/// description or its `run` (a module not built with the guest SDK), or
/// imports or exports what the world does not have.
pub fn from_core_module(bytes: &[u8]) -> Result<Vec<u8>> {
    let (_, bindgen) = wit_component::metadata::decode(bytes)
        .context("not a core module of world wasi-hw:hal/app")?;
    let world = &bindgen.resolve.worlds[bindgen.world];
    if !world
        .exports
        .keys()
        .any(|key| bindgen.resolve.name_world_key(key) == "run")
    {
        anyhow::bail!(
            "not a core module of world wasi-hw:hal/app: it describes no export `run` (a guest built with the guest SDK does)"
        );
    }
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(bytes)
        .context("not a core module of world wasi-hw:hal/app")?
        .encode()
        .context("cannot make it a component of world wasi-hw:hal/app")
}
