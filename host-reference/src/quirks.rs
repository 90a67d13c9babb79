//! Deliberately broken hosts, for testing conformance tooling: [`Quirky`]
//! implements the host shim's traits around [`BoardHost`], deviating from
//! the spec where [`Quirks`] says, and passing every other call through.
//! The conformance suite must catch each deviation (its mutation tests
//! check that it does); in every normal run all are off. The spec's
//! semantics stay in `BoardHost` alone.

use wasi_hw_board::host::BoardHost;
use wasi_hw_shim::app as s;
use wasi_hw_shim::runtime as rt;

/// Deliberate deviations from the spec. Off in every normal run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Reports a missing acknowledge of the address as one of data.
    pub wrong_nack_source: bool,
    /// Every second `timer.now` is 1 ms ahead, so the clock seems to go back.
    pub clock_backwards: bool,
    /// Grants every pin, whatever the policy says.
    pub ignore_pin_policy: bool,
    /// The I2C controller sends STOP and START between the operations of a
    /// transfer instead of a repeated START.
    pub no_repeated_start: bool,
    /// The SPI controller releases the chip select between the operations
    /// of a transaction.
    pub spi_chip_select_between_operations: bool,
}

/// [`BoardHost`] with [`Quirks`]: the deviations of the board itself (the
/// policy, the I2C and SPI controllers) are made on its board, those of the
/// host here.
pub struct Quirky {
    pub inner: BoardHost,
    quirks: Quirks,
    now_calls: u64,
}

impl Quirky {
    /// `host` with `quirks`.
    pub fn new(mut host: BoardHost, quirks: Quirks) -> Quirky {
        let board = &mut host.board;
        if quirks.ignore_pin_policy {
            board.policy.pins = board.gpio.pins.iter().map(|p| p.name.clone()).collect();
        }
        if quirks.no_repeated_start {
            for bus in &mut board.buses {
                bus.stop_between_operations = true;
            }
        }
        if quirks.spi_chip_select_between_operations {
            for device in &mut board.spi {
                device.release_between_operations = true;
            }
        }
        Quirky {
            inner: host,
            quirks,
            now_calls: 0,
        }
    }
}

/// A missing acknowledge of the address, reported as one of data.
fn data_nack(e: s::i2c::ErrorCode) -> s::i2c::ErrorCode {
    match e {
        s::i2c::ErrorCode::NoAcknowledge(s::i2c::NoAcknowledgeSource::Address) => {
            s::i2c::ErrorCode::NoAcknowledge(s::i2c::NoAcknowledgeSource::Data)
        }
        e => e,
    }
}

impl s::poll::Poll for Quirky {
    type Pollable = <BoardHost as s::poll::Poll>::Pollable;
    fn pollable_ready(&mut self, pollable: &'_ mut Self::Pollable) -> Result<bool, rt::Error> {
        <BoardHost as s::poll::Poll>::pollable_ready(&mut self.inner, pollable)
    }
    fn pollable_block(&mut self, pollable: &'_ mut Self::Pollable) -> Result<(), rt::Error> {
        <BoardHost as s::poll::Poll>::pollable_block(&mut self.inner, pollable)
    }
    fn poll(
        &mut self,
        in_: rt::Handles<'_, Self::Pollable>,
        timeout_ns: Option<u64>,
    ) -> Result<Result<&'_ [u32], s::poll::ErrorCode>, rt::Error> {
        <BoardHost as s::poll::Poll>::poll(&mut self.inner, in_, timeout_ns)
    }
    fn pollable_drop(&mut self, pollable: Self::Pollable) -> Result<(), rt::Error> {
        <BoardHost as s::poll::Poll>::pollable_drop(&mut self.inner, pollable)
    }
}

impl s::timer::Timer for Quirky {
    type OneShot = <BoardHost as s::timer::Timer>::OneShot;
    type Periodic = <BoardHost as s::timer::Timer>::Periodic;
    fn now(&mut self) -> Result<s::timer::Instant, rt::Error> {
        let now = <BoardHost as s::timer::Timer>::now(&mut self.inner)?;
        self.now_calls += 1;
        if self.quirks.clock_backwards && self.now_calls.is_multiple_of(2) {
            return Ok(now.saturating_add(1_000_000));
        }
        Ok(now)
    }
    fn resolution(&mut self) -> Result<s::timer::Duration, rt::Error> {
        <BoardHost as s::timer::Timer>::resolution(&mut self.inner)
    }
    fn sleep(&mut self, duration: s::timer::Duration) -> Result<(), rt::Error> {
        <BoardHost as s::timer::Timer>::sleep(&mut self.inner, duration)
    }
    fn sleep_until(&mut self, deadline: s::timer::Instant) -> Result<(), rt::Error> {
        <BoardHost as s::timer::Timer>::sleep_until(&mut self.inner, deadline)
    }
    fn one_shot_at(
        &mut self,
        deadline: s::timer::Instant,
    ) -> Result<Result<Self::OneShot, s::timer::ErrorCode>, rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_at(&mut self.inner, deadline)
    }
    fn one_shot_after(
        &mut self,
        delay: s::timer::Duration,
    ) -> Result<Result<Self::OneShot, s::timer::ErrorCode>, rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_after(&mut self.inner, delay)
    }
    fn one_shot_deadline(
        &mut self,
        one_shot: &'_ mut Self::OneShot,
    ) -> Result<s::timer::Instant, rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_deadline(&mut self.inner, one_shot)
    }
    fn one_shot_is_expired(&mut self, one_shot: &'_ mut Self::OneShot) -> Result<bool, rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_is_expired(&mut self.inner, one_shot)
    }
    fn one_shot_wait(&mut self, one_shot: &'_ mut Self::OneShot) -> Result<(), rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_wait(&mut self.inner, one_shot)
    }
    fn one_shot_subscribe(
        &mut self,
        one_shot: &'_ mut Self::OneShot,
    ) -> Result<<Self as s::poll::Poll>::Pollable, rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_subscribe(&mut self.inner, one_shot)
    }
    fn periodic_start(
        &mut self,
        period: s::timer::Duration,
    ) -> Result<Result<Self::Periodic, s::timer::ErrorCode>, rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_start(&mut self.inner, period)
    }
    fn periodic_period(
        &mut self,
        periodic: &'_ mut Self::Periodic,
    ) -> Result<s::timer::Duration, rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_period(&mut self.inner, periodic)
    }
    fn periodic_next_tick(
        &mut self,
        periodic: &'_ mut Self::Periodic,
    ) -> Result<s::timer::Instant, rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_next_tick(&mut self.inner, periodic)
    }
    fn periodic_wait(&mut self, periodic: &'_ mut Self::Periodic) -> Result<u64, rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_wait(&mut self.inner, periodic)
    }
    fn periodic_subscribe(
        &mut self,
        periodic: &'_ mut Self::Periodic,
    ) -> Result<<Self as s::poll::Poll>::Pollable, rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_subscribe(&mut self.inner, periodic)
    }
    fn one_shot_drop(&mut self, one_shot: Self::OneShot) -> Result<(), rt::Error> {
        <BoardHost as s::timer::Timer>::one_shot_drop(&mut self.inner, one_shot)
    }
    fn periodic_drop(&mut self, periodic: Self::Periodic) -> Result<(), rt::Error> {
        <BoardHost as s::timer::Timer>::periodic_drop(&mut self.inner, periodic)
    }
}

impl s::log::Log for Quirky {
    fn enabled(&mut self, level: s::log::Level) -> Result<bool, rt::Error> {
        <BoardHost as s::log::Log>::enabled(&mut self.inner, level)
    }
    fn log(&mut self, level: s::log::Level, message: &'_ str) -> Result<(), rt::Error> {
        <BoardHost as s::log::Log>::log(&mut self.inner, level, message)
    }
}

impl s::gpio::Gpio for Quirky {
    type Pin = <BoardHost as s::gpio::Gpio>::Pin;
    fn list_pins(&mut self) -> Result<&'_ [s::gpio::PinInfo<'_>], rt::Error> {
        <BoardHost as s::gpio::Gpio>::list_pins(&mut self.inner)
    }
    fn open(
        &mut self,
        name: &'_ str,
        config: s::gpio::Config,
    ) -> Result<Result<Self::Pin, s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::open(&mut self.inner, name, config)
    }
    fn pin_name(&mut self, pin: &'_ mut Self::Pin) -> Result<&'_ str, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_name(&mut self.inner, pin)
    }
    fn pin_reconfigure(
        &mut self,
        pin: &'_ mut Self::Pin,
        config: s::gpio::Config,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_reconfigure(&mut self.inner, pin, config)
    }
    fn pin_is_high(
        &mut self,
        pin: &'_ mut Self::Pin,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_is_high(&mut self.inner, pin)
    }
    fn pin_set_high(
        &mut self,
        pin: &'_ mut Self::Pin,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_set_high(&mut self.inner, pin)
    }
    fn pin_set_low(
        &mut self,
        pin: &'_ mut Self::Pin,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_set_low(&mut self.inner, pin)
    }
    fn pin_toggle(
        &mut self,
        pin: &'_ mut Self::Pin,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_toggle(&mut self.inner, pin)
    }
    fn pin_is_set_high(
        &mut self,
        pin: &'_ mut Self::Pin,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_is_set_high(&mut self.inner, pin)
    }
    fn pin_wait_for_edge(
        &mut self,
        pin: &'_ mut Self::Pin,
        edge: s::gpio::Edge,
        timeout_ns: Option<u64>,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_wait_for_edge(&mut self.inner, pin, edge, timeout_ns)
    }
    fn pin_subscribe(
        &mut self,
        pin: &'_ mut Self::Pin,
        edge: s::gpio::Edge,
    ) -> Result<Result<<Self as s::poll::Poll>::Pollable, s::gpio::ErrorCode>, rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_subscribe(&mut self.inner, pin, edge)
    }
    fn pin_drop(&mut self, pin: Self::Pin) -> Result<(), rt::Error> {
        <BoardHost as s::gpio::Gpio>::pin_drop(&mut self.inner, pin)
    }
}

impl s::i2c::I2c for Quirky {
    type Bus = <BoardHost as s::i2c::I2c>::Bus;
    fn list_buses(&mut self) -> Result<&'_ [s::i2c::BusInfo<'_>], rt::Error> {
        <BoardHost as s::i2c::I2c>::list_buses(&mut self.inner)
    }
    fn open(&mut self, name: &'_ str) -> Result<Result<Self::Bus, s::i2c::ErrorCode>, rt::Error> {
        <BoardHost as s::i2c::I2c>::open(&mut self.inner, name)
    }
    fn bus_frequency_hz(&mut self, bus: &'_ mut Self::Bus) -> Result<u32, rt::Error> {
        <BoardHost as s::i2c::I2c>::bus_frequency_hz(&mut self.inner, bus)
    }
    fn bus_max_transfer_length(&mut self, bus: &'_ mut Self::Bus) -> Result<u32, rt::Error> {
        <BoardHost as s::i2c::I2c>::bus_max_transfer_length(&mut self.inner, bus)
    }
    fn bus_read(
        &mut self,
        bus: &'_ mut Self::Bus,
        address: s::i2c::Address,
        length: u32,
    ) -> Result<Result<&'_ [u8], s::i2c::ErrorCode>, rt::Error> {
        let wrong = self.quirks.wrong_nack_source;
        Ok(
            <BoardHost as s::i2c::I2c>::bus_read(&mut self.inner, bus, address, length)?
                .map_err(|e| if wrong { data_nack(e) } else { e }),
        )
    }
    fn bus_write(
        &mut self,
        bus: &'_ mut Self::Bus,
        address: s::i2c::Address,
        data: &'_ [u8],
    ) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        let wrong = self.quirks.wrong_nack_source;
        Ok(
            <BoardHost as s::i2c::I2c>::bus_write(&mut self.inner, bus, address, data)?
                .map_err(|e| if wrong { data_nack(e) } else { e }),
        )
    }
    fn bus_write_read(
        &mut self,
        bus: &'_ mut Self::Bus,
        address: s::i2c::Address,
        data: &'_ [u8],
        length: u32,
    ) -> Result<Result<&'_ [u8], s::i2c::ErrorCode>, rt::Error> {
        let wrong = self.quirks.wrong_nack_source;
        Ok(
            <BoardHost as s::i2c::I2c>::bus_write_read(
                &mut self.inner,
                bus,
                address,
                data,
                length,
            )?
            .map_err(|e| if wrong { data_nack(e) } else { e }),
        )
    }
    fn bus_transaction(
        &mut self,
        bus: &'_ mut Self::Bus,
        address: s::i2c::Address,
        operations: rt::List<'_, s::i2c::Operation<'_>>,
    ) -> Result<Result<&'_ [&'_ [u8]], s::i2c::ErrorCode>, rt::Error> {
        let wrong = self.quirks.wrong_nack_source;
        Ok(
            <BoardHost as s::i2c::I2c>::bus_transaction(&mut self.inner, bus, address, operations)?
                .map_err(|e| if wrong { data_nack(e) } else { e }),
        )
    }
    fn bus_recover(
        &mut self,
        bus: &'_ mut Self::Bus,
    ) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        <BoardHost as s::i2c::I2c>::bus_recover(&mut self.inner, bus)
    }
    fn bus_drop(&mut self, bus: Self::Bus) -> Result<(), rt::Error> {
        <BoardHost as s::i2c::I2c>::bus_drop(&mut self.inner, bus)
    }
}

impl s::spi::Spi for Quirky {
    type Device = <BoardHost as s::spi::Spi>::Device;
    fn list_devices(&mut self) -> Result<&'_ [s::spi::DeviceInfo<'_>], rt::Error> {
        <BoardHost as s::spi::Spi>::list_devices(&mut self.inner)
    }
    fn open(
        &mut self,
        name: &'_ str,
    ) -> Result<Result<Self::Device, s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::open(&mut self.inner, name)
    }
    fn device_config(&mut self, device: &'_ mut Self::Device) -> Result<s::spi::Config, rt::Error> {
        <BoardHost as s::spi::Spi>::device_config(&mut self.inner, device)
    }
    fn device_max_transfer_length(
        &mut self,
        device: &'_ mut Self::Device,
    ) -> Result<u32, rt::Error> {
        <BoardHost as s::spi::Spi>::device_max_transfer_length(&mut self.inner, device)
    }
    fn device_read(
        &mut self,
        device: &'_ mut Self::Device,
        length: u32,
    ) -> Result<Result<&'_ [u8], s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::device_read(&mut self.inner, device, length)
    }
    fn device_write(
        &mut self,
        device: &'_ mut Self::Device,
        data: &'_ [u8],
    ) -> Result<Result<(), s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::device_write(&mut self.inner, device, data)
    }
    fn device_transfer(
        &mut self,
        device: &'_ mut Self::Device,
        data: &'_ [u8],
    ) -> Result<Result<&'_ [u8], s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::device_transfer(&mut self.inner, device, data)
    }
    fn device_transfer_in_place(
        &mut self,
        device: &'_ mut Self::Device,
        data: &'_ [u8],
    ) -> Result<Result<&'_ [u8], s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::device_transfer_in_place(&mut self.inner, device, data)
    }
    fn device_transaction(
        &mut self,
        device: &'_ mut Self::Device,
        operations: rt::List<'_, s::spi::Operation<'_>>,
    ) -> Result<Result<&'_ [&'_ [u8]], s::spi::ErrorCode>, rt::Error> {
        <BoardHost as s::spi::Spi>::device_transaction(&mut self.inner, device, operations)
    }
    fn device_drop(&mut self, device: Self::Device) -> Result<(), rt::Error> {
        <BoardHost as s::spi::Spi>::device_drop(&mut self.inner, device)
    }
}

impl s::sensor::Sensor for Quirky {
    type Sensor = <BoardHost as s::sensor::Sensor>::Sensor;
    fn list_sensors(&mut self) -> Result<&'_ [s::sensor::SensorInfo<'_>], rt::Error> {
        <BoardHost as s::sensor::Sensor>::list_sensors(&mut self.inner)
    }
    fn open(
        &mut self,
        name: &'_ str,
    ) -> Result<Result<Self::Sensor, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::open(&mut self.inner, name)
    }
    fn sensor_info(
        &mut self,
        sensor: &'_ mut Self::Sensor,
    ) -> Result<s::sensor::SensorInfo<'_>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_info(&mut self.inner, sensor)
    }
    fn sensor_read(
        &mut self,
        sensor: &'_ mut Self::Sensor,
    ) -> Result<Result<s::sensor::Sample<'_>, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_read(&mut self.inner, sensor)
    }
    fn sensor_set_attribute(
        &mut self,
        sensor: &'_ mut Self::Sensor,
        attribute: s::sensor::Attribute,
    ) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_set_attribute(&mut self.inner, sensor, attribute)
    }
    fn sensor_get_attribute(
        &mut self,
        sensor: &'_ mut Self::Sensor,
        kind: s::sensor::AttributeKind,
    ) -> Result<Result<s::sensor::Attribute, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_get_attribute(&mut self.inner, sensor, kind)
    }
    fn sensor_start(
        &mut self,
        sensor: &'_ mut Self::Sensor,
    ) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_start(&mut self.inner, sensor)
    }
    fn sensor_stop(&mut self, sensor: &'_ mut Self::Sensor) -> Result<(), rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_stop(&mut self.inner, sensor)
    }
    fn sensor_read_fifo(
        &mut self,
        sensor: &'_ mut Self::Sensor,
        max: u32,
    ) -> Result<Result<s::sensor::FifoSamples<'_>, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_read_fifo(&mut self.inner, sensor, max)
    }
    fn sensor_subscribe_data_ready(
        &mut self,
        sensor: &'_ mut Self::Sensor,
    ) -> Result<Result<<Self as s::poll::Poll>::Pollable, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_subscribe_data_ready(&mut self.inner, sensor)
    }
    fn sensor_subscribe_threshold(
        &mut self,
        sensor: &'_ mut Self::Sensor,
        threshold: s::sensor::Threshold,
    ) -> Result<Result<<Self as s::poll::Poll>::Pollable, s::sensor::ErrorCode>, rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_subscribe_threshold(
            &mut self.inner,
            sensor,
            threshold,
        )
    }
    fn sensor_drop(&mut self, sensor: Self::Sensor) -> Result<(), rt::Error> {
        <BoardHost as s::sensor::Sensor>::sensor_drop(&mut self.inner, sensor)
    }
}
