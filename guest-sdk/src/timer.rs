//! Time: the `timer` interface of the spec, unit constants, and [`Delay`] for
//! embedded-hal's `DelayNs`.

pub use crate::bindings::wasi_hw::hal::timer::*;

/// One nanosecond, the unit of every time in the spec.
pub const NANOSECOND: u64 = 1;
/// One microsecond, in nanoseconds.
pub const MICROSECOND: u64 = 1_000;
/// One millisecond, in nanoseconds.
pub const MILLISECOND: u64 = 1_000_000;
/// One second, in nanoseconds.
pub const SECOND: u64 = 1_000_000_000;

/// embedded-hal's `DelayNs` on the host's clock: every delay is one
/// [`sleep`]. Drivers take it by `&mut`.
#[derive(Clone, Copy)]
pub struct Delay {
    sleep: fn(u64),
}

impl Delay {
    /// A delay that sleeps through the `timer` interface.
    pub fn new() -> Delay {
        Delay { sleep }
    }

    /// A delay that calls `sleep` with the delay in nanoseconds: for tests,
    /// or to count the time a driver waits.
    pub fn with_sleep(sleep: fn(u64)) -> Delay {
        Delay { sleep }
    }
}

impl Default for Delay {
    fn default() -> Delay {
        Delay::new()
    }
}

impl embedded_hal::delay::DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        (self.sleep)(u64::from(ns));
    }

    fn delay_us(&mut self, us: u32) {
        (self.sleep)(u64::from(us) * MICROSECOND);
    }

    fn delay_ms(&mut self, ms: u32) {
        (self.sleep)(u64::from(ms) * MILLISECOND);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal::delay::DelayNs;
    use std::cell::RefCell;

    thread_local! {
        static SLEPT: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    }

    fn record(ns: u64) {
        SLEPT.with(|s| s.borrow_mut().push(ns));
    }

    #[test]
    fn delays_become_one_sleep_in_nanoseconds_without_overflow() {
        let mut delay = Delay::with_sleep(record);
        delay.delay_ns(750);
        delay.delay_us(2);
        delay.delay_ms(500);
        delay.delay_ms(u32::MAX);
        assert_eq!(
            SLEPT.with(|s| s.take()),
            vec![750, 2_000, 500_000_000, 4_294_967_295_000_000]
        );
    }
}
