//! Sensors: channels with one unit each, values from a source, one-shot
//! reads, continuous sampling into a FIFO with overruns, and attributes.
//!
//! Sampling is computed from the clock, not driven by it: when the app looks
//! (a read of the FIFO, a poll), the samples due since the last look are
//! taken at their own times. Values are clamped to the channel's range and
//! rounded to its resolution, as a part's ADC would.

use alloc::collections::VecDeque;
use alloc::{format, string::String, vec::Vec};

use crate::time::Nanos;

/// A measured quantity (the spec's `channel`), with its one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Temperature,
    RelativeHumidity,
    Pressure,
    AccelerationX,
    AccelerationY,
    AccelerationZ,
    AngularVelocityX,
    AngularVelocityY,
    AngularVelocityZ,
    MagneticFieldX,
    MagneticFieldY,
    MagneticFieldZ,
    Illuminance,
    Distance,
    Voltage,
}

impl Channel {
    pub const ALL: [Channel; 15] = [
        Channel::Temperature,
        Channel::RelativeHumidity,
        Channel::Pressure,
        Channel::AccelerationX,
        Channel::AccelerationY,
        Channel::AccelerationZ,
        Channel::AngularVelocityX,
        Channel::AngularVelocityY,
        Channel::AngularVelocityZ,
        Channel::MagneticFieldX,
        Channel::MagneticFieldY,
        Channel::MagneticFieldZ,
        Channel::Illuminance,
        Channel::Distance,
        Channel::Voltage,
    ];

    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Temperature => "temperature",
            Channel::RelativeHumidity => "relative-humidity",
            Channel::Pressure => "pressure",
            Channel::AccelerationX => "acceleration-x",
            Channel::AccelerationY => "acceleration-y",
            Channel::AccelerationZ => "acceleration-z",
            Channel::AngularVelocityX => "angular-velocity-x",
            Channel::AngularVelocityY => "angular-velocity-y",
            Channel::AngularVelocityZ => "angular-velocity-z",
            Channel::MagneticFieldX => "magnetic-field-x",
            Channel::MagneticFieldY => "magnetic-field-y",
            Channel::MagneticFieldZ => "magnetic-field-z",
            Channel::Illuminance => "illuminance",
            Channel::Distance => "distance",
            Channel::Voltage => "voltage",
        }
    }

    /// The channel with the spec's name `name`.
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The spec's sensor `kind`, by name.
pub const KINDS: [&str; 10] = [
    "thermometer",
    "hygrometer",
    "barometer",
    "environmental",
    "accelerometer",
    "gyroscope",
    "magnetometer",
    "light",
    "proximity",
    "other",
];

/// Where one channel's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Waveform {
    Constant(f64),
    /// `mean + amplitude * sin(2π (t / period) + phase)`.
    Sine {
        mean: f64,
        amplitude: f64,
        period: Nanos,
        phase: f64,
    },
    /// From `from` at time 0 to `to` at `over`, then `to`.
    Ramp {
        from: f64,
        to: f64,
        over: Nanos,
    },
}

impl Waveform {
    pub fn at(&self, t: Nanos) -> f64 {
        match *self {
            Waveform::Constant(v) => v,
            Waveform::Sine {
                mean,
                amplitude,
                period,
                phase,
            } => {
                let x = (t % period.max(1)) as f64 / period.max(1) as f64;
                mean + amplitude * libm::sin(core::f64::consts::TAU * x + phase)
            }
            Waveform::Ramp { from, to, over } => {
                if t >= over || over == 0 {
                    to
                } else {
                    from + (to - from) * (t as f64 / over as f64)
                }
            }
        }
    }
}

/// Recorded values: each row a time and one value per channel.
pub type Rows = Vec<(Nanos, Vec<f64>)>;

/// Where a sensor's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One waveform per channel.
    Waveforms(Vec<Waveform>),
    /// Recorded rows: a time, then one value per channel; the value at `t` is
    /// the last row at or before `t` (the first row before it).
    Recorded(Rows),
    /// A BME280 model on a bus: (bus index, address).
    Device {
        bus: usize,
        address: super::i2c::Address,
    },
}

/// What a sensor says of a channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelInfo {
    pub channel: Channel,
    pub min: f64,
    pub max: f64,
    pub resolution: f64,
}

/// One sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sample {
    pub timestamp: Nanos,
    pub sequence: u64,
    pub values: Vec<f64>,
}

/// A sensor of the board.
#[derive(Debug, Clone)]
pub struct Sensor {
    pub name: String,
    pub kind: &'static str,
    pub channels: Vec<ChannelInfo>,
    pub source: Source,
    pub min_interval: Nanos,
    /// The sampling interval a sensor has when opened, from the board file.
    pub default_interval: Nanos,
    pub fifo_capacity: u32,
    /// The time one conversion takes at oversampling 1.
    pub conversion: Nanos,
    /// The full-scale ranges the part offers, per channel index (empty: the
    /// range cannot be changed).
    pub ranges: Vec<Vec<f64>>,
    /// The oversampling factors the part offers (empty: none).
    pub oversamplings: Vec<u32>,
    // State.
    pub open: bool,
    pub interval: Nanos,
    pub oversampling: u32,
    pub running: Option<Nanos>,
    /// Samples taken since `running` began (FIFO samples).
    pub taken: u64,
    pub fifo: VecDeque<Sample>,
    pub overrun: u64,
    pub sequence: u64,
    /// The latest samples with their sequence numbers, for threshold triggers.
    pub recent: VecDeque<Sample>,
}

impl Sensor {
    /// Resets the app-visible state, as at open.
    pub fn reset(&mut self) {
        self.interval = self.default_interval.max(self.min_interval);
        self.oversampling = 1;
        self.running = None;
        self.taken = 0;
        self.fifo.clear();
        self.overrun = 0;
        self.sequence = 0;
        self.recent.clear();
    }

    /// The value of every channel, clamped and rounded, from `raw` (in
    /// place: a reading allocates once).
    pub fn quantize(&self, mut raw: Vec<f64>) -> Vec<f64> {
        self.quantize_in_place(&mut raw);
        raw
    }

    /// [`quantize`](Self::quantize) in place.
    pub fn quantize_in_place(&self, raw: &mut Vec<f64>) {
        raw.truncate(self.channels.len());
        for (v, c) in raw.iter_mut().zip(&self.channels) {
            let clamped = v.clamp(c.min, c.max);
            *v = if c.resolution > 0.0 {
                libm::round(clamped / c.resolution) * c.resolution
            } else {
                clamped
            };
        }
    }

    /// The time of the `k`th FIFO sample (k = 1, 2, ...) of the current run.
    pub fn sample_time(&self, k: u64) -> Option<Nanos> {
        let start = self.running?;
        start.checked_add(self.interval.checked_mul(k)?)
    }

    /// The time of the next FIFO sample not yet taken.
    pub fn next_sample(&self) -> Option<Nanos> {
        self.sample_time(self.taken + 1)
    }

    /// Records a new sample (from a read or the FIFO); returns it.
    pub fn record(&mut self, timestamp: Nanos, values: Vec<f64>) -> Sample {
        let mut sample = Sample {
            timestamp,
            sequence: 0,
            values,
        };
        self.record_into(timestamp, &mut sample);
        sample
    }

    /// Records `sample.values` as a new sample taken at `timestamp`, and
    /// sets `sample`'s time and sequence number.
    pub fn record_into(&mut self, timestamp: Nanos, sample: &mut Sample) {
        self.sequence += 1;
        sample.timestamp = timestamp;
        sample.sequence = self.sequence;
        // The history keeps the last 64; the oldest one's buffer is reused.
        let kept = if self.recent.len() >= 64 {
            self.recent.pop_front().map(|mut old| {
                old.timestamp = sample.timestamp;
                old.sequence = sample.sequence;
                old.values.clear();
                old.values.extend_from_slice(&sample.values);
                old
            })
        } else {
            None
        };
        self.recent
            .push_back(kept.unwrap_or_else(|| sample.clone()));
    }

    /// Pushes a FIFO sample, dropping the oldest (and counting it) when full.
    pub fn push_fifo(&mut self, sample: Sample) {
        if self.fifo.len() as u64 >= u64::from(self.fifo_capacity.max(1)) {
            self.fifo.pop_front();
            self.overrun += 1;
        }
        self.fifo.push_back(sample);
    }
}

/// The raw values of a recorded source at `t`.
pub fn recorded_at(rows: &[(Nanos, Vec<f64>)], t: Nanos) -> &[f64] {
    let i = rows.partition_point(|(at, _)| *at <= t);
    &rows[i.saturating_sub(1)].1
}

/// Parses a CSV of timestamped values: `time_s,v1,v2,...` per line, in
/// increasing time, one value per channel; `#` starts a comment; a first line
/// that is not numbers is a header. Errors name the line.
pub fn parse_csv(text: &str, channels: usize) -> Result<Rows, (usize, String)> {
    let mut rows: Rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let numbers: Result<Vec<f64>, _> = fields.iter().map(|f| f.parse::<f64>()).collect();
        let numbers = match numbers {
            Ok(v) => v,
            Err(_) if rows.is_empty() && n == 1 => continue, // header
            Err(_) => {
                let bad = fields
                    .iter()
                    .position(|f| f.parse::<f64>().is_err())
                    .unwrap_or(0);
                return Err((
                    n,
                    format!("column {} (`{}`) is not a number", bad + 1, fields[bad]),
                ));
            }
        };
        if numbers.len() != channels + 1 {
            return Err((
                n,
                format!(
                    "{} columns, expected {} (the time in seconds and one per channel)",
                    numbers.len(),
                    channels + 1
                ),
            ));
        }
        if numbers.iter().any(|v| !v.is_finite()) {
            return Err((n, "a value is not finite".into()));
        }
        if numbers[0] < 0.0 {
            return Err((n, "the time is negative".into()));
        }
        let t = libm::round(numbers[0] * 1e9) as Nanos;
        if rows.last().is_some_and(|(last, _)| *last >= t) {
            return Err((n, "times must increase from line to line".into()));
        }
        rows.push((t, numbers[1..].to_vec()));
    }
    if rows.is_empty() {
        return Err((1, "no rows of values".into()));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{vec, vec::Vec};

    #[test]
    fn waveforms_give_their_values_over_time() {
        let sine = Waveform::Sine {
            mean: 20.0,
            amplitude: 5.0,
            period: 4_000,
            phase: 0.0,
        };
        assert!((sine.at(1_000) - 25.0).abs() < 1e-9);
        assert!((sine.at(3_000) - 15.0).abs() < 1e-9);
        let ramp = Waveform::Ramp {
            from: 0.0,
            to: 10.0,
            over: 10,
        };
        assert_eq!((ramp.at(0), ramp.at(5), ramp.at(99)), (0.0, 5.0, 10.0));
    }

    #[test]
    fn csv_rows_are_steps_in_time_and_bad_lines_are_named() {
        let rows = parse_csv("time,temperature\n0,20.5\n1.5,21.0\n# comment\n3,22\n", 1).unwrap();
        assert_eq!(recorded_at(&rows, 0), [20.5]);
        assert_eq!(recorded_at(&rows, 1_499_999_999), [20.5]);
        assert_eq!(recorded_at(&rows, 2_000_000_000), [21.0]);
        assert_eq!(recorded_at(&rows, u64::MAX), [22.0]);
        assert_eq!(
            parse_csv("0,1\n1,x\n", 1),
            Err((2, "column 2 (`x`) is not a number".into()))
        );
        assert_eq!(
            parse_csv("0,1,2\n", 1),
            Err((
                1,
                "3 columns, expected 2 (the time in seconds and one per channel)".into()
            ))
        );
        assert_eq!(
            parse_csv("1,1\n1,2\n", 1),
            Err((2, "times must increase from line to line".into()))
        );
    }

    #[test]
    fn a_full_fifo_drops_the_oldest_and_counts_it() {
        let mut s = Sensor {
            name: "s".into(),
            kind: "other",
            channels: vec![ChannelInfo {
                channel: Channel::Voltage,
                min: 0.0,
                max: 5.0,
                resolution: 0.01,
            }],
            source: Source::Waveforms(vec![Waveform::Constant(1.234)]),
            min_interval: 1,
            default_interval: 1,
            fifo_capacity: 2,
            conversion: 0,
            ranges: vec![],
            oversamplings: vec![],
            open: true,
            interval: 1,
            oversampling: 1,
            running: None,
            taken: 0,
            fifo: VecDeque::new(),
            overrun: 0,
            sequence: 0,
            recent: VecDeque::new(),
        };
        assert_eq!(s.quantize(vec![1.234]), [1.23]);
        assert_eq!(s.quantize(vec![9.0]), [5.0]);
        for t in 0..3 {
            let sample = s.record(t, vec![1.0]);
            s.push_fifo(sample);
        }
        assert_eq!(s.overrun, 1);
        assert_eq!(
            s.fifo.iter().map(|x| x.sequence).collect::<Vec<_>>(),
            [2, 3]
        );
    }
}
