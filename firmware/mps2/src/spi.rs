//! An SPI device of the board model (`wasi_hw_board::board::spi::SpiDevice`:
//! a part behind its chip select, such as the W25Q32JV NOR flash) as an
//! embedded-hal 1.0 `SpiDevice`, on virtual time: what a real HAL's SPI
//! controller and chip-select pin would be, so that
//! `wasi_hw_shim::hal::Board` serves it as it would serve real hardware.
//!
//! Each `transaction` is one transaction of the model (the chip select
//! asserted around its operations), and virtual time advances by what its
//! words and delays take at the device's frequency: the timing of the
//! reference host, which runs the same model.

use alloc::vec::Vec;

use embedded_hal::delay::DelayNs;
use embedded_hal::spi::{self as hal, ErrorKind, Operation};
use wasi_hw_board::board::spi::{Op, SpiDevice, WireError};
use wasi_hw_shim::hal::VirtualTime;

/// `device` driven as a controller would, on `time`.
pub struct ModelDevice {
    pub device: SpiDevice,
    pub time: VirtualTime,
}

/// A wire error, as embedded-hal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(ErrorKind);

impl hal::Error for Error {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl hal::ErrorType for ModelDevice {
    type Error = Error;
}

impl hal::SpiDevice<u8> for ModelDevice {
    fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), Error> {
        // A transfer whose read is the longer sends 0x00 past its write's
        // end (embedded-hal leaves that word to the implementation).
        let padded: Vec<Vec<u8>> = operations
            .iter()
            .filter_map(|op| match op {
                Operation::Transfer(read, write) if read.len() > write.len() => {
                    let mut out = write.to_vec();
                    out.resize(read.len(), 0);
                    Some(out)
                }
                _ => None,
            })
            .collect();
        let mut padded_iter = padded.iter();
        let mut ops: Vec<Op<'_>> = Vec::with_capacity(operations.len());
        for op in operations.iter() {
            ops.push(match op {
                Operation::Read(buf) => {
                    Op::Read(u32::try_from(buf.len()).map_err(|_| Error(ErrorKind::Overrun))?)
                }
                Operation::Write(bytes) => Op::Write(bytes),
                Operation::Transfer(read, write) if read.len() > write.len() => {
                    Op::Transfer(padded_iter.next().map(Vec::as_slice).unwrap_or_default())
                }
                Operation::Transfer(_, write) => Op::Transfer(write),
                Operation::TransferInPlace(buf) => Op::Transfer(buf),
                Operation::DelayNs(ns) => Op::DelayNs(*ns),
            });
        }
        let now = self.time.nanos();
        let (result, _, end) = self.device.transaction(now, &ops, false);
        drop(ops);
        let mut left = end.saturating_sub(now);
        while left > 0 {
            let step = left.min(u64::from(u32::MAX));
            self.time.delay_ns(step as u32);
            left -= step;
        }
        let reads = result.map_err(|e| Error(kind(e)))?;
        // One result a read and a transfer, in order; what came in past a
        // transfer's read buffer is dropped.
        let mut reads = reads.iter();
        for op in operations.iter_mut() {
            let buf: &mut [u8] = match op {
                Operation::Read(buf) | Operation::TransferInPlace(buf) => buf,
                Operation::Transfer(read, _) => read,
                Operation::Write(_) | Operation::DelayNs(_) => continue,
            };
            let data = reads.next().ok_or(Error(ErrorKind::Other))?;
            for (slot, byte) in buf.iter_mut().zip(data) {
                *slot = *byte;
            }
        }
        Ok(())
    }
}

/// embedded-hal's kind of a wire error of the model.
fn kind(e: WireError) -> ErrorKind {
    match e {
        WireError::Overrun => ErrorKind::Overrun,
        WireError::ModeFault => ErrorKind::ModeFault,
        WireError::FrameFormat => ErrorKind::FrameFormat,
        WireError::ChipSelectFault => ErrorKind::ChipSelectFault,
        WireError::Other => ErrorKind::Other,
    }
}
