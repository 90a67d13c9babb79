//! The embedded-hal board the `glue` fuzz target runs on: `hal::Board` over
//! fake parts (a pin that flips at every read, a bus whose targets count).

use std::convert::Infallible;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_shim::app::gpio::Capabilities as Caps;
use wasi_hw_shim::app::i2c::Address;
use wasi_hw_shim::hal::{Board, Bus, InOut, Input, Pin, SevenBit, VirtualTime};

/// A pin whose line flips at every read, so that a wait for an edge ends.
#[derive(Default)]
struct Flipping {
    level: bool,
    latch: bool,
}

impl ErrorType for Flipping {
    type Error = Infallible;
}

impl InputPin for Flipping {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        self.level = !self.level;
        Ok(self.level)
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|h| !h)
    }
}

impl OutputPin for Flipping {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.latch = false;
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.latch = true;
        Ok(())
    }
}

impl StatefulOutputPin for Flipping {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.latch)
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.latch)
    }
}

/// A bus whose targets at 0x50..0x58 acknowledge and read back a counter.
#[derive(Default)]
struct Targets(u8);

impl embedded_hal::i2c::ErrorType for Targets {
    type Error = embedded_hal::i2c::ErrorKind;
}

impl embedded_hal::i2c::I2c for Targets {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [embedded_hal::i2c::Operation<'_>],
    ) -> Result<(), Self::Error> {
        if !(0x50..0x58).contains(&address) {
            return Err(embedded_hal::i2c::ErrorKind::NoAcknowledge(
                embedded_hal::i2c::NoAcknowledgeSource::Address,
            ));
        }
        for operation in operations {
            if let embedded_hal::i2c::Operation::Read(buffer) = operation {
                for byte in buffer.iter_mut() {
                    self.0 = self.0.wrapping_add(1);
                    *byte = self.0;
                }
            }
        }
        Ok(())
    }
}

pub type Host = Board<'static, VirtualTime, VirtualTime>;

pub fn board() -> Host {
    const ALLOWED: &[Address] = &[
        Address::SevenBit(0x50),
        Address::SevenBit(0x60),
        Address::TenBit(0x2a5),
    ];
    let time = VirtualTime::new();
    Board::new(time.clone(), time)
        .pin(Pin::new(
            "led",
            Caps::PUSH_PULL_OUTPUT | Caps::OPEN_DRAIN_OUTPUT | Caps::INPUT,
            InOut(Flipping::default()),
        ))
        .pin(Pin::new(
            "button",
            Caps::INPUT | Caps::PULL_UP | Caps::EDGE_EVENTS,
            Input(Flipping::default()),
        ))
        .bus(Bus::new("i2c0", 400_000, ALLOWED, SevenBit(Targets::default())).max_transfer(64))
        .log_to(wasi_hw_shim::app::log::Level::Trace, |_, _| {})
}
