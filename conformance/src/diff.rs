//! Where a host's trace departs from the reference host's, said so that a
//! person sees at once which field of which line differs.
//!
//! Traces are JSON lines (`host-reference/README.md`). The first line that
//! differs is named by its number; within it, the first field that differs,
//! in the order of the trace format (`t`, `interface`, `op`, `args`,
//! `result`) and then inside nested objects and lists, is named by its path
//! (`args.wire[1]`) with both values; then both lines follow whole.

use serde_json::Value;

/// The fields of a trace line in the order the trace format gives them; a
/// field outside this list comes after them, by name.
const FIELD_ORDER: [&str; 5] = ["t", "interface", "op", "args", "result"];

/// `1 line`, `2 lines`: a count with its noun, singular or plural.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The first difference between an expected trace and another host's, or
/// `None` when they are the same.
pub fn first_difference(expected: &[Value], actual: &[Value]) -> Option<String> {
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if let Some(field) = first_field_difference(e, a, String::new()) {
            return Some(format!(
                "trace line {} differs from the reference host's{field}\n  expected {e}\n  got      {a}",
                i + 1
            ));
        }
    }
    match expected.len().cmp(&actual.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(format!(
            "the trace stops after {}; the reference host's goes on with:\n  expected {}",
            count(actual.len(), "line"),
            expected[actual.len()]
        )),
        std::cmp::Ordering::Less => Some(format!(
            "the trace has {} more than the reference host's, from:\n  got      {}",
            count(actual.len() - expected.len(), "line"),
            actual[expected.len()]
        )),
    }
}

/// ` at "path": expected X, got Y` for the first place where `expected` and
/// `actual` differ, `path` being where they are within the line.
fn first_field_difference(expected: &Value, actual: &Value, path: String) -> Option<String> {
    if expected == actual {
        return None;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) if address(expected).is_none() => {
            let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
            keys.sort_by_key(|k| {
                let rank = FIELD_ORDER.iter().position(|f| f == k);
                (rank.unwrap_or(FIELD_ORDER.len()), k.as_str())
            });
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let inner = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (e.get(k), a.get(k)) {
                    (Some(ev), Some(av)) => first_field_difference(ev, av, inner),
                    (ev, av) => Some(describe(&inner, ev, av)),
                }
            })
        }
        (Value::Array(e), Value::Array(a)) => (0..e.len().max(a.len())).find_map(|i| {
            let inner = format!("{path}[{i}]");
            match (e.get(i), a.get(i)) {
                (Some(ev), Some(av)) => first_field_difference(ev, av, inner),
                (ev, av) => Some(describe(&inner, ev, av)),
            }
        }),
        _ => Some(describe(&path, Some(expected), Some(actual))),
    }
}

/// ` at "path": expected X, got Y`, where a value that is absent reads
/// `nothing`; without the place when the values are whole lines.
fn describe(path: &str, expected: Option<&Value>, actual: Option<&Value>) -> String {
    let show = |v: Option<&Value>| v.map_or_else(|| "nothing".to_string(), value);
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at \"{path}\"")
    };
    format!("{at}: expected {}, got {}", show(expected), show(actual))
}

/// A value as a person reads it: an I2C address in hex, anything else as
/// in the trace.
fn value(v: &Value) -> String {
    address(v).unwrap_or_else(|| v.to_string())
}

/// An I2C address of the trace (`{"seven-bit":118}`, `{"ten-bit":677}`) in
/// hex: `0x76`, `0x2a5 (10-bit)`.
fn address(v: &Value) -> Option<String> {
    let object = v.as_object().filter(|o| o.len() == 1)?;
    let (mode, n) = object.iter().next()?;
    let n = n.as_u64()?;
    match mode.as_str() {
        "seven-bit" => Some(format!("{n:#04x}")),
        "ten-bit" => Some(format!("{n:#05x} (10-bit)")),
        _ => None,
    }
}
