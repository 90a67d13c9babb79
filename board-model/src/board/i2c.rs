//! I2C buses: the wire protocol between the controller (the app) and the
//! device models at their addresses, with injected faults.
//!
//! A transfer is what one spec call does: START, then for each operation the
//! address with R/W (after a REPEATED START for all but the first), the data,
//! and a STOP at the end, also after an error. Devices see each of these
//! steps; an address with no device does not acknowledge. The clock advances
//! by the time the bits take at the bus frequency (9 clocks a byte).

use alloc::collections::BTreeMap;
use alloc::{boxed::Box, format, string::String, vec::Vec};

use crate::time::Nanos;

/// A target address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Address {
    Seven(u8),
    Ten(u16),
}

impl Address {
    /// The address as a person reads it, in messages and printouts: `0x76`,
    /// `0x2a5 (10-bit)`. (`Display` is the trace's wire form, which the
    /// conformance suite compares: `10-bit 0x2a5`.)
    pub fn describe(self) -> String {
        match self {
            Address::Seven(a) => format!("{a:#04x}"),
            Address::Ten(a) => format!("{a:#05x} (10-bit)"),
        }
    }
}

/// The form of the trace's wire: `0x76`, `10-bit 0x2a5`.
impl core::fmt::Display for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Address::Seven(a) => write!(f, "{a:#04x}"),
            Address::Ten(a) => write!(f, "10-bit {a:#05x}"),
        }
    }
}

/// Which byte was not acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackSource {
    Address,
    Data,
    Unknown,
}

/// A bus error, as the spec names them (the policy's `not-permitted` and
/// argument checks are the host's, not the bus's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusError {
    NoAcknowledge(NackSource),
    ArbitrationLoss,
    Bus,
    Overrun,
    Timeout,
}

impl BusError {
    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            BusError::NoAcknowledge(NackSource::Address) => "no-acknowledge(address)",
            BusError::NoAcknowledge(NackSource::Data) => "no-acknowledge(data)",
            BusError::NoAcknowledge(NackSource::Unknown) => "no-acknowledge(unknown)",
            BusError::ArbitrationLoss => "arbitration-loss",
            BusError::Bus => "bus",
            BusError::Overrun => "overrun",
            BusError::Timeout => "timeout",
        }
    }
}

/// One operation of a transfer.
/// One operation of a transfer; a write borrows its bytes, so that a host
/// passes the guest's (or the engine's) bytes without copying them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    Read(u32),
    Write(&'a [u8]),
}

/// A device model on a bus, at register level.
pub trait Device: Send {
    /// The model's name, for traces (`bme280`, `24c02`, `registers`).
    fn model(&self) -> &'static str;
    /// START or REPEATED START with this device's address; `read` is the R/W
    /// bit. Returns whether the device acknowledges its address.
    fn start(&mut self, now: Nanos, read: bool) -> bool;
    /// A byte from the controller; returns whether the device acknowledges.
    fn write(&mut self, now: Nanos, byte: u8) -> bool;
    /// A byte to the controller.
    fn read(&mut self, now: Nanos) -> u8;
    /// STOP.
    fn stop(&mut self, now: Nanos);
    /// For an environmental sensor part: what its driver would compute from
    /// its data registers now. Sensors backed by the part read this.
    fn environment(&mut self, _now: Nanos) -> Option<super::bme280::Environment> {
        None
    }
    /// A copy of the device in its present state.
    fn clone_box(&self) -> Box<dyn Device>;
}

impl Clone for Box<dyn Device> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// When an injected fault strikes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The error the transfer fails with.
    pub error: BusError,
    /// Strike on the transfer with this index (0 = the first on this bus)...
    pub on_transfer: Option<u64>,
    /// ...or on the first transfer at or after this time...
    pub at: Option<Nanos>,
    /// ...and only to this address, if given.
    pub address: Option<Address>,
    /// How many transfers it strikes, one after the other.
    pub count: u32,
}

/// A bus of the board.
#[derive(Clone)]
pub struct Bus {
    pub name: String,
    pub frequency_hz: u32,
    pub max_transfer: u32,
    pub devices: BTreeMap<Address, Box<dyn Device>>,
    pub faults: Vec<Fault>,
    /// Transfers begun on this bus.
    pub transfers: u64,
    /// Whether a device holds SDA low (for `recover`), from a fault.
    pub stuck: bool,
    /// A controller without repeated starts: STOP and START between the
    /// operations of a transfer. No board file sets it; it models a broken
    /// host for the conformance suite's own tests.
    pub stop_between_operations: bool,
}

impl core::fmt::Debug for Bus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bus")
            .field("name", &self.name)
            .field("devices", &self.devices.keys())
            .finish()
    }
}

/// What a transfer did on the wire, for traces: `S 0x76 W`, `[d0]`,
/// `Sr 0x76 R`, `read 1`, `NACK`, `P`.
pub type Wire = Vec<String>;

impl Bus {
    /// The time `bytes` bytes and `starts` address phases take on the wire.
    fn duration(&self, bytes: u64, starts: u64) -> Nanos {
        // 9 clocks a byte and an address byte per start, plus START/STOP.
        let clocks = (bytes + starts) * 9 + 2;
        clocks * 1_000_000_000 / u64::from(self.frequency_hz.max(1))
    }

    /// Runs `ops` to `address` as one transfer beginning at `now`. Returns
    /// the read results, the wire log, and the time the transfer ended.
    pub fn transfer(
        &mut self,
        now: Nanos,
        address: Address,
        ops: &[Op<'_>],
        log: bool,
    ) -> (Result<Vec<Vec<u8>>, BusError>, Wire, Nanos) {
        let index = self.transfers;
        self.transfers += 1;
        let mut wire = Wire::new();
        if ops.is_empty() {
            return (Ok(Vec::new()), wire, now);
        }
        if let Some(error) = self.strike(index, now, address) {
            if log {
                wire.push(format!("fault {}", error.name()));
            }
            let end = now.saturating_add(if error == BusError::Timeout {
                25_000_000
            } else {
                self.duration(0, 1)
            });
            return (Err(error), wire, end);
        }
        let (mut bytes, mut starts) = (0u64, 0u64);
        let mut results = Vec::new();
        let mut outcome = Ok(());
        let mut t = now;
        let hz = u64::from(self.frequency_hz.max(1));
        let stop_between = self.stop_between_operations;
        let partial = |bytes: u64, starts: u64| (bytes + starts) * 9 * 1_000_000_000 / hz;
        let device = self.devices.get_mut(&address);
        match device {
            None => {
                if log {
                    wire.push(format!("S {address} {}", rw(&ops[0])));
                }
                if log {
                    wire.push("NACK".into());
                }
                starts += 1;
                outcome = Err(BusError::NoAcknowledge(NackSource::Address));
            }
            Some(dev) => {
                'ops: for (i, op) in ops.iter().enumerate() {
                    let start = match (i, stop_between) {
                        (0, _) => "S",
                        (_, false) => "Sr",
                        (_, true) => {
                            dev.stop(t);
                            if log {
                                wire.push("P".into());
                            }
                            "S"
                        }
                    };
                    if log {
                        wire.push(format!("{start} {address} {}", rw(op)));
                    }
                    starts += 1;
                    let read = matches!(op, Op::Read(_));
                    if !dev.start(t, read) {
                        if log {
                            wire.push("NACK".into());
                        }
                        outcome = Err(BusError::NoAcknowledge(NackSource::Address));
                        break;
                    }
                    match op {
                        Op::Read(n) => {
                            let data: Vec<u8> = (0..*n).map(|_| dev.read(t)).collect();
                            bytes += u64::from(*n);
                            if log {
                                wire.push(format!("read {}", hex(&data)));
                            }
                            results.push(data);
                        }
                        Op::Write(data) => {
                            for (k, &b) in data.iter().enumerate() {
                                bytes += 1;
                                if !dev.write(t, b) {
                                    if log {
                                        wire.push(format!("write {} NACK", hex(&data[..=k])));
                                    }
                                    outcome = Err(BusError::NoAcknowledge(NackSource::Data));
                                    break 'ops;
                                }
                            }
                            if log {
                                wire.push(format!("write {}", hex(data)));
                            }
                        }
                    }
                    t = now.saturating_add(partial(bytes, starts));
                }
                t = now.saturating_add(partial(bytes, starts));
                dev.stop(t);
            }
        }
        if log {
            wire.push("P".into());
        }
        let end = now.saturating_add(self.duration(bytes, starts));
        (outcome.map(|()| results), wire, end)
    }

    /// The injected fault that strikes transfer `index` at `now`, if any.
    fn strike(&mut self, index: u64, now: Nanos, address: Address) -> Option<BusError> {
        let fault = self.faults.iter_mut().find(|f| {
            f.count > 0
                && f.address.is_none_or(|a| a == address)
                && (f.on_transfer.is_some_and(|n| index >= n) || f.at.is_some_and(|at| now >= at))
        })?;
        fault.count -= 1;
        if fault.error == BusError::Bus {
            self.stuck = true;
        }
        Some(fault.error)
    }

    /// Bus recovery: nine clocks and a STOP. Frees a stuck bus.
    pub fn recover(&mut self, now: Nanos) -> (Result<(), BusError>, Nanos) {
        self.stuck = false;
        (
            Ok(()),
            now.saturating_add(10 * 1_000_000_000 / u64::from(self.frequency_hz.max(1))),
        )
    }
}

fn rw(op: &Op<'_>) -> &'static str {
    if matches!(op, Op::Read(_)) { "R" } else { "W" }
}

/// Bytes as `[d0 60]`.
pub fn hex(data: &[u8]) -> String {
    let parts: Vec<String> = data.iter().map(|b| format!("{b:02x}")).collect();
    format!("[{}]", parts.join(" "))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::{string::ToString, vec, vec::Vec};

    #[test]
    fn a_person_reads_an_address_in_hex_and_the_wire_keeps_its_form() {
        assert_eq!(Address::Seven(0x76).describe(), "0x76");
        assert_eq!(Address::Seven(0x05).describe(), "0x05");
        assert_eq!(Address::Ten(0x2a5).describe(), "0x2a5 (10-bit)");
        assert_eq!(Address::Ten(0x50).describe(), "0x050 (10-bit)");
        // The trace's wire form, which the conformance suite compares.
        assert_eq!(Address::Ten(0x2a5).to_string(), "10-bit 0x2a5");
        for a in [Address::Seven(0x76), Address::Ten(0x2a5)] {
            assert_eq!(
                super::super::address_from_json(&super::super::address_json(a)),
                Some(a)
            );
        }
        assert_eq!(
            super::super::address_from_json(&serde_json::json!({"seven-bit": 300})),
            None
        );
        assert_eq!(
            super::super::address_from_json(&serde_json::Value::Null),
            None
        );
    }

    /// A register file: the first byte written sets the pointer.
    #[derive(Clone)]
    pub struct Echo {
        regs: [u8; 256],
        pointer: u8,
        first: bool,
    }

    impl Device for Echo {
        fn model(&self) -> &'static str {
            "echo"
        }
        fn clone_box(&self) -> Box<dyn Device> {
            Box::new(self.clone())
        }
        fn start(&mut self, _: Nanos, _: bool) -> bool {
            self.first = true;
            true
        }
        fn write(&mut self, _: Nanos, b: u8) -> bool {
            if core::mem::take(&mut self.first) {
                self.pointer = b;
            } else {
                self.regs[self.pointer as usize] = b;
                self.pointer = self.pointer.wrapping_add(1);
            }
            true
        }
        fn read(&mut self, _: Nanos) -> u8 {
            let b = self.regs[self.pointer as usize];
            self.pointer = self.pointer.wrapping_add(1);
            b
        }
        fn stop(&mut self, _: Nanos) {}
    }

    pub fn bus_with_echo(address: Address) -> Bus {
        let mut devices: BTreeMap<Address, Box<dyn Device>> = BTreeMap::new();
        devices.insert(
            address,
            Box::new(Echo {
                regs: [0; 256],
                pointer: 0,
                first: false,
            }),
        );
        Bus {
            name: "bus".into(),
            frequency_hz: 100_000,
            max_transfer: 64,
            devices,
            faults: Vec::new(),
            transfers: 0,
            stuck: false,
            stop_between_operations: false,
        }
    }

    #[test]
    fn a_transaction_puts_a_repeated_start_between_operations_and_one_stop() {
        let mut bus = bus_with_echo(Address::Seven(0x50));
        let (r, wire, end) = bus.transfer(
            0,
            Address::Seven(0x50),
            &[Op::Write(&[0x10, 0xaa, 0xbb])],
            true,
        );
        assert_eq!(r, Ok(vec![]));
        assert_eq!(wire, ["S 0x50 W", "write [10 aa bb]", "P"]);
        // 4 bytes with the address, 9 clocks each, plus START and STOP, at 100 kHz.
        assert_eq!(end, (4 * 9 + 2) * 10_000);
        let (r, wire, _) = bus.transfer(
            end,
            Address::Seven(0x50),
            &[Op::Write(&[0x10]), Op::Read(2)],
            true,
        );
        assert_eq!(r, Ok(vec![vec![0xaa, 0xbb]]));
        assert_eq!(
            wire,
            ["S 0x50 W", "write [10]", "Sr 0x50 R", "read [aa bb]", "P"]
        );
    }

    #[test]
    fn an_empty_address_does_not_acknowledge() {
        let mut bus = bus_with_echo(Address::Seven(0x50));
        let (r, wire, _) = bus.transfer(0, Address::Ten(0x50), &[Op::Read(1)], true);
        assert_eq!(r, Err(BusError::NoAcknowledge(NackSource::Address)));
        assert_eq!(wire, ["S 10-bit 0x050 R", "NACK", "P"]);
    }

    #[test]
    fn injected_faults_strike_the_transfers_they_name() {
        let mut bus = bus_with_echo(Address::Seven(0x50));
        bus.faults.push(Fault {
            error: BusError::ArbitrationLoss,
            on_transfer: Some(1),
            at: None,
            address: None,
            count: 1,
        });
        bus.faults.push(Fault {
            error: BusError::Timeout,
            on_transfer: None,
            at: Some(1_000),
            address: Some(Address::Seven(0x50)),
            count: 2,
        });
        let a = Address::Seven(0x50);
        assert_eq!(
            bus.transfer(0, a, &[Op::Read(1)], true).0,
            Ok(vec![vec![0]])
        );
        assert_eq!(
            bus.transfer(10, a, &[Op::Read(1)], true).0,
            Err(BusError::ArbitrationLoss)
        );
        assert!(bus.transfer(20, a, &[Op::Read(1)], true).0.is_ok());
        let (r, wire, end) = bus.transfer(1_000, a, &[Op::Read(1)], true);
        assert_eq!(
            (r, wire),
            (Err(BusError::Timeout), vec!["fault timeout".to_string()])
        );
        assert_eq!(end, 1_000 + 25_000_000);
        assert_eq!(
            bus.transfer(end, a, &[Op::Read(1)], true).0,
            Err(BusError::Timeout)
        );
        assert!(bus.transfer(end, a, &[Op::Read(1)], true).0.is_ok());
    }
}
