//! The mocked board: pins, buses with device models, sensors, the clock, the
//! policy and the trace, with every operation of the spec in its terms.
//!
//! This module knows nothing of wasmtime: the reference host's glue (and,
//! later, the shim's tests) call these methods, which check the policy,
//! model the hardware, advance the clock as the hardware would take time,
//! and trace each operation.

pub mod bme280;
pub mod eeprom;
#[cfg(feature = "file")]
pub mod file;
pub mod gpio;
pub mod i2c;
pub mod nor_flash;
pub mod registers;
pub mod sensor;
pub mod spi;

use alloc::{format, string::String, vec::Vec};
use serde_json::{Value, json};

use crate::policy::Policy;
use crate::time::{Clock, Nanos};
use crate::trace::{self, Trace};
use gpio::{Config, Gpio, Mode, Pull};
use i2c::{Address, Bus, BusError, Op};
use sensor::{Sample, Sensor, Source};
use spi::SpiDevice;

/// The spec's `gpio.error-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpioError {
    NotFound,
    NotPermitted,
    Busy,
    Unsupported,
    WrongMode,
    LimitReached,
    Other,
}

impl GpioError {
    pub fn name(self) -> &'static str {
        match self {
            GpioError::NotFound => "not-found",
            GpioError::NotPermitted => "not-permitted",
            GpioError::Busy => "busy",
            GpioError::Unsupported => "unsupported",
            GpioError::WrongMode => "wrong-mode",
            GpioError::LimitReached => "limit-reached",
            GpioError::Other => "other",
        }
    }
}

/// The spec's `i2c.error-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum I2cError {
    Bus(BusError),
    NotFound,
    NotPermitted,
    InvalidArgument,
    LimitReached,
    Other,
}

impl I2cError {
    pub fn name(self) -> &'static str {
        match self {
            I2cError::Bus(e) => e.name(),
            I2cError::NotFound => "not-found",
            I2cError::NotPermitted => "not-permitted",
            I2cError::InvalidArgument => "invalid-argument",
            I2cError::LimitReached => "limit-reached",
            I2cError::Other => "other",
        }
    }
}

/// The spec's `spi.error-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpiError {
    Wire(spi::WireError),
    NotFound,
    NotPermitted,
    InvalidArgument,
    LimitReached,
    Other,
}

impl SpiError {
    pub fn name(self) -> &'static str {
        match self {
            SpiError::Wire(e) => e.name(),
            SpiError::NotFound => "not-found",
            SpiError::NotPermitted => "not-permitted",
            SpiError::InvalidArgument => "invalid-argument",
            SpiError::LimitReached => "limit-reached",
            SpiError::Other => "other",
        }
    }
}

/// The spec's `sensor.error-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorError {
    NotFound,
    NotPermitted,
    Busy,
    Unsupported,
    InvalidArgument,
    Running,
    Device,
    LimitReached,
    Other,
}

impl SensorError {
    pub fn name(self) -> &'static str {
        match self {
            SensorError::NotFound => "not-found",
            SensorError::NotPermitted => "not-permitted",
            SensorError::Busy => "busy",
            SensorError::Unsupported => "unsupported",
            SensorError::InvalidArgument => "invalid-argument",
            SensorError::Running => "running",
            SensorError::Device => "device",
            SensorError::LimitReached => "limit-reached",
            SensorError::Other => "other",
        }
    }
}

/// A sensor attribute (the spec's `attribute`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attribute {
    SamplingInterval(Nanos),
    Oversampling(u32),
    Range {
        channel: sensor::Channel,
        full_scale: f64,
    },
}

/// The board of one run. A clone is the board as it is now, to run again
/// from there (the fuzz targets parse a board file once).
#[derive(Clone)]
pub struct Board {
    pub name: String,
    pub clock: Clock,
    pub gpio: Gpio,
    pub buses: Vec<Bus>,
    /// SPI devices, each a part behind its chip select.
    pub spi: Vec<SpiDevice>,
    pub sensors: Vec<Sensor>,
    pub policy: Policy,
    pub trace: Trace,
}

impl Board {
    /// The current time.
    pub fn now(&mut self) -> Nanos {
        self.clock.now()
    }

    /// Moves time to `t`, applying the pins' scripts on the way.
    pub fn advance_to(&mut self, t: Nanos) {
        // Under real time, script events must happen at their real times.
        while let Some(next) = self.gpio.next_event() {
            if next > t {
                break;
            }
            self.clock.advance_to(next);
            self.gpio.run_script_until(next);
            self.take_level_changes();
        }
        self.clock.advance_to(t);
        let now = self.clock.now();
        self.gpio.run_script_until(now);
        self.take_level_changes();
    }

    /// The time of the next thing the board does by itself.
    pub fn next_event(&self) -> Option<Nanos> {
        self.gpio.next_event()
    }

    fn take_level_changes(&mut self) {
        for change in core::mem::take(&mut self.gpio.changes) {
            if !self.trace.on {
                continue;
            }
            for &p in &change.pins {
                self.trace.level(change.at, p, change.high);
            }
            let names: Vec<&str> = change
                .pins
                .iter()
                .map(|&p| self.gpio.pins[p].name.as_str())
                .collect();
            if self.trace.on {
                self.trace.record(
                    change.at,
                    "board",
                    "level",
                    json!({"pins": names, "level": if change.high { "high" } else { "low" }}),
                    trace::ok(),
                );
            }
        }
        for (at, pins) in core::mem::take(&mut self.gpio.contentions) {
            let names: Vec<&str> = pins
                .iter()
                .map(|&p| self.gpio.pins[p].name.as_str())
                .collect();
            if self.trace.on {
                self.trace.record(
                    at,
                    "board",
                    "contention",
                    json!({"pins": names}),
                    trace::err("contention"),
                );
            }
        }
    }

    // ---- gpio ----

    /// The pins granted to the app, with their capabilities.
    pub fn pins_granted(&self) -> Vec<(String, gpio::Capabilities)> {
        self.gpio
            .pins
            .iter()
            .filter(|p| self.policy.pin(&p.name))
            .map(|p| (p.name.clone(), p.capabilities))
            .collect()
    }

    pub fn pin_open(&mut self, name: &str, config: Config) -> Result<usize, GpioError> {
        let t = self.now();
        let result = self.pin_open_inner(name, config);
        if self.trace.on {
            self.trace.record(
                t,
                "gpio",
                "open",
                json!({"pin": name, "config": config_json(config)}),
                match result {
                    Ok(_) => trace::ok(),
                    Err(e) => trace::err(e.name()),
                },
            );
        }
        self.take_level_changes();
        result
    }

    fn pin_open_inner(&mut self, name: &str, config: Config) -> Result<usize, GpioError> {
        let pin = self.gpio.find(name).ok_or(GpioError::NotFound)?;
        if !self.policy.pin(name) {
            return Err(GpioError::NotPermitted);
        }
        if self.gpio.pins[pin].open {
            return Err(GpioError::Busy);
        }
        self.configure(pin, config)?;
        self.gpio.pins[pin].open = true;
        Ok(pin)
    }

    fn configure(&mut self, pin: usize, config: Config) -> Result<(), GpioError> {
        let caps = self.gpio.pins[pin].capabilities;
        let ok = match config.mode {
            Mode::Input => caps.input,
            Mode::PushPull => caps.push_pull,
            Mode::OpenDrain => caps.open_drain,
        } && match config.pull {
            Pull::None => true,
            Pull::Up => caps.pull_up,
            Pull::Down => caps.pull_down,
        };
        if !ok {
            return Err(GpioError::Unsupported);
        }
        let now = self.now();
        let p = &mut self.gpio.pins[pin];
        p.config = Some(config);
        if config.mode != Mode::Input {
            p.latch = config.initial_high != config.active_low;
        }
        self.gpio.update(pin, now);
        Ok(())
    }

    /// The app dropped its handle. The host leaves the pin as it was: an
    /// output keeps its level, a pull stays on.
    pub fn pin_close(&mut self, pin: usize) {
        let t = self.now();
        self.gpio.pins[pin].open = false;
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.gpio.pins[pin].name.clone()
        } else {
            String::new()
        };
        self.trace
            .record(t, "gpio", "drop", json!({"pin": name}), trace::ok());
    }

    pub fn pin_reconfigure(&mut self, pin: usize, config: Config) -> Result<(), GpioError> {
        let t = self.now();
        let result = self.configure(pin, config);
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.gpio.pins[pin].name.clone()
        } else {
            String::new()
        };
        if self.trace.on {
            self.trace.record(
                t,
                "gpio",
                "reconfigure",
                json!({"pin": name, "config": config_json(config)}),
                unit_result(result, GpioError::name),
            );
        }
        self.take_level_changes();
        result
    }

    fn pin_config(&self, pin: usize) -> Config {
        self.gpio.pins[pin]
            .config
            .expect("an open pin has a config")
    }

    /// Logical level of the line.
    pub fn pin_is_high(&mut self, pin: usize) -> Result<bool, GpioError> {
        let t = self.now();
        let c = self.pin_config(pin);
        let high = self.gpio.line_high(pin) != c.active_low;
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.gpio.pins[pin].name.clone()
        } else {
            String::new()
        };
        if self.trace.on {
            self.trace.record(
                t,
                "gpio",
                "is-high",
                json!({"pin": name}),
                trace::ok_value(high),
            );
        }
        Ok(high)
    }

    /// Sets the logical output level (`Some`) or toggles it (`None`).
    pub fn pin_set(&mut self, pin: usize, level: Option<bool>) -> Result<(), GpioError> {
        let t = self.now();
        let c = self.pin_config(pin);
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.gpio.pins[pin].name.clone()
        } else {
            String::new()
        };
        let op = match level {
            Some(true) => "set-high",
            Some(false) => "set-low",
            None => "toggle",
        };
        let result = if c.mode == Mode::Input {
            Err(GpioError::WrongMode)
        } else {
            let p = &mut self.gpio.pins[pin];
            p.latch = match level {
                Some(high) => high != c.active_low,
                None => !p.latch,
            };
            self.gpio.update(pin, t);
            Ok(())
        };
        if self.trace.on {
            self.trace.record(
                t,
                "gpio",
                op,
                json!({"pin": name}),
                unit_result(result, GpioError::name),
            );
        }
        self.take_level_changes();
        result
    }

    pub fn pin_is_set_high(&mut self, pin: usize) -> Result<bool, GpioError> {
        let t = self.now();
        let c = self.pin_config(pin);
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.gpio.pins[pin].name.clone()
        } else {
            String::new()
        };
        let result = if c.mode == Mode::Input {
            Err(GpioError::WrongMode)
        } else {
            Ok(self.gpio.pins[pin].latch != c.active_low)
        };
        if self.trace.on {
            self.trace.record(
                t,
                "gpio",
                "is-set-high",
                json!({"pin": name}),
                match result {
                    Ok(v) => trace::ok_value(v),
                    Err(e) => trace::err(e.name()),
                },
            );
        }
        result
    }

    /// The count of logical edges of `edge` seen on `pin` so far: rising,
    /// falling or both, translated through active-low.
    pub fn pin_edges(&self, pin: usize, rising: bool, falling: bool) -> u64 {
        let p = &self.gpio.pins[pin];
        let active_low = p.config.is_some_and(|c| c.active_low);
        let (logical_rising, logical_falling) = if active_low {
            (p.falling, p.rising)
        } else {
            (p.rising, p.falling)
        };
        u64::from(rising) * logical_rising + u64::from(falling) * logical_falling
    }

    pub fn pin_supports_edges(&self, pin: usize) -> bool {
        self.gpio.pins[pin].capabilities.edges
    }

    // ---- i2c ----

    pub fn buses_granted(&self) -> Vec<(String, u32, Vec<Address>)> {
        self.buses
            .iter()
            .filter(|b| self.policy.bus(&b.name))
            .map(|b| {
                (
                    b.name.clone(),
                    b.frequency_hz,
                    self.policy.buses[&b.name].clone(),
                )
            })
            .collect()
    }

    pub fn bus_open(&mut self, name: &str) -> Result<usize, I2cError> {
        let t = self.now();
        let result = match self.buses.iter().position(|b| b.name == name) {
            None => Err(I2cError::NotFound),
            Some(_) if !self.policy.bus(name) => Err(I2cError::NotPermitted),
            Some(i) => Ok(i),
        };
        if self.trace.on {
            self.trace.record(
                t,
                "i2c",
                "open",
                json!({"bus": name}),
                unit_result(result.map(drop), I2cError::name),
            );
        }
        result
    }

    /// One spec call on a bus: checks arguments and the policy, runs the
    /// transfer, advances the clock by its duration, traces it.
    pub fn i2c_transfer(
        &mut self,
        bus: usize,
        op: &str,
        address: Address,
        ops: &[Op<'_>],
    ) -> Result<Vec<Vec<u8>>, I2cError> {
        let t = self.now();
        let max = self.buses[bus].max_transfer;
        let valid_address = match address {
            Address::Seven(a) => a <= 0x7f,
            Address::Ten(a) => a <= 0x3ff,
        };
        // A transaction holds at most `max` operations, each of at most
        // `max` bytes (the spec's `max-transfer-length`).
        let valid_ops = ops.len() as u64 <= u64::from(max)
            && ops.iter().all(|o| match o {
                Op::Read(n) => *n >= 1 && *n <= max,
                Op::Write(d) => d.len() as u64 <= u64::from(max),
            });
        let (result, wire) = if !valid_address || !valid_ops {
            (Err(I2cError::InvalidArgument), Vec::new())
        } else if !self.policy.address(&self.buses[bus].name, address) {
            (Err(I2cError::NotPermitted), Vec::new())
        } else {
            let (r, wire, end) = self.buses[bus].transfer(t, address, ops, self.trace.on);
            self.advance_to(end);
            (r.map_err(I2cError::Bus), wire)
        };
        if self.trace.on {
            let ops_json: Vec<Value> = ops
                .iter()
                .map(|o| match o {
                    Op::Read(n) => json!({"read": n}),
                    Op::Write(d) => json!({"write": i2c::hex(d)}),
                })
                .collect();
            self.trace.record(
            t,
            "i2c",
            op,
            json!({"bus": self.buses[bus].name, "address": address_json(address), "operations": ops_json, "wire": wire}),
            match &result {
                Ok(reads) => trace::ok_value(reads.iter().map(|r| i2c::hex(r)).collect::<Vec<_>>()),
                Err(e) => trace::err(e.name()),
            },
        );
        }
        result
    }

    pub fn i2c_recover(&mut self, bus: usize) -> Result<(), I2cError> {
        let t = self.now();
        let (r, end) = self.buses[bus].recover(t);
        self.advance_to(end);
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.buses[bus].name.clone()
        } else {
            String::new()
        };
        let r = r.map_err(I2cError::Bus);
        if self.trace.on {
            self.trace.record(
                t,
                "i2c",
                "recover",
                json!({"bus": name}),
                unit_result(r, I2cError::name),
            );
        }
        r
    }

    // ---- spi ----

    /// The SPI devices the policy grants, in the board's order, with how
    /// the host drives each.
    pub fn spi_granted(&self) -> Vec<(String, spi::Config)> {
        self.spi
            .iter()
            .filter(|d| self.policy.spi(&d.name))
            .map(|d| (d.name.clone(), d.config))
            .collect()
    }

    pub fn spi_open(&mut self, name: &str) -> Result<usize, SpiError> {
        let t = self.now();
        let result = match self.spi.iter().position(|d| d.name == name) {
            None => Err(SpiError::NotFound),
            Some(_) if !self.policy.spi(name) => Err(SpiError::NotPermitted),
            Some(i) => Ok(i),
        };
        if self.trace.on {
            self.trace.record(
                t,
                "spi",
                "open",
                json!({"device": name}),
                unit_result(result.map(drop), SpiError::name),
            );
        }
        result
    }

    /// One spec call on an SPI device (`op`: `read`, `write`, `transfer`,
    /// `transfer-in-place`, `transaction`): checks the arguments, runs the
    /// transaction, advances the clock by its duration, traces it.
    pub fn spi_transaction(
        &mut self,
        device: usize,
        op: &str,
        ops: &[spi::Op<'_>],
    ) -> Result<Vec<Vec<u8>>, SpiError> {
        let t = self.now();
        let max = self.spi[device].max_transfer;
        // At most `max` operations, each of at most `max` words; a read or
        // transfer of at least one (the spec's `max-transfer-length`).
        let valid = ops.len() as u64 <= u64::from(max)
            && ops.iter().all(|o| match o {
                spi::Op::Read(n) => *n >= 1 && *n <= max,
                spi::Op::Write(d) => d.len() as u64 <= u64::from(max),
                spi::Op::Transfer(d) => !d.is_empty() && d.len() as u64 <= u64::from(max),
                spi::Op::DelayNs(_) => true,
            });
        let (result, wire) = if valid {
            let mut words = Vec::new();
            let sink = if self.trace.on {
                Some(&mut words)
            } else {
                None
            };
            let (r, wire, end) = self.spi[device].transaction_words(t, ops, self.trace.on, sink);
            if self.trace.on && r.is_ok() {
                self.spi_waveform(device, t, &words, end);
            }
            self.advance_to(end);
            (r.map_err(SpiError::Wire), wire)
        } else {
            (Err(SpiError::InvalidArgument), Vec::new())
        };
        if self.trace.on {
            let ops_json: Vec<Value> = ops
                .iter()
                .map(|o| match o {
                    spi::Op::Read(n) => json!({"read": n}),
                    spi::Op::Write(d) => json!({"write": i2c::hex(d)}),
                    spi::Op::Transfer(d) => json!({"transfer": i2c::hex(d)}),
                    spi::Op::DelayNs(ns) => json!({"delay-ns": ns}),
                })
                .collect();
            self.trace.record(
                t,
                "spi",
                op,
                json!({"device": self.spi[device].name, "operations": ops_json, "wire": wire}),
                match &result {
                    Ok(reads) => {
                        trace::ok_value(reads.iter().map(|r| i2c::hex(r)).collect::<Vec<_>>())
                    }
                    Err(e) => trace::err(e.name()),
                },
            );
        }
        result
    }

    /// The waveform of one transaction of `device` from `start` to `end`
    /// with `words`: the chip select low around it, and each bit on the
    /// clock, MOSI and MISO, as the device's mode and bit order put it
    /// (CPHA 0: data set half a bit before the clock's first edge; CPHA 1:
    /// set on the first edge). Only changes are recorded.
    fn spi_waveform(&mut self, device: usize, start: Nanos, words: &[spi::Word], end: Nanos) {
        let base = self.gpio.pins.len() + 4 * device;
        let d = &mut self.spi[device];
        let config = d.config;
        let hz = u64::from(config.frequency_hz.max(1));
        let active = !config.mode.clock_idles_high();
        let second = config.mode.samples_on_second_edge();
        let mut changes = Vec::new();
        let mut set = |lines: &mut [bool; 4], at: Nanos, line: usize, high: bool| {
            if lines[line] != high {
                lines[line] = high;
                changes.push((at, base + line, high));
            }
        };
        let (cs, sck, mosi, miso) = (0, 1, 2, 3);
        set(&mut d.lines, start, cs, false);
        for &(t, out, back) in words {
            for i in 0..8u64 {
                let bit = match config.bit_order {
                    spi::BitOrder::MsbFirst => 7 - i,
                    spi::BitOrder::LsbFirst => i,
                };
                let at = t + i * 1_000_000_000 / hz;
                let half = at + 500_000_000 / hz;
                let next = at + 1_000_000_000 / hz;
                let (o, b) = (out >> bit & 1 == 1, back >> bit & 1 == 1);
                // Data change at the bit's start either way; the clock's
                // edges fall there and half a bit on (CPHA 1), or half a
                // bit on and at the next bit (CPHA 0).
                let (first, second_edge) = if second { (at, half) } else { (half, next) };
                set(&mut d.lines, at, mosi, o);
                set(&mut d.lines, at, miso, b);
                set(&mut d.lines, first, sck, active);
                set(&mut d.lines, second_edge, sck, !active);
            }
        }
        set(&mut d.lines, end, cs, true);
        for (at, line, high) in changes {
            self.trace.level(at, line, high);
        }
    }

    /// The waveform as a VCD file (`--vcd`): each pin's line, then each SPI
    /// device's `NAME.cs`, `NAME.sck`, `NAME.mosi` and `NAME.miso`, each
    /// from its level before its first recorded change (or its level now,
    /// if it never changed).
    pub fn vcd(&self) -> String {
        let mut names: Vec<String> = self.gpio.pins.iter().map(|p| p.name.clone()).collect();
        let mut now: Vec<bool> = (0..names.len()).map(|p| self.gpio.line_high(p)).collect();
        for d in &self.spi {
            for (line, level) in ["cs", "sck", "mosi", "miso"].iter().zip(d.lines) {
                names.push(format!("{}.{line}", d.name));
                now.push(level);
            }
        }
        let initial: Vec<bool> = (0..names.len())
            .map(|line| {
                let first = self.trace.levels.iter().find(|(_, l, _)| *l == line);
                first.map_or(now[line], |(_, _, high)| !high)
            })
            .collect();
        self.trace.vcd(&names, &initial)
    }

    // ---- sensors ----

    pub fn sensors_granted(&self) -> Vec<usize> {
        (0..self.sensors.len())
            .filter(|&i| self.policy.sensor(&self.sensors[i].name))
            .collect()
    }

    pub fn sensor_open(&mut self, name: &str) -> Result<usize, SensorError> {
        let t = self.now();
        let result = match self.sensors.iter().position(|s| s.name == name) {
            None => Err(SensorError::NotFound),
            Some(_) if !self.policy.sensor(name) => Err(SensorError::NotPermitted),
            Some(i) if self.sensors[i].open => Err(SensorError::Busy),
            Some(i) => {
                self.sensors[i].reset();
                self.sensors[i].open = true;
                Ok(i)
            }
        };
        if self.trace.on {
            self.trace.record(
                t,
                "sensor",
                "open",
                json!({"sensor": name}),
                unit_result(result.map(drop), SensorError::name),
            );
        }
        result
    }

    pub fn sensor_close(&mut self, s: usize) {
        let t = self.now();
        self.sensors[s].open = false;
        self.sensors[s].running = None;
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.sensors[s].name.clone()
        } else {
            String::new()
        };
        self.trace
            .record(t, "sensor", "drop", json!({"sensor": name}), trace::ok());
    }

    /// The raw (unquantized) values of sensor `s` at `t`.
    fn sensor_raw(&mut self, s: usize, t: Nanos) -> Result<Vec<f64>, SensorError> {
        let mut raw = Vec::new();
        self.sensor_raw_into(s, t, &mut raw)?;
        Ok(raw)
    }

    /// The raw values of sensor `s` at `t`, in place of `out`'s (whose
    /// buffer is reused).
    fn sensor_raw_into(
        &mut self,
        s: usize,
        t: Nanos,
        out: &mut Vec<f64>,
    ) -> Result<(), SensorError> {
        out.clear();
        match &self.sensors[s].source {
            Source::Waveforms(w) => {
                out.extend(w.iter().map(|w| w.at(t)));
                Ok(())
            }
            Source::Recorded(rows) => {
                out.extend_from_slice(sensor::recorded_at(rows, t));
                Ok(())
            }
            Source::Device { bus, address } => {
                let (bus, address) = (*bus, *address);
                let env = self.buses[bus]
                    .devices
                    .get_mut(&address)
                    .and_then(|d| d.environment(t))
                    .ok_or(SensorError::Device)?;
                out.extend(self.sensors[s].channels.iter().map(|c| match c.channel {
                    sensor::Channel::Temperature => env.temperature,
                    sensor::Channel::Pressure => env.pressure,
                    sensor::Channel::RelativeHumidity => env.humidity,
                    _ => f64::NAN,
                }));
                Ok(())
            }
        }
    }

    /// Takes the FIFO samples that are due by now.
    ///
    /// Its cost is bounded by the FIFO's depth (and the 64 samples of
    /// history that threshold triggers look at), not by the time since the
    /// last call: of a long run of due samples, all but the last
    /// `max(fifo capacity, 64)` would be pushed out of the FIFO and the
    /// history by those that follow, so they are counted (in the sequence
    /// numbers and the FIFO's overrun) without being made. A guest that
    /// sleeps 2^60 ns with a sensor running at 1 ms gets its `read-fifo`
    /// at once, as from a part whose FIFO overflowed.
    pub fn sensor_catch_up(&mut self, s: usize) {
        let now = self.now();
        let sensor = &mut self.sensors[s];
        if let Some(start) = sensor.running
            && sensor.interval > 0
        {
            // Samples 1..=due are due; `taken` of them are made.
            let due = now.saturating_sub(start) / sensor.interval;
            let kept = u64::from(sensor.fifo_capacity.max(1)).max(64);
            let skipped = due.saturating_sub(sensor.taken).saturating_sub(kept);
            if skipped > 0 {
                sensor.taken += skipped;
                sensor.sequence += skipped;
                // Every sample in the FIFO now, and every one skipped,
                // would have been pushed out by the `kept` that follow.
                sensor.overrun += skipped + sensor.fifo.len() as u64;
                sensor.fifo.clear();
            }
        }
        while let Some(at) = self.sensors[s].next_sample() {
            if at > now {
                break;
            }
            self.sensors[s].taken += 1;
            let values = match self.sensor_raw(s, at) {
                Ok(raw) => self.sensors[s].quantize(raw),
                Err(_) => continue,
            };
            let sample = self.sensors[s].record(at, values);
            self.sensors[s].push_fifo(sample);
        }
    }

    pub fn sensor_read(&mut self, s: usize) -> Result<Sample, SensorError> {
        let mut sample = Sample::default();
        self.sensor_read_into(s, &mut sample).map(|()| sample)
    }

    /// `sensor_read` into `out`, whose buffer is reused: a host that
    /// returns the sample borrowed allocates nothing per read. On an error
    /// `out` holds nothing meaningful.
    pub fn sensor_read_into(&mut self, s: usize, out: &mut Sample) -> Result<(), SensorError> {
        let t = self.now();
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.sensors[s].name.clone()
        } else {
            String::new()
        };
        let result = if self.sensors[s].running.is_some() {
            Err(SensorError::Running)
        } else {
            let conversion =
                self.sensors[s].conversion * u64::from(self.sensors[s].oversampling.max(1));
            self.advance_to(t.saturating_add(conversion));
            let at = self.now();
            self.sensor_raw_into(s, at, &mut out.values).map(|()| {
                self.sensors[s].quantize_in_place(&mut out.values);
                self.sensors[s].record_into(at, out);
            })
        };
        if self.trace.on {
            self.trace.record(
                t,
                "sensor",
                "read",
                json!({"sensor": name}),
                match &result {
                    Ok(()) => trace::ok_value(sample_json(out)),
                    Err(e) => trace::err(e.name()),
                },
            );
        }
        result
    }

    pub fn sensor_set_attribute(
        &mut self,
        s: usize,
        attribute: Attribute,
    ) -> Result<(), SensorError> {
        let t = self.now();
        let sensor = &mut self.sensors[s];
        let result = match attribute {
            Attribute::SamplingInterval(ns) if ns < sensor.min_interval => {
                Err(SensorError::InvalidArgument)
            }
            Attribute::SamplingInterval(ns) => {
                sensor.interval = ns;
                Ok(())
            }
            Attribute::Oversampling(_) if sensor.oversamplings.is_empty() => {
                Err(SensorError::Unsupported)
            }
            Attribute::Oversampling(n) if !sensor.oversamplings.contains(&n) => {
                Err(SensorError::InvalidArgument)
            }
            Attribute::Oversampling(n) => {
                sensor.oversampling = n;
                Ok(())
            }
            Attribute::Range {
                channel,
                full_scale,
            } => match sensor.channels.iter().position(|c| c.channel == channel) {
                None => Err(SensorError::InvalidArgument),
                Some(i) if sensor.ranges.get(i).is_none_or(|r| r.is_empty()) => {
                    Err(SensorError::Unsupported)
                }
                Some(i) => {
                    let mut offered = sensor.ranges[i].clone();
                    offered.sort_by(f64::total_cmp);
                    match offered.into_iter().find(|&r| r >= full_scale.abs()) {
                        None => Err(SensorError::InvalidArgument),
                        Some(r) => {
                            sensor.channels[i].min = -r;
                            sensor.channels[i].max = r;
                            Ok(())
                        }
                    }
                }
            },
        };
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.sensors[s].name.clone()
        } else {
            String::new()
        };
        if self.trace.on {
            self.trace.record(
                t,
                "sensor",
                "set-attribute",
                json!({"sensor": name, "attribute": format!("{attribute:?}")}),
                unit_result(result, SensorError::name),
            );
        }
        result
    }

    pub fn sensor_start(&mut self, s: usize) -> Result<(), SensorError> {
        let t = self.now();
        let sensor = &mut self.sensors[s];
        if sensor.running.is_none() {
            sensor.running = Some(t);
            sensor.taken = 0;
            sensor.fifo.clear();
            sensor.overrun = 0;
        }
        let name = sensor.name.clone();
        self.trace
            .record(t, "sensor", "start", json!({"sensor": name}), trace::ok());
        Ok(())
    }

    pub fn sensor_stop(&mut self, s: usize) {
        self.sensor_catch_up(s);
        let t = self.now();
        self.sensors[s].running = None;
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.sensors[s].name.clone()
        } else {
            String::new()
        };
        self.trace
            .record(t, "sensor", "stop", json!({"sensor": name}), trace::ok());
    }

    pub fn sensor_read_fifo(
        &mut self,
        s: usize,
        max: u32,
    ) -> Result<(Vec<Sample>, u64), SensorError> {
        self.sensor_catch_up(s);
        let t = self.now();
        let sensor = &mut self.sensors[s];
        let result = if max == 0 {
            Err(SensorError::InvalidArgument)
        } else {
            let n = (max as usize).min(sensor.fifo.len());
            let samples: Vec<Sample> = sensor.fifo.drain(..n).collect();
            Ok((samples, core::mem::take(&mut sensor.overrun)))
        };
        // Only a trace needs the name.
        let name = if self.trace.on {
            self.sensors[s].name.clone()
        } else {
            String::new()
        };
        if self.trace.on {
            self.trace.record(
            t,
            "sensor",
            "read-fifo",
            json!({"sensor": name, "max": max}),
            match &result {
                Ok((samples, overrun)) => trace::ok_value(json!({"samples": samples.iter().map(sample_json).collect::<Vec<_>>(), "overrun": overrun})),
                Err(e) => trace::err(e.name()),
            },
        );
        }
        result
    }
}

fn unit_result<E: Copy>(r: Result<(), E>, name: fn(E) -> &'static str) -> Value {
    match r {
        Ok(()) => trace::ok(),
        Err(e) => trace::err(name(e)),
    }
}

fn config_json(c: Config) -> Value {
    json!({
        "mode": match c.mode { Mode::Input => "input", Mode::PushPull => "push-pull-output", Mode::OpenDrain => "open-drain-output" },
        "pull": match c.pull { Pull::None => "none", Pull::Up => "up", Pull::Down => "down" },
        "active-low": c.active_low,
        "initial-high": c.initial_high,
    })
}

pub fn address_json(a: Address) -> Value {
    match a {
        Address::Seven(a) => json!({"seven-bit": a}),
        Address::Ten(a) => json!({"ten-bit": a}),
    }
}

/// The address that [`address_json`] wrote, or `None` for anything else.
pub fn address_from_json(v: &Value) -> Option<Address> {
    if let Some(a) = v.get("seven-bit") {
        return a
            .as_u64()
            .and_then(|a| u8::try_from(a).ok())
            .map(Address::Seven);
    }
    let a = v.get("ten-bit")?.as_u64()?;
    u16::try_from(a).ok().map(Address::Ten)
}

pub fn sample_json(s: &Sample) -> Value {
    json!({"timestamp-ns": s.timestamp, "sequence": s.sequence, "values": s.values})
}
