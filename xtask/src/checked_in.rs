//! The generated files that the repository checks in, and how each is made.
//!
//! One list, used by `cargo xtask codegen` to write them and by the test
//! below (and `--check` in CI) to fail when one is stale.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use wasi_hw_codegen::guest::{self, GuestOptions};
use wasi_hw_codegen::guest_c;
use wasi_hw_codegen::guest_crate::{self, CrateOptions, SdkDependency};
use wasi_hw_codegen::output::Output;
use wasi_hw_codegen::package::Package;
use wasi_hw_codegen::shim::{self, ShimOptions};

/// Every checked-in generated file, with its fresh contents.
pub fn outputs(root: &Path) -> Result<Output> {
    let spec = Package::load(&root.join("wit"))?;
    let mut out = Output::new();
    out.add(
        root.join("guest-sdk/src/bindings.rs"),
        guest::rust(
            &spec,
            "app",
            &GuestOptions {
                bindings_module: Some("wasi_hw_guest::bindings".into()),
                reuse: Vec::new(),
                public_export_macro: true,
                world_section_macro: Some("__wasi_hw_world_app".into()),
            },
        )?,
    );
    // The C bindings of the same world (guest-sdk/c), so that a C author
    // needs no cargo.
    for (name, contents) in guest_c::c(&spec, "app")? {
        out.add(root.join("guest-sdk/c/bindings").join(name), contents);
    }
    out.add(
        root.join("host-shim/src/app.rs"),
        shim::rust(&spec, "app", &ShimOptions::default())?,
    );
    // A fixture of the generator, compiled with every adapter by host-shim's
    // tests (tests/adapters.rs): borrows of two resources of one type.
    let borrows = Package::load(&root.join("codegen/tests/fixtures/borrows"))?;
    out.add(
        root.join("host-shim/tests/adapters/borrows.rs"),
        shim::rust(&borrows, "host", &ShimOptions::default())?,
    );
    // The vendor fixture (conformance/vendor): a vendor's package through
    // both generators, its host shim reusing wasi-hw-shim's interfaces.
    let vendor = root.join("conformance/vendor");
    let bench = Package::load(&vendor.join("wit"))?;
    out.add(
        vendor.join("host/src/bench.rs"),
        shim::rust(
            &bench,
            "bench-app",
            &ShimOptions {
                runtime: "wasi_hw_shim::runtime".into(),
                with: vec![("wasi-hw:hal".into(), "wasi_hw_shim::app".into())],
                ..ShimOptions::default()
            },
        )?,
    );
    // The tiny firmware's world (the app world without spi) over
    // wasi-hw-shim's interfaces: its shim dispatches only what its board
    // serves.
    let tiny = root.join("firmware/qemu-tiny");
    out.add(
        tiny.join("src/world.rs"),
        shim::rust(
            &Package::load(&tiny.join("wit"))?,
            "tiny",
            &ShimOptions {
                runtime: "wasi_hw_shim::runtime".into(),
                with: vec![("wasi-hw:hal".into(), "wasi_hw_shim::app".into())],
                ..ShimOptions::default()
            },
        )?,
    );
    let guest = guest_crate::generate(
        &bench,
        "bench-app",
        &vendor.join("guest"),
        &CrateOptions {
            name: "acme-bench".into(),
            sdk: SdkDependency::Path("../../../guest-sdk".into()),
        },
    )?;
    for (path, contents) in guest.files() {
        out.add(path, contents.to_string());
    }
    Ok(out)
}

pub fn run(root: &Path, check: bool) -> Result<ExitCode> {
    let out = outputs(root)?;
    if check {
        let stale = out.check();
        for path in &stale {
            eprintln!("stale: {}", path.display());
        }
        if !stale.is_empty() {
            eprintln!("run `cargo xtask codegen` to regenerate");
            return Ok(ExitCode::from(1));
        }
        println!("every generated file is up to date");
        return Ok(ExitCode::SUCCESS);
    }
    out.write()?;
    for (path, _) in out.files() {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn checked_in_generated_files_are_not_stale() {
        let root = crate::root();
        let stale = super::outputs(&root).unwrap().check();
        assert!(
            stale.is_empty(),
            "stale generated files (run `cargo xtask codegen`): {stale:?}"
        );
    }
}
