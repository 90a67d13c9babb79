//! Progress of long work. Each step says what it does before it starts and
//! how long it took when it ends, on standard error, so that nothing runs
//! silently for minutes and standard output stays the command's own (the
//! demo's printout, the size tables).

use std::time::{Duration, Instant};

use anyhow::Result;

/// Runs `work` as the step `what` ("building the reference host"), saying
/// so before and after.
pub fn step<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    eprintln!("xtask: {what} ...");
    let started = Instant::now();
    let result = work();
    let took = seconds(started.elapsed());
    match &result {
        Ok(_) => eprintln!("xtask: {what}: done in {took}"),
        Err(_) => eprintln!("xtask: {what}: failed after {took}"),
    }
    result
}

/// Says one thing, in the steps' voice.
pub fn say(what: &str) {
    eprintln!("xtask: {what}");
}

/// `what`, with a build's extra flags after it in brackets, if any:
/// `building blinky for wasm32v1-none (--no-default-features)`.
pub fn with_flags(what: &str, flags: &[&str]) -> String {
    match flags {
        [] => what.to_string(),
        flags => format!("{what} ({})", flags.join(" ")),
    }
}

/// `0.4 s`, `12.0 s`, `3 min 05 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steps_name_carries_its_builds_flags() {
        assert_eq!(with_flags("the firmware", &[]), "the firmware");
        assert_eq!(
            with_flags("the firmware", &["--features", "typed-linker"]),
            "the firmware (--features typed-linker)"
        );
    }

    #[test]
    fn durations_read_in_seconds_then_minutes() {
        assert_eq!(seconds(Duration::from_millis(420)), "0.4 s");
        assert_eq!(seconds(Duration::from_millis(59_940)), "59.9 s");
        assert_eq!(seconds(Duration::from_secs(185)), "3 min 05 s");
    }
}
