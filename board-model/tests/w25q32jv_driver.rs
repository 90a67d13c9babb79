//! The crates.io `w25q32jv` driver (on embedded-hal 1.0, unchanged) against
//! the W25Q32JV model (`board::nor_flash`) of a board file: it programs
//! across a page boundary, reads back, erases a sector and finds it blank,
//! polling the status register while the part is busy as on the real part.
//! It talks to the board through `common::BoardSpi`, an embedded-hal
//! `SpiDevice` over `Board::spi_transaction`.

mod common;

use std::convert::Infallible;

use common::BoardSpi;
use embedded_hal::digital::{ErrorType, OutputPin};
use w25q32jv::W25q32jv;
use wasi_hw_board::board::file;

const BOARD: &str = r#"
[[spi]]
name = "flash"
model = "w25q32jv"
frequency-hz = 8000000
max-transfer = 512
unique-id = [0x77, 0x61, 0x73, 0x69, 0x2d, 0x68, 0x77, 0x21]

[policy]
spi = ["flash"]
"#;

/// HOLD and WP, which the driver drives high: tied high on this board.
struct Tied;

impl ErrorType for Tied {
    type Error = Infallible;
}

impl OutputPin for Tied {
    fn set_low(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

#[test]
fn the_w25q32jv_driver_programs_reads_back_and_erases_the_model() {
    let mut spi = BoardSpi::open(file::parse_str("flash.toml", BOARD).unwrap(), "flash");
    // The driver polls BUSY in a tight loop: some 22,500 status reads
    // during the erase's 45 ms at 8 MHz. Keep them all.
    spi.board.trace.max_bytes = 64 << 20;
    let mut chip = W25q32jv::new(&mut spi, Tied, Tied).unwrap();
    assert_eq!(chip.device_id().unwrap(), *b"wasi-hw!");

    // 300 bytes from 0x1F0: across the page boundary at 0x200 (the driver
    // splits the write into pages).
    let data: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    chip.write_blocking(0x1F0, &data).unwrap();
    let mut back = vec![0; 300];
    chip.read(0x1F0, &mut back).unwrap();
    assert_eq!(back, data);

    chip.erase_sector(0).unwrap();
    let mut blank = vec![0; 300];
    chip.read(0x1F0, &mut blank).unwrap();
    assert_eq!(blank, vec![0xFF; 300]);

    // The erase took the part's 45 ms, which the driver waited out by
    // polling BUSY: virtual time is past it.
    assert!(spi.board.now() > 45_000_000, "{}", spi.board.now());
    // The first page program writes the 16 bytes up to the page's end,
    // after a write enable and the driver's check of WEL in the status
    // register (0x02).
    let wires = spi.wires();
    let first_program = wires
        .iter()
        .position(|w| w.starts_with("CS low | write [02 00 01 f0]"))
        .expect("a page program at 0x1F0");
    assert_eq!(
        wires[first_program - 2..first_program],
        [
            "CS low | write [06] | CS high",
            "CS low | transfer [05 00] -> [ff 02] | CS high"
        ]
    );
    // The sector erase, then BUSY (and WEL) for 45 ms: a status read takes
    // 2 µs at 8 MHz and reads its byte 1 µs in, so 22,500 of them see it
    // set, and the next sees the part done.
    let erase = wires
        .iter()
        .position(|w| w == "CS low | write [20 00 00 00] | CS high")
        .expect("a sector erase");
    let busy = wires[erase + 1..]
        .iter()
        .take_while(|w| *w == "CS low | transfer [05 00] -> [ff 03] | CS high")
        .count();
    assert_eq!(busy, 22_500);
    assert_eq!(
        wires[erase + 1 + busy],
        "CS low | transfer [05 00] -> [ff 00] | CS high"
    );
}
