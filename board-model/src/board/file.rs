//! The board file: a TOML description of the mocked board and its policy.
//!
//! The schema is documented in `host-reference/README.md`. Every error
//! names the file, the line and column, and the key or value at fault.

use alloc::collections::BTreeMap;
use alloc::{
    boxed::Box,
    format,
    string::{String, ToString},
    vec,
    vec::Vec,
};
use core::ops::Range;
#[cfg(feature = "std")]
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::Board;
use super::bme280::{Bme280, Environment};
use super::eeprom::{Eeprom, Geometry};
use super::gpio::{Capabilities, Drive, Gpio, Pin, Pull, ScriptEvent};
use super::i2c::{Address, Bus, BusError, Device, Fault, NackSource};
use super::nor_flash::NorFlash;
use super::registers::{Behaviour, ByteOrder, PastEnd, Register, Registers, Unwritable};
use super::sensor::{self, Channel, ChannelInfo, Sensor, Source, Waveform};
use super::spi::{self, SpiDevice};
use crate::policy::Policy;
use crate::time::{Clock, Nanos, parse_duration};
use crate::trace::Trace;

/// A board file that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardError {
    /// The file, as its path or name was given.
    pub file: String,
    /// The line (from 1) of what is wrong; 0 when the error is about the
    /// file as a whole (it cannot be read), whose message then names it.
    pub line: usize,
    /// The column (from 1), with `line`.
    pub column: usize,
    pub message: String,
}

/// `FILE:LINE:COLUMN: message`, or only the message when there is no
/// position (see [`BoardError::line`]).
impl core::fmt::Display for BoardError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.line == 0 {
            return f.write_str(&self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl core::error::Error for BoardError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BoardFile {
    name: Option<String>,
    #[serde(default)]
    pin: Vec<PinFile>,
    #[serde(default)]
    wire: Vec<WireFile>,
    #[serde(default)]
    bus: Vec<BusFile>,
    #[serde(default)]
    spi: Vec<SpiFile>,
    #[serde(default)]
    sensor: Vec<SensorFile>,
    policy: Option<PolicyFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PinFile {
    name: Spanned<String>,
    capabilities: Option<Vec<Spanned<String>>>,
    pull: Option<Spanned<String>>,
    #[serde(default)]
    script: Vec<ScriptFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ScriptFile {
    at: Spanned<String>,
    drive: Spanned<String>,
    #[serde(rename = "for")]
    for_: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct WireFile {
    from: Spanned<String>,
    /// The inputs the output drives: a list, even of one.
    to: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BusFile {
    name: Spanned<String>,
    frequency_hz: Option<Spanned<u32>>,
    max_transfer: Option<Spanned<u32>>,
    #[serde(default)]
    device: Vec<DeviceFile>,
    #[serde(default)]
    fault: Vec<FaultFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DeviceFile {
    address: Spanned<i64>,
    #[serde(default)]
    ten_bit: bool,
    model: Spanned<String>,
    // bme280
    temperature: Option<Spanned<f64>>,
    pressure: Option<Spanned<f64>>,
    humidity: Option<Spanned<f64>>,
    // 24cXX
    write_cycle: Option<Spanned<String>>,
    contents: Option<Spanned<Vec<u8>>>,
    // registers
    size: Option<Spanned<u32>>,
    values: Option<Spanned<Vec<Spanned<i64>>>>,
    read_only: Option<Spanned<Vec<u32>>>,
    width: Option<Spanned<i64>>,
    byte_order: Option<Spanned<String>>,
    past_end: Option<Spanned<String>>,
    unwritable: Option<Spanned<String>>,
    #[serde(default)]
    register: Vec<RegisterFile>,
}

/// One register of a `registers` device's map.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RegisterFile {
    pointer: Spanned<i64>,
    value: Option<Spanned<i64>>,
    width: Option<Spanned<i64>>,
    #[serde(default)]
    read_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FaultFile {
    error: Spanned<String>,
    on_transfer: Option<u64>,
    at: Option<Spanned<String>>,
    address: Option<Spanned<i64>>,
    #[serde(default)]
    ten_bit: bool,
    count: Option<u32>,
}

/// An SPI device: a part behind its chip select, and how the host drives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SpiFile {
    name: Spanned<String>,
    bus: Option<String>,
    model: Spanned<String>,
    mode: Option<Spanned<String>>,
    bit_order: Option<Spanned<String>>,
    frequency_hz: Option<Spanned<u32>>,
    max_transfer: Option<Spanned<u32>>,
    // bme280
    temperature: Option<Spanned<f64>>,
    pressure: Option<Spanned<f64>>,
    humidity: Option<Spanned<f64>>,
    // w25q32jv, w25q64jv, w25q128jv
    unique_id: Option<Spanned<Vec<u8>>>,
    #[serde(default)]
    fault: Vec<SpiFaultFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SpiFaultFile {
    error: Spanned<String>,
    on_transaction: Option<u64>,
    at: Option<Spanned<String>>,
    count: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SensorFile {
    name: Spanned<String>,
    kind: Spanned<String>,
    min_interval: Option<Spanned<String>>,
    interval: Option<Spanned<String>>,
    fifo: Option<u32>,
    conversion: Option<Spanned<String>>,
    oversampling: Option<Vec<u32>>,
    device: Option<SensorDeviceFile>,
    csv: Option<Spanned<String>>,
    #[serde(default)]
    channel: Vec<ChannelFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SensorDeviceFile {
    bus: Spanned<String>,
    address: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ChannelFile {
    channel: Spanned<String>,
    min: Option<f64>,
    max: Option<f64>,
    resolution: Option<f64>,
    value: Option<f64>,
    sine: Option<SineFile>,
    ramp: Option<RampFile>,
    #[serde(default)]
    ranges: Vec<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SineFile {
    mean: f64,
    amplitude: f64,
    period: Spanned<String>,
    #[serde(default)]
    phase: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RampFile {
    from: f64,
    to: f64,
    over: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PolicyFile {
    #[serde(default)]
    pins: Vec<Spanned<String>>,
    #[serde(default)]
    buses: BTreeMap<String, Vec<Spanned<i64>>>,
    #[serde(default)]
    sensors: Vec<Spanned<String>>,
    #[serde(default)]
    spi: Vec<Spanned<String>>,
}

/// Reads the board file at `path`; `real_time` picks the clock.
#[cfg(feature = "std")]
pub fn load(path: &Path, real_time: bool) -> Result<Board, BoardError> {
    let text = std::fs::read_to_string(path).map_err(|e| BoardError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message: format!("cannot read the board file {}: {e}", path.display()),
    })?;
    parse(path, &text, real_time)
}

/// Parses board file text; `path` names it in errors and anchors CSV paths.
#[cfg(feature = "std")]
pub fn parse(path: &Path, text: &str, real_time: bool) -> Result<Board, BoardError> {
    let name = path.display().to_string();
    let csv = |csv: &str| {
        let path = path.parent().unwrap_or(Path::new(".")).join(csv);
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((shown, text)),
            Err(e) => Err(format!("cannot read {shown}: {e}")),
        }
    };
    let cx = Cx {
        name: &name,
        text,
        csv: &csv,
    };
    let file: BoardFile = cx.toml()?;
    cx.build(file, real_time)
}

/// Parses board file text with no file system, as firmware does: `name`
/// names it in errors; a sensor recorded in a CSV file is an error.
pub fn parse_str(name: &str, text: &str) -> Result<Board, BoardError> {
    let csv = |csv: &str| Err(format!("cannot read {csv}: this build has no file system"));
    let cx = Cx {
        name,
        text,
        csv: &csv,
    };
    let file: BoardFile = cx.toml()?;
    cx.build(file, false)
}

/// A key of a device, where the board file sets it (if it does), and the
/// models it applies to.
type Rule<'a> = (&'a str, Option<Range<usize>>, &'a [&'a str]);

/// The BME280's keys, on I2C or SPI.
fn environment_keys<'a>(
    temperature: &Option<Spanned<f64>>,
    pressure: &Option<Spanned<f64>>,
    humidity: &Option<Spanned<f64>>,
) -> [Rule<'a>; 3] {
    [
        (
            "temperature",
            temperature.as_ref().map(Spanned::span),
            &["bme280"],
        ),
        (
            "pressure",
            pressure.as_ref().map(Spanned::span),
            &["bme280"],
        ),
        (
            "humidity",
            humidity.as_ref().map(Spanned::span),
            &["bme280"],
        ),
    ]
}

/// A CSV file by its name in the board file: its name as shown, and its text.
type ReadCsv<'a> = dyn Fn(&str) -> Result<(String, String), String> + 'a;

struct Cx<'a> {
    name: &'a str,
    text: &'a str,
    csv: &'a ReadCsv<'a>,
}

impl Cx<'_> {
    fn toml(&self) -> Result<BoardFile, BoardError> {
        toml::from_str(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, e.message().trim_end().to_string())
        })
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> BoardError {
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        BoardError {
            file: self.name.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn duration(&self, s: &Spanned<String>, key: &str) -> Result<Nanos, BoardError> {
        parse_duration(s.get_ref()).map_err(|m| self.error(s.span(), format!("`{key}`: {m}")))
    }

    fn address(&self, a: &Spanned<i64>, ten_bit: bool, key: &str) -> Result<Address, BoardError> {
        let v = *a.get_ref();
        let (max, kind) = if ten_bit {
            (0x3ff, "10-bit")
        } else {
            (0x7f, "7-bit")
        };
        if !(0..=max).contains(&v) {
            return Err(self.error(
                a.span(),
                format!(
                    "`{key}` {} is out of range for a {kind} address (0 to {max:#x})",
                    hex(v)
                ),
            ));
        }
        Ok(if ten_bit {
            Address::Ten(v as u16)
        } else {
            Address::Seven(v as u8)
        })
    }

    fn build(&self, file: BoardFile, real_time: bool) -> Result<Board, BoardError> {
        // Pins.
        let mut pins: Vec<Pin> = Vec::new();
        let mut script = Vec::new();
        for p in &file.pin {
            if pins.iter().any(|q| q.name == *p.name.get_ref()) {
                return Err(self.error(
                    p.name.span(),
                    format!("a second pin called `{}`", p.name.get_ref()),
                ));
            }
            let capabilities = match &p.capabilities {
                None => Capabilities::ALL,
                Some(list) => {
                    let mut c = Capabilities::default();
                    for cap in list {
                        match cap.get_ref().as_str() {
                            "input" => c.input = true,
                            "push-pull-output" => c.push_pull = true,
                            "open-drain-output" => c.open_drain = true,
                            "pull-up" => c.pull_up = true,
                            "pull-down" => c.pull_down = true,
                            "edge-events" => c.edges = true,
                            other => return Err(self.error(cap.span(), format!(
                                "`capabilities`: unknown capability `{other}` (input, push-pull-output, open-drain-output, pull-up, pull-down, edge-events)"
                            ))),
                        }
                    }
                    c
                }
            };
            let external_pull = match p.pull.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("none", _)) => Pull::None,
                Some(("up", _)) => Pull::Up,
                Some(("down", _)) => Pull::Down,
                Some((other, span)) => {
                    return Err(
                        self.error(span, format!("`pull`: `{other}` is not none, up or down"))
                    );
                }
            };
            let index = pins.len();
            for s in &p.script {
                let at = self.duration(&s.at, "at")?;
                let drive = match s.drive.get_ref().as_str() {
                    "high" => Drive::High,
                    "low" => Drive::Low,
                    "release" => Drive::Release,
                    other => {
                        return Err(self.error(
                            s.drive.span(),
                            format!("`drive`: `{other}` is not high, low or release"),
                        ));
                    }
                };
                script.push(ScriptEvent {
                    at,
                    pin: index,
                    drive,
                });
                if let Some(len) = &s.for_ {
                    let len = self.duration(len, "for")?;
                    script.push(ScriptEvent {
                        at: at.saturating_add(len),
                        pin: index,
                        drive: Drive::Release,
                    });
                }
            }
            pins.push(Pin {
                name: p.name.get_ref().clone(),
                capabilities,
                external_pull,
                open: false,
                config: None,
                latch: false,
                scripted: Drive::Release,
                rising: 0,
                falling: 0,
            });
        }
        let find_pin = |name: &Spanned<String>, key: &str| {
            pins.iter()
                .position(|p| p.name == *name.get_ref())
                .ok_or_else(|| {
                    self.error(
                        name.span(),
                        format!("`{key}`: there is no pin called `{}`", name.get_ref()),
                    )
                })
        };
        let mut wires = Vec::new();
        for w in &file.wire {
            let from = find_pin(&w.from, "from")?;
            for t in &w.to {
                wires.push((from, find_pin(t, "to")?));
            }
        }

        // Buses.
        let mut buses: Vec<Bus> = Vec::new();
        for b in &file.bus {
            if buses.iter().any(|q| q.name == *b.name.get_ref()) {
                return Err(self.error(
                    b.name.span(),
                    format!("a second bus called `{}`", b.name.get_ref()),
                ));
            }
            let mut devices: BTreeMap<Address, Box<dyn Device>> = BTreeMap::new();
            let mut spans: BTreeMap<Address, usize> = BTreeMap::new();
            for d in &b.device {
                let address = self.address(&d.address, d.ten_bit, "address")?;
                if let Some(first) = spans.get(&address) {
                    let first_line = self.text[..*first].matches('\n').count() + 1;
                    return Err(self.error(
                        d.address.span(),
                        format!(
                            "bus `{}`: two devices at address {} (the first on line {first_line})",
                            b.name.get_ref(),
                            address.describe()
                        ),
                    ));
                }
                spans.insert(address, d.address.span().start);
                devices.insert(address, self.device(d)?);
            }
            let mut faults = Vec::new();
            for f in &b.fault {
                let error = match f.error.get_ref().as_str() {
                    "arbitration-loss" => BusError::ArbitrationLoss,
                    "bus" => BusError::Bus,
                    "overrun" => BusError::Overrun,
                    "timeout" => BusError::Timeout,
                    "no-acknowledge-address" => BusError::NoAcknowledge(NackSource::Address),
                    "no-acknowledge-data" => BusError::NoAcknowledge(NackSource::Data),
                    "no-acknowledge-unknown" => BusError::NoAcknowledge(NackSource::Unknown),
                    other => return Err(self.error(f.error.span(), format!(
                        "`error`: unknown fault `{other}` (arbitration-loss, bus, overrun, timeout, no-acknowledge-address, no-acknowledge-data, no-acknowledge-unknown)"
                    ))),
                };
                let at = f.at.as_ref().map(|a| self.duration(a, "at")).transpose()?;
                if at.is_none() && f.on_transfer.is_none() {
                    return Err(self.error(
                        f.error.span(),
                        "a fault needs `on-transfer` (a transfer number, 0 first) or `at` (a time)",
                    ));
                }
                let address = f
                    .address
                    .as_ref()
                    .map(|a| self.address(a, f.ten_bit, "address"))
                    .transpose()?;
                faults.push(Fault {
                    error,
                    on_transfer: f.on_transfer,
                    at,
                    address,
                    count: f.count.unwrap_or(1),
                });
            }
            let max_transfer = b.max_transfer.as_ref().map_or(64, |m| *m.get_ref());
            if max_transfer < 32 {
                let span = b.max_transfer.as_ref().map_or(0..0, Spanned::span);
                return Err(self.error(
                    span,
                    "`max-transfer` must be at least 32 (the spec's minimum)",
                ));
            }
            let frequency_hz = b.frequency_hz.as_ref().map_or(100_000, |f| *f.get_ref());
            if frequency_hz == 0 {
                let span = b.frequency_hz.as_ref().map_or(0..0, Spanned::span);
                return Err(self.error(span, "`frequency-hz` must be more than 0"));
            }
            buses.push(Bus {
                name: b.name.get_ref().clone(),
                frequency_hz,
                max_transfer,
                devices,
                faults,
                transfers: 0,
                stuck: false,
                stop_between_operations: false,
            });
        }

        // SPI devices.
        let mut spi: Vec<SpiDevice> = Vec::new();
        for d in &file.spi {
            if spi.iter().any(|q| q.name == *d.name.get_ref()) {
                return Err(self.error(
                    d.name.span(),
                    format!("a second SPI device called `{}`", d.name.get_ref()),
                ));
            }
            spi.push(self.spi_device(d)?);
        }

        // Sensors.
        let mut sensors = Vec::new();
        for s in &file.sensor {
            if sensors.iter().any(|q: &Sensor| q.name == *s.name.get_ref()) {
                return Err(self.error(
                    s.name.span(),
                    format!("a second sensor called `{}`", s.name.get_ref()),
                ));
            }
            let kind = sensor::KINDS
                .iter()
                .find(|k| **k == s.kind.get_ref().as_str())
                .ok_or_else(|| {
                    self.error(
                        s.kind.span(),
                        format!(
                            "`kind`: unknown kind `{}` ({})",
                            s.kind.get_ref(),
                            sensor::KINDS.join(", ")
                        ),
                    )
                })?;
            sensors.push(self.sensor(s, kind, &buses)?);
        }

        // Policy.
        let mut policy = Policy::default();
        if let Some(p) = &file.policy {
            for pin in &p.pins {
                find_pin(pin, "policy.pins")?;
                policy.pins.push(pin.get_ref().clone());
            }
            for (bus, addresses) in &p.buses {
                let Some(b) = buses.iter().find(|b| b.name == *bus) else {
                    let span = addresses.first().map_or(0..0, Spanned::span);
                    return Err(self.error(
                        span,
                        format!("`policy.buses`: there is no bus called `{bus}`"),
                    ));
                };
                let mut granted = Vec::new();
                for a in addresses {
                    // 7-bit addresses up to 0x7f; larger ones are 10-bit.
                    let ten = *a.get_ref() > 0x7f;
                    let address = self.address(a, ten, "policy.buses")?;
                    let _ = b;
                    granted.push(address);
                }
                granted.sort();
                policy.buses.insert(bus.clone(), granted);
            }
            for d in &p.spi {
                if !spi.iter().any(|q| q.name == *d.get_ref()) {
                    return Err(self.error(
                        d.span(),
                        format!(
                            "`policy.spi`: there is no SPI device called `{}`",
                            d.get_ref()
                        ),
                    ));
                }
                policy.spi.push(d.get_ref().clone());
            }
            for s in &p.sensors {
                if !sensors.iter().any(|q| q.name == *s.get_ref()) {
                    return Err(self.error(
                        s.span(),
                        format!(
                            "`policy.sensors`: there is no sensor called `{}`",
                            s.get_ref()
                        ),
                    ));
                }
                policy.sensors.push(s.get_ref().clone());
            }
        }

        Ok(Board {
            name: file.name.unwrap_or_else(|| stem(self.name)),
            clock: clock(real_time),
            gpio: Gpio::new(pins, &wires, script),
            buses,
            spi,
            sensors,
            policy,
            trace: Trace::new(true),
        })
    }

    fn device(&self, d: &DeviceFile) -> Result<Box<dyn Device>, BoardError> {
        let model = d.model.get_ref().as_str();
        self.only_for_their_models(
            model,
            &environment_keys(&d.temperature, &d.pressure, &d.humidity),
        )?;
        let keys: [Rule; 10] = [
            (
                "write-cycle",
                d.write_cycle.as_ref().map(Spanned::span),
                &["24c02", "24c32", "24c256"],
            ),
            (
                "contents",
                d.contents.as_ref().map(Spanned::span),
                &["24c02", "24c32", "24c256"],
            ),
            ("size", d.size.as_ref().map(Spanned::span), &["registers"]),
            (
                "values",
                d.values.as_ref().map(Spanned::span),
                &["registers"],
            ),
            (
                "read-only",
                d.read_only.as_ref().map(Spanned::span),
                &["registers"],
            ),
            ("width", d.width.as_ref().map(Spanned::span), &["registers"]),
            (
                "byte-order",
                d.byte_order.as_ref().map(Spanned::span),
                &["registers"],
            ),
            (
                "past-end",
                d.past_end.as_ref().map(Spanned::span),
                &["registers"],
            ),
            (
                "unwritable",
                d.unwritable.as_ref().map(Spanned::span),
                &["registers"],
            ),
            (
                "register",
                d.register.first().map(|r| r.pointer.span()),
                &["registers"],
            ),
        ];
        self.only_for_their_models(model, &keys)?;
        Ok(match model {
            "bme280" => Box::new(self.bme280(&d.temperature, &d.pressure, &d.humidity)?),
            "24c02" | "24c32" | "24c256" => {
                let geometry = Geometry::of(model).expect("listed models");
                let cycle = d
                    .write_cycle
                    .as_ref()
                    .map(|c| self.duration(c, "write-cycle"))
                    .transpose()?
                    .unwrap_or(5_000_000);
                let contents = d
                    .contents
                    .as_ref()
                    .map(|c| c.get_ref().clone())
                    .unwrap_or_default();
                if contents.len() > geometry.size {
                    return Err(self.error(
                        d.contents.as_ref().unwrap().span(),
                        format!(
                            "`contents`: {} bytes, but a {model} holds {}",
                            contents.len(),
                            geometry.size
                        ),
                    ));
                }
                let name: &'static str = match model {
                    "24c02" => "24c02",
                    "24c32" => "24c32",
                    _ => "24c256",
                };
                Box::new(Eeprom::new(name, geometry, cycle, &contents))
            }
            "registers" => Box::new(self.registers(d)?),
            other => {
                return Err(self.error(d.model.span(), format!("`model`: unknown device model `{other}` (bme280, 24c02, 24c32, 24c256, registers)")));
            }
        })
    }

    /// Keys that belong to other models are mistakes, not options: the
    /// first of `keys` that is set for a `model` it does not apply to.
    fn only_for_their_models(&self, model: &str, keys: &[Rule]) -> Result<(), BoardError> {
        for (key, span, models) in keys {
            if let Some(span) = span
                && !models.contains(&model)
            {
                return Err(self.error(
                    span.clone(),
                    format!("`{key}` does not apply to model `{model}`"),
                ));
            }
        }
        Ok(())
    }

    /// A BME280 with the environment the board file sets (20 °C,
    /// 101325 Pa and 50 %RH where it sets none), each within the part's
    /// range.
    fn bme280(
        &self,
        temperature: &Option<Spanned<f64>>,
        pressure: &Option<Spanned<f64>>,
        humidity: &Option<Spanned<f64>>,
    ) -> Result<Bme280, BoardError> {
        let env = Environment {
            temperature: temperature.as_ref().map_or(20.0, |v| *v.get_ref()),
            pressure: pressure.as_ref().map_or(101_325.0, |v| *v.get_ref()),
            humidity: humidity.as_ref().map_or(50.0, |v| *v.get_ref()),
        };
        let checks = [
            (temperature, -40.0, 85.0, "temperature", "°C"),
            (pressure, 30_000.0, 110_000.0, "pressure", "Pa"),
            (humidity, 0.0, 100.0, "humidity", "%RH"),
        ];
        for (v, lo, hi, key, unit) in checks {
            if let Some(v) = v
                && !(lo..=hi).contains(v.get_ref())
            {
                return Err(self.error(
                    v.span(),
                    format!(
                        "`{key}` {} is outside the BME280's range, {lo} to {hi} {unit}",
                        v.get_ref()
                    ),
                ));
            }
        }
        Ok(Bme280::new(env))
    }

    /// An `[[spi]]` device: its part, the mode (which the part must work
    /// in; the part's first by default), bit order, frequency, the longest
    /// transfer, and its faults.
    fn spi_device(&self, d: &SpiFile) -> Result<SpiDevice, BoardError> {
        let model = d.model.get_ref().as_str();
        self.only_for_their_models(
            model,
            &environment_keys(&d.temperature, &d.pressure, &d.humidity),
        )?;
        self.only_for_their_models(
            model,
            &[(
                "unique-id",
                d.unique_id.as_ref().map(Spanned::span),
                &["w25q32jv", "w25q64jv", "w25q128jv"],
            )],
        )?;
        let part: Box<dyn spi::Part> = match model {
            "loopback" => Box::new(spi::Loopback),
            "bme280" => Box::new(spi::RegistersOverSpi::new(Box::new(self.bme280(
                &d.temperature,
                &d.pressure,
                &d.humidity,
            )?))),
            "w25q32jv" | "w25q64jv" | "w25q128jv" => {
                let id = match &d.unique_id {
                    None => [0; 8],
                    Some(id) => id.get_ref().as_slice().try_into().map_err(|_| {
                        self.error(
                            id.span(),
                            format!(
                                "`unique-id`: {} bytes, where the part has 8",
                                id.get_ref().len()
                            ),
                        )
                    })?,
                };
                Box::new(NorFlash::new(model, id).expect("listed models"))
            }
            other => {
                return Err(self.error(
                    d.model.span(),
                    format!("`model`: unknown SPI part `{other}` (loopback, bme280, w25q32jv, w25q64jv, w25q128jv)"),
                ));
            }
        };
        let mode = match &d.mode {
            None => part.modes()[0],
            Some(m) => {
                let mode = match m.get_ref().as_str() {
                    "mode0" => spi::Mode::Mode0,
                    "mode1" => spi::Mode::Mode1,
                    "mode2" => spi::Mode::Mode2,
                    "mode3" => spi::Mode::Mode3,
                    other => {
                        return Err(self.error(
                            m.span(),
                            format!("`mode`: `{other}` is not mode0, mode1, mode2 or mode3"),
                        ));
                    }
                };
                if !part.modes().contains(&mode) {
                    let modes: Vec<&str> = part.modes().iter().map(|m| m.name()).collect();
                    return Err(self.error(
                        m.span(),
                        format!(
                            "`mode`: a {model} does not work in {} (only {})",
                            mode.name(),
                            modes.join(" and ")
                        ),
                    ));
                }
                mode
            }
        };
        let bit_order = match d
            .bit_order
            .as_ref()
            .map(|b| (b.get_ref().as_str(), b.span()))
        {
            None | Some(("msb-first", _)) => spi::BitOrder::MsbFirst,
            Some(("lsb-first", _)) => spi::BitOrder::LsbFirst,
            Some((other, span)) => {
                return Err(self.error(
                    span,
                    format!("`bit-order`: `{other}` is not msb-first or lsb-first"),
                ));
            }
        };
        let frequency_hz = d.frequency_hz.as_ref().map_or(1_000_000, |f| *f.get_ref());
        if frequency_hz == 0 {
            let span = d.frequency_hz.as_ref().map_or(0..0, Spanned::span);
            return Err(self.error(span, "`frequency-hz` must be more than 0"));
        }
        let max_transfer = d.max_transfer.as_ref().map_or(64, |m| *m.get_ref());
        if max_transfer < 32 {
            let span = d.max_transfer.as_ref().map_or(0..0, Spanned::span);
            return Err(self.error(
                span,
                "`max-transfer` must be at least 32 (the spec's minimum)",
            ));
        }
        let mut faults = Vec::new();
        for f in &d.fault {
            let error = match f.error.get_ref().as_str() {
                "overrun" => spi::WireError::Overrun,
                "mode-fault" => spi::WireError::ModeFault,
                "frame-format" => spi::WireError::FrameFormat,
                "chip-select-fault" => spi::WireError::ChipSelectFault,
                "other" => spi::WireError::Other,
                other => return Err(self.error(f.error.span(), format!(
                    "`error`: unknown fault `{other}` (overrun, mode-fault, frame-format, chip-select-fault, other)"
                ))),
            };
            let at = f.at.as_ref().map(|a| self.duration(a, "at")).transpose()?;
            if at.is_none() && f.on_transaction.is_none() {
                return Err(self.error(
                    f.error.span(),
                    "a fault needs `on-transaction` (a transaction number, 0 first) or `at` (a time)",
                ));
            }
            faults.push(spi::Fault {
                error,
                on_transaction: f.on_transaction,
                at,
                count: f.count.unwrap_or(1),
            });
        }
        let config = spi::Config {
            mode,
            bit_order,
            frequency_hz,
        };
        let bus = d.bus.as_deref().unwrap_or("spi");
        let mut device = SpiDevice::new(d.name.get_ref(), bus, config, max_transfer, part);
        device.faults = faults;
        Ok(device)
    }

    /// A `registers` device: a file of registers (`size`, `values`,
    /// `read-only`) or a map (`[[bus.device.register]]` entries), and how it
    /// behaves at the edges of its registers.
    fn registers(&self, d: &DeviceFile) -> Result<Registers, BoardError> {
        let width = self.width(d.width.as_ref())?.unwrap_or(8);
        let byte_order = match d
            .byte_order
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("big", _)) => ByteOrder::Big,
            Some(("little", _)) => ByteOrder::Little,
            Some((other, span)) => {
                return Err(self.error(
                    span,
                    format!("`byte-order`: `{other}` is not big or little"),
                ));
            }
        };
        let past_end = match d
            .past_end
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("next", _)) => PastEnd::Next,
            Some(("repeat", _)) => PastEnd::Repeat,
            Some(("released", _)) => PastEnd::Released,
            Some((other, span)) => {
                return Err(self.error(
                    span,
                    format!("`past-end`: `{other}` is not next, repeat or released"),
                ));
            }
        };
        let unwritable = match d
            .unwritable
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("nack", _)) => Unwritable::Nack,
            Some(("ignore", _)) => Unwritable::Ignore,
            Some((other, span)) => {
                return Err(self.error(
                    span,
                    format!("`unwritable`: `{other}` is not nack or ignore"),
                ));
            }
        };
        let behaviour = Behaviour {
            byte_order,
            past_end,
            unwritable,
        };
        let has_16_bit = |registers: &[Register]| registers.iter().any(|r| r.bytes == 2);
        let byte_order_without_16_bit = |span| {
            self.error(
                span,
                "`byte-order` orders the bytes of 16-bit registers, and this device has none",
            )
        };

        if !d.register.is_empty() {
            let file_keys = [
                ("size", d.size.as_ref().map(Spanned::span)),
                ("values", d.values.as_ref().map(Spanned::span)),
                ("read-only", d.read_only.as_ref().map(Spanned::span)),
            ];
            if let Some((key, Some(span))) = file_keys.into_iter().find(|(_, s)| s.is_some()) {
                return Err(self.error(
                    span,
                    format!("`{key}` describes a file of registers, and this device lists its registers in `[[bus.device.register]]`: use one or the other"),
                ));
            }
            let mut registers: Vec<Register> = Vec::new();
            let mut spans: BTreeMap<u8, usize> = BTreeMap::new();
            for r in &d.register {
                let p = *r.pointer.get_ref();
                if !(0..=0xff).contains(&p) {
                    return Err(self.error(
                        r.pointer.span(),
                        format!("`pointer` {} is out of range (0 to 0xff)", hex(p)),
                    ));
                }
                let pointer = p as u8;
                if let Some(first) = spans.get(&pointer) {
                    let first_line = self.text[..*first].matches('\n').count() + 1;
                    return Err(self.error(
                        r.pointer.span(),
                        format!("a second register at pointer {pointer:#04x} (the first on line {first_line})"),
                    ));
                }
                spans.insert(pointer, r.pointer.span().start);
                let width = self.width(r.width.as_ref())?.unwrap_or(width);
                let value = match &r.value {
                    Some(v) => self.register_value(v, width, "value")?,
                    None => 0,
                };
                registers.push(Register {
                    pointer,
                    bytes: (width / 8) as u8,
                    value,
                    read_only: r.read_only,
                });
            }
            if let Some(order) = &d.byte_order
                && !has_16_bit(&registers)
            {
                return Err(byte_order_without_16_bit(order.span()));
            }
            return Ok(Registers::map(registers, behaviour));
        }

        let values = match &d.values {
            Some(v) => v
                .get_ref()
                .iter()
                .map(|v| self.register_value(v, width, "values"))
                .collect::<Result<Vec<u16>, _>>()?,
            None => Vec::new(),
        };
        let size = d.size.as_ref().map_or(256, |s| *s.get_ref()) as usize;
        if size == 0 || size > 256 || values.len() > size {
            let span = d.size.as_ref().map_or(d.model.span(), Spanned::span);
            return Err(self.error(
                span,
                format!(
                    "`size` must be 1 to 256 and hold `values` ({} given)",
                    values.len()
                ),
            ));
        }
        let read_only: Vec<usize> = d
            .read_only
            .as_ref()
            .map(|r| r.get_ref().iter().map(|&x| x as usize).collect())
            .unwrap_or_default();
        if let Some(bad) = read_only.iter().find(|&&r| r >= size) {
            return Err(self.error(
                d.read_only.as_ref().unwrap().span(),
                format!("`read-only`: register {bad} is past the end ({size} registers)"),
            ));
        }
        if let Some(order) = &d.byte_order
            && width == 8
        {
            return Err(byte_order_without_16_bit(order.span()));
        }
        Ok(Registers::file(
            size,
            (width / 8) as u8,
            &values,
            &read_only,
            behaviour,
        ))
    }

    /// A register width in bits, 8 or 16, if given.
    fn width(&self, width: Option<&Spanned<i64>>) -> Result<Option<u32>, BoardError> {
        match width.map(|w| (*w.get_ref(), w.span())) {
            None => Ok(None),
            Some((8, _)) => Ok(Some(8)),
            Some((16, _)) => Ok(Some(16)),
            Some((other, span)) => {
                Err(self.error(span, format!("`width`: {other} is not 8 or 16")))
            }
        }
    }

    /// `v` (at `key`) as the value of a `width`-bit register.
    fn register_value(&self, v: &Spanned<i64>, width: u32, key: &str) -> Result<u16, BoardError> {
        let max = (1i64 << width) - 1;
        let n = *v.get_ref();
        if !(0..=max).contains(&n) {
            let article = if width == 8 { "an" } else { "a" };
            return Err(self.error(
                v.span(),
                format!(
                    "`{key}`: {} does not fit {article} {width}-bit register (0 to {max:#x})",
                    hex(n)
                ),
            ));
        }
        Ok(n as u16)
    }

    fn sensor(
        &self,
        s: &SensorFile,
        kind: &'static str,
        buses: &[Bus],
    ) -> Result<Sensor, BoardError> {
        let min_interval = s
            .min_interval
            .as_ref()
            .map(|d| self.duration(d, "min-interval"))
            .transpose()?
            .unwrap_or(1_000_000);
        let interval = s
            .interval
            .as_ref()
            .map(|d| self.duration(d, "interval"))
            .transpose()?
            .unwrap_or(1_000_000_000);
        if interval < min_interval {
            return Err(self.error(
                s.interval.as_ref().unwrap().span(),
                "`interval` is shorter than `min-interval`",
            ));
        }
        let conversion = s
            .conversion
            .as_ref()
            .map(|d| self.duration(d, "conversion"))
            .transpose()?
            .unwrap_or(2_000_000);
        let sources = [
            s.device.is_some(),
            s.csv.is_some(),
            s.channel
                .iter()
                .any(|c| c.value.is_some() || c.sine.is_some() || c.ramp.is_some()),
        ];
        if sources.iter().filter(|x| **x).count() != 1 {
            return Err(self.error(s.name.span(), format!(
                "sensor `{}` needs exactly one source: `device`, `csv`, or a `value`, `sine` or `ramp` on each channel",
                s.name.get_ref()
            )));
        }
        let mut channels = Vec::new();
        let mut waveforms = Vec::new();
        let mut ranges = Vec::new();
        let defaults_for = |c: Channel| match c {
            Channel::Temperature => (-40.0, 85.0, 0.01),
            Channel::RelativeHumidity => (0.0, 100.0, 0.01),
            Channel::Pressure => (30_000.0, 110_000.0, 0.18),
            _ => (-1e9, 1e9, 0.0),
        };
        for c in &s.channel {
            let channel = Channel::from_name(c.channel.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
                self.error(
                    c.channel.span(),
                    format!(
                        "`channel`: unknown channel `{}` ({})",
                        c.channel.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
            let (dmin, dmax, dres) = defaults_for(channel);
            let (min, max) = (c.min.unwrap_or(dmin), c.max.unwrap_or(dmax));
            if min >= max {
                return Err(self.error(c.channel.span(), "`min` must be less than `max`"));
            }
            channels.push(ChannelInfo {
                channel,
                min,
                max,
                resolution: c.resolution.unwrap_or(dres),
            });
            ranges.push(c.ranges.clone());
            if s.device.is_none() && s.csv.is_none() {
                let w = match (&c.value, &c.sine, &c.ramp) {
                    (Some(v), None, None) => Waveform::Constant(*v),
                    (None, Some(sine), None) => Waveform::Sine {
                        mean: sine.mean,
                        amplitude: sine.amplitude,
                        period: self.duration(&sine.period, "period")?.max(1),
                        phase: sine.phase,
                    },
                    (None, None, Some(r)) => Waveform::Ramp {
                        from: r.from,
                        to: r.to,
                        over: self.duration(&r.over, "over")?,
                    },
                    _ => {
                        return Err(self.error(
                            c.channel.span(),
                            "a channel needs exactly one of `value`, `sine`, `ramp`",
                        ));
                    }
                };
                waveforms.push(w);
            }
        }
        let source = if let Some(dev) = &s.device {
            let bus = buses
                .iter()
                .position(|b| b.name == *dev.bus.get_ref())
                .ok_or_else(|| {
                    self.error(
                        dev.bus.span(),
                        format!(
                            "`device.bus`: there is no bus called `{}`",
                            dev.bus.get_ref()
                        ),
                    )
                })?;
            let address = self.address(&dev.address, false, "device.address")?;
            match buses[bus].devices.get(&address).map(|d| d.model()) {
                Some("bme280") => {}
                Some(other) => return Err(self.error(dev.address.span(), format!("`device`: the device at {} is a {other}; sensors can be backed by a bme280", address.describe()))),
                None => return Err(self.error(dev.address.span(), format!("`device`: no device at {} on bus `{}`", address.describe(), dev.bus.get_ref()))),
            }
            if channels.is_empty() {
                for channel in [
                    Channel::Temperature,
                    Channel::Pressure,
                    Channel::RelativeHumidity,
                ] {
                    let (min, max, resolution) = defaults_for(channel);
                    channels.push(ChannelInfo {
                        channel,
                        min,
                        max,
                        resolution,
                    });
                    ranges.push(Vec::new());
                }
            }
            Source::Device { bus, address }
        } else if let Some(csv) = &s.csv {
            if channels.is_empty() {
                return Err(self.error(csv.span(), "a `csv` sensor lists its channels ([[sensor.channel]]), in the CSV's column order"));
            }
            let (shown, text) = (self.csv)(csv.get_ref())
                .map_err(|m| self.error(csv.span(), format!("`csv`: {m}")))?;
            let rows = sensor::parse_csv(&text, channels.len()).map_err(|(line, m)| {
                self.error(csv.span(), format!("`csv`: {shown}:{line}: {m}"))
            })?;
            Source::Recorded(rows)
        } else {
            Source::Waveforms(waveforms)
        };
        if channels.is_empty() {
            return Err(self.error(
                s.name.span(),
                format!("sensor `{}` has no channels", s.name.get_ref()),
            ));
        }
        let sensor = Sensor {
            name: s.name.get_ref().clone(),
            kind,
            channels,
            source,
            min_interval,
            default_interval: interval,
            fifo_capacity: s.fifo.unwrap_or(32).max(1),
            conversion,
            ranges,
            oversamplings: s
                .oversampling
                .clone()
                .unwrap_or_else(|| vec![1, 2, 4, 8, 16]),
            open: false,
            interval,
            oversampling: 1,
            running: None,
            taken: 0,
            fifo: Default::default(),
            overrun: 0,
            sequence: 0,
            recent: Default::default(),
        };
        Ok(sensor)
    }
}

/// A number from the board file as a person reads it: hexadecimal, or
/// decimal when negative (which has no honest hex form).
fn hex(n: i64) -> String {
    if n < 0 {
        n.to_string()
    } else {
        format!("{n:#x}")
    }
}

/// The board's name when its file gives none: the file's name without
/// folders and extension.
fn stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = match base.rfind('.') {
        Some(0) | None => base,
        Some(i) => &base[..i],
    };
    if stem.is_empty() {
        "board".into()
    } else {
        stem.into()
    }
}

#[cfg(feature = "std")]
fn clock(real_time: bool) -> Clock {
    if real_time {
        Clock::real_time()
    } else {
        Clock::virtual_time()
    }
}

#[cfg(not(feature = "std"))]
fn clock(_real_time: bool) -> Clock {
    Clock::virtual_time()
}

#[cfg(test)]
mod tests {
    use super::parse_str;
    use alloc::string::{String, ToString};

    /// The error `text` is, as a person reads it.
    fn error(text: &str) -> String {
        match parse_str("b.toml", text) {
            Ok(_) => "no error".into(),
            Err(e) => e.to_string(),
        }
    }

    /// A bus with a `registers` device at 0x48, then `rest` (device keys and
    /// `[[bus.device.register]]` entries).
    fn registers(rest: &str) -> String {
        error(&alloc::format!(
            "[[bus]]\nname = \"b\"\n\n[[bus.device]]\naddress = 0x48\nmodel = \"registers\"\n{rest}"
        ))
    }

    /// An `[[spi]]` device called `flash`, its keys `rest`.
    fn spi(rest: &str) -> String {
        error(&alloc::format!("[[spi]]\nname = \"flash\"\n{rest}"))
    }

    #[test]
    fn an_spi_device_is_read_with_its_part_mode_and_defaults() {
        let text = "[[spi]]\nname = \"flash\"\nbus = \"spi1\"\nmodel = \"w25q32jv\"\nmode = \"mode3\"\nfrequency-hz = 8000000\nmax-transfer = 260\nunique-id = [1, 2, 3, 4, 5, 6, 7, 8]\n\n[[spi]]\nname = \"env\"\nmodel = \"bme280\"\ntemperature = 18.0\n\n[policy]\nspi = [\"env\"]\n";
        let board = parse_str("b.toml", text).unwrap();
        let flash = &board.spi[0];
        assert_eq!(
            (flash.name.as_str(), flash.bus.as_str(), flash.part.model()),
            ("flash", "spi1", "w25q32jv")
        );
        assert_eq!(
            (
                flash.config.mode,
                flash.config.bit_order,
                flash.config.frequency_hz,
                flash.max_transfer
            ),
            (
                super::spi::Mode::Mode3,
                super::spi::BitOrder::MsbFirst,
                8_000_000,
                260
            )
        );
        // The defaults: the bus "spi", the part's first mode, 1 MHz, 64.
        let env = &board.spi[1];
        assert_eq!(
            (
                env.bus.as_str(),
                env.config.mode,
                env.config.frequency_hz,
                env.max_transfer
            ),
            ("spi", super::spi::Mode::Mode0, 1_000_000, 64)
        );
        assert_eq!(board.policy.spi, ["env"]);
    }

    #[test]
    fn a_bad_spi_device_names_its_line_and_what_is_wrong() {
        assert_eq!(
            spi("model = \"w25q80\"\n"),
            "b.toml:3:9: `model`: unknown SPI part `w25q80` (loopback, bme280, w25q32jv, w25q64jv, w25q128jv)"
        );
        assert_eq!(
            spi("model = \"w25q32jv\"\nmode = \"mode1\"\n"),
            "b.toml:4:8: `mode`: a w25q32jv does not work in mode1 (only mode0 and mode3)"
        );
        assert_eq!(
            spi("model = \"loopback\"\nmode = \"mode4\"\n"),
            "b.toml:4:8: `mode`: `mode4` is not mode0, mode1, mode2 or mode3"
        );
        assert_eq!(
            spi("model = \"loopback\"\nbit-order = \"lsb\"\n"),
            "b.toml:4:13: `bit-order`: `lsb` is not msb-first or lsb-first"
        );
        assert_eq!(
            spi("model = \"loopback\"\nmax-transfer = 16\n"),
            "b.toml:4:16: `max-transfer` must be at least 32 (the spec's minimum)"
        );
        assert_eq!(
            spi("model = \"loopback\"\nfrequency-hz = 0\n"),
            "b.toml:4:16: `frequency-hz` must be more than 0"
        );
        assert_eq!(
            spi("model = \"loopback\"\ntemperature = 20.0\n"),
            "b.toml:4:15: `temperature` does not apply to model `loopback`"
        );
        assert_eq!(
            spi("model = \"bme280\"\nunique-id = [1, 2, 3, 4, 5, 6, 7, 8]\n"),
            "b.toml:4:13: `unique-id` does not apply to model `bme280`"
        );
        assert_eq!(
            spi("model = \"w25q32jv\"\nunique-id = [1, 2]\n"),
            "b.toml:4:13: `unique-id`: 2 bytes, where the part has 8"
        );
        assert_eq!(
            spi("model = \"bme280\"\nhumidity = 120.0\n"),
            "b.toml:4:12: `humidity` 120 is outside the BME280's range, 0 to 100 %RH"
        );
        assert_eq!(
            spi("model = \"loopback\"\n[[spi.fault]]\nerror = \"timeout\"\non-transaction = 1\n"),
            "b.toml:5:9: `error`: unknown fault `timeout` (overrun, mode-fault, frame-format, chip-select-fault, other)"
        );
        assert_eq!(
            spi("model = \"loopback\"\n[[spi.fault]]\nerror = \"overrun\"\n"),
            "b.toml:5:9: a fault needs `on-transaction` (a transaction number, 0 first) or `at` (a time)"
        );
        assert_eq!(
            error(
                "[[spi]]\nname = \"a\"\nmodel = \"loopback\"\n[[spi]]\nname = \"a\"\nmodel = \"loopback\"\n"
            ),
            "b.toml:5:8: a second SPI device called `a`"
        );
        assert_eq!(
            error("[policy]\nspi = [\"flash\"]\n"),
            "b.toml:2:8: `policy.spi`: there is no SPI device called `flash`"
        );
    }

    #[test]
    fn a_board_without_a_name_is_named_after_its_file() {
        let board = parse_str("boards/bench.v2.toml", "[[pin]]\nname = \"led\"\n").unwrap();
        assert_eq!(board.name, "bench.v2");
        let board = parse_str("demo", "name = \"mine\"\n").unwrap();
        assert_eq!(board.name, "mine");
    }

    #[test]
    fn without_a_file_system_a_recorded_sensor_is_a_clear_error() {
        let text = "[[sensor]]\nname = \"t\"\nkind = \"thermometer\"\ncsv = \"t.csv\"\n\n[[sensor.channel]]\nchannel = \"temperature\"\n";
        let e = parse_str("fw.toml", text).err().unwrap();
        assert_eq!(
            e.to_string(),
            "fw.toml:4:7: `csv`: cannot read t.csv: this build has no file system"
        );
    }

    #[test]
    fn a_register_width_other_than_8_or_16_is_refused() {
        assert_eq!(
            registers("width = 12\n"),
            "b.toml:7:9: `width`: 12 is not 8 or 16"
        );
        assert_eq!(
            registers("[[bus.device.register]]\npointer = 0\nwidth = 32\n"),
            "b.toml:9:9: `width`: 32 is not 8 or 16"
        );
    }

    #[test]
    fn byte_order_past_end_and_unwritable_name_their_allowed_values() {
        assert_eq!(
            registers("width = 16\nbyte-order = \"middle\"\n"),
            "b.toml:8:14: `byte-order`: `middle` is not big or little"
        );
        assert_eq!(
            registers("past-end = \"wrap\"\n"),
            "b.toml:7:12: `past-end`: `wrap` is not next, repeat or released"
        );
        assert_eq!(
            registers("unwritable = \"refuse\"\n"),
            "b.toml:7:14: `unwritable`: `refuse` is not nack or ignore"
        );
    }

    #[test]
    fn a_byte_order_without_16_bit_registers_is_refused() {
        assert_eq!(
            registers("size = 4\nbyte-order = \"little\"\n"),
            "b.toml:8:14: `byte-order` orders the bytes of 16-bit registers, and this device has none"
        );
        assert_eq!(
            registers("byte-order = \"big\"\n[[bus.device.register]]\npointer = 1\n"),
            "b.toml:7:14: `byte-order` orders the bytes of 16-bit registers, and this device has none"
        );
    }

    #[test]
    fn a_file_and_a_map_of_registers_are_not_mixed() {
        assert_eq!(
            registers("size = 4\n[[bus.device.register]]\npointer = 0\n"),
            "b.toml:7:8: `size` describes a file of registers, and this device lists its registers in `[[bus.device.register]]`: use one or the other"
        );
        assert_eq!(
            registers("read-only = [0]\n[[bus.device.register]]\npointer = 0\n"),
            "b.toml:7:13: `read-only` describes a file of registers, and this device lists its registers in `[[bus.device.register]]`: use one or the other"
        );
    }

    #[test]
    fn a_register_pointer_is_a_byte_and_given_once() {
        assert_eq!(
            registers("[[bus.device.register]]\npointer = 0x100\n"),
            "b.toml:8:11: `pointer` 0x100 is out of range (0 to 0xff)"
        );
        assert_eq!(
            registers("[[bus.device.register]]\npointer = -1\n"),
            "b.toml:8:11: `pointer` -1 is out of range (0 to 0xff)"
        );
        assert_eq!(
            registers(
                "[[bus.device.register]]\npointer = 1\n\n[[bus.device.register]]\npointer = 0x01\n"
            ),
            "b.toml:11:11: a second register at pointer 0x01 (the first on line 8)"
        );
    }

    #[test]
    fn a_value_must_fit_its_register() {
        assert_eq!(
            registers("width = 16\n[[bus.device.register]]\npointer = 0\nvalue = 0x12345\n"),
            "b.toml:10:9: `value`: 0x12345 does not fit a 16-bit register (0 to 0xffff)"
        );
        assert_eq!(
            registers(
                "width = 16\n[[bus.device.register]]\npointer = 1\nwidth = 8\nvalue = 0x100\n"
            ),
            "b.toml:11:9: `value`: 0x100 does not fit an 8-bit register (0 to 0xff)"
        );
        assert_eq!(
            registers("size = 2\nvalues = [0x12, 0x100]\n"),
            "b.toml:8:17: `values`: 0x100 does not fit an 8-bit register (0 to 0xff)"
        );
        assert_eq!(
            registers("width = 16\nsize = 2\nvalues = [0x1780, 0x10000]\n"),
            "b.toml:9:19: `values`: 0x10000 does not fit a 16-bit register (0 to 0xffff)"
        );
    }

    #[test]
    fn a_register_entry_names_its_keys() {
        assert_eq!(
            registers("[[bus.device.register]]\npointer = 0\nwritable = false\n"),
            "b.toml:9:1: unknown field `writable`, expected one of `pointer`, `value`, `width`, `read-only`"
        );
    }

    #[test]
    fn register_keys_on_another_model_are_refused() {
        let board = "[[bus]]\nname = \"b\"\n\n[[bus.device]]\naddress = 0x76\nmodel = \"bme280\"\nwidth = 16\n";
        assert_eq!(
            error(board),
            "b.toml:7:9: `width` does not apply to model `bme280`"
        );
        let board = "[[bus]]\nname = \"b\"\n\n[[bus.device]]\naddress = 0x50\nmodel = \"24c02\"\n[[bus.device.register]]\npointer = 0\n";
        assert_eq!(
            error(board),
            "b.toml:8:11: `register` does not apply to model `24c02`"
        );
    }

    #[test]
    fn a_map_of_16_bit_registers_with_an_8_bit_one_reads_as_written() {
        use crate::board::i2c::{Address, Op};
        use alloc::vec;
        let text = "[[bus]]\nname = \"b\"\n\n[[bus.device]]\naddress = 0x48\nmodel = \"registers\"\nwidth = 16\nbyte-order = \"little\"\npast-end = \"released\"\nunwritable = \"ignore\"\n\n[[bus.device.register]]\npointer = 0\nvalue = 0x1780\nread-only = true\n\n[[bus.device.register]]\npointer = 1\nwidth = 8\nvalue = 0x06\n";
        let mut board = parse_str("b.toml", text).unwrap();
        let ops = [
            Op::Write(&[0x00, 0x12, 0x34]),
            Op::Read(3),
            Op::Write(&[0x01]),
            Op::Read(2),
        ];
        let (result, _, _) = board.buses[0].transfer(0, Address::Seven(0x48), &ops, false);
        assert_eq!(result, Ok(vec![vec![0x80, 0x17, 0xff], vec![0x06, 0xff]]));
    }

    #[test]
    fn a_negative_address_is_shown_as_written() {
        let board = "[[bus]]\nname = \"b\"\n[[bus.device]]\naddress = -1\nmodel = \"bme280\"\n";
        assert_eq!(
            error(board),
            "b.toml:4:11: `address` -1 is out of range for a 7-bit address (0 to 0x7f)"
        );
    }
}
