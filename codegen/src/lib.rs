//! wasi-hw's code generator.
//!
//! From a WIT package that follows wasi-hw's conventions it emits:
//!
//! - [`guest`]: the Rust bindings of a world for apps, in one file, through
//!   wit-bindgen's Rust generator used as a library (so the output can be read,
//!   diffed and checked in);
//! - [`guest_c`]: the C bindings of a world for apps in C, through
//!   wit-bindgen's C generator, the world's component type written as C;
//! - [`guest_crate`]: a whole SDK crate for a vendor's WIT package that depends
//!   on `wasi-hw:hal`, reusing the types of `wasi-hw-guest`;
//! - [`shim`]: a `no_std` host shim of a world for firmware: traits,
//!   handle tables, canonical-ABI glue and a wasmi adapter.
//!
//! What every generator shares lives beside them: [`package`] loads and
//! resolves WIT, [`conventions`] checks our rules (a doc comment on every
//! item), and [`output`] writes files deterministically or checks them.

pub mod conventions;
pub mod guest;
pub mod guest_c;
pub mod guest_crate;
pub mod output;
pub mod package;
pub mod shim;
pub mod worlds;

/// The one `wit-parser` that wit-bindgen's generators use, so that a
/// [`Resolve`](wit_parser::Resolve) handed to them is of their own type.
pub use wit_bindgen_core::wit_parser;
