//! Hostile guests: hand-written core modules that send what no honest guest
//! would, run on every host: through the generated no_std shim on both
//! wasmi adapters (which must agree) and, made a component, on wasmtime.
//! Each must end in a clean trap that says what was wrong, having done on
//! every host the same before it, and the host must go on to serve the next
//! guest. Where the spec defines an answer for an extreme (a list past the
//! host's limit, a timeout past the end of time), every host must give that
//! answer rather than trap.

use std::path::Path;

use wasi_hw_conformance::hostile::{self, BUMP, CASES};
use wasi_hw_conformance::reference_component;
use wasi_hw_host::board::{self, Board};
use wasi_hw_host::host::{Echo, Limits, Outcome, RunResult, Runner};
use wasi_hw_host::shim::{Adapter, CoreRunner};

fn board() -> Board {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("board.toml");
    board::file::load(&path, false).unwrap()
}

/// The hostile guest of `body` and `realloc` ([`hostile::guest`]).
fn guest(body: &str, realloc: &str) -> Vec<u8> {
    hostile::guest(body, realloc).unwrap()
}

/// The core module made a component of world `wasi-hw:hal/app`.
fn component(core: &[u8]) -> Vec<u8> {
    reference_component::from_core_module(core).unwrap()
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
