//! Digital pins: the `gpio` interface of the spec, with shorthands for
//! configurations. Each [`Pin`] implements embedded-hal's `InputPin`,
//! `OutputPin` and `StatefulOutputPin` (see [`crate::hal`]).
//!
//! [`open`] is the SDK's: its error names the pin. The spec's own `open`,
//! which answers the bare error code, is
//! `bindings::wasi_hw::hal::gpio::open`.

pub use crate::bindings::wasi_hw::hal::gpio::*;

use crate::Error;

/// Opens the pin `name` in `config` (the spec's `open`).
///
/// Errors: the spec's error code, with the pin's name in the message:
/// `gpio open "buzzer": not-found` (see [`crate::Error`]).
pub fn open(name: &str, config: Config) -> Result<Pin, Error> {
    crate::bindings::wasi_hw::hal::gpio::open(name, config)
        .map_err(|e| Error::on_name("gpio open \"", name, e))
}

impl Config {
    /// An input with the given pull resistor, active high.
    pub const fn input(pull: Pull) -> Config {
        Config {
            mode: Mode::Input,
            pull,
            active_low: false,
            initial_high: false,
        }
    }

    /// A push-pull output, active high, starting at `initial_high`.
    pub const fn output(initial_high: bool) -> Config {
        Config {
            mode: Mode::PushPullOutput,
            pull: Pull::None,
            active_low: false,
            initial_high,
        }
    }

    /// An open-drain output with the given pull resistor, starting at
    /// `initial_high` (released).
    pub const fn open_drain(initial_high: bool, pull: Pull) -> Config {
        Config {
            mode: Mode::OpenDrainOutput,
            pull,
            active_low: false,
            initial_high,
        }
    }

    /// The same configuration with inverted (active-low) levels.
    pub const fn active_low(self) -> Config {
        Config {
            active_low: true,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands_spell_out_the_whole_config() {
        let c = Config::open_drain(true, Pull::Up).active_low();
        assert!(matches!(c.mode, Mode::OpenDrainOutput));
        assert!(matches!(c.pull, Pull::Up));
        assert!(c.active_low && c.initial_high);
        let c = Config::input(Pull::Down);
        assert!(matches!((c.mode, c.pull), (Mode::Input, Pull::Down)));
        assert!(!c.active_low);
        let c = Config::output(false);
        assert!(matches!(
            (c.mode, c.pull),
            (Mode::PushPullOutput, Pull::None)
        ));
        assert!(!c.initial_high);
    }
}
