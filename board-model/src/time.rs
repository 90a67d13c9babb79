//! The host's clock: virtual by default, real on request.
//!
//! Under virtual time a sleep advances the clock at once, so an hour of an
//! app's life takes milliseconds and every run is deterministic. Under real
//! time the same calls sleep for real. Either way time is nanoseconds since
//! the app started, and never goes backwards.

use alloc::{format, string::String};
#[cfg(feature = "std")]
use std::time::{Duration, Instant};

/// Nanoseconds since the app started.
pub type Nanos = u64;

/// The clock of one run.
#[derive(Debug, Clone)]
pub struct Clock {
    now: Nanos,
    /// `Some` under real time: the wall-clock instant of time 0.
    #[cfg(feature = "std")]
    real_start: Option<Instant>,
}

impl Clock {
    /// A virtual clock at 0.
    pub fn virtual_time() -> Clock {
        Clock {
            now: 0,
            #[cfg(feature = "std")]
            real_start: None,
        }
    }

    /// A clock that follows the wall clock from now.
    #[cfg(feature = "std")]
    pub fn real_time() -> Clock {
        Clock {
            now: 0,
            real_start: Some(Instant::now()),
        }
    }

    /// Whether this clock is virtual.
    pub fn is_virtual(&self) -> bool {
        #[cfg(feature = "std")]
        return self.real_start.is_none();
        #[cfg(not(feature = "std"))]
        true
    }

    /// The current time.
    pub fn now(&mut self) -> Nanos {
        #[cfg(feature = "std")]
        if let Some(start) = self.real_start {
            let real = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.now = self.now.max(real);
        }
        self.now
    }

    /// Moves the clock to `t` (never backwards): at once under virtual time,
    /// by sleeping under real time.
    pub fn advance_to(&mut self, t: Nanos) {
        let now = self.now();
        if t <= now {
            return;
        }
        #[cfg(feature = "std")]
        if self.real_start.is_some() {
            std::thread::sleep(Duration::from_nanos(t - now));
        }
        self.now = t;
    }

    /// The resolution of `now`, in nanoseconds.
    pub fn resolution(&self) -> Nanos {
        1
    }
}

/// `d` written for people: `1.5s`, `200ms`, `12us`, `7ns`.
pub fn format_duration(d: Nanos) -> String {
    format!("{}.{:06}s", d / 1_000_000_000, (d % 1_000_000_000) / 1_000)
}

/// Parses a duration such as `1.5s`, `200ms`, `50us`, `10ns`, `2min`, `1h`.
pub fn parse_duration(s: &str) -> Result<Nanos, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("`{s}` has no unit: write for example `1.5s`, `200ms`, `50us`"))?;
    let (number, unit) = s.split_at(split);
    let scale: f64 = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "min" => 60e9,
        "h" => 3600e9,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (ns, us, ms, s, min, h)"
            ));
        }
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number followed by a unit"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("`{s}` is not a duration of zero or more"));
    }
    let ns = value * scale;
    if ns > u64::MAX as f64 {
        return Err(format!("`{s}` is too long"));
    }
    Ok(libm::round(ns) as Nanos)
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn durations_parse_with_their_units() {
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("200ms"), Ok(200_000_000));
        assert_eq!(parse_duration("50us"), Ok(50_000));
        assert_eq!(parse_duration("10ns"), Ok(10));
        assert_eq!(parse_duration("1h"), Ok(3_600_000_000_000));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("5 parsecs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("-1s").is_err());
        assert_eq!(format_duration(1_500_000_000), "1.500000s");
    }

    #[test]
    fn virtual_time_jumps_and_never_goes_back() {
        let mut c = Clock::virtual_time();
        c.advance_to(3_600_000_000_000);
        assert_eq!(c.now(), 3_600_000_000_000);
        c.advance_to(5);
        assert_eq!(c.now(), 3_600_000_000_000);
    }
}
