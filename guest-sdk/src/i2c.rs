//! I2C buses: the `i2c` interface of the spec. Each [`Bus`] implements
//! embedded-hal's `i2c::I2c` for 7-bit and 10-bit addresses (see
//! [`crate::hal`]).

pub use crate::bindings::wasi_hw::hal::i2c::*;

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
