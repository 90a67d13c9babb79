//! A generic device described in the board file: a register file.
//!
//! The first byte of a write sets the register pointer; later bytes are
//! stored from there on, the pointer advancing; reads go on from the
//! pointer. Both wrap at the end of the file. A write to a register the board
//! file marks read-only is not acknowledged (`no-acknowledge(data)`), and
//! nothing after it is written.

use super::i2c::Device;
use crate::time::Nanos;
use alloc::{vec, vec::Vec};

pub struct Registers {
    pub values: Vec<u8>,
    read_only: Vec<bool>,
    pointer: usize,
    first: bool,
}

impl Registers {
    /// A file of `size` registers, starting with `initial` (the rest 0), with
    /// the registers in `read_only` refusing writes.
    pub fn new(size: usize, initial: &[u8], read_only: &[usize]) -> Registers {
        let mut values = vec![0; size];
        values[..initial.len().min(size)].copy_from_slice(&initial[..initial.len().min(size)]);
        let mut ro = vec![false; size];
        for &r in read_only {
            if r < size {
                ro[r] = true;
            }
        }
        Registers {
            values,
            read_only: ro,
            pointer: 0,
            first: false,
        }
    }
}

impl Device for Registers {
    fn model(&self) -> &'static str {
        "registers"
    }
    fn start(&mut self, _: Nanos, read: bool) -> bool {
        self.first = !read;
        true
    }
    fn write(&mut self, _: Nanos, byte: u8) -> bool {
        if core::mem::take(&mut self.first) {
            self.pointer = usize::from(byte) % self.values.len();
            return true;
        }
        if self.read_only[self.pointer] {
            return false;
        }
        self.values[self.pointer] = byte;
        self.pointer = (self.pointer + 1) % self.values.len();
        true
    }
    fn read(&mut self, _: Nanos) -> u8 {
        let b = self.values[self.pointer];
        self.pointer = (self.pointer + 1) % self.values.len();
        b
    }
    fn stop(&mut self, _: Nanos) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn the_pointer_auto_increments_and_read_only_registers_refuse_writes() {
        let mut r = Registers::new(4, &[0x12, 0x34], &[3]);
        r.start(0, false);
        assert!(r.write(0, 1)); // pointer
        assert!(r.write(0, 0xAA)); // reg 1
        assert!(r.write(0, 0xBB)); // reg 2
        assert!(!r.write(0, 0xCC)); // reg 3 is read-only
        r.start(0, false);
        r.write(0, 0);
        r.start(0, true);
        let read: Vec<u8> = (0..5).map(|_| r.read(0)).collect();
        assert_eq!(read, [0x12, 0xAA, 0xBB, 0x00, 0x12]);
    }
}
