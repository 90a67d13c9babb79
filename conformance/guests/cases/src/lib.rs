//! The conformance suite's test guest. Its argument names one case of
//! `catalog.rs`; the case runs against `conformance/board.toml` and returns
//! `ok`, or an error that says which expectation failed.
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

// The spec's own calls (the SDK's `open`s and `Bus` answer `hw::Error`):
// the cases compare the spec's error codes.
use wasi_hw_guest::bindings::wasi_hw::hal::{gpio, i2c, sensor, spi};
use wasi_hw_guest::{self as hw, log, poll, timer};

mod catalog;

hw::app!(run);

type Check = Result<(), hw::Error>;

/// Fails the case with a message unless `cond`.
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(hw::Error::message(format!($($msg)+)));
        }
    };
}

/// Fails unless `a == b`, showing both.
macro_rules! same {
    ($a:expr, $b:expr) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(hw::Error::message(format!(
                "{} is {:?}, expected {:?}",
                stringify!($a),
                a,
                b
            )));
        }
    }};
}

const MS: u64 = timer::MILLISECOND;

fn run(args: &hw::Args) -> Check {
    let name = args.get(0).unwrap_or("");
    if !catalog::CASES.iter().any(|(n, _, _)| *n == name) {
        return Err(hw::Error::message(format!("no case called `{name}`")));
    }
    match name {
        "gpio-list-pins" => gpio_list_pins(),
        "gpio-open-not-found" => expect_gpio(
            gpio::open("nope", gpio::Config::input(gpio::Pull::None)),
            gpio::ErrorCode::NotFound,
        ),
        "gpio-open-not-permitted" => expect_gpio(
            gpio::open("secret", gpio::Config::input(gpio::Pull::None)),
            gpio::ErrorCode::NotPermitted,
        ),
        "gpio-open-busy" => {
            let _out = gpio::open("out", gpio::Config::output(false))?;
            expect_gpio(
                gpio::open("out", gpio::Config::output(false)),
                gpio::ErrorCode::Busy,
            )
        }
        "gpio-open-unsupported" => {
            expect_gpio(
                gpio::open("plain", gpio::Config::output(false)),
                gpio::ErrorCode::Unsupported,
            )?;
            expect_gpio(
                gpio::open("plain", gpio::Config::input(gpio::Pull::Up)),
                gpio::ErrorCode::Unsupported,
            )
        }
        "gpio-pin-name" => {
            let pin = gpio::open("od-sense", gpio::Config::input(gpio::Pull::None))?;
            same!(pin.name(), String::from("od-sense"));
            Ok(())
        }
        "gpio-loopback" => gpio_loopback(),
        "gpio-set-low" => {
            let out = gpio::open("out", gpio::Config::output(true))?;
            same!(out.is_high()?, true);
            out.set_low()?;
            same!(out.is_high()?, false);
            Ok(())
        }
        "gpio-is-high" => {
            let input = gpio::open("in", gpio::Config::input(gpio::Pull::Up))?;
            same!(input.is_high()?, true);
            input.reconfigure(gpio::Config::input(gpio::Pull::Down))?;
            same!(input.is_high()?, false);
            Ok(())
        }
        "gpio-toggle" => {
            let out = gpio::open("out", gpio::Config::output(false))?;
            out.toggle()?;
            same!(out.is_set_high()?, true);
            out.toggle()?;
            same!(out.is_set_high()?, false);
            Ok(())
        }
        "gpio-is-set-high" => {
            let out = gpio::open("out", gpio::Config::output(true))?;
            same!(out.is_set_high()?, true);
            out.set_low()?;
            same!(out.is_set_high()?, false);
            Ok(())
        }
        "gpio-wrong-mode" => {
            let input = gpio::open("in", gpio::Config::input(gpio::Pull::None))?;
            same!(input.set_high(), Err(gpio::ErrorCode::WrongMode));
            same!(input.set_low(), Err(gpio::ErrorCode::WrongMode));
            same!(input.toggle(), Err(gpio::ErrorCode::WrongMode));
            same!(input.is_set_high(), Err(gpio::ErrorCode::WrongMode));
            Ok(())
        }
        "gpio-reconfigure-active-low" => {
            let out = gpio::open("out", gpio::Config::output(true))?;
            let input = gpio::open("in", gpio::Config::input(gpio::Pull::None))?;
            same!(input.is_high()?, true);
            input.reconfigure(gpio::Config::input(gpio::Pull::None).active_low())?;
            same!(input.is_high()?, false);
            // Active-low output: logical high drives the line low.
            out.reconfigure(gpio::Config::output(true).active_low())?;
            same!(input.is_high()?, true);
            same!(out.is_set_high()?, true);
            same!(
                input.reconfigure(gpio::Config::output(false)),
                Err(gpio::ErrorCode::Unsupported)
            );
            Ok(())
        }
        "gpio-open-drain-no-pull" => {
            let od = gpio::open("od", gpio::Config::open_drain(true, gpio::Pull::None))?;
            let sense = gpio::open("od-sense", gpio::Config::input(gpio::Pull::None))?;
            same!(sense.is_high()?, false);
            same!(od.is_set_high()?, true);
            od.set_low()?;
            same!(sense.is_high()?, false);
            Ok(())
        }
        "gpio-open-drain-pull-up" => {
            let od = gpio::open("od", gpio::Config::open_drain(true, gpio::Pull::Up))?;
            let sense = gpio::open("od-sense", gpio::Config::input(gpio::Pull::None))?;
            same!(sense.is_high()?, true);
            same!(od.is_high()?, true);
            od.set_low()?;
            same!(sense.is_high()?, false);
            od.set_high()?;
            same!(sense.is_high()?, true);
            Ok(())
        }
        "gpio-wait-for-edge" => {
            let button = gpio::open("button", gpio::Config::input(gpio::Pull::Up))?;
            same!(button.wait_for_edge(gpio::Edge::Falling, Some(0))?, false);
            same!(
                button.wait_for_edge(gpio::Edge::Rising, Some(10 * MS))?,
                false
            );
            same!(button.wait_for_edge(gpio::Edge::Rising, None)?, true);
            same!(timer::now(), 150 * MS);
            let plain = gpio::open("plain", gpio::Config::input(gpio::Pull::None))?;
            same!(
                plain.wait_for_edge(gpio::Edge::Any, Some(0)),
                Err(gpio::ErrorCode::Unsupported)
            );
            Ok(())
        }
        "gpio-subscribe" => {
            let button = gpio::open("button", gpio::Config::input(gpio::Pull::Up))?;
            let falling = button.subscribe(gpio::Edge::Falling)?;
            same!(falling.ready(), false);
            same!(poll::poll(&[&falling], None)?, [0]);
            same!(timer::now(), 100 * MS);
            timer::sleep(100 * MS);
            same!(falling.ready(), true);
            let plain = gpio::open("plain", gpio::Config::input(gpio::Pull::None))?;
            check!(
                plain.subscribe(gpio::Edge::Any).is_err(),
                "subscribe on a pin without edges must fail"
            );
            Ok(())
        }
        "i2c-list-buses" => {
            let buses = i2c::list_buses();
            let names: Vec<&str> = buses.iter().map(|b| b.name.as_str()).collect();
            same!(names, ["bus", "faulty"]);
            same!(buses[0].frequency_hz, 400_000);
            same!(buses[0].allowed.len(), 5);
            check!(
                matches!(buses[0].allowed[0], i2c::Address::SevenBit(0x20))
                    && matches!(buses[0].allowed[4], i2c::Address::TenBit(0x2a5)),
                "allowed addresses out of order: {:?}",
                buses[0].allowed
            );
            Ok(())
        }
        "i2c-open-errors" => {
            same!(i2c::open("nope").err(), Some(i2c::ErrorCode::NotFound));
            same!(
                i2c::open("secret-bus").err(),
                Some(i2c::ErrorCode::NotPermitted)
            );
            Ok(())
        }
        "i2c-bus-info" => {
            same!(i2c::open("bus")?.frequency_hz(), 400_000);
            same!(i2c::open("faulty")?.frequency_hz(), 100_000);
            Ok(())
        }
        "i2c-max-transfer" => {
            let bus = i2c::open("bus")?;
            let max = bus.max_transfer_length();
            check!(max >= 32, "max-transfer-length {max} is under 32");
            same!(bus.write_read(seven(0x20), &[0], max)?.len(), max as usize);
            same!(
                bus.read(seven(0x20), max + 1).err(),
                Some(i2c::ErrorCode::InvalidArgument)
            );
            Ok(())
        }
        "i2c-write-read" => {
            same!(
                i2c::open("bus")?.write_read(seven(0x76), &[0xD0], 1)?,
                [0x60]
            );
            Ok(())
        }
        "i2c-read" => {
            let bus = i2c::open("bus")?;
            bus.write(seven(0x20), &[2])?;
            same!(bus.read(seven(0x20), 3)?, [0x12, 0x13, 0x14]);
            same!(bus.read(seven(0x20), 1)?, [0x15]);
            Ok(())
        }
        "i2c-write" => {
            let bus = i2c::open("bus")?;
            bus.write(seven(0x20), &[3, 0xAB, 0xCD])?;
            same!(bus.write_read(seven(0x20), &[3], 2)?, [0xAB, 0xCD]);
            Ok(())
        }
        "i2c-probe" => {
            let bus = i2c::open("bus")?;
            bus.write(seven(0x50), &[])?;
            same!(
                bus.write(seven(0x52), &[]).err(),
                Some(i2c::ErrorCode::NoAcknowledge(
                    i2c::NoAcknowledgeSource::Address
                ))
            );
            Ok(())
        }
        "i2c-transaction" => {
            let bus = i2c::open("bus")?;
            let results = bus.transaction(
                seven(0x20),
                &[
                    i2c::Operation::Write(&[0]),
                    i2c::Operation::Read(2),
                    i2c::Operation::Write(&[6]),
                    i2c::Operation::Read(1),
                ],
            )?;
            same!(results, [alloc::vec![0x10, 0x11], alloc::vec![0x16]]);
            Ok(())
        }
        "i2c-transaction-empty" => {
            same!(i2c::open("bus")?.transaction(seven(0x20), &[])?.len(), 0);
            Ok(())
        }
        "i2c-ten-bit" => {
            let bus = i2c::open("bus")?;
            same!(
                bus.write_read(i2c::Address::TenBit(0x2a5), &[0], 2)?,
                [0xa5, 0x02]
            );
            same!(
                bus.write(seven(0x25), &[]).err(),
                Some(i2c::ErrorCode::NotPermitted)
            );
            Ok(())
        }
        "i2c-invalid-arguments" => {
            let bus = i2c::open("bus")?;
            let invalid = Some(i2c::ErrorCode::InvalidArgument);
            same!(bus.read(seven(0x20), 0).err(), invalid);
            same!(bus.write(seven(0x20), &[0; 65]).err(), invalid);
            same!(bus.read(seven(0x80), 1).err(), invalid);
            same!(bus.read(i2c::Address::TenBit(0x400), 1).err(), invalid);
            same!(
                bus.transaction(seven(0x20), &[i2c::Operation::Read(0)])
                    .err(),
                invalid
            );
            // At most max-transfer-length (64 here) operations.
            let reads: alloc::vec::Vec<i2c::Operation> =
                (0..65).map(|_| i2c::Operation::Read(1)).collect();
            same!(bus.transaction(seven(0x20), &reads).err(), invalid);
            same!(bus.transaction(seven(0x20), &reads[..64])?.len(), 64);
            Ok(())
        }
        "i2c-address-not-permitted" => {
            same!(
                i2c::open("bus")?.write(seven(0x51), &[0]).err(),
                Some(i2c::ErrorCode::NotPermitted)
            );
            Ok(())
        }
        "i2c-nack-data" => {
            let bus = i2c::open("bus")?;
            same!(
                bus.write(seven(0x20), &[15, 1]).err(),
                Some(i2c::ErrorCode::NoAcknowledge(
                    i2c::NoAcknowledgeSource::Data
                ))
            );
            Ok(())
        }
        "i2c-eeprom-write-cycle" => {
            let bus = i2c::open("bus")?;
            bus.write(seven(0x50), &[0x10, 1, 2, 3, 4])?;
            same!(
                bus.write_read(seven(0x50), &[0x10], 4).err(),
                Some(i2c::ErrorCode::NoAcknowledge(
                    i2c::NoAcknowledgeSource::Address
                ))
            );
            timer::sleep(5 * MS);
            same!(bus.write_read(seven(0x50), &[0x10], 4)?, [1, 2, 3, 4]);
            Ok(())
        }
        "i2c-faults" => {
            let bus = i2c::open("faulty")?;
            same!(
                bus.read(seven(0x21), 1).err(),
                Some(i2c::ErrorCode::ArbitrationLoss)
            );
            same!(
                bus.read(seven(0x21), 1).err(),
                Some(i2c::ErrorCode::Timeout)
            );
            same!(bus.read(seven(0x21), 1).err(), Some(i2c::ErrorCode::Bus));
            bus.recover()?;
            same!(bus.read(seven(0x21), 1)?, [0]);
            Ok(())
        }
        "sensor-list" => {
            let sensors = sensor::list_sensors();
            let names: Vec<&str> = sensors.iter().map(|s| s.name.as_str()).collect();
            same!(names, ["ambient", "motion"]);
            same!(sensors[0].kind, sensor::Kind::Environmental);
            same!(sensors[1].kind, sensor::Kind::Accelerometer);
            let channels: Vec<sensor::Channel> =
                sensors[0].channels.iter().map(|c| c.channel).collect();
            same!(
                channels,
                [
                    sensor::Channel::Temperature,
                    sensor::Channel::Pressure,
                    sensor::Channel::RelativeHumidity
                ]
            );
            Ok(())
        }
        "sensor-open-errors" => {
            same!(
                sensor::open("nope").err(),
                Some(sensor::ErrorCode::NotFound)
            );
            same!(
                sensor::open("secret-sensor").err(),
                Some(sensor::ErrorCode::NotPermitted)
            );
            let _motion = sensor::open("motion")?;
            same!(sensor::open("motion").err(), Some(sensor::ErrorCode::Busy));
            Ok(())
        }
        "sensor-info" => {
            let info = sensor::open("motion")?.info();
            same!(info.name, String::from("motion"));
            same!(info.min_interval_ns, MS);
            same!(info.fifo_capacity, 4);
            same!(info.channels.len(), 2);
            same!(
                (
                    info.channels[0].min,
                    info.channels[0].max,
                    info.channels[0].resolution
                ),
                (-19.6, 19.6, 0.01)
            );
            Ok(())
        }
        "sensor-read" => {
            let ambient = sensor::open("ambient")?;
            let a = ambient.read()?;
            let b = ambient.read()?;
            same!((a.sequence, b.sequence), (1, 2));
            check!(
                b.timestamp_ns > a.timestamp_ns,
                "timestamps {} then {}",
                a.timestamp_ns,
                b.timestamp_ns
            );
            check!(
                (a.values[0] - 23.75).abs() <= 0.01,
                "temperature {}",
                a.values[0]
            );
            check!(
                (a.values[1] - 98765.0).abs() <= 0.2,
                "pressure {}",
                a.values[1]
            );
            check!(
                (a.values[2] - 55.5).abs() <= 0.01,
                "humidity {}",
                a.values[2]
            );
            Ok(())
        }
        "sensor-attributes" => {
            let motion = sensor::open("motion")?;
            let invalid = Err(sensor::ErrorCode::InvalidArgument);
            same!(
                motion.set_attribute(sensor::Attribute::SamplingIntervalNs(MS / 2)),
                invalid
            );
            motion.set_attribute(sensor::Attribute::SamplingIntervalNs(5 * MS))?;
            same!(
                motion.set_attribute(sensor::Attribute::Oversampling(3)),
                invalid
            );
            motion.set_attribute(sensor::Attribute::Oversampling(4))?;
            motion.set_attribute(range(sensor::Channel::AccelerationX, 30.0))?;
            same!(motion.info().channels[0].max, 39.2);
            same!(
                motion.set_attribute(range(sensor::Channel::AccelerationX, 100.0)),
                invalid
            );
            same!(
                motion.set_attribute(range(sensor::Channel::Temperature, 1.0)),
                invalid
            );
            same!(
                motion.set_attribute(range(sensor::Channel::AccelerationZ, 30.0)),
                Err(sensor::ErrorCode::Unsupported)
            );
            Ok(())
        }
        "sensor-get-attribute" => {
            let motion = sensor::open("motion")?;
            let interval = motion.get_attribute(sensor::AttributeKind::SamplingInterval)?;
            check!(
                matches!(interval, sensor::Attribute::SamplingIntervalNs(n) if n == 10 * MS),
                "interval {interval:?}"
            );
            motion.set_attribute(sensor::Attribute::Oversampling(2))?;
            let os = motion.get_attribute(sensor::AttributeKind::Oversampling)?;
            check!(
                matches!(os, sensor::Attribute::Oversampling(2)),
                "oversampling {os:?}"
            );
            Ok(())
        }
        "sensor-fifo" => {
            let motion = sensor::open("motion")?;
            motion.start()?;
            same!(motion.read().err(), Some(sensor::ErrorCode::Running));
            timer::sleep(25 * MS);
            let fifo = motion.read_fifo(10)?;
            same!(fifo.overrun, 0);
            let times: Vec<u64> = fifo.samples.iter().map(|s| s.timestamp_ns).collect();
            same!(times, [10 * MS, 20 * MS]);
            same!(
                motion.read_fifo(0).err(),
                Some(sensor::ErrorCode::InvalidArgument)
            );
            same!(motion.read_fifo(10)?.samples.len(), 0);
            Ok(())
        }
        "sensor-start-stop" => {
            let motion = sensor::open("motion")?;
            motion.start()?;
            timer::sleep(15 * MS);
            motion.start()?;
            timer::sleep(10 * MS);
            motion.stop();
            motion.stop();
            same!(motion.read_fifo(10)?.samples.len(), 2);
            Ok(())
        }
        "sensor-stop" => {
            let motion = sensor::open("motion")?;
            motion.start()?;
            timer::sleep(10 * MS);
            motion.stop();
            timer::sleep(100 * MS);
            same!(motion.read_fifo(10)?.samples.len(), 1);
            same!(motion.read()?.sequence, 2);
            Ok(())
        }
        "sensor-fifo-overrun" => {
            let motion = sensor::open("motion")?;
            motion.start()?;
            timer::sleep(100 * MS);
            let fifo = motion.read_fifo(10)?;
            same!(fifo.overrun, 6);
            let sequences: Vec<u64> = fifo.samples.iter().map(|s| s.sequence).collect();
            same!(sequences, [7, 8, 9, 10]);
            same!(motion.read_fifo(10)?.overrun, 0);
            Ok(())
        }
        "sensor-data-ready" => {
            let motion = sensor::open("motion")?;
            let ready = motion.subscribe_data_ready()?;
            motion.start()?;
            same!(ready.ready(), false);
            same!(poll::poll(&[&ready], None)?, [0]);
            same!(timer::now(), 10 * MS);
            motion.read_fifo(4)?;
            same!(ready.ready(), false);
            Ok(())
        }
        "sensor-threshold" => {
            let motion = sensor::open("motion")?;
            motion.set_attribute(sensor::Attribute::SamplingIntervalNs(MS))?;
            let above = motion.subscribe_threshold(sensor::Threshold {
                channel: sensor::Channel::AccelerationX,
                level: 4.9,
                above: true,
            })?;
            motion.start()?;
            same!(poll::poll(&[&above], Some(timer::SECOND))?, [0]);
            // 5 sin(2π t / 100 ms) first exceeds 4.9 at t = 22 ms.
            same!(timer::now(), 22 * MS);
            let bad = motion.subscribe_threshold(sensor::Threshold {
                channel: sensor::Channel::Temperature,
                level: 0.0,
                above: true,
            });
            same!(bad.err(), Some(sensor::ErrorCode::InvalidArgument));
            Ok(())
        }
        "timer-now" => {
            let a = timer::now();
            check!(a < MS, "the clock starts at {a} ns");
            timer::sleep(MS);
            let b = timer::now();
            let c = timer::now();
            check!(a <= b && b <= c, "now went {a}, {b}, {c}");
            Ok(())
        }
        "timer-resolution" => {
            check!(
                timer::resolution() >= 1,
                "resolution {}",
                timer::resolution()
            );
            Ok(())
        }
        "timer-sleep" => {
            let a = timer::now();
            timer::sleep(250 * MS);
            let b = timer::now();
            check!(b - a >= 250 * MS, "slept {} ns", b - a);
            timer::sleep(0);
            Ok(())
        }
        "timer-sleep-until" => {
            timer::sleep_until(300 * MS);
            check!(timer::now() >= 300 * MS, "woke at {}", timer::now());
            let t = timer::now();
            timer::sleep_until(0);
            same!(timer::now(), t);
            Ok(())
        }
        "timer-one-shot" => {
            let t = timer::OneShot::at(40 * MS)?;
            t.wait();
            same!(timer::now(), 40 * MS);
            Ok(())
        }
        "timer-one-shot-after" => {
            timer::sleep(10 * MS);
            let t = timer::OneShot::after(30 * MS)?;
            same!(t.deadline(), 40 * MS);
            same!(
                timer::OneShot::after(u64::MAX).err(),
                Some(timer::ErrorCode::InvalidArgument)
            );
            Ok(())
        }
        "timer-one-shot-deadline" => {
            same!(timer::OneShot::at(12345)?.deadline(), 12345);
            Ok(())
        }
        "timer-one-shot-is-expired" => {
            let t = timer::OneShot::at(20 * MS)?;
            same!(t.is_expired(), false);
            timer::sleep(20 * MS);
            same!(t.is_expired(), true);
            Ok(())
        }
        "timer-one-shot-wait" => {
            let t = timer::OneShot::at(20 * MS)?;
            t.wait();
            same!(timer::now(), 20 * MS);
            timer::sleep(MS);
            t.wait();
            same!(timer::now(), 21 * MS);
            Ok(())
        }
        "timer-one-shot-subscribe" => {
            let t = timer::OneShot::at(20 * MS)?;
            let p = t.subscribe();
            same!(p.ready(), false);
            p.block();
            same!(timer::now(), 20 * MS);
            same!(p.ready(), true);
            Ok(())
        }
        "timer-periodic" => {
            let p = timer::Periodic::start(100 * MS)?;
            same!(p.wait(), 0);
            same!(timer::now(), 100 * MS);
            same!(p.wait(), 0);
            same!(timer::now(), 200 * MS);
            same!(
                timer::Periodic::start(0).err(),
                Some(timer::ErrorCode::InvalidArgument)
            );
            Ok(())
        }
        "timer-periodic-period" => {
            same!(timer::Periodic::start(7 * MS)?.period(), 7 * MS);
            Ok(())
        }
        "timer-periodic-next-tick" => {
            timer::sleep(5 * MS);
            let p = timer::Periodic::start(100 * MS)?;
            same!(p.next_tick(), 105 * MS);
            p.wait();
            same!(p.next_tick(), 205 * MS);
            Ok(())
        }
        "timer-periodic-missed" => {
            // The spec's example: period 100 ms from 0.
            let p = timer::Periodic::start(100 * MS)?;
            timer::sleep(50 * MS);
            same!(p.wait(), 0);
            same!(timer::now(), 100 * MS);
            timer::sleep_until(350 * MS);
            same!(p.wait(), 1);
            same!(timer::now(), 350 * MS);
            timer::sleep_until(360 * MS);
            same!(p.wait(), 0);
            same!(timer::now(), 400 * MS);
            Ok(())
        }
        "timer-periodic-subscribe" => {
            let p = timer::Periodic::start(50 * MS)?;
            let ready = p.subscribe();
            same!(ready.ready(), false);
            ready.block();
            same!(timer::now(), 50 * MS);
            same!(ready.ready(), true);
            p.wait();
            same!(ready.ready(), false);
            Ok(())
        }
        "poll-ready-indices" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            let b = timer::OneShot::at(20 * MS)?.subscribe();
            same!(poll::poll(&[&a, &b, &a], None)?, [0, 2]);
            same!(timer::now(), 10 * MS);
            timer::sleep(10 * MS);
            same!(poll::poll(&[&a, &b, &a], None)?, [0, 1, 2]);
            Ok(())
        }
        "poll-timeout-zero" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            same!(poll::poll(&[&a], Some(0))?.len(), 0);
            same!(timer::now(), 0);
            Ok(())
        }
        "poll-timeout" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            same!(poll::poll(&[&a], Some(5 * MS))?.len(), 0);
            same!(timer::now(), 5 * MS);
            Ok(())
        }
        "poll-long-timeout" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            timer::sleep(MS);
            same!(poll::poll(&[&a], Some(u64::MAX))?, [0]);
            same!(timer::now(), 10 * MS);
            Ok(())
        }
        "poll-empty" => {
            same!(
                poll::poll(&[], None).err(),
                Some(poll::ErrorCode::EmptyWait)
            );
            same!(poll::poll(&[], Some(3 * MS))?.len(), 0);
            same!(timer::now(), 3 * MS);
            Ok(())
        }
        "poll-pollable-ready" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            same!(a.ready(), false);
            same!(timer::now(), 0);
            Ok(())
        }
        "poll-pollable-block" => {
            let a = timer::OneShot::at(10 * MS)?.subscribe();
            a.block();
            same!(timer::now(), 10 * MS);
            a.block();
            same!(timer::now(), 10 * MS);
            Ok(())
        }
        "log-enabled" => {
            same!(log::enabled(log::Level::Info), true);
            same!(log::enabled(log::Level::Error), true);
            Ok(())
        }
        "log-log" => {
            for level in [
                log::Level::Trace,
                log::Level::Debug,
                log::Level::Info,
                log::Level::Warn,
                log::Level::Error,
            ] {
                log::log(level, "conformance: a message");
            }
            Ok(())
        }
        "spi-list-devices" => {
            let devices = spi::list_devices();
            let names: Vec<&str> = devices.iter().map(|d| d.name.as_str()).collect();
            same!(names, ["loop", "flash", "env", "faulty-spi"]);
            same!(devices[0].config.mode, spi::Mode::Mode1);
            same!(devices[0].config.bit_order, spi::BitOrder::LsbFirst);
            same!(devices[0].config.frequency_hz, 2_000_000);
            same!(devices[2].config.mode, spi::Mode::Mode3);
            Ok(())
        }
        "spi-open-errors" => {
            same!(spi::open("nope").err(), Some(spi::ErrorCode::NotFound));
            same!(
                spi::open("secret-spi").err(),
                Some(spi::ErrorCode::NotPermitted)
            );
            Ok(())
        }
        "spi-config" => {
            let flash = spi::open("flash")?.config();
            same!(flash.mode, spi::Mode::Mode0);
            same!(flash.bit_order, spi::BitOrder::MsbFirst);
            same!(flash.frequency_hz, 8_000_000);
            let env = spi::open("env")?.config();
            same!(env.mode, spi::Mode::Mode3);
            same!(env.frequency_hz, 1_000_000);
            let lsb = spi::open("loop")?.config();
            same!(lsb.mode, spi::Mode::Mode1);
            same!(lsb.bit_order, spi::BitOrder::LsbFirst);
            same!(lsb.frequency_hz, 2_000_000);
            Ok(())
        }
        "spi-max-transfer" => {
            let lo = spi::open("loop")?;
            same!(lo.max_transfer_length(), 48);
            same!(spi::open("flash")?.max_transfer_length(), 260);
            let data = [0x5a; 48];
            same!(lo.transfer(&data)?, data);
            Ok(())
        }
        "spi-read" => {
            same!(spi::open("loop")?.read(4)?, [0, 0, 0, 0]);
            Ok(())
        }
        "spi-write" => {
            let flash = spi::open("flash")?;
            // Status register 1 (0x05): WEL is bit 1. MISO is 0xFF while
            // the command goes out.
            same!(flash.transfer(&[0x05, 0])?, [0xff, 0x00]);
            flash.write(&[0x06])?;
            same!(flash.transfer(&[0x05, 0])?, [0xff, 0x02]);
            flash.write(&[0x04])?;
            same!(flash.transfer(&[0x05, 0])?, [0xff, 0x00]);
            // No bytes: the chip select alone.
            flash.write(&[])?;
            Ok(())
        }
        "spi-transfer" => {
            let flash = spi::open("flash")?;
            // JEDEC ID: Winbond, W25Q32JV (ef 40 16).
            same!(flash.transfer(&[0x9f, 0, 0, 0])?, [0xff, 0xef, 0x40, 0x16]);
            same!(spi::open("loop")?.transfer(&[1, 2, 0x80])?, [1, 2, 0x80]);
            Ok(())
        }
        "spi-transfer-in-place" => {
            let lo = spi::open("loop")?;
            same!(lo.transfer_in_place(&[0xa5, 0x0f])?, [0xa5, 0x0f]);
            same!(
                spi::open("flash")?.transfer_in_place(&[0x9f, 0, 0, 0])?,
                [0xff, 0xef, 0x40, 0x16]
            );
            Ok(())
        }
        "spi-transaction" => {
            let flash = spi::open("flash")?;
            same!(
                flash.transaction(&[spi::Operation::Write(&[0x9f]), spi::Operation::Read(3)])?,
                [alloc::vec![0xef, 0x40, 0x16]]
            );
            // The unique ID: command, four dummy bytes, eight bytes, with a
            // millisecond's pause the chip select held; a transfer's answer
            // is a list too.
            let start = timer::now();
            let results = flash.transaction(&[
                spi::Operation::Write(&[0x4b, 0, 0, 0, 0]),
                spi::Operation::DelayNs(1_000_000),
                spi::Operation::Read(6),
                spi::Operation::Transfer(&[0, 0]),
            ])?;
            same!(
                results,
                [
                    alloc::vec![0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6],
                    alloc::vec![0xd7, 0xd8]
                ]
            );
            // 13 words at 8 MHz (1 µs a word) and the pause.
            same!(timer::now() - start, 1_013_000);
            Ok(())
        }
        "spi-transaction-empty" => {
            same!(spi::open("loop")?.transaction(&[])?.len(), 0);
            Ok(())
        }
        "spi-invalid-arguments" => {
            let lo = spi::open("loop")?;
            let invalid = Some(spi::ErrorCode::InvalidArgument);
            same!(lo.read(0).err(), invalid);
            same!(lo.read(49).err(), invalid);
            same!(lo.write(&[0; 49]).err(), invalid);
            same!(lo.transfer(&[]).err(), invalid);
            same!(lo.transfer(&[0; 49]).err(), invalid);
            same!(lo.transfer_in_place(&[]).err(), invalid);
            same!(lo.transaction(&[spi::Operation::Read(0)]).err(), invalid);
            same!(
                lo.transaction(&[spi::Operation::Transfer(&[])]).err(),
                invalid
            );
            // At most max-transfer-length (48 here) operations.
            let reads: Vec<spi::Operation> = (0..49).map(|_| spi::Operation::Read(1)).collect();
            same!(lo.transaction(&reads).err(), invalid);
            same!(lo.transaction(&reads[..48])?.len(), 48);
            Ok(())
        }
        "spi-faults" => {
            let faulty = spi::open("faulty-spi")?;
            for expected in [
                spi::ErrorCode::Overrun,
                spi::ErrorCode::ModeFault,
                spi::ErrorCode::FrameFormat,
                spi::ErrorCode::ChipSelectFault,
                spi::ErrorCode::Other,
            ] {
                same!(faulty.transfer(&[0x42]).err(), Some(expected));
            }
            same!(faulty.transfer(&[0x42])?, [0x42]);
            Ok(())
        }
        "spi-flash-program-erase" => {
            let flash = spi::open("flash")?;
            let status = || flash.transfer(&[0x05, 0]).map(|s| s[1]);
            let read = |n: u32| {
                flash
                    .transaction(&[
                        spi::Operation::Write(&[0x03, 0x00, 0x10, 0x00]),
                        spi::Operation::Read(n),
                    ])
                    .map(|mut r| r.pop().unwrap_or_default())
            };
            // Page program at 0x001000: write enable, then the command.
            flash.write(&[0x06])?;
            flash.write(&[0x02, 0x00, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef])?;
            // BUSY and WEL until the program's 0.4 ms are over.
            same!(status()?, 0x03);
            timer::sleep(400_000);
            same!(status()?, 0x00);
            same!(read(5)?, [0xde, 0xad, 0xbe, 0xef, 0xff]);
            // Sector erase (0x20): 45 ms.
            flash.write(&[0x06])?;
            flash.write(&[0x20, 0x00, 0x10, 0x00])?;
            let start = timer::now();
            let mut polls = 0;
            while status()? & 1 == 1 {
                timer::sleep(5 * MS);
                polls += 1;
            }
            same!(polls, 9);
            check!(
                timer::now() - start >= 45 * MS,
                "the erase ended after {} ns",
                timer::now() - start
            );
            same!(read(4)?, [0xff; 4]);
            // Without write enable, a program changes nothing.
            flash.write(&[0x02, 0x00, 0x10, 0x00, 0x00])?;
            same!(status()?, 0x00);
            same!(read(1)?, [0xff]);
            Ok(())
        }
        "spi-bme280" => {
            let env = spi::open("env")?;
            // The chip id (0xD0, bit 7 set: a read).
            same!(
                env.transaction(&[spi::Operation::Write(&[0xd0]), spi::Operation::Read(1)])?,
                [alloc::vec![0x60]]
            );
            // ctrl_meas (0xF4) written with bit 7 clear (0x74), read back.
            env.write(&[0x74, 0x27])?;
            same!(
                env.transaction(&[spi::Operation::Write(&[0xf4]), spi::Operation::Read(1)])?,
                [alloc::vec![0x27]]
            );
            Ok(())
        }
        other => Err(hw::Error::message(format!(
            "case `{other}` is in the catalog but not in the guest"
        ))),
    }
}

fn seven(a: u8) -> i2c::Address {
    i2c::Address::SevenBit(a)
}

fn range(channel: sensor::Channel, full_scale: f64) -> sensor::Attribute {
    sensor::Attribute::Range(sensor::ChannelRange {
        channel,
        full_scale,
    })
}

fn expect_gpio(result: Result<gpio::Pin, gpio::ErrorCode>, expected: gpio::ErrorCode) -> Check {
    match result {
        Ok(_) => Err(hw::Error::message(format!(
            "expected {expected:?}, the pin opened"
        ))),
        Err(e) => {
            same!(e, expected);
            Ok(())
        }
    }
}

fn gpio_list_pins() -> Check {
    let pins = gpio::list_pins();
    let names: Vec<&str> = pins.iter().map(|p| p.name.as_str()).collect();
    same!(names, ["out", "in", "od", "od-sense", "button", "plain"]);
    same!(pins[5].capabilities, gpio::Capabilities::INPUT);
    check!(
        pins[1]
            .capabilities
            .contains(gpio::Capabilities::EDGE_EVENTS),
        "`in` has edge events"
    );
    Ok(())
}

fn gpio_loopback() -> Check {
    let out = gpio::open("out", gpio::Config::output(false))?;
    let input = gpio::open("in", gpio::Config::input(gpio::Pull::None))?;
    same!(input.is_high()?, false);
    out.set_high()?;
    same!(input.is_high()?, true);
    out.set_low()?;
    same!(input.is_high()?, false);
    Ok(())
}
