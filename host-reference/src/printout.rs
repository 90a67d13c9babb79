//! The run's printout: the trace events a person wants to see while an app
//! runs (`wasi-hw run` without `--trace -`), one line each, in words.
//!
//! It shows the app's log, the level changes of the pins the app opened,
//! sensor readings, and every failed call on a pin, bus or sensor, named the
//! way the guest SDK names it in its errors: `gpio open "buzzer": not-found`,
//! `i2c write 0x76 on "sensor-bus": no-acknowledge(address)`. It never shows
//! the trace's JSON: that is for `--trace`.

use serde_json::Value;

use crate::board::{Board, address_from_json};
use crate::trace::Event;

/// The line for `e`, without its time, or `None` if the printout skips it.
/// `board` is the board as the run left it so far (which pins are open, the
/// sensors' channels).
pub fn line(board: &Board, e: &Event) -> Option<String> {
    if let Some(error) = e.result.get("err").and_then(Value::as_str)
        && matches!(e.interface, "gpio" | "i2c" | "sensor")
    {
        return Some(failed_call(e, error));
    }
    match (e.interface, e.op.as_str()) {
        ("log", _) => Some(format!(
            "{:<5} {}",
            e.args["level"].as_str().unwrap_or(""),
            e.args["message"].as_str().unwrap_or("")
        )),
        ("board", "level") => {
            // Only the lines of pins the app has opened.
            let pins: Vec<&str> = e.args["pins"]
                .as_array()
                .map(|p| p.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            let opened = pins.iter().any(|name| {
                board
                    .gpio
                    .find(name)
                    .is_some_and(|i| board.gpio.pins[i].config.is_some())
            });
            opened.then(|| {
                format!(
                    "{} -> {}",
                    pins.join(", "),
                    e.args["level"].as_str().unwrap_or("")
                )
            })
        }
        ("sensor", "read") => {
            let name = e.args["sensor"].as_str().unwrap_or("");
            let sensor = board.sensors.iter().find(|s| s.name == name)?;
            let values = e.result["ok"]["values"].as_array()?;
            let parts: Vec<String> = sensor
                .channels
                .iter()
                .zip(values)
                .map(|(c, v)| {
                    format!(
                        "{} {}",
                        c.channel.name(),
                        v.as_f64().map_or("?".into(), |v| format!("{v:.2}"))
                    )
                })
                .collect();
            Some(format!("sensor {name}: {}", parts.join(", ")))
        }
        _ => None,
    }
}

/// `INTERFACE OP SUBJECT: ERROR`, where the subject is the target address
/// and the bus for an I2C transfer (`0x76 on "sensor-bus"`), else the
/// quoted name of the pin, bus or sensor.
fn failed_call(e: &Event, error: &str) -> String {
    let name = ["pin", "bus", "sensor"]
        .iter()
        .find_map(|key| e.args[*key].as_str());
    let quoted = name.map(|n| format!("\"{n}\""));
    let subject = match (address_from_json(&e.args["address"]), quoted) {
        (Some(address), Some(bus)) => Some(format!("{} on {bus}", address.describe())),
        (_, quoted) => quoted,
    };
    match subject {
        Some(subject) => format!("{} {} {subject}: {error}", e.interface, e.op),
        None => format!("{} {}: {error}", e.interface, e.op),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn board() -> Board {
        crate::board::file::parse_str(
            "test.toml",
            "[[pin]]\nname = \"led\"\n\n[[bus]]\nname = \"sensor-bus\"\n",
        )
        .unwrap()
    }

    fn event(interface: &'static str, op: &str, args: Value, result: Value) -> Event {
        Event {
            t: 0,
            interface,
            op: op.into(),
            args,
            result,
        }
    }

    #[test]
    fn a_failed_call_names_the_call_and_what_it_was_on_without_json() {
        let board = board();
        let cases = [
            (
                event(
                    "gpio",
                    "open",
                    json!({"pin": "buzzer", "config": {"mode": "push-pull-output"}}),
                    json!({"err": "not-found"}),
                ),
                "gpio open \"buzzer\": not-found",
            ),
            (
                event(
                    "i2c",
                    "open",
                    json!({"bus": "sensor-bus"}),
                    json!({"err": "not-permitted"}),
                ),
                "i2c open \"sensor-bus\": not-permitted",
            ),
            (
                event(
                    "sensor",
                    "open",
                    json!({"sensor": "ambient"}),
                    json!({"err": "not-permitted"}),
                ),
                "sensor open \"ambient\": not-permitted",
            ),
            (
                event(
                    "i2c",
                    "write",
                    json!({"bus": "sensor-bus", "address": {"seven-bit": 118}, "operations": []}),
                    json!({"err": "no-acknowledge(address)"}),
                ),
                "i2c write 0x76 on \"sensor-bus\": no-acknowledge(address)",
            ),
            (
                event(
                    "i2c",
                    "write-read",
                    json!({"bus": "sensor-bus", "address": {"ten-bit": 0x2a5}}),
                    json!({"err": "not-permitted"}),
                ),
                "i2c write-read 0x2a5 (10-bit) on \"sensor-bus\": not-permitted",
            ),
            (
                event(
                    "i2c",
                    "recover",
                    json!({"bus": "sensor-bus"}),
                    json!({"err": "bus"}),
                ),
                "i2c recover \"sensor-bus\": bus",
            ),
            (
                event(
                    "gpio",
                    "set-high",
                    json!({"pin": "button"}),
                    json!({"err": "wrong-mode"}),
                ),
                "gpio set-high \"button\": wrong-mode",
            ),
            (
                event(
                    "sensor",
                    "read",
                    json!({"sensor": "ambient"}),
                    json!({"err": "not-running"}),
                ),
                "sensor read \"ambient\": not-running",
            ),
        ];
        for (e, expected) in cases {
            assert_eq!(line(&board, &e).as_deref(), Some(expected));
        }
    }

    #[test]
    fn successful_calls_are_not_printed_but_the_log_is() {
        let board = board();
        let open = event("gpio", "open", json!({"pin": "led"}), json!("ok"));
        assert_eq!(line(&board, &open), None);
        let log = event(
            "log",
            "log",
            json!({"level": "warn", "message": "hot"}),
            json!("ok"),
        );
        assert_eq!(line(&board, &log).as_deref(), Some("warn  hot"));
    }
}
