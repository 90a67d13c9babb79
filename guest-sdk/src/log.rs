//! Messages to the host: the `log` interface of the spec, and [`Line`], a
//! message builder for numbers that does without `core::fmt` (which costs a
//! few KiB, a lot in a 2 KiB app).

pub use crate::bindings::wasi_hw::hal::log::*;

use alloc::string::String;

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

/// A message built piece by piece: text, integers and fixed-point numbers.
///
/// ```
/// use wasi_hw_guest::log::Line;
/// let line = Line::new().text("T = ").fixed(21.456, 2).text(" °C, n = ").int(-3);
/// assert_eq!(line.as_str(), "T = 21.46 °C, n = -3");
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Line(String);

impl Line {
    /// An empty line.
    pub fn new() -> Line {
        Line(String::new())
    }

    /// Appends text.
    pub fn text(mut self, s: &str) -> Line {
        self.0.push_str(s);
        self
    }

    /// Appends an unsigned integer in decimal.
    pub fn uint(mut self, mut n: u64) -> Line {
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
            self.0.push(char::from(d));
        }
        self
    }

    /// Appends a signed integer in decimal.
    pub fn int(mut self, n: i64) -> Line {
        if n < 0 {
            self.0.push('-');
        }
        self.uint(n.unsigned_abs())
    }

    /// Appends `value` rounded to `decimals` places (at most 9), for example
    /// `fixed(1013.257, 1)` gives `1013.3`. NaN gives `NaN`; values beyond
    /// ±1.8e19 give `inf` or `-inf`.
    pub fn fixed(mut self, value: f64, decimals: u32) -> Line {
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
            self.0.push('-');
        }
        self = self.uint(scaled / scale);
        if decimals > 0 {
            self.0.push('.');
            let frac = scaled % scale;
            let mut div = scale / 10;
            while div > 0 {
                self.0.push(char::from(b'0' + ((frac / div) % 10) as u8));
                div /= 10;
            }
        }
        self
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Sends the line at `level`.
    pub fn log(&self, level: Level) {
        log(level, &self.0);
    }

    /// Sends the line at info level.
    pub fn info(&self) {
        self.log(Level::Info);
    }
}

impl From<Line> for String {
    fn from(line: Line) -> String {
        line.0
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
        let line = Line::new()
            .uint(0)
            .text(" ")
            .uint(u64::MAX)
            .text(" ")
            .int(i64::MIN);
        assert_eq!(line.as_str(), "0 18446744073709551615 -9223372036854775808");
    }
}
