//! Replays the glue fuzzer's corpus (fuzz/corpus/glue, found by
//! `cargo fuzz run glue`) through the same harness: every input still runs
//! to the end without a panic, and the corpus reaches both outcomes.

#[path = "../fuzz/hal_board.rs"]
mod hal_board;
#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn every_corpus_input_runs_without_a_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/glue");
    let mut inputs = 0;
    let (mut ok, mut err) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let (o, e) = harness::run(hal_board::board(), &data);
        ok += o;
        err += e;
        inputs += 1;
    }
    assert!(
        inputs >= 10,
        "the corpus in {} has only {inputs} inputs",
        dir.display()
    );
    assert!(
        ok > 0 && err > 0,
        "the corpus should reach calls that succeed ({ok}) and that fail ({err})"
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
