//! Fixed-capacity resource tables, as the canonical ABI uses them.
//!
//! A guest holds resources (pins, buses, timers) by handle: a small integer
//! that the host looks up in its table for that resource type. Handle 0 is
//! never valid, so a zeroed value is never mistaken for a resource. A handle
//! that is not in the table (never given out, or dropped) is
//! [`Error::InvalidHandle`]; dropping an own handle that is lent out
//! (borrowed by a pending call) is [`Error::HandleBorrowed`]. Capacity is a
//! const generic: no allocator.
//!
//! The guest's handles are one index space, typed, as the canonical ABI's:
//! a table's handles carry its resource type's tag (the const generic
//! `TAG`, 1 to 254, which the generator numbers through the world) in
//! their upper 8 bits and its slot in the lower 24, so a pin's handle
//! passed where a bus is expected is [`Error::WrongType`], naming both
//! tags, never bus number 1. A table of tag 0 gives plain handles 1 to
//! `N`, for a table that is the guest's only one.

use crate::Error;

struct Slot<T> {
    value: T,
    lent: u32,
}

/// The error for `handle`, which is not a live handle of the table tagged
/// `expected`: [`Error::WrongType`] if it carries another tag (and the
/// table is tagged), [`Error::InvalidHandle`] otherwise. Out of line, for
/// the glue's failure paths.
#[cold]
#[inline(never)]
pub fn handle_error(handle: u32, expected: u8) -> Error {
    let found = (handle >> 24) as u8;
    // Tags are 1 to 254: 0 is an untagged table's (which says nothing of
    // types), and 255 is never given, so that -1, the most common forged
    // handle, is no handle at all.
    if expected != 0 && !matches!(found, 0 | 0xff) && found != expected {
        Error::wrong_type(found, expected)
    } else {
        Error::InvalidHandle
    }
}

/// A table of up to `N` resources of type `T`, whose handles carry `TAG`.
pub struct Table<T, const N: usize, const TAG: u8 = 0> {
    slots: [Option<Slot<T>>; N],
}

impl<T, const N: usize, const TAG: u8> Default for Table<T, N, TAG> {
    fn default() -> Self {
        Table::new()
    }
}

impl<T, const N: usize, const TAG: u8> Table<T, N, TAG> {
    /// An empty table.
    pub fn new() -> Table<T, N, TAG> {
        const { assert!(N < 1 << 24, "a table holds fewer than 2^24 resources") };
        Table {
            slots: core::array::from_fn(|_| None),
        }
    }

    /// The slot of `handle`, if it is one of this table's (it need not be
    /// in use).
    #[inline(always)]
    fn position(handle: u32) -> Option<usize> {
        match ((handle ^ (u32::from(TAG) << 24)) as usize).checked_sub(1) {
            Some(i) if i < N => Some(i),
            _ => None,
        }
    }

    /// [`position`](Self::position), or the error. Inline, so that the
    /// check that the slot is in the table is the one a caller's indexing
    /// needs (out of line, the firmware's glue grew by its bounds checks).
    #[inline(always)]
    fn index(handle: u32) -> Result<usize, Error> {
        match Self::position(handle) {
            Some(i) => Ok(i),
            None => Err(handle_error(handle, TAG)),
        }
    }

    /// Stores `value` and returns its new own handle (its tag, and 1 to
    /// `N`).
    pub fn insert(&mut self, value: T) -> Result<u32, Error> {
        let free = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(Error::TableFull)?;
        self.slots[free] = Some(Slot { value, lent: 0 });
        Ok((u32::from(TAG) << 24) | (free as u32 + 1))
    }

    /// The resource behind `handle` (an own or a borrow).
    pub fn get(&self, handle: u32) -> Result<&T, Error> {
        match &self.slots[Self::index(handle)?] {
            Some(slot) => Ok(&slot.value),
            None => Err(Error::InvalidHandle),
        }
    }

    /// The resource behind `handle`, mutably.
    pub fn get_mut(&mut self, handle: u32) -> Result<&mut T, Error> {
        self.slot(handle).ok_or_else(|| handle_error(handle, TAG))
    }

    /// The resource behind `handle`, mutably, if there is one: a lookup
    /// that answers in one register, for the generated `lookup_*`
    /// functions (which make the error at their call sites, with
    /// [`handle_error`]).
    pub fn slot(&mut self, handle: u32) -> Option<&mut T> {
        match self.slots.get_mut(Self::position(handle)?) {
            Some(Some(slot)) => Some(&mut slot.value),
            _ => None,
        }
    }

    /// Marks `handle` as lent for the length of a call (a `borrow` argument).
    pub fn lend(&mut self, handle: u32) -> Result<(), Error> {
        match &mut self.slots[Self::index(handle)?] {
            Some(slot) => {
                slot.lent = slot.lent.checked_add(1).ok_or(Error::TableFull)?;
                Ok(())
            }
            None => Err(Error::InvalidHandle),
        }
    }

    /// Ends a [`lend`](Table::lend).
    pub fn give_back(&mut self, handle: u32) -> Result<(), Error> {
        match &mut self.slots[Self::index(handle)?] {
            Some(slot) if slot.lent > 0 => {
                slot.lent -= 1;
                Ok(())
            }
            _ => Err(Error::InvalidHandle),
        }
    }

    /// Drops the own `handle` and returns its resource. A second drop, a
    /// forged handle or a lent one is an error and changes nothing.
    pub fn remove(&mut self, handle: u32) -> Result<T, Error> {
        let i = Self::index(handle)?;
        match &self.slots[i] {
            None => return Err(Error::InvalidHandle),
            Some(slot) if slot.lent > 0 => return Err(Error::HandleBorrowed),
            Some(_) => {}
        }
        self.slots[i]
            .take()
            .map(|s| s.value)
            .ok_or(Error::InvalidHandle)
    }

    /// How many resources the table holds.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_start_at_one_and_slots_are_reused() {
        let mut t: Table<&str, 2> = Table::new();
        assert_eq!(t.insert("led"), Ok(1));
        assert_eq!(t.insert("button"), Ok(2));
        assert_eq!(t.insert("third"), Err(Error::TableFull));
        assert_eq!(t.get(2), Ok(&"button"));
        assert_eq!(t.remove(1), Ok("led"));
        assert_eq!(t.insert("again"), Ok(1));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn forged_and_dropped_handles_are_errors_never_panics() {
        let mut t: Table<u8, 4> = Table::new();
        let h = t.insert(7).unwrap();
        for forged in [0, 2, 5, u32::MAX] {
            assert_eq!(t.get(forged), Err(Error::InvalidHandle), "{forged}");
            assert_eq!(t.remove(forged), Err(Error::InvalidHandle), "{forged}");
        }
        assert_eq!(t.remove(h), Ok(7));
        assert_eq!(t.remove(h), Err(Error::InvalidHandle), "a double drop");
        assert_eq!(t.get_mut(h), Err(Error::InvalidHandle));
    }

    #[test]
    fn a_handle_of_one_tagged_table_is_the_wrong_type_in_another() {
        let mut pins: Table<&str, 4, 4> = Table::new();
        let mut buses: Table<&str, 4, 5> = Table::new();
        let led = pins.insert("led").unwrap();
        let sensors = buses.insert("sensor-bus").unwrap();
        assert_eq!((led, sensors), (0x0400_0001, 0x0500_0001));
        assert_eq!(buses.get(sensors), Ok(&"sensor-bus"));
        let wrong = Error::wrong_type(4, 5);
        assert_eq!(wrong.wrong_type_tags(), Some((4, 5)));
        assert_eq!(buses.get(led), Err(wrong));
        assert_eq!(buses.get_mut(led), Err(wrong));
        assert_eq!(buses.remove(led), Err(wrong));
        assert_eq!(buses.slot(led), None);
        assert_eq!(handle_error(led, 5), wrong);
        // An untagged number, or this table's tag on an empty slot, is no
        // handle at all; nor is anything in an untagged table.
        assert_eq!(buses.get(1), Err(Error::InvalidHandle));
        assert_eq!(buses.get(0x0500_0002), Err(Error::InvalidHandle));
        assert_eq!(handle_error(0x0500_0002, 5), Error::InvalidHandle);
        assert_eq!(handle_error(led, 0), Error::InvalidHandle);
        assert_eq!(pins.remove(led), Ok("led"));
    }

    #[test]
    fn a_lent_handle_cannot_be_dropped_until_given_back() {
        let mut t: Table<u8, 1> = Table::new();
        let h = t.insert(1).unwrap();
        t.lend(h).unwrap();
        assert_eq!(t.remove(h), Err(Error::HandleBorrowed));
        t.give_back(h).unwrap();
        assert_eq!(t.give_back(h), Err(Error::InvalidHandle));
        assert_eq!(t.remove(h), Ok(1));
    }
}
