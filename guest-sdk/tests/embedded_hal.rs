//! The embedded-hal adapters against fakes of the imports, on the host.
//!
//! `FakeBus` follows the spec's `i2c.bus` semantics and records the wire:
//! `S` (start), `Sr` (repeated start), the address with R/W, the bytes
//! written, the count read, and `P` (stop). The adapters under test are the
//! same code that runs in an app, expanded for the fakes by the SDK's macros.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use embedded_hal::i2c::{
    Error as _, ErrorKind, I2c, NoAcknowledgeSource, Operation, TenBitAddress,
};
use wasi_hw_guest::gpio;
use wasi_hw_guest::hal::{digital, i2c as hal_i2c};
use wasi_hw_guest::i2c::{self, Address, ErrorCode};

/// A register device: the first byte of a write sets the register pointer,
/// later bytes are stored from there on; reads go on from the pointer.
#[derive(Default)]
struct Registers {
    regs: BTreeMap<u8, u8>,
    pointer: u8,
    /// Refuse the data byte after this many bytes of one write.
    nack_after: Option<usize>,
}

#[derive(Default)]
struct FakeBus {
    devices: RefCell<BTreeMap<String, Registers>>,
    wire: RefCell<Vec<String>>,
    calls: RefCell<Vec<&'static str>>,
    fail_with: Cell<Option<fn() -> ErrorCode>>,
    /// A broken host that returns one byte too few.
    short_reads: Cell<bool>,
}

fn key(address: &Address) -> String {
    match address {
        Address::SevenBit(a) => format!("{a:#04x}"),
        Address::TenBit(a) => format!("{a:#05x}"),
    }
}

impl FakeBus {
    fn with_device(address: Address) -> FakeBus {
        let bus = FakeBus::default();
        bus.devices
            .borrow_mut()
            .insert(key(&address), Registers::default());
        bus
    }

    fn wire(&self) -> Vec<String> {
        self.wire.take()
    }

    /// The spec's transaction: the other calls are made of it.
    fn run(&self, address: Address, ops: &[i2c::Operation<'_>]) -> Result<Vec<Vec<u8>>, ErrorCode> {
        if let Some(error) = self.fail_with.get() {
            return Err(error());
        }
        let mut wire = self.wire.borrow_mut();
        let mut devices = self.devices.borrow_mut();
        let mut out = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let start = if i == 0 { "S" } else { "Sr" };
            let rw = if matches!(op, i2c::Operation::Read(_)) {
                "R"
            } else {
                "W"
            };
            wire.push(format!("{start} {} {rw}", key(&address)));
            let Some(dev) = devices.get_mut(&key(&address)) else {
                wire.push("P".into());
                return Err(ErrorCode::NoAcknowledge(i2c::NoAcknowledgeSource::Address));
            };
            match op {
                i2c::Operation::Read(0) => return Err(ErrorCode::InvalidArgument),
                i2c::Operation::Read(n) => {
                    wire.push(format!("read {n}"));
                    let n = if self.short_reads.get() { n - 1 } else { *n };
                    let bytes = (0..n)
                        .map(|_| {
                            let b = dev.regs.get(&dev.pointer).copied().unwrap_or(0);
                            dev.pointer = dev.pointer.wrapping_add(1);
                            b
                        })
                        .collect();
                    out.push(bytes);
                }
                i2c::Operation::Write(data) => {
                    wire.push(format!("{data:02x?}"));
                    for (k, byte) in data.iter().enumerate() {
                        if dev.nack_after == Some(k) {
                            wire.push("P".into());
                            return Err(ErrorCode::NoAcknowledge(i2c::NoAcknowledgeSource::Data));
                        }
                        if k == 0 {
                            dev.pointer = *byte;
                        } else {
                            dev.regs.insert(dev.pointer, *byte);
                            dev.pointer = dev.pointer.wrapping_add(1);
                        }
                    }
                }
            }
        }
        wire.push("P".into());
        Ok(out)
    }
}

impl hal_i2c::Transfer for FakeBus {
    fn read(&self, address: Address, length: u32) -> Result<Vec<u8>, ErrorCode> {
        self.calls.borrow_mut().push("read");
        Ok(self
            .run(address, &[i2c::Operation::Read(length)])?
            .remove(0))
    }
    fn write(&self, address: Address, data: &[u8]) -> Result<(), ErrorCode> {
        self.calls.borrow_mut().push("write");
        self.run(address, &[i2c::Operation::Write(data)]).map(drop)
    }
    fn write_read(&self, address: Address, data: &[u8], length: u32) -> Result<Vec<u8>, ErrorCode> {
        self.calls.borrow_mut().push("write-read");
        Ok(self
            .run(
                address,
                &[i2c::Operation::Write(data), i2c::Operation::Read(length)],
            )?
            .remove(0))
    }
    fn transaction(
        &self,
        address: Address,
        operations: &[i2c::Operation<'_>],
    ) -> Result<Vec<Vec<u8>>, ErrorCode> {
        self.calls.borrow_mut().push("transaction");
        self.run(address, operations)
    }
}

wasi_hw_guest::__impl_embedded_hal_i2c!(FakeBus);

#[test]
fn write_read_of_a_register_is_one_spec_call_with_a_repeated_start() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x76));
    bus.write(0x76u8, &[0xd0, 0x60]).unwrap();
    assert_eq!(bus.wire(), ["S 0x76 W", "[d0, 60]", "P"]);

    let mut id = [0u8; 1];
    bus.write_read(0x76u8, &[0xd0], &mut id).unwrap();
    assert_eq!(id, [0x60]);
    assert_eq!(bus.wire(), ["S 0x76 W", "[d0]", "Sr 0x76 R", "read 1", "P"]);
    assert_eq!(*bus.calls.borrow(), ["write", "write-read"]);
}

#[test]
fn adjacent_operations_of_one_kind_are_merged_as_embedded_hal_requires() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x50));
    // A register address and data in two writes: one write on the wire.
    bus.transaction(
        0x50u8,
        &mut [Operation::Write(&[0x10]), Operation::Write(&[1, 2, 3])],
    )
    .unwrap();
    assert_eq!(bus.wire(), ["S 0x50 W", "[10, 01, 02, 03]", "P"]);

    // Two reads in a row: one read of 3 bytes, split back over the buffers.
    let (mut a, mut b) = ([0u8; 1], [0u8; 2]);
    bus.transaction(
        0x50u8,
        &mut [
            Operation::Write(&[0x10]),
            Operation::Read(&mut a),
            Operation::Read(&mut b),
        ],
    )
    .unwrap();
    assert_eq!((a, b), ([1], [2, 3]));
    assert_eq!(bus.wire(), ["S 0x50 W", "[10]", "Sr 0x50 R", "read 3", "P"]);
    assert_eq!(*bus.calls.borrow(), ["write", "write-read"]);
}

#[test]
fn mixed_operations_become_one_spec_transaction_in_order() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x50));
    bus.write(0x50u8, &[0x00, 0xaa, 0xbb]).unwrap();
    bus.wire();
    let (mut first, mut second) = ([0u8; 1], [0u8; 1]);
    bus.transaction(
        0x50u8,
        &mut [
            Operation::Write(&[0x00]),
            Operation::Read(&mut first),
            Operation::Write(&[0x01]),
            Operation::Read(&mut second),
        ],
    )
    .unwrap();
    assert_eq!((first, second), ([0xaa], [0xbb]));
    assert_eq!(
        bus.wire(),
        [
            "S 0x50 W",
            "[00]",
            "Sr 0x50 R",
            "read 1",
            "Sr 0x50 W",
            "[01]",
            "Sr 0x50 R",
            "read 1",
            "P"
        ]
    );
    assert_eq!(bus.calls.borrow().last(), Some(&"transaction"));

    // Only reads: one `read`.
    let mut buf = [0u8; 2];
    bus.transaction(0x50u8, &mut [Operation::Read(&mut buf)])
        .unwrap();
    assert_eq!(bus.calls.borrow().last(), Some(&"read"));
    // No operations: nothing on the wire, no call.
    bus.transaction(0x50u8, &mut []).unwrap();
    assert_eq!(bus.wire().last().map(String::as_str), Some("P"));
    assert_eq!(bus.calls.borrow().len(), 3);
}

#[test]
fn ten_bit_addresses_reach_the_spec_as_ten_bit() {
    let mut bus = FakeBus::with_device(Address::TenBit(0x2a5));
    I2c::<TenBitAddress>::write(&mut bus, 0x2a5, &[0x07, 0x42]).unwrap();
    let mut out = [0u8; 1];
    I2c::<TenBitAddress>::write_read(&mut bus, 0x2a5, &[0x07], &mut out).unwrap();
    assert_eq!(out, [0x42]);
    assert_eq!(
        bus.wire(),
        [
            "S 0x2a5 W",
            "[07, 42]",
            "P",
            "S 0x2a5 W",
            "[07]",
            "Sr 0x2a5 R",
            "read 1",
            "P"
        ]
    );
    // The same number as a 7-bit address is another target: it does not answer.
    let err = bus.write(0x25u8, &[0]).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address)
    );
}

#[test]
fn a_zero_length_write_probes_the_address() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x50));
    bus.write(0x50u8, &[]).unwrap();
    assert_eq!(bus.wire(), ["S 0x50 W", "[]", "P"]);
    assert!(bus.write(0x51u8, &[]).is_err());
}

#[test]
fn spec_errors_map_to_embedded_hal_error_kinds() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x50));
    let mut buf = [0u8; 1];
    let kind = |bus: &mut FakeBus, buf: &mut [u8]| bus.read(0x50u8, buf).unwrap_err().kind();

    bus.devices.borrow_mut().get_mut("0x50").unwrap().nack_after = Some(1);
    let err = bus.write(0x50u8, &[0x00, 0x01]).unwrap_err();
    assert_eq!(
        err,
        ErrorCode::NoAcknowledge(i2c::NoAcknowledgeSource::Data)
    );
    assert_eq!(
        err.kind(),
        ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data)
    );

    let table: [(fn() -> ErrorCode, ErrorKind); 8] = [
        (
            || ErrorCode::NoAcknowledge(i2c::NoAcknowledgeSource::Unknown),
            ErrorKind::NoAcknowledge(NoAcknowledgeSource::Unknown),
        ),
        (|| ErrorCode::ArbitrationLoss, ErrorKind::ArbitrationLoss),
        (|| ErrorCode::Bus, ErrorKind::Bus),
        (|| ErrorCode::Overrun, ErrorKind::Overrun),
        (|| ErrorCode::Timeout, ErrorKind::Other),
        (|| ErrorCode::NotPermitted, ErrorKind::Other),
        (|| ErrorCode::InvalidArgument, ErrorKind::Other),
        (|| ErrorCode::Other, ErrorKind::Other),
    ];
    for (error, expected) in table {
        bus.fail_with.set(Some(error));
        assert_eq!(kind(&mut bus, &mut buf), expected);
    }
    // The spec's code survives for the app that wants it.
    bus.fail_with.set(Some(|| ErrorCode::NotPermitted));
    assert_eq!(bus.read(0x50u8, &mut buf), Err(ErrorCode::NotPermitted));
}

#[test]
fn a_host_that_returns_the_wrong_length_is_an_error_not_a_panic() {
    let mut bus = FakeBus::with_device(Address::SevenBit(0x50));
    bus.short_reads.set(true);
    let mut buf = [0u8; 4];
    assert_eq!(bus.read(0x50u8, &mut buf), Err(ErrorCode::Other));
}

/// A pin as the spec describes it: a latch, the line, and the mode.
struct FakePin {
    input: bool,
    latch: Cell<bool>,
    /// What another device does to the line: `Some(level)` overrides it.
    external: Cell<Option<bool>>,
    calls: RefCell<Vec<&'static str>>,
}

impl FakePin {
    fn output() -> FakePin {
        FakePin {
            input: false,
            latch: Cell::new(false),
            external: Cell::new(None),
            calls: RefCell::default(),
        }
    }
    fn set(&self, high: bool) -> Result<(), gpio::ErrorCode> {
        if self.input {
            return Err(gpio::ErrorCode::WrongMode);
        }
        self.latch.set(high);
        Ok(())
    }
}

impl digital::Digital for FakePin {
    fn is_high(&self) -> Result<bool, gpio::ErrorCode> {
        Ok(self.external.get().unwrap_or(self.latch.get()))
    }
    fn set_high(&self) -> Result<(), gpio::ErrorCode> {
        self.set(true)
    }
    fn set_low(&self) -> Result<(), gpio::ErrorCode> {
        self.set(false)
    }
    fn toggle(&self) -> Result<(), gpio::ErrorCode> {
        self.calls.borrow_mut().push("toggle");
        self.set(!self.latch.get())
    }
    fn is_set_high(&self) -> Result<bool, gpio::ErrorCode> {
        if self.input {
            return Err(gpio::ErrorCode::WrongMode);
        }
        Ok(self.latch.get())
    }
}

wasi_hw_guest::__impl_embedded_hal_digital!(FakePin);

#[test]
fn output_pins_set_read_back_and_toggle_in_one_call() {
    let mut pin = FakePin::output();
    pin.set_high().unwrap();
    assert_eq!((pin.is_set_high(), pin.is_set_low()), (Ok(true), Ok(false)));
    StatefulOutputPin::toggle(&mut pin).unwrap();
    assert_eq!(pin.is_set_high(), Ok(false));
    assert_eq!(*pin.calls.borrow(), ["toggle"]);
    // An open-drain line held low by another device: the latch says high,
    // the line says low.
    pin.set_high().unwrap();
    pin.external.set(Some(false));
    assert_eq!(
        (pin.is_set_high(), InputPin::is_high(&mut pin), pin.is_low()),
        (Ok(true), Ok(false), Ok(true))
    );
}

#[test]
fn output_calls_on_an_input_pin_fail_with_wrong_mode() {
    let mut pin = FakePin {
        input: true,
        ..FakePin::output()
    };
    let err = pin.set_high().unwrap_err();
    assert_eq!(err, gpio::ErrorCode::WrongMode);
    assert_eq!(
        embedded_hal::digital::Error::kind(&err),
        embedded_hal::digital::ErrorKind::Other
    );
    assert_eq!(pin.is_set_high(), Err(gpio::ErrorCode::WrongMode));
    assert_eq!(InputPin::is_high(&mut pin), Ok(false));
}
