//! The emulated board: an LED, a push button with a script of presses and
//! a 24C02 EEPROM on an I2C bus, on virtual time (`hal::VirtualTime`: a
//! sleep advances it at once). Each part implements embedded-hal 1.0, as a
//! real HAL's would, and `wasi_hw_shim::hal::Board` turns them into a host.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::convert::Infallible;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_board::board::eeprom::{Eeprom, GEOMETRY_24C02};
use wasi_hw_board::board::i2c::{Address, Bus, Device};
use wasi_hw_shim::app::gpio::Capabilities as Caps;
use wasi_hw_shim::app::i2c::Address as AppAddress;
use wasi_hw_shim::app::log::Level;
use wasi_hw_shim::hal::{self, Input, Output, Pin, SevenBit, VirtualTime};

use crate::i2c::ModelBus;
use crate::say::{self, Part};

/// The button's presses: at 1.2 s for 0.5 s, at 2.5 s for 0.2 s.
pub const PRESSES: &[(u64, u64)] = &[
    (1_200_000_000, 1_700_000_000),
    (2_500_000_000, 2_700_000_000),
];

/// The EEPROM's address on "storage-bus", the one address apps may use.
pub const EEPROM_ADDRESS: u8 = 0x50;
const STORAGE: &[AppAddress] = &[AppAddress::SevenBit(EEPROM_ADDRESS)];

/// The board both firmwares give an app, fresh at `time`: "led" (a
/// push-pull output), "button" (an input with a pull-up and edge events,
/// pressed as [`PRESSES`] says) and "storage-bus" (I2C at 100 kHz, a 24C02
/// at 0x50 with a 5 ms write cycle, blank: as in the reference host's
/// boards/demo.toml), the app's log printed with its time.
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
        .bus(hal::Bus::new(
            "storage-bus",
            FREQUENCY_HZ,
            STORAGE,
            SevenBit(ModelBus {
                bus: storage_bus(),
                time: time.clone(),
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

/// The I2C bus's clock.
const FREQUENCY_HZ: u32 = 100_000;

/// The board model's bus with the EEPROM on it.
fn storage_bus() -> Bus {
    let eeprom: Box<dyn Device> = Box::new(Eeprom::new("24c02", GEOMETRY_24C02, 5_000_000, &[]));
    Bus {
        name: String::from("storage-bus"),
        frequency_hz: FREQUENCY_HZ,
        max_transfer: 255,
        devices: BTreeMap::from([(Address::Seven(EEPROM_ADDRESS), eeprom)]),
        faults: Vec::new(),
        transfers: 0,
        stuck: false,
        stop_between_operations: false,
    }
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

/// The SPI flash of the demo board (`host-reference/boards/demo.toml`'s
/// "flash": a W25Q32JV on spi1, mode 0, 1 MHz, its unique id "WASI-HW!"),
/// the board model's part behind an embedded-hal `SpiDevice`, for
/// `hal::Board::spi`. Not in [`parts`]: the tiny firmware's flash has no
/// room for the part's model.
pub fn flash(time: &VirtualTime) -> hal::SpiDevice<'static> {
    use wasi_hw_board::board::nor_flash::NorFlash;
    use wasi_hw_board::board::spi::{BitOrder, Config, Mode, SpiDevice};
    use wasi_hw_shim::app::spi as app_spi;
    const FREQUENCY_HZ: u32 = 1_000_000;
    const MAX_TRANSFER: u32 = 256;
    let part = NorFlash::new("w25q32jv", *b"WASI-HW!").expect("the W25Q32JV is a model");
    let config = Config {
        mode: Mode::Mode0,
        bit_order: BitOrder::MsbFirst,
        frequency_hz: FREQUENCY_HZ,
    };
    let device = SpiDevice::new("flash", "spi1", config, MAX_TRANSFER, Box::new(part));
    let app_config = app_spi::Config {
        mode: app_spi::Mode::Mode0,
        bit_order: app_spi::BitOrder::MsbFirst,
        frequency_hz: FREQUENCY_HZ,
    };
    hal::SpiDevice::new(
        "flash",
        app_config,
        crate::spi::ModelDevice {
            device,
            time: time.clone(),
        },
    )
    .max_transfer(MAX_TRANSFER)
}
