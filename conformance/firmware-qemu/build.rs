//! Puts `memory.x` where cortex-m-rt's `link.x` finds it, and checks that
//! the guests to embed were built (`cargo xtask firmware` builds them).

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::copy("memory.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-env-changed=WASI_HW_GUESTS");
    let Some(guests) = std::env::var_os("WASI_HW_GUESTS") else {
        panic!(
            "WASI_HW_GUESTS is not set: it names the folder of the guests' core modules \
             (blinky.core.wasm, ...). Build with `cargo xtask firmware`, which sets it."
        );
    };
    for app in ["blinky", "button", "misbehave", "weather", "eeprom"] {
        let path = PathBuf::from(&guests).join(format!("{app}.core.wasm"));
        if !path.exists() {
            panic!(
                "{} is missing: run `cargo xtask examples` first",
                path.display()
            );
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
