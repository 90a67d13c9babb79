//! The embedded-hal `SpiDevice` adapter against a fake of the `spi` import,
//! on the host.
//!
//! `FakeDevice` follows the spec's `spi.device` semantics and records each
//! call with its operations; what comes back on MISO is each byte sent plus
//! one (a read sends 0x00, so it reads 0x01s), so every test can tell which
//! words went where.

use std::cell::{Cell, RefCell};

use embedded_hal::spi::{Error as _, ErrorKind, Operation, SpiDevice};
use wasi_hw_guest::hal::spi as hal_spi;
use wasi_hw_guest::spi::{self, ErrorCode};

struct FakeDevice {
    max: u32,
    calls: RefCell<Vec<String>>,
    /// How many times the adapter asked for `max-transfer-length`.
    asked_max: Cell<u32>,
    fail_with: Cell<Option<ErrorCode>>,
    /// A broken host that returns one byte too few.
    short_reads: Cell<bool>,
}

impl FakeDevice {
    fn new(max: u32) -> FakeDevice {
        FakeDevice {
            max,
            calls: RefCell::default(),
            asked_max: Cell::new(0),
            fail_with: Cell::new(None),
            short_reads: Cell::new(false),
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.take()
    }

    /// The spec's transaction: the other calls are made of it.
    fn run(&self, call: &str, ops: &[spi::Operation<'_>]) -> Result<Vec<Vec<u8>>, ErrorCode> {
        let described: Vec<String> = ops.iter().map(describe).collect();
        self.calls
            .borrow_mut()
            .push(format!("{call} [{}]", described.join(", ")));
        if let Some(e) = self.fail_with.get() {
            return Err(e);
        }
        let too_long = |n: usize| n > self.max as usize;
        if ops.len() > self.max as usize
            || ops.iter().any(|op| match op {
                spi::Operation::Read(n) => *n == 0 || too_long(*n as usize),
                spi::Operation::Write(d) => too_long(d.len()),
                spi::Operation::Transfer(d) => d.is_empty() || too_long(d.len()),
                spi::Operation::DelayNs(_) => false,
            })
        {
            return Err(ErrorCode::InvalidArgument);
        }
        let short = usize::from(self.short_reads.get());
        Ok(ops
            .iter()
            .filter_map(|op| match op {
                spi::Operation::Read(n) => Some(vec![1; *n as usize - short]),
                spi::Operation::Transfer(d) => {
                    Some(d[short..].iter().map(|b| b.wrapping_add(1)).collect())
                }
                _ => None,
            })
            .collect())
    }
}

fn describe(op: &spi::Operation<'_>) -> String {
    match op {
        spi::Operation::Read(n) => format!("read {n}"),
        spi::Operation::Write(d) => format!("write {d:02x?}"),
        spi::Operation::Transfer(d) => format!("transfer {d:02x?}"),
        spi::Operation::DelayNs(ns) => format!("delay {ns} ns"),
    }
}

fn one(r: Result<Vec<Vec<u8>>, ErrorCode>) -> Result<Vec<u8>, ErrorCode> {
    r.map(|mut reads| reads.pop().unwrap_or_default())
}

impl hal_spi::Exchange for FakeDevice {
    fn max_transfer_length(&self) -> u32 {
        self.asked_max.set(self.asked_max.get() + 1);
        self.max
    }
    fn read(&self, length: u32) -> Result<Vec<u8>, ErrorCode> {
        one(self.run("read", &[spi::Operation::Read(length)]))
    }
    fn write(&self, data: &[u8]) -> Result<(), ErrorCode> {
        self.run("write", &[spi::Operation::Write(data)]).map(drop)
    }
    fn transfer(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode> {
        one(self.run("transfer", &[spi::Operation::Transfer(data)]))
    }
    fn transfer_in_place(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode> {
        one(self.run("transfer-in-place", &[spi::Operation::Transfer(data)]))
    }
    fn transaction(&self, operations: &[spi::Operation<'_>]) -> Result<Vec<Vec<u8>>, ErrorCode> {
        self.run("transaction", operations)
    }
}

wasi_hw_guest::__impl_embedded_hal_spi!(FakeDevice);

#[test]
fn one_operation_is_the_spec_call_of_its_name() {
    let mut device = FakeDevice::new(64);
    let mut buf = [0u8; 3];
    device.read(&mut buf).unwrap();
    assert_eq!(buf, [1, 1, 1]);
    device.write(&[0x06]).unwrap();
    let mut read = [0u8; 2];
    device.transfer(&mut read, &[0x10, 0x20]).unwrap();
    assert_eq!(read, [0x11, 0x21]);
    let mut in_place = [0x30, 0x40];
    device.transfer_in_place(&mut in_place).unwrap();
    assert_eq!(in_place, [0x31, 0x41]);
    assert_eq!(
        device.calls(),
        [
            "read [read 3]",
            "write [write [06]]",
            "transfer [transfer [10, 20]]",
            "transfer-in-place [transfer [30, 40]]",
        ]
    );
    // No operation was longer than the spec's minimum: the host was not
    // asked for its limit.
    assert_eq!(device.asked_max.get(), 0);
}

/// A flash's JEDEC ID: the command, then three bytes, the chip select held.
#[test]
fn a_command_and_its_answer_are_one_transaction_in_order() {
    let mut device = FakeDevice::new(64);
    let mut id = [0u8; 3];
    device
        .transaction(&mut [
            Operation::Write(&[0x9f]),
            Operation::DelayNs(500),
            Operation::Read(&mut id),
        ])
        .unwrap();
    assert_eq!(id, [1, 1, 1]);
    assert_eq!(
        device.calls(),
        ["transaction [write [9f], delay 500 ns, read 3]"]
    );
}

/// w25q32jv reads 300 bytes in one `Read`: on a host of 255 bytes an
/// operation that is two reads of the one transaction, the same wire.
#[test]
fn an_operation_longer_than_the_host_takes_is_split_within_the_transaction() {
    let mut device = FakeDevice::new(255);
    let mut page = [0u8; 300];
    device
        .transaction(&mut [
            Operation::Write(&[0x03, 0, 0, 0]),
            Operation::Read(&mut page),
        ])
        .unwrap();
    assert_eq!(page, [1; 300]);
    assert_eq!(
        device.calls(),
        ["transaction [write [03, 00, 00, 00], read 255, read 45]"]
    );
    assert_eq!(device.asked_max.get(), 1);

    // A long transfer in place: its pieces' answers back in place, in order.
    let mut data: Vec<u8> = (0..=99).collect();
    let mut device = FakeDevice::new(40);
    device.transfer_in_place(&mut data).unwrap();
    assert_eq!(data, (1..=100).collect::<Vec<u8>>());
    assert_eq!(device.calls().len(), 1);

    // A write alone, split, is a transaction of writes.
    let mut device = FakeDevice::new(32);
    device.write(&[0xab; 70]).unwrap();
    let calls = device.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with("transaction [write [ab, "),
        "{calls:?}"
    );
    assert_eq!(calls[0].matches("write").count(), 3, "{calls:?}");
}

#[test]
fn an_unequal_transfer_is_padded_with_zeros_and_cut() {
    let mut device = FakeDevice::new(64);
    // Longer read: the two words written, then two 0x00.
    let mut read = [0u8; 4];
    device.transfer(&mut read, &[0x10, 0x20]).unwrap();
    assert_eq!(read, [0x11, 0x21, 0x01, 0x01]);
    // Longer write: the three words written, the first answer kept.
    let mut read = [0u8; 1];
    device.transfer(&mut read, &[0x10, 0x20, 0x30]).unwrap();
    assert_eq!(read, [0x11]);
    assert_eq!(
        device.calls(),
        [
            "transfer [transfer [10, 20, 00, 00]]",
            "transfer [transfer [10, 20, 30]]",
        ]
    );
}

#[test]
fn empty_reads_and_transfers_clock_nothing_and_are_left_out() {
    let mut device = FakeDevice::new(64);
    let mut empty = [0u8; 0];
    let mut two = [0u8; 2];
    device
        .transaction(&mut [
            Operation::Read(&mut empty),
            Operation::Write(&[0x01]),
            Operation::Transfer(&mut [], &[]),
            Operation::Read(&mut two),
        ])
        .unwrap();
    assert_eq!(two, [1, 1]);
    assert_eq!(device.calls(), ["transaction [write [01], read 2]"]);
    // A zero-length write is the spec's: the chip select alone.
    device.write(&[]).unwrap();
    assert_eq!(device.calls(), ["write [write []]"]);
}

#[test]
fn more_operations_than_the_host_takes_are_refused_before_any_call() {
    let mut device = FakeDevice::new(32);
    let mut ops: Vec<Operation<'_, u8>> = (0..33).map(|_| Operation::DelayNs(1)).collect();
    assert_eq!(
        device.transaction(&mut ops),
        Err(ErrorCode::InvalidArgument)
    );
    assert!(device.calls().is_empty());
}

#[test]
fn spec_errors_map_to_embedded_hal_error_kinds() {
    let cases = [
        (ErrorCode::Overrun, ErrorKind::Overrun),
        (ErrorCode::ModeFault, ErrorKind::ModeFault),
        (ErrorCode::FrameFormat, ErrorKind::FrameFormat),
        (ErrorCode::ChipSelectFault, ErrorKind::ChipSelectFault),
        (ErrorCode::NotPermitted, ErrorKind::Other),
        (ErrorCode::InvalidArgument, ErrorKind::Other),
        (ErrorCode::Other, ErrorKind::Other),
    ];
    let mut device = FakeDevice::new(64);
    let mut buf = [0u8; 2];
    for (code, kind) in cases {
        device.fail_with.set(Some(code));
        let e = device.read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), kind, "{code:?}");
        // The spec's code survives for the app that wants it.
        assert_eq!(e.name(), code.name());
    }
}

#[test]
fn a_host_that_returns_the_wrong_length_is_an_error_not_a_panic() {
    let mut device = FakeDevice::new(64);
    device.short_reads.set(true);
    let mut buf = [0u8; 4];
    assert_eq!(device.read(&mut buf).map_err(|e| e.name()), Err("other"));
    let mut data = [1u8, 2];
    assert_eq!(
        device.transfer_in_place(&mut data).map_err(|e| e.name()),
        Err("other")
    );
}
