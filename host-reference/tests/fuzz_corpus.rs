//! Replays the wasmtime fuzzer's corpus (fuzz/corpus/wasmtime, found by
//! `cargo fuzz run wasmtime` in host-reference/fuzz) through the same
//! guest: every input runs to an outcome on the reference host without a
//! panic, and the corpus reaches runs that succeed and runs that trap.

use std::path::Path;

use wasi_hw_host::board;
use wasi_hw_host::host::{Echo, Limits, Outcome, Runner};

#[path = "../fuzz/guest.rs"]
mod guest;

/// The interpreter guest made a component of world `wasi-hw:hal/app`, the
/// world's description taken from a guest SDK build (blinky's core module).
fn runner() -> Runner {
    let mut module = wat::parse_str(guest::guest_text()).unwrap();
    let blinky = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    wasi_hw_host::component::describe_as(&mut module, &blinky).unwrap();
    let component = wasi_hw_host::component::from_module(&module).unwrap();
    Runner::new(&component, false).unwrap()
}

fn run(runner: &Runner, input: &[u8]) -> Outcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/board.toml");
    let board = board::file::load(&path, false).unwrap();
    let limits = Limits {
        timeout: std::time::Duration::from_secs(2),
        ..Limits::default()
    };
    runner
        .run(board, &[guest::hex(input)], &limits, Echo::Off)
        .unwrap()
        .outcome
}

#[test]
fn every_corpus_input_runs_to_an_outcome_without_a_panic() {
    let runner = runner();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/wasmtime");
    let (mut inputs, mut ok, mut trapped) = (0, 0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        match run(&runner, &std::fs::read(entry.unwrap().path()).unwrap()) {
            Outcome::Success => ok += 1,
            Outcome::Trapped(_) => trapped += 1,
            // An input that pokes run's result area (at 1024) returns err.
            Outcome::Failed(_) => {}
        }
        inputs += 1;
    }
    assert!(
        inputs >= 10,
        "the corpus in {} has only {inputs} inputs",
        dir.display()
    );
    assert!(
        ok > 0 && trapped > 0,
        "{ok} runs succeeded and {trapped} trapped"
    );
}

#[test]
fn the_guest_calls_the_import_the_input_names_with_its_arguments() {
    // Mode 0 (an honest cabi_realloc); `log.log(info, "out")`: the string
    // poked at 16 first (0xf0, offset 16, length 3, the bytes).
    let imports = wasi_hw_shim::app::IMPORTS;
    let log = imports
        .iter()
        .position(|i| i.module.starts_with("wasi-hw:hal/log") && i.name == "log")
        .unwrap();
    let mut input = vec![0u8, 0xf0, 16, 0, 3, b'o', b'u', b't', log as u8];
    for arg in [2u32, 16, 3] {
        input.extend_from_slice(&arg.to_le_bytes());
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/board.toml");
    let board = board::file::load(&path, false).unwrap();
    let run = runner()
        .run(board, &[guest::hex(&input)], &Limits::default(), Echo::Off)
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
    let log: Vec<&str> = run.host.log.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(log, ["out"]);
}
