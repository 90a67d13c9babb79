//! A whole host from embedded-hal 1.0 drivers: [`Board`] implements every
//! trait of the generated shim ([`app::Host`](crate::app::Host)) over the
//! firmware's HAL objects, so that a firmware whose HAL implements
//! embedded-hal plugs it in with a few lines:
//!
//! ```rust,ignore
//! use wasi_hw_shim::hal::{Board, Bus, InOut, Output, Pin, SevenBit};
//! use wasi_hw_shim::app::{gpio::Capabilities as Caps, i2c::Address};
//!
//! let board = Board::new(clock, delay)
//!     .pin(Pin::new("led", Caps::PUSH_PULL_OUTPUT, Output(led)))
//!     .pin(Pin::new("button", Caps::INPUT | Caps::PULL_UP | Caps::EDGE_EVENTS, Input(button)))
//!     .bus(Bus::new("i2c0", 400_000, &[Address::SevenBit(0x76)], SevenBit(i2c)));
//! let shim = wasi_hw_shim::app::wasmi::Shim::new(board);
//! ```
//!
//! - pins ([`Pin`], over [`embedded_hal::digital`]): a pin's mode and pulls are
//!   fixed by its HAL type, so a pin offers the capabilities the firmware
//!   declares for it; active-low is the adapter's; edges are found by
//!   sampling the line every [`Board::sample_interval_ns`] while a guest
//!   waits (embedded-hal 1.0 has no edge interrupts).
//! - buses ([`Bus`], over [`embedded_hal::i2c::I2c`]), with the addresses each
//!   app may use; bus errors map to the spec's error codes.
//! - SPI devices ([`SpiDevice`], over [`embedded_hal::spi::SpiDevice`]): the
//!   firmware's device owns its chip select and bus configuration; each call
//!   is one transaction of it.
//! - timers and `poll`: on a [`Clock`] (a monotonic counter in nanoseconds,
//!   which embedded-hal lacks) and [`embedded_hal::delay::DelayNs`] to wait;
//!   [`VirtualTime`] is both, for simulated boards and tests.
//! - `log`: to a closure ([`Board::log_to`]).
//! - `sensor`: none (embedded-hal has no sensor traits); a firmware with
//!   sensors implements the generated traits itself.
//!
//! Results that the shim copies into the guest live in a bump arena that is
//! reset on the next call, so this module needs `alloc`.

mod gpio;
mod i2c;
mod spi;
mod time;

pub use gpio::{Fault, InOut, Input, Line, Output, Pin, PinHandle};
pub use i2c::{Bus, Controller, SevenBit, TenBit};
pub use spi::SpiDevice;
pub use time::{Clock, PeriodicHandle, Pollable, VirtualTime};

use alloc::boxed::Box;
use alloc::vec::Vec;
use bumpalo::Bump;

use crate::app::log::Level;
use crate::runtime::Error;

/// Where the guest's log records go.
type LogSink<'a> = Box<dyn FnMut(Level, &str) + 'a>;

/// A host of the `app` world over embedded-hal drivers; see the
/// [module](self).
pub struct Board<'a, C, D> {
    clock: C,
    delay: D,
    pins: Vec<Pin<'a>>,
    buses: Vec<Bus<'a>>,
    spi_devices: Vec<SpiDevice<'a>>,
    periodics: Vec<time::Periodic>,
    log: Option<(Level, LogSink<'a>)>,
    sample_interval_ns: u64,
    arena: Bump,
}

impl<'a, C: Clock, D: embedded_hal::delay::DelayNs> Board<'a, C, D> {
    /// A board with no pins, buses or SPI devices, whose time is `clock` and which waits
    /// with `delay`.
    pub fn new(clock: C, delay: D) -> Self {
        Board {
            clock,
            delay,
            pins: Vec::new(),
            buses: Vec::new(),
            spi_devices: Vec::new(),
            periodics: Vec::new(),
            log: None,
            sample_interval_ns: 1_000_000,
            arena: Bump::new(),
        }
    }

    /// Adds a pin that apps may open, after those added before.
    pub fn pin(mut self, pin: Pin<'a>) -> Self {
        self.pins.push(pin);
        self
    }

    /// Adds a bus that apps may open, after those added before.
    pub fn bus(mut self, bus: Bus<'a>) -> Self {
        self.buses.push(bus);
        self
    }

    /// Adds an SPI device that apps may open, after those added before.
    pub fn spi(mut self, device: SpiDevice<'a>) -> Self {
        self.spi_devices.push(device);
        self
    }

    /// Sends the guest's log records at `least` and above to `sink`
    /// (without it, `log.enabled` is false and records are dropped).
    pub fn log_to(mut self, least: Level, sink: impl FnMut(Level, &str) + 'a) -> Self {
        self.log = Some((least, Box::new(sink)));
        self
    }

    /// How often a waiting guest's pins are sampled for edges, in
    /// nanoseconds (default 1 ms; at least 1). An edge and its return that
    /// both happen between two samples are not seen.
    pub fn sample_interval_ns(mut self, interval: u64) -> Self {
        self.sample_interval_ns = interval.max(1);
        self
    }

    /// The clock, for the firmware (to read the time between apps).
    pub fn clock(&mut self) -> &mut C {
        &mut self.clock
    }

    /// Gives back the clock and the delay.
    pub fn into_parts(self) -> (C, D) {
        (self.clock, self.delay)
    }

    /// Sleeps `ns` nanoseconds with the delay: whole milliseconds with
    /// `delay_ms` (a long sleep is a few thousand calls at most, not one a
    /// 4.3 s), the rest with `delay_ns`.
    fn sleep_ns(&mut self, mut ns: u64) {
        const MS: u64 = 1_000_000;
        while ns >= MS {
            let ms = (ns / MS).min(u64::from(u32::MAX));
            self.delay.delay_ms(ms as u32);
            ns -= ms * MS;
        }
        if ns > 0 {
            self.delay.delay_ns(ns as u32);
        }
    }

    /// Sleeps until the clock reads `deadline` or later.
    fn sleep_until_ns(&mut self, deadline: u64) {
        loop {
            let now = self.clock.now_ns();
            if now >= deadline {
                return;
            }
            self.sleep_ns(deadline - now);
        }
    }
}

/// The rank of a log level, lowest first.
fn rank(level: Level) -> u8 {
    match level {
        Level::Trace => 0,
        Level::Debug => 1,
        Level::Info => 2,
        Level::Warn => 3,
        Level::Error => 4,
    }
}

impl<C: Clock, D: embedded_hal::delay::DelayNs> crate::app::log::Log for Board<'_, C, D> {
    fn enabled(&mut self, level: Level) -> Result<bool, Error> {
        Ok(self
            .log
            .as_ref()
            .is_some_and(|(least, _)| rank(level) >= rank(*least)))
    }

    fn log(&mut self, level: Level, message: &str) -> Result<(), Error> {
        if let Some((least, sink)) = &mut self.log
            && rank(level) >= rank(*least)
        {
            sink(level, message);
        }
        Ok(())
    }
}

/// No sensors: embedded-hal has no sensor traits.
impl<C: Clock, D: embedded_hal::delay::DelayNs> crate::app::sensor::Sensor for Board<'_, C, D> {
    type Sensor = core::convert::Infallible;

    fn list_sensors(&mut self) -> Result<&[crate::app::sensor::SensorInfo<'_>], Error> {
        Ok(&[])
    }

    fn open(
        &mut self,
        _name: &str,
    ) -> Result<Result<Self::Sensor, crate::app::sensor::ErrorCode>, Error> {
        Ok(Err(crate::app::sensor::ErrorCode::NotFound))
    }

    fn sensor_info(
        &mut self,
        sensor: &mut Self::Sensor,
    ) -> Result<crate::app::sensor::SensorInfo<'_>, Error> {
        match *sensor {}
    }

    fn sensor_read(
        &mut self,
        sensor: &mut Self::Sensor,
    ) -> Result<Result<crate::app::sensor::Sample<'_>, crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }

    fn sensor_set_attribute(
        &mut self,
        sensor: &mut Self::Sensor,
        _attribute: crate::app::sensor::Attribute,
    ) -> Result<Result<(), crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }

    fn sensor_get_attribute(
        &mut self,
        sensor: &mut Self::Sensor,
        _kind: crate::app::sensor::AttributeKind,
    ) -> Result<Result<crate::app::sensor::Attribute, crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }

    fn sensor_start(
        &mut self,
        sensor: &mut Self::Sensor,
    ) -> Result<Result<(), crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }

    fn sensor_stop(&mut self, sensor: &mut Self::Sensor) -> Result<(), Error> {
        match *sensor {}
    }

    fn sensor_read_fifo(
        &mut self,
        sensor: &mut Self::Sensor,
        _max: u32,
    ) -> Result<Result<crate::app::sensor::FifoSamples<'_>, crate::app::sensor::ErrorCode>, Error>
    {
        match *sensor {}
    }

    fn sensor_subscribe_data_ready(
        &mut self,
        sensor: &mut Self::Sensor,
    ) -> Result<Result<Pollable, crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }

    fn sensor_subscribe_threshold(
        &mut self,
        sensor: &mut Self::Sensor,
        _threshold: crate::app::sensor::Threshold,
    ) -> Result<Result<Pollable, crate::app::sensor::ErrorCode>, Error> {
        match *sensor {}
    }
}
