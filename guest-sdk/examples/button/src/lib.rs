//! button: mirrors the pin "button" on the pin "led" and counts 1 s ticks,
//! waiting for both at once with `poll`.
//!
//! "button" is an active-low input with the pull-up on (pressed pulls the line
//! to ground), so "high" means pressed. Arguments: `[TICKS]`, how many ticks
//! to run for (default 10).
#![no_std]

use wasi_hw_guest::{self as hw, gpio, log::Line, poll, timer};

hw::app!(run);

// Its whole heap, which the free list reuses turn after turn (each `poll`
// allocates its list and its result): with the 4 KiB stack of build.rs,
// button's memory is fixed and small (guest-sdk README, "Fixed memory").
hw::fixed_heap!(1024);

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let wanted: u64 = args.parse(0, 10, "button [TICKS]: TICKS must be a whole number")?;
    let button = gpio::open("button", gpio::Config::input(gpio::Pull::Up).active_low())?;
    let led = gpio::open("led", gpio::Config::output(false))?;
    let tick = timer::Periodic::start(timer::SECOND)?;
    let tick_ready = tick.subscribe();
    let mut edge = button.subscribe(gpio::Edge::Any)?;
    mirror(&button, &led)?;

    let mut ticks = 0;
    while ticks < wanted {
        for index in poll::poll(&[&edge, &tick_ready], None)? {
            if index == 0 {
                // Subscribe before reading, so an edge in between is not lost.
                edge = button.subscribe(gpio::Edge::Any)?;
                mirror(&button, &led)?;
            } else {
                ticks += 1 + tick.wait();
                Line::new().text("tick ").uint(ticks).info();
            }
        }
    }
    Ok(())
}

fn mirror(button: &gpio::Pin, led: &gpio::Pin) -> Result<(), hw::Error> {
    let pressed = button.is_high()?;
    if pressed {
        led.set_high()?;
    } else {
        led.set_low()?;
    }
    Line::new()
        .text(if pressed {
            "button pressed"
        } else {
            "button released"
        })
        .info();
    Ok(())
}
