//! Builds every app of `guest-sdk/examples` (and the conformance suite's
//! test guest and the vendor fixture's app, members of that workspace) for wasm32-wasip2 (a component)
//! and wasm32v1-none (a core module), the way wasmtime's test-programs
//! artifacts do, and writes their paths as constants for the tests.
//!
//! Each app is built on its own: cargo would otherwise unify the SDK's
//! features across apps. The target folder is the examples' own, shared with
//! `cargo xtask examples`.
//!
//! Each target is behind a feature of this crate (`component`, `core`, both
//! on by default), so that a crate that needs only the core modules (a host
//! of core modules, tested with only `wasm32v1-none` installed) can leave
//! `wasm32-wasip2` out; a constant exists only for what was built.
//!
//! A toolchain that lacks one of those targets gets it first (`rustup target
//! add`, as `cargo xtask setup` does), so that a plain `cargo test
//! --workspace` on a fresh machine works too; cargo shows that as a warning.

use std::path::PathBuf;
use std::process::Command;

const APPS: [&str; 10] = [
    "blinky",
    "button",
    "weather",
    "eeprom",
    "flash",
    "weather-spi",
    "misbehave",
    "bench",
    "cases",
    "probes",
];
/// Each target, the suffix of its constants, and the feature that builds it.
const TARGETS: [(&str, &str, &str); 2] = [
    ("wasm32-wasip2", "COMPONENT", "component"),
    ("wasm32v1-none", "CORE", "core"),
];

/// The targets whose feature is on, as `(target, suffix)`.
fn targets() -> Vec<(&'static str, &'static str)> {
    TARGETS
        .iter()
        .filter(|(_, _, feature)| {
            let var = format!("CARGO_FEATURE_{}", feature.to_uppercase());
            std::env::var_os(var).is_some()
        })
        .map(|&(target, suffix, _)| (target, suffix))
        .collect()
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let examples = manifest
        .join("../examples")
        .canonicalize()
        .expect("guest-sdk/examples exists");
    let sdk = manifest.join("..").canonicalize().unwrap();
    let target_dir = examples.join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let root = manifest.join("../..");
    let wanted: Vec<&str> = targets().iter().map(|&(target, _)| target).collect();
    if let Err(err) = wasi_hw_toolchain::ensure(&root, &wanted, &mut |line| {
        println!("cargo:warning={line}");
    }) {
        // One line, at once, before cargo's own error about a missing `core`.
        eprintln!("error: {err}");
        std::process::exit(1);
    }

    for dir in [
        sdk.join("src"),
        sdk.join("Cargo.toml"),
        examples.join("Cargo.toml"),
        examples.join("Cargo.lock"),
        examples.join(".cargo"),
    ] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }
    let mut consts = String::new();
    println!(
        "cargo:rerun-if-changed={}",
        examples.join("../../conformance/guests").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        examples.join("../../conformance/vendor").display()
    );
    let targets = targets();
    for app in APPS {
        println!("cargo:rerun-if-changed={}", examples.join(app).display());
        for &(target, suffix) in &targets {
            let status = Command::new(&cargo)
                .current_dir(&examples)
                .args([
                    "build",
                    "--quiet",
                    "--release",
                    "--locked",
                    "--package",
                    app,
                    "--target",
                    target,
                ])
                .arg("--target-dir")
                .arg(&target_dir)
                // What cargo set for this build script must not reach the wasm build.
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_BUILD_TARGET")
                .env_remove("CARGO_PROFILE_RELEASE_DEBUG")
                // Under `cargo clippy` the wrapper would lint the guests too.
                .env_remove("RUSTC_WORKSPACE_WRAPPER")
                .env_remove("RUSTC_WRAPPER")
                .status()
                .expect("running cargo");
            assert!(status.success(), "building {app} for {target} failed");
            let path = target_dir
                .join(target)
                .join("release")
                // cargo names a cdylib's file after its crate: `-` as `_`.
                .join(format!("{}.wasm", app.replace('-', "_")));
            consts.push_str(&format!(
                "/// `{app}` built for {target}.\npub const {}_{suffix}: &str = {:?};\n",
                app.to_uppercase().replace('-', "_"),
                path.display().to_string()
            ));
        }
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("artifacts.rs");
    std::fs::write(out, consts).unwrap();
}
