//! App bundles: one file that holds an app's core module and what a device
//! needs to know before it runs it, signed with Ed25519.
//!
//! The build machine does the expensive checks (`wasi-hw pack`: the module
//! is valid WebAssembly, imports only its world, exports what a host
//! calls) and signs the result; a device checks only the signature
//! ([`open`]), so it can run the module without validating it again. The
//! reading side is `no_std` and allocates nothing.
//!
//! # Format, version 2
//!
//! All numbers little-endian.
//!
//! | offset | size | field |
//! |---:|---:|---|
//! | 0 | 4 | magic, `WHWB` |
//! | 4 | 2 | format version, 2 |
//! | 6 | 2 | world name length `w` |
//! | 8 | 4 | memory: the bytes of linear memory the app needs (see below) |
//! | 12 | 4 | module length `m` |
//! | 16 | 1 | the module's form, [`Form`]: 0 plain, 1 custom pages, 2 wasefire |
//! | 17 | 1 | flags: bit 0 set when the app's memory is fixed, bit 1 when its module uses floating point; the other bits 0 |
//! | 18 | 2 | 0 |
//! | 20 | `w` | world name, UTF-8, for example `wasi-hw:hal/app@0.1.1` |
//! | 20 + `w` | `m` | the core module, without custom sections (but a wasefire side table) |
//! | 20 + `w` + `m` | 64 | Ed25519 signature of every byte before it |
//!
//! Memory: for an app whose memory is fixed (it cannot grow it, and its
//! code never asks its size: a guest SDK build with `fixed_heap!`, see
//! `wasi-hw pack`), the bytes below `__heap_base`: its stack, data and
//! heap, all it ever touches; a device gives it exactly that. For any
//! other app, the bytes its memory starts with; it may grow.
//!
//! Floating point: a module that has an `f32` or `f64` anywhere (a type, a
//! local, a global, an instruction) has bit 1 set, so that a firmware whose
//! engine was built without floats (wasefire-interpreter without
//! `float-types`, 12 KiB less flash) refuses it rather than meet an
//! instruction it cannot run.
//!
//! Nothing follows the signature. A reader refuses a version it does not
//! know (version 1 had no form and flags; none was deployed) and a form or
//! flag it does not know.
#![no_std]

#[cfg(feature = "sign")]
extern crate alloc;
#[cfg(feature = "pack")]
extern crate std;

/// Checking and packing a module on the build machine (`wasi-hw pack`).
#[cfg(feature = "pack")]
pub mod pack;

/// The first four bytes of a bundle.
pub const MAGIC: [u8; 4] = *b"WHWB";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 2;
/// The bytes before the world's name.
pub const HEADER_LEN: usize = 20;

/// How a bundle's module is laid out for the engine that runs it. Every
/// form is the same app, checked the same way; they differ only in the
/// memory the module declares and in data an engine needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The module as the guest SDK built it (custom sections dropped): any
    /// engine runs it.
    Plain,
    /// The memory declared as exactly `memory` bytes, in pages of one byte
    /// (WebAssembly's custom-page-sizes proposal): for an engine that has
    /// it (wasmi 2.0 with `Config::wasm_custom_page_sizes`), which then
    /// allocates no more than the app needs. Only for a fixed memory.
    CustomPages,
    /// For wasefire-interpreter 0.5, which runs the module in place: the
    /// memory declared as one 64 KiB page that cannot grow, of which the
    /// device gives `memory` bytes (the app never asks the size), and the
    /// module prefixed with the interpreter's side table (a custom section,
    /// computed when the module was validated on the build machine, so the
    /// device runs it with `Module::new_unchecked`). Only for a fixed
    /// memory.
    Wasefire,
}

impl Form {
    /// The byte the header holds.
    pub const fn byte(self) -> u8 {
        match self {
            Form::Plain => 0,
            Form::CustomPages => 1,
            Form::Wasefire => 2,
        }
    }

    /// The form of header byte `b`.
    pub const fn from_byte(b: u8) -> Option<Form> {
        match b {
            0 => Some(Form::Plain),
            1 => Some(Form::CustomPages),
            2 => Some(Form::Wasefire),
            _ => None,
        }
    }

    /// Its name, as `wasi-hw pack --form` takes it.
    pub const fn name(self) -> &'static str {
        match self {
            Form::Plain => "plain",
            Form::CustomPages => "custom-pages",
            Form::Wasefire => "wasefire",
        }
    }
}

/// The flag of an app whose memory is fixed.
const FIXED: u8 = 1;
/// The flag of a module that uses floating point.
const FLOATS: u8 = 2;
/// The signature's length.
pub const SIGNATURE_LEN: usize = 64;

/// What a bundle says of its app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bundle<'a> {
    /// The world the app was checked against, with its version.
    pub world: &'a str,
    /// The bytes of linear memory the app needs: exactly, when `fixed`;
    /// what it starts with, otherwise.
    pub memory: u32,
    /// Whether the app's memory is fixed: it never grows it nor asks its
    /// size, and touches nothing at or past `memory`.
    pub fixed: bool,
    /// Whether the module uses floating point (`f32` or `f64` anywhere).
    pub floats: bool,
    /// How the module is laid out for its engine.
    pub form: Form,
    /// The core module.
    pub module: &'a [u8],
}

/// Why a bundle cannot be read or trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// It does not start with [`MAGIC`].
    NotABundle,
    /// A format version this reader does not know.
    Version(u16),
    /// Shorter than its header says (or than a header).
    Truncated,
    /// Longer than its header says: bytes after the signature.
    TrailingBytes,
    /// The world's name is not UTF-8.
    WorldName,
    /// The signature does not match the contents and the key: the bundle
    /// was changed after it was signed, or signed with another key.
    Signature,
    /// The public key is not one (32 bytes of a point on the curve).
    Key,
    /// A form ([`Form`]) this reader does not know.
    Form(u8),
    /// Flags or reserved bytes this reader does not know.
    Flags,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::NotABundle => f.write_str("not a wasi-hw bundle (it does not start with WHWB)"),
            Error::Version(v) => {
                f.write_str("a bundle of format version ")?;
                decimal(f, *v)?;
                f.write_str("; this reader knows version ")?;
                decimal(f, VERSION)
            }
            Error::Truncated => f.write_str("truncated: shorter than its header says"),
            Error::TrailingBytes => f.write_str("bytes after the signature"),
            Error::WorldName => f.write_str("the world's name is not UTF-8"),
            Error::Signature => f.write_str(
                "the signature does not match: the bundle was changed after it was signed, or signed with another key",
            ),
            Error::Key => f.write_str("not an Ed25519 public key"),
            Error::Form(b) => {
                f.write_str("a module of form ")?;
                decimal(f, u16::from(*b))?;
                f.write_str(", which this reader does not know")
            }
            Error::Flags => f.write_str("flags this reader does not know"),
        }
    }
}

impl core::error::Error for Error {}

/// `n` in decimal, written without `{}`: core::fmt's integer formatting
/// and padding would cost a device that prints these messages about 700
/// bytes of code (the tiny firmware has none of it otherwise).
fn decimal(f: &mut core::fmt::Formatter<'_>, mut n: u16) -> core::fmt::Result {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    f.write_str(core::str::from_utf8(&digits[at..]).unwrap_or("?"))
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// A bundle's parts: what it says, the signed bytes, the signature. Does
/// not check the signature.
pub fn parse(bytes: &[u8]) -> Result<(Bundle<'_>, &[u8], &[u8]), Error> {
    if bytes.len() < 4 || bytes[..4] != MAGIC {
        return Err(Error::NotABundle);
    }
    if bytes.len() < 6 {
        return Err(Error::Truncated);
    }
    let version = u16_at(bytes, 4);
    if version != VERSION {
        return Err(Error::Version(version));
    }
    if bytes.len() < HEADER_LEN {
        return Err(Error::Truncated);
    }
    let world_len = usize::from(u16_at(bytes, 6));
    let memory = u32_at(bytes, 8);
    let module_len = u32_at(bytes, 12) as usize;
    let signed_len = HEADER_LEN
        .checked_add(world_len)
        .and_then(|n| n.checked_add(module_len))
        .ok_or(Error::Truncated)?;
    let total = signed_len
        .checked_add(SIGNATURE_LEN)
        .ok_or(Error::Truncated)?;
    if bytes.len() < total {
        return Err(Error::Truncated);
    }
    if bytes.len() > total {
        return Err(Error::TrailingBytes);
    }
    let form = Form::from_byte(bytes[16]).ok_or(Error::Form(bytes[16]))?;
    if bytes[17] & !(FIXED | FLOATS) != 0 || bytes[18..20] != [0, 0] {
        return Err(Error::Flags);
    }
    let world = core::str::from_utf8(&bytes[HEADER_LEN..HEADER_LEN + world_len])
        .map_err(|_| Error::WorldName)?;
    let module = &bytes[HEADER_LEN + world_len..signed_len];
    Ok((
        Bundle {
            world,
            memory,
            fixed: bytes[17] & FIXED != 0,
            floats: bytes[17] & FLOATS != 0,
            form,
            module,
        },
        &bytes[..signed_len],
        &bytes[signed_len..],
    ))
}

/// A key as a key file holds it (`wasi-hw keygen`'s `NAME.pub` or
/// `NAME.key`): 64 hex digits, with white space around them or not. `None`
/// for anything else. For a firmware that embeds its `.pub` with
/// `include_str!`.
pub fn key_from_hex(text: &str) -> Option<[u8; 32]> {
    let hex = text.trim().as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = (digit(hex[2 * i])? << 4) | digit(hex[2 * i + 1])?;
    }
    Some(key)
}

/// The bundle in `bytes`, if it is whole and signed with the secret key of
/// `public_key` (32 bytes): what a device calls before it runs the module.
pub fn open<'a>(bytes: &'a [u8], public_key: &[u8]) -> Result<Bundle<'a>, Error> {
    let (bundle, signed, signature) = parse(bytes)?;
    let key = <&[u8; 32]>::try_from(public_key)
        .ok()
        .and_then(|key| salty::PublicKey::try_from(key).ok())
        .ok_or(Error::Key)?;
    let signature = <&[u8; SIGNATURE_LEN]>::try_from(signature)
        .ok()
        .filter(|s| canonical(s))
        .ok_or(Error::Signature)?;
    key.verify(signed, &salty::Signature::from(signature))
        .map_err(|_| Error::Signature)?;
    Ok(bundle)
}

/// The group's order, L = 2^252 + 27742317777372353535851937790883648493,
/// little-endian.
const ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Whether the signature's `S` (its last 32 bytes, little-endian) is below
/// L, as RFC 8032 (5.1.7) requires: salty does not check it, and without
/// it `S + L` would pass for `S`, a second valid signature of the same
/// bundle.
fn canonical(signature: &[u8; SIGNATURE_LEN]) -> bool {
    let s = &signature[32..];
    for (byte, order) in s.iter().zip(&ORDER).rev() {
        if byte != order {
            return byte < order;
        }
    }
    false
}

/// A new key pair from the system's randomness: the 32-byte seed (the
/// secret, from which the key pair follows) and the 32-byte public key.
/// An error when the system gives no randomness.
#[cfg(feature = "sign")]
pub fn keygen() -> Result<([u8; 32], [u8; 32]), getrandom::Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)?;
    Ok((seed, public_key(&seed)))
}

/// The public key of the secret `seed`.
#[cfg(feature = "sign")]
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    salty::Keypair::from(seed).public.to_bytes()
}

/// `bundle` written and signed with the secret `seed`. `None` when a field
/// does not fit the format (a world name of 64 KiB, a module of 4 GiB).
#[cfg(feature = "sign")]
pub fn sign(bundle: &Bundle<'_>, seed: &[u8; 32]) -> Option<alloc::vec::Vec<u8>> {
    let world_len = u16::try_from(bundle.world.len()).ok()?;
    let module_len = u32::try_from(bundle.module.len()).ok()?;
    let mut out = alloc::vec::Vec::with_capacity(
        HEADER_LEN + bundle.world.len() + bundle.module.len() + SIGNATURE_LEN,
    );
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&world_len.to_le_bytes());
    out.extend_from_slice(&bundle.memory.to_le_bytes());
    out.extend_from_slice(&module_len.to_le_bytes());
    let flags = (if bundle.fixed { FIXED } else { 0 }) | (if bundle.floats { FLOATS } else { 0 });
    out.extend_from_slice(&[bundle.form.byte(), flags, 0, 0]);
    out.extend_from_slice(bundle.world.as_bytes());
    out.extend_from_slice(bundle.module);
    // Deterministic (RFC 8032): the same input and key give the same bundle.
    let signature = salty::Keypair::from(seed).sign(&out);
    out.extend_from_slice(&signature.to_bytes());
    Some(out)
}

#[cfg(all(test, feature = "sign"))]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [7; 32];

    fn bundle() -> alloc::vec::Vec<u8> {
        let b = Bundle {
            world: "wasi-hw:hal/app@0.1.1",
            memory: 5392,
            fixed: true,
            floats: true,
            form: Form::CustomPages,
            module: b"\0asm\x01\0\0\0",
        };
        sign(&b, &SEED).unwrap()
    }

    #[test]
    fn a_signed_bundle_opens_with_its_key_and_says_what_was_packed() {
        let bytes = bundle();
        assert_eq!(&bytes[..4], b"WHWB");
        assert_eq!(bytes.len(), 20 + 21 + 8 + 64);
        let b = open(&bytes, &public_key(&SEED)).unwrap();
        assert_eq!(b.world, "wasi-hw:hal/app@0.1.1");
        assert_eq!(
            (b.memory, b.fixed, b.floats, b.form),
            (5392, true, true, Form::CustomPages)
        );
        assert_eq!(b.module, b"\0asm\x01\0\0\0");
    }

    #[test]
    fn a_key_is_64_hex_digits_and_nothing_else() {
        let text = alloc::format!("{}\n", "00ff10Aa".repeat(8));
        let key = key_from_hex(&text).unwrap();
        assert_eq!(key[..4], [0x00, 0xff, 0x10, 0xaa]);
        assert_eq!(key_from_hex(&text[..63]), None);
        assert_eq!(key_from_hex(&alloc::format!("g{}", &text[1..])), None);
        assert_eq!(key_from_hex(""), None);
        assert_eq!(key_from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn a_changed_byte_anywhere_or_another_key_is_refused() {
        let bytes = bundle();
        let key = public_key(&SEED);
        for at in [8, 16, 40, bytes.len() - 1] {
            let mut changed = bytes.clone();
            changed[at] ^= 1;
            assert_eq!(open(&changed, &key), Err(Error::Signature), "byte {at}");
        }
        assert_eq!(open(&bytes, &public_key(&[8; 32])), Err(Error::Signature));
    }

    #[test]
    fn the_messages_name_the_numbers() {
        use alloc::string::ToString;
        assert_eq!(
            Error::Version(300).to_string(),
            "a bundle of format version 300; this reader knows version 2"
        );
        assert_eq!(
            Error::Version(0).to_string(),
            "a bundle of format version 0; this reader knows version 2"
        );
        assert_eq!(
            Error::Form(255).to_string(),
            "a module of form 255, which this reader does not know"
        );
    }

    #[test]
    fn keys_are_rfc_8032_seeds_and_public_keys() {
        // RFC 8032, 7.1, TEST 1: the seed (its "SECRET KEY") and its public
        // key. A key made by an earlier `wasi-hw keygen` stays valid.
        let seed = key_from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let public =
            key_from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert_eq!(public_key(&seed.unwrap()), public.unwrap());
    }

    #[test]
    fn a_signature_whose_s_is_not_below_the_order_is_refused() {
        let bytes = bundle();
        let key = public_key(&SEED);
        // S + L is a second signature of the same bundle, which the curve
        // arithmetic alone accepts (L times the base point is the
        // identity): `open` refuses it.
        let at = bytes.len() - 32;
        let mut s = [0u8; 32];
        s.copy_from_slice(&bytes[at..]);
        let mut carry = 0u16;
        for (byte, order) in s.iter_mut().zip(ORDER) {
            let sum = u16::from(*byte) + u16::from(order) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "S + L fits in 32 bytes for this bundle");
        let mut other = bytes.clone();
        other[at..].copy_from_slice(&s);
        let signed = &other[..at - 32];
        let raw = salty::Signature::from(<&[u8; 64]>::try_from(&other[at - 32..]).unwrap());
        let curve = salty::PublicKey::try_from(&key)
            .unwrap()
            .verify(signed, &raw);
        assert!(curve.is_ok(), "the arithmetic alone takes S + L");
        assert_eq!(open(&other, &key), Err(Error::Signature));
        assert!(open(&bytes, &key).is_ok());
    }

    #[test]
    fn what_is_not_a_whole_bundle_of_this_version_is_refused_by_name() {
        let bytes = bundle();
        let key = public_key(&SEED);
        assert_eq!(open(b"\0asm\x01\0\0\0", &key), Err(Error::NotABundle));
        assert_eq!(open(&bytes[..3], &key), Err(Error::NotABundle));
        assert_eq!(open(&bytes[..10], &key), Err(Error::Truncated));
        assert_eq!(open(&bytes[..bytes.len() - 1], &key), Err(Error::Truncated));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(open(&longer, &key), Err(Error::TrailingBytes));
        let mut later = bytes.clone();
        later[4] = 3;
        assert_eq!(open(&later, &key), Err(Error::Version(3)));
        let mut form = bytes.clone();
        form[16] = 9;
        assert_eq!(open(&form, &key), Err(Error::Form(9)));
        for at in [17, 18, 19] {
            let mut flags = bytes.clone();
            flags[at] |= 4;
            assert_eq!(open(&flags, &key), Err(Error::Flags), "byte {at}");
        }
        // A module length that would wrap past the end of memory.
        let mut huge = bytes.clone();
        huge[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(open(&huge, &key), Err(Error::Truncated));
        assert_eq!(open(&bytes, &[0; 31]), Err(Error::Key));
    }
}
