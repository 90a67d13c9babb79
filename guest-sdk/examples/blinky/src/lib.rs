//! blinky: toggles the pin "led" every 500 ms.
//!
//! Arguments: `[CYCLES]`, the number of on-off cycles (default 5); each cycle
//! is two toggles, 500 ms apart, so the LED ends where it started.
#![no_std]

use wasi_hw_guest::{self as hw, gpio, timer};

hw::app!(run);

// Its whole heap (it needs a few bytes, once, for its arguments: a bump
// allocator, the smallest). With the 4 KiB stack of build.rs, blinky's
// memory is fixed and small (guest-sdk README, "Fixed memory"); the size
// baseline (`free-list`) takes the SDK's allocator instead.
#[cfg(not(feature = "free-list"))]
hw::fixed_bump_heap!(1024);

const HALF_PERIOD: u64 = 500 * timer::MILLISECOND;

fn run(args: &hw::Args) -> Result<(), hw::Error> {
    let cycles: u32 = args.parse(0, 5, "blinky [CYCLES]: CYCLES must be a whole number")?;
    let led = gpio::open("led", gpio::Config::output(false))?;
    for _ in 0..cycles {
        for _ in 0..2 {
            led.toggle()?;
            timer::sleep(HALF_PERIOD);
        }
    }
    // A fixed message: formatting the count would cost a few hundred bytes
    // in a 2 KiB app. The host's trace has every toggle.
    hw::log::info("blinky: done");
    Ok(())
}
