//! Sensors: the `sensor` interface of the spec, with each channel's unit.
//!
//! [`open`] is the SDK's: its error names the sensor. The spec's own `open`,
//! which answers the bare error code, is
//! `bindings::wasi_hw::hal::sensor::open`.

pub use crate::bindings::wasi_hw::hal::sensor::*;

use crate::Error;

/// Opens the sensor `name` (the spec's `open`).
///
/// Errors: the spec's error code, with the sensor's name in the message:
/// `sensor open "ambient": not-permitted` (see [`crate::Error`]).
pub fn open(name: &str) -> Result<Sensor, Error> {
    crate::bindings::wasi_hw::hal::sensor::open(name)
        .map_err(|e| Error::on_name("sensor open \"", name, e))
}

impl Channel {
    /// The channel's name in the spec, for example `relative-humidity`.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Temperature => "temperature",
            Channel::RelativeHumidity => "relative-humidity",
            Channel::Pressure => "pressure",
            Channel::AccelerationX => "acceleration-x",
            Channel::AccelerationY => "acceleration-y",
            Channel::AccelerationZ => "acceleration-z",
            Channel::AngularVelocityX => "angular-velocity-x",
            Channel::AngularVelocityY => "angular-velocity-y",
            Channel::AngularVelocityZ => "angular-velocity-z",
            Channel::MagneticFieldX => "magnetic-field-x",
            Channel::MagneticFieldY => "magnetic-field-y",
            Channel::MagneticFieldZ => "magnetic-field-z",
            Channel::Illuminance => "illuminance",
            Channel::Distance => "distance",
            Channel::Voltage => "voltage",
        }
    }

    /// The symbol of the channel's one unit, as the spec fixes it.
    pub fn unit(self) -> &'static str {
        match self {
            Channel::Temperature => "°C",
            Channel::RelativeHumidity => "%RH",
            Channel::Pressure => "Pa",
            Channel::AccelerationX | Channel::AccelerationY | Channel::AccelerationZ => "m/s²",
            Channel::AngularVelocityX | Channel::AngularVelocityY | Channel::AngularVelocityZ => {
                "rad/s"
            }
            Channel::MagneticFieldX | Channel::MagneticFieldY | Channel::MagneticFieldZ => "T",
            Channel::Illuminance => "lx",
            Channel::Distance => "m",
            Channel::Voltage => "V",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_the_unit_its_doc_comment_names() {
        // The doc comment of each case in wit/sensor.wit names its unit in
        // parentheses; the bindings carry that comment.
        let src = include_str!("../../wit/sensor.wit");
        for ch in [
            Channel::Temperature,
            Channel::RelativeHumidity,
            Channel::Pressure,
            Channel::AccelerationX,
            Channel::AccelerationY,
            Channel::AccelerationZ,
            Channel::AngularVelocityX,
            Channel::AngularVelocityY,
            Channel::AngularVelocityZ,
            Channel::MagneticFieldX,
            Channel::MagneticFieldY,
            Channel::MagneticFieldZ,
            Channel::Illuminance,
            Channel::Distance,
            Channel::Voltage,
        ] {
            let case = src
                .find(&format!("        {},\n", ch.label()))
                .unwrap_or_else(|| panic!("no case {}", ch.label()));
            let doc = src[..case].lines().last().unwrap();
            assert!(
                doc.contains(&format!("({})", ch.unit())),
                "{}: {doc}",
                ch.label()
            );
        }
    }
}
