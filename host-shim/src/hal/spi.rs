//! SPI devices: `spi` over embedded-hal's `spi::SpiDevice`.
//!
//! The firmware's `SpiDevice` owns the chip select and the bus's
//! configuration (embedded-hal's `SpiDevice` contract); the adapter checks
//! the spec's limits, maps each call to one `transaction` of the device, and
//! the device's errors to the spec's.

use alloc::boxed::Box;
use alloc::vec::Vec;

use embedded_hal::delay::DelayNs;
use embedded_hal::spi::{self as hal, ErrorKind};

use super::{Board, Clock};
use crate::app::spi::{Config, DeviceInfo, ErrorCode, Operation};
use crate::runtime::{Error, List};

/// One [`embedded_hal::spi::SpiDevice`] with its error made a kind: what
/// [`SpiDevice`] holds.
trait Transact {
    fn transaction(&mut self, operations: &mut [hal::Operation<'_, u8>]) -> Result<(), ErrorKind>;
}

impl<T: hal::SpiDevice<u8>> Transact for T {
    fn transaction(&mut self, operations: &mut [hal::Operation<'_, u8>]) -> Result<(), ErrorKind> {
        hal::SpiDevice::transaction(self, operations).map_err(|e| hal::Error::kind(&e))
    }
}

/// A device that apps may open: its name, how its bus is driven (as the
/// firmware set it up: the adapter reports it, it does not change it), and
/// the firmware's `SpiDevice`.
pub struct SpiDevice<'a> {
    name: &'a str,
    config: Config,
    max_transfer: u32,
    device: Box<dyn Transact + 'a>,
}

impl<'a> SpiDevice<'a> {
    /// The device called `name`, on a bus that the firmware drives as
    /// `config` says, behind `device`. Operations are at most 255 bytes;
    /// see [`max_transfer`](SpiDevice::max_transfer).
    pub fn new(name: &'a str, config: Config, device: impl hal::SpiDevice<u8> + 'a) -> Self {
        SpiDevice {
            name,
            config,
            max_transfer: 255,
            device: Box::new(device),
        }
    }

    /// The longest operation, and the most operations of a transaction (at
    /// least 32, as the spec requires).
    pub fn max_transfer(mut self, bytes: u32) -> Self {
        self.max_transfer = bytes.max(32);
        self
    }

    /// Whether a read or transfer of `length` words is in range.
    fn length_ok(&self, length: usize) -> bool {
        length >= 1 && length <= self.max_transfer as usize
    }

    fn operation_ok(&self, operation: &Operation<'_>) -> bool {
        match operation {
            Operation::Read(length) => self.length_ok(*length as usize),
            Operation::Write(data) => data.len() <= self.max_transfer as usize,
            Operation::Transfer(data) => self.length_ok(data.len()),
            Operation::DelayNs(_) => true,
        }
    }
}

/// The spec's error for a HAL's.
fn code(kind: ErrorKind) -> ErrorCode {
    match kind {
        ErrorKind::Overrun => ErrorCode::Overrun,
        ErrorKind::ModeFault => ErrorCode::ModeFault,
        ErrorKind::FrameFormat => ErrorCode::FrameFormat,
        ErrorKind::ChipSelectFault => ErrorCode::ChipSelectFault,
        _ => ErrorCode::Other,
    }
}

impl<C: Clock, D: DelayNs> Board<'_, C, D> {
    /// `data` sent and as many bytes read at once, in a buffer of the
    /// arena: `transfer` and `transfer-in-place`, which differ only in the
    /// embedded-hal operation the device is given.
    fn spi_exchange(
        &mut self,
        device: usize,
        data: &[u8],
        in_place: bool,
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        let device = &mut self.spi_devices[device];
        if !device.length_ok(data.len()) {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        self.arena.reset();
        let buffer = self.arena.alloc_slice_copy(data);
        let operation = if in_place {
            hal::Operation::TransferInPlace(buffer)
        } else {
            hal::Operation::Transfer(buffer, data)
        };
        let done = device.device.transaction(&mut [operation]);
        Ok(done.map(|()| &*buffer).map_err(code))
    }
}

impl<C: Clock, D: DelayNs> crate::app::spi::Spi for Board<'_, C, D> {
    type Device = usize;

    fn list_devices(&mut self) -> Result<&[DeviceInfo<'_>], Error> {
        self.arena.reset();
        Ok(self
            .arena
            .alloc_slice_fill_iter(self.spi_devices.iter().map(|device| DeviceInfo {
                name: device.name,
                config: device.config,
            })))
    }

    fn open(&mut self, name: &str) -> Result<Result<usize, ErrorCode>, Error> {
        Ok(self
            .spi_devices
            .iter()
            .position(|device| device.name == name)
            .ok_or(ErrorCode::NotFound))
    }

    fn device_config(&mut self, device: &mut usize) -> Result<Config, Error> {
        Ok(self.spi_devices[*device].config)
    }

    fn device_max_transfer_length(&mut self, device: &mut usize) -> Result<u32, Error> {
        Ok(self.spi_devices[*device].max_transfer)
    }

    fn device_read(
        &mut self,
        device: &mut usize,
        length: u32,
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        let device = &mut self.spi_devices[*device];
        if !device.length_ok(length as usize) {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        self.arena.reset();
        let buffer = self.arena.alloc_slice_fill_copy(length as usize, 0u8);
        let done = device
            .device
            .transaction(&mut [hal::Operation::Read(buffer)]);
        Ok(done.map(|()| &*buffer).map_err(code))
    }

    fn device_write(
        &mut self,
        device: &mut usize,
        data: &[u8],
    ) -> Result<Result<(), ErrorCode>, Error> {
        let device = &mut self.spi_devices[*device];
        if data.len() > device.max_transfer as usize {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        let done = device
            .device
            .transaction(&mut [hal::Operation::Write(data)]);
        Ok(done.map_err(code))
    }

    fn device_transfer(
        &mut self,
        device: &mut usize,
        data: &[u8],
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        self.spi_exchange(*device, data, false)
    }

    fn device_transfer_in_place(
        &mut self,
        device: &mut usize,
        data: &[u8],
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        self.spi_exchange(*device, data, true)
    }

    fn device_transaction(
        &mut self,
        device: &mut usize,
        operations: List<'_, Operation<'_>>,
    ) -> Result<Result<&[&[u8]], ErrorCode>, Error> {
        let device = &mut self.spi_devices[*device];
        // At most `max_transfer` operations (the spec), checked before
        // anything of the list is read.
        let fits = operations.len() <= device.max_transfer as usize
            && operations
                .into_iter()
                .all(|operation| device.operation_ok(&operation));
        if !fits {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        self.arena.reset();
        let arena = &self.arena;
        // One buffer a read or transfer, in order; a transfer's starts as
        // the bytes it sends.
        let mut reads: Vec<&mut [u8]> = operations
            .into_iter()
            .filter_map(|operation| match operation {
                Operation::Read(length) => Some(arena.alloc_slice_fill_copy(length as usize, 0u8)),
                Operation::Transfer(data) => Some(arena.alloc_slice_copy(data)),
                Operation::Write(_) | Operation::DelayNs(_) => None,
            })
            .collect();
        let mut buffers = reads.iter_mut();
        let mut hal_operations: Vec<hal::Operation<'_, u8>> = operations
            .into_iter()
            .filter_map(|operation| match operation {
                Operation::Read(_) => buffers.next().map(|b| hal::Operation::Read(b)),
                Operation::Transfer(_) => {
                    buffers.next().map(|b| hal::Operation::TransferInPlace(b))
                }
                Operation::Write(data) => Some(hal::Operation::Write(data)),
                Operation::DelayNs(ns) => Some(hal::Operation::DelayNs(ns)),
            })
            .collect();
        let done = device.device.transaction(&mut hal_operations);
        drop(hal_operations);
        if let Err(kind) = done {
            return Ok(Err(code(kind)));
        }
        let reads: Vec<&[u8]> = reads.into_iter().map(|read| &*read).collect();
        Ok(Ok(arena.alloc_slice_copy(&reads)))
    }
}
