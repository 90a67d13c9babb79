//! A return area or a list element, built on the host's stack and then
//! written into guest memory in one checked copy.
//!
//! The glue lowers a result that does not fit in core results (a
//! `result<_, error-code>`, a record, a list's elements) field by field.
//! Writing each field straight into guest memory costs a bounds check and
//! an error path a field; the glue instead fills a byte array of the
//! area's size (its offsets are constants the generator computed, so the
//! `put_*` calls compile to plain stores) and hands it to [`write()`], which
//! checks the guest's pointer once. Bytes of the area that no field
//! covers (padding, the unused part of a variant's payload) are written as
//! zeros; the canonical ABI leaves them unspecified.

use crate::Error;
use crate::memory::{Memory, aligned, write_bytes};

macro_rules! put {
    ($put:ident, $t:ty, $n:expr) => {
        #[doc = concat!("Puts a `", stringify!($t), "` at byte `offset` of `area`, little-endian. An offset the area has no room for (which the generator never emits) leaves the area as it is.")]
        #[inline(always)]
        pub fn $put<const N: usize>(area: &mut [u8; N], offset: usize, value: $t) {
            if let Some(bytes) = area.get_mut(offset..).and_then(|b| b.get_mut(..$n)) {
                bytes.copy_from_slice(&value.to_le_bytes());
            }
        }
    };
}

put!(put_u8, u8, 1);
put!(put_u16, u16, 2);
put!(put_u32, u32, 4);
put!(put_u64, u64, 8);
put!(put_f32, f32, 4);
put!(put_f64, f64, 8);

/// The `M` bytes at `OFFSET` of `area`, as an area of their own: where
/// the glue lowers a record, by its function, into the place the record
/// occupies in a larger area (a result's, or a list element's). That the
/// part lies inside the area is checked when the glue is compiled for a
/// host (a constant assertion, evaluated where the generic glue is
/// instantiated), and by the generator before, when it emits the call.
#[inline(always)]
pub fn sub<const OFFSET: usize, const M: usize, const N: usize>(
    area: &mut [u8; N],
) -> &mut [u8; M] {
    const { assert!(OFFSET + M <= N, "a part past the end of its area") };
    match area.split_at_mut(OFFSET).1.first_chunk_mut::<M>() {
        Some(part) => part,
        // The assertion above makes this unreachable; it is no path a
        // guest can take.
        None => unreachable!(),
    }
}

/// Writes `area` at `ptr` in guest memory, which must be aligned to
/// `align` (the area's type's alignment) and leave room for the whole area.
pub fn write<M: Memory + ?Sized>(
    mem: &mut M,
    ptr: u32,
    align: u32,
    area: &[u8],
) -> Result<(), Error> {
    aligned(ptr, align)?;
    write_bytes(mem, ptr, area)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_land_at_their_offsets_little_endian() {
        // A `result<u64, error-code>` area: discriminant at 0, payload at 8.
        let mut area = [0xAAu8; 16];
        put_u8(&mut area, 0, 0);
        put_u64(&mut area, 8, 0x0102_0304_0506_0708);
        assert_eq!(
            area,
            [
                0, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 8, 7, 6, 5, 4, 3, 2, 1
            ]
        );
        put_u16(&mut area, 2, 0x0A0B);
        put_f32(&mut area, 4, 1.0);
        assert_eq!(&area[2..8], [0x0B, 0x0A, 0, 0, 0x80, 0x3F]);
    }

    #[test]
    fn a_record_lowered_into_its_place_in_a_larger_area() {
        // `result<sample, error-code>`: the sample's 24 bytes start at 8.
        let mut area = [0u8; 40];
        put_u8(&mut area, 0, 0);
        let sample: &mut [u8; 24] = sub::<8, 24, 40>(&mut area);
        put_u64(sample, 0, 0x1122_3344_5566_7788);
        put_u32(sample, 20, 3);
        assert_eq!(&area[8..16], 0x1122_3344_5566_7788u64.to_le_bytes());
        assert_eq!(&area[28..32], [3, 0, 0, 0]);
        assert_eq!(area[32..], [0; 8]);
    }

    #[test]
    fn an_offset_past_the_area_changes_nothing() {
        let mut area = [0u8; 4];
        put_u32(&mut area, 1, u32::MAX);
        put_u64(&mut area, usize::MAX - 2, 1);
        assert_eq!(area, [0; 4]);
    }

    #[test]
    fn the_area_is_written_once_aligned_and_in_bounds() {
        let mut mem = [0u8; 16];
        assert_eq!(write(&mut mem[..], 8, 4, &[1, 2, 3, 4]), Ok(()));
        assert_eq!(&mem[8..12], [1, 2, 3, 4]);
        // Refused whole: nothing of it lands.
        assert_eq!(write(&mut mem[..], 6, 4, &[5; 4]), Err(Error::Misaligned));
        assert_eq!(write(&mut mem[..], 12, 4, &[5; 8]), Err(Error::OutOfBounds));
        assert_eq!(
            write(&mut mem[..], u32::MAX - 3, 4, &[5; 8]),
            Err(Error::OutOfBounds)
        );
        assert!(!mem.contains(&5));
    }

    #[test]
    fn every_width_round_trips() {
        let mut area = [0u8; 32];
        put_u32(&mut area, 0, 0xDEAD_BEEF);
        put_f64(&mut area, 8, -2.5);
        put_u64(&mut area, 16, u64::MAX - 1);
        put_u16(&mut area, 24, 0xBEEF);
        put_u8(&mut area, 26, 0x7F);
        put_f32(&mut area, 28, 0.5);
        assert_eq!(
            u32::from_le_bytes(area[0..4].try_into().unwrap()),
            0xDEAD_BEEF
        );
        assert_eq!(f64::from_le_bytes(area[8..16].try_into().unwrap()), -2.5);
        assert_eq!(
            u64::from_le_bytes(area[16..24].try_into().unwrap()),
            u64::MAX - 1
        );
        assert_eq!(area[24..27], [0xEF, 0xBE, 0x7F]);
        assert_eq!(f32::from_le_bytes(area[28..32].try_into().unwrap()), 0.5);
    }
}
