//! SPI devices: the wire between the controller (the app) and one part
//! behind its chip select, with injected faults.
//!
//! A transaction is what one spec call does: the chip select asserted, each
//! operation's words clocked out on MOSI and in on MISO at once (8 clocks a
//! word at the device's frequency), delays with the clock idle, and the chip
//! select released at the end, also after an error. The part sees each of
//! these steps ([`Part`]); a part decides on the chip select's release what
//! a command meant, as real parts do (a flash starts its program cycle
//! then). The spec's `read` sends 0x00.
//!
//! The parts: [`Loopback`] (MISO wired to MOSI), [`RegistersOverSpi`] (an
//! I2C register part reached with SPI's read/write bit, as the BME280 is in
//! SPI mode), and the NOR flash of [`super::nor_flash`].

use alloc::{boxed::Box, format, string::String, vec::Vec};

use super::i2c::{self, hex};
use crate::time::Nanos;

/// Clock polarity and phase: the spec's `spi.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Mode0,
    Mode1,
    Mode2,
    Mode3,
}

impl Mode {
    /// CPOL: whether the clock idles high (modes 2 and 3).
    pub fn clock_idles_high(self) -> bool {
        matches!(self, Mode::Mode2 | Mode::Mode3)
    }

    /// CPHA: whether data are sampled on the clock's second edge, and so
    /// change on its first (modes 1 and 3).
    pub fn samples_on_second_edge(self) -> bool {
        matches!(self, Mode::Mode1 | Mode::Mode3)
    }

    /// The spec's name: `mode0`...
    pub fn name(self) -> &'static str {
        match self {
            Mode::Mode0 => "mode0",
            Mode::Mode1 => "mode1",
            Mode::Mode2 => "mode2",
            Mode::Mode3 => "mode3",
        }
    }
}

/// The order of the bits of a word: the spec's `spi.bit-order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitOrder {
    MsbFirst,
    LsbFirst,
}

impl BitOrder {
    /// The spec's name: `msb-first`, `lsb-first`.
    pub fn name(self) -> &'static str {
        match self {
            BitOrder::MsbFirst => "msb-first",
            BitOrder::LsbFirst => "lsb-first",
        }
    }
}

/// How the host drives a device: the spec's `spi.config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    pub bit_order: BitOrder,
    pub frequency_hz: u32,
}

/// A bus error, as the spec names them (the policy's `not-permitted` and
/// the argument checks are the host's, not the wire's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    Overrun,
    ModeFault,
    FrameFormat,
    ChipSelectFault,
    Other,
}

impl WireError {
    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            WireError::Overrun => "overrun",
            WireError::ModeFault => "mode-fault",
            WireError::FrameFormat => "frame-format",
            WireError::ChipSelectFault => "chip-select-fault",
            WireError::Other => "other",
        }
    }
}

/// One operation of a transaction; writes borrow their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    /// Reads this many words, sending 0x00.
    Read(u32),
    /// Writes these words, discarding what comes back.
    Write(&'a [u8]),
    /// Writes these words and reads as many.
    Transfer(&'a [u8]),
    /// The clock idle this long, the chip select asserted.
    DelayNs(u32),
}

/// A part behind a chip select, at the level of the wire.
pub trait Part: Send {
    /// The model's name, for traces (`w25q32jv`, `bme280`, `loopback`).
    fn model(&self) -> &'static str;
    /// The modes the part works in (its datasheet's); a board that drives
    /// it in another is refused when it is read.
    fn modes(&self) -> &'static [Mode];
    /// The chip select asserted.
    fn select(&mut self, now: Nanos);
    /// One word: `mosi` from the controller; returns what the part drives
    /// on MISO at the same time.
    fn exchange(&mut self, now: Nanos, mosi: u8) -> u8;
    /// The chip select released.
    fn deselect(&mut self, now: Nanos);
    /// For an environmental sensor part: what its driver would compute now
    /// (sensors backed by the part read this).
    fn environment(&mut self, _now: Nanos) -> Option<super::bme280::Environment> {
        None
    }
    /// A copy of the part in its present state.
    fn clone_box(&self) -> Box<dyn Part>;
}

impl Clone for Box<dyn Part> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// When an injected fault strikes: the transaction with index
/// `on_transaction` (0 = the device's first) or the first at or after `at`,
/// then as many after it as `count` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub error: WireError,
    pub on_transaction: Option<u64>,
    pub at: Option<Nanos>,
    pub count: u32,
}

/// A device of the board: a part behind its chip select on a bus.
#[derive(Clone)]
pub struct SpiDevice {
    /// The logical name an app opens.
    pub name: String,
    /// The bus it is on (devices of one bus never overlap on the wire; the
    /// name is for people and traces).
    pub bus: String,
    pub config: Config,
    /// The longest operation, and the most operations in a transaction.
    pub max_transfer: u32,
    pub part: Box<dyn Part>,
    pub faults: Vec<Fault>,
    /// Transactions begun with this device.
    pub transactions: u64,
    /// The levels of its chip select, clock, MOSI and MISO now (for the
    /// waveform): between transactions the chip select is high and the
    /// clock at its idle level.
    pub lines: [bool; 4],
    /// A broken controller, for the conformance suite's mutation tests
    /// (the reference host's `Quirks`): the chip select released and
    /// asserted again between the operations of a transaction, which
    /// `SpiDevice` forbids. Off on every board.
    pub release_between_operations: bool,
}

/// One word on the wire: when it began, what went out on MOSI and what
/// came in on MISO (for the waveform).
pub type Word = (Nanos, u8, u8);

impl core::fmt::Debug for SpiDevice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpiDevice")
            .field("name", &self.name)
            .field("bus", &self.bus)
            .field("model", &self.part.model())
            .finish()
    }
}

/// What a transaction did on the wire, for traces: `CS low`,
/// `write [9f]`, `read [ef 40 16]`, `transfer [05 00] -> [ff 03]`,
/// `delay 1000ns`, `CS high`.
pub type Wire = Vec<String>;

impl SpiDevice {
    /// A device with no faults and no transactions yet.
    pub fn new(
        name: &str,
        bus: &str,
        config: Config,
        max_transfer: u32,
        part: Box<dyn Part>,
    ) -> SpiDevice {
        SpiDevice {
            name: name.into(),
            bus: bus.into(),
            config,
            max_transfer,
            part,
            faults: Vec::new(),
            transactions: 0,
            lines: [true, config.mode.clock_idles_high(), false, true],
            release_between_operations: false,
        }
    }

    /// The time `words` words take at the device's frequency.
    pub fn duration(&self, words: u64) -> Nanos {
        words * 8 * 1_000_000_000 / u64::from(self.config.frequency_hz.max(1))
    }

    /// Runs `ops` as one transaction beginning at `now`. Returns one list
    /// per read and transfer, the wire log (with `log`), and the time the
    /// transaction ended.
    pub fn transaction(
        &mut self,
        now: Nanos,
        ops: &[Op<'_>],
        log: bool,
    ) -> (Result<Vec<Vec<u8>>, WireError>, Wire, Nanos) {
        self.transaction_words(now, ops, log, None)
    }

    /// [`transaction`](SpiDevice::transaction), also putting each word
    /// exchanged into `words`.
    pub fn transaction_words(
        &mut self,
        now: Nanos,
        ops: &[Op<'_>],
        log: bool,
        mut words: Option<&mut Vec<Word>>,
    ) -> (Result<Vec<Vec<u8>>, WireError>, Wire, Nanos) {
        let index = self.transactions;
        self.transactions += 1;
        let mut wire = Wire::new();
        if let Some(error) = self.strike(index, now) {
            if log {
                wire.push(format!("fault {}", error.name()));
            }
            return (Err(error), wire, now.saturating_add(self.duration(1)));
        }
        if log {
            wire.push("CS low".into());
        }
        let mut t = now;
        self.part.select(t);
        let mut results = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if i > 0 && self.release_between_operations {
                self.part.deselect(t);
                self.part.select(t);
                if log {
                    wire.push("CS high".into());
                    wire.push("CS low".into());
                }
            }
            match *op {
                Op::Read(n) => {
                    let mut data = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        let miso = self.part.exchange(t, 0);
                        if let Some(w) = words.as_deref_mut() {
                            w.push((t, 0, miso));
                        }
                        data.push(miso);
                        t = t.saturating_add(self.duration(1));
                    }
                    if log {
                        wire.push(format!("read {}", hex(&data)));
                    }
                    results.push(data);
                }
                Op::Write(data) => {
                    for &b in data {
                        let miso = self.part.exchange(t, b);
                        if let Some(w) = words.as_deref_mut() {
                            w.push((t, b, miso));
                        }
                        t = t.saturating_add(self.duration(1));
                    }
                    if log {
                        wire.push(format!("write {}", hex(data)));
                    }
                }
                Op::Transfer(data) => {
                    let mut back = Vec::with_capacity(data.len());
                    for &b in data {
                        let miso = self.part.exchange(t, b);
                        if let Some(w) = words.as_deref_mut() {
                            w.push((t, b, miso));
                        }
                        back.push(miso);
                        t = t.saturating_add(self.duration(1));
                    }
                    if log {
                        wire.push(format!("transfer {} -> {}", hex(data), hex(&back)));
                    }
                    results.push(back);
                }
                Op::DelayNs(ns) => {
                    t = t.saturating_add(Nanos::from(ns));
                    if log {
                        wire.push(format!("delay {ns}ns"));
                    }
                }
            }
        }
        self.part.deselect(t);
        if log {
            wire.push("CS high".into());
        }
        (Ok(results), wire, t)
    }

    /// The injected fault that strikes transaction `index` at `now`, if any.
    fn strike(&mut self, index: u64, now: Nanos) -> Option<WireError> {
        let fault = self.faults.iter_mut().find(|f| {
            f.count > 0
                && (f.on_transaction.is_some_and(|n| index >= n)
                    || f.at.is_some_and(|at| now >= at))
        })?;
        fault.count -= 1;
        Some(fault.error)
    }
}

/// MISO wired to MOSI: every word comes back as it went out. In every mode.
#[derive(Debug, Clone, Default)]
pub struct Loopback;

impl Part for Loopback {
    fn model(&self) -> &'static str {
        "loopback"
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Mode0, Mode::Mode1, Mode::Mode2, Mode::Mode3]
    }
    fn select(&mut self, _: Nanos) {}
    fn exchange(&mut self, _: Nanos, mosi: u8) -> u8 {
        mosi
    }
    fn deselect(&mut self, _: Nanos) {}
    fn clone_box(&self) -> Box<dyn Part> {
        Box::new(self.clone())
    }
}

/// Where a [`RegistersOverSpi`] is in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The next word is a control byte: the read/write bit and a register.
    Control,
    /// The next word is the data of the register just named.
    WriteData,
    /// Every word reads the next register.
    Reading,
}

/// A register part with an I2C model reached over SPI, as the BME280 (and
/// Bosch's other sensors) are in SPI mode (BME280 datasheet, 6.3): the
/// first word of a transaction is a control byte, bit 7 the read/write bit
/// (1 reads) and bits 6..0 the register's address without its bit 7 (the
/// part's registers are 0x80 to 0xFF, so the bit is set again). A read
/// then returns the registers from that one on, one a word, incrementing;
/// a write takes pairs of control byte and value. While the control byte
/// goes out, MISO is not driven (0xFF, the line's pull-up). Modes 0 and 3.
#[derive(Clone)]
pub struct RegistersOverSpi {
    part: Box<dyn i2c::Device>,
    phase: Phase,
}

impl RegistersOverSpi {
    /// `part`, the I2C model of the same registers.
    pub fn new(part: Box<dyn i2c::Device>) -> RegistersOverSpi {
        RegistersOverSpi {
            part,
            phase: Phase::Control,
        }
    }
}

impl Part for RegistersOverSpi {
    fn model(&self) -> &'static str {
        self.part.model()
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Mode0, Mode::Mode3]
    }
    fn select(&mut self, _: Nanos) {
        self.phase = Phase::Control;
    }
    fn exchange(&mut self, now: Nanos, mosi: u8) -> u8 {
        match self.phase {
            Phase::Control => {
                // The register pointer is set as over I2C: a write of the
                // register's address.
                self.part.start(now, false);
                self.part.write(now, mosi | 0x80);
                if mosi & 0x80 != 0 {
                    self.part.start(now, true);
                    self.phase = Phase::Reading;
                } else {
                    self.phase = Phase::WriteData;
                }
                0xFF
            }
            Phase::WriteData => {
                self.part.write(now, mosi);
                self.part.stop(now);
                self.phase = Phase::Control;
                0xFF
            }
            Phase::Reading => self.part.read(now),
        }
    }
    fn deselect(&mut self, now: Nanos) {
        self.part.stop(now);
        self.phase = Phase::Control;
    }
    fn environment(&mut self, now: Nanos) -> Option<super::bme280::Environment> {
        self.part.environment(now)
    }
    fn clone_box(&self) -> Box<dyn Part> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::bme280::{Bme280, Environment};
    use alloc::{string::ToString, vec};

    fn device(part: Box<dyn Part>) -> SpiDevice {
        let config = Config {
            mode: Mode::Mode0,
            bit_order: BitOrder::MsbFirst,
            frequency_hz: 1_000_000,
        };
        SpiDevice::new("dev", "spi0", config, 64, part)
    }

    #[test]
    fn a_transaction_asserts_the_chip_select_around_its_operations_and_takes_8_clocks_a_word() {
        let mut d = device(Box::new(Loopback));
        let (r, wire, end) = d.transaction(
            1_000,
            &[
                Op::Write(&[0x9f]),
                Op::DelayNs(500),
                Op::Transfer(&[1, 2]),
                Op::Read(1),
            ],
            true,
        );
        assert_eq!(r, Ok(vec![vec![1, 2], vec![0]]));
        assert_eq!(
            wire,
            [
                "CS low",
                "write [9f]",
                "delay 500ns",
                "transfer [01 02] -> [01 02]",
                "read [00]",
                "CS high"
            ]
        );
        // 4 words at 1 MHz (8 µs each) and 500 ns.
        assert_eq!(end, 1_000 + 4 * 8_000 + 500);
    }

    #[test]
    fn an_empty_transaction_asserts_and_releases_the_chip_select_only() {
        let mut d = device(Box::new(Loopback));
        let (r, wire, end) = d.transaction(7, &[], true);
        assert_eq!(
            (r, wire, end),
            (
                Ok(vec![]),
                vec!["CS low".to_string(), "CS high".to_string()],
                7
            )
        );
    }

    #[test]
    fn injected_faults_strike_the_transactions_they_name() {
        let mut d = device(Box::new(Loopback));
        d.faults.push(Fault {
            error: WireError::Overrun,
            on_transaction: Some(1),
            at: None,
            count: 1,
        });
        d.faults.push(Fault {
            error: WireError::ChipSelectFault,
            on_transaction: None,
            at: Some(5_000),
            count: 2,
        });
        let ops = [Op::Read(1)];
        assert!(d.transaction(0, &ops, false).0.is_ok());
        let (r, wire, end) = d.transaction(10, &ops, true);
        assert_eq!(
            (r, wire),
            (Err(WireError::Overrun), vec!["fault overrun".to_string()])
        );
        assert_eq!(end, 10 + 8_000);
        assert!(d.transaction(20, &ops, false).0.is_ok());
        assert_eq!(
            d.transaction(5_000, &ops, false).0,
            Err(WireError::ChipSelectFault)
        );
        assert_eq!(
            d.transaction(5_000, &ops, false).0,
            Err(WireError::ChipSelectFault)
        );
        assert!(d.transaction(5_000, &ops, false).0.is_ok());
    }

    fn bme280() -> SpiDevice {
        device(Box::new(RegistersOverSpi::new(Box::new(Bme280::new(
            Environment {
                temperature: 21.5,
                pressure: 101_325.0,
                humidity: 45.0,
            },
        )))))
    }

    #[test]
    fn the_bme280_over_spi_reads_with_bit_7_set_and_writes_pairs_with_it_clear() {
        let mut d = bme280();
        // Chip id: control byte 0xD0 (read 0x50 | 0x80), then one word.
        let (r, wire, _) = d.transaction(0, &[Op::Write(&[0xd0]), Op::Read(1)], true);
        assert_eq!(r, Ok(vec![vec![0x60]]));
        assert_eq!(wire, ["CS low", "write [d0]", "read [60]", "CS high"]);
        // The same in one full-duplex transfer: MISO is not driven while
        // the control byte goes out.
        let (r, _, _) = d.transaction(0, &[Op::Transfer(&[0xd0, 0x00])], false);
        assert_eq!(r, Ok(vec![vec![0xff, 0x60]]));
        // Two pairs in one transaction: ctrl_hum (0xF2 -> 0x72) = 1, then
        // ctrl_meas (0xF4 -> 0x74) = 0x27 (1x, 1x, normal mode), which
        // applies ctrl_hum; read both back from 0xF2 on.
        d.transaction(0, &[Op::Write(&[0x72, 0x01, 0x74, 0x27])], false)
            .0
            .unwrap();
        let (r, _, _) = d.transaction(0, &[Op::Write(&[0xf2]), Op::Read(3)], false);
        assert_eq!(r, Ok(vec![vec![0x01, 0x00, 0x27]]));
        // Normal mode: the data registers hold a measurement (not the
        // reset value 0x80 0x00 0x00 of pressure).
        let (r, _, _) = d.transaction(0, &[Op::Write(&[0xf7]), Op::Read(3)], false);
        assert_ne!(r.unwrap()[0], [0x80, 0x00, 0x00]);
    }

    #[test]
    fn the_bme280_over_spi_is_the_i2c_models_registers_with_its_environment() {
        let mut d = bme280();
        let e = d.part.environment(0).unwrap();
        assert!((e.temperature - 21.5).abs() < 0.01, "{e:?}");
        assert_eq!(d.part.model(), "bme280");
        assert_eq!(d.part.modes(), [Mode::Mode0, Mode::Mode3]);
    }
}
