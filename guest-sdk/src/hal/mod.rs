//! embedded-hal 1.0 on the spec, so that driver crates written against
//! embedded-hal (bme280, eeprom24x, ...) work in an app unchanged.
//!
//! - [`crate::i2c::Bus`] implements `embedded_hal::i2c::I2c` for 7-bit and
//!   10-bit addresses. embedded-hal sends adjacent operations of one kind
//!   without a repeated start between them; the spec separates every
//!   operation, so the adapter merges adjacent writes (and adjacent reads)
//!   into one operation before the call, and splits the read data back.
//! - [`crate::spi::Device`] implements `embedded_hal::spi::SpiDevice`: one
//!   spec call a transaction, operations longer than the host takes split,
//!   unequal transfers padded (see [`spi`]).
//! - [`crate::gpio::Pin`] implements `digital::InputPin`, `OutputPin` and
//!   `StatefulOutputPin`; levels are the spec's logical levels.
//! - [`crate::timer::Delay`] implements `delay::DelayNs`.
//! - Errors map to embedded-hal's `ErrorKind`s: see [`i2c`] and [`digital`].
//!
//! The adapters are written once over the traits here ([`i2c::Transfer`],
//! [`spi::Exchange`], [`digital::Digital`]) and implemented for the imports by macro, so that the
//! tests run the same code against fakes of the imports on the host.

pub mod digital;
pub mod i2c;
pub mod spi;
