//! One error type for apps, so that `?` works across interfaces.
//!
//! An [`Error`] keeps the spec's error value ([`Error::kind`]) and, from the
//! moment it is made, the spec's name for it. Naming at conversion means an
//! app links only the name tables of the interfaces whose errors it can
//! actually meet (a few hundred bytes each), and messages are built without
//! `core::fmt` (a few KiB): both matter in the smallest apps.

use alloc::string::String;

use crate::{gpio, i2c, poll, sensor, timer};

/// Any error an app function may return.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    /// The interface, or `usage`; empty for [`ErrorKind::Message`].
    interface: &'static str,
    /// The spec's name of the error, or the usage text.
    name: &'static str,
}

/// Where an [`Error`] comes from, with the spec's error value.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
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
    /// A bad argument to the app.
    Usage,
    /// Anything else, in the app's words.
    Message(String),
}

impl Error {
    /// A bad argument: `usage` says what is expected, for example
    /// `"blinky [CYCLES]: CYCLES must be a whole number"`.
    pub fn usage(usage: &'static str) -> Error {
        Error {
            kind: ErrorKind::Usage,
            interface: "usage",
            name: usage,
        }
    }

    /// An error in the app's own words.
    pub fn message(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Message(message.into()),
            interface: "",
            name: "",
        }
    }

    /// Where it comes from, with the spec's error value.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message for the host: the interface and the spec's name of the
    /// error, for example `i2c: no-acknowledge(address)`, or the app's words.
    pub fn into_message(self) -> String {
        match self.kind {
            ErrorKind::Message(m) => m,
            _ => concat(&[self.interface, ": ", self.name]),
        }
    }
}

/// The parts joined, in one allocation of the exact size: unlike `push_str`
/// this brings in no code to grow a buffer.
fn concat(parts: &[&str]) -> String {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut bytes = alloc::vec::Vec::<u8>::with_capacity(len);
    for part in parts {
        // SAFETY: `bytes` has capacity for every part, and the parts do not
        // overlap the new allocation.
        unsafe {
            core::ptr::copy_nonoverlapping(
                part.as_ptr(),
                bytes.as_mut_ptr().add(bytes.len()),
                part.len(),
            );
            bytes.set_len(bytes.len() + part.len());
        }
    }
    // SAFETY: the concatenation of UTF-8 strings is UTF-8.
    unsafe { String::from_utf8_unchecked(bytes) }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.kind {
            ErrorKind::Message(m) => f.write_str(m),
            _ => write!(f, "{}: {}", self.interface, self.name),
        }
    }
}

impl core::error::Error for Error {}

macro_rules! from {
    ($($variant:ident($ty:ty) = $interface:literal, $name:expr;)*) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                let name: fn(&$ty) -> &'static str = $name;
                Error {
                    name: name(&e),
                    interface: $interface,
                    kind: ErrorKind::$variant(e),
                }
            }
        }
    )*};
}

from! {
    Gpio(gpio::ErrorCode) = "gpio", |e| e.name();
    I2c(i2c::ErrorCode) = "i2c", i2c::error_name;
    Sensor(sensor::ErrorCode) = "sensor", |e| e.name();
    Timer(timer::ErrorCode) = "timer", |e| e.name();
    Poll(poll::ErrorCode) = "poll", |e| e.name();
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::message(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::message(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_interface_and_the_spec_error() {
        let cases = [
            (Error::from(gpio::ErrorCode::NotFound), "gpio: not-found"),
            (
                Error::from(i2c::ErrorCode::NoAcknowledge(
                    i2c::NoAcknowledgeSource::Address,
                )),
                "i2c: no-acknowledge(address)",
            ),
            (Error::from(i2c::ErrorCode::Timeout), "i2c: timeout"),
            (Error::from(sensor::ErrorCode::Running), "sensor: running"),
            (
                Error::from(timer::ErrorCode::LimitReached),
                "timer: limit-reached",
            ),
            (Error::from(poll::ErrorCode::EmptyWait), "poll: empty-wait"),
            (
                Error::usage("cycles must be a number"),
                "usage: cycles must be a number",
            ),
            (Error::from("EEPROM mismatch"), "EEPROM mismatch"),
        ];
        for (error, message) in cases {
            assert_eq!(alloc::format!("{error}"), message);
            assert_eq!(error.into_message(), message);
        }
    }

    #[test]
    fn the_spec_error_value_stays_matchable() {
        let e = Error::from(i2c::ErrorCode::NoAcknowledge(
            i2c::NoAcknowledgeSource::Data,
        ));
        assert!(matches!(
            e.kind(),
            ErrorKind::I2c(i2c::ErrorCode::NoAcknowledge(
                i2c::NoAcknowledgeSource::Data
            ))
        ));
        assert_eq!(Error::usage("x").kind(), &ErrorKind::Usage);
    }
}
