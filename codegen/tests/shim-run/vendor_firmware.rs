//! The firmware's side of the vendor's shim, in the crate that includes it
//! (the vendor's trait is local here, so it may be implemented for
//! wasi-hw-shim's `hal::Board`): the display writes to the board's log, and
//! the backlight is driven through the board's `Gpio`.

use alloc::format;

use crate::acme::display::{Display, ErrorCode};
use crate::acme::gpio::Gpio;
use crate::acme::log::{Level, Log};
use wasi_hw_shim::hal::{Board, Clock, PinHandle};
use wasi_hw_shim::runtime::Error;

impl<C: Clock, D: embedded_hal::delay::DelayNs> Display for Board<'_, C, D> {
    fn show(&mut self, row: u8, text: &str) -> Result<Result<(), ErrorCode>, Error> {
        if row > 1 {
            return Ok(Err(ErrorCode::Device));
        }
        Log::log(self, Level::Info, &format!("display {row}: {text}"))?;
        Ok(Ok(()))
    }

    fn attach_backlight(
        &mut self,
        backlight: &mut PinHandle,
    ) -> Result<Result<(), ErrorCode>, Error> {
        Ok(Gpio::pin_set_high(self, backlight)?.map_err(|_| ErrorCode::Device))
    }
}
