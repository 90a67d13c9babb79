//! The vendor's one implementation of `probes`, for `BoardHost`: the same
//! code serves the app on wasmtime (a component) and on wasmi (a core
//! module). A vendor implements its own trait for the host it already has;
//! every call is a line of the board's trace (interface `probes`), like the
//! `wasi-hw:hal` calls.
//!
//! The model: a probe holds settings and up to 32 samples (index, value).
//! Its values are reported with gain and calibration applied: `value *
//! gain + sum(calibration) / 100`. Settings out of range (a name over 16
//! bytes, no quantity, more than 8 calibration bytes) make a probe whose
//! every measurement is the note `invalid-argument`.

use core::cell::RefCell;

use serde_json::{Value, json};
use wasi_hw_board::host::BoardHost;
use wasi_hw_board::trace;
use wasi_hw_shim::app::gpio::Gpio;
use wasi_hw_shim::runtime::{self as rt, List};

use crate::bench::probes::{ErrorCode, GpioError, Mode, Probes, Quantities, Reading, Settings};

/// The most samples a probe holds.
pub const MAX_SAMPLES: usize = 32;

/// A probe of the bench's own, with its factory settings.
pub struct Factory {
    pub name: &'static str,
    pub mode: Mode,
    pub quantities: Quantities,
    pub gain: Option<f32>,
    pub calibration: &'static [u8],
}

/// The bench's own probes, in order of name.
pub const CATALOG: [Factory; 3] = [
    Factory {
        name: "hygro",
        mode: Mode::Single,
        quantities: Quantities::HUMIDITY,
        gain: None,
        calibration: &[],
    },
    Factory {
        name: "thermo",
        mode: Mode::Averaged,
        quantities: Quantities::TEMPERATURE,
        gain: Some(0.5),
        calibration: &[50],
    },
    Factory {
        name: "tide",
        mode: Mode::Single,
        quantities: Quantities::PRESSURE,
        gain: None,
        calibration: &[1, 2, 3],
    },
];

/// A probe: its settings and samples. In a `RefCell` because `copy-from`
/// gets two shared borrows, which may be of one probe.
#[derive(Debug)]
pub struct Probe(RefCell<State>);

#[derive(Debug, Clone)]
struct State {
    name: String,
    mode: Mode,
    quantities: Quantities,
    gain: Option<f32>,
    calibration: Vec<u8>,
    valid: bool,
    samples: Vec<(u16, f32)>,
}

impl State {
    fn new(
        name: &str,
        mode: Mode,
        quantities: Quantities,
        gain: Option<f32>,
        calibration: &[u8],
    ) -> State {
        State {
            valid: name.len() <= 16 && !quantities.is_empty() && calibration.len() <= 8,
            name: name.to_string(),
            mode,
            quantities,
            gain,
            calibration: calibration.to_vec(),
            samples: Vec::new(),
        }
    }

    /// A raw value with gain and calibration applied.
    fn applied(&self, value: f32) -> f32 {
        let offset: u32 = self.calibration.iter().map(|&c| u32::from(c)).sum();
        value * self.gain.unwrap_or(1.0) + offset as f32 / 100.0
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Single => "single",
        Mode::Averaged => "averaged",
    }
}

fn error_name(e: ErrorCode) -> &'static str {
    match e {
        ErrorCode::NotFound => "not-found",
        ErrorCode::InvalidArgument => "invalid-argument",
        ErrorCode::Full => "full",
    }
}

fn reading_value(r: &Reading<'_>) -> Value {
    match r {
        Reading::Nothing => json!("nothing"),
        Reading::Scalar(v) => json!({ "scalar": v }),
        Reading::Indexed((i, v)) => json!({ "indexed": [i, v] }),
        Reading::Note(n) => json!({ "note": n }),
    }
}

/// Records one call in the board's trace (when it is on).
fn record(
    host: &mut BoardHost,
    op: &str,
    args: impl FnOnce() -> Value,
    result: impl FnOnce() -> Value,
) {
    if host.board.trace.on {
        let t = host.board.now();
        let (args, result) = (args(), result());
        host.board.trace.record(t, "probes", op, args, result);
    }
}

impl Probes for BoardHost {
    type Probe = Probe;

    fn probe_new(&mut self, settings: Settings<'_>) -> Result<Probe, rt::Error> {
        let state = State::new(
            settings.name,
            settings.mode,
            settings.quantities,
            settings.gain,
            settings.calibration,
        );
        record(
            self,
            "[constructor]probe",
            || {
                json!({
                    "name": settings.name,
                    "mode": mode_name(settings.mode),
                    "quantities": settings.quantities.bits(),
                    "gain": settings.gain,
                    "calibration": settings.calibration,
                })
            },
            || json!({ "valid": state.valid }),
        );
        Ok(Probe(RefCell::new(state)))
    }

    fn probe_named(&mut self, name: &str) -> Result<Result<Probe, ErrorCode>, rt::Error> {
        let result = match CATALOG.iter().find(|f| f.name == name) {
            Some(f) => Ok(Probe(RefCell::new(State::new(
                f.name,
                f.mode,
                f.quantities,
                f.gain,
                f.calibration,
            )))),
            None => Err(ErrorCode::NotFound),
        };
        record(
            self,
            "[static]probe.named",
            || json!({ "name": name }),
            || match &result {
                Ok(_) => trace::ok(),
                Err(e) => trace::err(error_name(*e)),
            },
        );
        Ok(result)
    }

    fn probe_settings(&mut self, probe: &mut Probe) -> Result<Settings<'_>, rt::Error> {
        record(self, "[method]probe.settings", || json!({}), trace::ok);
        let state = probe.0.get_mut();
        // What the trait returns borrows the host, not the probe: copied
        // into the host's result arena.
        let results = self.results();
        Ok(Settings {
            name: results.alloc_str(&state.name),
            mode: state.mode,
            quantities: state.quantities,
            gain: state.gain,
            calibration: results.alloc_slice_copy(&state.calibration),
        })
    }

    fn probe_feed(
        &mut self,
        probe: &mut Probe,
        samples: List<'_, (u16, f32)>,
    ) -> Result<Result<u32, ErrorCode>, rt::Error> {
        let state = probe.0.get_mut();
        let result = if state.samples.len() + samples.len() > MAX_SAMPLES {
            Err(ErrorCode::Full)
        } else {
            state.samples.extend(samples);
            Ok(state.samples.len() as u32)
        };
        record(
            self,
            "[method]probe.feed",
            || json!({ "count": samples.len() }),
            || match result {
                Ok(n) => trace::ok_value(n),
                Err(e) => trace::err(error_name(e)),
            },
        );
        Ok(result)
    }

    fn probe_samples(&mut self, probe: &mut Probe) -> Result<&[(u16, f32)], rt::Error> {
        let state = probe.0.get_mut();
        record(
            self,
            "[method]probe.samples",
            || json!({}),
            || trace::ok_value(state.samples.len()),
        );
        let results = self.results();
        Ok(
            results
                .alloc_slice_fill_iter(state.samples.iter().map(|&(i, v)| (i, state.applied(v)))),
        )
    }

    fn probe_measure(&mut self, probe: &mut Probe, kind: u8) -> Result<Reading<'_>, rt::Error> {
        let state = probe.0.get_mut();
        let last = state.samples.last().map(|&(i, v)| (i, state.applied(v)));
        // The text of a kind the probe lacks, made only for that kind.
        let note = (state.valid && kind > 1)
            .then(|| format!("{} has no reading of kind {kind}", state.name));
        let reading = match (state.valid, kind, last, &note) {
            (false, ..) => Reading::Note("invalid-argument"),
            (_, _, _, Some(note)) => Reading::Note(note),
            (_, _, None, _) => Reading::Nothing,
            (_, 0, Some((_, v)), _) => Reading::Scalar(v),
            (_, _, Some(indexed), _) => Reading::Indexed(indexed),
        };
        record(
            self,
            "[method]probe.measure",
            || json!({ "kind": kind }),
            || trace::ok_value(reading_value(&reading)),
        );
        Ok(match reading {
            Reading::Note(n) => Reading::Note(self.results().alloc_str(n)),
            Reading::Nothing => Reading::Nothing,
            Reading::Scalar(v) => Reading::Scalar(v),
            Reading::Indexed(x) => Reading::Indexed(x),
        })
    }

    fn probe_same_as(&mut self, probe: &Probe, other: &Probe) -> Result<bool, rt::Error> {
        let same = core::ptr::eq(probe, other);
        record(
            self,
            "[method]probe.same-as",
            || json!({}),
            || trace::ok_value(same),
        );
        Ok(same)
    }

    fn probe_copy_from(&mut self, probe: &Probe, other: &Probe) -> Result<(), rt::Error> {
        if !core::ptr::eq(probe, other) {
            let other = other.0.borrow();
            probe.0.borrow_mut().samples.clone_from(&other.samples);
        }
        let count = probe.0.borrow().samples.len();
        record(
            self,
            "[method]probe.copy-from",
            || json!({ "same": core::ptr::eq(probe, other) }),
            || trace::ok_value(count),
        );
        Ok(())
    }

    fn probe_indicate(
        &mut self,
        probe: &mut Probe,
        indicator: &mut <BoardHost as Gpio>::Pin,
    ) -> Result<Result<bool, GpioError>, rt::Error> {
        let high = !probe.0.get_mut().samples.is_empty();
        // The pin is `wasi-hw:hal`'s: driven through BoardHost's own gpio,
        // so its trace line and errors are gpio's.
        let driven = if high {
            <BoardHost as Gpio>::pin_set_high(self, indicator)?
        } else {
            <BoardHost as Gpio>::pin_set_low(self, indicator)?
        };
        let result = driven.map(|()| high);
        record(
            self,
            "[method]probe.indicate",
            || json!({}),
            || match result {
                Ok(high) => trace::ok_value(high),
                Err(e) => trace::err(&kebab(&format!("{e:?}"))),
            },
        );
        Ok(result)
    }

    fn catalog<'a>(&'a mut self, prefix: &str) -> Result<&'a [&'a str], rt::Error> {
        let names: Vec<&'static str> = CATALOG
            .iter()
            .map(|f| f.name)
            .filter(|n| n.starts_with(prefix))
            .collect();
        record(
            self,
            "catalog",
            || json!({ "prefix": prefix }),
            || trace::ok_value(names.clone()),
        );
        Ok(self.results().alloc_slice_copy(&names))
    }

    fn describe<'a>(&'a mut self, reading: Reading<'_>) -> Result<&'a str, rt::Error> {
        let text = match reading {
            Reading::Nothing => "nothing".to_string(),
            Reading::Scalar(v) => format!("{v}"),
            Reading::Indexed((i, v)) => format!("#{i}: {v}"),
            Reading::Note(n) => n.to_string(),
        };
        record(
            self,
            "describe",
            || json!({ "reading": reading_value(&reading) }),
            || trace::ok_value(text.as_str()),
        );
        Ok(self.results().alloc_str(&text))
    }

    fn probe_drop(&mut self, probe: Probe) -> Result<(), rt::Error> {
        let name = probe.0.into_inner().name;
        record(
            self,
            "[resource-drop]probe",
            || json!({ "name": name }),
            trace::ok,
        );
        Ok(())
    }
}

/// `WrongMode` as the spec writes it: `wrong-mode`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
