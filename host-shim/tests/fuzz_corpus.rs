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

#[test]
fn dispatch_refuses_a_wrong_argument_count_or_index() {
    use wasi_hw_shim::app::{IMPORTS, dispatch};
    use wasi_hw_shim::runtime::Error;
    let mut host = hal_board::board();
    let mut guest = harness::honest_guest();
    let now = IMPORTS.iter().position(|i| i.name == "now").unwrap();
    assert!(dispatch(&mut host, &mut guest, now, &[]).is_ok());
    assert_eq!(
        dispatch(&mut host, &mut guest, now, &[1]),
        Err(Error::Trap(&"wrong number of arguments"))
    );
    let log = IMPORTS.iter().position(|i| i.name == "log").unwrap();
    assert_eq!(
        dispatch(&mut host, &mut guest, log, &[2, 0]),
        Err(Error::Trap(&"wrong number of arguments"))
    );
    assert_eq!(
        dispatch(&mut host, &mut guest, IMPORTS.len(), &[]),
        Err(Error::Trap(&"no import has this index"))
    );
}
