//! `cargo fuzz run wasmtime`: the generated wasmtime adapter and the board
//! model's host (`wasi_hw_board::host::BoardHost`), which the reference
//! host runs, under arbitrary import calls from a guest component.
//!
//! The guest is written here, from the shim's table of the world's imports
//! (`wasi_hw_shim::app::IMPORTS`): a core module that imports every one and
//! whose `run` interprets its argument, the fuzzer's input in hex, in the
//! glue harness's format (host-shim/fuzz/harness.rs), so that either
//! target's corpus seeds the other: byte 0 picks `cabi_realloc`'s
//! behaviour (a bump allocator, garbage pointers, or a trap); then a byte
//! below 0xf0 calls import `byte % IMPORTS.len()` with its arguments read
//! next (4 bytes for an i32 or f32, 8 for an i64 or f64, little-endian),
//! and 0xf0 and above pokes bytes into the first 4 KiB of memory (2-byte
//! offset, 1-byte length, the bytes). Made a component of world
//! `wasi-hw:hal/app`, it runs on the reference host's `Runner` on the
//! conformance board. Whatever the input, the run ends (in success, an
//! error, or a trap) and nothing panics.
#![no_main]

use std::time::Duration;

#[path = "../guest.rs"]
mod guest;

use wasi_hw_host::board::Board;
use wasi_hw_host::board::file::parse_str;
use wasi_hw_host::host::{Echo, Limits, Runner};

const BOARD: &str = include_str!("../../../conformance/board.toml");

/// The guest made a component of world `wasi-hw:hal/app`, whose
/// description is read from the spec's WIT.
fn guest_component() -> Vec<u8> {
    let mut module = wat::parse_str(guest::guest_text()).expect("the interpreter guest's text");
    let mut resolve = wit_parser::Resolve::new();
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit");
    let (package, _) = resolve.push_dir(wit).expect("the spec's WIT");
    let world = resolve
        .select_world(&[package], Some("app"))
        .expect("the world app");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .expect("the world's description");
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .expect("a module of the world")
        .encode()
        .expect("a component")
}

thread_local! {
    static RUNNER: Runner = Runner::new(&guest_component(), false).expect("the reference host loads the guest");
    /// The board, parsed once.
    static PARSED: Board = parse_str("board.toml", BOARD).expect("the conformance board parses");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let hex = guest::hex(data);
    let limits = Limits {
        timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    RUNNER.with(|runner| {
        runner
            .run(PARSED.with(Board::clone), &[hex], &limits, Echo::Off)
            .expect("the host runs the guest to an outcome");
    });
});
