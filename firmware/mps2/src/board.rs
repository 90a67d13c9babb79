//! The emulated board: an LED and a push button with a script of presses,
//! on virtual time (`hal::VirtualTime`: a sleep advances it at once). Each
//! part implements embedded-hal 1.0, as a real HAL's would, and
//! `wasi_hw_shim::hal::Board` turns them into a host.

use core::convert::Infallible;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_shim::app::gpio::Capabilities as Caps;
use wasi_hw_shim::app::log::Level;
use wasi_hw_shim::hal::{self, Input, Output, Pin, VirtualTime};

use crate::say::{self, Part};

/// The button's presses: at 1.2 s for 0.5 s, at 2.5 s for 0.2 s.
pub const PRESSES: &[(u64, u64)] = &[
    (1_200_000_000, 1_700_000_000),
    (2_500_000_000, 2_700_000_000),
];

/// The board both firmwares give an app, fresh at `time`: "led" (a
/// push-pull output) and "button" (an input with a pull-up and edge events,
/// pressed as [`PRESSES`] says), the app's log printed with its time.
pub fn parts(time: &VirtualTime) -> hal::Board<'static, VirtualTime, VirtualTime> {
    let log_time = time.clone();
    hal::Board::new(time.clone(), time.clone())
        .pin(Pin::new(
            "led",
            Caps::PUSH_PULL_OUTPUT,
            Output(Led {
                time: time.clone(),
                lit: false,
            }),
        ))
        .pin(Pin::new(
            "button",
            Caps::INPUT | Caps::PULL_UP | Caps::EDGE_EVENTS,
            Input(Button {
                time: time.clone(),
                presses: PRESSES,
            }),
        ))
        .log_to(Level::Info, move |_, message| {
            say::line(&[
                "  [".into(),
                Part::Number(ms(&log_time), 6),
                " ms] ".into(),
                message.into(),
            ])
        })
}

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
            say::line(&[
                "  [".into(),
                Part::Number(ms(&self.time), 6),
                " ms] led ".into(),
                if lit { "on" } else { "off" }.into(),
            ]);
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
