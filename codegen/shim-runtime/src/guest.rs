//! What the generated glue sees of a guest during one call.
//!
//! An engine adapter (the generated wasmi one, or a firmware's own for WAMR
//! or wasm3) implements [`Guest`] over its view of the calling instance: its
//! linear memory, the shim's resource tables, and its `cabi_realloc`
//! export. The host itself is passed to the glue apart from this, so that a
//! result borrowed from the host can be copied into the guest while
//! `cabi_realloc` runs.

use crate::Error;
use crate::memory::{aligned, range};

/// The calling guest, as the glue of one import needs it. `T` is the shim's
/// table type (generated per world).
pub trait Guest<T> {
    /// The guest's whole linear memory, as it is now (`cabi_realloc` may
    /// grow it, so the glue asks again after each call to it).
    fn memory(&mut self) -> &mut [u8];
    /// The memory and the resource tables at once.
    fn parts(&mut self) -> (&mut [u8], &mut T);
    /// The resource tables.
    fn tables(&mut self) -> &mut T {
        self.parts().1
    }
    /// Calls the guest's `cabi_realloc(old_ptr, old_size, align, new_size)`.
    /// A trap, a missing export or a call back into the host is
    /// [`Error::Realloc`] or [`Error::Reentered`].
    fn realloc(
        &mut self,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Error>;
}

/// A guest seen only through its memory and tables, for the imports whose
/// results need no allocation in the guest (the generator knows which).
/// Its `realloc` is an error.
pub struct NoRealloc<'a, T> {
    /// The guest's linear memory.
    pub memory: &'a mut [u8],
    /// The shim's resource tables.
    pub tables: &'a mut T,
}

impl<T> Guest<T> for NoRealloc<'_, T> {
    fn memory(&mut self) -> &mut [u8] {
        self.memory
    }
    fn parts(&mut self) -> (&mut [u8], &mut T) {
        (self.memory, self.tables)
    }
    fn realloc(&mut self, _: u32, _: u32, _: u32, _: u32) -> Result<u32, Error> {
        Err(Error::Realloc)
    }
}

/// A guest seen through a part of its tables: what the glue of another
/// world's shim needs when this world's tables hold that world's (a vendor
/// world whose shim reuses `wasi-hw:hal`'s with `host-shim --with`: its
/// `Tables` holds `wasi_hw_shim::app::Tables` as a field, and the glue of
/// the `wasi-hw:hal` imports, generic over `Guest<wasi_hw_shim::app::Tables>`,
/// gets the guest through this). Memory and `cabi_realloc` are the guest's;
/// `project` picks the part of the tables.
pub struct Project<'a, G: ?Sized, T, U> {
    guest: &'a mut G,
    project: fn(&mut T) -> &mut U,
}

impl<'a, G: Guest<T> + ?Sized, T, U> Project<'a, G, T, U> {
    /// `guest`, its tables seen through `project`.
    pub fn new(guest: &'a mut G, project: fn(&mut T) -> &mut U) -> Self {
        Project { guest, project }
    }
}

impl<G: Guest<T> + ?Sized, T, U> Guest<U> for Project<'_, G, T, U> {
    fn memory(&mut self) -> &mut [u8] {
        self.guest.memory()
    }
    fn parts(&mut self) -> (&mut [u8], &mut U) {
        let (memory, tables) = self.guest.parts();
        (memory, (self.project)(tables))
    }
    fn realloc(
        &mut self,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Error> {
        self.guest.realloc(old_ptr, old_size, align, new_size)
    }
}

/// Allocates `size` bytes aligned to `align` in the guest through its
/// `cabi_realloc`, for a list of `len` elements of `elem_size` bytes, and
/// checks the answer: a pointer that is misaligned or does not leave room
/// for `size` bytes in memory is [`Error::ReallocPointer`]. An empty list
/// allocates nothing.
pub fn alloc<T, G: Guest<T> + ?Sized>(
    guest: &mut G,
    len: usize,
    elem_size: u32,
    align: u32,
) -> Result<u32, Error> {
    let len = u32::try_from(len).map_err(|_| Error::TooLong)?;
    let size = len.checked_mul(elem_size).ok_or(Error::TooLong)?;
    if size == 0 {
        return Ok(align.max(1));
    }
    let ptr = guest.realloc(0, 0, align, size)?;
    if aligned(ptr, align).is_err() || range(guest.memory().len(), ptr, size).is_err() {
        return Err(Error::ReallocPointer);
    }
    Ok(ptr)
}

/// Copies `data` into a new allocation in the guest (a `list<u8>` or a
/// `string` result) and returns its pointer.
pub fn lower_bytes<T, G: Guest<T> + ?Sized>(guest: &mut G, data: &[u8]) -> Result<u32, Error> {
    let ptr = alloc(guest, data.len(), 1, 1)?;
    if !data.is_empty() {
        crate::memory::write_bytes(guest.memory(), ptr, data)?;
    }
    Ok(ptr)
}

/// Checks that `size` bytes at `ptr` are in the guest's memory and that
/// `ptr` is aligned to `align`: the return pointer, right after the call,
/// before anything is lowered (a `cabi_realloc` that grows memory does not
/// make a bad one good, and nothing is put in a table for a guest that is
/// about to trap).
pub fn check<T, G: Guest<T> + ?Sized>(
    guest: &mut G,
    ptr: u32,
    align: u32,
    size: u32,
) -> Result<(), Error> {
    aligned(ptr, align)?;
    range(guest.memory().len(), ptr, size).map(|_| ())
}

/// Writes `area` (a return area or a list element built on the host's
/// stack, see [`crate::area`]) at `ptr` in the guest's memory, which must be
/// aligned to `align` and leave room for it. One call where the glue would
/// otherwise ask for the memory and then write.
pub fn write<T, G: Guest<T> + ?Sized>(
    guest: &mut G,
    ptr: u32,
    align: u32,
    area: &[u8],
) -> Result<(), Error> {
    crate::area::write(guest.memory(), ptr, align, area)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A guest whose `cabi_realloc` answers with a pointer chosen by the
    /// test.
    struct Fake {
        memory: [u8; 64],
        tables: (),
        answer: u32,
        calls: u32,
    }

    impl Guest<()> for Fake {
        fn memory(&mut self) -> &mut [u8] {
            &mut self.memory
        }
        fn parts(&mut self) -> (&mut [u8], &mut ()) {
            (&mut self.memory, &mut self.tables)
        }
        fn realloc(&mut self, old: u32, old_size: u32, _: u32, _: u32) -> Result<u32, Error> {
            assert_eq!((old, old_size), (0, 0), "a fresh allocation");
            self.calls += 1;
            Ok(self.answer)
        }
    }

    fn fake(answer: u32) -> Fake {
        Fake {
            memory: [0; 64],
            tables: (),
            answer,
            calls: 0,
        }
    }

    /// The projected guest has the guest's memory and `cabi_realloc`, and
    /// the part of its tables that `project` picks.
    #[test]
    fn a_projected_guest_sees_part_of_the_tables() {
        struct Both {
            memory: [u8; 8],
            tables: (u32, u8),
        }
        impl Guest<(u32, u8)> for Both {
            fn memory(&mut self) -> &mut [u8] {
                &mut self.memory
            }
            fn parts(&mut self) -> (&mut [u8], &mut (u32, u8)) {
                (&mut self.memory, &mut self.tables)
            }
            fn realloc(&mut self, _: u32, _: u32, _: u32, size: u32) -> Result<u32, Error> {
                Ok(size)
            }
        }
        fn second(t: &mut (u32, u8)) -> &mut u8 {
            &mut t.1
        }
        let mut g = Both {
            memory: [0; 8],
            tables: (7, 9),
        };
        let mut p = Project::new(&mut g, second);
        assert_eq!(*p.tables(), 9);
        *p.tables() = 10;
        p.memory()[3] = 5;
        assert_eq!(p.realloc(0, 0, 1, 4), Ok(4));
        assert_eq!(write(&mut p, 4, 4, &[1, 2]), Ok(()));
        assert_eq!(g.tables, (7, 10));
        assert_eq!(g.memory, [0, 0, 0, 5, 1, 2, 0, 0]);
    }

    #[test]
    fn bytes_are_copied_where_realloc_says() {
        let mut g = fake(16);
        assert_eq!(lower_bytes(&mut g, b"hello"), Ok(16));
        assert_eq!(&g.memory[16..21], b"hello");
    }

    #[test]
    fn an_empty_list_allocates_nothing() {
        let mut g = fake(16);
        assert_eq!(alloc(&mut g, 0, 8, 8), Ok(8));
        assert_eq!(g.calls, 0);
    }

    #[test]
    fn realloc_answers_that_do_not_fit_or_are_misaligned_are_errors() {
        assert_eq!(
            lower_bytes(&mut fake(60), b"hello"),
            Err(Error::ReallocPointer)
        );
        assert_eq!(
            alloc(&mut fake(u32::MAX), 1, 1, 1),
            Err(Error::ReallocPointer)
        );
        assert_eq!(alloc(&mut fake(4), 2, 8, 8), Err(Error::ReallocPointer));
        assert_eq!(alloc(&mut fake(8), 2, 8, 8), Ok(8));
        assert_eq!(alloc(&mut fake(8), usize::MAX, 8, 8), Err(Error::TooLong));
        assert_eq!(alloc(&mut fake(8), 1 << 30, 8, 8), Err(Error::TooLong));
    }

    #[test]
    fn an_area_is_written_where_the_guest_points_if_it_fits() {
        let mut g = fake(0);
        assert_eq!(write(&mut g, 8, 4, &[1, 0, 0, 0, 7, 0, 0, 0]), Ok(()));
        assert_eq!(&g.memory[8..16], [1, 0, 0, 0, 7, 0, 0, 0]);
        // Refused whole: nothing of it lands.
        assert_eq!(write(&mut g, 10, 4, &[9; 4]), Err(Error::Misaligned));
        assert_eq!(write(&mut g, 60, 4, &[9; 8]), Err(Error::OutOfBounds));
        assert!(!g.memory.contains(&9));
        assert_eq!(g.calls, 0, "writing allocates nothing");
    }

    #[test]
    fn a_return_pointer_is_checked_for_the_whole_area() {
        let mut g = fake(0);
        assert_eq!(check(&mut g, 56, 8, 8), Ok(()));
        assert_eq!(check(&mut g, 60, 4, 8), Err(Error::OutOfBounds));
        assert_eq!(check(&mut g, 12, 8, 8), Err(Error::Misaligned));
        assert_eq!(check(&mut g, u32::MAX - 3, 4, 8), Err(Error::OutOfBounds));
    }

    #[test]
    fn no_realloc_refuses_to_allocate() {
        let mut memory = [0u8; 8];
        let mut tables = ();
        let mut g = NoRealloc {
            memory: &mut memory,
            tables: &mut tables,
        };
        assert_eq!(lower_bytes(&mut g, b"x"), Err(Error::Realloc));
        assert_eq!(lower_bytes(&mut g, b""), Ok(1));
    }
}
