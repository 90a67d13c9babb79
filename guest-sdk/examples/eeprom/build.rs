//! Fixed memory (guest-sdk README, "Fixed memory"): a 4 KiB stack and a
//! memory that cannot grow, so that eeprom needs exactly its stack, data and
//! heap (`wasi_hw_guest::fixed_heap!`), about 7 KiB instead of a 64 KiB page
//! after a 16 KiB stack, and runs on the tiny firmware.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") {
        for arg in ["-zstack-size=4096", "--no-growable-memory"] {
            println!("cargo:rustc-link-arg-cdylib={arg}");
        }
    }
}
