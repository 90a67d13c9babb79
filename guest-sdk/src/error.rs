//! One error type for apps, so that `?` works across interfaces.
//!
//! Messages are built without `core::fmt`, which would add several KiB to the
//! smallest apps.

use alloc::string::String;

use crate::{gpio, i2c, poll, sensor, timer};

/// Any error an app function may return.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// From a `gpio` call.
    Gpio(gpio::ErrorCode),
    /// From an `i2c` call.
    I2c(i2c::ErrorCode),
    /// From a `sensor` call.
    Sensor(sensor::ErrorCode),
    /// From a `timer` constructor.
    Timer(timer::ErrorCode),
    /// From `poll`.
    Poll(poll::ErrorCode),
    /// A bad argument to the app; the text says what is expected.
    Usage(&'static str),
    /// Anything else, in the app's words.
    Message(String),
}

impl Error {
    /// The message for the host: the interface and the spec's name of the
    /// error, for example `i2c: no-acknowledge(address)`.
    pub fn into_message(self) -> String {
        let (interface, code): (&str, &str) = match &self {
            Error::Gpio(e) => ("gpio", e.name()),
            Error::I2c(e) => ("i2c", i2c::error_name(e)),
            Error::Sensor(e) => ("sensor", e.name()),
            Error::Timer(e) => ("timer", e.name()),
            Error::Poll(e) => ("poll", e.name()),
            Error::Usage(what) => ("usage", what),
            Error::Message(m) => return m.clone(),
        };
        let mut s = String::with_capacity(interface.len() + 2 + code.len());
        s.push_str(interface);
        s.push_str(": ");
        s.push_str(code);
        s
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.clone().into_message())
    }
}

impl core::error::Error for Error {}

macro_rules! from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::$variant(e)
            }
        }
    )*};
}

from!(
    Gpio(gpio::ErrorCode),
    I2c(i2c::ErrorCode),
    Sensor(sensor::ErrorCode),
    Timer(timer::ErrorCode),
    Poll(poll::ErrorCode),
    Message(String)
);

impl From<&'static str> for Error {
    fn from(message: &'static str) -> Error {
        Error::Message(String::from(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_interface_and_the_spec_error() {
        let cases = [
            (Error::Gpio(gpio::ErrorCode::NotFound), "gpio: not-found"),
            (
                Error::I2c(i2c::ErrorCode::NoAcknowledge(
                    i2c::NoAcknowledgeSource::Address,
                )),
                "i2c: no-acknowledge(address)",
            ),
            (Error::I2c(i2c::ErrorCode::Timeout), "i2c: timeout"),
            (Error::Sensor(sensor::ErrorCode::Running), "sensor: running"),
            (
                Error::Timer(timer::ErrorCode::LimitReached),
                "timer: limit-reached",
            ),
            (Error::Poll(poll::ErrorCode::EmptyWait), "poll: empty-wait"),
            (
                Error::Usage("cycles must be a number"),
                "usage: cycles must be a number",
            ),
            (Error::from("EEPROM mismatch"), "EEPROM mismatch"),
        ];
        for (error, message) in cases {
            assert_eq!(alloc::format!("{error}"), message);
            assert_eq!(error.into_message(), message);
        }
    }
}
