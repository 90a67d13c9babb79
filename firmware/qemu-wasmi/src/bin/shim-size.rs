//! A size probe, not a firmware to run: the generated shim's glue, its
//! runtime and its wasmi adapter, linked as a firmware links them, over a
//! host that does nothing, so that `cargo xtask firmware` can measure what
//! the shim itself costs in flash (BENCHMARKS.md).
//!
//! In the real firmware the host's trait methods are inlined into the glue
//! that calls them, so the glue's size there includes the host's code.
//! Here every method is kept out of line and answers with a value the
//! compiler cannot see (a function pointer through `black_box`), so the
//! glue must handle every answer, and its size is the shim's alone. The
//! same `size-baseline` and `typed-linker` features as the firmware's
//! choose no imports or the typed adapter.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::mem::MaybeUninit;

use cortex_m_rt::entry;
use embedded_alloc::LlffHeap;
use wasi_hw_shim::app::wasmi::Shim;
use wasi_hw_shim::app::{gpio, i2c, log, poll, sensor, spi, timer};
use wasi_hw_shim::runtime as rt;

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// A host whose every method is a call the compiler cannot see through.
struct Probe;

/// An answer of any type, from a function the compiler cannot know.
fn answer<R>() -> R {
    let f: fn() -> R = black_box(unanswered::<R>);
    f()
}

fn unanswered<R>() -> R {
    panic!("the size probe does not run guests")
}

/// Trait methods, each out of line and each different from the others (a
/// static of its own), as a real firmware's are, so that LLVM's function
/// merging cannot fold them (nor the glue that calls them) into one: its arguments go
/// where the compiler cannot see, and its answer comes from `answer`.
macro_rules! probe {
    ($(fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(
            #[inline(never)]
            fn $name(&mut self $(, $arg: $ty)*) -> $ret {
                static ME: u8 = 0;
                black_box((&ME, $($arg,)*));
                answer()
            }
        )*
    };
}

/// The resources, each a type of its own and of its own size, as a
/// firmware's are (the embedded-hal adapter's are an enum, a `u64`, a
/// struct, a pin index, a bus index...), so that the handle tables' code is
/// counted once per resource type, as in a firmware.
type Pollable = (u8, u32);
type OneShot = u64;
type Periodic = [u64; 2];
type Pin = u8;
type Bus = u16;
type Device = u32;
type Sensor = (u8, u16);

impl poll::Poll for Probe {
    type Pollable = Pollable;
    probe! {
        fn pollable_ready(&mut self, p: &mut Pollable) -> Result<bool, rt::Error>;
        fn pollable_block(&mut self, p: &mut Pollable) -> Result<(), rt::Error>;
        fn poll(&mut self, in_: rt::Handles<'_, Pollable>, timeout_ns: Option<u64>)
            -> Result<Result<&[u32], poll::ErrorCode>, rt::Error>;
        fn pollable_drop(&mut self, p: Pollable) -> Result<(), rt::Error>;
    }
}

impl timer::Timer for Probe {
    type OneShot = OneShot;
    type Periodic = Periodic;
    probe! {
        fn now(&mut self) -> Result<u64, rt::Error>;
        fn resolution(&mut self) -> Result<u64, rt::Error>;
        fn sleep(&mut self, d: u64) -> Result<(), rt::Error>;
        fn sleep_until(&mut self, t: u64) -> Result<(), rt::Error>;
        fn one_shot_at(&mut self, t: u64) -> Result<Result<OneShot, timer::ErrorCode>, rt::Error>;
        fn one_shot_after(&mut self, d: u64) -> Result<Result<OneShot, timer::ErrorCode>, rt::Error>;
        fn one_shot_deadline(&mut self, o: &mut OneShot) -> Result<u64, rt::Error>;
        fn one_shot_is_expired(&mut self, o: &mut OneShot) -> Result<bool, rt::Error>;
        fn one_shot_wait(&mut self, o: &mut OneShot) -> Result<(), rt::Error>;
        fn one_shot_subscribe(&mut self, o: &mut OneShot) -> Result<Pollable, rt::Error>;
        fn periodic_start(&mut self, d: u64) -> Result<Result<Periodic, timer::ErrorCode>, rt::Error>;
        fn periodic_period(&mut self, p: &mut Periodic) -> Result<u64, rt::Error>;
        fn periodic_next_tick(&mut self, p: &mut Periodic) -> Result<u64, rt::Error>;
        fn periodic_wait(&mut self, p: &mut Periodic) -> Result<u64, rt::Error>;
        fn periodic_subscribe(&mut self, p: &mut Periodic) -> Result<Pollable, rt::Error>;
        fn one_shot_drop(&mut self, o: OneShot) -> Result<(), rt::Error>;
        fn periodic_drop(&mut self, p: Periodic) -> Result<(), rt::Error>;
    }
}

impl log::Log for Probe {
    probe! {
        fn enabled(&mut self, level: log::Level) -> Result<bool, rt::Error>;
        fn log(&mut self, level: log::Level, message: &str) -> Result<(), rt::Error>;
    }
}

impl gpio::Gpio for Probe {
    type Pin = Pin;
    probe! {
        fn list_pins(&mut self) -> Result<&[gpio::PinInfo<'_>], rt::Error>;
        fn open(&mut self, name: &str, config: gpio::Config)
            -> Result<Result<Pin, gpio::ErrorCode>, rt::Error>;
        fn pin_name(&mut self, pin: &mut Pin) -> Result<&str, rt::Error>;
        fn pin_reconfigure(&mut self, pin: &mut Pin, config: gpio::Config)
            -> Result<Result<(), gpio::ErrorCode>, rt::Error>;
        fn pin_is_high(&mut self, pin: &mut Pin) -> Result<Result<bool, gpio::ErrorCode>, rt::Error>;
        fn pin_set_high(&mut self, pin: &mut Pin) -> Result<Result<(), gpio::ErrorCode>, rt::Error>;
        fn pin_set_low(&mut self, pin: &mut Pin) -> Result<Result<(), gpio::ErrorCode>, rt::Error>;
        fn pin_toggle(&mut self, pin: &mut Pin) -> Result<Result<(), gpio::ErrorCode>, rt::Error>;
        fn pin_is_set_high(&mut self, pin: &mut Pin)
            -> Result<Result<bool, gpio::ErrorCode>, rt::Error>;
        fn pin_wait_for_edge(&mut self, pin: &mut Pin, edge: gpio::Edge, timeout_ns: Option<u64>)
            -> Result<Result<bool, gpio::ErrorCode>, rt::Error>;
        fn pin_subscribe(&mut self, pin: &mut Pin, edge: gpio::Edge)
            -> Result<Result<Pollable, gpio::ErrorCode>, rt::Error>;
        fn pin_drop(&mut self, pin: Pin) -> Result<(), rt::Error>;
    }
}

impl i2c::I2c for Probe {
    type Bus = Bus;
    probe! {
        fn list_buses(&mut self) -> Result<&[i2c::BusInfo<'_>], rt::Error>;
        fn open(&mut self, name: &str) -> Result<Result<Bus, i2c::ErrorCode>, rt::Error>;
        fn bus_frequency_hz(&mut self, bus: &mut Bus) -> Result<u32, rt::Error>;
        fn bus_max_transfer_length(&mut self, bus: &mut Bus) -> Result<u32, rt::Error>;
        fn bus_read(&mut self, bus: &mut Bus, address: i2c::Address, length: u32)
            -> Result<Result<&[u8], i2c::ErrorCode>, rt::Error>;
        fn bus_write(&mut self, bus: &mut Bus, address: i2c::Address, data: &[u8])
            -> Result<Result<(), i2c::ErrorCode>, rt::Error>;
        fn bus_write_read(&mut self, bus: &mut Bus, address: i2c::Address, data: &[u8], length: u32)
            -> Result<Result<&[u8], i2c::ErrorCode>, rt::Error>;
        fn bus_transaction(
            &mut self,
            bus: &mut Bus,
            address: i2c::Address,
            operations: rt::List<'_, i2c::Operation<'_>>
        ) -> Result<Result<&[&[u8]], i2c::ErrorCode>, rt::Error>;
        fn bus_recover(&mut self, bus: &mut Bus) -> Result<Result<(), i2c::ErrorCode>, rt::Error>;
        fn bus_drop(&mut self, bus: Bus) -> Result<(), rt::Error>;
    }
}

impl spi::Spi for Probe {
    type Device = Device;
    probe! {
        fn list_devices(&mut self) -> Result<&[spi::DeviceInfo<'_>], rt::Error>;
        fn open(&mut self, name: &str) -> Result<Result<Device, spi::ErrorCode>, rt::Error>;
        fn device_config(&mut self, device: &mut Device) -> Result<spi::Config, rt::Error>;
        fn device_max_transfer_length(&mut self, device: &mut Device) -> Result<u32, rt::Error>;
        fn device_read(&mut self, device: &mut Device, length: u32)
            -> Result<Result<&[u8], spi::ErrorCode>, rt::Error>;
        fn device_write(&mut self, device: &mut Device, data: &[u8])
            -> Result<Result<(), spi::ErrorCode>, rt::Error>;
        fn device_transfer(&mut self, device: &mut Device, data: &[u8])
            -> Result<Result<&[u8], spi::ErrorCode>, rt::Error>;
        fn device_transfer_in_place(&mut self, device: &mut Device, data: &[u8])
            -> Result<Result<&[u8], spi::ErrorCode>, rt::Error>;
        fn device_transaction(
            &mut self,
            device: &mut Device,
            operations: rt::List<'_, spi::Operation<'_>>
        ) -> Result<Result<&[&[u8]], spi::ErrorCode>, rt::Error>;
        fn device_drop(&mut self, device: Device) -> Result<(), rt::Error>;
    }
}

impl sensor::Sensor for Probe {
    type Sensor = Sensor;
    probe! {
        fn list_sensors(&mut self) -> Result<&[sensor::SensorInfo<'_>], rt::Error>;
        fn open(&mut self, name: &str) -> Result<Result<Sensor, sensor::ErrorCode>, rt::Error>;
        fn sensor_info(&mut self, s: &mut Sensor) -> Result<sensor::SensorInfo<'_>, rt::Error>;
        fn sensor_read(&mut self, s: &mut Sensor)
            -> Result<Result<sensor::Sample<'_>, sensor::ErrorCode>, rt::Error>;
        fn sensor_set_attribute(&mut self, s: &mut Sensor, attribute: sensor::Attribute)
            -> Result<Result<(), sensor::ErrorCode>, rt::Error>;
        fn sensor_get_attribute(&mut self, s: &mut Sensor, kind: sensor::AttributeKind)
            -> Result<Result<sensor::Attribute, sensor::ErrorCode>, rt::Error>;
        fn sensor_start(&mut self, s: &mut Sensor) -> Result<Result<(), sensor::ErrorCode>, rt::Error>;
        fn sensor_stop(&mut self, s: &mut Sensor) -> Result<(), rt::Error>;
        fn sensor_read_fifo(&mut self, s: &mut Sensor, max: u32)
            -> Result<Result<sensor::FifoSamples<'_>, sensor::ErrorCode>, rt::Error>;
        fn sensor_subscribe_data_ready(&mut self, s: &mut Sensor)
            -> Result<Result<Pollable, sensor::ErrorCode>, rt::Error>;
        fn sensor_subscribe_threshold(&mut self, s: &mut Sensor, threshold: sensor::Threshold)
            -> Result<Result<Pollable, sensor::ErrorCode>, rt::Error>;
        fn sensor_drop(&mut self, s: Sensor) -> Result<(), rt::Error>;
    }
}

#[entry]
fn main() -> ! {
    static mut MEMORY: [MaybeUninit<u8>; 1024] = [MaybeUninit::uninit(); 1024];
    // SAFETY: once, first; `#[entry]` makes MEMORY a `&'static mut` that
    // nothing else sees.
    unsafe { HEAP.init(MEMORY.as_mut_ptr() as usize, MEMORY.len()) }
    // A module the compiler cannot know, so that every path is linked.
    let engine = wasmi::Engine::default();
    let wasm: &[u8] = black_box(&[]);
    #[cfg_attr(feature = "size-baseline", allow(unused_mut))]
    let mut linker = wasmi::Linker::new(&engine);
    #[cfg(not(any(feature = "size-baseline", feature = "typed-linker")))]
    let _ = wasi_hw_shim::app::wasmi::add_to_linker_dispatch(&mut linker, |shim| shim);
    #[cfg(all(feature = "typed-linker", not(feature = "size-baseline")))]
    let _ = wasi_hw_shim::app::wasmi::add_to_linker(&mut linker, |shim| shim);
    let mut store = wasmi::Store::new(&engine, Shim::<_>::new(Probe));
    if let Ok(module) = wasmi::Module::new(&engine, wasm)
        && let Ok(instance) = linker.instantiate_and_start(&mut store, &module)
    {
        let _ = wasi_hw_shim::run::call_run(&mut store, &instance, &["probe"], |e| {
            black_box(e);
        });
    }
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
