//! Pins: `gpio` over embedded-hal's `digital` traits.

use alloc::boxed::Box;
use core::cell::Cell;

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{InputPin, StatefulOutputPin};

use super::{Board, Clock, Pollable};
use crate::app::gpio::{Capabilities, Config, Edge, ErrorCode, Mode, PinInfo, Pull};
use crate::runtime::Error;

/// A HAL pin failed (its driver returned an error); the guest is stopped,
/// since the spec has no error for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault;

/// One line as the adapter drives it: the physical level, not the logical
/// one (active-low is the adapter's). Implemented by [`Input`], [`Output`]
/// and [`InOut`] over embedded-hal pins, or by the firmware.
pub trait Line {
    /// Whether the line is physically high.
    fn is_high(&mut self) -> Result<bool, Fault>;
    /// Drives the line physically high or low (for an open-drain pin, high
    /// releases it).
    fn set(&mut self, high: bool) -> Result<(), Fault>;
    /// The output latch, physically.
    fn is_set_high(&mut self) -> Result<bool, Fault>;
}

/// An input-only pin ([`InputPin`]): it cannot drive the line.
pub struct Input<P>(pub P);

/// An output-only pin ([`StatefulOutputPin`]): reading it reads the latch.
pub struct Output<P>(pub P);

/// A pin that reads the line and drives it ([`InputPin`] +
/// [`StatefulOutputPin`]), such as an open-drain or a flexible pin.
pub struct InOut<P>(pub P);

impl<P: InputPin> Line for Input<P> {
    fn is_high(&mut self) -> Result<bool, Fault> {
        self.0.is_high().map_err(|_| Fault)
    }
    fn set(&mut self, _high: bool) -> Result<(), Fault> {
        Err(Fault)
    }
    fn is_set_high(&mut self) -> Result<bool, Fault> {
        Err(Fault)
    }
}

impl<P: StatefulOutputPin> Line for Output<P> {
    fn is_high(&mut self) -> Result<bool, Fault> {
        self.0.is_set_high().map_err(|_| Fault)
    }
    fn set(&mut self, high: bool) -> Result<(), Fault> {
        self.0.set_state(high.into()).map_err(|_| Fault)
    }
    fn is_set_high(&mut self) -> Result<bool, Fault> {
        self.0.is_set_high().map_err(|_| Fault)
    }
}

impl<P: InputPin + StatefulOutputPin> Line for InOut<P> {
    fn is_high(&mut self) -> Result<bool, Fault> {
        self.0.is_high().map_err(|_| Fault)
    }
    fn set(&mut self, high: bool) -> Result<(), Fault> {
        self.0.set_state(high.into()).map_err(|_| Fault)
    }
    fn is_set_high(&mut self) -> Result<bool, Fault> {
        self.0.is_set_high().map_err(|_| Fault)
    }
}

/// A pin that apps may open: its name, what it can do, and its line.
pub struct Pin<'a> {
    name: &'a str,
    capabilities: Capabilities,
    line: Box<dyn Line + 'a>,
    open: bool,
}

impl<'a> Pin<'a> {
    /// The pin called `name`, with `capabilities`, on `line`. Declare only
    /// what the line's HAL type does: a pull the HAL configured at start,
    /// an output mode only for [`Output`] and [`InOut`], an input only for
    /// [`Input`] and [`InOut`] (an [`Output`] reads back its latch).
    /// `edge-events` works on any line that reads (by sampling).
    pub fn new(name: &'a str, capabilities: Capabilities, line: impl Line + 'a) -> Self {
        Pin {
            name,
            capabilities,
            line: Box::new(line),
            open: false,
        }
    }
}

/// An open pin: the guest's handle stands for it.
#[derive(Debug)]
pub struct PinHandle {
    index: usize,
    active_low: bool,
    output: bool,
}

/// What `config` needs of a pin.
fn needs(config: &Config) -> Capabilities {
    let mode = match config.mode {
        Mode::Input => Capabilities::INPUT,
        Mode::PushPullOutput => Capabilities::PUSH_PULL_OUTPUT,
        Mode::OpenDrainOutput => Capabilities::OPEN_DRAIN_OUTPUT,
    };
    match config.pull {
        Pull::None => mode,
        Pull::Up => mode | Capabilities::PULL_UP,
        Pull::Down => mode | Capabilities::PULL_DOWN,
    }
}

/// Whether going from `was` to `now` (logical levels) is an `edge`.
pub(super) fn is_edge(edge: Edge, was: bool, now: bool) -> bool {
    match edge {
        Edge::Rising => !was && now,
        Edge::Falling => was && !now,
        Edge::Any => was != now,
    }
}

fn trap(_: Fault) -> Error {
    Error::Trap(&"a pin's HAL driver failed")
}

impl<C: Clock, D: DelayNs> Board<'_, C, D> {
    /// Applies `config` to an open pin, and returns its handle.
    fn configure(
        &mut self,
        index: usize,
        config: Config,
    ) -> Result<Result<PinHandle, ErrorCode>, Error> {
        let pin = &mut self.pins[index];
        if !pin.capabilities.contains(needs(&config)) {
            return Ok(Err(ErrorCode::Unsupported));
        }
        let output = config.mode != Mode::Input;
        if output {
            pin.line
                .set(config.initial_high != config.active_low)
                .map_err(trap)?;
        }
        Ok(Ok(PinHandle {
            index,
            active_low: config.active_low,
            output,
        }))
    }

    /// The logical level of the pin at `index`.
    pub(super) fn level(&mut self, index: usize, active_low: bool) -> Result<bool, Error> {
        Ok(self.pins[index].line.is_high().map_err(trap)? != active_low)
    }

    fn drive(&mut self, pin: &PinHandle, high: bool) -> Result<Result<(), ErrorCode>, Error> {
        if !pin.output {
            return Ok(Err(ErrorCode::WrongMode));
        }
        self.pins[pin.index]
            .line
            .set(high != pin.active_low)
            .map_err(trap)?;
        Ok(Ok(()))
    }
}

impl<C: Clock, D: DelayNs> crate::app::gpio::Gpio for Board<'_, C, D> {
    type Pin = PinHandle;

    fn list_pins(&mut self) -> Result<&[PinInfo<'_>], Error> {
        self.arena.reset();
        Ok(self
            .arena
            .alloc_slice_fill_iter(self.pins.iter().map(|pin| PinInfo {
                name: pin.name,
                capabilities: pin.capabilities,
            })))
    }

    fn open(&mut self, name: &str, config: Config) -> Result<Result<PinHandle, ErrorCode>, Error> {
        let Some(index) = self.pins.iter().position(|pin| pin.name == name) else {
            return Ok(Err(ErrorCode::NotFound));
        };
        if self.pins[index].open {
            return Ok(Err(ErrorCode::Busy));
        }
        let handle = self.configure(index, config)?;
        if handle.is_ok() {
            self.pins[index].open = true;
        }
        Ok(handle)
    }

    fn pin_name(&mut self, pin: &mut PinHandle) -> Result<&str, Error> {
        Ok(self.pins[pin.index].name)
    }

    fn pin_reconfigure(
        &mut self,
        pin: &mut PinHandle,
        config: Config,
    ) -> Result<Result<(), ErrorCode>, Error> {
        Ok(self
            .configure(pin.index, config)?
            .map(|handle| *pin = handle))
    }

    fn pin_is_high(&mut self, pin: &mut PinHandle) -> Result<Result<bool, ErrorCode>, Error> {
        self.level(pin.index, pin.active_low).map(Ok)
    }

    fn pin_set_high(&mut self, pin: &mut PinHandle) -> Result<Result<(), ErrorCode>, Error> {
        self.drive(pin, true)
    }

    fn pin_set_low(&mut self, pin: &mut PinHandle) -> Result<Result<(), ErrorCode>, Error> {
        self.drive(pin, false)
    }

    fn pin_toggle(&mut self, pin: &mut PinHandle) -> Result<Result<(), ErrorCode>, Error> {
        match self.pin_is_set_high(pin)? {
            Ok(high) => self.drive(pin, !high),
            Err(e) => Ok(Err(e)),
        }
    }

    fn pin_is_set_high(&mut self, pin: &mut PinHandle) -> Result<Result<bool, ErrorCode>, Error> {
        if !pin.output {
            return Ok(Err(ErrorCode::WrongMode));
        }
        let latch = self.pins[pin.index].line.is_set_high().map_err(trap)?;
        Ok(Ok(latch != pin.active_low))
    }

    fn pin_wait_for_edge(
        &mut self,
        pin: &mut PinHandle,
        edge: Edge,
        timeout_ns: Option<u64>,
    ) -> Result<Result<bool, ErrorCode>, Error> {
        if !self.pins[pin.index]
            .capabilities
            .contains(Capabilities::EDGE_EVENTS)
        {
            return Ok(Err(ErrorCode::Unsupported));
        }
        let end = timeout_ns.and_then(|t| self.clock.now_ns().checked_add(t));
        let mut was = self.level(pin.index, pin.active_low)?;
        loop {
            if end.is_some_and(|end| self.clock.now_ns() >= end) {
                return Ok(Ok(false));
            }
            let step = self.sample_interval_ns;
            let wake = self.clock.now_ns().saturating_add(step);
            self.sleep_until_ns(end.map_or(wake, |end| end.min(wake)));
            let now = self.level(pin.index, pin.active_low)?;
            if is_edge(edge, was, now) {
                return Ok(Ok(true));
            }
            was = now;
        }
    }

    fn pin_subscribe(
        &mut self,
        pin: &mut PinHandle,
        edge: Edge,
    ) -> Result<Result<Pollable, ErrorCode>, Error> {
        if !self.pins[pin.index]
            .capabilities
            .contains(Capabilities::EDGE_EVENTS)
        {
            return Ok(Err(ErrorCode::Unsupported));
        }
        let level = self.level(pin.index, pin.active_low)?;
        Ok(Ok(Pollable::Edge {
            pin: pin.index,
            active_low: pin.active_low,
            edge,
            last: Cell::new(level),
            seen: Cell::new(false),
        }))
    }

    fn pin_drop(&mut self, pin: PinHandle) -> Result<(), Error> {
        self.pins[pin.index].open = false;
        Ok(())
    }
}
