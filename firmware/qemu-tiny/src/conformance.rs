//! One conformance case, in the runner's external-host protocol
//! (conformance/README.md), with the `conformance` feature: the firmware
//! reads the test guest's core module and the board file from the machine
//! that runs QEMU, validates the module here (it comes unsigned) and
//! computes the interpreter's side table, runs the case on the board model
//! (`wasi_hw_board::host::BoardHost`) through the same wasefire adapter as
//! the apps, prints the trace as JSON lines on standard output, and exits 0
//! when the guest's `run` returned ok, 1 when it returned an error or was
//! stopped (the message on standard error), 2 when the firmware could not
//! run it at all.
//!
//! Memory, as `wasi-hw-wasefire run` on the build machine: fixed at what
//! the module starts with, as the tiny profile runs apps, unless the
//! command line gives a maximum in bytes (`run-case.sh` passes
//! `WASI_HW_MAX_MEMORY`): then the module's maximum is rewritten to it, so
//! that `memory.grow` past it fails, and the buffer is that large. The test
//! guest allocates with a free-list allocator that grows memory and needs
//! the maximum; the hostile guests run fixed, since the glue sees the whole
//! buffer (host-shim/README.md, "With wasefire-interpreter").

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use cortex_m_semihosting::{heprintln, hprintln};
use wasefire_interpreter::{Module, Store};
use wasi_hw_board::board::file::parse_str;
use wasi_hw_board::host::BoardHost;
use wasi_hw_mps2::semihosting::{exit, read_file};
use wasi_hw_shim::Ran;
use wasi_hw_shim::app::{self, Tables};
use wasi_hw_shim::wasefire::{self, Stop};

/// Handles the guest may hold at once: the reference host's default.
const MAX_HANDLES: usize = 64;
/// The most bytes of trace and of log messages the host keeps (as the wasmi
/// firmware: the board model's defaults are larger than the heap).
const MAX_TRACE_BYTES: usize = 128 << 10;
const MAX_LOG_BYTES: usize = 16 << 10;

type CaseTables =
    Tables<BoardHost, MAX_HANDLES, MAX_HANDLES, MAX_HANDLES, MAX_HANDLES, MAX_HANDLES, MAX_HANDLES>;

/// Runs `case` of the test guest at `guest` on the board file at `board`,
/// with at most `max_memory` bytes of linear memory (`None`: what the
/// module starts with).
pub fn run(case: &str, guest: &str, board: &str, max_memory: Option<&str>) -> ! {
    let max_pages = max_memory.map(|bytes| match bytes.parse::<u32>() {
        Ok(bytes) => bytes.div_ceil(65536),
        Err(_) => failed(&format!(
            "the maximum memory {bytes:?} is not a number of bytes"
        )),
    });
    let (ran, message, host) = execute(guest, board, &[case], max_pages, false);
    for event in &host.board.trace.events {
        hprintln!("{}", event.to_json());
    }
    end(ran, message, host)
}

/// Runs the guest at `guest` with `args` on the board file at `board`, in
/// up to 1 MiB of memory, counting SysTick ticks over the run
/// (instantiation included), and prints them with the ticks a loop of a
/// million instructions takes: on QEMU with `-icount shift=0`, the cost of
/// a host call in instructions is the difference between two counts, over
/// the calls (`cargo xtask firmware` does this with the `bench` guest).
pub fn bench(guest: &str, board: &str, args: &[&str]) -> ! {
    let calibration = wasi_hw_mps2::clock::calibrate(1_000_000);
    let (ran, message, host) = execute(guest, board, args, Some(16), true);
    let ticks = wasi_hw_mps2::clock::ticks();
    if let Ok(Ran::Ok) = ran {
        hprintln!(
            "bench {:?}: {} ticks; a million instructions: {} ticks",
            args,
            ticks,
            calibration
        );
    }
    end(ran, message, host)
}

/// Exits as the protocol says for how `run` ended.
fn end(ran: Result<Ran, Stop>, message: Option<String>, mut host: BoardHost) -> ! {
    match ran {
        Ok(Ran::Ok) => exit(0),
        Ok(Ran::Err) => {
            heprintln!("{}", message.unwrap_or_default());
            exit(1)
        }
        Err(stop) => {
            match (host.trap.take(), stop) {
                (Some(why), _) => heprintln!("the app was stopped: {}", why),
                (None, stop) => heprintln!("{}", stop.report()),
            }
            exit(1)
        }
    }
}

/// Reads, validates and runs the guest with `args`: how `run` ended, its
/// error message, and the host. With `measure`, SysTick starts counting
/// just before the module is instantiated.
fn execute(
    guest: &str,
    board: &str,
    args: &[&str],
    max_pages: Option<u32>,
    measure: bool,
) -> (Result<Ran, Stop>, Option<String>, BoardHost) {
    let wasm = read_file(guest).unwrap_or_else(|why| failed(&format!("{guest}: {why}")));
    let (bounded, pages) = wasefire::bounded(&wasm, max_pages)
        .unwrap_or_else(|why| failed(&format!("{guest}: {why}")));
    drop(wasm);
    let prepared = wasefire_interpreter::prepare(&bounded)
        .unwrap_or_else(|e| failed(&format!("{guest}: wasefire-interpreter refuses it ({e:?})")));
    drop(bounded);
    let module = Module::new(&prepared)
        .unwrap_or_else(|e| failed(&format!("{guest}: refused after its side table ({e:?})")));
    let text = read_file(board).unwrap_or_else(|why| failed(&format!("{board}: {why}")));
    let text =
        String::from_utf8(text).unwrap_or_else(|_| failed(&format!("{board}: not UTF-8 text")));
    let board = parse_str(board, &text).unwrap_or_else(|e| failed(&format!("{e}")));
    drop(text);

    // The interpreter wants its memory aligned to 16 bytes.
    let bytes = pages as usize * 65536;
    let mut buffer: Vec<u8> = alloc::vec![0; bytes + wasefire_interpreter::MEMORY_ALIGN];
    let offset = buffer
        .as_ptr()
        .align_offset(wasefire_interpreter::MEMORY_ALIGN);
    let memory = &mut buffer[offset..offset + bytes];
    if measure {
        wasi_hw_mps2::clock::start();
    }
    let mut store = Store::default();
    let linked = app::wasefire::link_for(&mut store, &prepared)
        .unwrap_or_else(|e| failed(&format!("linking the world's imports ({e:?})")));
    let inst = store.instantiate(module, memory).unwrap_or_else(|e| {
        failed(&format!(
            "{guest}: cannot be instantiated ({e:?}): it imports what the world does not have"
        ))
    });
    let mut host = BoardHost::new(board, MAX_HANDLES);
    host.board.trace.max_bytes = MAX_TRACE_BYTES;
    host.max_log_bytes = MAX_LOG_BYTES;
    let mut tables = CaseTables::new();
    let mut message = None;
    let ran = wasi_hw_shim::wasefire::call_run(
        &mut store,
        inst,
        args,
        |m| message = Some(String::from(m)),
        |store| app::wasefire::serve(store, &linked, &mut host, &mut tables),
    );
    (ran, message, host)
}

/// The firmware cannot run the case: says why, exits 2.
fn failed(why: &str) -> ! {
    heprintln!("firmware: {}", why);
    exit(2)
}
