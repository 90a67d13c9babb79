//! List arguments, read out of guest memory as the firmware iterates.
//!
//! A `list<u8>` argument reaches the firmware as a `&[u8]` into guest
//! memory and a `string` as a `&str`. Other lists cannot be borrowed like
//! that (the guest's layout is not Rust's), and copying them needs an
//! allocator, so the firmware gets a [`List`] (elements lifted one at a
//! time) or, for a list of borrowed resources, a [`Handles`]. Both are
//! validated whole before the firmware is called: every element's bounds,
//! discriminants, UTF-8 and handles. A bad element is a trap, never a
//! surprise halfway through an operation on a peripheral.

use crate::Error;
use crate::handles::Table;
use crate::memory::{aligned, range, read_u32};

/// A list argument of `T`: lifted from guest memory element by element
/// (what the glue of a core module passes), or values the host already has
/// (what an engine that lifts lists itself, such as wasmtime, passes).
pub struct List<'g, T> {
    memory: &'g [u8],
    ptr: u32,
    len: u32,
    size: u32,
    lift: fn(&'g [u8], u32) -> Result<T, Error>,
    /// The values, when the engine lifted them: then `memory` is unused.
    lifted: Option<&'g [T]>,
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for List<'_, T> {}

impl<T: Copy + core::fmt::Debug> core::fmt::Debug for List<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}

fn never<T>(_: &[u8], _: u32) -> Result<T, Error> {
    Err(Error::OutOfBounds)
}

impl<'g, T: Copy> List<'g, T> {
    /// The list of `values` that the engine has already lifted (wasmtime's
    /// adapter passes these).
    pub fn lifted(values: &'g [T]) -> List<'g, T> {
        List {
            memory: &[],
            ptr: 0,
            len: u32::try_from(values.len()).unwrap_or(u32::MAX),
            size: 0,
            lift: never,
            lifted: Some(values),
        }
    }
}

impl<'g, T> List<'g, T> {
    /// The list of `len` elements of `size` bytes (aligned to `align`) at
    /// `ptr`, each read by `lift`. Every element is lifted once here, so
    /// that a bad one is an error before the firmware sees any.
    pub fn new(
        memory: &'g [u8],
        ptr: u32,
        len: u32,
        size: u32,
        align: u32,
        lift: fn(&'g [u8], u32) -> Result<T, Error>,
    ) -> Result<List<'g, T>, Error> {
        aligned(ptr, align)?;
        let bytes = len.checked_mul(size).ok_or(Error::OutOfBounds)?;
        range(memory.len(), ptr, bytes)?;
        let list = List {
            memory,
            ptr,
            len,
            size,
            lift,
            lifted: None,
        };
        for i in 0..len {
            (list.lift)(memory, list.address(i))?;
        }
        Ok(list)
    }

    fn address(&self, i: u32) -> u32 {
        // In range: `new` checked ptr + len * size.
        self.ptr + i * self.size
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<T>
    where
        T: Copy,
    {
        let i = u32::try_from(index).ok().filter(|&i| i < self.len)?;
        if let Some(values) = self.lifted {
            return values.get(index).copied();
        }
        (self.lift)(self.memory, self.address(i)).ok()
    }
}

/// Iterates a [`List`].
pub struct ListIter<'g, T> {
    list: List<'g, T>,
    next: u32,
}

impl<T> Clone for ListIter<'_, T> {
    fn clone(&self) -> Self {
        ListIter {
            list: self.list,
            next: self.next,
        }
    }
}

impl<T: Copy> Iterator for ListIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        while self.next < self.list.len {
            let i = self.next;
            self.next += 1;
            if let Some(values) = self.list.lifted {
                return values.get(i as usize).copied();
            }
            // Every element was lifted in `List::new`; memory does not
            // change while the host runs, so this succeeds.
            if let Ok(v) = (self.list.lift)(self.list.memory, self.list.address(i)) {
                return Some(v);
            }
        }
        None
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.list.len - self.next) as usize;
        (n, Some(n))
    }
}

impl<T: Copy> ExactSizeIterator for ListIter<'_, T> {}

impl<'g, T: Copy> IntoIterator for List<'g, T> {
    type Item = T;
    type IntoIter = ListIter<'g, T>;
    fn into_iter(self) -> ListIter<'g, T> {
        ListIter {
            list: self,
            next: 0,
        }
    }
}

/// A resource table seen through its lookup alone, whatever its capacity.
pub trait Lookup<T> {
    /// The resource behind `handle`.
    fn lookup(&self, handle: u32) -> Result<&T, Error>;
}

impl<T, const N: usize, const TAG: u8> Lookup<T> for Table<T, N, TAG> {
    fn lookup(&self, handle: u32) -> Result<&T, Error> {
        self.get(handle)
    }
}

/// A `list<borrow<R>>` argument: the resources behind the handles, in
/// order.
pub struct Handles<'a, T> {
    memory: &'a [u8],
    ptr: u32,
    len: u32,
    table: &'a dyn Lookup<T>,
}

impl<T> Clone for Handles<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Handles<'_, T> {}

impl<'a, T> Handles<'a, T> {
    /// The `len` handles (each a `u32`) at `ptr`, each checked in `table`.
    pub fn new(
        memory: &'a [u8],
        ptr: u32,
        len: u32,
        table: &'a dyn Lookup<T>,
    ) -> Result<Handles<'a, T>, Error> {
        aligned(ptr, 4)?;
        range(
            memory.len(),
            ptr,
            len.checked_mul(4).ok_or(Error::OutOfBounds)?,
        )?;
        let handles = Handles {
            memory,
            ptr,
            len,
            table,
        };
        for i in 0..len {
            handles.table.lookup(handles.handle(i)?)?;
        }
        Ok(handles)
    }

    fn handle(&self, i: u32) -> Result<u32, Error> {
        read_u32(self.memory, self.ptr + 4 * i)
    }

    /// How many handles.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The resource at `index`.
    pub fn get(&self, index: usize) -> Option<&'a T> {
        let i = u32::try_from(index).ok().filter(|&i| i < self.len)?;
        self.table.lookup(self.handle(i).ok()?).ok()
    }

    /// The resources, in order.
    pub fn iter(&self) -> HandlesIter<'a, T> {
        HandlesIter {
            handles: *self,
            next: 0,
        }
    }
}

/// Iterates a [`Handles`].
pub struct HandlesIter<'a, T> {
    handles: Handles<'a, T>,
    next: usize,
}

impl<T> Clone for HandlesIter<'_, T> {
    fn clone(&self) -> Self {
        HandlesIter {
            handles: self.handles,
            next: self.next,
        }
    }
}

impl<'a, T> Iterator for HandlesIter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        while self.next < self.handles.len() {
            self.next += 1;
            // Every handle was checked in `Handles::new`, and the table
            // does not change while the host runs.
            if let Some(v) = self.handles.get(self.next - 1) {
                return Some(v);
            }
        }
        None
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.handles.len() - self.next;
        (n, Some(n))
    }
}

impl<T> ExactSizeIterator for HandlesIter<'_, T> {}

impl<'a, T> IntoIterator for Handles<'a, T> {
    type Item = &'a T;
    type IntoIter = HandlesIter<'a, T>;
    fn into_iter(self) -> HandlesIter<'a, T> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::read_u16;

    fn lift_pair(mem: &[u8], at: u32) -> Result<(u16, u16), Error> {
        Ok((read_u16(mem, at)?, read_u16(mem, at + 2)?))
    }

    fn lift_nonzero(mem: &[u8], at: u32) -> Result<u8, Error> {
        match mem[at as usize] {
            0 => Err(Error::InvalidDiscriminant),
            v => Ok(v),
        }
    }

    #[test]
    fn elements_are_lifted_in_order() {
        let mem = [1u8, 0, 2, 0, 3, 0, 4, 0];
        let list = List::new(&mem[..], 0, 2, 4, 2, lift_pair).unwrap();
        assert_eq!(list.len(), 2);
        let all: [(u16, u16); 2] = core::array::from_fn(|i| list.get(i).unwrap());
        assert_eq!(all, [(1, 2), (3, 4)]);
        assert_eq!(list.into_iter().len(), 2);
        assert_eq!(list.get(2), None);
    }

    #[test]
    fn a_list_the_engine_lifted_reads_as_one_from_memory() {
        let mem = [1u8, 0, 2, 0, 3, 0, 4, 0];
        let from_memory = List::new(&mem[..], 0, 2, 4, 2, lift_pair).unwrap();
        let values = [(1u16, 2u16), (3, 4)];
        let lifted = List::lifted(&values[..]);
        assert_eq!(lifted.len(), 2);
        assert_eq!(lifted.get(1), Some((3, 4)));
        assert_eq!(lifted.get(2), None);
        assert!(lifted.into_iter().eq(from_memory));
        assert!(List::<u8>::lifted(&[]).is_empty());
    }

    #[test]
    fn a_bad_element_anywhere_fails_the_whole_list() {
        let mem = [1u8, 2, 0, 4];
        assert!(List::new(&mem[..], 0, 2, 1, 1, lift_nonzero).is_ok());
        assert_eq!(
            List::new(&mem[..], 0, 3, 1, 1, lift_nonzero).err(),
            Some(Error::InvalidDiscriminant)
        );
    }

    #[test]
    fn lengths_that_overflow_or_leave_memory_are_out_of_bounds() {
        let mem = [0u8; 16];
        assert_eq!(
            List::new(&mem[..], 0, u32::MAX, 4, 2, lift_pair).err(),
            Some(Error::OutOfBounds)
        );
        assert_eq!(
            List::new(&mem[..], 12, 2, 4, 2, lift_pair).err(),
            Some(Error::OutOfBounds)
        );
        assert_eq!(
            List::new(&mem[..], 1, 1, 4, 2, lift_pair).err(),
            Some(Error::Misaligned)
        );
    }

    #[test]
    fn handles_are_checked_against_the_table() {
        let mut table: Table<&str, 4> = Table::new();
        let a = table.insert("a").unwrap();
        let b = table.insert("b").unwrap();
        let mut mem = [0u8; 12];
        mem[0..4].copy_from_slice(&b.to_le_bytes());
        mem[4..8].copy_from_slice(&a.to_le_bytes());
        mem[8..12].copy_from_slice(&7u32.to_le_bytes());
        let handles = Handles::new(&mem[..], 0, 2, &table).unwrap();
        let mut it = handles.iter();
        assert_eq!(
            (it.len(), it.next(), it.next()),
            (2, Some(&"b"), Some(&"a"))
        );
        assert_eq!(
            Handles::new(&mem[..], 0, 3, &table).err(),
            Some(Error::InvalidHandle)
        );
        assert_eq!(
            Handles::new(&mem[..], 4, u32::MAX, &table).err(),
            Some(Error::OutOfBounds)
        );
    }
}
