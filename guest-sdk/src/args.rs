//! The app's arguments, read where the host put them.

use alloc::string::String;

use crate::Error;

/// A string in guest memory as the canonical ABI lays out a `list<string>`
/// element: a pointer and a length in bytes, of valid UTF-8.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawStr {
    ptr: *const u8,
    len: usize,
}

impl RawStr {
    /// The string at `ptr` of `len` bytes.
    ///
    /// # Safety
    /// `ptr..ptr + len` must be valid UTF-8 that outlives every [`Args`] made
    /// from this value.
    pub const unsafe fn new(ptr: *const u8, len: usize) -> RawStr {
        RawStr { ptr, len }
    }

    /// Where the string starts.
    pub(crate) fn ptr(self) -> *const u8 {
        self.ptr
    }

    /// Its length in bytes.
    pub(crate) fn len(self) -> usize {
        self.len
    }

    /// The bytes it points to, as `&str`.
    ///
    /// # Safety
    /// As for [`RawStr::new`].
    unsafe fn as_str<'a>(self) -> &'a str {
        // SAFETY: the caller of `new` promised valid UTF-8 that lives long
        // enough. The host validated it: the canonical ABI only passes
        // valid UTF-8 strings.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.ptr, self.len)) }
    }
}

impl From<&'static str> for RawStr {
    fn from(s: &'static str) -> RawStr {
        RawStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }
}

/// The app's arguments, as the host was given them, without the app's name.
pub struct Args<'a> {
    raw: &'a [RawStr],
}

impl<'a> Args<'a> {
    /// Arguments over `raw`. Every element must have been made with
    /// [`RawStr::new`]'s promise kept, or from a `&'static str`.
    pub fn new(raw: &'a [RawStr]) -> Args<'a> {
        Args { raw }
    }

    /// How many arguments there are.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Argument `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&'a str> {
        // SAFETY: see `Args::new`.
        self.raw.get(index).map(|raw| unsafe { raw.as_str() })
    }

    /// The arguments in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Argument `index` parsed as a `T`, or `default` when there are fewer
    /// arguments.
    ///
    /// An argument that does not parse gives [`Error::usage`] with `usage`
    /// (for example `"blinky [CYCLES]: CYCLES must be a whole number"`).
    pub fn parse<T: Arg>(&self, index: usize, default: T, usage: &'static str) -> Result<T, Error> {
        match self.get(index) {
            None => Ok(default),
            Some(s) => T::parse(s).ok_or_else(|| Error::usage(usage)),
        }
    }
}

/// A type that [`Args::parse`] can parse.
///
/// Integers are plain decimal (`42`, `-7`), parsed by a few dozen bytes of
/// code rather than `core::str::FromStr`'s few hundred: it matters in the
/// smallest apps. `f64` and `String` use `FromStr`.
pub trait Arg: Sized {
    /// The value `s` stands for, if it is one.
    fn parse(s: &str) -> Option<Self>;
}

fn parse_decimal(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for b in digits.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // Overflow checked against constants: `checked_mul` on u64 costs a
        // 128-bit multiply on wasm32.
        const LIMIT: u64 = u64::MAX / 10;
        if value > LIMIT || (value == LIMIT && u64::from(d) > u64::MAX % 10) {
            return None;
        }
        value = value * 10 + u64::from(d);
    }
    Some(value)
}

macro_rules! unsigned_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn parse(s: &str) -> Option<$t> {
                parse_decimal(s).and_then(|v| <$t>::try_from(v).ok())
            }
        }
    )*};
}
unsigned_arg!(u8, u16, u32, u64, usize);

macro_rules! signed_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn parse(s: &str) -> Option<$t> {
                match s.strip_prefix('-') {
                    Some(digits) => {
                        let v = parse_decimal(digits)?;
                        if v == u64::from(<$t>::MIN.unsigned_abs()) {
                            Some(<$t>::MIN)
                        } else {
                            <$t>::try_from(v).ok().map(|v| -v)
                        }
                    }
                    None => <$t>::try_from(parse_decimal(s)?).ok(),
                }
            }
        }
    )*};
}
signed_arg!(i32, i64);

impl Arg for f64 {
    fn parse(s: &str) -> Option<f64> {
        s.parse().ok()
    }
}

impl Arg for String {
    fn parse(s: &str) -> Option<String> {
        Some(String::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_takes_the_default_when_missing_and_rejects_garbage() {
        let raw = ["7", "x"].map(RawStr::from);
        let args = Args::new(&raw);
        assert_eq!(args.len(), 2);
        assert_eq!(args.iter().collect::<Vec<_>>(), ["7", "x"]);
        assert_eq!(args.parse(0, 5u32, "n"), Ok(7));
        assert_eq!(args.parse(2, 5u32, "n"), Ok(5));
        assert_eq!(
            args.parse(1, 5u32, "cycles must be a whole number"),
            Err(Error::usage("cycles must be a whole number"))
        );
    }

    #[test]
    fn integers_parse_in_range_and_nothing_else() {
        assert_eq!(u8::parse("255"), Some(255));
        assert_eq!(u8::parse("256"), None);
        assert_eq!(u64::parse("18446744073709551615"), Some(u64::MAX));
        assert_eq!(u64::parse("18446744073709551616"), None);
        assert_eq!(u32::parse(""), None);
        assert_eq!(u32::parse("+1"), None);
        assert_eq!(u32::parse("1.5"), None);
        assert_eq!(u32::parse("-1"), None);
        assert_eq!(i32::parse("-2147483648"), Some(i32::MIN));
        assert_eq!(i32::parse("-2147483649"), None);
        assert_eq!(i32::parse("2147483647"), Some(i32::MAX));
        assert_eq!(i32::parse("-0"), Some(0));
        assert_eq!(i64::parse("-"), None);
        assert_eq!(f64::parse("2.5"), Some(2.5));
        assert_eq!(String::parse("x"), Some(String::from("x")));
    }
}
