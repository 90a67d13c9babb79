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

use alloc::boxed::Box;
use alloc::string::String;

use crate::{gpio, i2c, poll, sensor, spi, timer};

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
///   `transaction`); a 10-bit address reads `0x2a5 (10-bit)`. An SPI call
///   names its device: `spi transfer on "flash"`. Names are in
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
    // The message is `head`, `text`, `tail` and `name`, joined only when it
    // is read, so that an error made of static words allocates nothing, and
    // a small app has one place that joins them. `text` is a `Box<str>`,
    // not a `String`: one word less to move in every `Result`.
    /// The call up to the name of what it was on: `gpio open "`, or `gpio`.
    head: &'static str,
    /// What the call was on (`buzzer`, ` 0x76 on "sensor-bus`), or the
    /// app's words.
    text: Box<str>,
    /// Between the text and the error's name: `": `, `: `, or empty.
    tail: &'static str,
    /// The spec's name of the error, the usage text, or empty.
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
    /// From an `spi` call.
    Spi(spi::ErrorCode),
    /// From a `timer` constructor.
    Timer(timer::ErrorCode),
    /// From `poll`.
    Poll(poll::ErrorCode),
    /// A bad argument to the app.
    Usage,
    /// A driver crate's error that holds no bus error: the message names
    /// the driver's error type (see [`Context`](crate::Context)).
    Driver,
    /// Anything else, in the app's words (the message).
    Message,
}

/// A spec error code: its name and the kind that carries it.
pub(crate) trait SpecError: Copy {
    /// The spec's name of the error, such as `not-found`.
    fn name(&self) -> &'static str;
    /// The kind that carries it.
    fn kind(self) -> ErrorKind;
}

impl Error {
    /// A bad argument: `usage` says what is expected, for example
    /// `"blinky [CYCLES]: CYCLES must be a whole number"`.
    pub fn usage(usage: &'static str) -> Error {
        Error::of(ErrorKind::Usage, "usage", Box::default(), ": ", usage)
    }

    /// An error in the app's own words.
    pub fn message(message: impl Into<String>) -> Error {
        Error::of(
            ErrorKind::Message,
            "",
            message.into().into_boxed_str(),
            "",
            "",
        )
    }

    /// A driver's error of type `driver` (a type's name, such as
    /// `bme280::Error`) that holds no bus error.
    pub(crate) fn driver(driver: &'static str) -> Error {
        Error::of(
            ErrorKind::Driver,
            "driver error",
            Box::default(),
            ": ",
            driver,
        )
    }

    fn of(
        kind: ErrorKind,
        head: &'static str,
        text: Box<str>,
        tail: &'static str,
        name: &'static str,
    ) -> Error {
        Error {
            kind,
            head,
            text,
            tail,
            name,
        }
    }

    /// The spec's error `e` from the call `head` (up to the text, such as
    /// `i2c write`) on `text` (such as ` 0x76 on "sensor-bus`), which a `"`
    /// closes: see [`Error`] for the form.
    pub(crate) fn spec<E: SpecError>(e: E, head: &'static str, text: Box<str>) -> Error {
        Error::of(e.kind(), head, text, "\": ", e.name())
    }

    /// `e` from the call `head` (such as `gpio open "`, with the opening
    /// quote) on the thing named `name`: `gpio open "buzzer": not-found`.
    pub(crate) fn on_name<E: SpecError>(head: &'static str, name: &str, e: E) -> Error {
        Error::spec(e, head, Box::from(name))
    }

    /// The same error, with what the app was doing in front of its message:
    /// `what: ...`. An error with a context already gets the new one in
    /// front of it.
    pub(crate) fn within(self, what: &str) -> Error {
        let text = concat(&[what, ": ", self.head, &self.text, self.tail, self.name]);
        Error::of(self.kind, "", text, "", "")
    }

    /// Where it comes from, with the spec's error value.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message for the host, as [`Error`] describes: for example
    /// `gpio open "buzzer": not-found`, `i2c: no-acknowledge(address)`, or
    /// the app's words.
    pub fn into_message(self) -> String {
        concat(&[self.head, &self.text, self.tail, self.name]).into_string()
    }
}

/// The parts joined, in one allocation of the exact size, made directly:
/// `Vec`'s growth and capacity checks would cost more code than the whole
/// function (this is in every app that can fail).
pub(crate) fn concat(parts: &[&str]) -> Box<str> {
    let mut len = 0usize;
    for part in parts {
        len = len.saturating_add(part.len());
    }
    if len == 0 {
        return Box::default();
    }
    let Ok(layout) = core::alloc::Layout::array::<u8>(len) else {
        // Longer than memory: the parts cannot exist.
        return Box::default();
    };
    // SAFETY: `layout` has a size of at least 1.
    let bytes = unsafe { alloc::alloc::alloc(layout) };
    if bytes.is_null() {
        alloc::alloc::handle_alloc_error(layout);
    }
    let mut at = 0;
    for part in parts {
        // SAFETY: the allocation holds `len` bytes, the sum of the parts'
        // lengths, and does not overlap them.
        unsafe { core::ptr::copy_nonoverlapping(part.as_ptr(), bytes.add(at), part.len()) };
        at += part.len();
    }
    // SAFETY: `len` bytes from the global allocator, all written with the
    // concatenation of UTF-8 strings, which is UTF-8.
    unsafe {
        let bytes = Box::from_raw(core::ptr::slice_from_raw_parts_mut(bytes, len));
        alloc::str::from_boxed_utf8_unchecked(bytes)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for part in [self.head, &self.text, self.tail, self.name] {
            f.write_str(part)?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

macro_rules! from {
    ($($variant:ident($ty:ty) = $interface:literal, $name:expr;)*) => {$(
        impl SpecError for $ty {
            fn name(&self) -> &'static str {
                let name: fn(&$ty) -> &'static str = $name;
                name(self)
            }
            fn kind(self) -> ErrorKind {
                ErrorKind::$variant(self)
            }
        }

        /// The error, named by its interface only: `gpio: not-found`.
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::of(e.kind(), $interface, Box::default(), ": ", e.name())
            }
        }
    )*};
}

from! {
    Gpio(gpio::ErrorCode) = "gpio", |e| e.name();
    I2c(i2c::ErrorCode) = "i2c", i2c::error_name;
    Sensor(sensor::ErrorCode) = "sensor", |e| e.name();
    Spi(spi::ErrorCode) = "spi", |e| e.name();
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
                Error::on_name("gpio open \"", "buzzer", gpio::ErrorCode::NotFound),
                "gpio open \"buzzer\": not-found",
            ),
            (
                Error::on_name("i2c open \"", "sensor-bus", i2c::ErrorCode::NotPermitted),
                "i2c open \"sensor-bus\": not-permitted",
            ),
            (
                Error::on_name("sensor open \"", "ambient", sensor::ErrorCode::NotFound),
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
        let e = Error::on_name("gpio open \"", "buzzer", gpio::ErrorCode::NotFound)
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
            "i2c open \"",
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
