//! Fixed memory (guest-sdk README, "Fixed memory"): a 4 KiB stack and a
//! memory that cannot grow, so that weather-spi needs exactly its stack, data and
//! heap (`wasi_hw_guest::fixed_heap!`) instead of a 64 KiB page after a
//! 16 KiB stack.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("wasm32") {
        for arg in ["-zstack-size=4096", "--no-growable-memory"] {
            println!("cargo:rustc-link-arg-cdylib={arg}");
        }
    }
}
