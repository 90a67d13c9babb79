//! Counting instructions on QEMU, for the cost of a host call: with
//! `qemu-system-arm -icount shift=0` one instruction is one nanosecond of
//! the emulated clock, and the MPS2-AN386's SysTick counts at its 25 MHz
//! system clock, so one tick of SysTick is 40 instructions. [`calibrate`]
//! measures that rather than trusting it.

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

/// SysTick's reload value: the largest (24 bits).
const RELOAD: u32 = 0x00ff_ffff;

/// Starts SysTick counting down from its largest value, on the core clock.
pub fn start() {
    // SAFETY: the firmware uses SysTick for nothing else, and only from the
    // one thread of the bench.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_counter();
}

/// Ticks since [`start`] (at most 2^24 - 1: a longer span wraps).
pub fn ticks() -> u32 {
    RELOAD - SYST::get_current()
}

/// SysTick ticks for a loop of `instructions` instructions (two a turn:
/// subtract and branch), for converting ticks to instructions.
pub fn calibrate(instructions: u32) -> u32 {
    start();
    let turns = instructions / 2;
    // SAFETY: a counted loop on a register, nothing else.
    unsafe {
        core::arch::asm!(
            "1:",
            "subs {0}, #1",
            "bne 1b",
            inout(reg) turns => _,
            options(nomem, nostack),
        );
    }
    ticks()
}
