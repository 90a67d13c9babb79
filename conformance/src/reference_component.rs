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

use std::path::{Path, PathBuf};

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

/// A core module made a component, in a folder of its own under the
/// system's temporary folder, removed when this is dropped: what the runner
/// gives the reference host and external hosts (`WASI_HW_GUEST`) when it
/// was built without the test guest's component.
pub struct ComponentFile {
    dir: PathBuf,
    path: PathBuf,
}

impl ComponentFile {
    /// Makes `core_module` a component and writes it.
    ///
    /// Errors: the module cannot be read or made a component (see
    /// [`from_core_module`]), or the file cannot be written.
    pub fn write(core_module: &Path) -> Result<ComponentFile> {
        let bytes = std::fs::read(core_module).with_context(|| {
            format!(
                "the test guest's core module {} cannot be read (build it with `cargo build -p wasi-hw-conformance`)",
                core_module.display()
            )
        })?;
        let component =
            from_core_module(&bytes).with_context(|| format!("{}", core_module.display()))?;
        let dir = std::env::temp_dir().join(format!(
            "wasi-hw-conformance-{}-component",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let path = dir.join("cases.component.wasm");
        std::fs::write(&path, component)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(ComponentFile { dir, path })
    }

    /// The component's file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ComponentFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
