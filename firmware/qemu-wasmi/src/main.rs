//! A firmware for QEMU's MPS2-AN386 (Cortex-M4) that hosts wasi-hw apps:
//! each app's core module runs in wasmi through the generated no_std shim
//! (`wasi_hw_shim`), on a board made of embedded-hal parts
//! (`wasi_hw_shim::hal::Board`: blinky, button, eeprom, flash, misbehave) or on
//! the reference host's demo board model (`wasi_hw_board`: weather, and
//! the SPI apps weather-spi and flash on its BME280 and W25Q32JV). A
//! trap or running out of fuel is reported and the firmware goes on to the
//! next app. Output goes through semihosting; the exit code is 0 when every
//! app ended as expected. With `case NAME GUEST BOARD` on its semihosting
//! command line it runs one conformance case instead (`conformance.rs`).
#![no_std]
#![no_main]

mod conformance;
mod model;

extern crate alloc;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use wasi_hw_shim::app::wasmi::{Shim, Trap};
use wasi_hw_shim::hal::VirtualTime;
use wasi_hw_shim::run::{Ran, call_run};

use core::mem::MaybeUninit;

use wasi_hw_mps2::heap::Counting;
use wasi_hw_mps2::{semihosting, stack};

/// The heap: a 64 KiB page for each page of linear memory (twice while
/// wasmi grows it), the engine's own, and for a conformance case the test
/// guest's module as read (before the engine takes its copy). The apps'
/// peaks are reported, and far lower.
const HEAP_SIZE: usize = 1536 * 1024;

#[global_allocator]
static HEAP: Counting = Counting::new();

/// The guests, built by `cargo xtask firmware` as `wasm32v1-none` core
/// modules and packed into bundles signed with the firmware's key
/// (`wasi-hw pack`): the firmware runs a module only when its bundle's
/// signature matches [`KEY`].
const BLINKY: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/blinky.bundle"));
const BUTTON: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/button.bundle"));
const MISBEHAVE: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/misbehave.bundle"));
const WEATHER: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/weather.bundle"));
const EEPROM: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/eeprom.bundle"));
/// The SPI apps: flash on embedded-hal parts (the W25Q32JV's model behind
/// an `SpiDevice`) and on the demo board model, weather-spi on the model's
/// BME280.
const FLASH: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/flash.bundle"));
const WEATHER_SPI: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/weather-spi.bundle"));
/// The apps in C (guest-sdk/c/examples), the twins of the three above:
/// each must print what its Rust twin prints.
const BLINKY_C: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/blinky-c.bundle"));
const BUTTON_C: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/button-c.bundle"));
const EEPROM_C: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/eeprom-c.bundle"));
/// Blinky's bundle with one byte changed after it was signed: refused.
const TAMPERED: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/tampered.bundle"));

/// The public key the bundles must be signed with (`wasi-hw keygen`'s
/// `.pub`: 64 hex digits).
const KEY: &str = include_str!(concat!(env!("WASI_HW_GUESTS"), "/firmware.pub"));

/// [`KEY`]'s 32 bytes; none if the build embedded something else, and
/// then every bundle is refused as not signed with a key.
fn key() -> [u8; 32] {
    wasi_hw_bundle::key_from_hex(KEY).unwrap_or([0; 32])
}

/// The reference host's demo board: an LED, a button, a BME280 on
/// `sensor-bus` (and the sensor `ambient` over it), a 24C02 on
/// `storage-bus`, and on SPI a W25Q32JV NOR flash and a second BME280.
const DEMO_BOARD: &str = include_str!("../../../host-reference/boards/demo.toml");

/// The fuel an app gets: ample for the examples, and a bound on one that spins.
const FUEL: u64 = 20_000_000;

/// What an app is expected to do: return ok, be stopped, or not run at all
/// (its bundle refused).
#[derive(PartialEq)]
enum Expect {
    Ok,
    Stopped,
    Refused,
}

/// The apps, their arguments and what each should do.
const APPS: &[(&str, &[u8], &[&str], Expect)] = &[
    ("blinky", BLINKY, &["2"], Expect::Ok),
    ("button", BUTTON, &["4"], Expect::Ok),
    ("eeprom", EEPROM, &[], Expect::Ok),
    ("flash", FLASH, &[], Expect::Ok),
    ("blinky in C", BLINKY_C, &["2"], Expect::Ok),
    ("button in C", BUTTON_C, &["4"], Expect::Ok),
    ("eeprom in C", EEPROM_C, &[], Expect::Ok),
    ("misbehave", MISBEHAVE, &["trap"], Expect::Stopped),
    ("misbehave", MISBEHAVE, &["spin"], Expect::Stopped),
    ("tampered", TAMPERED, &["2"], Expect::Refused),
];

/// The apps on the demo board model, their arguments and what each should do.
const MODEL_APPS: &[(&str, &[u8], &[&str], Expect)] = &[
    ("weather", WEATHER, &["3", "10"], Expect::Ok),
    ("weather-spi", WEATHER_SPI, &["2", "10"], Expect::Ok),
    ("flash", FLASH, &[], Expect::Ok),
];

#[entry]
fn main() -> ! {
    // `#[entry]` makes this a `&'static mut`, borrowed once.
    static mut ARENA: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    HEAP.init(ARENA);
    stack::paint();
    // `firmware case NAME GUEST BOARD`: one conformance case. Otherwise the
    // example apps.
    let line = semihosting::command_line().unwrap_or_default();
    let args: alloc::vec::Vec<&str> = line.split_whitespace().collect();
    match args[..] {
        [_, "case", case, guest, board] => conformance::run(case, guest, board),
        // `firmware bench GUEST BOARD ARGS...`: a run counted in SysTick
        // ticks, for the cost of a call (QEMU with -icount).
        [_, "bench", guest, board, ref rest @ ..] => conformance::bench(guest, board, rest),
        _ => {}
    }
    let mut failed = 0;
    for (name, bundle, args, expect) in APPS {
        hprintln!("app {} {:?}", name, args);
        start_measuring();
        let bundle = match wasi_hw_bundle::open(bundle, &key()) {
            Ok(b) => b,
            Err(e) => {
                hprintln!("  bundle refused: {}", e);
                let ok = *expect == Expect::Refused;
                failed += usize::from(!ok);
                report(name, ok);
                continue;
            }
        };
        let stopped = match run(&bundle, args) {
            Ok(Ran::Ok) => false,
            Ok(Ran::Err) => true,
            Err(e) => {
                let why = e.downcast_ref::<Trap>().map(|t| t.0);
                match why {
                    Some(error) => hprintln!("  stopped by the shim: {:?}", error),
                    None => hprintln!("  stopped: {}", e),
                }
                true
            }
        };
        let ok = *expect != Expect::Refused && stopped == (*expect == Expect::Stopped);
        failed += usize::from(!ok);
        report(name, ok);
    }
    for (name, bundle, args, expect) in MODEL_APPS {
        hprintln!("app {} {:?} (on the demo board model)", name, args);
        start_measuring();
        let ok = match wasi_hw_bundle::open(bundle, &key())
            .map_err(|e| alloc::format!("bundle refused: {e}"))
            .and_then(|b| run_on_model(b.module, args))
        {
            Ok(model::Outcome::Ok) => *expect == Expect::Ok,
            Ok(model::Outcome::Err(m) | model::Outcome::Stopped(m)) => {
                hprintln!("  {}", m);
                *expect == Expect::Stopped
            }
            Err(e) => {
                hprintln!("  cannot run: {}", e);
                false
            }
        };
        failed += usize::from(!ok);
        report(name, ok);
    }
    hprintln!(
        "stack {} bytes; heap {} bytes, {} in use",
        stack::size(),
        HEAP.size(),
        HEAP.used()
    );
    debug::exit(if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

/// Resets the heap's peak and paints the stack, before an app.
fn start_measuring() {
    HEAP.reset_peak();
    stack::paint();
}

/// How an app ended, with the heap's and the stack's peaks since
/// `start_measuring`.
fn report(name: &str, ok: bool) {
    hprintln!(
        "{} {}: heap peak {} bytes, stack peak {} bytes",
        if ok { "PASS" } else { "FAIL" },
        name,
        HEAP.peak(),
        stack::peak()
    );
}

/// Runs one app on a fresh board, at time 0.
fn run(bundle: &wasi_hw_bundle::Bundle, args: &[&str]) -> Result<Ran, wasmi::Error> {
    let wasm = bundle.module;
    // The board's parts, and the demo board's SPI flash as an embedded-hal
    // `SpiDevice` (the board model's W25Q32JV behind it).
    let time = VirtualTime::new();
    let board = wasi_hw_mps2::board::parts(&time).spi(wasi_hw_mps2::board::flash(&time));

    let engine = wasmi::Engine::new(&model::config());
    // SAFETY: the bundle's signature is the firmware's key's, and `wasi-hw
    // pack` signs only a module it validated (WebAssembly 1.0 with the
    // extensions wasm32v1-none uses, all within `model::config`); validating
    // it again here would cost 15 KiB of stack and wasmi's validator.
    let module = unsafe { wasmi::Module::new_unchecked(&engine, wasm)? };
    #[cfg_attr(feature = "size-baseline", allow(unused_mut))]
    let mut linker = wasmi::Linker::new(&engine);
    // One trampoline for every import: the smallest flash. `typed-linker`
    // takes the typed functions instead, the fastest calls.
    #[cfg(not(any(feature = "size-baseline", feature = "typed-linker")))]
    wasi_hw_shim::app::wasmi::add_to_linker_dispatch_for(&mut linker, |shim| shim, &module)?;
    #[cfg(all(feature = "typed-linker", not(feature = "size-baseline")))]
    wasi_hw_shim::app::wasmi::add_to_linker(&mut linker, |shim| shim)?;
    #[cfg(all(feature = "typed-linker", not(feature = "size-baseline")))]
    wasi_hw_shim::app::wasmi::alias_versions(&mut linker, &module)?;
    let mut store = wasmi::Store::new(&engine, Shim::<_>::new(board));
    store.set_fuel(FUEL)?;
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let memory = instance
        .get_memory(&store, "memory")
        .map_or(0, |m| m.data(&store).len());
    hprintln!("  linear memory {} bytes", memory);
    // A fixed memory, declared in pages of one byte: wasmi gives exactly
    // what the bundle says the app needs.
    if bundle.fixed && bundle.form == wasi_hw_bundle::Form::CustomPages {
        if memory != bundle.memory as usize {
            return Err(wasmi::Error::new(
                "the memory differs from what its bundle records",
            ));
        }
        hprintln!("  memory fixed: exactly what its bundle records");
    }
    call_run(&mut store, &instance, args, |message| {
        hprintln!("  run returned err: {}", message)
    })
}

/// Runs one app on a fresh demo board model and prints what it logged.
fn run_on_model(wasm: &[u8], args: &[&str]) -> Result<model::Outcome, alloc::string::String> {
    let board = wasi_hw_board::board::file::parse_str("demo.toml", DEMO_BOARD)
        .map_err(|e| alloc::format!("{e}"))?;
    // SAFETY: as in `run`: a signed bundle's module was validated by `wasi-hw
    // pack`.
    let module = unsafe { model::compile_signed(wasm) }.map_err(|e| alloc::format!("{e}"))?;
    let ended = model::run(&module, board, args, FUEL).map_err(|e| alloc::format!("{e}"))?;
    hprintln!("  linear memory {} bytes", ended.memory);
    for line in &ended.host.log {
        hprintln!("  [{:>6} ms] {}", line.t / 1_000_000, line.message);
    }
    Ok(ended.outcome)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("firmware panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
