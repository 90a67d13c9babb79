//! The reference host behind the generated no_std shim, on wasmi: the same
//! board model and the same semantics as the wasmtime host, reached through
//! the canonical-ABI glue that `wasi-hw-codegen host-shim` writes for
//! firmware. Running a core module here and a component on wasmtime must
//! give identical traces; the conformance suite checks that
//! (`--host shim-wasmi`).
//!
//! [`ShimHost`] implements the generated traits by delegating to
//! [`State`]'s wasmtime host traits: a resource's representation is its
//! handle in `State`'s table, and results the guest must receive as borrowed
//! data are built in a bump arena that is reset on every call.

use anyhow::{Context, Result};
use bumpalo::Bump;
use wasi_hw_shim::app::{self as s, wasmi::Shim};
use wasi_hw_shim::run::{Ran, call_run};
use wasi_hw_shim::runtime::{self as rt, Handles, List};
use wasmtime::component::Resource;

use crate::board::Board;
use crate::host::wasi_hw::hal as w;
use crate::host::wasi_hw::hal::gpio::{Host as _, HostPin as _};
use crate::host::wasi_hw::hal::i2c::{Host as _, HostBus as _};
use crate::host::wasi_hw::hal::log::Host as _;
use crate::host::wasi_hw::hal::poll::HostPollable as _;
use crate::host::wasi_hw::hal::sensor::{Host as _, HostSensor as _};
use crate::host::wasi_hw::hal::timer::Host as _;
use crate::host::{
    BusRes, Limits, OneShotRes, Outcome, PeriodicRes, PinRes, PollableRes, SensorRes, State,
};

/// Capacity of every resource table: above the reference host's own limit
/// on handles (`--max-handles`, 64 by default), so that the limit is the
/// spec's `limit-reached`, as on wasmtime, and never a full table.
pub const CAPACITY: usize = 256;

/// The generated shim's state over the reference host.
pub type HostShim = Shim<ShimHost, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY>;

/// The reference host's [`State`], seen through the generated traits.
pub struct ShimHost {
    pub state: State,
    arena: Bump,
    /// Why the host stopped the guest, in full (the trap carries a short
    /// text only).
    pub trap: Option<String>,
}

impl ShimHost {
    pub fn new(state: State) -> ShimHost {
        ShimHost {
            state,
            arena: Bump::new(),
            trap: None,
        }
    }

    /// A wasmtime trap from the state, kept for the report.
    fn trap(&mut self, e: wasmtime::Error) -> rt::Error {
        let message = format!("{e:#}");
        self.trap = Some(message);
        rt::Error::Trap("the host stopped the app")
    }
}

/// Runs `f` on the state, turning its traps into the shim's.
macro_rules! call {
    ($self:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err($self.trap(e)),
        }
    };
}

fn borrow<T: 'static>(rep: u32) -> Resource<T> {
    Resource::new_borrow(rep)
}

fn own<T: 'static>(rep: u32) -> Resource<T> {
    Resource::new_own(rep)
}

/// Converts between the generated shim's types and wasmtime's, which come
/// from the same WIT and so have the same names.
trait Conv<T> {
    fn conv(self) -> T;
}

macro_rules! enums {
    ($($m:ident::$t:ident { $($c:ident),* $(,)? })*) => {$(
        impl Conv<w::$m::$t> for s::$m::$t {
            fn conv(self) -> w::$m::$t {
                match self { $(s::$m::$t::$c => w::$m::$t::$c),* }
            }
        }
        impl Conv<s::$m::$t> for w::$m::$t {
            fn conv(self) -> s::$m::$t {
                match self { $(w::$m::$t::$c => s::$m::$t::$c),* }
            }
        }
    )*};
}

enums! {
    poll::ErrorCode { EmptyWait, TooMany }
    timer::ErrorCode { InvalidArgument, LimitReached }
    log::Level { Trace, Debug, Info, Warn, Error }
    gpio::ErrorCode { NotFound, NotPermitted, Busy, Unsupported, WrongMode, LimitReached, Other }
    gpio::Mode { Input, PushPullOutput, OpenDrainOutput }
    gpio::Pull { None, Up, Down }
    gpio::Edge { Rising, Falling, Any }
    i2c::NoAcknowledgeSource { Address, Data, Unknown }
    sensor::ErrorCode { NotFound, NotPermitted, Busy, Unsupported, InvalidArgument, Running, Device, LimitReached, Other }
    sensor::Kind { Thermometer, Hygrometer, Barometer, Environmental, Accelerometer, Gyroscope, Magnetometer, Light, Proximity, Other }
    sensor::Channel {
        Temperature, RelativeHumidity, Pressure, AccelerationX, AccelerationY, AccelerationZ,
        AngularVelocityX, AngularVelocityY, AngularVelocityZ, MagneticFieldX, MagneticFieldY,
        MagneticFieldZ, Illuminance, Distance, Voltage,
    }
    sensor::AttributeKind { SamplingInterval, Oversampling }
}

impl<A: Conv<B>, B> Conv<Result<(), B>> for Result<(), A> {
    fn conv(self) -> Result<(), B> {
        self.map_err(Conv::conv)
    }
}

impl Conv<w::gpio::Config> for s::gpio::Config {
    fn conv(self) -> w::gpio::Config {
        w::gpio::Config {
            mode: self.mode.conv(),
            pull: self.pull.conv(),
            active_low: self.active_low,
            initial_high: self.initial_high,
        }
    }
}

impl Conv<w::i2c::Address> for s::i2c::Address {
    fn conv(self) -> w::i2c::Address {
        match self {
            s::i2c::Address::SevenBit(a) => w::i2c::Address::SevenBit(a),
            s::i2c::Address::TenBit(a) => w::i2c::Address::TenBit(a),
        }
    }
}

impl Conv<s::i2c::Address> for w::i2c::Address {
    fn conv(self) -> s::i2c::Address {
        match self {
            w::i2c::Address::SevenBit(a) => s::i2c::Address::SevenBit(a),
            w::i2c::Address::TenBit(a) => s::i2c::Address::TenBit(a),
        }
    }
}

impl Conv<s::i2c::ErrorCode> for w::i2c::ErrorCode {
    fn conv(self) -> s::i2c::ErrorCode {
        use s::i2c::ErrorCode as S;
        use w::i2c::ErrorCode as W;
        match self {
            W::NoAcknowledge(src) => S::NoAcknowledge(src.conv()),
            W::ArbitrationLoss => S::ArbitrationLoss,
            W::Bus => S::Bus,
            W::Overrun => S::Overrun,
            W::Timeout => S::Timeout,
            W::NotFound => S::NotFound,
            W::NotPermitted => S::NotPermitted,
            W::InvalidArgument => S::InvalidArgument,
            W::LimitReached => S::LimitReached,
            W::Other => S::Other,
        }
    }
}

impl Conv<w::sensor::Attribute> for s::sensor::Attribute {
    fn conv(self) -> w::sensor::Attribute {
        match self {
            s::sensor::Attribute::SamplingIntervalNs(v) => {
                w::sensor::Attribute::SamplingIntervalNs(v)
            }
            s::sensor::Attribute::Oversampling(v) => w::sensor::Attribute::Oversampling(v),
            s::sensor::Attribute::Range(r) => {
                w::sensor::Attribute::Range(w::sensor::ChannelRange {
                    channel: r.channel.conv(),
                    full_scale: r.full_scale,
                })
            }
        }
    }
}

impl Conv<s::sensor::Attribute> for w::sensor::Attribute {
    fn conv(self) -> s::sensor::Attribute {
        match self {
            w::sensor::Attribute::SamplingIntervalNs(v) => {
                s::sensor::Attribute::SamplingIntervalNs(v)
            }
            w::sensor::Attribute::Oversampling(v) => s::sensor::Attribute::Oversampling(v),
            w::sensor::Attribute::Range(r) => {
                s::sensor::Attribute::Range(s::sensor::ChannelRange {
                    channel: r.channel.conv(),
                    full_scale: r.full_scale,
                })
            }
        }
    }
}

/// Moves a wasmtime result into the shim's, converting the error.
fn res<T, E: Conv<F>, F>(r: Result<T, E>) -> Result<T, F> {
    r.map_err(Conv::conv)
}

impl s::poll::Poll for ShimHost {
    type Pollable = u32;

    fn pollable_ready(&mut self, p: &mut u32) -> Result<bool, rt::Error> {
        Ok(call!(self, self.state.ready(borrow::<PollableRes>(*p))))
    }

    fn pollable_block(&mut self, p: &mut u32) -> Result<(), rt::Error> {
        call!(self, self.state.block(borrow::<PollableRes>(*p)));
        Ok(())
    }

    fn poll(
        &mut self,
        list: Handles<'_, u32>,
        timeout_ns: Option<u64>,
    ) -> Result<Result<&[u32], s::poll::ErrorCode>, rt::Error> {
        let list = list.iter().map(|p| borrow::<PollableRes>(*p)).collect();
        let r = call!(self, w::poll::Host::poll(&mut self.state, list, timeout_ns));
        self.arena.reset();
        Ok(match r {
            Ok(v) => Ok(self.arena.alloc_slice_copy(&v)),
            Err(e) => Err(e.conv()),
        })
    }

    fn pollable_drop(&mut self, p: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::poll::HostPollable::drop(&mut self.state, own::<PollableRes>(p))
        );
        Ok(())
    }
}

impl s::timer::Timer for ShimHost {
    type OneShot = u32;
    type Periodic = u32;

    fn now(&mut self) -> Result<u64, rt::Error> {
        Ok(call!(self, self.state.now()))
    }
    fn resolution(&mut self) -> Result<u64, rt::Error> {
        Ok(call!(self, self.state.resolution()))
    }
    fn sleep(&mut self, d: u64) -> Result<(), rt::Error> {
        call!(self, self.state.sleep(d));
        Ok(())
    }
    fn sleep_until(&mut self, t: u64) -> Result<(), rt::Error> {
        call!(self, self.state.sleep_until(t));
        Ok(())
    }
    fn one_shot_at(&mut self, t: u64) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        let r = call!(self, w::timer::HostOneShot::at(&mut self.state, t));
        Ok(res(r).map(|r| r.rep()))
    }
    fn one_shot_after(&mut self, d: u64) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        let r = call!(self, w::timer::HostOneShot::after(&mut self.state, d));
        Ok(res(r).map(|r| r.rep()))
    }
    fn one_shot_deadline(&mut self, o: &mut u32) -> Result<u64, rt::Error> {
        Ok(call!(
            self,
            w::timer::HostOneShot::deadline(&mut self.state, borrow::<OneShotRes>(*o))
        ))
    }
    fn one_shot_is_expired(&mut self, o: &mut u32) -> Result<bool, rt::Error> {
        Ok(call!(
            self,
            w::timer::HostOneShot::is_expired(&mut self.state, borrow::<OneShotRes>(*o))
        ))
    }
    fn one_shot_wait(&mut self, o: &mut u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::timer::HostOneShot::wait(&mut self.state, borrow::<OneShotRes>(*o))
        );
        Ok(())
    }
    fn one_shot_subscribe(&mut self, o: &mut u32) -> Result<u32, rt::Error> {
        let p = call!(
            self,
            w::timer::HostOneShot::subscribe(&mut self.state, borrow::<OneShotRes>(*o))
        );
        Ok(p.rep())
    }
    fn periodic_start(
        &mut self,
        period: u64,
    ) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        let r = call!(self, w::timer::HostPeriodic::start(&mut self.state, period));
        Ok(res(r).map(|r| r.rep()))
    }
    fn periodic_period(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        Ok(call!(
            self,
            w::timer::HostPeriodic::period(&mut self.state, borrow::<PeriodicRes>(*p))
        ))
    }
    fn periodic_next_tick(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        Ok(call!(
            self,
            w::timer::HostPeriodic::next_tick(&mut self.state, borrow::<PeriodicRes>(*p))
        ))
    }
    fn periodic_wait(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        Ok(call!(
            self,
            w::timer::HostPeriodic::wait(&mut self.state, borrow::<PeriodicRes>(*p))
        ))
    }
    fn periodic_subscribe(&mut self, p: &mut u32) -> Result<u32, rt::Error> {
        let r = call!(
            self,
            w::timer::HostPeriodic::subscribe(&mut self.state, borrow::<PeriodicRes>(*p))
        );
        Ok(r.rep())
    }
    fn one_shot_drop(&mut self, o: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::timer::HostOneShot::drop(&mut self.state, own::<OneShotRes>(o))
        );
        Ok(())
    }
    fn periodic_drop(&mut self, p: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::timer::HostPeriodic::drop(&mut self.state, own::<PeriodicRes>(p))
        );
        Ok(())
    }
}

impl s::log::Log for ShimHost {
    fn enabled(&mut self, level: s::log::Level) -> Result<bool, rt::Error> {
        Ok(call!(self, self.state.enabled(level.conv())))
    }
    fn log(&mut self, level: s::log::Level, message: &str) -> Result<(), rt::Error> {
        call!(
            self,
            w::log::Host::log(&mut self.state, level.conv(), message.to_string())
        );
        Ok(())
    }
}

impl s::gpio::Gpio for ShimHost {
    type Pin = u32;

    fn list_pins(&mut self) -> Result<&[s::gpio::PinInfo<'_>], rt::Error> {
        let pins = call!(self, self.state.list_pins());
        self.arena.reset();
        let arena = &self.arena;
        Ok(arena.alloc_slice_fill_iter(pins.iter().map(|p| {
            let c = p.capabilities;
            let mut caps = s::gpio::Capabilities::empty();
            for (w, s) in [
                (w::gpio::Capabilities::INPUT, s::gpio::Capabilities::INPUT),
                (
                    w::gpio::Capabilities::PUSH_PULL_OUTPUT,
                    s::gpio::Capabilities::PUSH_PULL_OUTPUT,
                ),
                (
                    w::gpio::Capabilities::OPEN_DRAIN_OUTPUT,
                    s::gpio::Capabilities::OPEN_DRAIN_OUTPUT,
                ),
                (
                    w::gpio::Capabilities::PULL_UP,
                    s::gpio::Capabilities::PULL_UP,
                ),
                (
                    w::gpio::Capabilities::PULL_DOWN,
                    s::gpio::Capabilities::PULL_DOWN,
                ),
                (
                    w::gpio::Capabilities::EDGE_EVENTS,
                    s::gpio::Capabilities::EDGE_EVENTS,
                ),
            ] {
                if c.contains(w) {
                    caps |= s;
                }
            }
            s::gpio::PinInfo {
                name: arena.alloc_str(&p.name),
                capabilities: caps,
            }
        })))
    }

    fn open(
        &mut self,
        name: &str,
        config: s::gpio::Config,
    ) -> Result<Result<u32, s::gpio::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::gpio::Host::open(&mut self.state, name.to_string(), config.conv())
        );
        Ok(res(r).map(|r| r.rep()))
    }

    fn pin_name(&mut self, pin: &mut u32) -> Result<&str, rt::Error> {
        let name = call!(self, self.state.name(borrow::<PinRes>(*pin)));
        self.arena.reset();
        Ok(self.arena.alloc_str(&name))
    }

    fn pin_reconfigure(
        &mut self,
        pin: &mut u32,
        config: s::gpio::Config,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            self.state
                .reconfigure(borrow::<PinRes>(*pin), config.conv())
        );
        Ok(r.conv())
    }

    fn pin_is_high(
        &mut self,
        pin: &mut u32,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        Ok(res(call!(self, self.state.is_high(borrow::<PinRes>(*pin)))))
    }

    fn pin_set_high(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        Ok(call!(self, self.state.set_high(borrow::<PinRes>(*pin))).conv())
    }

    fn pin_set_low(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        Ok(call!(self, self.state.set_low(borrow::<PinRes>(*pin))).conv())
    }

    fn pin_toggle(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        Ok(call!(self, self.state.toggle(borrow::<PinRes>(*pin))).conv())
    }

    fn pin_is_set_high(
        &mut self,
        pin: &mut u32,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        Ok(res(call!(
            self,
            self.state.is_set_high(borrow::<PinRes>(*pin))
        )))
    }

    fn pin_wait_for_edge(
        &mut self,
        pin: &mut u32,
        edge: s::gpio::Edge,
        timeout_ns: Option<u64>,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        Ok(res(call!(
            self,
            self.state
                .wait_for_edge(borrow::<PinRes>(*pin), edge.conv(), timeout_ns)
        )))
    }

    fn pin_subscribe(
        &mut self,
        pin: &mut u32,
        edge: s::gpio::Edge,
    ) -> Result<Result<u32, s::gpio::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::gpio::HostPin::subscribe(&mut self.state, borrow::<PinRes>(*pin), edge.conv())
        );
        Ok(res(r).map(|r| r.rep()))
    }

    fn pin_drop(&mut self, pin: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::gpio::HostPin::drop(&mut self.state, own::<PinRes>(pin))
        );
        Ok(())
    }
}

impl s::i2c::I2c for ShimHost {
    type Bus = u32;

    fn list_buses(&mut self) -> Result<&[s::i2c::BusInfo<'_>], rt::Error> {
        let buses = call!(self, self.state.list_buses());
        self.arena.reset();
        let arena = &self.arena;
        Ok(
            arena.alloc_slice_fill_iter(buses.iter().map(|b| s::i2c::BusInfo {
                name: arena.alloc_str(&b.name),
                frequency_hz: b.frequency_hz,
                allowed: arena.alloc_slice_fill_iter(b.allowed.iter().map(|a| a.conv())),
            })),
        )
    }

    fn open(&mut self, name: &str) -> Result<Result<u32, s::i2c::ErrorCode>, rt::Error> {
        let r = call!(self, w::i2c::Host::open(&mut self.state, name.to_string()));
        Ok(res(r).map(|r| r.rep()))
    }

    fn bus_frequency_hz(&mut self, bus: &mut u32) -> Result<u32, rt::Error> {
        Ok(call!(self, self.state.frequency_hz(borrow::<BusRes>(*bus))))
    }

    fn bus_max_transfer_length(&mut self, bus: &mut u32) -> Result<u32, rt::Error> {
        Ok(call!(
            self,
            self.state.max_transfer_length(borrow::<BusRes>(*bus))
        ))
    }

    fn bus_read(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        length: u32,
    ) -> Result<Result<&[u8], s::i2c::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::i2c::HostBus::read(
                &mut self.state,
                borrow::<BusRes>(*bus),
                address.conv(),
                length
            )
        );
        self.arena.reset();
        Ok(match r {
            Ok(v) => Ok(self.arena.alloc_slice_copy(&v)),
            Err(e) => Err(e.conv()),
        })
    }

    fn bus_write(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        data: &[u8],
    ) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::i2c::HostBus::write(
                &mut self.state,
                borrow::<BusRes>(*bus),
                address.conv(),
                data.to_vec()
            )
        );
        Ok(res(r))
    }

    fn bus_write_read(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        data: &[u8],
        length: u32,
    ) -> Result<Result<&[u8], s::i2c::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            self.state.write_read(
                borrow::<BusRes>(*bus),
                address.conv(),
                data.to_vec(),
                length
            )
        );
        self.arena.reset();
        Ok(match r {
            Ok(v) => Ok(self.arena.alloc_slice_copy(&v)),
            Err(e) => Err(e.conv()),
        })
    }

    fn bus_transaction(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        operations: List<'_, s::i2c::Operation<'_>>,
    ) -> Result<Result<&[&[u8]], s::i2c::ErrorCode>, rt::Error> {
        let ops = operations
            .into_iter()
            .map(|op| match op {
                s::i2c::Operation::Read(n) => w::i2c::Operation::Read(n),
                s::i2c::Operation::Write(d) => w::i2c::Operation::Write(d.to_vec()),
            })
            .collect();
        let r = call!(
            self,
            self.state
                .transaction(borrow::<BusRes>(*bus), address.conv(), ops)
        );
        self.arena.reset();
        let arena = &self.arena;
        Ok(match r {
            Ok(reads) => {
                Ok(arena.alloc_slice_fill_iter(reads.iter().map(|r| &*arena.alloc_slice_copy(r))))
            }
            Err(e) => Err(e.conv()),
        })
    }

    fn bus_recover(&mut self, bus: &mut u32) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        Ok(res(call!(self, self.state.recover(borrow::<BusRes>(*bus)))))
    }

    fn bus_drop(&mut self, bus: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::i2c::HostBus::drop(&mut self.state, own::<BusRes>(bus))
        );
        Ok(())
    }
}

fn sensor_info<'a>(arena: &'a Bump, i: &w::sensor::SensorInfo) -> s::sensor::SensorInfo<'a> {
    s::sensor::SensorInfo {
        name: arena.alloc_str(&i.name),
        kind: i.kind.conv(),
        channels: arena.alloc_slice_fill_iter(i.channels.iter().map(|c| s::sensor::ChannelInfo {
            channel: c.channel.conv(),
            min: c.min,
            max: c.max,
            resolution: c.resolution,
        })),
        min_interval_ns: i.min_interval_ns,
        fifo_capacity: i.fifo_capacity,
    }
}

fn sample<'a>(arena: &'a Bump, x: &w::sensor::Sample) -> s::sensor::Sample<'a> {
    s::sensor::Sample {
        timestamp_ns: x.timestamp_ns,
        sequence: x.sequence,
        values: arena.alloc_slice_copy(&x.values),
    }
}

impl s::sensor::Sensor for ShimHost {
    type Sensor = u32;

    fn list_sensors(&mut self) -> Result<&[s::sensor::SensorInfo<'_>], rt::Error> {
        let list = call!(self, self.state.list_sensors());
        self.arena.reset();
        let arena = &self.arena;
        Ok(arena.alloc_slice_fill_iter(list.iter().map(|i| sensor_info(arena, i))))
    }

    fn open(&mut self, name: &str) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::sensor::Host::open(&mut self.state, name.to_string())
        );
        Ok(res(r).map(|r| r.rep()))
    }

    fn sensor_info(&mut self, x: &mut u32) -> Result<s::sensor::SensorInfo<'_>, rt::Error> {
        let i = call!(self, self.state.info(borrow::<SensorRes>(*x)));
        self.arena.reset();
        Ok(sensor_info(&self.arena, &i))
    }

    fn sensor_read(
        &mut self,
        x: &mut u32,
    ) -> Result<Result<s::sensor::Sample<'_>, s::sensor::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            w::sensor::HostSensor::read(&mut self.state, borrow::<SensorRes>(*x))
        );
        self.arena.reset();
        Ok(match r {
            Ok(v) => Ok(sample(&self.arena, &v)),
            Err(e) => Err(e.conv()),
        })
    }

    fn sensor_set_attribute(
        &mut self,
        x: &mut u32,
        attribute: s::sensor::Attribute,
    ) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        Ok(call!(
            self,
            self.state
                .set_attribute(borrow::<SensorRes>(*x), attribute.conv())
        )
        .conv())
    }

    fn sensor_get_attribute(
        &mut self,
        x: &mut u32,
        kind: s::sensor::AttributeKind,
    ) -> Result<Result<s::sensor::Attribute, s::sensor::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            self.state
                .get_attribute(borrow::<SensorRes>(*x), kind.conv())
        );
        Ok(match r {
            Ok(a) => Ok(a.conv()),
            Err(e) => Err(e.conv()),
        })
    }

    fn sensor_start(&mut self, x: &mut u32) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        Ok(call!(
            self,
            w::sensor::HostSensor::start(&mut self.state, borrow::<SensorRes>(*x))
        )
        .conv())
    }

    fn sensor_stop(&mut self, x: &mut u32) -> Result<(), rt::Error> {
        call!(self, self.state.stop(borrow::<SensorRes>(*x)));
        Ok(())
    }

    fn sensor_read_fifo(
        &mut self,
        x: &mut u32,
        max: u32,
    ) -> Result<Result<s::sensor::FifoSamples<'_>, s::sensor::ErrorCode>, rt::Error> {
        let r = call!(self, self.state.read_fifo(borrow::<SensorRes>(*x), max));
        self.arena.reset();
        let arena = &self.arena;
        Ok(match r {
            Ok(f) => Ok(s::sensor::FifoSamples {
                samples: arena.alloc_slice_fill_iter(f.samples.iter().map(|x| sample(arena, x))),
                overrun: f.overrun,
            }),
            Err(e) => Err(e.conv()),
        })
    }

    fn sensor_subscribe_data_ready(
        &mut self,
        x: &mut u32,
    ) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        let r = call!(
            self,
            self.state.subscribe_data_ready(borrow::<SensorRes>(*x))
        );
        Ok(res(r).map(|r| r.rep()))
    }

    fn sensor_subscribe_threshold(
        &mut self,
        x: &mut u32,
        t: s::sensor::Threshold,
    ) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        let threshold = w::sensor::Threshold {
            channel: t.channel.conv(),
            level: t.level,
            above: t.above,
        };
        let r = call!(
            self,
            self.state
                .subscribe_threshold(borrow::<SensorRes>(*x), threshold)
        );
        Ok(res(r).map(|r| r.rep()))
    }

    fn sensor_drop(&mut self, x: u32) -> Result<(), rt::Error> {
        call!(
            self,
            w::sensor::HostSensor::drop(&mut self.state, own::<SensorRes>(x))
        );
        Ok(())
    }
}

/// What a run on wasmi produced: how it ended, and the state with its board
/// and trace.
pub struct ShimRun {
    pub outcome: Outcome,
    pub state: State,
}

/// The store's data: the shim, and the memory limit.
pub struct Data {
    pub shim: HostShim,
    limits: wasmi::StoreLimits,
}

/// Which of the generated wasmi adapters defines the imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// `add_to_linker`: a typed host function an import.
    Typed,
    /// `add_to_linker_dispatch`: one untyped trampoline over `dispatch`.
    Dispatch,
}

/// A core module loaded once and instantiated for each run, on wasmi
/// through the generated shim.
pub struct CoreRunner {
    engine: wasmi::Engine,
    module: wasmi::Module,
    linker: wasmi::Linker<Data>,
}

/// Fuel when the limits give none: enough for any test guest, and an end
/// for one that spins (wasmi has no wall-clock interruption).
pub const DEFAULT_FUEL: u64 = 4_000_000_000;

impl CoreRunner {
    /// Loads a core module (`wasm32v1-none`).
    pub fn new(bytes: &[u8]) -> Result<CoreRunner> {
        CoreRunner::with_imports(bytes, |_| Ok(()))
    }

    /// Loads a core module, with the imports defined by `adapter`.
    pub fn with_adapter(bytes: &[u8], adapter: Adapter) -> Result<CoreRunner> {
        CoreRunner::build(bytes, adapter, |_| Ok(()))
    }

    /// Loads a core module, with `replace` defining imports of its own over
    /// the generated ones (for benchmarks against hand-written glue).
    pub fn with_imports(
        bytes: &[u8],
        replace: impl FnOnce(&mut wasmi::Linker<Data>) -> Result<()>,
    ) -> Result<CoreRunner> {
        CoreRunner::build(bytes, Adapter::Typed, replace)
    }

    fn build(
        bytes: &[u8],
        adapter: Adapter,
        replace: impl FnOnce(&mut wasmi::Linker<Data>) -> Result<()>,
    ) -> Result<CoreRunner> {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        let engine = wasmi::Engine::new(&config);
        let module =
            wasmi::Module::new(&engine, bytes).context("not a core module wasmi can load")?;
        let mut linker = wasmi::Linker::new(&engine);
        match adapter {
            Adapter::Typed => s::wasmi::add_to_linker(&mut linker, |d: &mut Data| &mut d.shim)?,
            Adapter::Dispatch => {
                s::wasmi::add_to_linker_dispatch(&mut linker, |d: &mut Data| &mut d.shim)?
            }
        }
        linker.allow_shadowing(true);
        replace(&mut linker)?;
        Ok(CoreRunner {
            engine,
            module,
            linker,
        })
    }

    /// Runs the module once on `board` with `args`.
    pub fn run(&self, board: Board, args: &[String], limits: &Limits) -> Result<ShimRun> {
        let state = State::new(board, args, limits);
        let data = Data {
            shim: Shim::new(ShimHost::new(state)),
            limits: wasmi::StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .trap_on_grow_failure(true)
                .build(),
        };
        let mut store = wasmi::Store::new(&self.engine, data);
        store.limiter(|d| &mut d.limits);
        store.set_fuel(limits.fuel.unwrap_or(DEFAULT_FUEL))?;
        let mut message = None;
        let ran = (|| -> Result<Ran, wasmi::Error> {
            let instance = self
                .linker
                .instantiate_and_start(&mut store, &self.module)?;
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            call_run(&mut store, &instance, &args, |m| {
                message = Some(m.to_string())
            })
        })();
        let data = store.into_data();
        let mut host = data
            .shim
            .into_host()
            .context("the shim lost its host (a bug in the generated adapter)")?;
        let outcome = match ran {
            Ok(Ran::Ok) => Outcome::Success,
            Ok(Ran::Err) => Outcome::Failed(message.unwrap_or_default()),
            Err(e) => Outcome::Trapped(describe(&e, host.trap.take(), limits)),
        };
        Ok(ShimRun {
            outcome,
            state: host.state,
        })
    }
}

fn describe(e: &wasmi::Error, host: Option<String>, limits: &Limits) -> String {
    if let Some(m) = host {
        return format!("the app was stopped: {m}");
    }
    if let Some(wasmi::TrapCode::OutOfFuel) = e.as_trap_code() {
        return format!(
            "the app used all its fuel ({}) and was stopped (--fuel)",
            limits.fuel.unwrap_or(DEFAULT_FUEL)
        );
    }
    match e.downcast_ref::<s::wasmi::Trap>() {
        Some(t) => format!("the app trapped: {t}"),
        None => format!("the app trapped: {e}"),
    }
}
