//! flash: programs, reads back and erases a Winbond W25Q32JV NOR flash on
//! the SPI device "flash" with the crates.io driver `w25q32jv` (unchanged,
//! over the SDK's embedded-hal `SpiDevice` adapter).
//!
//! It writes 300 bytes across a page boundary (the driver splits them into
//! page programs, each waited out by polling the status register), reads
//! them back, erases their sector and reads it blank, saying how long each
//! step took on the part.
//!
//! Arguments: `[ADDRESS]`: where to write, in bytes (default 496, 0x1F0:
//! 16 bytes before the end of the second page); the first 4 KiB sector.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::convert::Infallible;

use embedded_hal::digital::{ErrorType, OutputPin};
use w25q32jv::W25q32jv;
use wasi_hw_guest::{self as hw, Context, log::Line, spi, timer};

hw::app!(run);

// The arguments, the device, the data and its copy read back, and what the
// adapter's calls return. With the 4 KiB stack of build.rs its memory is
// fixed (guest-sdk README, "Fixed memory").
hw::fixed_heap!(4096);

const LENGTH: usize = 300;
const USAGE: &str = "flash [ADDRESS]: ADDRESS must be a whole number of bytes, at most 3796 (the write stays in the first 4 KiB sector)";

/// The flash's HOLD and WP lines, which the driver wants to drive high: on
/// the board they are tied high, not wired to the app.
struct TiedHigh;

impl ErrorType for TiedHigh {
    type Error = Infallible;
}

impl OutputPin for TiedHigh {
    fn set_low(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let address: u32 = args.parse(0, 0x1F0, USAGE)?;
    if address as usize + LENGTH > 4096 {
        return Err(hw::Error::usage(USAGE));
    }
    let device = spi::open("flash")?;
    let mut chip = W25q32jv::new(device, TiedHigh, TiedHigh).context("starting the W25Q32JV")?;
    let id = chip.device_id().context("reading the flash's unique id")?;
    // The board's part has a readable one; a real part's is 8 raw bytes.
    let mut line = Line::new();
    line.text("flash: unique id");
    match core::str::from_utf8(&id) {
        Ok(text) if text.bytes().all(|b| b.is_ascii_graphic()) => {
            line.text(" \"").text(text).text("\"");
        }
        _ => {
            for byte in id {
                line.text(" ").uint(byte.into());
            }
        }
    }
    line.info();

    let data: Vec<u8> = (0..LENGTH as u32).map(|i| (i * 7) as u8).collect();
    let start = timer::now();
    chip.write_blocking(address, &data)
        .context("programming the flash")?;
    Line::new()
        .text("flash: programmed ")
        .uint(LENGTH as u64)
        .text(" bytes at ")
        .uint(address.into())
        .text(" in ")
        .uint(micros_since(start))
        .text(" µs")
        .info();

    let mut back = alloc::vec![0; LENGTH];
    chip.read(address, &mut back).context("reading the flash")?;
    if back != data {
        return Err(hw::Error::message(
            "flash: read back other bytes than written",
        ));
    }
    Line::new()
        .text("flash: read back the ")
        .uint(LENGTH as u64)
        .text(" bytes written")
        .info();

    let start = timer::now();
    chip.erase_sector(0).context("erasing sector 0")?;
    Line::new()
        .text("flash: erased sector 0 in ")
        .uint(micros_since(start))
        .text(" µs")
        .info();
    chip.read(address, &mut back).context("reading the flash")?;
    if back.iter().any(|&b| b != 0xFF) {
        return Err(hw::Error::message("flash: the erased sector is not blank"));
    }
    Line::new().text("flash: the bytes read 0xFF again").info();
    Ok(())
}

/// The microseconds from `start` to now.
fn micros_since(start: u64) -> u64 {
    (timer::now() - start) / timer::MICROSECOND
}
