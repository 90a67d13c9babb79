//! The glue's fuzz harness: a sequence of import calls with arbitrary
//! arguments against arbitrary guest memory and a `cabi_realloc` that may
//! lie, through `app::dispatch`, on a `hal::Board` of fake parts. Whatever
//! the input, every call returns (a value or an error) and nothing panics.
//! Shared by the cargo-fuzz target (`fuzz_targets/glue.rs`) and the test
//! that replays the corpus (`tests/fuzz_corpus.rs`).
//!
//! Input: byte 0 picks `cabi_realloc`'s behaviour (honest bump allocator,
//! garbage pointers, or failure); then a stream of operations: a byte below
//! 0xf0 calls import `byte % IMPORTS.len()` with its arguments read next
//! (4 bytes for an i32, 8 for an i64, little-endian); 0xf0 and above pokes
//! bytes into guest memory (2-byte offset, 1-byte length, the bytes).

use std::convert::Infallible;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use wasi_hw_shim::app::gpio::Capabilities as Caps;
use wasi_hw_shim::app::i2c::Address;
use wasi_hw_shim::app::{IMPORTS, Tables, ValType, dispatch};
use wasi_hw_shim::hal::{Board, Bus, InOut, Input, Pin, SevenBit, VirtualTime};
use wasi_hw_shim::runtime::{Error, Guest};

/// Guest memory: small, so that fuzzed pointers often land inside it.
const MEMORY: usize = 4096;

/// A pin whose line flips at every read, so that a wait for an edge ends.
#[derive(Default)]
struct Flipping {
    level: bool,
    latch: bool,
}

impl ErrorType for Flipping {
    type Error = Infallible;
}

impl InputPin for Flipping {
    fn is_high(&mut self) -> Result<bool, Infallible> {
        self.level = !self.level;
        Ok(self.level)
    }
    fn is_low(&mut self) -> Result<bool, Infallible> {
        self.is_high().map(|h| !h)
    }
}

impl OutputPin for Flipping {
    fn set_low(&mut self) -> Result<(), Infallible> {
        self.latch = false;
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        self.latch = true;
        Ok(())
    }
}

impl StatefulOutputPin for Flipping {
    fn is_set_high(&mut self) -> Result<bool, Infallible> {
        Ok(self.latch)
    }
    fn is_set_low(&mut self) -> Result<bool, Infallible> {
        Ok(!self.latch)
    }
}

/// A bus whose targets at 0x50..0x58 acknowledge and read back a counter.
#[derive(Default)]
struct Targets(u8);

impl embedded_hal::i2c::ErrorType for Targets {
    type Error = embedded_hal::i2c::ErrorKind;
}

impl embedded_hal::i2c::I2c for Targets {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [embedded_hal::i2c::Operation<'_>],
    ) -> Result<(), Self::Error> {
        if !(0x50..0x58).contains(&address) {
            return Err(embedded_hal::i2c::ErrorKind::NoAcknowledge(
                embedded_hal::i2c::NoAcknowledgeSource::Address,
            ));
        }
        for operation in operations {
            if let embedded_hal::i2c::Operation::Read(buffer) = operation {
                for byte in buffer.iter_mut() {
                    self.0 = self.0.wrapping_add(1);
                    *byte = self.0;
                }
            }
        }
        Ok(())
    }
}

type Host = Board<'static, VirtualTime, VirtualTime>;

/// How the fuzzed guest's `cabi_realloc` behaves.
enum Realloc {
    Bump(u32),
    Garbage(u32),
    Fails,
}

struct FuzzGuest {
    memory: Vec<u8>,
    tables: Tables<Host>,
    realloc: Realloc,
}

impl Guest<Tables<Host>> for FuzzGuest {
    fn memory(&mut self) -> &mut [u8] {
        &mut self.memory
    }
    fn parts(&mut self) -> (&mut [u8], &mut Tables<Host>) {
        (&mut self.memory, &mut self.tables)
    }
    fn realloc(&mut self, _: u32, _: u32, align: u32, size: u32) -> Result<u32, Error> {
        match &mut self.realloc {
            Realloc::Bump(next) => {
                let at = next
                    .checked_next_multiple_of(align.max(1))
                    .ok_or(Error::Realloc)?;
                *next = at.saturating_add(size);
                Ok(at)
            }
            Realloc::Garbage(seed) => {
                *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                Ok(*seed)
            }
            Realloc::Fails => Err(Error::Trap("cabi_realloc trapped")),
        }
    }
}

fn board() -> Host {
    const ALLOWED: &[Address] = &[
        Address::SevenBit(0x50),
        Address::SevenBit(0x60),
        Address::TenBit(0x2a5),
    ];
    let time = VirtualTime::new();
    Board::new(time.clone(), time)
        .pin(Pin::new(
            "led",
            Caps::PUSH_PULL_OUTPUT | Caps::OPEN_DRAIN_OUTPUT | Caps::INPUT,
            InOut(Flipping::default()),
        ))
        .pin(Pin::new(
            "button",
            Caps::INPUT | Caps::PULL_UP | Caps::EDGE_EVENTS,
            Input(Flipping::default()),
        ))
        .bus(Bus::new("i2c0", 400_000, ALLOWED, SevenBit(Targets::default())).max_transfer(64))
        .log_to(wasi_hw_shim::app::log::Level::Trace, |_, _| {})
}

/// Runs one input; returns how many calls returned a value and how many an
/// error.
pub fn run(data: &[u8]) -> (usize, usize) {
    let Some((&mode, mut data)) = data.split_first() else {
        return (0, 0);
    };
    let mut host = board();
    let mut guest = FuzzGuest {
        memory: vec![0; MEMORY],
        tables: Tables::new(),
        realloc: match mode % 3 {
            0 => Realloc::Bump(2048),
            1 => Realloc::Garbage(u32::from(mode)),
            _ => Realloc::Fails,
        },
    };
    let (mut ok, mut err) = (0, 0);
    while let Some((&op, rest)) = data.split_first() {
        data = rest;
        if op >= 0xf0 {
            let [a, b, len, rest @ ..] = data else { break };
            let at = usize::from(u16::from_le_bytes([*a, *b])) % MEMORY;
            let len = usize::from(*len).min(rest.len()).min(MEMORY - at);
            guest.memory[at..at + len].copy_from_slice(&rest[..len]);
            data = &rest[len..];
            continue;
        }
        let index = usize::from(op) % IMPORTS.len();
        let mut args = Vec::new();
        for param in IMPORTS[index].params {
            let width = match param {
                ValType::I32 | ValType::F32 => 4,
                ValType::I64 | ValType::F64 => 8,
            };
            let Some((bytes, rest)) = data.split_at_checked(width) else {
                return (ok, err);
            };
            data = rest;
            let mut word = [0u8; 8];
            word[..width].copy_from_slice(bytes);
            args.push(u64::from_le_bytes(word));
        }
        match dispatch(&mut host, &mut guest, index, &args) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    (ok, err)
}
