//! `cargo fuzz run board`: the generated glue and the board model's host
//! (`wasi_hw_board::host::BoardHost`, what the reference host's shim path
//! and the QEMU firmware run) under arbitrary guest input, on the
//! conformance board.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use wasi_hw_board::board::Board;
use wasi_hw_board::board::file::parse_str;
use wasi_hw_board::host::BoardHost;

const BOARD: &str = include_str!("../../../conformance/board.toml");

thread_local! {
    /// The board, parsed once: parsing took nearly all of an input's time
    /// (about 1,500 inputs a second; a clone is much cheaper).
    static PARSED: Board = parse_str("board.toml", BOARD).expect("the conformance board parses");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::run(BoardHost::new(PARSED.with(Board::clone), 64), data);
});
