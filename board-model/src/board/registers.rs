//! A generic device described in the board file: registers behind a
//! pointer, 8 or 16 bits wide, as on an LM75, TMP102, INA219 or ADS1115, or
//! a plain file of byte registers.
//!
//! On the wire:
//!
//! - The first byte of a write sets the pointer, which selects a register.
//!   The pointer stays until the next write sets it again, so a read with no
//!   pointer byte reads the register selected last (0 at power-up, or the
//!   lowest register of a map without 0 in it).
//! - Every START or REPEATED START begins the selected register again from
//!   its first byte: a 16-bit register is always read and written as its
//!   two bytes, most significant first (`ByteOrder::Big`, as the parts
//!   above) or least significant first (`ByteOrder::Little`).
//! - Each data byte of a write is stored as it arrives: a write that stops
//!   after the first byte of a 16-bit register has changed that byte only
//!   (TI's TMP102 datasheet describes such single-byte updates).
//! - Once the bytes of the selected register are through, [`PastEnd`] says
//!   what further bytes do: go on into the next register (`Next`, the
//!   default, and what the byte-wide register file always did), the same
//!   register again (`Repeat`), or nothing (`Released`: the part stops
//!   driving SDA, so a read gets 0xff from the pull-up, and a byte written is
//!   one it cannot store). What a National LM75, a TMP102 or an LM95221 is
//!   reported to send past a register is 0xff, that is `Released`.
//! - A data byte the part cannot store (for a read-only register, for a
//!   pointer with no register, or past the end under `Released`) is handled
//!   as [`Unwritable`] says: not acknowledged (`Nack`, the default, so that
//!   the write ends with `no-acknowledge(data)`), or acknowledged and dropped
//!   (`Ignore`: TI's TMP110 datasheet says the part acknowledges writes to
//!   read-only registers and to pointers outside its map, and ignores them;
//!   the LM75 datasheets do not say). Under `Nack` a pointer
//!   byte with no register is not acknowledged either and the pointer keeps
//!   its value; under `Ignore` it is taken, and reads then get 0xff.
//!
//! There are two ways to give the registers. A file ([`Registers::file`]):
//! `count` registers of one width at pointers 0 to `count - 1`, where a
//! pointer byte wraps at `count` (pointer 0x13 on a file of 16 is register
//! 3). A map ([`Registers::map`]): registers at the pointers given, each
//! with its own width; other pointer values have no register.

use super::i2c::Device;
use crate::time::Nanos;
use alloc::vec::Vec;

/// The order of a 16-bit register's two bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Most significant byte first (LM75, TMP102, INA219, ADS1115).
    Big,
    /// Least significant byte first.
    Little,
}

/// What bytes past the end of the selected register do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastEnd {
    /// The pointer moves to the next register (in pointer order, from the
    /// last to the first), which the bytes then read or write: an
    /// auto-incrementing part.
    Next,
    /// The same register again, from its first byte.
    Repeat,
    /// None: reads get 0xff; a write is a byte the part cannot store
    /// ([`Unwritable`]).
    Released,
}

/// What the part does with a data byte it cannot store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unwritable {
    /// It does not acknowledge it: the write ends there.
    Nack,
    /// It acknowledges it and drops it.
    Ignore,
}

/// How a device behaves at the edges of its registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    pub byte_order: ByteOrder,
    pub past_end: PastEnd,
    pub unwritable: Unwritable,
}

impl Default for Behaviour {
    /// What the byte-wide register file always did: big-endian (no matter
    /// for byte registers), auto-increment, writes to read-only registers
    /// not acknowledged.
    fn default() -> Behaviour {
        Behaviour {
            byte_order: ByteOrder::Big,
            past_end: PastEnd::Next,
            unwritable: Unwritable::Nack,
        }
    }
}

/// One register of a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Register {
    /// The pointer value that selects it.
    pub pointer: u8,
    /// Its width in bytes: 1 or 2.
    pub bytes: u8,
    /// Its value at power-up; a 1-byte register uses the low 8 bits.
    pub value: u16,
    pub read_only: bool,
}

#[derive(Clone)]
pub struct Registers {
    /// In pointer order.
    registers: Vec<Register>,
    behaviour: Behaviour,
    /// A file: a pointer byte is taken modulo the number of registers.
    wraps: bool,
    /// The register the pointer selects; `None` for a pointer with no
    /// register.
    selected: Option<usize>,
    /// The next byte of the selected register, in wire order; its width
    /// when `Released` has run past the end.
    byte: u8,
    /// Whether the next byte written is the pointer.
    first: bool,
}

impl Registers {
    /// A file of `count` registers (1 to 256) of `bytes` bytes each (1 or
    /// 2), starting with `initial` (the rest 0), with the registers in
    /// `read_only` refusing writes. Extra initial values and read-only
    /// registers past the end are left out (the board file refuses them).
    pub fn file(
        count: usize,
        bytes: u8,
        initial: &[u16],
        read_only: &[usize],
        behaviour: Behaviour,
    ) -> Registers {
        let count = count.clamp(1, 256);
        let registers = (0..count)
            .map(|i| Register {
                pointer: i as u8,
                bytes,
                value: initial.get(i).copied().unwrap_or(0),
                read_only: read_only.contains(&i),
            })
            .collect();
        Registers::new(registers, behaviour, true)
    }

    /// Registers at the pointers they give; no other pointer value selects
    /// one. Pointers must be distinct (the board file checks); an empty map
    /// is one byte register at pointer 0.
    pub fn map(mut registers: Vec<Register>, behaviour: Behaviour) -> Registers {
        if registers.is_empty() {
            registers.push(Register {
                pointer: 0,
                bytes: 1,
                value: 0,
                read_only: false,
            });
        }
        registers.sort_by_key(|r| r.pointer);
        Registers::new(registers, behaviour, false)
    }

    /// `registers` is not empty; widths outside 1 to 2 bytes are clamped.
    fn new(mut registers: Vec<Register>, behaviour: Behaviour, wraps: bool) -> Registers {
        for r in &mut registers {
            r.bytes = r.bytes.clamp(1, 2);
        }
        let selected = registers.iter().position(|r| r.pointer == 0).unwrap_or(0);
        Registers {
            registers,
            behaviour,
            wraps,
            selected: Some(selected),
            byte: 0,
            first: false,
        }
    }

    /// The register that pointer value `pointer` selects.
    fn select(&self, pointer: u8) -> Option<usize> {
        if self.wraps {
            Some(usize::from(pointer) % self.registers.len())
        } else {
            self.registers
                .binary_search_by_key(&pointer, |r| r.pointer)
                .ok()
        }
    }

    /// Where byte `index` (in wire order) of a register sits in its value,
    /// as a shift.
    fn shift(&self, register: &Register, index: u8) -> u32 {
        let from_top = u32::from(register.bytes - 1 - index);
        match self.behaviour.byte_order {
            ByteOrder::Big => 8 * from_top,
            ByteOrder::Little => 8 * u32::from(index),
        }
    }

    /// Moves on after a byte of register `i` went over the wire.
    fn advance(&mut self, i: usize) {
        self.byte += 1;
        if self.byte < self.registers[i].bytes {
            return;
        }
        match self.behaviour.past_end {
            PastEnd::Next => {
                self.selected = Some((i + 1) % self.registers.len());
                self.byte = 0;
            }
            PastEnd::Repeat => self.byte = 0,
            PastEnd::Released => {}
        }
    }

    /// A data byte the part cannot store: whether it acknowledges it.
    fn unwritable(&self) -> bool {
        self.behaviour.unwritable == Unwritable::Ignore
    }
}

impl Device for Registers {
    fn clone_box(&self) -> alloc::boxed::Box<dyn Device> {
        alloc::boxed::Box::new(self.clone())
    }

    fn model(&self) -> &'static str {
        "registers"
    }
    fn start(&mut self, _: Nanos, read: bool) -> bool {
        self.first = !read;
        self.byte = 0;
        true
    }
    fn write(&mut self, _: Nanos, byte: u8) -> bool {
        if core::mem::take(&mut self.first) {
            match self.select(byte) {
                Some(i) => self.selected = Some(i),
                None if self.unwritable() => self.selected = None,
                None => return false,
            }
            self.byte = 0;
            return true;
        }
        let Some(i) = self.selected else {
            return self.unwritable();
        };
        let register = self.registers[i];
        if self.byte >= register.bytes {
            // Past the end, released.
            return self.unwritable();
        }
        if register.read_only {
            if !self.unwritable() {
                return false;
            }
        } else {
            let shift = self.shift(&register, self.byte);
            let value = &mut self.registers[i].value;
            *value = (*value & !(0xff << shift)) | (u16::from(byte) << shift);
        }
        self.advance(i);
        true
    }
    fn read(&mut self, _: Nanos) -> u8 {
        let Some(i) = self.selected else {
            return 0xff;
        };
        let register = self.registers[i];
        if self.byte >= register.bytes {
            return 0xff;
        }
        let b = (register.value >> self.shift(&register, self.byte)) as u8;
        self.advance(i);
        b
    }
    fn stop(&mut self, _: Nanos) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::i2c::{Address, Bus, Op, Wire};
    use alloc::collections::BTreeMap;
    use alloc::{boxed::Box, string::String, vec, vec::Vec};

    const AT: Address = Address::Seven(0x48);

    fn bus(device: Registers) -> Bus {
        let mut devices: BTreeMap<Address, Box<dyn Device>> = BTreeMap::new();
        devices.insert(AT, Box::new(device));
        Bus {
            name: "bus".into(),
            frequency_hz: 100_000,
            max_transfer: 64,
            devices,
            faults: Vec::new(),
            transfers: 0,
            stuck: false,
            stop_between_operations: false,
        }
    }

    /// Runs one transfer; returns what happened on the wire, without the
    /// address phases and the STOP.
    fn run(bus: &mut Bus, ops: &[Op<'_>]) -> Vec<String> {
        let (_, wire, _): (_, Wire, _) = bus.transfer(0, AT, ops, true);
        wire.into_iter()
            .filter(|w| !w.starts_with("S ") && !w.starts_with("Sr ") && w != "P")
            .collect()
    }

    fn write(bytes: &[u8]) -> Op<'_> {
        Op::Write(bytes)
    }

    /// An LM75 as its datasheet has it: Temp (read-only, 16 bits) at 0
    /// holding 23.5 °C, Conf (8 bits) at 1, THYST (75 °C) at 2 and TOS
    /// (80 °C) at 3.
    fn lm75(past_end: PastEnd, unwritable: Unwritable) -> Bus {
        let reg = |pointer, bytes, value, read_only| Register {
            pointer,
            bytes,
            value,
            read_only,
        };
        bus(Registers::map(
            vec![
                reg(3, 2, 0x5000, false),
                reg(0, 2, 0x1780, true),
                reg(1, 1, 0x00, false),
                reg(2, 2, 0x4b00, false),
            ],
            Behaviour {
                byte_order: ByteOrder::Big,
                past_end,
                unwritable,
            },
        ))
    }

    #[test]
    fn the_pointer_auto_increments_and_read_only_registers_refuse_writes() {
        let mut r = Registers::file(4, 1, &[0x12, 0x34], &[3], Behaviour::default());
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

    #[test]
    fn a_byte_file_wraps_its_pointer_and_goes_on_across_reads() {
        let mut b = bus(Registers::file(
            4,
            1,
            &[0x10, 0x11, 0x12, 0x13],
            &[],
            Behaviour::default(),
        ));
        // Pointer 6 is register 2 of 4.
        assert_eq!(
            run(&mut b, &[write(&[6]), Op::Read(1)]),
            ["write [06]", "read [12]"]
        );
        // A read without a pointer goes on where the last one ended.
        assert_eq!(run(&mut b, &[Op::Read(3)]), ["read [13 10 11]"]);
    }

    #[test]
    fn a_16_bit_register_reads_as_two_bytes_most_significant_first() {
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(2)]),
            ["write [00]", "read [17 80]"]
        );
        // The pointer stays: a read alone reads Temp again, from its first byte.
        assert_eq!(run(&mut b, &[Op::Read(1)]), ["read [17]"]);
        assert_eq!(run(&mut b, &[Op::Read(2)]), ["read [17 80]"]);
        assert_eq!(
            run(&mut b, &[write(&[0x03]), Op::Read(2)]),
            ["write [03]", "read [50 00]"]
        );
    }

    #[test]
    fn writing_an_8_bit_register_between_16_bit_ones_leaves_them_alone() {
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(run(&mut b, &[write(&[0x01, 0x18])]), ["write [01 18]"]);
        assert_eq!(
            run(&mut b, &[write(&[0x01]), Op::Read(1)]),
            ["write [01]", "read [18]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(2)]),
            ["write [00]", "read [17 80]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x02]), Op::Read(2)]),
            ["write [02]", "read [4b 00]"]
        );
    }

    #[test]
    fn a_write_of_pointer_and_two_bytes_sets_a_16_bit_register() {
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x03, 0x55, 0x80])]),
            ["write [03 55 80]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x03]), Op::Read(2)]),
            ["write [03]", "read [55 80]"]
        );
        // One byte only changes the most significant byte.
        assert_eq!(run(&mut b, &[write(&[0x03, 0x4f])]), ["write [03 4f]"]);
        assert_eq!(
            run(&mut b, &[write(&[0x03]), Op::Read(2)]),
            ["write [03]", "read [4f 80]"]
        );
    }

    #[test]
    fn past_the_end_released_reads_ff_and_drops_or_refuses_writes() {
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(4)]),
            ["write [00]", "read [17 80 ff ff]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x02, 0x4a, 0x00, 0x99])]),
            ["write [02 4a 00 99]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x02]), Op::Read(2)]),
            ["write [02]", "read [4a 00]"]
        );
        let mut b = lm75(PastEnd::Released, Unwritable::Nack);
        assert_eq!(
            run(&mut b, &[write(&[0x02, 0x4a, 0x00, 0x99])]),
            ["write [02 4a 00 99] NACK"]
        );
    }

    #[test]
    fn past_the_end_repeat_goes_round_the_same_register() {
        let mut b = lm75(PastEnd::Repeat, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(5)]),
            ["write [00]", "read [17 80 17 80 17]"]
        );
        // The third byte lands on the most significant byte again.
        assert_eq!(
            run(&mut b, &[write(&[0x02, 0x11, 0x22, 0x33])]),
            ["write [02 11 22 33]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x02]), Op::Read(2)]),
            ["write [02]", "read [33 22]"]
        );
    }

    #[test]
    fn past_the_end_next_goes_on_through_the_map_and_round() {
        let mut b = lm75(PastEnd::Next, Unwritable::Ignore);
        // Temp, Conf, THYST, TOS, then Temp again.
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(9)]),
            ["write [00]", "read [17 80 00 4b 00 50 00 17 80]"]
        );
        // Conf then THYST in one write.
        assert_eq!(
            run(&mut b, &[write(&[0x01, 0x02, 0x46, 0x00])]),
            ["write [01 02 46 00]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x01]), Op::Read(3)]),
            ["write [01]", "read [02 46 00]"]
        );
        // After a whole register, the pointer has moved on for the next read.
        assert_eq!(
            run(&mut b, &[write(&[0x02]), Op::Read(2)]),
            ["write [02]", "read [46 00]"]
        );
        assert_eq!(run(&mut b, &[Op::Read(2)]), ["read [50 00]"]);
    }

    #[test]
    fn a_read_only_register_drops_writes_or_refuses_them() {
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x00, 0x12, 0x34])]),
            ["write [00 12 34]"]
        );
        assert_eq!(run(&mut b, &[Op::Read(2)]), ["read [17 80]"]);
        let mut b = lm75(PastEnd::Released, Unwritable::Nack);
        assert_eq!(
            run(&mut b, &[write(&[0x00, 0x12, 0x34])]),
            ["write [00 12] NACK"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(2)]),
            ["write [00]", "read [17 80]"]
        );
    }

    #[test]
    fn a_pointer_with_no_register_is_refused_or_reads_ff() {
        let mut b = lm75(PastEnd::Released, Unwritable::Nack);
        assert_eq!(run(&mut b, &[write(&[0x03])]), ["write [03]"]);
        assert_eq!(
            run(&mut b, &[write(&[0x04]), Op::Read(2)]),
            ["write [04] NACK"]
        );
        // The pointer kept its value.
        assert_eq!(run(&mut b, &[Op::Read(2)]), ["read [50 00]"]);
        let mut b = lm75(PastEnd::Released, Unwritable::Ignore);
        assert_eq!(
            run(&mut b, &[write(&[0x04, 0x12]), Op::Read(2)]),
            ["write [04 12]", "read [ff ff]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x03]), Op::Read(2)]),
            ["write [03]", "read [50 00]"]
        );
    }

    #[test]
    fn a_little_endian_register_sends_its_low_byte_first() {
        let mut b = bus(Registers::file(
            2,
            2,
            &[0x1234, 0xabcd],
            &[],
            Behaviour {
                byte_order: ByteOrder::Little,
                past_end: PastEnd::Next,
                unwritable: Unwritable::Nack,
            },
        ));
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(4)]),
            ["write [00]", "read [34 12 cd ab]"]
        );
        // Pointer 3 wraps to register 1 of 2.
        assert_eq!(
            run(&mut b, &[write(&[0x03, 0x01, 0x02])]),
            ["write [03 01 02]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x01]), Op::Read(2)]),
            ["write [01]", "read [01 02]"]
        );
        assert_eq!(
            run(&mut b, &[write(&[0x00]), Op::Read(4)]),
            ["write [00]", "read [34 12 01 02]"]
        );
    }

    #[test]
    fn a_map_without_pointer_0_starts_at_its_lowest_register() {
        let mut b = bus(Registers::map(
            vec![Register {
                pointer: 5,
                bytes: 2,
                value: 0x0102,
                read_only: false,
            }],
            Behaviour::default(),
        ));
        assert_eq!(run(&mut b, &[Op::Read(2)]), ["read [01 02]"]);
    }
}
