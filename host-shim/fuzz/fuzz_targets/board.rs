//! `cargo fuzz run board`: the generated glue and the board model's host
//! (`wasi_hw_board::host::BoardHost`, what the reference host's shim path
//! and the QEMU firmware run) under arbitrary guest input, on the
//! conformance board.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use wasi_hw_board::board::file::parse_str;
use wasi_hw_board::host::BoardHost;

const BOARD: &str = include_str!("../../../conformance/board.toml");

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let board = parse_str("board.toml", BOARD).expect("the conformance board parses");
    harness::run(BoardHost::new(board, 64), data);
});
