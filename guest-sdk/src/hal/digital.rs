//! embedded-hal's `digital` traits over the spec's `gpio.pin`.
//!
//! Every spec error maps to `ErrorKind::Other`, the only kind embedded-hal
//! 1.0 has for pins; the error value keeps the spec's code.

use embedded_hal::digital::ErrorKind;

use crate::gpio::{ErrorCode, Pin};

/// The calls of the spec's `gpio.pin` that the adapter uses. [`Pin`]
/// implements it by calling the imports.
pub trait Digital {
    /// `pin.is-high`.
    fn is_high(&self) -> Result<bool, ErrorCode>;
    /// `pin.set-high`.
    fn set_high(&self) -> Result<(), ErrorCode>;
    /// `pin.set-low`.
    fn set_low(&self) -> Result<(), ErrorCode>;
    /// `pin.toggle`.
    fn toggle(&self) -> Result<(), ErrorCode>;
    /// `pin.is-set-high`.
    fn is_set_high(&self) -> Result<bool, ErrorCode>;
}

impl Digital for Pin {
    fn is_high(&self) -> Result<bool, ErrorCode> {
        Pin::is_high(self)
    }
    fn set_high(&self) -> Result<(), ErrorCode> {
        Pin::set_high(self)
    }
    fn set_low(&self) -> Result<(), ErrorCode> {
        Pin::set_low(self)
    }
    fn toggle(&self) -> Result<(), ErrorCode> {
        Pin::toggle(self)
    }
    fn is_set_high(&self) -> Result<bool, ErrorCode> {
        Pin::is_set_high(self)
    }
}

impl embedded_hal::digital::Error for ErrorCode {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Other
    }
}

/// Implements embedded-hal's `InputPin`, `OutputPin` and `StatefulOutputPin`
/// for a type that implements [`Digital`].
#[macro_export]
#[doc(hidden)]
macro_rules! __impl_embedded_hal_digital {
    ($pin:ty) => {
        impl embedded_hal::digital::ErrorType for $pin {
            type Error = $crate::gpio::ErrorCode;
        }
        impl embedded_hal::digital::InputPin for $pin {
            fn is_high(&mut self) -> Result<bool, Self::Error> {
                $crate::hal::digital::Digital::is_high(self)
            }
            fn is_low(&mut self) -> Result<bool, Self::Error> {
                $crate::hal::digital::Digital::is_high(self).map(|high| !high)
            }
        }
        impl embedded_hal::digital::OutputPin for $pin {
            fn set_high(&mut self) -> Result<(), Self::Error> {
                $crate::hal::digital::Digital::set_high(self)
            }
            fn set_low(&mut self) -> Result<(), Self::Error> {
                $crate::hal::digital::Digital::set_low(self)
            }
        }
        impl embedded_hal::digital::StatefulOutputPin for $pin {
            fn is_set_high(&mut self) -> Result<bool, Self::Error> {
                $crate::hal::digital::Digital::is_set_high(self)
            }
            fn is_set_low(&mut self) -> Result<bool, Self::Error> {
                $crate::hal::digital::Digital::is_set_high(self).map(|high| !high)
            }
            // One call instead of embedded-hal's default read-then-set.
            fn toggle(&mut self) -> Result<(), Self::Error> {
                $crate::hal::digital::Digital::toggle(self)
            }
        }
    };
}

crate::__impl_embedded_hal_digital!(Pin);
