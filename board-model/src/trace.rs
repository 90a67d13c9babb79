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
    string::{String, ToString},
    vec::Vec,
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

/// The record of one run.
#[derive(Debug, Default)]
pub struct Trace {
    /// Whether to record at all: off, an operation costs no tracing work.
    pub on: bool,
    pub events: Vec<Event>,
    /// Physical level changes of every pin: (time, pin index, high).
    pub levels: Vec<(Nanos, usize, bool)>,
}

impl Trace {
    pub fn record(
        &mut self,
        t: Nanos,
        interface: &'static str,
        op: &str,
        args: Value,
        result: Value,
    ) {
        self.events.push(Event {
            t,
            interface,
            op: op.to_string(),
            args,
            result,
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

    /// The pins' levels as a VCD file (one 1-bit wire per pin, 1 ns
    /// timescale), which PulseView and GTKWave open. `initial` is each pin's
    /// level at time 0.
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
        let mut last = None;
        for &(t, pin, high) in &self.levels {
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
    fn the_vcd_lists_each_pin_and_its_changes_in_time() {
        let mut t = Trace::default();
        t.levels.push((500, 0, true));
        t.levels.push((500, 1, true));
        t.levels.push((1000, 0, false));
        let vcd = t.vcd(&["led".into(), "button".into()], &[false, true]);
        assert!(vcd.contains("$var wire 1 ! led $end\n$var wire 1 \" button $end\n"));
        assert!(
            vcd.ends_with("$dumpvars\n0!\n1\"\n$end\n#500\n1!\n1\"\n#1000\n0!\n"),
            "{vcd}"
        );
    }
}
