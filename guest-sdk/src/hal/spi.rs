//! `embedded_hal::spi::SpiDevice` over the spec's `spi` interface.
//!
//! embedded-hal's transaction and the spec's agree on the wire: the chip
//! select asserted around all the operations, one after the other. The
//! adapter maps each operation to the spec's and makes one call:
//!
//! - an operation longer than the device's `max-transfer-length` becomes
//!   several operations of the transaction, one after the other (the same
//!   words on the wire): drivers read a flash page or more at once;
//! - `Transfer(read, write)` of unequal lengths is the spec's equal-length
//!   `transfer` of the longer length, `write` padded with 0x00 (what
//!   embedded-hal lets an implementation send) and what comes in past
//!   `read`'s end discarded;
//! - empty reads and transfers clock nothing and are left out (the spec
//!   refuses them);
//! - one operation alone is the spec's `read`, `write`, `transfer` or
//!   `transfer-in-place`; anything else is one `transaction`.

use alloc::vec::Vec;

use embedded_hal::spi::{ErrorKind, Operation as EhOperation};

use crate::spi::{Device, ErrorCode, Operation};

/// The calls of the spec's `spi.device` that the adapter uses, with the
/// spec's semantics. [`Device`] implements it by calling the imports.
pub trait Exchange {
    /// `device.max-transfer-length`.
    fn max_transfer_length(&self) -> u32;
    /// `device.read`.
    fn read(&self, length: u32) -> Result<Vec<u8>, ErrorCode>;
    /// `device.write`.
    fn write(&self, data: &[u8]) -> Result<(), ErrorCode>;
    /// `device.transfer`.
    fn transfer(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode>;
    /// `device.transfer-in-place`.
    fn transfer_in_place(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode>;
    /// `device.transaction`.
    fn transaction(&self, operations: &[Operation<'_>]) -> Result<Vec<Vec<u8>>, ErrorCode>;
    /// Called after each spec call the adapter made: `call` is its name up
    /// to the device's (`"spi transfer on \""`), `failed` its error if it
    /// failed. [`Device`] remembers the error for [`crate::Context`]; by
    /// default nothing happens.
    fn finished(&self, call: &'static str, failed: Option<ErrorCode>) {
        let _ = (call, failed);
    }
}

/// The SDK's device calls the spec's, and remembers the error of a failed
/// call with its device for [`crate::Context`].
impl Exchange for Device {
    fn max_transfer_length(&self) -> u32 {
        self.spec().max_transfer_length()
    }
    fn read(&self, length: u32) -> Result<Vec<u8>, ErrorCode> {
        self.spec().read(length)
    }
    fn write(&self, data: &[u8]) -> Result<(), ErrorCode> {
        self.spec().write(data)
    }
    fn transfer(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode> {
        self.spec().transfer(data)
    }
    fn transfer_in_place(&self, data: &[u8]) -> Result<Vec<u8>, ErrorCode> {
        self.spec().transfer_in_place(data)
    }
    fn transaction(&self, operations: &[Operation<'_>]) -> Result<Vec<Vec<u8>>, ErrorCode> {
        self.spec().transaction(operations)
    }
    #[inline(never)]
    fn finished(&self, call: &'static str, failed: Option<ErrorCode>) {
        match failed {
            None => crate::context::bus_call_succeeded(),
            Some(e) => crate::context::bus_call_failed(self.error(call, e)),
        }
    }
}

impl embedded_hal::spi::Error for ErrorCode {
    fn kind(&self) -> ErrorKind {
        match self {
            ErrorCode::Overrun => ErrorKind::Overrun,
            ErrorCode::ModeFault => ErrorKind::ModeFault,
            ErrorCode::FrameFormat => ErrorKind::FrameFormat,
            ErrorCode::ChipSelectFault => ErrorKind::ChipSelectFault,
            ErrorCode::NotFound
            | ErrorCode::NotPermitted
            | ErrorCode::InvalidArgument
            | ErrorCode::LimitReached
            | ErrorCode::Other => ErrorKind::Other,
        }
    }
}

/// Implements embedded-hal's `SpiDevice` (8-bit words) for a type that
/// implements [`Exchange`].
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_embedded_hal_spi {
    ($device:ty) => {
        impl embedded_hal::spi::ErrorType for $device {
            type Error = $crate::spi::ErrorCode;
        }
        impl embedded_hal::spi::SpiDevice<u8> for $device {
            fn transaction(
                &mut self,
                operations: &mut [embedded_hal::spi::Operation<'_, u8>],
            ) -> Result<(), $crate::spi::ErrorCode> {
                $crate::hal::spi::transaction(self, operations)
            }
        }
    };
}

crate::__impl_embedded_hal_spi!(Device);

/// The spec's minimum `max-transfer-length`: operations no longer than it,
/// no more of them, need not ask the host.
const SPEC_MIN_TRANSFER: usize = 32;

/// The words an operation exchanges on the wire.
fn words(op: &EhOperation<'_, u8>) -> usize {
    match op {
        EhOperation::Read(buf) | EhOperation::TransferInPlace(buf) => buf.len(),
        EhOperation::Write(data) => data.len(),
        EhOperation::Transfer(read, write) => read.len().max(write.len()),
        EhOperation::DelayNs(_) => 0,
    }
}

/// embedded-hal's `transaction` on the spec, in one spec call (see the
/// [module](self)).
pub fn transaction<T: Exchange>(
    device: &T,
    operations: &mut [EhOperation<'_, u8>],
) -> Result<(), ErrorCode> {
    let max = if operations.len() > SPEC_MIN_TRANSFER
        || operations.iter().any(|op| words(op) > SPEC_MIN_TRANSFER)
    {
        (device.max_transfer_length() as usize).max(1)
    } else {
        SPEC_MIN_TRANSFER
    };
    // A transfer's bytes padded to its read's length, where it is longer.
    let padded: Vec<Vec<u8>> = operations
        .iter()
        .filter_map(|op| match op {
            EhOperation::Transfer(read, write) if read.len() > write.len() => {
                let mut data = write.to_vec();
                data.resize(read.len(), 0);
                Some(data)
            }
            _ => None,
        })
        .collect();
    let mut padded_iter = padded.iter();
    let mut spec_ops: Vec<Operation<'_>> = Vec::new();
    // For each spec operation that reads: the embedded-hal operation it
    // belongs to and its words.
    let mut reads: Vec<(usize, usize)> = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        let exchanged: &[u8] = match op {
            EhOperation::Read(buf) => {
                let mut left = buf.len();
                while left > 0 {
                    let n = left.min(max);
                    spec_ops.push(Operation::Read(n as u32));
                    reads.push((i, n));
                    left -= n;
                }
                continue;
            }
            EhOperation::Write(data) => {
                if data.is_empty() {
                    spec_ops.push(Operation::Write(&[]));
                }
                spec_ops.extend(data.chunks(max).map(Operation::Write));
                continue;
            }
            EhOperation::DelayNs(ns) => {
                spec_ops.push(Operation::DelayNs(*ns));
                continue;
            }
            EhOperation::Transfer(read, write) if read.len() > write.len() => {
                padded_iter.next().map(Vec::as_slice).unwrap_or_default()
            }
            EhOperation::Transfer(_, write) => write,
            EhOperation::TransferInPlace(buf) => buf,
        };
        for chunk in exchanged.chunks(max) {
            spec_ops.push(Operation::Transfer(chunk));
            reads.push((i, chunk.len()));
        }
    }
    if spec_ops.len() > max {
        return Err(ErrorCode::InvalidArgument);
    }

    let one = |r: Result<Vec<u8>, ErrorCode>| r.map(|data| alloc::vec![data]);
    let (call, results) = match (&*operations, spec_ops.as_slice()) {
        ([EhOperation::Read(_)], [Operation::Read(n)]) => ("spi read on \"", one(device.read(*n))),
        ([EhOperation::Write(_)], [Operation::Write(data)]) => {
            ("spi write on \"", device.write(data).map(|()| Vec::new()))
        }
        ([EhOperation::Transfer(..)], [Operation::Transfer(data)]) => {
            ("spi transfer on \"", one(device.transfer(data)))
        }
        ([EhOperation::TransferInPlace(_)], [Operation::Transfer(data)]) => (
            "spi transfer-in-place on \"",
            one(device.transfer_in_place(data)),
        ),
        (_, ops) => ("spi transaction on \"", device.transaction(ops)),
    };
    device.finished(call, results.as_ref().err().copied());
    let results = results?;
    drop(spec_ops);
    drop(padded);

    // Hand each read's words to its operation's buffer, in order.
    if results.len() != reads.len() {
        // The host broke the spec (one result per read and transfer).
        return Err(ErrorCode::Other);
    }
    let mut at = 0;
    let mut previous = usize::MAX;
    for (&(i, n), data) in reads.iter().zip(&results) {
        if data.len() != n {
            return Err(ErrorCode::Other);
        }
        if i != previous {
            (previous, at) = (i, 0);
        }
        let buf: &mut [u8] = match &mut operations[i] {
            EhOperation::Read(buf) | EhOperation::TransferInPlace(buf) => buf,
            EhOperation::Transfer(read, _) => read,
            EhOperation::Write(_) | EhOperation::DelayNs(_) => &mut [],
        };
        // A transfer's words past its read buffer are discarded.
        let end = (at + n).min(buf.len());
        if at < end {
            buf[at..end].copy_from_slice(&data[..end - at]);
        }
        at += n;
    }
    Ok(())
}
