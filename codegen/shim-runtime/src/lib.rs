//! What every generated wasi-hw host shim shares, written by hand.
//!
//! A host shim lets a firmware host wasi-hw apps as core modules in a small
//! interpreter (wasmi first). Its generated glue reads and writes the
//! guest's linear memory and keeps the guest's resources in tables; this
//! crate is the part of that which does not depend on the WIT:
//!
//! - [`area`]: a return area or list element built on the host's stack,
//!   then written into the guest in one checked copy;
//! - [`memory`]: guest memory through a small trait, with every pointer and
//!   length checked in overflow-safe arithmetic, alignment and UTF-8
//!   validated;
//! - [`handles`]: fixed-capacity resource tables, with own, borrow and drop
//!   as the canonical ABI says: a forged or dropped handle is an error;
//! - [`guest`]: what the glue sees of a guest during a call (its memory,
//!   its resource tables, its `cabi_realloc`), as a trait each engine
//!   adapter implements;
//! - [`list`]: list arguments read lazily out of guest memory, validated
//!   before the firmware sees them;
//! - `slab` (with the `alloc` feature): growable tables for the adapters
//!   of engines that keep the guest's handles themselves (wasmtime);
//! - [`version`]: which import names a shim serves (its package's version
//!   and every semver-compatible one);
//! - [`Error`]: what goes wrong, as a value the adapter turns into a trap.
//!
//! It is `no_std`, needs no allocator (but for `slab`), and never panics on
//! anything a guest sends.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod area;
pub mod guest;
pub mod handles;
pub mod list;
pub mod memory;
#[cfg(feature = "alloc")]
pub mod slab;
pub mod version;

#[cfg(feature = "alloc")]
extern crate alloc;

pub use guest::{Guest, NoRealloc, Project};
pub use handles::{Table, handle_error};
pub use list::{Handles, List};

/// Why a call from the guest cannot go on. The engine adapter turns it into
/// a trap; the host keeps running and serves the next guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A pointer and length that leave linear memory (or overflow).
    OutOfBounds,
    /// A pointer not aligned as the canonical ABI requires for its type.
    Misaligned,
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// A variant, enum, option or result discriminant out of range, or a
    /// bool or char that is not one.
    InvalidDiscriminant,
    /// A handle that is not in its table: forged, or already dropped.
    InvalidHandle,
    /// A handle of one resource type used as another (a pin's where a bus
    /// is expected): the tags of both (see [`handles`]), packed in one
    /// word so that an `Error` stays as small as it was (a payload of two
    /// fields made the firmware's glue 4 KiB larger); read them with
    /// [`Error::wrong_type_tags`]. The adapter's trap names the types.
    WrongType(u32),
    /// A resource table is full.
    TableFull,
    /// An own handle dropped while it is lent out.
    HandleBorrowed,
    /// A list longer than the shim accepts.
    TooLong,
    /// The guest's `cabi_realloc` failed: it trapped (the engine adapter
    /// keeps the cause) or cannot be called.
    Realloc,
    /// The guest's `cabi_realloc` returned a pointer that leaves memory for
    /// the size asked, or is not aligned as asked.
    ReallocPointer,
    /// The guest called the host again while the host was calling it (from
    /// its `cabi_realloc`), which the canonical ABI forbids.
    Reentered,
    /// The firmware stopped the guest: a limit, a watchdog, a fault it
    /// cannot report through the interface's own errors. Written
    /// `Error::Trap(&"why")`: a reference to the text rather than the text,
    /// so that an `Error` is two words and the glue's results come back in
    /// registers on a 32-bit target (with a `&'static str` here the
    /// firmware's glue was 15% larger; BENCHMARKS.md).
    Trap(&'static &'static str),
}

impl Error {
    /// [`Error::WrongType`]: a handle of tag `found` where `expected` was.
    pub const fn wrong_type(found: u8, expected: u8) -> Error {
        Error::WrongType(((found as u32) << 8) | expected as u32)
    }

    /// The tags of an [`Error::WrongType`]: (found, expected).
    pub const fn wrong_type_tags(self) -> Option<(u8, u8)> {
        match self {
            Error::WrongType(tags) => Some(((tags >> 8) as u8, tags as u8)),
            _ => None,
        }
    }

    /// A short description, for the trap message.
    pub fn message(self) -> &'static str {
        match self {
            Error::OutOfBounds => "guest pointer out of bounds",
            Error::Misaligned => "guest pointer misaligned",
            Error::InvalidUtf8 => "string is not UTF-8",
            Error::InvalidDiscriminant => "invalid discriminant",
            Error::InvalidHandle => "invalid resource handle",
            Error::WrongType(_) => "resource handle of the wrong type",
            Error::TableFull => "resource table full",
            Error::HandleBorrowed => "resource dropped while borrowed",
            Error::TooLong => "list too long",
            Error::Realloc => "cabi_realloc failed",
            Error::ReallocPointer => {
                "cabi_realloc returned a pointer out of bounds or misaligned for the size and alignment asked"
            }
            Error::Reentered => "the guest called the host from cabi_realloc",
            Error::Trap(message) => message,
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::Error;

    /// Two words: on a 32-bit target a `Result<u32, Error>` then comes back
    /// in registers, which keeps every step of the glue small.
    #[test]
    fn an_error_is_two_words() {
        assert_eq!(size_of::<Error>(), 2 * size_of::<usize>());
        assert_eq!(
            Error::Trap(&"the watchdog fired").message(),
            "the watchdog fired"
        );
    }
}
