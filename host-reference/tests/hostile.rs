//! Hostile guests: hand-written core modules that send what no honest guest
//! would, run on every host: through the generated no_std shim on both
//! wasmi adapters (which must agree) and, made a component, on wasmtime.
//! Each must end in a clean trap that says what was wrong, having done on
//! every host the same before it, and the host must go on to serve the next
//! guest. Where the spec defines an answer for an extreme (a list past the
//! host's limit, a timeout past the end of time), every host must give that
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
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.reconfigure" (func $reconfigure (param i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.wait-for-edge" (func $wait_for_edge (param i32 i32 i32 i64 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.subscribe" (func $pin_subscribe (param i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "open" (func $bus_open (param i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.read" (func $read (param i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.write" (func $write (param i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.write-read" (func $write_read (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/i2c@0.1.0" "[method]bus.transaction" (func $transaction (param i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/log@0.1.0" "log" (func $log (param i32 i32 i32)))
  (import "wasi-hw:hal/log@0.1.0" "enabled" (func $enabled (param i32) (result i32)))
  (import "wasi-hw:hal/timer@0.1.0" "now" (func $now (result i64)))
  (import "wasi-hw:hal/timer@0.1.0" "sleep" (func $sleep (param i64)))
  (import "wasi-hw:hal/timer@0.1.0" "[static]one-shot.after" (func $one_shot_after (param i64 i32)))
  (import "wasi-hw:hal/timer@0.1.0" "[method]one-shot.subscribe" (func $subscribe (param i32) (result i32)))
  (import "wasi-hw:hal/poll@0.1.0" "poll" (func $poll (param i32 i32 i32 i64 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "open" (func $sensor_open (param i32 i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.start" (func $sensor_start (param i32 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.set-attribute" (func $set_attribute (param i32 i32 i64 f64 i32)))
  (import "wasi-hw:hal/sensor@0.1.0" "[method]sensor.get-attribute" (func $get_attribute (param i32 i32 i32)))
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
    let component = Runner::new(&component(core), limits.fuel.is_some())
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

/// How a hostile guest ended on each host: the message of its trap on the
/// shim (both wasmi adapters, which must agree) and on wasmtime.
#[derive(Debug)]
struct Traps {
    shim: String,
    wasmtime: String,
}

impl Traps {
    /// Each host said what was wrong, in its own words.
    fn say(&self, shim: &str, wasmtime: &str) {
        assert!(
            self.shim.contains(shim) && self.wasmtime.contains(wasmtime),
            "expected {shim:?} and {wasmtime:?} in {self:#?}"
        );
    }
}

/// Runs `body` on every host, which must each trap, having done the same
/// before it: what a host refused never reached its board.
fn trap(body: &str, realloc: &str) -> Traps {
    let runs = run_everywhere(&guest(body, realloc));
    assert_eq!(
        runs.core.host.board.trace.json_lines(),
        runs.component.host.board.trace.json_lines()
    );
    let message = |run: &RunResult| match &run.outcome {
        Outcome::Trapped(m) => m.clone(),
        other => panic!("expected a trap, got {other:?}"),
    };
    Traps {
        shim: message(&runs.core),
        wasmtime: message(&runs.component),
    }
}

#[test]
fn an_honest_guest_of_the_same_shape_succeeds() {
    let runs = run_everywhere(&guest(
        "(call $open_out) (call $set_high (i32.load (i32.const 260)) (i32.const 512))
         (call $log (i32.const 2) (i32.const 16) (i32.const 3))",
        BUMP,
    ));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        assert_eq!(
            lines(run, "gpio"),
            [
                "open {\"config\":{\"active-low\":false,\"initial-high\":false,\"mode\":\"push-pull-output\",\"pull\":\"none\"},\"pin\":\"out\"} -> \"ok\"",
                "set-high {\"pin\":\"out\"} -> \"ok\""
            ]
        );
    }
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

#[test]
fn every_kind_of_bad_discriminant_in_an_argument_traps_on_every_host() {
    // Opens pin "out", bus "bus" and sensor "motion" (handles at 260, 1028
    // and 1036), then makes one call with one discriminant out of range.
    let open = "(call $open_out)
        (call $bus_open (i32.const 32) (i32.const 3) (i32.const 1024))
        (call $sensor_open (i32.const 64) (i32.const 6) (i32.const 1032))";
    let cases = [
        // enum level: 5 cases
        ("log.level", "(call $log (i32.const 5) (i32.const 16) (i32.const 3))"),
        ("log.enabled", "(drop (call $enabled (i32.const 5)))"),
        // record config { mode: enum of 3, pull: enum of 3, .. }
        ("open config.mode", "(call $pin_open (i32.const 16) (i32.const 3) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 256))"),
        ("open config.pull", "(call $pin_open (i32.const 16) (i32.const 3) (i32.const 1) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 256))"),
        ("reconfigure config.mode", "(call $reconfigure (i32.load (i32.const 260)) (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 512))"),
        // enum edge of 3, option<u64>
        ("wait-for-edge edge", "(call $wait_for_edge (i32.load (i32.const 260)) (i32.const 3) (i32.const 0) (i64.const 0) (i32.const 512))"),
        ("wait-for-edge timeout", "(call $wait_for_edge (i32.load (i32.const 260)) (i32.const 0) (i32.const 2) (i64.const 0) (i32.const 512))"),
        ("subscribe edge", "(call $pin_subscribe (i32.load (i32.const 260)) (i32.const 3) (i32.const 512))"),
        // variant address of 2
        ("read address", "(call $read (i32.load (i32.const 1028)) (i32.const 2) (i32.const 0x50) (i32.const 1) (i32.const 512))"),
        ("write address", "(call $write (i32.load (i32.const 1028)) (i32.const 2) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 512))"),
        ("write-read address", "(call $write_read (i32.load (i32.const 1028)) (i32.const 2) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 1) (i32.const 512))"),
        ("transaction address", "(call $transaction (i32.load (i32.const 1028)) (i32.const 2) (i32.const 0x50) (i32.const 2048) (i32.const 0) (i32.const 512))"),
        // list<variant operation of 2>: the second operation's case is 2
        ("transaction operation", "(i32.store (i32.const 2048) (i32.const 0)) (i32.store (i32.const 2052) (i32.const 1))
            (i32.store (i32.const 2060) (i32.const 2))
            (call $transaction (i32.load (i32.const 1028)) (i32.const 0) (i32.const 0x50) (i32.const 2048) (i32.const 2) (i32.const 512))"),
        // option<u64>
        ("poll timeout", "(call $poll (i32.const 0) (i32.const 0) (i32.const 2) (i64.const 0) (i32.const 512))"),
        // variant attribute of 3; record channel-range { channel: enum of 15 }
        ("set-attribute", "(call $set_attribute (i32.load (i32.const 1036)) (i32.const 3) (i64.const 0) (f64.const 0) (i32.const 512))"),
        ("set-attribute range.channel", "(call $set_attribute (i32.load (i32.const 1036)) (i32.const 2) (i64.const 15) (f64.const 1) (i32.const 512))"),
        // enum attribute-kind of 2
        ("get-attribute", "(call $get_attribute (i32.load (i32.const 1036)) (i32.const 2) (i32.const 512))"),
        // record threshold { channel: enum of 15, .. }
        ("subscribe-threshold channel", "(call $threshold (i32.load (i32.const 1036)) (i32.const 15) (f64.const 0) (i32.const 1) (i32.const 512))"),
    ];
    for (what, call) in cases {
        let traps = trap(&format!("{open} {call}"), BUMP);
        assert!(
            traps
                .shim
                .starts_with("the app trapped: invalid discriminant")
                && traps.wasmtime.contains("discriminant"),
            "{what}: {traps:#?}"
        );
    }
}

#[test]
fn any_nonzero_bool_is_true_on_every_host() {
    // The canonical ABI lifts a bool as "not zero": active-low 7 and
    // initial-high 2 open an inverted output that starts high (line low).
    let runs = run_everywhere(&guest(
        "(call $pin_open (i32.const 16) (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 7) (i32.const 2) (i32.const 256))",
        BUMP,
    ));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
        assert_eq!(
            lines(run, "gpio"),
            [
                "open {\"config\":{\"active-low\":true,\"initial-high\":true,\"mode\":\"push-pull-output\",\"pull\":\"none\"},\"pin\":\"out\"} -> \"ok\""
            ]
        );
    }
}

#[test]
fn a_bad_result_from_run_traps_on_every_host() {
    // run's result<_, string> at 1024: case 2 of 2; then case err with a
    // message past the end of memory; then one that is not UTF-8.
    for (body, shim, wasmtime) in [
        (
            "(i32.store8 (i32.const 1024) (i32.const 2))",
            "invalid discriminant",
            "discriminant",
        ),
        (
            "(i32.store8 (i32.const 1024) (i32.const 1)) (i32.store (i32.const 1028) (i32.const 65530)) (i32.store (i32.const 1032) (i32.const 100))",
            "guest pointer out of bounds",
            "out of bounds",
        ),
        (
            "(i32.store8 (i32.const 1024) (i32.const 1)) (i32.store (i32.const 1028) (i32.const 48)) (i32.store (i32.const 1032) (i32.const 2))",
            "not UTF-8",
            "invalid utf-8",
        ),
    ] {
        trap(body, BUMP).say(shim, wasmtime);
    }
}

#[test]
fn an_app_that_spins_or_calls_the_host_for_ever_is_ended_by_the_timeout_on_every_host() {
    // wasmi cannot be interrupted from outside: the shim's host runs `run`
    // in slices of fuel and looks at the clock between two.
    let limits = Limits {
        timeout: std::time::Duration::from_millis(300),
        ..Limits::default()
    };
    for body in [
        "(loop $spin (br $spin))",
        // A busy wait on a clock that never moves (virtual time).
        "(loop $spin (drop (call $now)) (br $spin))",
    ] {
        let runs = run_everywhere_within(&guest(body, BUMP), &limits);
        for run in [&runs.core, &runs.component] {
            let Outcome::Trapped(m) = &run.outcome else {
                panic!("{body}: {:?}", run.outcome)
            };
            assert!(
                m.starts_with(
                    "the app ran for more than 300ms of wall-clock time and was stopped (--timeout)"
                ),
                "{body}: {m}"
            );
        }
    }
}

#[test]
fn a_cabi_realloc_called_by_the_host_is_not_cut_short_by_the_end_of_a_slice() {
    // Each call of this cabi_realloc counts down from 1,000,000 (several
    // million fuel, more than one slice), then answers. Called from inside
    // list-pins it cannot be resumed, so it must get the app's fuel kept
    // aside too.
    let realloc = "(i32.store (i32.const 4004) (i32.const 1000000))
        (loop $count
          (i32.store (i32.const 4004) (i32.sub (i32.load (i32.const 4004)) (i32.const 1)))
          (br_if $count (i32.load (i32.const 4004))))
        (i32.const 2048)";
    let runs = run_everywhere(&guest("(call $list_pins (i32.const 512))", realloc));
    for run in [&runs.core, &runs.component] {
        assert!(matches!(run.outcome, Outcome::Success), "{:?}", run.outcome);
    }
}

/// One hostile guest of [`every_hostile_guest_in_turn_then_an_honest_one_on_every_host`]
/// (a class of the issue "a guest cannot hurt its host", or one covered
/// before it):
/// its `run` body and `cabi_realloc`, and the first line of its trap's
/// message on the shim and on wasmtime, exactly.
struct Case {
    what: &'static str,
    body: &'static str,
    realloc: &'static str,
    shim: &'static str,
    wasmtime: &'static str,
}

/// A `cabi_realloc` that answers the host's first two calls (the app's
/// arguments) and then spins, or traps.
const SPIN_IN_REALLOC_AFTER_ARGS: &str =
    "(i32.store (i32.const 4000) (i32.add (i32.load (i32.const 4000)) (i32.const 1)))
    (if (i32.gt_u (i32.load (i32.const 4000)) (i32.const 2)) (then (loop $spin (br $spin))))
    (i32.const 2048)";
const TRAP_IN_REALLOC_AFTER_ARGS: &str =
    "(i32.store (i32.const 4000) (i32.add (i32.load (i32.const 4000)) (i32.const 1)))
    (if (i32.gt_u (i32.load (i32.const 4000)) (i32.const 2)) (then unreachable))
    (i32.const 2048)";

const CASES: &[Case] = &[
    Case {
        what: "a string past the end of memory",
        body: "(call $log (i32.const 2) (i32.const 65530) (i32.const 100))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: string pointer/length out of bounds of memory",
    },
    Case {
        what: "a pointer and length whose sum overflows",
        body: "(call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x20))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: string pointer/length out of bounds of memory",
    },
    Case {
        what: "a string that is not UTF-8",
        body: "(call $log (i32.const 2) (i32.const 48) (i32.const 2))",
        realloc: BUMP,
        shim: "the app trapped: string is not UTF-8",
        wasmtime: "the app was stopped: invalid utf-8 sequence of 1 bytes from index 0",
    },
    Case {
        what: "an enum's discriminant out of range",
        body: "(call $log (i32.const 5) (i32.const 16) (i32.const 3))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: unexpected discriminant: 5",
    },
    Case {
        what: "a list of variants with a case out of range",
        body: "(call $bus_open (i32.const 32) (i32.const 3) (i32.const 256))
            (i32.store (i32.const 2048) (i32.const 2))
            (call $transaction (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50) (i32.const 2048) (i32.const 1) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: unexpected discriminant: 2",
    },
    Case {
        what: "a forged handle",
        body: "(call $set_high (i32.const 42) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 42",
    },
    Case {
        what: "handle 0, never given",
        body: "(call $set_high (i32.const 0) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 0",
    },
    Case {
        what: "a dropped handle used",
        body: "(call $open_out)
            (call $drop_pin (i32.load (i32.const 260)))
            (call $set_high (i32.load (i32.const 260)) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 1",
    },
    Case {
        what: "a handle dropped twice",
        body: "(call $open_out)
            (call $drop_pin (i32.load (i32.const 260)))
            (call $drop_pin (i32.load (i32.const 260)))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 1",
    },
    Case {
        what: "a pin's handle used as a bus",
        body: "(call $open_out)
            (call $write (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: resource handle of the wrong type: a `wasi-hw:hal/gpio.pin` handle used as a `wasi-hw:hal/i2c.bus`",
        wasmtime: "the app was stopped: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource",
    },
    Case {
        what: "a misaligned return area",
        body: "(call $list_pins (i32.const 514))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer misaligned",
        wasmtime: "the app was stopped: pointer not aligned",
    },
    Case {
        what: "a return area past the end of memory",
        body: "(call $list_pins (i32.const 65532))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: pointer out of bounds",
    },
    Case {
        what: "a cabi_realloc that traps",
        body: "(call $list_pins (i32.const 512))",
        realloc: "unreachable",
        shim: "the app trapped: wasm `unreachable` instruction executed",
        wasmtime: "the app trapped: wasm trap: wasm `unreachable` instruction executed",
    },
    Case {
        what: "a cabi_realloc that grows memory past the return area",
        body: "(call $list_pins (i32.mul (memory.size) (i32.const 65536)))",
        realloc: "(drop (memory.grow (i32.const 1))) (i32.const 2048)",
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: pointer out of bounds",
    },
    Case {
        what: "a cabi_realloc that answers past the end of memory",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 0xffffff00)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: beyond end of memory",
    },
    Case {
        what: "a cabi_realloc that answers misaligned",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 2049)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: result not aligned",
    },
    Case {
        what: "a cabi_realloc that traps, called from an import",
        body: "(call $list_pins (i32.const 512))",
        realloc: TRAP_IN_REALLOC_AFTER_ARGS,
        shim: "the app trapped in its cabi_realloc, called by the host: wasm `unreachable` instruction executed",
        wasmtime: "the app trapped: wasm trap: wasm `unreachable` instruction executed",
    },
    Case {
        what: "a cabi_realloc that answers an odd pointer for a list of records",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 65535)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: result not aligned",
    },
    Case {
        what: "a cabi_realloc that calls the host",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(drop (call $now)) (i32.const 2048)",
        shim: "the app trapped: the guest called the host from cabi_realloc",
        wasmtime: "the app trapped: wasm trap: cannot leave component instance",
    },
    Case {
        what: "a cabi_realloc that spins, called from an import",
        body: "(call $list_pins (i32.const 512))",
        realloc: SPIN_IN_REALLOC_AFTER_ARGS,
        shim: "the app used all its fuel (200000000) and was stopped (--fuel)",
        wasmtime: "the app used all its fuel (200000000) and was stopped (--fuel)",
    },
    Case {
        what: "a run that spins",
        body: "(loop $spin (br $spin))",
        realloc: BUMP,
        shim: "the app used all its fuel (200000000) and was stopped (--fuel)",
        wasmtime: "the app used all its fuel (200000000) and was stopped (--fuel)",
    },
    Case {
        what: "a run that logs 8 MiB, past the log's and the trace's budgets",
        body: "(loop $log
            (call $log (i32.const 2) (i32.const 4096) (i32.const 4096))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $log (i32.lt_u (local.get $i) (i32.const 2048))))",
        realloc: BUMP,
        shim: "Success",
        wasmtime: "Success",
    },
    Case {
        what: "a run whose result has a case out of range",
        body: "(i32.store8 (i32.const 1024) (i32.const 2))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: invalid expected discriminant",
    },
];

#[test]
fn every_hostile_guest_in_turn_then_an_honest_one_on_every_host() {
    // Small budgets, so that the guests that log for ever reach them; fuel
    // and time that end a spin soon, whichever comes first.
    let limits = Limits {
        max_trace_bytes: 256 << 10,
        max_log_bytes: 64 << 10,
        fuel: Some(200_000_000),
        timeout: std::time::Duration::from_secs(5),
        ..Limits::default()
    };
    let honest = guest(
        "(call $open_out) (call $set_high (i32.load (i32.const 260)) (i32.const 512))",
        BUMP,
    );
    let mut wrong = Vec::new();
    for case in CASES {
        let runs = run_everywhere_within(&guest(case.body, case.realloc), &limits);
        for (host, run, expected) in [
            ("shim", &runs.core, case.shim),
            ("wasmtime", &runs.component, case.wasmtime),
        ] {
            let first = match &run.outcome {
                Outcome::Trapped(m) => m.lines().next().unwrap_or_default().to_string(),
                other => format!("{other:?}"),
            };
            if first != expected {
                wrong.push(format!("{}, {host}: {first:?}", case.what));
            }
            let trace = &run.host.board.trace;
            assert!(
                trace.bytes() <= limits.max_trace_bytes,
                "{}: {}",
                case.what,
                trace.bytes()
            );
            assert!(
                run.host.log_bytes() <= limits.max_log_bytes,
                "{}",
                case.what
            );
        }
        // The next guest, an honest one, on the same hosts' code.
        let runs = run_everywhere_within(&honest, &limits);
        for run in [&runs.core, &runs.component] {
            assert!(
                matches!(run.outcome, Outcome::Success),
                "after {}: {:?}",
                case.what,
                run.outcome
            );
            assert_eq!(
                lines(run, "gpio")[1],
                "set-high {\"pin\":\"out\"} -> \"ok\"",
                "after {}",
                case.what
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
