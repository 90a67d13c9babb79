//! Replays the `board` fuzz target's corpus (host-shim/fuzz/corpus/board,
//! found by `cargo fuzz run board`) through the same harness: the generated
//! glue and `BoardHost` on the conformance board run every input to the end
//! without a panic, and the corpus reaches both outcomes.

#[path = "../../host-shim/fuzz/harness.rs"]
mod harness;

use wasi_hw_board::board::file::parse_str;
use wasi_hw_board::host::BoardHost;

const BOARD: &str = include_str!("../../conformance/board.toml");

fn host() -> BoardHost {
    BoardHost::new(parse_str("board.toml", BOARD).unwrap(), 64)
}

#[test]
fn every_corpus_input_runs_without_a_panic() {
    harness::replay(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-shim/fuzz/corpus/board"),
        host,
    );
}

#[test]
fn opening_a_pin_then_reading_it_succeeds_and_a_forged_handle_fails() {
    let imports = wasi_hw_shim::app::IMPORTS;
    let find = |module: &str, name: &str| {
        imports
            .iter()
            .position(|i| i.module.starts_with(module) && i.name == name)
            .unwrap() as u8
    };
    let open = find("wasi-hw:hal/gpio", "open");
    let is_high = find("wasi-hw:hal/gpio", "[method]pin.is-high");
    // Mode 0 (honest realloc). Poke "in" at 100, then open it (name, length,
    // config: input, pull none, not active-low, not initially high; result
    // area at 512), then is-high on its handle (the first of the pins'
    // table, tagged 4: the world's fourth resource type) and on a forged
    // handle 9.
    let pin = 0x0400_0001u32;
    let mut input = vec![0u8, 0xf0, 100, 0, 2, b'i', b'n', open];
    for arg in [100u32, 2, 0, 0, 0, 0, 512] {
        input.extend_from_slice(&arg.to_le_bytes());
    }
    for handle in [pin, 9] {
        input.push(is_high);
        input.extend_from_slice(&handle.to_le_bytes());
        input.extend_from_slice(&600u32.to_le_bytes());
    }
    assert_eq!(harness::run(host(), &input), (2, 1));
}
