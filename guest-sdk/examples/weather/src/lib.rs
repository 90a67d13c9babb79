//! weather: reads a BME280 on the bus "sensor-bus" with the crates.io driver
//! `bme280` (unchanged, over the SDK's embedded-hal I2C adapter), then the
//! sensor "ambient" through the spec's sensor interface, and prints both.
//!
//! Arguments: `[COUNT [INTERVAL_S]]`: how many readings (default 1) and the
//! seconds between them (default 60).
#![no_std]

use bme280::i2c::BME280;
use wasi_hw_guest::{self as hw, Context, i2c, log::Line, sensor, timer};

hw::app!(run);

// Its whole heap: the arguments, the resources, the sensor's readings and
// its log lines. With the 4 KiB stack of build.rs its memory is fixed
// (guest-sdk README, "Fixed memory").
hw::fixed_heap!(2048);

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let count: u32 = args.parse(
        0,
        1,
        "weather [COUNT [INTERVAL_S]]: COUNT must be a whole number",
    )?;
    let interval: u64 = args.parse(
        1,
        60,
        "weather [COUNT [INTERVAL_S]]: INTERVAL_S must be a whole number",
    )?;

    let mut delay = timer::Delay::new();
    let mut bme = BME280::new_primary(i2c::open("sensor-bus")?);
    bme.init(&mut delay).context("starting the BME280")?;
    let ambient = sensor::open("ambient")?;
    let channels = ambient.info().channels;

    for n in 0..count {
        if n > 0 {
            timer::sleep(interval * timer::SECOND);
        }
        let m = bme
            .measure(&mut delay)
            .context("measuring with the BME280")?;
        Line::new()
            .text("bme280 driver: temperature ")
            .fixed(f64::from(m.temperature), 2)
            .text(" °C, pressure ")
            .fixed(f64::from(m.pressure), 0)
            .text(" Pa, humidity ")
            .fixed(f64::from(m.humidity), 2)
            .text(" %RH")
            .info();

        let sample = ambient.read()?;
        let mut line = Line::new();
        line.text("sensor ambient #")
            .uint(sample.sequence)
            .text(":");
        for (info, value) in channels.iter().zip(sample.values) {
            line.text(" ")
                .text(info.channel.label())
                .text(" ")
                .fixed(value, 2)
                .text(" ")
                .text(info.channel.unit());
        }
        line.info();
    }
    Ok(())
}
