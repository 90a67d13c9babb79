//! Fixed-capacity resource tables, as the canonical ABI uses them.
//!
//! A guest holds resources (pins, buses, timers) by handle: a small integer
//! that indexes the host's table for that resource type. Handle 0 is never
//! valid, so a zeroed value is never mistaken for a resource. A handle that
//! is not in the table (never given out, or dropped) is
//! [`Error::InvalidHandle`]; dropping an own handle that is lent out
//! (borrowed by a pending call) is [`Error::HandleBorrowed`]. Capacity is a
//! const generic: no allocator.

use crate::Error;

struct Slot<T> {
    value: T,
    lent: u32,
}

/// A table of up to `N` resources of type `T`.
pub struct Table<T, const N: usize> {
    slots: [Option<Slot<T>>; N],
}

impl<T, const N: usize> Default for Table<T, N> {
    fn default() -> Self {
        Table::new()
    }
}

impl<T, const N: usize> Table<T, N> {
    /// An empty table.
    pub fn new() -> Table<T, N> {
        Table {
            slots: core::array::from_fn(|_| None),
        }
    }

    fn index(handle: u32) -> Result<usize, Error> {
        let i = (handle as usize)
            .checked_sub(1)
            .ok_or(Error::InvalidHandle)?;
        if i < N {
            Ok(i)
        } else {
            Err(Error::InvalidHandle)
        }
    }

    /// Stores `value` and returns its new own handle (1 to `N`).
    pub fn insert(&mut self, value: T) -> Result<u32, Error> {
        let free = self
            .slots
            .iter()
            .position(Option::is_none)
            .ok_or(Error::TableFull)?;
        self.slots[free] = Some(Slot { value, lent: 0 });
        Ok(free as u32 + 1)
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
        self.slot(handle).ok_or(Error::InvalidHandle)
    }

    /// The resource behind `handle`, mutably, if there is one: a lookup
    /// that answers in one register, for the generated `lookup_*`
    /// functions (which make the error at their call sites).
    pub fn slot(&mut self, handle: u32) -> Option<&mut T> {
        let i = (handle as usize).checked_sub(1)?;
        match self.slots.get_mut(i) {
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
