//! How soon after its wall-clock limit (`--timeout`) a run ends, on every
//! host, for the guests that used to outlive it: one that spins, one that
//! calls the host in a loop (a busy wait on `timer.now`, whose clock never
//! moves under virtual time), and one that waits for a sensor threshold
//! never crossed. Each is a hand-written core module run through the shim
//! on wasmi and, made a component, on wasmtime.
//!
//! The baseline, in the same run: wasmi without slices (`slice =
//! u64::MAX`, as before they existed), where only fuel ends a spin: the
//! time it takes to use `--fuel 4e9`, the default then. And the cost of
//! slices: a guest that counts to 2e8 and returns, with and without them.
//!
//! Run: `cargo bench -p wasi-hw-host --bench timeout`. Medians and maxima
//! of repeated runs; no timing here is a test.

use std::path::Path;
use std::time::{Duration, Instant};

use wasi_hw_host::board::{self, Board};
use wasi_hw_host::host::{Echo, Limits, Outcome, Runner};
use wasi_hw_host::shim::CoreRunner;

const LIMIT: Duration = Duration::from_millis(500);
const RUNS: usize = 7;

fn board() -> Board {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/board.toml");
    board::file::load(&path, false).unwrap()
}

fn guest(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
  (import "wasi-hw:hal/timer@0.1.0" "now" (func $now (result i64)))
  (import "wasi-hw:hal/poll@0.1.0" "poll" (func $poll (param i32 i32 i32 i64 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "open" (func $sensor_open (param i32 i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.start" (func $sensor_start (param i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.subscribe-threshold" (func $threshold (param i32 i32 f64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "motion")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 2048))
  (func (export "run") (param i32 i32) (result i32) (local $i i32)
    {body}
    (i32.const 1024)))"#
    ))
    .unwrap()
}

/// The core module made a component of world `wasi-hw:hal/app`, as the
/// hostile tests do.
fn component(core: &[u8]) -> Vec<u8> {
    let blinky = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    let mut module = core.to_vec();
    wasi_hw_host::component::describe_as(&mut module, &blinky).unwrap();
    wasi_hw_host::component::from_module(&module).unwrap()
}

/// Seconds a run took, and how it ended.
fn time(run: impl FnOnce() -> Outcome) -> (f64, Outcome) {
    let start = Instant::now();
    let outcome = run();
    (start.elapsed().as_secs_f64(), outcome)
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    let cases = [
        ("spin", "(loop $spin (br $spin))"),
        ("now loop", "(loop $spin (drop (call $now)) (br $spin))"),
        (
            "threshold",
            "(call $sensor_open (i32.const 64) (i32.const 6) (i32.const 256))
             (call $sensor_start (i32.load (i32.const 260)) (i32.const 512))
             (call $threshold (i32.load (i32.const 260)) (i32.const 3) (f64.const 1000) (i32.const 1) (i32.const 600))
             (i32.store (i32.const 700) (i32.load (i32.const 604)))
             (call $poll (i32.const 700) (i32.const 1) (i32.const 0) (i64.const 0) (i32.const 800))",
        ),
    ];
    let limits = Limits {
        timeout: LIMIT,
        ..Limits::default()
    };
    let args = ["case".to_string()];
    println!("time past a --timeout of {LIMIT:?}, ms (median and max of {RUNS} runs):");
    println!("{:<10} {:>16} {:>16}", "guest", "wasmi (shim)", "wasmtime");
    for (name, body) in cases {
        let core = guest(body);
        let shim = CoreRunner::new(&core).unwrap();
        let wasmtime = Runner::new(&component(&core), false).unwrap();
        let mut past = [Vec::new(), Vec::new()];
        for _ in 0..RUNS {
            let (t, o) = time(|| shim.run(board(), &args, &limits).unwrap().outcome);
            assert!(
                matches!(o, Outcome::Trapped(ref m) if m.contains("--timeout")),
                "{o:?}"
            );
            past[0].push((t - LIMIT.as_secs_f64()) * 1e3);
            let (t, o) = time(|| {
                wasmtime
                    .run(board(), &args, &limits, Echo::Off)
                    .unwrap()
                    .outcome
            });
            assert!(
                matches!(o, Outcome::Trapped(ref m) if m.contains("--timeout")),
                "{o:?}"
            );
            past[1].push((t - LIMIT.as_secs_f64()) * 1e3);
        }
        let [(sm, sx), (wm, wx)] = past.map(stats);
        println!("{name:<10} {sm:>7.1} {sx:>8.1} {wm:>7.1} {wx:>8.1}");
    }

    // The baseline: no slices, the old default fuel.
    let spin = guest("(loop $spin (br $spin))");
    let mut whole = CoreRunner::new(&spin).unwrap();
    whole.slice = u64::MAX;
    let old = Limits {
        fuel: Some(4_000_000_000),
        ..Limits::default()
    };
    let (t, o) = time(|| whole.run(board(), &args, &old).unwrap().outcome);
    assert!(
        matches!(o, Outcome::Trapped(ref m) if m.contains("fuel")),
        "{o:?}"
    );
    println!(
        "baseline: wasmi without slices, the spin ends by --fuel 4e9 after {:.0} ms",
        t * 1e3
    );

    // The cost of slices on a guest that computes and returns.
    let count = guest(
        "(loop $count
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $count (i32.lt_u (local.get $i) (i32.const 200000000))))",
    );
    let sliced = CoreRunner::new(&count).unwrap();
    let mut whole = CoreRunner::new(&count).unwrap();
    whole.slice = u64::MAX;
    let long = Limits::default();
    let mut ts = [Vec::new(), Vec::new()];
    for _ in 0..RUNS {
        for (i, runner) in [&sliced, &whole].into_iter().enumerate() {
            let (t, o) = time(|| runner.run(board(), &args, &long).unwrap().outcome);
            assert!(matches!(o, Outcome::Success), "{o:?}");
            ts[i].push(t * 1e3);
        }
    }
    let [(s, _), (w, _)] = ts.map(stats);
    println!(
        "a count to 2e8 on wasmi: {s:.1} ms in slices of {} fuel, {w:.1} ms in one go ({:+.2}%)",
        wasi_hw_host::shim::SLICE,
        (s / w - 1.0) * 100.0
    );
}
