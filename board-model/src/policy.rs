//! What an app may touch: the pins, buses (and on each bus the addresses),
//! SPI devices and sensors that the board file grants. Deny by default: anything not
//! granted is `not-permitted`, never a trap.

use alloc::collections::BTreeMap;
use alloc::{string::String, vec::Vec};

use crate::board::i2c::Address;

/// The grants of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub pins: Vec<String>,
    /// Bus name and the addresses granted on it.
    pub buses: BTreeMap<String, Vec<Address>>,
    pub sensors: Vec<String>,
    /// SPI devices granted, by name.
    pub spi: Vec<String>,
}

impl Policy {
    pub fn pin(&self, name: &str) -> bool {
        self.pins.iter().any(|p| p == name)
    }
    pub fn bus(&self, name: &str) -> bool {
        self.buses.contains_key(name)
    }
    pub fn address(&self, bus: &str, address: Address) -> bool {
        self.buses.get(bus).is_some_and(|a| a.contains(&address))
    }
    pub fn spi(&self, name: &str) -> bool {
        self.spi.iter().any(|d| d == name)
    }
    pub fn sensor(&self, name: &str) -> bool {
        self.sensors.iter().any(|s| s == name)
    }
}
