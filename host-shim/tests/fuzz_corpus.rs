//! Replays the glue fuzzer's corpus (fuzz/corpus/glue, found by
//! `cargo fuzz run glue`) through the same harness: every input still runs
//! to the end without a panic, and the corpus reaches both outcomes.

#[path = "../fuzz/hal_board.rs"]
mod hal_board;
#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn every_corpus_input_runs_without_a_panic() {
    harness::replay(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/glue"),
        hal_board::board,
    );
}

#[test]
fn a_string_argument_out_of_bounds_is_an_error_not_a_panic() {
    // Mode 0 (honest realloc); gpio `open` takes (name ptr, name len, ...):
    // find it and call it with a pointer past the end of memory.
    let imports = wasi_hw_shim::app::IMPORTS;
    let open = imports
        .iter()
        .position(|i| i.module.starts_with("wasi-hw:hal/gpio") && i.name == "open")
        .unwrap();
    let mut input = vec![0u8, open as u8];
    for (n, _) in imports[open].params.iter().enumerate() {
        let arg: u32 = match n {
            0 => 4090, // the name's pointer: 6 bytes before the end
            1 => 100,  // its length
            _ => 0,
        };
        input.extend_from_slice(&arg.to_le_bytes());
    }
    assert_eq!(harness::run(hal_board::board(), &input), (0, 1));
}
