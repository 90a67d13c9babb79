//! Guest linear memory, bounds-checked.
//!
//! The engine adapter gives the glue the guest's memory as a byte slice
//! ([`Memory`]); every access here checks `ptr + len` with overflow-safe
//! arithmetic against the slice, and the alignment the canonical ABI
//! demands of the type. Little-endian, as WebAssembly is.

use crate::Error;

/// A guest's linear memory, as the engine exposes it.
pub trait Memory {
    /// The whole memory.
    fn bytes(&self) -> &[u8];
    /// The whole memory, writable.
    fn bytes_mut(&mut self) -> &mut [u8];
}

impl Memory for [u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        self
    }
}

/// The range `ptr .. ptr + len` of a memory of `size` bytes, if it fits.
pub fn range(size: usize, ptr: u32, len: u32) -> Result<core::ops::Range<usize>, Error> {
    // In u64 the sum cannot wrap, on any host. One comparison checks both
    // the end of memory and the end of the guest's 32-bit space (on a
    // 32-bit host the `min` folds away: `size` is below 2^32 already).
    let end = u64::from(ptr) + u64::from(len);
    if end > (size as u64).min(1 << 32) {
        return Err(Error::OutOfBounds);
    }
    Ok(ptr as usize..end as usize)
}

/// Checks that `ptr` is a multiple of `align`, a power of two (as every
/// alignment in the canonical ABI is; 0 checks nothing).
pub fn aligned(ptr: u32, align: u32) -> Result<(), Error> {
    // A mask, not a division: Cortex-M's `udiv` is slow and the
    // division's code larger.
    if align != 0 && ptr & (align - 1) != 0 {
        Err(Error::Misaligned)
    } else {
        Ok(())
    }
}

/// `len` bytes at `ptr`.
pub fn read_bytes<M: Memory + ?Sized>(mem: &M, ptr: u32, len: u32) -> Result<&[u8], Error> {
    let bytes = mem.bytes();
    Ok(&bytes[range(bytes.len(), ptr, len)?])
}

/// A string of `len` bytes at `ptr`, validated as UTF-8.
pub fn read_str<M: Memory + ?Sized>(mem: &M, ptr: u32, len: u32) -> Result<&str, Error> {
    core::str::from_utf8(read_bytes(mem, ptr, len)?).map_err(|_| Error::InvalidUtf8)
}

/// Writes `data` at `ptr`.
pub fn write_bytes<M: Memory + ?Sized>(mem: &mut M, ptr: u32, data: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(data.len()).map_err(|_| Error::OutOfBounds)?;
    let bytes = mem.bytes_mut();
    let r = range(bytes.len(), ptr, len)?;
    bytes[r].copy_from_slice(data);
    Ok(())
}

macro_rules! scalar {
    ($read:ident, $write:ident, $t:ty, $n:expr) => {
        #[doc = concat!("A `", stringify!($t), "` at `ptr`, which must be aligned to ", stringify!($n), ".")]
        pub fn $read<M: Memory + ?Sized>(mem: &M, ptr: u32) -> Result<$t, Error> {
            aligned(ptr, $n)?;
            // The bytes from `ptr` on, then their first N: two bounds
            // checks that cannot overflow, and an array of known length
            // (a slice's copy would be a call on a Cortex-M).
            match mem.bytes().get(ptr as usize..).and_then(<[u8]>::first_chunk::<$n>) {
                Some(a) => Ok(<$t>::from_le_bytes(*a)),
                None => Err(Error::OutOfBounds),
            }
        }

        #[doc = concat!("Writes a `", stringify!($t), "` at `ptr`, which must be aligned to ", stringify!($n), ".")]
        pub fn $write<M: Memory + ?Sized>(mem: &mut M, ptr: u32, value: $t) -> Result<(), Error> {
            aligned(ptr, $n)?;
            match mem.bytes_mut().get_mut(ptr as usize..).and_then(<[u8]>::first_chunk_mut::<$n>) {
                Some(a) => {
                    *a = value.to_le_bytes();
                    Ok(())
                }
                None => Err(Error::OutOfBounds),
            }
        }
    };
}

/// The address `base + offset`, if it does not overflow (a load or store
/// at an offset from a guest pointer).
pub fn at(base: u32, offset: u32) -> Result<u32, Error> {
    base.checked_add(offset).ok_or(Error::OutOfBounds)
}

macro_rules! at_offset {
    ($load:ident, $store:ident, $read:ident, $write:ident, $t:ty) => {
        #[doc = concat!("A `", stringify!($t), "` at `base + offset`.")]
        pub fn $load<M: Memory + ?Sized>(mem: &M, base: u32, offset: u32) -> Result<$t, Error> {
            $read(mem, at(base, offset)?)
        }

        #[doc = concat!("Writes a `", stringify!($t), "` at `base + offset`.")]
        pub fn $store<M: Memory + ?Sized>(
            mem: &mut M,
            base: u32,
            offset: u32,
            value: $t,
        ) -> Result<(), Error> {
            $write(mem, at(base, offset)?, value)
        }
    };
}

at_offset!(load_u8, store_u8, read_u8, write_u8, u8);
at_offset!(load_u16, store_u16, read_u16, write_u16, u16);
at_offset!(load_u32, store_u32, read_u32, write_u32, u32);
at_offset!(load_u64, store_u64, read_u64, write_u64, u64);
at_offset!(load_f32, store_f32, read_f32, write_f32, f32);
at_offset!(load_f64, store_f64, read_f64, write_f64, f64);

scalar!(read_u8, write_u8, u8, 1);
scalar!(read_u16, write_u16, u16, 2);
scalar!(read_u32, write_u32, u32, 4);
scalar!(read_u64, write_u64, u64, 8);
scalar!(read_f32, write_f32, f32, 4);
scalar!(read_f64, write_f64, f64, 8);

/// A `bool` in the canonical ABI: any nonzero byte is true.
pub fn lift_bool(v: u32) -> bool {
    v != 0
}

/// A discriminant `v` of a type with `cases` cases.
pub fn discriminant(v: u32, cases: u32) -> Result<u32, Error> {
    if v < cases {
        Ok(v)
    } else {
        Err(Error::InvalidDiscriminant)
    }
}

/// A `char`: a Unicode scalar value.
pub fn lift_char(v: u32) -> Result<char, Error> {
    char::from_u32(v).ok_or(Error::InvalidDiscriminant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_or_wrapping_are_out_of_bounds() {
        let mem = [1u8, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(read_bytes(&mem[..], 6, 2), Ok(&[7u8, 8][..]));
        assert_eq!(read_bytes(&mem[..], 8, 0), Ok(&[][..]));
        assert_eq!(read_bytes(&mem[..], 7, 2), Err(Error::OutOfBounds));
        assert_eq!(read_bytes(&mem[..], 9, 0), Err(Error::OutOfBounds));
        assert_eq!(read_bytes(&mem[..], u32::MAX, 2), Err(Error::OutOfBounds));
        assert_eq!(read_bytes(&mem[..], 4, u32::MAX), Err(Error::OutOfBounds));
        assert_eq!(
            range(usize::MAX, u32::MAX, 1),
            Ok(u32::MAX as usize..u32::MAX as usize + 1)
        );
        assert_eq!(range(usize::MAX, u32::MAX, 2), Err(Error::OutOfBounds));
    }

    #[test]
    fn scalars_are_little_endian_and_must_be_aligned() {
        let mut mem = [0u8; 16];
        write_u32(&mut mem[..], 4, 0x0403_0201).unwrap();
        assert_eq!(&mem[4..8], [1, 2, 3, 4]);
        assert_eq!(read_u32(&mem[..], 4), Ok(0x0403_0201));
        assert_eq!(read_u32(&mem[..], 2), Err(Error::Misaligned));
        assert_eq!(read_u64(&mem[..], 12), Err(Error::Misaligned));
        assert_eq!(read_u64(&mem[..], 16), Err(Error::OutOfBounds));
        write_f64(&mut mem[..], 8, 1.5).unwrap();
        assert_eq!(read_f64(&mem[..], 8), Ok(1.5));
        assert_eq!(write_u16(&mut mem[..], 15, 1), Err(Error::Misaligned));
    }

    #[test]
    fn scalars_at_and_past_the_end_are_out_of_bounds() {
        let mut mem = [0u8; 10];
        // The last whole u16 and u8 fit; a u32 at 8 has 2 of its 4 bytes.
        assert_eq!(write_u16(&mut mem[..], 8, 0x0201), Ok(()));
        assert_eq!(read_u8(&mem[..], 9), Ok(2));
        assert_eq!(read_u32(&mem[..], 8), Err(Error::OutOfBounds));
        assert_eq!(write_u32(&mut mem[..], 8, 1), Err(Error::OutOfBounds));
        assert_eq!(read_u8(&mem[..], 10), Err(Error::OutOfBounds));
        assert_eq!(write_u8(&mut mem[..], 10, 1), Err(Error::OutOfBounds));
        // Pointers near the end of the 32-bit space, and an offset that
        // would wrap.
        assert_eq!(read_u8(&mem[..], u32::MAX), Err(Error::OutOfBounds));
        assert_eq!(read_u32(&mem[..], u32::MAX - 3), Err(Error::OutOfBounds));
        assert_eq!(load_u32(&mem[..], u32::MAX - 3, 4), Err(Error::OutOfBounds));
        assert_eq!(mem, [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    }

    #[test]
    fn strings_are_validated() {
        let mem = *b"ok\xff\xfe";
        assert_eq!(read_str(&mem[..], 0, 2), Ok("ok"));
        assert_eq!(read_str(&mem[..], 0, 4), Err(Error::InvalidUtf8));
    }

    #[test]
    fn discriminants_and_chars_are_checked() {
        assert_eq!(discriminant(2, 3), Ok(2));
        assert_eq!(discriminant(3, 3), Err(Error::InvalidDiscriminant));
        assert_eq!(lift_char(0x41), Ok('A'));
        assert_eq!(lift_char(0xD800), Err(Error::InvalidDiscriminant));
        assert!(lift_bool(2));
    }
}
