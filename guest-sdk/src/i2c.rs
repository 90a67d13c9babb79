//! I2C buses: the `i2c` interface of the spec. Each [`Bus`] implements
//! embedded-hal's `i2c::I2c` for 7-bit and 10-bit addresses (see
//! [`crate::hal`]).
//!
//! [`open`] and [`Bus`] are the SDK's: a bus keeps its name, so that an
//! error says which call failed, at which address, on which bus:
//! `i2c write 0x76 on "sensor-bus": no-acknowledge(address)` (see
//! [`crate::Error`]). The spec's own resource, whose calls answer the bare
//! error code, is [`Bus::spec`].

pub use crate::bindings::wasi_hw::hal::i2c::*;

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;
use crate::bindings::wasi_hw::hal::i2c as spec;
use crate::error::concat;

/// The spec's name of an error, for example `no-acknowledge(data)`.
pub fn error_name(e: &ErrorCode) -> &'static str {
    match e {
        ErrorCode::NoAcknowledge(NoAcknowledgeSource::Address) => "no-acknowledge(address)",
        ErrorCode::NoAcknowledge(NoAcknowledgeSource::Data) => "no-acknowledge(data)",
        ErrorCode::NoAcknowledge(NoAcknowledgeSource::Unknown) => "no-acknowledge(unknown)",
        ErrorCode::ArbitrationLoss => "arbitration-loss",
        ErrorCode::Bus => "bus",
        ErrorCode::Overrun => "overrun",
        ErrorCode::Timeout => "timeout",
        ErrorCode::NotFound => "not-found",
        ErrorCode::NotPermitted => "not-permitted",
        ErrorCode::InvalidArgument => "invalid-argument",
        ErrorCode::LimitReached => "limit-reached",
        ErrorCode::Other => "other",
    }
}

impl PartialEq for ErrorCode {
    fn eq(&self, other: &ErrorCode) -> bool {
        error_name(self) == error_name(other)
    }
}

/// Opens the bus `name` (the spec's `open`).
///
/// Errors: the spec's error code, with the bus's name in the message:
/// `i2c open "sensor-bus": not-permitted`.
pub fn open(name: &str) -> Result<Bus, Error> {
    match spec::open(name) {
        Ok(bus) => Ok(Bus {
            bus,
            name: String::from(name),
        }),
        Err(e) => Err(Error::on_name("i2c open \"", name, e)),
    }
}

/// An open I2C bus: the spec's `bus` and the name it was opened by.
///
/// Its calls are the spec's, with the spec's semantics; their errors name
/// the call, the address and the bus.
pub struct Bus {
    bus: spec::Bus,
    name: String,
}

impl Bus {
    /// The name the bus was opened by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The spec's resource, whose calls answer the spec's bare error code.
    pub fn spec(&self) -> &spec::Bus {
        &self.bus
    }

    /// The bus's clock frequency, in hertz.
    pub fn frequency_hz(&self) -> u32 {
        self.bus.frequency_hz()
    }

    /// The largest number of bytes one operation may read or write (at
    /// least 32).
    pub fn max_transfer_length(&self) -> u32 {
        self.bus.max_transfer_length()
    }

    /// Reads `length` bytes from `address` (the spec's `read`).
    ///
    /// Errors: the spec's, as `i2c read 0x76 on "sensor-bus": ...`.
    pub fn read(&self, address: Address, length: u32) -> Result<Vec<u8>, Error> {
        self.bus
            .read(address, length)
            .map_err(|e| self.error("i2c read", address, e))
    }

    /// Writes `data` to `address` (the spec's `write`); no bytes probe the
    /// address.
    ///
    /// Errors: the spec's, as `i2c write 0x76 on "sensor-bus": ...`.
    pub fn write(&self, address: Address, data: &[u8]) -> Result<(), Error> {
        self.bus
            .write(address, data)
            .map_err(|e| self.error("i2c write", address, e))
    }

    /// Writes `data`, then reads `length` bytes, with a repeated start in
    /// between (the spec's `write-read`).
    ///
    /// Errors: the spec's, as `i2c write-read 0x76 on "sensor-bus": ...`.
    pub fn write_read(&self, address: Address, data: &[u8], length: u32) -> Result<Vec<u8>, Error> {
        self.bus
            .write_read(address, data, length)
            .map_err(|e| self.error("i2c write-read", address, e))
    }

    /// The operations in one transfer (the spec's `transaction`): one list
    /// per read, in order.
    ///
    /// Errors: the spec's, as `i2c transaction 0x76 on "sensor-bus": ...`.
    pub fn transaction(
        &self,
        address: Address,
        operations: &[Operation<'_>],
    ) -> Result<Vec<Vec<u8>>, Error> {
        self.bus
            .transaction(address, operations)
            .map_err(|e| self.error("i2c transaction", address, e))
    }

    /// Frees a stuck bus (the spec's `recover`).
    ///
    /// Errors: the spec's, as `i2c recover "sensor-bus": ...`.
    pub fn recover(&self) -> Result<(), Error> {
        self.bus
            .recover()
            .map_err(|e| Error::on_name("i2c recover \"", &self.name, e))
    }

    /// `e`, from `call` at `address` on this bus.
    pub(crate) fn error(&self, call: &'static str, address: Address, e: ErrorCode) -> Error {
        transfer_error(call, address, &self.name, e)
    }
}

/// `e`, from the transfer `call` at `address` on the bus `bus`:
/// `i2c write 0x76 on "sensor-bus": no-acknowledge(address)`.
pub(crate) fn transfer_error(
    call: &'static str,
    address: Address,
    bus: &str,
    e: ErrorCode,
) -> Error {
    let mut hex = [0u8; 6];
    let (digits, ten_bit) = match address {
        Address::SevenBit(a) => (hex_digits(a.into(), 2, &mut hex), ""),
        Address::TenBit(a) => (hex_digits(a, 3, &mut hex), " (10-bit)"),
    };
    Error::spec(e, call, concat(&[" ", digits, ten_bit, " on \"", bus]))
}

/// `value` as `0x` and at least `width` lowercase hex digits (as many as
/// it needs), written into `buf`: `0x76`, `0x2a5`, `0x050`.
fn hex_digits(value: u16, width: usize, buf: &mut [u8; 6]) -> &str {
    let needed = match value {
        0x1000.. => 4,
        0x100.. => 3,
        0x10.. => 2,
        _ => 1,
    };
    let width = width.max(needed);
    buf[0] = b'0';
    buf[1] = b'x';
    for i in 0..width {
        let nibble = (value >> (4 * (width - 1 - i))) & 0xf;
        buf[2 + i] = b"0123456789abcdef"[nibble as usize];
    }
    // SAFETY: only ASCII was written to the first `2 + width` bytes.
    unsafe { core::str::from_utf8_unchecked(&buf[..2 + width]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_transfer_names_the_call_the_address_and_the_bus() {
        let cases = [
            (
                transfer_error(
                    "i2c write",
                    Address::SevenBit(0x76),
                    "sensor-bus",
                    ErrorCode::NoAcknowledge(NoAcknowledgeSource::Address),
                ),
                "i2c write 0x76 on \"sensor-bus\": no-acknowledge(address)",
            ),
            (
                transfer_error("i2c read", Address::SevenBit(0x05), "b", ErrorCode::Timeout),
                "i2c read 0x05 on \"b\": timeout",
            ),
            (
                transfer_error(
                    "i2c write-read",
                    Address::TenBit(0x2a5),
                    "sensor-bus",
                    ErrorCode::NotPermitted,
                ),
                "i2c write-read 0x2a5 (10-bit) on \"sensor-bus\": not-permitted",
            ),
            (
                transfer_error(
                    "i2c transaction",
                    Address::TenBit(0x50),
                    "storage-bus",
                    ErrorCode::Bus,
                ),
                "i2c transaction 0x050 (10-bit) on \"storage-bus\": bus",
            ),
            // Out of range: the host answers invalid-argument, the message
            // still shows the address the app sent.
            (
                transfer_error(
                    "i2c read",
                    Address::SevenBit(0xff),
                    "b",
                    ErrorCode::InvalidArgument,
                ),
                "i2c read 0xff on \"b\": invalid-argument",
            ),
            (
                transfer_error(
                    "i2c read",
                    Address::TenBit(0xffff),
                    "b",
                    ErrorCode::InvalidArgument,
                ),
                "i2c read 0xffff (10-bit) on \"b\": invalid-argument",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.into_message(), message);
        }
    }
}
