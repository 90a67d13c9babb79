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

/// `IMPORTS` tells an engine adapter where a result goes (an adapter for
/// WAMR or wasm3 needs nothing else), and `dispatch` writes it there: the
/// list of pins' address and length at the return pointer, checked.
#[test]
fn dispatch_writes_a_result_where_imports_says() {
    use wasi_hw_shim::app::{IMPORTS, dispatch};
    use wasi_hw_shim::runtime::{Error, Guest};
    let find = |module: &str, name: &str| {
        IMPORTS
            .iter()
            .position(|i| i.module.contains(module) && i.name == name)
            .unwrap()
    };
    let area = |i: usize| (IMPORTS[i].ret_size, IMPORTS[i].ret_align);
    assert_eq!(area(find("timer", "now")), (0, 0), "a core result");
    assert_eq!(area(find("gpio", "[method]pin.set-high")), (2, 1));
    assert_eq!(area(find("sensor", "[method]sensor.info")), (40, 8));
    let list_pins = find("gpio", "list-pins");
    assert_eq!(area(list_pins), (8, 4));

    let mut host = hal_board::board();
    let mut guest = harness::honest_guest();
    assert_eq!(dispatch(&mut host, &mut guest, list_pins, &[64]), Ok(0));
    let word = |m: &[u8], at: usize| u32::from_le_bytes(m[at..at + 4].try_into().unwrap());
    let memory = guest.memory();
    assert!(word(memory, 64) >= 2048, "the list, from cabi_realloc");
    assert_eq!(word(memory, 68), 2, "led and button");
    assert_eq!(
        dispatch(&mut host, &mut guest, list_pins, &[130]),
        Err(Error::Misaligned)
    );
    assert_eq!(
        dispatch(&mut host, &mut guest, list_pins, &[4092]),
        Err(Error::OutOfBounds)
    );
    assert!(guest.memory()[128..140].iter().all(|b| *b == 0));
    assert!(guest.memory()[4092..].iter().all(|b| *b == 0));
}
