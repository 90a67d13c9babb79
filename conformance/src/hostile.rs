//! Hostile guests: hand-written core modules that send what no honest guest
//! would (pointers past the end of memory, bad UTF-8, discriminants out of
//! range, forged and dropped handles, handles of the wrong type, a
//! `cabi_realloc` that lies, traps, spins or calls the host, a run that
//! spins or floods the log). Every host must end each in a clean trap that
//! says what was wrong, having done the same as every other host before
//! it, and go on to serve the next guest.
//!
//! [`CASES`] gives each one's exact outcome on the shim on wasmi and on the
//! reference host (wasmtime); `conformance/tests/hostile.rs` runs them on
//! both in one process, and `wasi-hw-conformance --hostile --host-command
//! CMD` runs them on any host of core modules (the QEMU firmware in CI),
//! which must end each as the shim does.

use anyhow::{Context, Result};

/// A guest whose `run` executes `body`, with the imports below, memory at
/// 16: "out", 32: "bus", 48: invalid UTF-8, 64: "motion"; and a
/// `cabi_realloc` given by `realloc` (a function body returning an i32).
/// It carries the description of world `wasi-hw:hal/app` (taken from the
/// test guest), as a guest SDK build does, so that it can be made a
/// component.
pub fn guest(body: &str, realloc: &str) -> Result<Vec<u8>> {
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
    let mut module = wat::parse_str(&wat).context("a hostile guest's text")?;
    let cases = std::fs::read(wasi_hw_artifacts::CASES_CORE).context(
        "the test guest's core module (build it with `cargo build -p wasi-hw-conformance`)",
    )?;
    wasi_hw_host::component::describe_as(&mut module, &cases).context("the test guest's world")?;
    Ok(module)
}

/// A `cabi_realloc` that is a bump allocator from 2048 that never moves:
/// enough for the app's arguments and small results.
pub const BUMP: &str = "(i32.const 2048)";

/// One hostile guest: its `run` body and `cabi_realloc`, and the first
/// line of how it ends on the shim on wasmi and on wasmtime, exactly,
/// under the limits of `conformance/tests/hostile.rs` (fuel 2e8, a trace
/// of 256 KiB and a log of 64 KiB); `Success` when it returns.
pub struct Case {
    pub what: &'static str,
    pub body: &'static str,
    pub realloc: &'static str,
    pub shim: &'static str,
    pub wasmtime: &'static str,
    pub kind: Kind,
}

/// What ends a hostile guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The host refuses what it sends: the same trap, and the same trace
    /// before it, on every host.
    Refused,
    /// Only a limit ends it (it spins): fuel or the wall clock. A host
    /// command cannot be told either, so it runs on in-process hosts only.
    Limited,
    /// It sends more than the host keeps (a flood of log messages): the
    /// same outcome on every host, but each host's trace holds what its
    /// own budget allows.
    Floods,
}

/// A `cabi_realloc` that answers the host's first two calls (the app's
/// arguments) and then spins, or traps.
pub const SPIN_IN_REALLOC_AFTER_ARGS: &str =
    "(i32.store (i32.const 4000) (i32.add (i32.load (i32.const 4000)) (i32.const 1)))
    (if (i32.gt_u (i32.load (i32.const 4000)) (i32.const 2)) (then (loop $spin (br $spin))))
    (i32.const 2048)";
pub const TRAP_IN_REALLOC_AFTER_ARGS: &str =
    "(i32.store (i32.const 4000) (i32.add (i32.load (i32.const 4000)) (i32.const 1)))
    (if (i32.gt_u (i32.load (i32.const 4000)) (i32.const 2)) (then unreachable))
    (i32.const 2048)";

pub const CASES: &[Case] = &[
    Case {
        what: "a string past the end of memory",
        body: "(call $log (i32.const 2) (i32.const 65530) (i32.const 100))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: string pointer/length out of bounds of memory",
        kind: Kind::Refused,
    },
    Case {
        what: "a pointer and length whose sum overflows",
        body: "(call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x20))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: string pointer/length out of bounds of memory",
        kind: Kind::Refused,
    },
    Case {
        what: "a string that is not UTF-8",
        body: "(call $log (i32.const 2) (i32.const 48) (i32.const 2))",
        realloc: BUMP,
        shim: "the app trapped: string is not UTF-8",
        wasmtime: "the app was stopped: invalid utf-8 sequence of 1 bytes from index 0",
        kind: Kind::Refused,
    },
    Case {
        what: "an enum's discriminant out of range",
        body: "(call $log (i32.const 5) (i32.const 16) (i32.const 3))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: unexpected discriminant: 5",
        kind: Kind::Refused,
    },
    Case {
        what: "a list of variants with a case out of range",
        body: "(call $bus_open (i32.const 32) (i32.const 3) (i32.const 256))
            (i32.store (i32.const 2048) (i32.const 2))
            (call $transaction (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50) (i32.const 2048) (i32.const 1) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: unexpected discriminant: 2",
        kind: Kind::Refused,
    },
    Case {
        what: "a forged handle",
        body: "(call $set_high (i32.const 42) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 42",
        kind: Kind::Refused,
    },
    Case {
        what: "handle 0, never given",
        body: "(call $set_high (i32.const 0) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 0",
        kind: Kind::Refused,
    },
    Case {
        what: "a dropped handle used",
        body: "(call $open_out)
            (call $drop_pin (i32.load (i32.const 260)))
            (call $set_high (i32.load (i32.const 260)) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 1",
        kind: Kind::Refused,
    },
    Case {
        what: "a handle dropped twice",
        body: "(call $open_out)
            (call $drop_pin (i32.load (i32.const 260)))
            (call $drop_pin (i32.load (i32.const 260)))",
        realloc: BUMP,
        shim: "the app trapped: invalid resource handle",
        wasmtime: "the app was stopped: unknown handle index 1",
        kind: Kind::Refused,
    },
    Case {
        what: "a pin's handle used as a bus",
        body: "(call $open_out)
            (call $write (i32.load (i32.const 260)) (i32.const 0) (i32.const 0x50) (i32.const 16) (i32.const 1) (i32.const 512))",
        realloc: BUMP,
        shim: "the app trapped: resource handle of the wrong type: a `wasi-hw:hal/gpio.pin` handle used as a `wasi-hw:hal/i2c.bus`",
        wasmtime: "the app was stopped: handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource",
        kind: Kind::Refused,
    },
    Case {
        what: "a misaligned return area",
        body: "(call $list_pins (i32.const 514))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer misaligned",
        wasmtime: "the app was stopped: pointer not aligned",
        kind: Kind::Refused,
    },
    Case {
        what: "a return area past the end of memory",
        body: "(call $list_pins (i32.const 65532))",
        realloc: BUMP,
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: pointer out of bounds",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that traps",
        body: "(call $list_pins (i32.const 512))",
        realloc: "unreachable",
        shim: "the app trapped: wasm `unreachable` instruction executed",
        wasmtime: "the app trapped: wasm trap: wasm `unreachable` instruction executed",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that grows memory past the return area",
        body: "(call $list_pins (i32.mul (memory.size) (i32.const 65536)))",
        realloc: "(drop (memory.grow (i32.const 1))) (i32.const 2048)",
        shim: "the app trapped: guest pointer out of bounds",
        wasmtime: "the app was stopped: pointer out of bounds",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that answers past the end of memory",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 0xffffff00)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: beyond end of memory",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that answers misaligned",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 2049)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: result not aligned",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that traps, called from an import",
        body: "(call $list_pins (i32.const 512))",
        realloc: TRAP_IN_REALLOC_AFTER_ARGS,
        shim: "the app trapped in its cabi_realloc, called by the host: wasm `unreachable` instruction executed",
        wasmtime: "the app trapped: wasm trap: wasm `unreachable` instruction executed",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that answers an odd pointer for a list of records",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(i32.const 65535)",
        shim: "the app trapped: cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked",
        wasmtime: "the app was stopped: realloc return: result not aligned",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that calls the host",
        body: "(call $list_pins (i32.const 512))",
        realloc: "(drop (call $now)) (i32.const 2048)",
        shim: "the app trapped: the guest called the host from cabi_realloc",
        wasmtime: "the app trapped: wasm trap: cannot leave component instance",
        kind: Kind::Refused,
    },
    Case {
        what: "a cabi_realloc that spins, called from an import",
        body: "(call $list_pins (i32.const 512))",
        realloc: SPIN_IN_REALLOC_AFTER_ARGS,
        shim: "the app used all its fuel (200000000) and was stopped (--fuel)",
        wasmtime: "the app used all its fuel (200000000) and was stopped (--fuel)",
        kind: Kind::Limited,
    },
    Case {
        what: "a run that spins",
        body: "(loop $spin (br $spin))",
        realloc: BUMP,
        shim: "the app used all its fuel (200000000) and was stopped (--fuel)",
        wasmtime: "the app used all its fuel (200000000) and was stopped (--fuel)",
        kind: Kind::Limited,
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
        kind: Kind::Floods,
    },
    Case {
        what: "a run whose result has a case out of range",
        body: "(i32.store8 (i32.const 1024) (i32.const 2))",
        realloc: BUMP,
        shim: "the app trapped: invalid discriminant",
        wasmtime: "the app was stopped: invalid expected discriminant",
        kind: Kind::Refused,
    },
];

/// How a hostile guest ended on a host command, against the shim on wasmi
/// in this process.
#[derive(Debug, Clone)]
pub struct Checked {
    pub what: &'static str,
    /// `Pass` when the host ended it as the shim did.
    pub verdict: crate::Verdict,
}

/// The first line of how a run ended: `Success`, or its message's.
fn first_line(verdict: &crate::Verdict) -> &str {
    match verdict {
        crate::Verdict::Pass => "Success",
        crate::Verdict::Fail(m) => m.lines().next().unwrap_or_default(),
    }
}

/// What a host says of a trap of its engine (`unreachable`, an access out
/// of memory), which the shim on wasmi names: `the app trapped: wasm
/// \`unreachable\` instruction executed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traps {
    /// The host names it as the shim on wasmi does (wasmi's own words).
    Named,
    /// The host's engine does not say which trap it was
    /// (wasefire-interpreter): where the shim's first line names a trap of
    /// the engine, the host's need only say that one happened, as `wasm
    /// trap` in the same place (`the app trapped: wasm trap`).
    Unnamed,
}

/// Whether `got` is how `host_traps` may end a run that the shim ended
/// with `want`.
fn same_end(want: &str, got: &str, host_traps: Traps) -> bool {
    if want == got {
        return true;
    }
    // wasmi's trap messages start "wasm `": `unreachable` executed, an
    // out-of-bounds access, a division by zero.
    match (host_traps, want.split_once("wasm `")) {
        (Traps::Unnamed, Some((context, _))) => got == format!("{context}wasm trap"),
        _ => false,
    }
}

/// Runs every case but the [`Kind::Limited`] ones on `host` (a host of core
/// modules behind a command: the QEMU firmware's `run-case.sh`, say) and
/// on the shim in this process, with its dispatch adapter (the firmware's),
/// each case's module written to a temporary folder, on the board file
/// `board`. A case passes when both ended it with the same first line of
/// their message (but for what `traps` allows) and, but for
/// [`Kind::Floods`], the same trace.
///
/// Errors: the temporary folder, or a host that cannot be started.
pub fn check(
    host: &crate::hosts::External,
    board: &std::path::Path,
    timeout: std::time::Duration,
    traps: Traps,
) -> Result<Vec<Checked>> {
    use crate::hosts::{Host, ShimWasmi};
    let dir = std::env::temp_dir().join(format!("wasi-hw-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let run = || -> Result<Vec<Checked>> {
        let mut checked = Vec::new();
        for (i, case) in CASES.iter().enumerate() {
            if case.kind == Kind::Limited {
                continue;
            }
            let path = dir.join(format!("hostile-{i}.wasm"));
            std::fs::write(&path, guest(case.body, case.realloc)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let suite = crate::Suite {
                guest: None,
                guest_core: path,
                board: board.to_path_buf(),
                timeout,
            };
            let name = crate::Case {
                name: "case",
                item: "hostile",
                description: case.what,
            };
            let there = host.run(&suite, name)?;
            let here = ShimWasmi::with_adapter(&suite, wasi_hw_host::shim::Adapter::Dispatch)?
                .run(&suite, name)?;
            let (want, got) = (first_line(&here.verdict), first_line(&there.verdict));
            let verdict = if !same_end(want, got, traps) {
                crate::Verdict::Fail(format!(
                    "ended with {got:?}, where the shim ends with {want:?}"
                ))
            } else if case.kind == Kind::Refused
                && let Some(diff) = crate::diff::first_difference(&here.trace, &there.trace)
            {
                crate::Verdict::Fail(diff)
            } else {
                crate::Verdict::Pass
            };
            checked.push(Checked {
                what: case.what,
                verdict,
            });
        }
        Ok(checked)
    };
    let checked = run();
    let _ = std::fs::remove_dir_all(&dir);
    checked
}

#[cfg(test)]
mod tests {
    use super::{Traps, same_end};

    #[test]
    fn an_engine_that_does_not_name_its_traps_may_say_wasm_trap_in_their_place() {
        let unreachable = "the app trapped: wasm `unreachable` instruction executed";
        let in_realloc = "the app trapped in its cabi_realloc, called by the host: wasm `unreachable` instruction executed";
        assert!(same_end(
            unreachable,
            "the app trapped: wasm trap",
            Traps::Unnamed
        ));
        assert!(same_end(
            in_realloc,
            "the app trapped in its cabi_realloc, called by the host: wasm trap",
            Traps::Unnamed
        ));
        // Only in the same place, and only for a trap of the engine.
        assert!(!same_end(
            in_realloc,
            "the app trapped: wasm trap",
            Traps::Unnamed
        ));
        assert!(!same_end(
            "the app trapped: guest pointer out of bounds",
            "the app trapped: wasm trap",
            Traps::Unnamed
        ));
        // A host that names its traps must name them as wasmi does.
        assert!(!same_end(
            unreachable,
            "the app trapped: wasm trap",
            Traps::Named
        ));
        assert!(same_end(unreachable, unreachable, Traps::Named));
    }
}
