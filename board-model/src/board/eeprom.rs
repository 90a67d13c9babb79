//! A 24C-series I2C EEPROM (24C02, 24C32, 24C256) at byte level.
//!
//! A write sends the word address (one byte on the 24C02, two on the larger
//! parts), then data into the page buffer; bytes past the end of the page
//! wrap to its start, as on the part. At STOP the page is programmed: for
//! the write cycle (5 ms by default) the part does not acknowledge its
//! address. A write of the word address alone programs nothing (it is how a
//! random read begins). Reads go on from the current address, sequentially,
//! wrapping at the end of the memory.

use super::i2c::Device;
use crate::time::Nanos;
use alloc::{vec, vec::Vec};

/// The geometry of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub size: usize,
    pub page: usize,
    pub address_bytes: usize,
}

/// The 24C02: 256 bytes in pages of 8, one address byte.
pub const GEOMETRY_24C02: Geometry = Geometry {
    size: 256,
    page: 8,
    address_bytes: 1,
};

/// The 24C32: 4 KiB in pages of 32, two address bytes.
pub const GEOMETRY_24C32: Geometry = Geometry {
    size: 4096,
    page: 32,
    address_bytes: 2,
};

/// The 24C256: 32 KiB in pages of 64, two address bytes.
pub const GEOMETRY_24C256: Geometry = Geometry {
    size: 32768,
    page: 64,
    address_bytes: 2,
};

impl Geometry {
    /// The part called `model`, if we model it.
    pub fn of(model: &str) -> Option<Geometry> {
        Some(match model {
            "24c02" => GEOMETRY_24C02,
            "24c32" => GEOMETRY_24C32,
            "24c256" => GEOMETRY_24C256,
            _ => return None,
        })
    }
}

#[derive(Clone)]
pub struct Eeprom {
    model: &'static str,
    geometry: Geometry,
    pub memory: Vec<u8>,
    write_cycle: Nanos,
    /// The current address.
    address: usize,
    /// Address bytes still expected in this write.
    address_left: usize,
    /// Data written in this transfer, not yet programmed: (address, byte).
    buffer: Vec<(usize, u8)>,
    busy_until: Nanos,
    /// Address phases refused while busy (for tests and traces).
    pub nacks: u64,
}

impl Eeprom {
    pub fn new(
        model: &'static str,
        geometry: Geometry,
        write_cycle: Nanos,
        initial: &[u8],
    ) -> Eeprom {
        let mut memory = vec![0xFF; geometry.size];
        let n = initial.len().min(geometry.size);
        memory[..n].copy_from_slice(&initial[..n]);
        Eeprom {
            model,
            geometry,
            memory,
            write_cycle,
            address: 0,
            address_left: 0,
            buffer: Vec::new(),
            busy_until: 0,
            nacks: 0,
        }
    }
}

impl Device for Eeprom {
    fn clone_box(&self) -> alloc::boxed::Box<dyn Device> {
        alloc::boxed::Box::new(self.clone())
    }

    fn model(&self) -> &'static str {
        self.model
    }
    fn start(&mut self, now: Nanos, read: bool) -> bool {
        if now < self.busy_until {
            self.nacks += 1;
            return false;
        }
        if !read {
            self.address_left = self.geometry.address_bytes;
            self.address = 0;
            self.buffer.clear();
        }
        true
    }
    fn write(&mut self, _now: Nanos, byte: u8) -> bool {
        if self.address_left > 0 {
            self.address = ((self.address << 8) | usize::from(byte)) % self.geometry.size;
            self.address_left -= 1;
            return true;
        }
        // Within the page: the low bits wrap, the page stays.
        let page_start = self.address - self.address % self.geometry.page;
        self.buffer.push((self.address, byte));
        self.address = page_start + (self.address + 1 - page_start) % self.geometry.page;
        true
    }
    fn read(&mut self, _now: Nanos) -> u8 {
        let b = self.memory[self.address];
        self.address = (self.address + 1) % self.geometry.size;
        b
    }
    fn stop(&mut self, now: Nanos) {
        if self.buffer.is_empty() {
            return;
        }
        for (address, byte) in self.buffer.drain(..) {
            self.memory[address] = byte;
        }
        self.busy_until = now.saturating_add(self.write_cycle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{vec, vec::Vec};

    fn part() -> Eeprom {
        Eeprom::new("24c02", Geometry::of("24c02").unwrap(), 5_000_000, &[])
    }

    fn write(e: &mut Eeprom, now: Nanos, bytes: &[u8]) -> bool {
        if !e.start(now, false) {
            return false;
        }
        for &b in bytes {
            e.write(now, b);
        }
        e.stop(now);
        true
    }

    fn read(e: &mut Eeprom, now: Nanos, n: usize) -> Option<Vec<u8>> {
        e.start(now, true)
            .then(|| (0..n).map(|_| e.read(now)).collect())
    }

    #[test]
    fn a_page_write_programs_at_stop_and_then_the_part_is_busy() {
        let mut e = part();
        assert!(write(&mut e, 0, &[0x10, 1, 2, 3]));
        // During the write cycle the address is not acknowledged.
        assert!(!write(&mut e, 4_999_999, &[0x10]));
        assert_eq!(e.nacks, 1);
        // Afterwards: a random read (address write, then read).
        assert!(write(&mut e, 5_000_000, &[0x10]));
        assert_eq!(read(&mut e, 5_000_000, 4), Some(vec![1, 2, 3, 0xFF]));
    }

    #[test]
    fn bytes_past_the_page_end_wrap_to_its_start() {
        let mut e = part();
        // Page 1 is 0x08..0x10; start at 0x0E with four bytes.
        write(&mut e, 0, &[0x0E, 0xA, 0xB, 0xC, 0xD]);
        assert_eq!(
            &e.memory[0x08..0x10],
            [0xC, 0xD, 0xFF, 0xFF, 0xFF, 0xFF, 0xA, 0xB]
        );
        assert_eq!(e.memory[0x10], 0xFF, "the next page is untouched");
    }

    #[test]
    fn sequential_reads_wrap_at_the_end_of_memory() {
        let mut e = Eeprom::new("24c02", Geometry::of("24c02").unwrap(), 5_000_000, &[7, 8]);
        write(&mut e, 0, &[0xFF]);
        assert_eq!(read(&mut e, 0, 3), Some(vec![0xFF, 7, 8]));
    }

    #[test]
    fn two_byte_addresses_on_the_larger_parts() {
        let mut e = Eeprom::new("24c32", Geometry::of("24c32").unwrap(), 5_000_000, &[]);
        write(&mut e, 0, &[0x01, 0x00, 0x42]);
        assert_eq!(e.memory[0x100], 0x42);
    }
}
