//! Not an example: calls one import `COUNT` times, for the call-cost
//! benchmarks of the hosts.
//!
//! Arguments: `OP COUNT`, where OP is `empty` (`timer.resolution`, the
//! cheapest import of the world: the baseline), `set-high` (on "led"),
//! `write-read` (one register byte written, 16 bytes read, at 0x76 on
//! "sensor-bus"), `spi-transfer` (16 bytes out and in at once, on the SPI
//! device "env": a register address and 15 zeros), `sensor-read` (on
//! "ambient"), or `frequency`
//! (`bus.frequency-hz`: a resource method that returns a plain number, to
//! tell the cost of passing a resource handle from the host's own work).
#![no_std]

use wasi_hw_guest::{self as hw, gpio, i2c, sensor, spi, timer};

hw::app!(run);

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let count: u32 = args.parse(1, 1000, "bench OP COUNT")?;
    match args.get(0).unwrap_or("") {
        "empty" => {
            let mut sum = 0;
            for _ in 0..count {
                sum += timer::resolution();
            }
            core::hint::black_box(sum);
        }
        "frequency" => {
            let bus = i2c::open("sensor-bus")?;
            let mut sum = 0;
            for _ in 0..count {
                sum += bus.frequency_hz();
            }
            core::hint::black_box(sum);
        }
        "set-high" => {
            let led = gpio::open("led", gpio::Config::output(false))?;
            for _ in 0..count {
                led.set_high()?;
            }
        }
        "write-read" => {
            let bus = i2c::open("sensor-bus")?;
            for _ in 0..count {
                core::hint::black_box(bus.write_read(i2c::Address::SevenBit(0x76), &[0x88], 16)?);
            }
        }
        "spi-transfer" => {
            let env = spi::open("env")?;
            let mut out = [0u8; 16];
            out[0] = 0x88;
            for _ in 0..count {
                core::hint::black_box(env.transfer(&out)?);
            }
        }
        "sensor-read" => {
            let ambient = sensor::open("ambient")?;
            for _ in 0..count {
                core::hint::black_box(ambient.read()?);
            }
        }
        _ => {
            return Err(hw::Error::usage(
                "bench empty|frequency|set-high|write-read|spi-transfer|sensor-read COUNT",
            ));
        }
    }
    Ok(())
}
