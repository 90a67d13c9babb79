//! Messages to the host: the `log` interface of the spec, and [`Line`], a
//! message builder for numbers that does without `core::fmt` (which costs a
//! few KiB, a lot in a 2 KiB app).

pub use crate::bindings::wasi_hw::hal::log::*;

use alloc::string::String;

// One function a level of the spec (trace, debug, info, warn, error), here
// and on `Line`.

/// Logs `message` at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs `message` at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs `message` at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Logs `message` at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs `message` at trace level.
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// A message built piece by piece, on the stack: text, integers and
/// fixed-point numbers, up to [`Line::CAPACITY`] bytes.
///
/// ```
/// use wasi_hw_guest::log::Line;
/// let mut line = Line::new();
/// line.text("T = ").fixed(21.456, 2).text(" °C, n = ").int(-3);
/// assert_eq!(line.as_str(), "T = 21.46 °C, n = -3");
/// // Or built and sent in one statement:
/// // Line::new().text("tick ").uint(7).info();
/// ```
///
/// It allocates nothing and brings in no code to grow a buffer; text past
/// the capacity is cut at a character boundary.
#[derive(Clone, Copy)]
pub struct Line {
    buf: [core::mem::MaybeUninit<u8>; Line::CAPACITY],
    len: usize,
}

impl Default for Line {
    fn default() -> Line {
        Line::new()
    }
}

impl core::fmt::Debug for Line {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Line").field(&self.as_str()).finish()
    }
}

impl Line {
    /// The most bytes a line holds.
    pub const CAPACITY: usize = 256;

    /// An empty line.
    pub const fn new() -> Line {
        Line {
            buf: [core::mem::MaybeUninit::uninit(); Line::CAPACITY],
            len: 0,
        }
    }

    /// Appends text, as much of it as fits.
    pub fn text(&mut self, s: &str) -> &mut Line {
        let mut n = s.len().min(Line::CAPACITY - self.len);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        for (slot, b) in self.buf[self.len..self.len + n]
            .iter_mut()
            .zip(s.as_bytes())
        {
            slot.write(*b);
        }
        self.len += n;
        self
    }

    fn byte(&mut self, b: u8) -> &mut Line {
        if self.len < Line::CAPACITY {
            self.buf[self.len].write(b);
            self.len += 1;
        }
        self
    }

    /// Appends an unsigned integer in decimal.
    pub fn uint(&mut self, mut n: u64) -> &mut Line {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[i..] {
            self.byte(d);
        }
        self
    }

    /// Appends a signed integer in decimal.
    pub fn int(&mut self, n: i64) -> &mut Line {
        if n < 0 {
            self.byte(b'-');
        }
        self.uint(n.unsigned_abs())
    }

    /// Appends `value` rounded to `decimals` places (at most 9), for example
    /// `fixed(1013.257, 1)` gives `1013.3`. NaN gives `NaN`; values beyond
    /// ±1.8e19 give `inf` or `-inf`.
    pub fn fixed(&mut self, value: f64, decimals: u32) -> &mut Line {
        if value.is_nan() {
            return self.text("NaN");
        }
        let decimals = decimals.min(9);
        let scale = 10u64.pow(decimals);
        let scaled = abs(value) * scale as f64 + 0.5;
        if scaled >= u64::MAX as f64 {
            return self.text(if value < 0.0 { "-inf" } else { "inf" });
        }
        let scaled = scaled as u64;
        if value < 0.0 && scaled != 0 {
            self.byte(b'-');
        }
        self.uint(scaled / scale);
        if decimals > 0 {
            self.byte(b'.');
            let frac = scaled % scale;
            let mut div = scale / 10;
            while div > 0 {
                self.byte(b'0' + ((frac / div) % 10) as u8);
                div /= 10;
            }
        }
        self
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        // SAFETY: the first `len` bytes were written, with whole UTF-8
        // characters only.
        unsafe {
            core::str::from_utf8_unchecked(core::slice::from_raw_parts(
                self.buf.as_ptr().cast(),
                self.len,
            ))
        }
    }

    /// Sends the line at `level`.
    pub fn log(&self, level: Level) {
        log(level, self.as_str());
    }

    /// Sends the line at trace level.
    pub fn trace(&self) {
        self.log(Level::Trace);
    }

    /// Sends the line at debug level.
    pub fn debug(&self) {
        self.log(Level::Debug);
    }

    /// Sends the line at info level.
    pub fn info(&self) {
        self.log(Level::Info);
    }

    /// Sends the line at warn level.
    pub fn warn(&self) {
        self.log(Level::Warn);
    }

    /// Sends the line at error level.
    pub fn error(&self) {
        self.log(Level::Error);
    }
}

impl From<Line> for String {
    fn from(line: Line) -> String {
        String::from(line.as_str())
    }
}

// `f64::abs` lives in std; this is the no_std equivalent.
fn abs(v: f64) -> f64 {
    if v < 0.0 { -v } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_core_fmt_would_round_them() {
        let cases: [(f64, u32, &str); 9] = [
            (21.456, 2, "21.46"),
            (1013.25, 0, "1013"),
            (-0.004, 2, "0.00"),
            (-12.5, 1, "-12.5"),
            (0.05, 3, "0.050"),
            (99.999, 2, "100.00"),
            (f64::NAN, 2, "NaN"),
            (1e30, 2, "inf"),
            (3.0, 20, "3.000000000"),
        ];
        for (value, decimals, text) in cases {
            assert_eq!(Line::new().fixed(value, decimals).as_str(), text, "{value}");
        }
        let mut line = Line::new();
        line.uint(0)
            .text(" ")
            .uint(u64::MAX)
            .text(" ")
            .int(i64::MIN);
        assert_eq!(line.as_str(), "0 18446744073709551615 -9223372036854775808");
    }

    #[test]
    fn a_full_line_is_cut_at_a_character_boundary() {
        let mut line = Line::new();
        line.text(&"x".repeat(Line::CAPACITY - 1));
        // "°" is two bytes: it does not fit in the one byte left.
        line.text("°C");
        assert_eq!(line.as_str().len(), Line::CAPACITY - 1);
        line.text("!").uint(42).text("more");
        assert_eq!(line.as_str().len(), Line::CAPACITY);
        assert!(line.as_str().ends_with("x!"));
    }
}
