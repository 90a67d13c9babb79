//! One conformance case, in the runner's external-host protocol
//! (conformance/README.md): the firmware reads the test guest's core module
//! and the board file from the machine that runs QEMU, runs the case on the
//! board model, prints the trace as JSON lines on standard output, and
//! exits 0 when the guest's `run` returned ok, 1 when it returned an error
//! or was stopped (the message on standard error), 2 when the firmware
//! could not run it at all.

use alloc::format;
use alloc::string::String;

use cortex_m_semihosting::{heprintln, hprintln};
use wasi_hw_board::board::file::parse_str;

use crate::model::{self, Outcome};
use wasi_hw_mps2::semihosting::{exit, read_file};

/// Fuel for a case: the reference host's default, so that a case that
/// spins ends the same way on both.
const FUEL: u64 = 4_000_000_000;

/// Runs the guest at `guest` with `args` on the board file at `board`,
/// counting SysTick ticks over the run (instantiation included), and
/// prints them with the ticks a loop of a million instructions takes: on
/// QEMU with `-icount shift=0`, the cost of a host call in instructions is
/// the difference between two counts, over the calls (`cargo xtask
/// firmware` does this with the `bench` guest).
pub fn bench(guest: &str, board: &str, args: &[&str]) -> ! {
    let calibration = wasi_hw_mps2::clock::calibrate(1_000_000);
    let (module, board) = load(guest, board);
    wasi_hw_mps2::clock::start();
    let ended = model::run(&module, board, args, FUEL);
    let ticks = wasi_hw_mps2::clock::ticks();
    match ended {
        Ok(model::Ended {
            outcome: Outcome::Ok,
            ..
        }) => {
            hprintln!(
                "bench {:?}: {} ticks; a million instructions: {} ticks",
                args,
                ticks,
                calibration
            );
            exit(0)
        }
        _ => failed("the bench guest failed"),
    }
}

/// The guest's module, compiled, and the board file's board.
fn load(guest: &str, board: &str) -> ((wasmi::Engine, wasmi::Module), wasi_hw_board::board::Board) {
    let mut wasm = read_file(guest).unwrap_or_else(|why| failed(&format!("{guest}: {why}")));
    model::strip_custom_sections(&mut wasm);
    let module = model::compile(&wasm).unwrap_or_else(|e| failed(&format!("{guest}: {e}")));
    // The engine keeps what it needs; the heap is small.
    drop(wasm);
    let text = read_file(board).unwrap_or_else(|why| failed(&format!("{board}: {why}")));
    let text =
        String::from_utf8(text).unwrap_or_else(|_| failed(&format!("{board}: not UTF-8 text")));
    let board = parse_str(board, &text).unwrap_or_else(|e| failed(&format!("{e}")));
    (module, board)
}

/// Runs `case` of the test guest at `guest` on the board file at `board`.
pub fn run(case: &str, guest: &str, board: &str) -> ! {
    let (module, board) = load(guest, board);
    let model::Ended { outcome, host, .. } = model::run(&module, board, &[case], FUEL)
        .unwrap_or_else(|e| failed(&format!("{guest}: {e}")));
    for event in &host.board.trace.events {
        hprintln!("{}", event.to_json());
    }
    match outcome {
        Outcome::Ok => exit(0),
        Outcome::Err(message) | Outcome::Stopped(message) => {
            heprintln!("{}", message);
            exit(1)
        }
    }
}

/// The firmware cannot run the case: says why, exits 2.
fn failed(why: &str) -> ! {
    heprintln!("firmware: {}", why);
    exit(2)
}
