//! Traces: every peripheral operation as a JSON line, and GPIO levels as a
//! VCD waveform.
//!
//! A trace line is one JSON object:
//!
//! ```json
//! {"t":500000000,"interface":"gpio","op":"toggle","args":{"pin":"led"},"result":"ok"}
//! ```
//!
//! - `t`: the virtual (or real) time in nanoseconds when the operation began;
//! - `interface`: `gpio`, `i2c`, `sensor`, `timer`, `poll`, `log`, or `board`
//!   for what the board does by itself (a line changing level);
//! - `op`: the spec's function name (`set-high`, `write-read`, ...);
//! - `args`: the arguments that matter, by the spec's names (pins, buses and
//!   sensors by logical name, addresses as numbers, bytes as hex strings);
//! - `result`: `"ok"`, `{"ok": value}` or `{"err": "spec-error-name"}`.
//!
//! The format is what the conformance suite compares between hosts.

use alloc::{
    collections::VecDeque,
    string::{String, ToString},
};
use core::fmt::Write as _;

use serde_json::{Value, json};

use crate::time::Nanos;

/// One traced operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub t: Nanos,
    pub interface: &'static str,
    pub op: String,
    pub args: Value,
    pub result: Value,
}

impl Event {
    /// The trace line as a JSON value.
    pub fn to_value(&self) -> Value {
        json!({"t": self.t, "interface": self.interface, "op": self.op, "args": self.args, "result": self.result})
    }

    /// The JSON line, without the newline.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

/// `"ok"`.
pub fn ok() -> Value {
    Value::String("ok".into())
}

/// `{"ok": v}`.
pub fn ok_value(v: impl Into<Value>) -> Value {
    json!({ "ok": v.into() })
}

/// `{"err": name}`.
pub fn err(name: &str) -> Value {
    json!({ "err": name })
}

/// The bytes of memory a trace keeps at most, by default: what a run on a
/// CI runner can afford whatever its app does (`--max-trace-bytes`).
pub const DEFAULT_MAX_BYTES: usize = 24 << 20;

/// The record of one run.
///
/// Its memory is bounded: past [`max_bytes`](Trace::max_bytes) (counted
/// as the events' and level changes' own sizes and their JSON values';
/// events have three quarters of it, level changes a quarter, so that
/// neither starves the other), the oldest events or level changes are
/// dropped and counted
/// ([`dropped_events`](Trace::dropped_events),
/// [`dropped_levels`](Trace::dropped_levels)), so that a guest that logs
/// or toggles for ever cannot grow its host's memory. [`recorded`](Trace::recorded)
/// counts every event ever recorded, so that a reader that follows the
/// trace as it grows (the reference host's printout) knows which it has
/// seen.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Whether to record at all: off, an operation costs no tracing work.
    pub on: bool,
    pub events: VecDeque<Event>,
    /// Physical level changes of every pin: (time, pin index, high).
    pub levels: VecDeque<(Nanos, usize, bool)>,
    /// The most bytes `events` and `levels` may hold together.
    pub max_bytes: usize,
    /// Events recorded since the start, dropped or not.
    pub recorded: u64,
    /// The oldest events dropped to stay within `max_bytes`.
    pub dropped_events: u64,
    /// The oldest level changes dropped to stay within `max_bytes`.
    pub dropped_levels: u64,
    /// The bytes `events` hold now, as `max_bytes` counts them.
    bytes: usize,
}

impl Default for Trace {
    fn default() -> Trace {
        Trace {
            on: false,
            events: VecDeque::new(),
            levels: VecDeque::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            recorded: 0,
            dropped_events: 0,
            dropped_levels: 0,
            bytes: 0,
        }
    }
}

/// The heap and inline bytes a JSON value takes, roughly (what a trace's
/// budget counts).
fn value_bytes(v: &Value) -> usize {
    const NODE: usize = core::mem::size_of::<Value>();
    match v {
        Value::String(s) => NODE + s.len(),
        Value::Array(a) => NODE + a.iter().map(value_bytes).sum::<usize>(),
        Value::Object(o) => {
            NODE + o
                .iter()
                .map(|(k, v)| k.len() + 3 * NODE + value_bytes(v))
                .sum::<usize>()
        }
        _ => NODE,
    }
}

/// The bytes an event takes, as a trace's budget counts them.
fn event_bytes(op: &str, args: &Value, result: &Value) -> usize {
    core::mem::size_of::<Event>() + op.len() + value_bytes(args) + value_bytes(result)
}

/// The bytes one level change takes.
const LEVEL_BYTES: usize = core::mem::size_of::<(Nanos, usize, bool)>();

impl Trace {
    /// The bytes the trace holds now, as `max_bytes` counts them (events
    /// and level changes).
    pub fn bytes(&self) -> usize {
        self.bytes + self.levels.len() * LEVEL_BYTES
    }

    /// An empty trace that records (`on`) or not, within the default budget.
    pub fn new(on: bool) -> Trace {
        Trace {
            on,
            ..Trace::default()
        }
    }

    pub fn record(
        &mut self,
        t: Nanos,
        interface: &'static str,
        op: &str,
        args: Value,
        result: Value,
    ) {
        let size = event_bytes(op, &args, &result);
        self.recorded += 1;
        let budget = self.events_budget();
        if size > budget {
            // Larger than the whole budget: dropped at once, the rest kept.
            self.dropped_events += 1;
            return;
        }
        while self.bytes + size > budget {
            let Some(old) = self.events.pop_front() else {
                break;
            };
            self.bytes -= event_bytes(&old.op, &old.args, &old.result);
            self.dropped_events += 1;
        }
        self.bytes += size;
        self.events.push_back(Event {
            t,
            interface,
            op: op.to_string(),
            args,
            result,
        });
    }

    /// The bytes events may take: three quarters of `max_bytes`.
    fn events_budget(&self) -> usize {
        self.max_bytes / 4 * 3
    }

    /// Records that the pin `pin` changed to `high` at `t` (for the VCD),
    /// within a quarter of `max_bytes`.
    pub fn level(&mut self, t: Nanos, pin: usize, high: bool) {
        let most = self.max_bytes / 4 / LEVEL_BYTES;
        if most == 0 {
            self.dropped_levels += 1;
            return;
        }
        if self.levels.len() >= most {
            self.levels.pop_front();
            self.dropped_levels += 1;
        }
        self.levels.push_back((t, pin, high));
    }

    /// The events recorded after the first `seen` ever recorded, those of
    /// them still kept (a reader that follows the trace passes how many it
    /// has seen of [`recorded`](Trace::recorded)).
    pub fn since(&self, seen: u64) -> impl Iterator<Item = &Event> {
        let first_kept = self.recorded - self.events.len() as u64;
        let skip = seen
            .saturating_sub(first_kept)
            .min(self.events.len() as u64) as usize;
        self.events.range(skip..)
    }

    /// Records an event if tracing is on; `line` makes its arguments and
    /// result only then, so that a run without a trace builds no JSON.
    fn line(
        &mut self,
        t: Nanos,
        interface: &'static str,
        op: &str,
        line: impl FnOnce() -> (Value, Value),
    ) {
        if self.on {
            let (args, result) = line();
            self.record(t, interface, op, args, result);
        }
    }

    // The lines the hosts record themselves (the board records the rest):
    // defined once, so that both hosts write the same line.

    /// `poll.poll` with `count` pollables: the indices ready, or the
    /// spec's error name.
    pub fn poll(
        &mut self,
        t: Nanos,
        count: usize,
        timeout_ns: Option<u64>,
        result: Result<&[u32], &str>,
    ) {
        self.line(t, "poll", "poll", || {
            let result = match result {
                Ok(ready) => ok_value(ready.to_vec()),
                Err(name) => err(name),
            };
            (json!({"count": count, "timeout-ns": timeout_ns}), result)
        });
    }

    /// `timer.sleep`.
    pub fn sleep(&mut self, t: Nanos, duration_ns: u64) {
        self.line(t, "timer", "sleep", || {
            (json!({"duration-ns": duration_ns}), ok())
        });
    }

    /// `timer.sleep-until`.
    pub fn sleep_until(&mut self, t: Nanos, deadline: Nanos) {
        self.line(t, "timer", "sleep-until", || {
            (json!({"deadline": deadline}), ok())
        });
    }

    /// `one-shot.wait` on a timer due at `deadline`.
    pub fn one_shot_wait(&mut self, t: Nanos, deadline: Nanos) {
        self.line(t, "timer", "one-shot.wait", || {
            (json!({"deadline": deadline}), ok())
        });
    }

    /// `periodic.start`.
    pub fn periodic_start(&mut self, t: Nanos, period_ns: u64) {
        self.line(t, "timer", "periodic.start", || {
            (json!({"period-ns": period_ns}), ok())
        });
    }

    /// `periodic.wait`, which returned the ticks `missed`.
    pub fn periodic_wait(&mut self, t: Nanos, period_ns: u64, missed: u64) {
        self.line(t, "timer", "periodic.wait", || {
            (json!({"period-ns": period_ns}), ok_value(missed))
        });
    }

    /// `log.log` of a message the app's level lets through.
    pub fn log(&mut self, t: Nanos, level: &str, message: &str) {
        self.line(t, "log", "log", || {
            (json!({"level": level, "message": message}), ok())
        });
    }

    /// `pin.wait-for-edge` on `pin` for `edge` (`rising`, `falling`,
    /// `any`): whether the edge came before the timeout.
    pub fn wait_for_edge(
        &mut self,
        t: Nanos,
        pin: &str,
        edge: &str,
        timeout_ns: Option<u64>,
        seen: bool,
    ) {
        self.line(t, "gpio", "wait-for-edge", || {
            (
                json!({"pin": pin, "edge": edge, "timeout-ns": timeout_ns}),
                ok_value(seen),
            )
        });
    }

    /// Every event as JSON lines.
    pub fn json_lines(&self) -> String {
        let mut s = String::new();
        for e in &self.events {
            s.push_str(&e.to_json());
            s.push('\n');
        }
        s
    }

    /// The lines' levels as a VCD file (one 1-bit wire per line named in
    /// `pins`, 1 ns timescale), which PulseView and GTKWave open. `initial`
    /// is each line's level at time 0.
    pub fn vcd(&self, pins: &[String], initial: &[bool]) -> String {
        let id = |i: usize| {
            // Printable identifiers: ! " # ... then two characters.
            let mut s = String::new();
            let mut n = i;
            loop {
                s.push(char::from(b'!' + (n % 94) as u8));
                n /= 94;
                if n == 0 {
                    break;
                }
            }
            s
        };
        let mut s = String::new();
        s.push_str("$date wasi-hw reference host $end\n$version wasi-hw-host ");
        s.push_str(env!("CARGO_PKG_VERSION"));
        s.push_str(" $end\n$timescale 1ns $end\n$scope module board $end\n");
        for (i, name) in pins.iter().enumerate() {
            let _ = writeln!(s, "$var wire 1 {} {} $end", id(i), name.replace(' ', "_"));
        }
        s.push_str("$upscope $end\n$enddefinitions $end\n#0\n$dumpvars\n");
        for (i, high) in initial.iter().enumerate() {
            let _ = writeln!(s, "{}{}", u8::from(*high), id(i));
        }
        s.push_str("$end\n");
        // In time order: a transaction's bits are recorded before the pin
        // changes that the clock's advance over them brings.
        let mut levels: alloc::vec::Vec<&(Nanos, usize, bool)> = self.levels.iter().collect();
        levels.sort_by_key(|l| l.0);
        let mut last = None;
        for &&(t, pin, high) in &levels {
            if last != Some(t) {
                let _ = writeln!(s, "#{t}");
                last = Some(t);
            }
            let _ = writeln!(s, "{}{}", u8::from(high), id(pin));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    #[test]
    fn a_trace_line_has_the_documented_fields() {
        let mut t = Trace::default();
        t.record(500_000_000, "gpio", "toggle", json!({"pin": "led"}), ok());
        t.record(
            7,
            "i2c",
            "read",
            json!({"bus": "b", "address": 0x76, "length": 1}),
            err("no-acknowledge(address)"),
        );
        assert_eq!(
            t.json_lines(),
            "{\"args\":{\"pin\":\"led\"},\"interface\":\"gpio\",\"op\":\"toggle\",\"result\":\"ok\",\"t\":500000000}\n\
             {\"args\":{\"address\":118,\"bus\":\"b\",\"length\":1},\"interface\":\"i2c\",\"op\":\"read\",\"result\":{\"err\":\"no-acknowledge(address)\"},\"t\":7}\n"
        );
    }

    #[test]
    fn the_hosts_lines_are_recorded_only_when_tracing_is_on() {
        let mut t = Trace::default();
        t.sleep(1, 500);
        assert!(t.events.is_empty());
        t.on = true;
        t.poll(2, 3, None, Ok(&[0, 2]));
        t.poll(3, 0, None, Err("empty-wait"));
        t.periodic_wait(4, 100, 2);
        t.wait_for_edge(5, "button", "falling", Some(10), false);
        assert_eq!(
            t.json_lines(),
            "{\"args\":{\"count\":3,\"timeout-ns\":null},\"interface\":\"poll\",\"op\":\"poll\",\"result\":{\"ok\":[0,2]},\"t\":2}\n\
             {\"args\":{\"count\":0,\"timeout-ns\":null},\"interface\":\"poll\",\"op\":\"poll\",\"result\":{\"err\":\"empty-wait\"},\"t\":3}\n\
             {\"args\":{\"period-ns\":100},\"interface\":\"timer\",\"op\":\"periodic.wait\",\"result\":{\"ok\":2},\"t\":4}\n\
             {\"args\":{\"edge\":\"falling\",\"pin\":\"button\",\"timeout-ns\":10},\"interface\":\"gpio\",\"op\":\"wait-for-edge\",\"result\":{\"ok\":false},\"t\":5}\n"
        );
    }

    #[test]
    fn past_its_budget_a_trace_drops_the_oldest_and_counts_them() {
        let mut t = Trace::new(true);
        t.log(0, "info", "first");
        let one = t.bytes;
        // Three quarters: room for three events of that size; a quarter:
        // room for `levels` level changes.
        t.max_bytes = 4 * one;
        let levels = one / LEVEL_BYTES;
        t.level(1, 0, true);
        t.log(2, "info", "secnd");
        t.log(3, "info", "third");
        t.log(4, "info", "forth");
        for k in 0..levels as u64 {
            t.level(10 + k, 0, k % 2 == 0);
        }
        // "first" went for "forth", and the level change at 1 for the last.
        let messages: Vec<&str> = t
            .events
            .iter()
            .map(|e| e.args["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["secnd", "third", "forth"]);
        assert_eq!(t.levels.len(), levels);
        assert_eq!(t.levels.front(), Some(&(10, 0, true)));
        assert_eq!((t.recorded, t.dropped_events, t.dropped_levels), (4, 1, 1));
        assert!(t.bytes <= t.max_bytes / 4 * 3);
        // A reader that saw the first two recorded gets the last two.
        let since: Vec<u64> = t.since(2).map(|e| e.t).collect();
        assert_eq!(since, [3, 4]);
        // One that saw only the dropped one gets all that is kept.
        assert_eq!(t.since(1).count(), 3);
        // An event larger than the whole budget is dropped at once.
        t.log(7, "info", &"x".repeat(t.max_bytes));
        assert_eq!((t.recorded, t.dropped_events, t.events.len()), (5, 2, 3));
    }

    #[test]
    fn the_vcd_lists_each_pin_and_its_changes_in_time() {
        let mut t = Trace::default();
        t.level(500, 0, true);
        t.level(500, 1, true);
        t.level(1000, 0, false);
        let vcd = t.vcd(&["led".into(), "button".into()], &[false, true]);
        assert!(vcd.contains("$var wire 1 ! led $end\n$var wire 1 \" button $end\n"));
        assert!(
            vcd.ends_with("$dumpvars\n0!\n1\"\n$end\n#500\n1!\n1\"\n#1000\n0!\n"),
            "{vcd}"
        );
    }
}
