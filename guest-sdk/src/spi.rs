//! SPI devices: the `spi` interface of the spec. Each [`Device`] implements
//! embedded-hal's `spi::SpiDevice` (see [`crate::hal`]).
//!
//! [`open`] and [`Device`] are the SDK's: a device keeps its name, so that
//! an error says which call failed on which device:
//! `spi transfer on "flash": chip-select-fault` (see [`crate::Error`]). The
//! spec's own resource, whose calls answer the bare error code, is
//! [`Device::spec`].

pub use crate::bindings::wasi_hw::hal::spi::*;

use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;
use crate::bindings::wasi_hw::hal::spi as spec;

/// Opens the device `name` (the spec's `open`).
///
/// Errors: the spec's error code, with the device's name in the message:
/// `spi open "flash": not-permitted`.
pub fn open(name: &str) -> Result<Device, Error> {
    match spec::open(name) {
        Ok(device) => Ok(Device {
            device,
            name: String::from(name),
        }),
        Err(e) => Err(Error::on_name("spi open \"", name, e)),
    }
}

/// An open SPI device: the spec's `device` and the name it was opened by.
///
/// Its calls are the spec's, with the spec's semantics (each one
/// transaction, the chip select asserted around it); their errors name the
/// call and the device.
pub struct Device {
    device: spec::Device,
    name: String,
}

impl Device {
    /// The name the device was opened by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The spec's resource, whose calls answer the spec's bare error code.
    pub fn spec(&self) -> &spec::Device {
        &self.device
    }

    /// How the host drives the device's bus: mode, bit order, frequency.
    pub fn config(&self) -> Config {
        self.device.config()
    }

    /// The largest number of bytes one operation may read, write or
    /// transfer, and of operations one transaction may hold (at least 32).
    pub fn max_transfer_length(&self) -> u32 {
        self.device.max_transfer_length()
    }

    /// Reads `length` bytes, sending 0x00 (the spec's `read`).
    ///
    /// Errors: the spec's, as `spi read on "flash": ...`.
    pub fn read(&self, length: u32) -> Result<Vec<u8>, Error> {
        self.device
            .read(length)
            .map_err(|e| self.error("spi read on \"", e))
    }

    /// Writes `data`, discarding what comes back (the spec's `write`).
    ///
    /// Errors: the spec's, as `spi write on "flash": ...`.
    pub fn write(&self, data: &[u8]) -> Result<(), Error> {
        self.device
            .write(data)
            .map_err(|e| self.error("spi write on \"", e))
    }

    /// Writes `data` and reads as many bytes at once (the spec's
    /// `transfer`).
    ///
    /// Errors: the spec's, as `spi transfer on "flash": ...`.
    pub fn transfer(&self, data: &[u8]) -> Result<Vec<u8>, Error> {
        self.device
            .transfer(data)
            .map_err(|e| self.error("spi transfer on \"", e))
    }

    /// The operations in one transaction, the chip select held (the spec's
    /// `transaction`): one list per read and transfer, in order.
    ///
    /// Errors: the spec's, as `spi transaction on "flash": ...`.
    pub fn transaction(&self, operations: &[Operation<'_>]) -> Result<Vec<Vec<u8>>, Error> {
        self.device
            .transaction(operations)
            .map_err(|e| self.error("spi transaction on \"", e))
    }

    /// `e`, from `call` (up to the opening quote) on this device.
    pub(crate) fn error(&self, call: &'static str, e: ErrorCode) -> Error {
        Error::on_name(call, &self.name, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call_names_the_call_and_the_device() {
        let cases = [
            (
                Error::on_name("spi transfer on \"", "flash", ErrorCode::ChipSelectFault),
                "spi transfer on \"flash\": chip-select-fault",
            ),
            (
                Error::on_name("spi open \"", "display", ErrorCode::NotPermitted),
                "spi open \"display\": not-permitted",
            ),
            (Error::from(ErrorCode::Overrun), "spi: overrun"),
        ];
        for (error, message) in cases {
            assert_eq!(error.into_message(), message);
        }
    }
}
