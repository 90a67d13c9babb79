//! An I2C bus of the board model (`wasi_hw_board::board::i2c::Bus`: the
//! wire protocol and its device models, such as the 24C02 EEPROM) as an
//! embedded-hal 1.0 `I2c`, on virtual time: the part a real HAL's I2C
//! controller would be, so that `wasi_hw_shim::hal::Board` serves it as it
//! would serve a real bus.
//!
//! Each `transaction` is one transfer of the model (START, the operations
//! with a REPEATED START where the direction changes, STOP), and virtual
//! time advances by what its bits take at the bus's frequency: the timing
//! of the reference host, which runs the same model.

use alloc::vec::Vec;

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::{self as hal, ErrorKind, NoAcknowledgeSource, Operation, SevenBitAddress};
use wasi_hw_board::board::i2c::{Address, Bus, BusError, NackSource, Op};
use wasi_hw_shim::hal::VirtualTime;

/// `bus` driven as a controller would, on `time`.
pub struct ModelBus {
    pub bus: Bus,
    pub time: VirtualTime,
}

/// A bus error, as embedded-hal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(ErrorKind);

impl hal::Error for Error {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl hal::ErrorType for ModelBus {
    type Error = Error;
}

impl hal::I2c<SevenBitAddress> for ModelBus {
    fn transaction(
        &mut self,
        address: SevenBitAddress,
        operations: &mut [Operation<'_>],
    ) -> Result<(), Error> {
        // Adjacent operations of one direction are one on the wire
        // (embedded-hal's contract): writes joined, reads split after.
        let mut written: Vec<u8> = Vec::new();
        let mut shape: Vec<(bool, usize)> = Vec::new();
        for op in operations.iter() {
            let (read, len) = match op {
                Operation::Read(buf) => (true, buf.len()),
                Operation::Write(bytes) => {
                    written.extend_from_slice(bytes);
                    (false, bytes.len())
                }
            };
            match shape.last_mut() {
                Some((last, n)) if *last == read => *n += len,
                _ => shape.push((read, len)),
            }
        }
        let mut from = 0;
        let mut ops: Vec<Op<'_>> = Vec::with_capacity(shape.len());
        for &(read, n) in &shape {
            ops.push(if read {
                Op::Read(u32::try_from(n).map_err(|_| Error(ErrorKind::Overrun))?)
            } else {
                from += n;
                Op::Write(&written[from - n..from])
            });
        }
        let now = self.time.nanos();
        let (result, _, end) = self.bus.transfer(now, Address::Seven(address), &ops, false);
        let mut left = end.saturating_sub(now);
        while left > 0 {
            let step = left.min(u64::from(u32::MAX));
            self.time.delay_ns(step as u32);
            left -= step;
        }
        let reads = result.map_err(|e| Error(kind(e)))?;
        let mut bytes = reads.iter().flatten();
        for op in operations.iter_mut() {
            if let Operation::Read(buf) = op {
                for (slot, byte) in buf.iter_mut().zip(&mut bytes) {
                    *slot = *byte;
                }
            }
        }
        Ok(())
    }
}

/// embedded-hal's kind of a bus error of the model.
fn kind(e: BusError) -> ErrorKind {
    match e {
        BusError::NoAcknowledge(source) => ErrorKind::NoAcknowledge(match source {
            NackSource::Address => NoAcknowledgeSource::Address,
            NackSource::Data => NoAcknowledgeSource::Data,
            NackSource::Unknown => NoAcknowledgeSource::Unknown,
        }),
        BusError::ArbitrationLoss => ErrorKind::ArbitrationLoss,
        BusError::Bus => ErrorKind::Bus,
        BusError::Overrun => ErrorKind::Overrun,
        BusError::Timeout => ErrorKind::Other,
    }
}
