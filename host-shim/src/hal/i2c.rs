//! Buses: `i2c` over embedded-hal's `i2c::I2c`.

use alloc::boxed::Box;
use alloc::vec::Vec;

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::{self as hal, ErrorKind, NoAcknowledgeSource as HalNack};

use super::{Board, Clock};
use crate::app::i2c::{Address, BusInfo, ErrorCode, NoAcknowledgeSource, Operation};
use crate::runtime::{Error, List};

/// A bus controller as the adapter drives it. Implemented by
/// [`SevenBit`] and [`TenBit`] over embedded-hal buses, or by the firmware.
pub trait Controller {
    /// Whether it can address 10-bit targets.
    fn ten_bit(&self) -> bool;
    /// Runs `operations` on `address` as one transfer, as
    /// [`embedded_hal::i2c::I2c::transaction`] does. A 10-bit address is
    /// only passed when [`ten_bit`](Controller::ten_bit) is true.
    fn transaction(
        &mut self,
        address: Address,
        operations: &mut [hal::Operation<'_>],
    ) -> Result<(), ErrorKind>;
    /// Frees a bus that a target holds low (nine clocks, then STOP).
    /// The default does nothing and succeeds, for controllers that recover
    /// by themselves.
    fn recover(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A bus of 7-bit addresses ([`embedded_hal::i2c::I2c`]).
pub struct SevenBit<T>(pub T);

/// A bus of 7-bit and 10-bit addresses.
pub struct TenBit<T>(pub T);

impl<T: hal::I2c<hal::SevenBitAddress>> Controller for SevenBit<T> {
    fn ten_bit(&self) -> bool {
        false
    }
    fn transaction(
        &mut self,
        address: Address,
        operations: &mut [hal::Operation<'_>],
    ) -> Result<(), ErrorKind> {
        match address {
            Address::SevenBit(a) => self
                .0
                .transaction(a, operations)
                .map_err(|e| hal::Error::kind(&e)),
            Address::TenBit(_) => Err(ErrorKind::Other),
        }
    }
}

impl<T: hal::I2c<hal::SevenBitAddress> + hal::I2c<hal::TenBitAddress>> Controller for TenBit<T> {
    fn ten_bit(&self) -> bool {
        true
    }
    fn transaction(
        &mut self,
        address: Address,
        operations: &mut [hal::Operation<'_>],
    ) -> Result<(), ErrorKind> {
        match address {
            Address::SevenBit(a) => {
                hal::I2c::<hal::SevenBitAddress>::transaction(&mut self.0, a, operations)
            }
            Address::TenBit(a) => {
                hal::I2c::<hal::TenBitAddress>::transaction(&mut self.0, a, operations)
            }
        }
        .map_err(|e| hal::Error::kind(&e))
    }
}

/// A bus that apps may open: its name, clock, the addresses apps may use,
/// and its controller.
pub struct Bus<'a> {
    name: &'a str,
    frequency_hz: u32,
    max_transfer: u32,
    allowed: &'a [Address],
    controller: Box<dyn Controller + 'a>,
}

impl<'a> Bus<'a> {
    /// The bus called `name`, clocked at `frequency_hz`, on which apps may
    /// address `allowed` (in ascending order, as `list-buses` reports
    /// them). Transfers are at most 255 bytes; see
    /// [`max_transfer`](Bus::max_transfer).
    pub fn new(
        name: &'a str,
        frequency_hz: u32,
        allowed: &'a [Address],
        controller: impl Controller + 'a,
    ) -> Self {
        Bus {
            name,
            frequency_hz,
            max_transfer: 255,
            allowed,
            controller: Box::new(controller),
        }
    }

    /// The largest transfer an operation may ask for (at least 32, as the
    /// spec requires).
    pub fn max_transfer(mut self, bytes: u32) -> Self {
        self.max_transfer = bytes.max(32);
        self
    }

    /// Why `address` may not be used, if it may not.
    fn refuse(&self, address: Address) -> Option<ErrorCode> {
        let in_range = match address {
            Address::SevenBit(a) => a <= 0x7f,
            Address::TenBit(a) => a <= 0x3ff,
        };
        if !in_range {
            Some(ErrorCode::InvalidArgument)
        } else if !self.allowed.contains(&address) {
            Some(ErrorCode::NotPermitted)
        } else if matches!(address, Address::TenBit(_)) && !self.controller.ten_bit() {
            Some(ErrorCode::Other)
        } else {
            None
        }
    }

    fn length_ok(&self, length: u32) -> bool {
        (1..=self.max_transfer).contains(&length)
    }
}

/// The spec's error for a HAL's.
fn code(kind: ErrorKind) -> ErrorCode {
    match kind {
        ErrorKind::Bus => ErrorCode::Bus,
        ErrorKind::ArbitrationLoss => ErrorCode::ArbitrationLoss,
        ErrorKind::NoAcknowledge(source) => ErrorCode::NoAcknowledge(match source {
            HalNack::Address => NoAcknowledgeSource::Address,
            HalNack::Data => NoAcknowledgeSource::Data,
            HalNack::Unknown => NoAcknowledgeSource::Unknown,
        }),
        ErrorKind::Overrun => ErrorCode::Overrun,
        _ => ErrorCode::Other,
    }
}

impl<C: Clock, D: DelayNs> crate::app::i2c::I2c for Board<'_, C, D> {
    type Bus = usize;

    fn list_buses(&mut self) -> Result<&[BusInfo<'_>], Error> {
        self.arena.reset();
        Ok(self
            .arena
            .alloc_slice_fill_iter(self.buses.iter().map(|bus| BusInfo {
                name: bus.name,
                frequency_hz: bus.frequency_hz,
                allowed: bus.allowed,
            })))
    }

    fn open(&mut self, name: &str) -> Result<Result<usize, ErrorCode>, Error> {
        Ok(self
            .buses
            .iter()
            .position(|bus| bus.name == name)
            .ok_or(ErrorCode::NotFound))
    }

    fn bus_frequency_hz(&mut self, bus: &mut usize) -> Result<u32, Error> {
        Ok(self.buses[*bus].frequency_hz)
    }

    fn bus_max_transfer_length(&mut self, bus: &mut usize) -> Result<u32, Error> {
        Ok(self.buses[*bus].max_transfer)
    }

    fn bus_read(
        &mut self,
        bus: &mut usize,
        address: Address,
        length: u32,
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        let bus = &mut self.buses[*bus];
        if let Some(refused) = bus.refuse(address) {
            return Ok(Err(refused));
        }
        if !bus.length_ok(length) {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        self.arena.reset();
        let buffer = self.arena.alloc_slice_fill_copy(length as usize, 0u8);
        Ok(bus
            .controller
            .transaction(address, &mut [hal::Operation::Read(buffer)])
            .map(|()| &*buffer)
            .map_err(code))
    }

    fn bus_write(
        &mut self,
        bus: &mut usize,
        address: Address,
        data: &[u8],
    ) -> Result<Result<(), ErrorCode>, Error> {
        let bus = &mut self.buses[*bus];
        if let Some(refused) = bus.refuse(address) {
            return Ok(Err(refused));
        }
        if data.len() > bus.max_transfer as usize {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        Ok(bus
            .controller
            .transaction(address, &mut [hal::Operation::Write(data)])
            .map_err(code))
    }

    fn bus_write_read(
        &mut self,
        bus: &mut usize,
        address: Address,
        data: &[u8],
        length: u32,
    ) -> Result<Result<&[u8], ErrorCode>, Error> {
        let bus = &mut self.buses[*bus];
        if let Some(refused) = bus.refuse(address) {
            return Ok(Err(refused));
        }
        if data.len() > bus.max_transfer as usize || !bus.length_ok(length) {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        self.arena.reset();
        let buffer = self.arena.alloc_slice_fill_copy(length as usize, 0u8);
        let done = bus.controller.transaction(
            address,
            &mut [
                hal::Operation::Write(data),
                hal::Operation::Read(&mut *buffer),
            ],
        );
        Ok(done.map(|()| &*buffer).map_err(code))
    }

    fn bus_transaction(
        &mut self,
        bus: &mut usize,
        address: Address,
        operations: List<'_, Operation<'_>>,
    ) -> Result<Result<&[&[u8]], ErrorCode>, Error> {
        let bus = &mut self.buses[*bus];
        if let Some(refused) = bus.refuse(address) {
            return Ok(Err(refused));
        }
        // At most `max_transfer` operations (the spec), checked before
        // anything of the list is read.
        let fits = operations.len() <= bus.max_transfer as usize
            && operations.into_iter().all(|operation| match operation {
                Operation::Read(length) => bus.length_ok(length),
                Operation::Write(data) => data.len() <= bus.max_transfer as usize,
            });
        if !fits {
            return Ok(Err(ErrorCode::InvalidArgument));
        }
        if operations.is_empty() {
            return Ok(Ok(&[]));
        }
        self.arena.reset();
        let arena = &self.arena;
        let mut reads: Vec<&mut [u8]> = operations
            .into_iter()
            .filter_map(|operation| match operation {
                Operation::Read(length) => Some(arena.alloc_slice_fill_copy(length as usize, 0u8)),
                Operation::Write(_) => None,
            })
            .collect();
        let mut buffers = reads.iter_mut();
        let mut hal_operations: Vec<hal::Operation<'_>> = operations
            .into_iter()
            .filter_map(|operation| match operation {
                Operation::Read(_) => buffers.next().map(|buffer| hal::Operation::Read(buffer)),
                Operation::Write(data) => Some(hal::Operation::Write(data)),
            })
            .collect();
        let done = bus.controller.transaction(address, &mut hal_operations);
        drop(hal_operations);
        if let Err(kind) = done {
            return Ok(Err(code(kind)));
        }
        let reads: Vec<&[u8]> = reads.into_iter().map(|read| &*read).collect();
        Ok(Ok(arena.alloc_slice_copy(&reads)))
    }

    fn bus_recover(&mut self, bus: &mut usize) -> Result<Result<(), ErrorCode>, Error> {
        Ok(self.buses[*bus].controller.recover().map_err(code))
    }
}
