//! `embedded_hal::i2c::I2c` over the spec's `i2c` interface.

use alloc::vec::Vec;

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource as EhSource, Operation as EhOperation};

use crate::i2c::{Address, Bus, ErrorCode, NoAcknowledgeSource, Operation};

/// The calls of the spec's `i2c.bus` that the adapter uses, with the spec's
/// semantics. [`Bus`] implements it by calling the imports.
pub trait Transfer {
    /// `bus.read`.
    fn read(&self, address: Address, length: u32) -> Result<Vec<u8>, ErrorCode>;
    /// `bus.write`.
    fn write(&self, address: Address, data: &[u8]) -> Result<(), ErrorCode>;
    /// `bus.write-read`.
    fn write_read(&self, address: Address, data: &[u8], length: u32) -> Result<Vec<u8>, ErrorCode>;
    /// `bus.transaction`.
    fn transaction(
        &self,
        address: Address,
        operations: &[Operation<'_>],
    ) -> Result<Vec<Vec<u8>>, ErrorCode>;
    /// Called after each spec call the adapter made: `call` is its name
    /// (`"i2c write-read"`), `failed` its error if it failed. [`Bus`]
    /// remembers the error for [`crate::Context`]; by default nothing
    /// happens.
    fn finished(&self, call: &'static str, address: Address, failed: Option<ErrorCode>) {
        let _ = (call, address, failed);
    }
}

/// The SDK's bus calls the spec's, and remembers the error of a failed call
/// with its address and bus for [`crate::Context`], which a driver's error
/// cannot carry.
impl Transfer for Bus {
    fn read(&self, address: Address, length: u32) -> Result<Vec<u8>, ErrorCode> {
        self.spec().read(address, length)
    }
    fn write(&self, address: Address, data: &[u8]) -> Result<(), ErrorCode> {
        self.spec().write(address, data)
    }
    fn write_read(&self, address: Address, data: &[u8], length: u32) -> Result<Vec<u8>, ErrorCode> {
        self.spec().write_read(address, data, length)
    }
    fn transaction(
        &self,
        address: Address,
        operations: &[Operation<'_>],
    ) -> Result<Vec<Vec<u8>>, ErrorCode> {
        self.spec().transaction(address, operations)
    }
    #[inline(never)]
    fn finished(&self, call: &'static str, address: Address, failed: Option<ErrorCode>) {
        match failed {
            None => crate::context::bus_call_succeeded(),
            Some(e) => crate::context::bus_call_failed(self.error(call, address, e)),
        }
    }
}

impl embedded_hal::i2c::Error for ErrorCode {
    fn kind(&self) -> ErrorKind {
        match self {
            ErrorCode::NoAcknowledge(source) => ErrorKind::NoAcknowledge(match source {
                NoAcknowledgeSource::Address => EhSource::Address,
                NoAcknowledgeSource::Data => EhSource::Data,
                NoAcknowledgeSource::Unknown => EhSource::Unknown,
            }),
            ErrorCode::ArbitrationLoss => ErrorKind::ArbitrationLoss,
            ErrorCode::Bus => ErrorKind::Bus,
            ErrorCode::Overrun => ErrorKind::Overrun,
            ErrorCode::Timeout
            | ErrorCode::NotFound
            | ErrorCode::NotPermitted
            | ErrorCode::InvalidArgument
            | ErrorCode::LimitReached
            | ErrorCode::Other => ErrorKind::Other,
        }
    }
}

/// Implements embedded-hal's `I2c` (7-bit and 10-bit) for a type that
/// implements [`Transfer`].
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_embedded_hal_i2c {
    ($bus:ty) => {
        impl embedded_hal::i2c::ErrorType for $bus {
            type Error = $crate::i2c::ErrorCode;
        }
        impl embedded_hal::i2c::I2c<embedded_hal::i2c::SevenBitAddress> for $bus {
            fn transaction(
                &mut self,
                address: u8,
                operations: &mut [embedded_hal::i2c::Operation<'_>],
            ) -> Result<(), $crate::i2c::ErrorCode> {
                $crate::hal::i2c::transaction(
                    self,
                    $crate::i2c::Address::SevenBit(address),
                    operations,
                )
            }
        }
        impl embedded_hal::i2c::I2c<embedded_hal::i2c::TenBitAddress> for $bus {
            fn transaction(
                &mut self,
                address: u16,
                operations: &mut [embedded_hal::i2c::Operation<'_>],
            ) -> Result<(), $crate::i2c::ErrorCode> {
                $crate::hal::i2c::transaction(
                    self,
                    $crate::i2c::Address::TenBit(address),
                    operations,
                )
            }
        }
    };
}

crate::__impl_embedded_hal_i2c!(Bus);

/// A run of adjacent embedded-hal operations of one kind.
enum Run {
    /// Operations `start..end` are writes.
    Write { start: usize, end: usize },
    /// Operations `start..end` are reads of `total` bytes together.
    Read {
        start: usize,
        end: usize,
        total: u32,
    },
}

/// embedded-hal's `transaction` on the spec: adjacent operations of one kind
/// are merged (embedded-hal sends them without a repeated start), and the
/// result is one spec call: `write`, `read`, `write-read` or `transaction`.
pub fn transaction<T: Transfer>(
    bus: &T,
    address: Address,
    operations: &mut [EhOperation<'_>],
) -> Result<(), ErrorCode> {
    let runs = runs(operations)?;
    // The bytes of each write run of more than one operation, concatenated.
    let merged: Vec<Vec<u8>> = runs
        .iter()
        .filter_map(|run| match *run {
            Run::Write { start, end } if end - start > 1 => Some(
                operations[start..end]
                    .iter()
                    .flat_map(|op| match op {
                        EhOperation::Write(bytes) => bytes.iter().copied(),
                        EhOperation::Read(_) => [].iter().copied(),
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    let mut merged_iter = merged.iter();
    let spec_ops: Vec<Operation<'_>> = runs
        .iter()
        .map(|run| match *run {
            Run::Write { start, end } if end - start > 1 => {
                Operation::Write(merged_iter.next().map(Vec::as_slice).unwrap_or_default())
            }
            Run::Write { start, .. } => match &operations[start] {
                EhOperation::Write(bytes) => Operation::Write(bytes),
                EhOperation::Read(_) => Operation::Write(&[]),
            },
            Run::Read { total, .. } => Operation::Read(total),
        })
        .collect();

    let (call, reads) = match spec_ops.as_slice() {
        [] => return Ok(()),
        [Operation::Write(data)] => ("i2c write", bus.write(address, data).map(|()| Vec::new())),
        [Operation::Read(n)] => ("i2c read", bus.read(address, *n).map(|r| alloc::vec![r])),
        [Operation::Write(data), Operation::Read(n)] => (
            "i2c write-read",
            bus.write_read(address, data, *n).map(|r| alloc::vec![r]),
        ),
        ops => ("i2c transaction", bus.transaction(address, ops)),
    };
    bus.finished(call, address, reads.as_ref().err().copied());
    let reads = reads?;
    drop(spec_ops);
    drop(merged);

    // Hand each read run's bytes out to its buffers, in order.
    let mut results = reads.into_iter();
    for run in &runs {
        let Run::Read { start, end, total } = *run else {
            continue;
        };
        let data = results.next().ok_or(ErrorCode::Other)?;
        if data.len() != total as usize {
            // The host broke the spec (one result of the asked length per read).
            return Err(ErrorCode::Other);
        }
        let mut at = 0;
        for op in &mut operations[start..end] {
            if let EhOperation::Read(buf) = op {
                buf.copy_from_slice(&data[at..at + buf.len()]);
                at += buf.len();
            }
        }
    }
    Ok(())
}

fn runs(operations: &[EhOperation<'_>]) -> Result<Vec<Run>, ErrorCode> {
    let mut runs: Vec<Run> = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        match (op, runs.last_mut()) {
            (EhOperation::Write(_), Some(Run::Write { end, .. })) => *end = i + 1,
            (EhOperation::Read(buf), Some(Run::Read { end, total, .. })) => {
                *end = i + 1;
                *total = total
                    .checked_add(u32::try_from(buf.len()).map_err(|_| ErrorCode::InvalidArgument)?)
                    .ok_or(ErrorCode::InvalidArgument)?;
            }
            (EhOperation::Write(_), _) => runs.push(Run::Write {
                start: i,
                end: i + 1,
            }),
            (EhOperation::Read(buf), _) => runs.push(Run::Read {
                start: i,
                end: i + 1,
                total: u32::try_from(buf.len()).map_err(|_| ErrorCode::InvalidArgument)?,
            }),
        }
    }
    Ok(runs)
}
