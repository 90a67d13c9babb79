//! Hostile guests against the generated no_std shim on wasmi: hand-written
//! core modules that send what no honest guest would. Each one must end in
//! a clean trap that says what was wrong, and the host must go on to serve
//! the next guest. Where the spec defines an answer for an extreme (a list
//! past the host's limit, a timeout past the end of time), the same module,
//! made a component, runs on wasmtime too, and both hosts must give that
//! answer rather than trap.

use std::path::Path;

use wasi_hw_host::board::{self, Board};
use wasi_hw_host::host::{Echo, Limits, Outcome, RunResult, Runner};
use wasi_hw_host::shim::{Adapter, CoreRunner};

fn board() -> Board {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/board.toml");
    board::file::load(&path, false).unwrap()
}

/// A guest whose `run` executes `body`, with the imports below, memory at
/// 16: "out", 32: "bus", 48: invalid UTF-8; and a `cabi_realloc` given by
/// `realloc` (a function body returning an i32).
fn guest(body: &str, realloc: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "wasi-hw:hal/gpio@0.1.0" "open" (func $pin_open (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "list-pins" (func $list_pins (param i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.set-high" (func $set_high (param i32 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.is-high" (func $is_high (param i32 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[resource-drop]pin" (func $drop_pin (param i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "open" (func $bus_open (param i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.write" (func $write (param i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.transaction" (func $transaction (param i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/log@0.1.0" "log" (func $log (param i32 i32 i32)))
  (import "wasi-hw:hal/timer@0.1.0" "now" (func $now (result i64)))
  (import "wasi-hw:hal/timer@0.1.0" "sleep" (func $sleep (param i64)))
  (import "wasi-hw:hal/timer@0.1.0" "[static]one-shot.after" (func $one_shot_after (param i64 i32)))
  (import "wasi-hw:hal/timer@0.1.0" "[method]one-shot.subscribe" (func $subscribe (param i32) (result i32)))
  (import "wasi-hw:hal/poll@0.1.0" "poll" (func $poll (param i32 i32 i32 i64 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "open" (func $sensor_open (param i32 i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.start" (func $sensor_start (param i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.subscribe-threshold" (func $threshold (param i32 i32 f64 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out")
  (data (i32.const 32) "bus")
  (data (i32.const 48) "\ff\fe")
  (data (i32.const 64) "motion")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) {realloc})
  ;; Opens pin "out" as a push-pull output; its handle is at 260.
  (func $open_out
    (call $pin_open (i32.const 16) (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 256)))
  (func (export "run") (param i32 i32) (result i32) (local $i i32)
    {body}
    ;; ok: a zero discriminant in a zeroed return area
    (i32.const 1024))
)"#
    );
    wat::parse_str(wat).unwrap()
}

const BUMP: &str = "(i32.const 2048)";

/// Runs the guest through both generated wasmi adapters (typed functions,
/// and one trampoline over `dispatch`), which must end it the same way.
fn run(bytes: &[u8]) -> Outcome {
    let [typed, dispatch] = [Adapter::Typed, Adapter::Dispatch].map(|adapter| {
        CoreRunner::with_adapter(bytes, adapter)
            .unwrap()
            .run(board(), &["case".to_string()], &Limits::default())
            .unwrap()
            .outcome
    });
    assert_eq!(format!("{typed:?}"), format!("{dispatch:?}"));
    typed
}

/// The core module `core` (from [`guest`]) made a component of world
/// `wasi-hw:hal/app`, with the world's description taken from a guest-sdk
/// build (blinky's core module), as wit-bindgen would have embedded it.
fn component(core: &[u8]) -> Vec<u8> {
    let blinky = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    let (_, app) = wit_component::metadata::decode(&blinky).unwrap();
    let mut module = core.to_vec();
    wit_component::embed_component_metadata(
        &mut module,
        &app.resolve,
        app.world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .unwrap();
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .unwrap()
        .encode()
        .unwrap()
}

/// What a guest did on each host: the core module on both wasmi adapters
/// (which must agree) and its component on wasmtime.
struct Runs {
    core: RunResult,
    component: RunResult,
}

fn run_everywhere(core: &[u8]) -> Runs {
    run_everywhere_within(core, &Limits::default())
}

fn run_everywhere_within(core: &[u8], limits: &Limits) -> Runs {
    let [typed, dispatch] = [Adapter::Typed, Adapter::Dispatch].map(|adapter| {
        CoreRunner::with_adapter(core, adapter)
            .unwrap()
            .run(board(), &["case".to_string()], limits)
            .unwrap()
    });
    assert_eq!(
        format!("{:?}", typed.outcome),
        format!("{:?}", dispatch.outcome)
    );
    assert_eq!(
        typed.host.board.trace.json_lines(),
        dispatch.host.board.trace.json_lines()
    );
    let component = Runner::new(&component(core), false)
        .unwrap()
        .run(board(), &["case".to_string()], limits, Echo::Off)
        .unwrap();
    Runs {
        core: typed,
        component,
    }
}

/// The trace lines of `interface` in a run, as JSON without the time.
fn lines(run: &RunResult, interface: &str) -> Vec<String> {
    run.host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == interface)
        .map(|e| format!("{} {} -> {}", e.op, e.args, e.result))
        .collect()
}

fn trap(body: &str, realloc: &str) -> String {
    match run(&guest(body, realloc)) {
        Outcome::Trapped(m) => m,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn an_honest_guest_of_the_same_shape_succeeds() {
    let outcome = run(&guest(
        "(call $open_out) (call $set_high (i32.load (i32.const 260)) (i32.const 512))
         (call $log (i32.const 2) (i32.const 16) (i32.const 3))",
        BUMP,
    ));
    assert!(matches!(outcome, Outcome::Success), "{outcome:?}");
}

#[test]
fn a_pointer_past_the_end_of_memory_traps() {
    let m = trap(
        "(call $log (i32.const 2) (i32.const 65530) (i32.const 100))",
        BUMP,
    );
    assert!(m.contains("guest pointer out of bounds"), "{m}");
}

#[test]
fn a_pointer_and_length_whose_sum_overflows_trap() {
    let m = trap(
        "(call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x20))",
        BUMP,
    );
    assert!(m.contains("guest pointer out of bounds"), "{m}");
}

#[test]
fn invalid_utf8_traps() {
    let m = trap(
        "(call $log (i32.const 2) (i32.const 48) (i32.const 2))",
        BUMP,
    );
    assert!(m.contains("string is not UTF-8"), "{m}");
}

#[test]
fn a_bad_enum_discriminant_traps() {
    let m = trap(
        "(call $log (i32.const 5) (i32.const 16) (i32.const 3))",
        BUMP,
    );
    assert!(m.contains("invalid discriminant"), "{m}");
}

#[test]
fn a_bad_variant_discriminant_traps() {
    // Opens "bus" (handle at 260), then writes with address case 2 of 2.
    let m = trap(
        "(call $bus_open (i32.const 32) (i32.const 3) (i32.const 256))
         (call $write (i32.load (i32.const 260)) (i32.const 2) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 512))",
        BUMP,
    );
    assert!(m.contains("invalid discriminant"), "{m}");
}

#[test]
fn a_forged_handle_traps() {
    let m = trap("(call $set_high (i32.const 42) (i32.const 512))", BUMP);
    assert!(m.contains("invalid resource handle"), "{m}");
    let m = trap("(call $set_high (i32.const 0) (i32.const 512))", BUMP);
    assert!(m.contains("invalid resource handle"), "{m}");
}

#[test]
fn a_double_drop_traps() {
    let m = trap(
        "(call $open_out)
         (call $drop_pin (i32.load (i32.const 260)))
         (call $drop_pin (i32.load (i32.const 260)))",
        BUMP,
    );
    assert!(m.contains("invalid resource handle"), "{m}");
}

#[test]
fn a_handle_used_after_its_drop_traps() {
    let m = trap(
        "(call $open_out)
         (call $drop_pin (i32.load (i32.const 260)))
         (call $set_high (i32.load (i32.const 260)) (i32.const 512))",
        BUMP,
    );
    assert!(m.contains("invalid resource handle"), "{m}");
}

#[test]
fn a_misaligned_return_area_traps() {
    let m = trap(
        // list<pin-info> is a pointer and a length: aligned to 4.
        "(call $list_pins (i32.const 514))",
        BUMP,
    );
    assert!(m.contains("guest pointer misaligned"), "{m}");
}

#[test]
fn a_return_area_past_the_end_traps() {
    let m = trap("(call $list_pins (i32.const 65534))", BUMP);
    assert!(m.contains("guest pointer"), "{m}");
}

#[test]
fn a_return_area_past_the_end_traps_even_if_realloc_then_grows_memory() {
    // The return pointer is the end of memory as it is at the call. It is
    // checked right after the call, before lowering calls cabi_realloc,
    // which here grows memory past it: still a trap, as the canonical ABI
    // says.
    let m = trap(
        "(call $list_pins (i32.mul (memory.size) (i32.const 65536)))",
        "(drop (memory.grow (i32.const 1))) (i32.const 2048)",
    );
    assert!(m.contains("guest pointer out of bounds"), "{m}");
}

#[test]
fn a_realloc_that_answers_garbage_traps() {
    for garbage in [
        "(i32.const 0xffffff00)",
        "(i32.const 65535)",
        "(i32.const 2049)",
    ] {
        // The host's first call of cabi_realloc: the app's arguments.
        let m = trap("(call $list_pins (i32.const 512))", garbage);
        assert_eq!(
            m,
            "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
            "{garbage}"
        );
    }
}

#[test]
fn a_realloc_that_traps_is_reported() {
    // wasmi reports the guest's own trap, from inside its cabi_realloc.
    let m = trap("(call $list_pins (i32.const 512))", "unreachable");
    assert!(m.contains("unreachable"), "{m}");
}

/// A `cabi_realloc` that answers the host's first two calls (the app's
/// arguments) and then does `then`.
fn realloc_then(then: &str) -> String {
    format!(
        "(i32.store (i32.const 4000) (i32.add (i32.load (i32.const 4000)) (i32.const 1)))
         (if (i32.gt_u (i32.load (i32.const 4000)) (i32.const 2)) (then {then}))
         (i32.const 2048)"
    )
}

#[test]
fn a_realloc_that_traps_in_an_import_is_reported_with_its_cause() {
    let m = trap(
        "(call $list_pins (i32.const 512))",
        &realloc_then("unreachable"),
    );
    assert_eq!(
        m,
        "the app trapped in its cabi_realloc, called by the host: wasm `unreachable` instruction executed"
    );
}

#[test]
fn a_realloc_that_spins_in_an_import_runs_out_of_the_apps_fuel() {
    let core = guest(
        "(call $list_pins (i32.const 512))",
        &realloc_then("(loop $spin (br $spin))"),
    );
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    for adapter in [Adapter::Typed, Adapter::Dispatch] {
        let run = CoreRunner::with_adapter(&core, adapter)
            .unwrap()
            .run(board(), &["case".to_string()], &limits)
            .unwrap();
        let Outcome::Trapped(m) = run.outcome else {
            panic!("{:?}", run.outcome)
        };
        assert_eq!(
            m,
            "the app used all its fuel (1000000) and was stopped (--fuel)"
        );
    }
}

#[test]
fn a_realloc_that_calls_the_host_traps() {
    let m = trap(
        "(call $list_pins (i32.const 512))",
        "(drop (call $now)) (i32.const 2048)",
    );
    assert!(m.contains("called the host from cabi_realloc"), "{m}");
}

#[test]
fn the_host_serves_the_next_guest_after_hostile_ones() {
    for body in [
        "(call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x20))",
        "(call $set_high (i32.const 42) (i32.const 512))",
        "(call $list_pins (i32.const 512))",
    ] {
        let _ = trap(body, "unreachable");
    }
    let runner = CoreRunner::new(&std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap()).unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("boards/demo.toml");
    let board = board::file::load(&demo, false).unwrap();
    let run = runner
        .run(board, &["2".to_string()], &Limits::default())
        .unwrap();
    assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
    let toggles = run
        .host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == "gpio" && e.op == "toggle")
        .count();
    assert!(toggles >= 4, "blinky toggled the LED {toggles} times");
}

#[test]
fn poll_over_100000_pollables_answers_too_many_on_every_host() {
    // One timer's pollable (handle at 1028), its handle 100,000 times from
    // 65536 on, then poll over the list.
    let body = "(drop (memory.grow (i32.const 7)))
        (call $one_shot_after (i64.const 1000) (i32.const 1024))
        (i32.store (i32.const 1028) (call $subscribe (i32.load (i32.const 1028))))
        (local.set $i (i32.const 0))
        (loop $fill
          (i32.store (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 4)))
                     (i32.load (i32.const 1028)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $i) (i32.const 100000))))
        (call $poll (i32.const 65536) (i32.const 100000) (i32.const 0) (i64.const 0) (i32.const 512))";
    let runs = run_everywhere(&guest(body, BUMP));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        assert_eq!(
            lines(run, "poll"),
            ["poll {\"count\":100000,\"timeout-ns\":null} -> {\"err\":\"too-many\"}"]
        );
    }
}

#[test]
fn poll_of_nothing_with_a_timeout_past_the_end_of_time_is_an_empty_wait_on_every_host() {
    // sleep(u64::MAX) moves the clock to its end; a 5 ns timeout would pass
    // it, so it counts as none, and an empty list with none is empty-wait.
    let body = "(call $sleep (i64.const -1))
        (call $poll (i32.const 0) (i32.const 0) (i32.const 1) (i64.const 5) (i32.const 512))";
    let runs = run_everywhere(&guest(body, BUMP));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        assert_eq!(
            lines(run, "poll"),
            ["poll {\"count\":0,\"timeout-ns\":5} -> {\"err\":\"empty-wait\"}"]
        );
    }
}

#[test]
fn a_pins_handle_passed_as_a_bus_traps_on_every_host() {
    // Opens pin "out" (handle at 260), then writes to bus "its handle".
    let body = "(call $open_out)
        (call $write (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 512))";
    let runs = run_everywhere(&guest(body, BUMP));
    let Outcome::Trapped(core) = &runs.core.outcome else {
        panic!("{:?}", runs.core.outcome)
    };
    assert!(
        core.starts_with(
            "the app trapped: resource handle of the wrong type: a `wasi-hw:hal/gpio.pin` handle used as a `wasi-hw:hal/i2c.bus`"
        ),
        "{core}"
    );
    let Outcome::Trapped(component) = &runs.component.outcome else {
        panic!("{:?}", runs.component.outcome)
    };
    assert!(
        component.contains("used with the wrong type"),
        "{component}"
    );
    // Neither host wrote to a bus.
    assert_eq!(lines(&runs.core, "i2c"), Vec::<String>::new());
    assert_eq!(lines(&runs.component, "i2c"), Vec::<String>::new());
}

/// A transaction of `count` one-byte reads from the EEPROM at 0x50 of
/// "bus" (max-transfer 64): the operations from 65536 on, 12 bytes each.
fn transaction(count: u32) -> Vec<u8> {
    let body = format!(
        "(drop (memory.grow (i32.const 20)))
        (call $bus_open (i32.const 32) (i32.const 3) (i32.const 256))
        (local.set $i (i32.const 0))
        (loop $fill
          (i32.store (i32.add (i32.const 65540) (i32.mul (local.get $i) (i32.const 12))) (i32.const 1))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $i) (i32.const {count}))))
        (call $transaction (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50)
          (i32.const 65536) (i32.const {count}) (i32.const 512))"
    );
    guest(&body, BUMP)
}

/// The transaction's trace line: how many operations it shows, and its
/// result.
fn traced_transaction(run: &RunResult) -> (usize, String) {
    let e = run
        .host
        .board
        .trace
        .events
        .iter()
        .find(|e| e.op == "transaction")
        .expect("a transaction line");
    (
        e.args["operations"].as_array().map_or(0, Vec::len),
        e.result.to_string(),
    )
}

#[test]
fn a_transaction_holds_at_most_max_transfer_length_operations_on_every_host() {
    // 64 one-byte reads: the most a transaction on this bus may hold.
    let runs = run_everywhere(&transaction(64));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        let (shown, result) = traced_transaction(run);
        assert_eq!(shown, 64);
        assert!(result.starts_with("{\"ok\":[\""), "{result}");
    }
    // 100,000: invalid-argument, and the host takes in no more of the
    // list than one operation past the limit (what the trace shows).
    let runs = run_everywhere(&transaction(100_000));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        assert_eq!(
            traced_transaction(run),
            (65, "{\"err\":\"invalid-argument\"}".to_string())
        );
    }
}

#[test]
fn an_app_that_logs_for_ever_keeps_its_hosts_memory_within_the_budgets() {
    // 20,000 messages of 4 KiB (80 MiB) against the default budgets: the
    // trace keeps 18 MiB of events (three quarters of its 24), the log
    // 4 MiB, each its latest.
    let body = "(local.set $i (i32.const 0))
        (loop $log
          (call $log (i32.const 2) (i32.const 4096) (i32.const 4096))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $log (i32.lt_u (local.get $i) (i32.const 20000))))";
    let runs = run_everywhere(&guest(body, BUMP));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        let trace = &run.host.board.trace;
        assert_eq!(trace.recorded, 20_000);
        assert_eq!(trace.dropped_events + trace.events.len() as u64, 20_000);
        // Each line is its 4,096-byte message and less than 600 bytes more.
        assert!(
            (18 << 20) / 4700 < trace.events.len() && trace.events.len() <= (18 << 20) / 4096,
            "{} lines kept",
            trace.events.len()
        );
        let log = &run.host.log;
        assert_eq!(run.host.log_dropped + log.len() as u64, 20_000);
        let kept: usize = log.iter().map(|l| l.message.len()).sum();
        assert!(
            kept <= 4 << 20 && kept > (4 << 20) - 2 * 4096 - 64 * log.len(),
            "{kept} bytes kept"
        );
    }
}

#[test]
fn a_wait_for_a_threshold_never_crossed_is_ended_by_the_timeout_on_every_host() {
    // The accelerometer "motion" samples every 10 ms a sine of peak 5 m/s²;
    // the guest waits, with no timeout, for acceleration-x above 1000.
    // Under virtual time the host checks every sample, for ever, unless the
    // wait itself looks at the wall clock.
    let body = "(call $sensor_open (i32.const 64) (i32.const 6) (i32.const 256))
        (call $sensor_start (i32.load (i32.const 260)) (i32.const 512))
        (call $threshold (i32.load (i32.const 260)) (i32.const 3) (f64.const 1000) (i32.const 1) (i32.const 600))
        (i32.store (i32.const 700) (i32.load (i32.const 604)))
        (call $poll (i32.const 700) (i32.const 1) (i32.const 0) (i64.const 0) (i32.const 800))";
    let limits = Limits {
        timeout: std::time::Duration::from_millis(300),
        ..Limits::default()
    };
    let runs = run_everywhere_within(&guest(body, BUMP), &limits);
    for run in [&runs.core, &runs.component] {
        let Outcome::Trapped(m) = &run.outcome else {
            panic!("{:?}", run.outcome)
        };
        assert!(
            m.starts_with(
                "the app was stopped: the app waited past its wall-clock limit of 300ms (--timeout)"
            ),
            "{m}"
        );
    }
}
