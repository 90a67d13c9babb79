//! Growable resource tables, for engine adapters that run with an
//! allocator (wasmtime's): the engine keeps the guest's handles and gives
//! the host a `u32` representation of its choosing; this is what the
//! representation indexes. One slab per resource type, so that a call that
//! borrows resources of several types gets each without conflict, as with
//! the fixed-capacity [`Table`](crate::Table) of a core-module host.

use alloc::vec::Vec;

use crate::Error;
use crate::list::Lookup;

/// Values by `u32` representation; a freed slot is reused, lowest first.
pub struct Slab<T> {
    slots: Vec<Option<T>>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab::new()
    }
}

impl<T> Slab<T> {
    /// An empty slab.
    pub const fn new() -> Slab<T> {
        Slab {
            slots: Vec::new(),
            len: 0,
        }
    }

    /// Stores `value`; returns its representation. [`Error::TableFull`]
    /// past `u32::MAX` values.
    pub fn insert(&mut self, value: T) -> Result<u32, Error> {
        let at = match self.slots.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        let rep = u32::try_from(at).map_err(|_| Error::TableFull)?;
        self.slots[at] = Some(value);
        self.len += 1;
        Ok(rep)
    }

    /// The value of `rep`.
    pub fn get(&self, rep: u32) -> Result<&T, Error> {
        self.slots
            .get(rep as usize)
            .and_then(Option::as_ref)
            .ok_or(Error::InvalidHandle)
    }

    /// The value of `rep`, to change.
    pub fn get_mut(&mut self, rep: u32) -> Result<&mut T, Error> {
        self.slots
            .get_mut(rep as usize)
            .and_then(Option::as_mut)
            .ok_or(Error::InvalidHandle)
    }

    /// Takes the value of `rep` out; its slot is free again.
    pub fn remove(&mut self, rep: u32) -> Result<T, Error> {
        let value = self
            .slots
            .get_mut(rep as usize)
            .and_then(Option::take)
            .ok_or(Error::InvalidHandle)?;
        self.len -= 1;
        Ok(value)
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> Lookup<T> for Slab<T> {
    fn lookup(&self, rep: u32) -> Result<&T, Error> {
        self.get(rep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_representation_is_reused_and_a_stale_one_is_an_error() {
        let mut slab = Slab::new();
        assert_eq!(slab.insert("led"), Ok(0));
        assert_eq!(slab.insert("button"), Ok(1));
        assert_eq!(slab.remove(0), Ok("led"));
        assert_eq!(slab.get(0), Err(Error::InvalidHandle));
        assert_eq!(slab.remove(0), Err(Error::InvalidHandle));
        assert_eq!(slab.insert("buzzer"), Ok(0));
        *slab.get_mut(1).unwrap() = "switch";
        assert_eq!(
            (slab.get(0), slab.get(1), slab.len()),
            (Ok(&"buzzer"), Ok(&"switch"), 2)
        );
        assert_eq!(slab.get(7), Err(Error::InvalidHandle));
    }
}
