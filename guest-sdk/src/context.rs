//! [`Context`]: `?` on any driver crate's error, with what the app was
//! doing in the message.
//!
//! The cost: one pointer-sized static and, for apps that use it, the code
//! to build an error once.

use alloc::boxed::Box;
use core::any::TypeId;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::Error;

/// `.context(what)` on a `Result` of any error type (with no borrowed
/// data: `E: 'static`).
///
/// A driver written against embedded-hal (`lm75`, `bme280`, `eeprom24x`,
/// ...) returns an error type of its own, which wraps the bus's error in
/// one of its variants (`Error::I2C(e)`, `Error::Bus(e)`) or says what went
/// wrong without the bus (`Error::InvalidData`). The SDK cannot look inside
/// a type it does not know, without `core::fmt` (a few KiB) and without
/// showing a person Rust's debug text. What it does know is the last call of
/// its own embedded-hal adapter ([`crate::hal`]): when that call failed, the
/// driver's error is, as a rule, that bus error handed up. So:
///
/// - if the adapter's latest call on any bus failed, the error is that bus
///   error, with the call, address and bus:
///   `reading the LM75: i2c write-read 0x48 on "sensor-bus": no-acknowledge(address)`;
/// - otherwise (the driver failed on its own) it names the driver's error
///   type: `reading the LM75: driver error: lm75::Error`;
/// - an [`Error`] gets the context in front and stays as it is otherwise.
///
/// A successful adapter call forgets the failed one before it, so an error
/// the driver handled (a retry that then worked) is not blamed later. A
/// driver that meets a bus error and then answers a variant of its own
/// without another bus call is reported as the bus error. Any error the
/// context consumes empties the memory, so nothing is blamed twice.
///
/// ```ignore
/// let mut sensor = Lm75::new(i2c::open("sensor-bus")?, Address::default());
/// let celsius = sensor.read_temperature().context("reading the LM75")?;
/// ```
pub trait Context<T> {
    /// The result, with an error turned into an [`Error`] whose message
    /// begins with `what: `.
    fn context(self, what: &str) -> Result<T, Error>;
}

impl<T, E: 'static> Context<T> for Result<T, E> {
    fn context(self, what: &str) -> Result<T, Error> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(error_of(e, what)),
        }
    }
}

/// The [`Error`] that `e` stands for (see [`Context`]), within `what`.
/// Out of line: one copy for each error type, whatever the results are.
#[inline(never)]
fn error_of<E: 'static>(e: E, what: &str) -> Error {
    error_itself(e).within(what)
}

fn error_itself<E: 'static>(e: E) -> Error {
    let failed = take_bus_error();
    if TypeId::of::<E>() == TypeId::of::<Error>() {
        let e = core::mem::ManuallyDrop::new(e);
        // SAFETY: `E` is `Error`, and `e` is not dropped.
        return unsafe { core::ptr::read((&*e as *const E).cast::<Error>()) };
    }
    match failed {
        Some(bus) => bus,
        None => Error::driver(type_name::<E>()),
    }
}

/// `E`'s path without its generic arguments: `bme280::Error`.
fn type_name<E>() -> &'static str {
    let name = core::any::type_name::<E>();
    // A byte loop: `str::split` would bring in a pattern searcher.
    let end = name.bytes().position(|b| b == b'<').unwrap_or(name.len());
    &name[..end]
}

/// The error of the adapter's latest call, if it failed.
static LAST_BUS_ERROR: AtomicPtr<Error> = AtomicPtr::new(core::ptr::null_mut());

/// Remembers the error of the adapter call that just failed.
pub(crate) fn bus_call_failed(e: Error) {
    replace(Box::into_raw(Box::new(e)));
}

/// Forgets an earlier failed call: the adapter's latest call succeeded.
pub(crate) fn bus_call_succeeded() {
    if !LAST_BUS_ERROR.load(Ordering::Relaxed).is_null() {
        replace(core::ptr::null_mut());
    }
}

fn take_bus_error() -> Option<Error> {
    let old = LAST_BUS_ERROR.swap(core::ptr::null_mut(), Ordering::AcqRel);
    // SAFETY: a non-null pointer in the slot came from `Box::into_raw`, and
    // the swap gave it to this call alone.
    (!old.is_null()).then(|| *unsafe { Box::from_raw(old) })
}

fn replace(new: *mut Error) {
    let old = LAST_BUS_ERROR.swap(new, Ordering::AcqRel);
    if !old.is_null() {
        // SAFETY: as in `take_bus_error`.
        drop(unsafe { Box::from_raw(old) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i2c::{Address, ErrorCode, NoAcknowledgeSource};

    #[derive(Debug)]
    #[allow(dead_code)]
    enum DriverError<E> {
        Bus(E),
        InvalidData,
    }

    // One test: the slot is one per process, and tests run in parallel.
    #[test]
    fn context_names_the_bus_error_behind_a_driver_error_or_the_driver() {
        let failed = || {
            crate::i2c::transfer_error(
                "i2c write-read",
                Address::SevenBit(0x48),
                "sensor-bus",
                ErrorCode::NoAcknowledge(NoAcknowledgeSource::Address),
            )
        };
        // The driver's bus call failed, and it handed the error up.
        bus_call_failed(failed());
        let r: Result<(), _> = Err(DriverError::Bus(ErrorCode::NoAcknowledge(
            NoAcknowledgeSource::Address,
        )));
        let e = r.context("reading the LM75").unwrap_err();
        assert_eq!(
            e.clone().into_message(),
            "reading the LM75: i2c write-read 0x48 on \"sensor-bus\": no-acknowledge(address)"
        );
        assert!(matches!(e.kind(), crate::ErrorKind::I2c(_)));

        // A failed call, then one that worked: the driver failed on its own.
        bus_call_failed(failed());
        bus_call_succeeded();
        let r: Result<(), DriverError<ErrorCode>> = Err(DriverError::InvalidData);
        let e = r.context("reading the LM75").unwrap_err();
        assert_eq!(
            e.into_message(),
            "reading the LM75: driver error: wasi_hw_guest::context::tests::DriverError"
        );

        // The slot was emptied by the first context: nothing is blamed twice.
        let r: Result<(), DriverError<ErrorCode>> = Err(DriverError::InvalidData);
        assert_eq!(
            r.context("again").unwrap_err().into_message(),
            "again: driver error: wasi_hw_guest::context::tests::DriverError"
        );

        // An SDK error keeps its own message, whatever the slot holds.
        bus_call_failed(failed());
        let r: Result<(), Error> = Err(Error::from("page differs"));
        assert_eq!(
            r.context("checking the EEPROM").unwrap_err().into_message(),
            "checking the EEPROM: page differs"
        );
        assert_eq!(Ok::<u8, Error>(7).context("x"), Ok(7));
    }
}
