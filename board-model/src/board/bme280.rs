//! A Bosch BME280 (temperature, pressure, humidity) at register level.
//!
//! The model has the part's register map: chip id 0x60 at 0xD0, soft reset
//! (0xB6 to 0xE0), the calibration blocks at 0x88..0xA1 and 0xE1..0xE7,
//! ctrl_hum (0xF2, applied at the next ctrl_meas write), status (0xF3: bit 3
//! while measuring), ctrl_meas (0xF4: oversampling and mode), config (0xF5)
//! and the data registers 0xF7..0xFE. Writes are register/value pairs; reads
//! auto-increment.
//!
//! A forced measurement takes the datasheet's typical measurement time, then
//! the data registers hold raw ADC values chosen so that Bosch's compensation
//! formulas, with this part's calibration, give back the temperature,
//! pressure and humidity the board file sets, to within the resolution of
//! the oversampling in force (16 bits at 1x, 20 bits at 16x). A channel whose
//! oversampling is 0 (skipped) reads 0x80000, as on the part. The IIR
//! filter (config) is stored but not modelled: the board's values are
//! constant, which a filter leaves as they are.

use super::i2c::Device;
use crate::time::Nanos;

/// What the BME280 measures, in the spec's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Environment {
    /// °C.
    pub temperature: f64,
    /// Pa.
    pub pressure: f64,
    /// %RH.
    pub humidity: f64,
}

/// The calibration of one part (the datasheet's example values).
#[derive(Debug, Clone, Copy)]
struct Calibration {
    t: (u16, i16, i16),
    p: (u16, i16, i16, i16, i16, i16, i16, i16, i16),
    h1: u8,
    h2: i16,
    h3: u8,
    h4: i16,
    h5: i16,
    h6: i8,
}

const CAL: Calibration = Calibration {
    t: (27504, 26435, -1000),
    p: (36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000),
    h1: 75,
    h2: 362,
    h3: 0,
    h4: 324,
    h5: 50,
    h6: 30,
};

/// The part.
#[derive(Clone)]
pub struct Bme280 {
    /// The raw ADC values of `environment` (a search over the compensation
    /// formulas, done once).
    adc: (u32, u32, u32),
    regs: [u8; 256],
    pointer: u8,
    /// In a write: whether the next byte is a register address.
    expect_register: bool,
    /// ctrl_hum as last written, applied at the next ctrl_meas write.
    pending_ctrl_hum: u8,
    /// A forced measurement in progress: when it ends and its raw values.
    measuring: Option<(Nanos, [u8; 8])>,
}

impl Bme280 {
    pub fn new(environment: Environment) -> Bme280 {
        let mut b = Bme280 {
            adc: raw_for(environment),
            regs: [0; 256],
            pointer: 0,
            expect_register: false,
            pending_ctrl_hum: 0,
            measuring: None,
        };
        b.reset();
        b
    }

    fn reset(&mut self) {
        self.regs = [0; 256];
        self.regs[0xD0] = 0x60;
        let c = CAL;
        let words: [u16; 12] = [
            c.t.0,
            c.t.1 as u16,
            c.t.2 as u16,
            c.p.0,
            c.p.1 as u16,
            c.p.2 as u16,
            c.p.3 as u16,
            c.p.4 as u16,
            c.p.5 as u16,
            c.p.6 as u16,
            c.p.7 as u16,
            c.p.8 as u16,
        ];
        for (i, w) in words.iter().enumerate() {
            self.regs[0x88 + 2 * i] = *w as u8;
            self.regs[0x89 + 2 * i] = (*w >> 8) as u8;
        }
        self.regs[0xA1] = c.h1;
        self.regs[0xE1] = c.h2 as u8;
        self.regs[0xE2] = (c.h2 as u16 >> 8) as u8;
        self.regs[0xE3] = c.h3;
        self.regs[0xE4] = (c.h4 >> 4) as u8;
        self.regs[0xE5] = ((c.h4 & 0x0F) as u8) | (((c.h5 & 0x0F) as u8) << 4);
        self.regs[0xE6] = (c.h5 >> 4) as u8;
        self.regs[0xE7] = c.h6 as u8;
        // Data registers after reset: "skipped" values.
        self.regs[0xF7..0xFF].copy_from_slice(&[0x80, 0, 0, 0x80, 0, 0, 0x80, 0]);
        self.pending_ctrl_hum = 0;
        self.measuring = None;
    }

    /// Finishes a measurement whose time has come.
    fn settle(&mut self, now: Nanos) {
        if let Some((done, raw)) = self.measuring
            && now >= done
        {
            self.regs[0xF7..0xFF].copy_from_slice(&raw);
            self.regs[0xF4] &= !0x03; // back to sleep mode
            self.regs[0xF3] &= !0x08;
            self.measuring = None;
        }
    }

    fn oversampling(code: u8) -> u32 {
        match code & 0x07 {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 4,
            4 => 8,
            _ => 16,
        }
    }

    /// The raw data registers for the environment, at the oversampling in
    /// force.
    fn raw(&self) -> [u8; 8] {
        let os_t = Self::oversampling(self.regs[0xF4] >> 5);
        let os_p = Self::oversampling(self.regs[0xF4] >> 2);
        let os_h = Self::oversampling(self.regs[0xF2]);
        let (adc_t, adc_p, adc_h) = self.adc;
        let keep = |adc: u32, os: u32| -> u32 {
            // 16 bits at 1x, one more bit per doubling, 20 at 16x.
            let bits = 16 + os.trailing_zeros();
            adc & !((1u32 << (20 - bits)) - 1)
        };
        let t = if os_t == 0 {
            0x80000
        } else {
            keep(adc_t, os_t)
        };
        let p = if os_p == 0 {
            0x80000
        } else {
            keep(adc_p, os_p)
        };
        let h = if os_h == 0 { 0x8000 } else { adc_h };
        data_registers(p, t, h)
    }

    /// The datasheet's typical measurement time for the oversampling in
    /// force (section 9.1): `1 + 2 T + (2 P + 0.5) + (2 H + 0.5)` ms. (The
    /// maximum is 15 % longer; drivers such as the `bme280` crate wait for
    /// the typical time.)
    fn measurement_time(&self) -> Nanos {
        let os_t = f64::from(Self::oversampling(self.regs[0xF4] >> 5));
        let os_p = f64::from(Self::oversampling(self.regs[0xF4] >> 2));
        let os_h = f64::from(Self::oversampling(self.regs[0xF2]));
        let mut ms = 1.0 + 2.0 * os_t;
        if os_p > 0.0 {
            ms += 2.0 * os_p + 0.5;
        }
        if os_h > 0.0 {
            ms += 2.0 * os_h + 0.5;
        }
        (ms * 1e6) as Nanos
    }

    fn write_register(&mut self, now: Nanos, reg: u8, value: u8) {
        match reg {
            0xE0 if value == 0xB6 => self.reset(),
            0xF2 => self.pending_ctrl_hum = value & 0x07,
            0xF4 => {
                self.regs[0xF2] = self.pending_ctrl_hum;
                self.regs[0xF4] = value;
                match value & 0x03 {
                    1 | 2 => {
                        self.measuring =
                            Some((now.saturating_add(self.measurement_time()), self.raw()));
                        self.regs[0xF3] |= 0x08;
                    }
                    3 => {
                        let raw = self.raw();
                        self.regs[0xF7..0xFF].copy_from_slice(&raw);
                    }
                    _ => {}
                }
            }
            0xF5 => self.regs[0xF5] = value & 0xFD,
            // Read-only registers ignore writes, as on the part.
            _ => {}
        }
    }

    /// What the bme280 compensation gives for the data registers now: the
    /// values a driver would read (used by sensors backed by this part).
    pub fn compensated(&mut self, now: Nanos) -> Environment {
        self.settle(now);
        // The host's driver measures at 16x on every channel, whatever the
        // app configured.
        let (adc_t, adc_p, adc_h) = self.adc;
        compensate_raw(&data_registers(adc_p, adc_t, adc_h))
    }
}

impl Device for Bme280 {
    fn clone_box(&self) -> alloc::boxed::Box<dyn Device> {
        alloc::boxed::Box::new(self.clone())
    }

    fn model(&self) -> &'static str {
        "bme280"
    }
    fn start(&mut self, now: Nanos, read: bool) -> bool {
        self.settle(now);
        self.expect_register = !read;
        true
    }
    fn write(&mut self, now: Nanos, byte: u8) -> bool {
        self.settle(now);
        if self.expect_register {
            self.pointer = byte;
        } else {
            self.write_register(now, self.pointer, byte);
            self.pointer = self.pointer.wrapping_add(1);
        }
        self.expect_register = !self.expect_register;
        true
    }
    fn read(&mut self, now: Nanos) -> u8 {
        self.settle(now);
        let b = self.regs[usize::from(self.pointer)];
        self.pointer = self.pointer.wrapping_add(1);
        b
    }
    fn stop(&mut self, now: Nanos) {
        self.settle(now);
    }
    fn environment(&mut self, now: Nanos) -> Option<Environment> {
        Some(self.compensated(now))
    }
}

/// The data registers `0xF7..0xFE` for raw pressure and temperature (20
/// bits each, MSB first, the low nibble in the top of the XLSB) and
/// humidity (16 bits).
fn data_registers(p: u32, t: u32, h: u32) -> [u8; 8] {
    [
        (p >> 12) as u8,
        (p >> 4) as u8,
        ((p & 0xF) << 4) as u8,
        (t >> 12) as u8,
        (t >> 4) as u8,
        ((t & 0xF) << 4) as u8,
        (h >> 8) as u8,
        h as u8,
    ]
}

/// The environment the data registers `0xF7..0xFE` stand for.
fn compensate_raw(raw: &[u8]) -> Environment {
    let adc_p = (u32::from(raw[0]) << 12) | (u32::from(raw[1]) << 4) | (u32::from(raw[2]) >> 4);
    let adc_t = (u32::from(raw[3]) << 12) | (u32::from(raw[4]) << 4) | (u32::from(raw[5]) >> 4);
    let adc_h = (u32::from(raw[6]) << 8) | u32::from(raw[7]);
    let (temperature, t_fine) = compensate_t(adc_t);
    Environment {
        temperature,
        pressure: compensate_p(adc_p, t_fine),
        humidity: compensate_h(adc_h, t_fine),
    }
}

/// Bosch's double-precision temperature compensation: °C and t_fine.
fn compensate_t(adc: u32) -> (f64, i32) {
    let (t1, t2, t3) = (f64::from(CAL.t.0), f64::from(CAL.t.1), f64::from(CAL.t.2));
    let adc = f64::from(adc);
    let var1 = (adc / 16384.0 - t1 / 1024.0) * t2;
    let var2 = (adc / 131072.0 - t1 / 8192.0) * (adc / 131072.0 - t1 / 8192.0) * t3;
    ((var1 + var2) / 5120.0, (var1 + var2) as i32)
}

/// Bosch's double-precision pressure compensation, in Pa.
fn compensate_p(adc: u32, t_fine: i32) -> f64 {
    let (p1, p2, p3, p4, p5, p6, p7, p8, p9) = CAL.p;
    let var1 = f64::from(t_fine) / 2.0 - 64000.0;
    let var2 = var1 * var1 * f64::from(p6) / 32768.0;
    let var2 = var2 + var1 * f64::from(p5) * 2.0;
    let var2 = var2 / 4.0 + f64::from(p4) * 65536.0;
    let var1 = (f64::from(p3) * var1 * var1 / 524288.0 + f64::from(p2) * var1) / 524288.0;
    let var1 = (1.0 + var1 / 32768.0) * f64::from(p1);
    if var1 == 0.0 {
        return 0.0;
    }
    let p = 1048576.0 - f64::from(adc);
    let p = (p - var2 / 4096.0) * 6250.0 / var1;
    let var1 = f64::from(p9) * p * p / 2147483648.0;
    let var2 = p * f64::from(p8) / 32768.0;
    p + (var1 + var2 + f64::from(p7)) / 16.0
}

/// Bosch's double-precision humidity compensation, in %RH.
fn compensate_h(adc: u32, t_fine: i32) -> f64 {
    let c = CAL;
    let h = f64::from(t_fine) - 76800.0;
    let h = (f64::from(adc) - (f64::from(c.h4) * 64.0 + f64::from(c.h5) / 16384.0 * h))
        * (f64::from(c.h2) / 65536.0
            * (1.0 + f64::from(c.h6) / 67108864.0 * h * (1.0 + f64::from(c.h3) / 67108864.0 * h)));
    let h = h * (1.0 - f64::from(c.h1) * h / 524288.0);
    h.clamp(0.0, 100.0)
}

/// The raw ADC values whose compensation is closest to `env`.
fn raw_for(env: Environment) -> (u32, u32, u32) {
    // Each compensation is monotonic in its ADC value: search for the value
    // whose result is closest to the target.
    fn search(lo: u32, hi: u32, increasing: bool, f: impl Fn(u32) -> f64, target: f64) -> u32 {
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let below = if increasing {
                f(mid) < target
            } else {
                f(mid) > target
            };
            if below { lo = mid + 1 } else { hi = mid }
        }
        // lo is the first value at or past the target; its neighbour may be closer.
        if lo > 0 && (f(lo - 1) - target).abs() < (f(lo) - target).abs() {
            lo - 1
        } else {
            lo
        }
    }
    let adc_t = search(
        0,
        (1 << 20) - 1,
        true,
        |a| compensate_t(a).0,
        env.temperature,
    );
    let t_fine = compensate_t(adc_t).1;
    let adc_p = search(
        0,
        (1 << 20) - 1,
        false,
        |a| compensate_p(a, t_fine),
        env.pressure,
    );
    let adc_h = search(
        0,
        (1 << 16) - 1,
        true,
        |a| compensate_h(a, t_fine),
        env.humidity,
    );
    (adc_t, adc_p, adc_h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const ENV: Environment = Environment {
        temperature: 21.5,
        pressure: 101_325.0,
        humidity: 45.0,
    };

    fn write(b: &mut Bme280, now: Nanos, bytes: &[u8]) {
        b.start(now, false);
        for &x in bytes {
            assert!(b.write(now, x));
        }
        b.stop(now);
    }

    fn read(b: &mut Bme280, now: Nanos, reg: u8, n: usize) -> Vec<u8> {
        write(b, now, &[reg]);
        b.start(now, true);
        (0..n).map(|_| b.read(now)).collect()
    }

    #[test]
    fn chip_id_and_calibration_are_where_drivers_look() {
        let mut b = Bme280::new(ENV);
        assert_eq!(read(&mut b, 0, 0xD0, 1), [0x60]);
        let pt = read(&mut b, 0, 0x88, 26);
        assert_eq!(u16::from_le_bytes([pt[0], pt[1]]), 27504);
        assert_eq!(i16::from_le_bytes([pt[22], pt[23]]), 6000);
        assert_eq!(pt[25], 75);
        let h = read(&mut b, 0, 0xE1, 7);
        let h4 = (i16::from(h[3] as i8) * 16) | (i16::from(h[4] as i8) & 0x0F);
        let h5 = (i16::from(h[5] as i8) * 16) | ((i16::from(h[4] as i8) & 0xF0) >> 4);
        assert_eq!((h4, h5, h[6] as i8), (324, 50, 30));
    }

    #[test]
    fn a_forced_measurement_takes_its_time_then_compensates_to_the_board_values() {
        let mut b = Bme280::new(ENV);
        // ctrl_hum x16, then ctrl_meas: T x16, P x16, forced.
        write(&mut b, 0, &[0xF2, 0x05, 0xF4, (5 << 5) | (5 << 2) | 1]);
        assert_eq!(read(&mut b, 0, 0xF3, 1)[0] & 0x08, 0x08, "measuring");
        assert_eq!(
            read(&mut b, 1_000_000, 0xF7, 8),
            [0x80, 0, 0, 0x80, 0, 0, 0x80, 0],
            "old data until done"
        );
        let done = 1_000_000 + 3 * 32_000_000 + 2 * 500_000;
        assert_eq!(read(&mut b, done, 0xF3, 1)[0] & 0x08, 0);
        assert_eq!(read(&mut b, done, 0xF4, 1)[0] & 0x03, 0, "back to sleep");
        let env = compensate_raw(&read(&mut b, done, 0xF7, 8));
        assert!((env.temperature - 21.5).abs() <= 0.01, "{env:?}");
        assert!((env.pressure - 101_325.0).abs() <= 0.2, "{env:?}");
        assert!((env.humidity - 45.0).abs() <= 0.01, "{env:?}");
    }

    #[test]
    fn low_oversampling_loses_the_low_bits_and_skipped_channels_read_0x80000() {
        let mut b = Bme280::new(ENV);
        // T x1, P skipped, humidity skipped; forced.
        write(&mut b, 0, &[0xF4, (1 << 5) | 1]);
        let raw = read(&mut b, 1_000_000_000, 0xF7, 8);
        assert_eq!(&raw[0..3], [0x80, 0, 0]);
        assert_eq!(raw[5] & 0xF0, 0, "16-bit temperature at 1x");
        assert_eq!(&raw[6..8], [0x80, 0]);
        // 16 bits of temperature: a step of about 0.005 °C.
        let env = compensate_raw(&raw);
        assert!((env.temperature - 21.5).abs() <= 0.01, "{env:?}");
    }

    #[test]
    fn soft_reset_restores_the_power_on_state() {
        let mut b = Bme280::new(ENV);
        write(&mut b, 0, &[0xF5, 0xA0, 0xE0, 0xB6]);
        assert_eq!(read(&mut b, 0, 0xF5, 1), [0]);
        assert_eq!(read(&mut b, 0, 0xD0, 1), [0x60]);
    }
}
