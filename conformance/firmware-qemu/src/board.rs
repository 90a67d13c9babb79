//! The emulated board: virtual time, an LED, and a push button with a
//! script of presses. Each part implements embedded-hal 1.0, as a real
//! HAL's would, and `wasi_hw_shim::hal::Board` turns them into a host.

use alloc::rc::Rc;
use core::cell::Cell;
use core::convert::Infallible;

use cortex_m_semihosting::hprintln;
use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_shim::hal::Clock;

/// Virtual time in nanoseconds: the clock reads it, a delay advances it at
/// once, so an app that sleeps an hour runs in milliseconds. Shared by the
/// parts (wasmi wants a host that owns what it holds: no borrows).
#[derive(Clone, Default)]
pub struct Time(pub Rc<Cell<u64>>);

impl Time {
    /// Milliseconds, for printing.
    pub fn ms(&self) -> u64 {
        self.0.get() / 1_000_000
    }
}

impl Clock for Time {
    fn now_ns(&mut self) -> u64 {
        self.0.get()
    }
    fn resolution_ns(&self) -> u64 {
        1
    }
}

impl embedded_hal::delay::DelayNs for Time {
    fn delay_ns(&mut self, ns: u32) {
        self.0.set(self.0.get() + u64::from(ns));
    }

    fn delay_us(&mut self, us: u32) {
        self.0
            .set(self.0.get().saturating_add(u64::from(us) * 1_000));
    }
    fn delay_ms(&mut self, ms: u32) {
        self.0
            .set(self.0.get().saturating_add(u64::from(ms) * 1_000_000));
    }
}

/// An LED on a push-pull output: prints every change of level with the
/// time, which is the firmware's trace.
pub struct Led {
    pub time: Time,
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
                self.time.ms(),
                if lit { "on" } else { "off" }
            );
        }
        self.lit = lit;
    }
}

/// A push button to ground with a pull-up: the line is low while pressed,
/// during each `(from, to)` of `presses` (nanoseconds).
pub struct Button {
    pub time: Time,
    pub presses: &'static [(u64, u64)],
}

impl ErrorType for Button {
    type Error = Infallible;
}

impl InputPin for Button {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        let now = self.time.0.get();
        Ok(!self
            .presses
            .iter()
            .any(|&(from, to)| (from..to).contains(&now)))
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|high| !high)
    }
}
