//! Not an example: a test guest that misbehaves on purpose, so that the
//! host's tests can show each misdeed is reported and the host goes on, and
//! that exercises the SDK where an example would not.
//!
//! Argument: `trap` (executes `unreachable`), `panic` (panics), `spin`
//! (loops for ever without calling the host), `grow` (allocates until memory
//! runs out), `wait-forever` (waits for three rising edges of "button",
//! which a board's script may press fewer times), `handles` (makes timers
//! until the host refuses one), `oversleep` (sleeps past the end of the
//! clock, then writes to "storage-bus"), `tick-overflow` (waits for a
//! periodic tick past the end of the clock), `log-levels` (logs one message
//! at every level of the spec, through `log::` and through `Line`).
#![no_std]

extern crate alloc;

use wasi_hw_guest::log::{self, Line};
use wasi_hw_guest::{self as hw, gpio, timer};

hw::app!(run);

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    match args.get(0).unwrap_or("") {
        "trap" => core::arch::wasm32::unreachable(),
        "panic" => panic!("misbehave: panicking on purpose"),
        "spin" => {
            let mut n: u64 = 0;
            loop {
                // A volatile write keeps the loop from being optimised away.
                unsafe { core::ptr::write_volatile(&mut n, n.wrapping_add(1)) };
            }
        }
        "grow" => {
            let mut blocks = alloc::vec::Vec::new();
            loop {
                blocks.push(alloc::vec![1u8; 1 << 20]);
            }
        }
        "wait-forever" => {
            let button = gpio::open("button", gpio::Config::input(gpio::Pull::Up))?;
            for _ in 0..3 {
                button.subscribe(gpio::Edge::Rising)?.block();
            }
            Ok(())
        }
        "oversleep" => {
            // Past the end of the clock, then an I2C transfer, whose timing
            // is added to that time.
            timer::sleep(u64::MAX);
            timer::sleep(u64::MAX);
            let bus = wasi_hw_guest::i2c::open("storage-bus")?;
            bus.write(wasi_hw_guest::i2c::Address::SevenBit(0x50), &[0, 1])?;
            Ok(())
        }
        "tick-overflow" => {
            let ticker = timer::Periodic::start(u64::MAX - timer::now() - 1)?;
            ticker.wait();
            ticker.wait();
            Ok(())
        }
        "handles" => {
            let mut timers = alloc::vec::Vec::new();
            loop {
                timers.push(timer::OneShot::after(timer::SECOND)?);
            }
        }
        "log-levels" => {
            log::trace("log::trace");
            log::debug("log::debug");
            log::info("log::info");
            log::warn("log::warn");
            log::error("log::error");
            Line::new().text("Line::").text("trace").trace();
            Line::new().text("Line::").text("debug").debug();
            Line::new().text("Line::").text("info").info();
            Line::new().text("Line::").text("warn").warn();
            Line::new().text("Line::").text("error").error();
            Ok(())
        }
        _ => Err(hw::Error::usage(
            "misbehave trap|panic|spin|grow|wait-forever|handles|oversleep|tick-overflow|log-levels",
        )),
    }
}
