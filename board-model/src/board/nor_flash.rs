//! A Winbond W25Qxx JV serial NOR flash (W25Q32JV: 4 MiB; W25Q64JV,
//! W25Q128JV) at the level of its SPI commands, after its datasheet.
//!
//! - **Identification**: JEDEC ID (0x9F) gives 0xEF, 0x40 and the capacity
//!   code (0x16 for 4 MiB, 0x17, 0x18); the unique ID (0x4B, four dummy
//!   bytes, then 8 bytes); release from power-down (0xAB, three dummy
//!   bytes, then the device ID 0x15/0x16/0x17).
//! - **Status register 1** (0x05, repeated for as long as the chip select
//!   is held): BUSY (bit 0) during a program or erase cycle, WEL (bit 1)
//!   after write enable (0x06) until write disable (0x04) or the end of a
//!   program or erase cycle. Status register 2 (0x35) reads 0x00.
//! - **Read** (0x03, a 24-bit address) and **fast read** (0x0B, an address
//!   and a dummy byte): bytes from the address on, wrapping at the end of
//!   the memory.
//! - **Page program** (0x02, an address, 1 to 256 bytes): the bytes go into
//!   the address's 256-byte page, wrapping within it (a longer program keeps
//!   the last 256 bytes), and can only clear bits (the new value is the old
//!   AND the written). **Erase**: sector (0x20, 4 KiB), block (0x52, 32 KiB;
//!   0xD8, 64 KiB), chip (0xC7 or 0x60), to 0xFF. Each needs WEL, starts
//!   when the chip select is released after the command's last byte (not
//!   after a byte too many or too few: the command is then ignored), sets
//!   BUSY for the datasheet's typical time (page program 0.4 ms, sector
//!   erase 45 ms, 32 KiB 120 ms, 64 KiB 150 ms, chip 10 s per 4 MiB), then
//!   clears BUSY and WEL.
//! - While BUSY, every command but the status reads is ignored; in
//!   power-down (0xB9), every command but 0xAB. Reset (0x66 then 0x99)
//!   ends power-down and clears WEL (not during a cycle).
//! - MISO is 0xFF (not driven) while commands, addresses and data go in.
//!
//! Modes 0 and 3. The memory is kept a 4 KiB sector at a time, and only
//! the sectors written hold memory, so that a 16 MiB part costs what it
//! holds, on a host or on a firmware.

use alloc::{boxed::Box, collections::BTreeMap, vec::Vec};

use super::spi::{Mode, Part};
use crate::time::Nanos;

const PAGE: u32 = 256;
const SECTOR: u32 = 4096;

/// The datasheet's typical times, in nanoseconds.
const PAGE_PROGRAM: Nanos = 400_000;
const SECTOR_ERASE: Nanos = 45_000_000;
const BLOCK_ERASE_32K: Nanos = 120_000_000;
const BLOCK_ERASE_64K: Nanos = 150_000_000;
/// Chip erase, per 4 MiB.
const CHIP_ERASE_4M: Nanos = 10_000_000_000;

/// What the chip-select release will start, once the command is whole.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    None,
    Program {
        address: u32,
        data: Vec<u8>,
    },
    Erase {
        address: u32,
        size: u32,
        time: Nanos,
    },
    Chip,
}

/// The part.
#[derive(Clone)]
pub struct NorFlash {
    model: &'static str,
    capacity: u32,
    /// Written sectors, by index; a missing one reads 0xFF.
    sectors: BTreeMap<u32, Box<[u8]>>,
    unique_id: [u8; 8],
    write_enabled: bool,
    /// The end of the program or erase cycle in progress.
    busy_until: Option<Nanos>,
    powered_down: bool,
    /// The reset-enable command (0x66) was the previous command.
    reset_enabled: bool,
    /// The words of the command in progress (since the chip select).
    command: Vec<u8>,
    pending: Pending,
}

impl NorFlash {
    /// The part of this name (`w25q32jv`, `w25q64jv`, `w25q128jv`), erased,
    /// with `unique_id`.
    pub fn new(model: &str, unique_id: [u8; 8]) -> Option<NorFlash> {
        let (model, capacity) = match model {
            "w25q32jv" => ("w25q32jv", 4 << 20),
            "w25q64jv" => ("w25q64jv", 8 << 20),
            "w25q128jv" => ("w25q128jv", 16 << 20),
            _ => return None,
        };
        Some(NorFlash {
            model,
            capacity,
            sectors: BTreeMap::new(),
            unique_id,
            write_enabled: false,
            busy_until: None,
            powered_down: false,
            reset_enabled: false,
            command: Vec::new(),
            pending: Pending::None,
        })
    }

    /// The capacity, in bytes.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The byte at `address` (wrapped to the capacity).
    pub fn byte(&self, address: u32) -> u8 {
        let address = address % self.capacity;
        self.sectors
            .get(&(address / SECTOR))
            .map_or(0xFF, |s| s[(address % SECTOR) as usize])
    }

    fn set(&mut self, address: u32, value: u8) {
        let address = address % self.capacity;
        let sector = self
            .sectors
            .entry(address / SECTOR)
            .or_insert_with(|| alloc::vec![0xFF; SECTOR as usize].into_boxed_slice());
        sector[(address % SECTOR) as usize] &= value;
    }

    /// Ends a cycle that is over by `now`.
    fn settle(&mut self, now: Nanos) {
        if self.busy_until.is_some_and(|end| now >= end) {
            self.busy_until = None;
            self.write_enabled = false;
        }
    }

    fn status(&self) -> u8 {
        u8::from(self.busy_until.is_some()) | (u8::from(self.write_enabled) << 1)
    }

    /// The capacity code of the JEDEC ID, and the device ID of 0xAB.
    fn ids(&self) -> (u8, u8) {
        match self.capacity {
            0x40_0000 => (0x16, 0x15),
            0x80_0000 => (0x17, 0x16),
            _ => (0x18, 0x17),
        }
    }

    fn address(&self) -> u32 {
        (u32::from(self.command[1]) << 16)
            | (u32::from(self.command[2]) << 8)
            | u32::from(self.command[3])
    }

    /// The word after the command's `n`-th (0 = the opcode), for a command
    /// that reads from the address on.
    fn read_at(&self, skip: usize) -> u8 {
        let offset = (self.command.len() - 1 - skip) as u32;
        self.byte(self.address().wrapping_add(offset))
    }
}

impl Part for NorFlash {
    fn model(&self) -> &'static str {
        self.model
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Mode0, Mode::Mode3]
    }
    fn select(&mut self, now: Nanos) {
        self.settle(now);
        self.command.clear();
        self.pending = Pending::None;
    }
    fn exchange(&mut self, now: Nanos, mosi: u8) -> u8 {
        self.settle(now);
        self.command.push(mosi);
        let opcode = self.command[0];
        let n = self.command.len();
        // While busy, only the status reads; in power-down, only 0xAB.
        if self.busy_until.is_some() && !matches!(opcode, 0x05 | 0x35) {
            return 0xFF;
        }
        if self.powered_down && opcode != 0xAB {
            return 0xFF;
        }
        match (opcode, n) {
            (0x05, 2..) => self.status(),
            (0x35, 2..) => 0x00,
            (0x9F, 2) => 0xEF,
            (0x9F, 3) => 0x40,
            (0x9F, 4) => self.ids().0,
            (0x03, 5..) => self.read_at(4),
            (0x0B, 6..) => self.read_at(5),
            (0x4B, 6..=13) => self.unique_id[n - 6],
            (0xAB, 5..) => self.ids().1,
            _ => 0xFF,
        }
    }
    fn deselect(&mut self, now: Nanos) {
        self.settle(now);
        let busy = self.busy_until.is_some();
        let Some(&opcode) = self.command.first() else {
            return;
        };
        let n = self.command.len();
        if self.powered_down {
            if opcode == 0xAB {
                self.powered_down = false;
            }
            return;
        }
        if busy {
            return;
        }
        let reset_enabled = core::mem::take(&mut self.reset_enabled);
        match (opcode, n) {
            (0x06, 1) => self.write_enabled = true,
            (0x04, 1) => self.write_enabled = false,
            (0xB9, 1) => self.powered_down = true,
            (0x66, 1) => self.reset_enabled = true,
            (0x99, 1) if reset_enabled => self.write_enabled = false,
            (0x02, 5..) if self.write_enabled => {
                let address = self.address();
                let data = &self.command[4..];
                // Only the last 256 bytes of a longer program are kept.
                let data: Vec<u8> = data[data.len().saturating_sub(PAGE as usize)..].to_vec();
                self.pending = Pending::Program { address, data };
            }
            (0x20, 4) if self.write_enabled => {
                self.pending = Pending::Erase {
                    address: self.address(),
                    size: SECTOR,
                    time: SECTOR_ERASE,
                };
            }
            (0x52, 4) if self.write_enabled => {
                self.pending = Pending::Erase {
                    address: self.address(),
                    size: 32 * 1024,
                    time: BLOCK_ERASE_32K,
                };
            }
            (0xD8, 4) if self.write_enabled => {
                self.pending = Pending::Erase {
                    address: self.address(),
                    size: 64 * 1024,
                    time: BLOCK_ERASE_64K,
                };
            }
            (0xC7 | 0x60, 1) if self.write_enabled => self.pending = Pending::Chip,
            _ => {}
        }
        match core::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::Program { address, data } => {
                let page = address - address % PAGE;
                let start = address % PAGE;
                for (i, &b) in data.iter().enumerate() {
                    self.set(page + (start + i as u32) % PAGE, b);
                }
                self.busy_until = Some(now.saturating_add(PAGE_PROGRAM));
            }
            Pending::Erase {
                address,
                size,
                time,
            } => {
                let first = (address % self.capacity) / size * size;
                for sector in (first / SECTOR)..((first + size) / SECTOR) {
                    self.sectors.remove(&sector);
                }
                self.busy_until = Some(now.saturating_add(time));
            }
            Pending::Chip => {
                self.sectors.clear();
                let time = CHIP_ERASE_4M * Nanos::from(self.capacity / (4 << 20));
                self.busy_until = Some(now.saturating_add(time));
            }
        }
    }
    fn clone_box(&self) -> Box<dyn Part> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::spi::{BitOrder, Config, Op, SpiDevice};
    use alloc::vec;

    fn flash() -> SpiDevice {
        let config = Config {
            mode: Mode::Mode0,
            bit_order: BitOrder::MsbFirst,
            frequency_hz: 8_000_000,
        };
        let part = NorFlash::new("w25q32jv", [1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        SpiDevice::new("flash", "spi0", config, 4096, Box::new(part))
    }

    /// One transaction of `out` written and `n` bytes read after it.
    fn command(d: &mut SpiDevice, now: Nanos, out: &[u8], n: u32) -> (Vec<u8>, Nanos) {
        let ops = [Op::Write(out), Op::Read(n)];
        let (r, _, end) = d.transaction(now, if n == 0 { &ops[..1] } else { &ops }, false);
        let mut r = r.unwrap();
        (if n == 0 { Vec::new() } else { r.remove(0) }, end)
    }

    #[test]
    fn it_names_itself_by_jedec_id_unique_id_and_device_id() {
        let mut d = flash();
        assert_eq!(command(&mut d, 0, &[0x9f], 3).0, [0xef, 0x40, 0x16]);
        assert_eq!(
            command(&mut d, 0, &[0x4b, 0, 0, 0, 0], 8).0,
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(command(&mut d, 0, &[0xab, 0, 0, 0], 1).0, [0x15]);
        let big = NorFlash::new("w25q128jv", [0; 8]).unwrap();
        assert_eq!((big.capacity(), big.ids()), (16 << 20, (0x18, 0x17)));
        assert!(NorFlash::new("w25q80", [0; 8]).is_none());
    }

    #[test]
    fn a_page_program_needs_write_enable_clears_bits_wraps_in_its_page_and_takes_its_time() {
        let mut d = flash();
        // Without write enable: ignored.
        command(&mut d, 0, &[0x02, 0x00, 0x10, 0x00, 0x12], 0);
        assert_eq!(command(&mut d, 0, &[0x03, 0x00, 0x10, 0x00], 1).0, [0xff]);
        command(&mut d, 0, &[0x06], 0);
        assert_eq!(command(&mut d, 0, &[0x05], 1).0, [0x02], "WEL");
        // 4 bytes at 0x1FE: two at the end of the page, two wrapped to its
        // start.
        let (_, t) = command(
            &mut d,
            0,
            &[0x02, 0x00, 0x01, 0xfe, 0xa0, 0xa1, 0x0f, 0xf3],
            0,
        );
        // BUSY and WEL while the cycle runs; a read is ignored (0xFF).
        assert_eq!(command(&mut d, t, &[0x05], 2).0, [0x03, 0x03]);
        assert_eq!(
            command(&mut d, t, &[0x03, 0x00, 0x01, 0xfe], 2).0,
            [0xff, 0xff]
        );
        let done = t + PAGE_PROGRAM;
        assert_eq!(command(&mut d, done, &[0x05], 1).0, [0x00]);
        assert_eq!(
            command(&mut d, done, &[0x03, 0x00, 0x01, 0xfe], 2).0,
            [0xa0, 0xa1]
        );
        assert_eq!(
            command(&mut d, done, &[0x0b, 0x00, 0x01, 0x00, 0x00], 3).0,
            [0x0f, 0xf3, 0xff]
        );
        // Programming again only clears bits: 0x0f & 0xf0 = 0x00.
        command(&mut d, done, &[0x06], 0);
        let (_, t) = command(&mut d, done, &[0x02, 0x00, 0x01, 0x00, 0xf0], 0);
        assert_eq!(
            command(&mut d, t + PAGE_PROGRAM, &[0x03, 0x00, 0x01, 0x00], 1).0,
            [0x00]
        );
    }

    #[test]
    fn a_sector_erase_sets_its_4_kib_to_ff_after_45_ms_and_a_wrong_length_is_ignored() {
        let mut d = flash();
        command(&mut d, 0, &[0x06], 0);
        let (_, t) = command(&mut d, 0, &[0x02, 0x00, 0x20, 0x00, 0x00, 0x11], 0);
        let t = t + PAGE_PROGRAM;
        command(&mut d, t, &[0x06], 0);
        // One byte too many: not an erase.
        command(&mut d, t, &[0x20, 0x00, 0x20, 0x10, 0x00], 0);
        assert_eq!(
            command(&mut d, t, &[0x05], 1).0,
            [0x02],
            "not busy, WEL kept"
        );
        let (_, t) = command(&mut d, t, &[0x20, 0x00, 0x2f, 0xff], 0);
        // The status word goes out 1 µs (8 clocks at 8 MHz) after the
        // command: still busy 2 µs before the end.
        assert_eq!(
            command(&mut d, t + SECTOR_ERASE - 2_000, &[0x05], 1).0,
            [0x03]
        );
        let t = t + SECTOR_ERASE;
        assert_eq!(command(&mut d, t, &[0x05], 1).0, [0x00]);
        assert_eq!(
            command(&mut d, t, &[0x03, 0x00, 0x20, 0x00], 2).0,
            [0xff, 0xff]
        );
    }

    #[test]
    fn power_down_ignores_all_but_its_release() {
        let mut d = flash();
        command(&mut d, 0, &[0xb9], 0);
        assert_eq!(command(&mut d, 0, &[0x9f], 3).0, [0xff, 0xff, 0xff]);
        command(&mut d, 0, &[0xab], 0);
        assert_eq!(command(&mut d, 0, &[0x9f], 3).0, [0xef, 0x40, 0x16]);
    }

    #[test]
    fn status_reads_repeat_while_the_chip_select_is_held() {
        let mut d = flash();
        command(&mut d, 0, &[0x06], 0);
        let (r, _, _) = d.transaction(0, &[Op::Transfer(&[0x05, 0, 0])], false);
        assert_eq!(r, Ok(vec![vec![0xff, 0x02, 0x02]]));
    }
}
