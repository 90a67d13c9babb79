//! eeprom: writes one page to a 24C02 EEPROM on the bus "storage-bus" with
//! the crates.io driver `eeprom24x`, waits out the write cycle, and reads the
//! page back.
//!
//! During its write cycle (up to 5 ms) the part does not acknowledge its
//! address; the app retries the read until it does, at most 20 times, 1 ms
//! apart. Arguments: `[PAGE]`, the page to use, 0 to 31 (default 2).
#![no_std]

use eeprom24x::{Eeprom24x, SlaveAddr};
use embedded_hal::i2c::{Error as _, ErrorKind, NoAcknowledgeSource};
use wasi_hw_guest::{self as hw, Context, i2c, log::Line, timer};

hw::app!(run);

// Its whole heap: the arguments, the bus's resource, the page read back
// (a list the host writes into the app's memory) and error messages. With
// the 4 KiB stack of build.rs its memory is fixed (guest-sdk README, "Fixed
// memory"), so the tiny firmware can run it.
hw::fixed_heap!(1024);

const PAGE_SIZE: u32 = 8;

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let page: u32 = args.parse(0, 2, "eeprom [PAGE]: PAGE must be a whole number")?;
    if page >= 32 {
        return Err(hw::Error::usage("eeprom [PAGE]: PAGE must be 0 to 31"));
    }
    let address = page * PAGE_SIZE;
    let mut eeprom = Eeprom24x::new_24x02(i2c::open("storage-bus")?, SlaveAddr::default());

    let data: [u8; PAGE_SIZE as usize] = core::array::from_fn(|i| (page as u8) << 4 | i as u8);
    eeprom
        .write_page(address, &data)
        .context("writing the EEPROM page")?;
    Line::new()
        .text("eeprom: wrote page ")
        .uint(page.into())
        .info();

    let mut back = [0u8; PAGE_SIZE as usize];
    let mut busy = 0;
    loop {
        match eeprom.read_data(address, &mut back) {
            Ok(()) => break,
            Err(eeprom24x::Error::I2C(e))
                if e.kind() == ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address)
                    && busy < 20 =>
            {
                busy += 1;
                timer::sleep(timer::MILLISECOND);
            }
            Err(e) => return Err(e).context("reading the EEPROM page back"),
        }
    }
    Line::new()
        .text("eeprom: write cycle took ")
        .uint(busy)
        .text(" retries (no-acknowledge while busy)")
        .info();
    if back != data {
        return Err("eeprom: the page read back differs from the page written".into());
    }
    Line::new()
        .text("eeprom: read back ")
        .uint(back.len() as u64)
        .text(" bytes, all equal")
        .info();
    Ok(())
}
