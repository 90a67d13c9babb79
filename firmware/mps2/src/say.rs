//! Lines on the console of the machine that runs QEMU (semihosting's
//! stdout), put together from parts without `core::fmt`'s machinery for
//! padding and numbers: in the tiny firmware's 64 KiB, `hprintln!` with a
//! `{:>6}` and a `{:?}` cost several KiB of flash (integer and debug
//! formatting, Unicode tables for escaping).
//!
//! ```ignore
//! say::line(&["PASS ".into(), name.into(), ": heap peak ".into(), peak.into()]);
//! ```

use core::cell::Cell;
use core::fmt;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_semihosting::hio::{self, HostStream};

/// One part of a line.
pub enum Part<'a> {
    /// Text, as it is.
    Text(&'a str),
    /// A whole number in decimal, right-aligned to at least `.1` characters
    /// (so `Number(5, 6)` is five spaces and a `5`).
    Number(u64, usize),
    /// Something shown through its `Display` (`core::fmt::write`; what that
    /// costs is the impl's own: one that only calls `write_str` is cheap).
    Shown(&'a dyn fmt::Display),
}

impl<'a> From<&'a str> for Part<'a> {
    fn from(text: &'a str) -> Self {
        Part::Text(text)
    }
}

impl From<usize> for Part<'_> {
    fn from(n: usize) -> Self {
        Part::Number(n as u64, 0)
    }
}

impl From<u64> for Part<'_> {
    fn from(n: u64) -> Self {
        Part::Number(n, 0)
    }
}

/// The host's stdout, opened at the first line.
static OUT: Mutex<Cell<Option<HostStream>>> = Mutex::new(Cell::new(None));

/// Writes `parts` and a newline. Nothing is written if the host has no
/// stdout (QEMU without semihosting does not reach here at all).
pub fn line(parts: &[Part<'_>]) {
    let out = interrupt::free(|cs| {
        let out = OUT.borrow(cs);
        if out.get().is_none() {
            out.set(hio::hstdout().ok());
        }
        out.get()
    });
    if let Some(mut out) = out {
        for part in parts {
            write(&mut out, part);
        }
        let _ = out.write_all(b"\n");
    }
}

fn write(out: &mut HostStream, part: &Part<'_>) {
    match part {
        Part::Text(text) => {
            let _ = out.write_all(text.as_bytes());
        }
        Part::Number(n, width) => {
            let (digits, len) = decimal(*n);
            for _ in len..*width {
                let _ = out.write_all(b" ");
            }
            let _ = out.write_all(&digits[digits.len() - len..]);
        }
        Part::Shown(shown) => {
            let _ = fmt::write(&mut Stream(out), format_args!("{shown}"));
        }
    }
}

/// `n`'s decimal digits, at the end of the array, and how many they are.
fn decimal(mut n: u64) -> ([u8; 20], usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        len += 1;
        digits[20 - len] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return (digits, len);
        }
    }
}

/// `fmt::Write` over the host's stdout.
struct Stream<'a>(&'a mut HostStream);

impl fmt::Write for Stream<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_all(s.as_bytes()).map_err(|_| fmt::Error)
    }
}
