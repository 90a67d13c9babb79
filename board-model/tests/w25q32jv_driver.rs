//! The crates.io `w25q32jv` driver (on embedded-hal 1.0, unchanged) against
//! the W25Q32JV model (`board::nor_flash`) behind an SPI device of the
//! board model: it programs across a page boundary, reads back, erases a
//! sector and finds it blank, polling the status register while the part
//! is busy as on the real part. [`ModelDevice`] is an embedded-hal
//! `SpiDevice` over `SpiDevice::transaction`, on a virtual clock that
//! advances as the wire does.

use std::convert::Infallible;

use embedded_hal::digital::{ErrorType as PinErrorType, OutputPin};
use embedded_hal::spi::{ErrorKind, ErrorType, Operation};
use w25q32jv::W25q32jv;
use wasi_hw_board::board::nor_flash::NorFlash;
use wasi_hw_board::board::spi::{BitOrder, Config, Mode, Op, SpiDevice};

/// The model's device as an embedded-hal `SpiDevice`, with its clock and
/// the wire of every transaction.
struct ModelDevice {
    device: SpiDevice,
    now: u64,
    transactions: Vec<Vec<String>>,
}

impl ErrorType for ModelDevice {
    type Error = ErrorKind;
}

impl embedded_hal::spi::SpiDevice for ModelDevice {
    fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), ErrorKind> {
        // What goes out; embedded-hal's read sends 0x00 here, as the spec's.
        let outgoing: Vec<Vec<u8>> = operations
            .iter()
            .map(|o| match o {
                Operation::Read(b) => vec![0; b.len()],
                Operation::Write(b) => b.to_vec(),
                Operation::Transfer(r, w) => {
                    let mut out = w.to_vec();
                    out.resize(r.len().max(w.len()), 0);
                    out
                }
                Operation::TransferInPlace(b) => b.to_vec(),
                Operation::DelayNs(_) => Vec::new(),
            })
            .collect();
        let ops: Vec<Op<'_>> = operations
            .iter()
            .zip(&outgoing)
            .map(|(o, out)| match o {
                Operation::Read(b) => Op::Read(b.len() as u32),
                Operation::Write(_) => Op::Write(out),
                Operation::DelayNs(ns) => Op::DelayNs(*ns),
                _ => Op::Transfer(out),
            })
            .collect();
        let (result, wire, end) = self.device.transaction(self.now, &ops, true);
        self.now = end;
        self.transactions.push(wire);
        let mut back = result.map_err(|_| ErrorKind::Other)?.into_iter();
        for o in operations.iter_mut() {
            match o {
                Operation::Read(b) => b.copy_from_slice(&back.next().unwrap()),
                Operation::Transfer(r, _) => {
                    let got = back.next().unwrap();
                    let n = r.len();
                    r.copy_from_slice(&got[..n]);
                }
                Operation::TransferInPlace(b) => b.copy_from_slice(&back.next().unwrap()),
                Operation::Write(_) | Operation::DelayNs(_) => {}
            }
        }
        Ok(())
    }
}

/// HOLD and WP, which the driver drives high: tied high on this board.
struct Tied;

impl PinErrorType for Tied {
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

fn flash() -> ModelDevice {
    ModelDevice {
        device: SpiDevice::new(
            "flash",
            "spi0",
            Config {
                mode: Mode::Mode0,
                bit_order: BitOrder::MsbFirst,
                frequency_hz: 8_000_000,
            },
            4096,
            Box::new(NorFlash::new("w25q32jv", *b"wasi-hw!").unwrap()),
        ),
        now: 0,
        transactions: Vec::new(),
    }
}

#[test]
fn the_w25q32jv_driver_programs_reads_back_and_erases_the_model() {
    let mut spi = flash();
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
    assert!(spi.now > 45_000_000, "{}", spi.now);
    // The first page program writes the 16 bytes up to the page's end.
    let wires: Vec<String> = spi.transactions.iter().map(|w| w.join(" | ")).collect();
    let first_program = wires
        .iter()
        .position(|w| w.starts_with("CS low | write [02 00 01 f0]"))
        .expect("a page program at 0x1F0");
    // Write enable, then the driver checks WEL in the status register
    // (0x02), then the program.
    assert_eq!(
        wires[first_program - 2..first_program],
        [
            "CS low | write [06] | CS high",
            "CS low | transfer [05 00] -> [ff 02] | CS high"
        ]
    );
    assert!(
        wires
            .iter()
            .any(|w| w == "CS low | write [20 00 00 00] | CS high"),
        "{wires:#?}"
    );
}
