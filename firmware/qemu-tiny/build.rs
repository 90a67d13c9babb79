//! Puts `memory-tiny.x` (or `memory-conformance.x`, for the build with the
//! `conformance` feature) where cortex-m-rt's `link.x` finds it (as `memory.x`), and checks that
//! the bundles to embed were made (`cargo xtask firmware` makes them).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    // The conformance build has the board model and the test guest's
    // memory to hold: 4 MiB of RAM; the measured build, 32 KiB.
    let memory = if std::env::var_os("CARGO_FEATURE_CONFORMANCE").is_some() {
        "memory-conformance.x"
    } else {
        "memory-tiny.x"
    };
    std::fs::copy(memory, out.join("memory.x")).unwrap();
    // cortex-m-rt's `device` feature includes a device.x that names the
    // device's interrupt handlers: this firmware has none (main.rs).
    std::fs::write(out.join("device.x"), "/* no interrupt handlers */\n").unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-tiny.x");
    println!("cargo:rerun-if-changed=memory-conformance.x");
    println!("cargo:rerun-if-env-changed=WASI_HW_GUESTS");
    let Some(guests) = std::env::var_os("WASI_HW_GUESTS") else {
        panic!(
            "WASI_HW_GUESTS is not set: it names the folder of the apps' bundles \
             (blinky.wasefire.bundle, ...). Build with `cargo xtask firmware`, which sets it."
        );
    };
    for file in [
        "blinky.wasefire.bundle",
        "button.wasefire.bundle",
        "eeprom.wasefire.bundle",
        "weather.wasefire.bundle",
        "tampered.wasefire.bundle",
        "blinky.bundle",
        "firmware.pub",
    ] {
        let path = PathBuf::from(&guests).join(file);
        if !path.exists() {
            panic!(
                "{} is missing: build with `cargo xtask firmware`, which packs the apps",
                path.display()
            );
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
