//! What the firmwares for QEMU's MPS2-AN386 (Cortex-M4) share, written once:
//!
//! - [`board`]: the emulated board's parts, an LED, a push button with a
//!   script of presses and an I2C EEPROM, on virtual time, as embedded-hal
//!   1.0 parts;
//! - [`heap`]: a global allocator that counts its peak, for the RAM budget;
//! - [`i2c`]: the board model's I2C bus and devices as an embedded-hal bus;
//! - [`spi`]: the board model's SPI devices (the W25Q32JV flash) as
//!   embedded-hal `SpiDevice`s;
//! - [`stack`]: the stack's high-water mark;
//! - [`clock`]: SysTick, to count instructions on QEMU with `-icount`;
//! - [`semihosting`]: the command line, files on the machine that runs
//!   QEMU, and an exit code.
//! - [`say`]: lines on the console without `core::fmt`'s padding and
//!   number formatting, which the tiny firmware's flash cannot afford.
//!
//! `firmware/qemu-wasmi` and `firmware/qemu-tiny` are built on it.
#![no_std]

extern crate alloc;

pub mod board;
pub mod clock;
pub mod heap;
pub mod i2c;
pub mod say;
pub mod semihosting;
pub mod spi;
pub mod stack;
