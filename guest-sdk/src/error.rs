//! One error type for apps, so that `?` works across interfaces.
//!
//! An [`Error`] keeps the spec's error value ([`Error::kind`]) and, from the
//! moment it is made, the words of its message, in the form [`Error`]
//! describes.
//!
//! Naming at conversion means an app links only the name tables of the
//! interfaces whose errors it can actually meet (a few hundred bytes each),
//! and messages are built without `core::fmt` (a few KiB): both matter in
//! the smallest apps.

use alloc::string::String;

use crate::{gpio, i2c, poll, sensor, timer};

/// Any error an app function may return.
///
/// Its message has one form:
///
/// ```text
/// [CONTEXT: ]INTERFACE[ CALL SUBJECT]: SPEC-ERROR
/// ```
///
/// - `INTERFACE CALL SUBJECT` names the call and what it was on, where the
///   SDK knows it: `gpio open "buzzer"`, `i2c open "sensor-bus"`,
///   `sensor open "ambient"`, `i2c recover "sensor-bus"`, and for the I2C
///   transfers the target address and the bus:
///   `i2c write 0x76 on "sensor-bus"` (`read`, `write`, `write-read`,
///   `transaction`); a 10-bit address reads `0x2a5 (10-bit)`. Names are in
///   double quotes, addresses in hex. An error converted from a bare spec
///   error code (`pin.toggle()?`) names only its interface: `gpio`.
/// - `SPEC-ERROR` is the spec's name of the error: `not-found`,
///   `no-acknowledge(address)`.
/// - `CONTEXT` is what the app was doing, in its own words, added by
///   [`Context::context`](crate::Context::context): `reading the LM75`.
///
/// So a run ends with, for example,
/// `error: the app failed: gpio open "buzzer": not-found` or
/// `reading the BME280: i2c write-read 0x77 on "sensor-bus": not-permitted`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    /// What the app was doing, in its words; empty if it did not say.
    context: String,
    /// The interface, then the call if known (`gpio open`); `usage`; empty
    /// for [`ErrorKind::Message`].
    call: &'static str,
    /// What the call was on (`"buzzer"`, `0x76 on "sensor-bus"`); empty if
    /// not known.
    subject: String,
    /// The spec's name of the error, the usage text, or the driver's name.
    name: &'static str,
}

/// Where an [`Error`] comes from, with the spec's error value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// A driver crate's error that holds no bus error: the message names
    /// the driver's error type (see [`Context`](crate::Context)).
    Driver,
    /// Anything else, in the app's words.
    Message(String),
}

impl Error {
    /// A bad argument: `usage` says what is expected, for example
    /// `"blinky [CYCLES]: CYCLES must be a whole number"`.
    pub fn usage(usage: &'static str) -> Error {
        Error {
            kind: ErrorKind::Usage,
            context: String::new(),
            call: "usage",
            subject: String::new(),
            name: usage,
        }
    }

    /// An error in the app's own words.
    pub fn message(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Message(message.into()),
            context: String::new(),
            call: "",
            subject: String::new(),
            name: "",
        }
    }

    /// A driver's error of type `driver` (a type's name, such as
    /// `bme280::Error`) that holds no bus error.
    pub(crate) fn driver(driver: &'static str) -> Error {
        Error {
            kind: ErrorKind::Driver,
            context: String::new(),
            call: "driver error",
            subject: String::new(),
            name: driver,
        }
    }

    /// `e` from the spec's call `call` (`"gpio open"`) on `subject`, which is
    /// written as given (see [`Error`] for its form).
    pub(crate) fn at(call: &'static str, subject: String, e: impl Into<Error>) -> Error {
        Error {
            call,
            subject,
            ..e.into()
        }
    }

    /// `e` from the spec's call `call` on the thing named `name`: the
    /// message shows `call "name"`.
    pub(crate) fn on_name(call: &'static str, name: &str, e: impl Into<Error>) -> Error {
        Error::at(call, concat(&["\"", name, "\""]), e)
    }

    /// The same error, with what the app was doing in front of its message:
    /// `what: ...`. An error with a context already gets the new one in
    /// front of it.
    pub(crate) fn within(mut self, what: &str) -> Error {
        self.context = if self.context.is_empty() {
            String::from(what)
        } else {
            concat(&[what, ": ", &self.context])
        };
        self
    }

    /// Where it comes from, with the spec's error value.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message for the host, as [`Error`] describes: for example
    /// `gpio open "buzzer": not-found`, `i2c: no-acknowledge(address)`, or
    /// the app's words.
    pub fn into_message(self) -> String {
        let (sep, context) = if self.context.is_empty() {
            ("", "")
        } else {
            (": ", self.context.as_str())
        };
        match &self.kind {
            ErrorKind::Message(m) => concat(&[context, sep, m]),
            _ => {
                let space = if self.subject.is_empty() { "" } else { " " };
                concat(&[
                    context,
                    sep,
                    self.call,
                    space,
                    &self.subject,
                    ": ",
                    self.name,
                ])
            }
        }
    }
}

/// The parts joined, in one allocation of the exact size: unlike `push_str`
/// this brings in no code to grow a buffer.
pub(crate) fn concat(parts: &[&str]) -> String {
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
        f.write_str(&self.clone().into_message())
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
                    context: String::new(),
                    call: $interface,
                    subject: String::new(),
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
    fn a_failed_open_names_the_call_and_the_name() {
        let cases = [
            (
                Error::on_name("gpio open", "buzzer", gpio::ErrorCode::NotFound),
                "gpio open \"buzzer\": not-found",
            ),
            (
                Error::on_name("i2c open", "sensor-bus", i2c::ErrorCode::NotPermitted),
                "i2c open \"sensor-bus\": not-permitted",
            ),
            (
                Error::on_name("sensor open", "ambient", sensor::ErrorCode::NotFound),
                "sensor open \"ambient\": not-found",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(alloc::format!("{error}"), message);
            assert_eq!(error.into_message(), message);
        }
    }

    #[test]
    fn a_context_goes_in_front_outermost_first() {
        let e = Error::on_name("gpio open", "buzzer", gpio::ErrorCode::NotFound)
            .within("sounding the alarm")
            .within("handling a fire");
        assert_eq!(
            e.into_message(),
            "handling a fire: sounding the alarm: gpio open \"buzzer\": not-found"
        );
        assert_eq!(
            Error::from("page differs")
                .within("checking the EEPROM")
                .into_message(),
            "checking the EEPROM: page differs"
        );
        assert_eq!(
            Error::driver("bme280::Error")
                .within("reading the BME280")
                .into_message(),
            "reading the BME280: driver error: bme280::Error"
        );
    }

    #[test]
    fn the_spec_error_value_stays_matchable() {
        let e = Error::on_name(
            "i2c open",
            "sensor-bus",
            i2c::ErrorCode::NoAcknowledge(i2c::NoAcknowledgeSource::Data),
        );
        assert!(matches!(
            e.kind(),
            ErrorKind::I2c(i2c::ErrorCode::NoAcknowledge(
                i2c::NoAcknowledgeSource::Data
            ))
        ));
        assert_eq!(Error::usage("x").kind(), &ErrorKind::Usage);
    }
}
