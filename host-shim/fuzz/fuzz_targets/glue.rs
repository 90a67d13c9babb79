//! `cargo fuzz run glue`: the generated glue under arbitrary guest input, on
//! `hal::Board` over fake embedded-hal parts.
#![no_main]

#[path = "../hal_board.rs"]
mod hal_board;
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::run(hal_board::board(), data);
});
