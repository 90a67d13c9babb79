//! weather-spi: reads a BME280 wired in its SPI mode (the SPI device
//! "env") with the crates.io driver `bme280-multibus` (unchanged, over the
//! SDK's embedded-hal `SpiDevice` adapter) and prints temperature, pressure
//! and humidity.
//!
//! (`bme280` 0.5.1, the driver of the I2C `weather` example, cannot read a
//! part over SPI: its reads take the byte clocked out with the register
//! address as the first byte of data, so the chip id reads 0xff. Its fix
//! is not released.)
//!
//! Arguments: `[COUNT [INTERVAL_S]]`: how many readings (default 1) and the
//! seconds between them (default 60).
#![no_std]

use bme280_multibus::{Bme280, Config, CtrlMeas, Mode, Oversampling, Settings, Standby};
use wasi_hw_guest::{self as hw, Context, log::Line, spi, timer};

hw::app!(run);

// Its whole heap: the arguments, the device, and what the adapter's calls
// return. With the 4 KiB stack of build.rs its memory is fixed (guest-sdk
// README, "Fixed memory").
hw::fixed_heap!(2048);

const USAGE_COUNT: &str = "weather-spi [COUNT [INTERVAL_S]]: COUNT must be a whole number";
const USAGE_INTERVAL: &str = "weather-spi [COUNT [INTERVAL_S]]: INTERVAL_S must be a whole number";

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let count: u32 = args.parse(0, 1, USAGE_COUNT)?;
    let interval: u64 = args.parse(1, 60, USAGE_INTERVAL)?;

    let mut bme = Bme280::from_spi1(spi::open("env")?).context("starting the BME280")?;
    let id = bme.chip_id().context("reading the BME280's chip id")?;
    Line::new()
        .text("bme280 over spi: chip id ")
        .uint(id.into())
        .info();
    // Normal mode: a measurement every second, each oversampled 16 times.
    bme.settings(&Settings {
        config: Config::RESET.set_standby_time(Standby::Millis1000),
        ctrl_meas: CtrlMeas::RESET
            .set_osrs_t(Oversampling::X16)
            .set_osrs_p(Oversampling::X16)
            .set_mode(Mode::Normal),
        ctrl_hum: Oversampling::X16,
    })
    .context("configuring the BME280")?;

    for n in 0..count {
        // The first measurement (at 16 times oversampling, at most
        // 112.8 ms by the datasheet), then one an interval.
        timer::sleep(if n == 0 {
            113 * timer::MILLISECOND
        } else {
            interval * timer::SECOND
        });
        let m = bme.sample().context("measuring with the BME280")?;
        Line::new()
            .text("bme280 over spi: temperature ")
            .fixed(f64::from(m.temperature), 2)
            .text(" °C, pressure ")
            .fixed(f64::from(m.pressure), 0)
            .text(" Pa, humidity ")
            .fixed(f64::from(m.humidity), 2)
            .text(" %RH")
            .info();
    }
    Ok(())
}
