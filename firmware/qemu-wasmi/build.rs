//! Puts `memory.x` where cortex-m-rt's `link.x` finds it, and checks that
//! the guests to embed were built and signed (`cargo xtask firmware` does
//! both).

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
    let files = [
        "blinky",
        "button",
        "misbehave",
        "weather",
        "eeprom",
        "flash",
        "weather-spi",
    ]
    .map(|app| format!("{app}.bundle"))
    .into_iter()
    .chain(["blinky", "button", "eeprom"].map(|app| format!("{app}-c.bundle")))
    .chain(["tampered.bundle".to_string(), "firmware.pub".to_string()]);
    for file in files {
        let path = PathBuf::from(&guests).join(file);
        if !path.exists() {
            panic!(
                "{} is missing: build with `cargo xtask firmware`, which signs the guests",
                path.display()
            );
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
