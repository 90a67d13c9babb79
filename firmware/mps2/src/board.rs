//! The emulated board: an LED and a push button with a script of presses,
//! on virtual time (`hal::VirtualTime`: a sleep advances it at once). Each
//! part implements embedded-hal 1.0, as a real HAL's would, and
//! `wasi_hw_shim::hal::Board` turns them into a host.

use core::convert::Infallible;

use cortex_m_semihosting::hprintln;
use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_shim::hal::VirtualTime;

/// Milliseconds of virtual time, for printing.
pub fn ms(time: &VirtualTime) -> u64 {
    time.nanos() / 1_000_000
}

/// An LED on a push-pull output: prints every change of level with the
/// time, which is the firmware's trace.
pub struct Led {
    pub time: VirtualTime,
    pub lit: bool,
}

impl ErrorType for Led {
    type Error = Infallible;
}

impl OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.set(false);
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.set(true);
        Ok(())
    }
}

impl StatefulOutputPin for Led {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.lit)
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.lit)
    }
}

impl Led {
    fn set(&mut self, lit: bool) {
        if lit != self.lit {
            hprintln!(
                "  [{:>6} ms] led {}",
                ms(&self.time),
                if lit { "on" } else { "off" }
            );
        }
        self.lit = lit;
    }
}

/// A push button to ground with a pull-up: the line is low while pressed,
/// during each `(from, to)` of `presses` (nanoseconds).
pub struct Button {
    pub time: VirtualTime,
    pub presses: &'static [(u64, u64)],
}

impl ErrorType for Button {
    type Error = Infallible;
}

impl InputPin for Button {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        let now = self.time.nanos();
        Ok(!self
            .presses
            .iter()
            .any(|&(from, to)| (from..to).contains(&now)))
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|high| !high)
    }
}
