//! The tiny profile: a firmware for QEMU's MPS2-AN386 (Cortex-M4) that runs
//! wasi-hw apps in place, from flash, on wasefire-interpreter, through the
//! generated no_std shim of its world (`world::wasefire`: the `app` world
//! without `spi`, which its board lacks, over `wasi_hw_shim::app`'s traits
//! and glue) over a board of embedded-hal parts (`wasi_hw_shim::hal::Board`:
//! an LED, a button and a 24C02 EEPROM on virtual time).
//!
//! It runs an app only from a bundle signed with its key, laid out for the
//! interpreter (`wasi-hw-wasefire pack`: the module validated and its side
//! table computed on the build machine), so it checks the signature and
//! nothing else before it runs the module as it lies in flash. Each app
//! gets the linear memory its bundle records, from one buffer of
//! [`MEMORY_SIZE`] bytes. A trap or a refused bundle is reported and the
//! firmware goes on to the next app; the exit code is 0 when every app
//! ended as expected. All of it lives in 32 KiB of RAM (memory-tiny.x).
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(feature = "conformance")]
mod conformance;
// The shim of the firmware's world: `app` without `spi` (wit/world.wit).
#[allow(clippy::all)]
#[rustfmt::skip]
mod world;

use core::mem::MaybeUninit;

use core::fmt;
use cortex_m_rt::entry;

use wasefire_interpreter::{Module, Store};
use wasi_hw_bundle::{Bundle, Form};
use wasi_hw_mps2::heap::Counting;
use wasi_hw_mps2::say::{self, Part};
use wasi_hw_mps2::{semihosting, stack};
use wasi_hw_shim::Ran;
use wasi_hw_shim::hal::VirtualTime;
use wasi_hw_shim::wasefire::Stop;

/// The apps, packed by `cargo xtask firmware` with `wasi-hw-wasefire pack`
/// and signed with the firmware's key.
static BLINKY: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/blinky.wasefire.bundle"));
static BUTTON: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/button.wasefire.bundle"));
static EEPROM: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/eeprom.wasefire.bundle"));
/// The apps in C (guest-sdk/c/examples), the twins of the three above.
static BLINKY_C: &[u8] =
    include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/blinky-c.wasefire.bundle"));
static BUTTON_C: &[u8] =
    include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/button-c.wasefire.bundle"));
static EEPROM_C: &[u8] =
    include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/eeprom-c.wasefire.bundle"));
/// Bundles signed with the firmware's key that it must refuse, each for
/// its own reason: weather uses floating point, and `blinky.bundle` is laid
/// out for wasmi (form `custom-pages`).
static WEATHER: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/weather.wasefire.bundle"));
static FOR_WASMI: &[u8] = include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/blinky.bundle"));
/// Blinky's bundle with one byte changed after it was signed: refused.
static TAMPERED: &[u8] =
    include_bytes!(concat!(env!("WASI_HW_GUESTS"), "/tampered.wasefire.bundle"));

/// The public key the bundles must be signed with (`wasi-hw keygen`'s
/// `.pub`: 64 hex digits).
const KEY: &str = include_str!(concat!(env!("WASI_HW_GUESTS"), "/firmware.pub"));

/// The heap: the interpreter's store (its instance, the call stack and
/// values of the running code), the board's parts (the EEPROM's model
/// holds its 256 bytes), the app's arguments.
#[cfg(not(feature = "conformance"))]
const HEAP_SIZE: usize = 8 * 1024;
/// With the conformance cases: also the test guest as read, validated and
/// with its side table, its linear memory (up to 1 MiB) and the board
/// model (memory-conformance.x gives this build 4 MiB of RAM).
#[cfg(feature = "conformance")]
const HEAP_SIZE: usize = 3 * 1024 * 1024;

/// The most linear memory an app may have: a bundle that needs more is
/// refused. Blinky needs about 5.4 KiB, eeprom about 7 KiB.
const MEMORY_SIZE: usize = 8 * 1024;

/// The RAM memory.x gives the firmware.
#[cfg(not(feature = "conformance"))]
const RAM: usize = 32 * 1024;
#[cfg(feature = "conformance")]
const RAM: usize = 4 * 1024 * 1024;

/// The capacity of each of the shim's handle tables.
const HANDLES: usize = 4;

#[global_allocator]
static HEAP: Counting = Counting::new();

/// The interrupt vectors after the exceptions': the firmware enables no
/// interrupt (it prints through semihosting and counts time with SysTick,
/// an exception), so it gives one, the fewest cortex-m-rt accepts, instead
/// of the Cortex-M4's 240 (960 bytes of flash). A firmware that enables an
/// interrupt lists the device's vectors here, up to that one.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [default_interrupt];

/// An interrupt nobody enabled: the firmware stops.
unsafe extern "C" fn default_interrupt() {
    say::line(&["firmware: an unexpected interrupt".into()]);
    semihosting::exit(1)
}

/// The apps' linear memory, aligned as the interpreter requires.
#[repr(C, align(16))]
struct LinearMemory([u8; MEMORY_SIZE]);

/// What an app is expected to do.
#[derive(PartialEq)]
enum Expect {
    /// Return ok.
    Ok,
    /// Not run at all: its bundle refused.
    Refused,
}

/// The apps, their arguments and what each should do.
const APPS: &[(&str, &[u8], &[&str], Expect)] = &[
    ("blinky", BLINKY, &["2"], Expect::Ok),
    ("button", BUTTON, &["4"], Expect::Ok),
    ("eeprom", EEPROM, &[], Expect::Ok),
    ("blinky in C", BLINKY_C, &["2"], Expect::Ok),
    ("button in C", BUTTON_C, &["4"], Expect::Ok),
    ("eeprom in C", EEPROM_C, &[], Expect::Ok),
    ("tampered", TAMPERED, &["2"], Expect::Refused),
    ("weather", WEATHER, &[], Expect::Refused),
    ("blinky for wasmi", FOR_WASMI, &["2"], Expect::Refused),
];

/// [`KEY`]'s 32 bytes; none if the build embedded something else, and
/// then every bundle is refused as not signed with a key.
fn key() -> [u8; 32] {
    wasi_hw_bundle::key_from_hex(KEY).unwrap_or([0; 32])
}

#[entry]
fn main() -> ! {
    // `#[entry]` makes these `&'static mut`, borrowed once.
    static mut ARENA: [MaybeUninit<u8>; HEAP_SIZE] = [MaybeUninit::uninit(); HEAP_SIZE];
    static mut MEMORY: LinearMemory = LinearMemory([0; MEMORY_SIZE]);
    HEAP.init(ARENA);
    // `firmware case NAME GUEST BOARD [MAX_MEMORY]`: one conformance case
    // (a build with the `conformance` feature). Otherwise the apps.
    #[cfg(feature = "conformance")]
    {
        let line = semihosting::command_line().unwrap_or_default();
        let args: alloc::vec::Vec<&str> = line.split_whitespace().collect();
        match args[..] {
            [_, "case", case, guest, board] => conformance::run(case, guest, board, None),
            [_, "case", case, guest, board, max] => conformance::run(case, guest, board, Some(max)),
            // `firmware bench GUEST BOARD ARGS...`: a run counted in SysTick
            // ticks, for the cost of a call (QEMU with -icount).
            [_, "bench", guest, board, ref rest @ ..] => conformance::bench(guest, board, rest),
            _ => {}
        }
    }
    let mut failed = 0;
    for (name, bundle, args, expect) in APPS {
        say::line(&[
            "app ".into(),
            (*name).into(),
            " ".into(),
            Part::Shown(&Args(args)),
        ]);
        HEAP.reset_peak();
        stack::paint();
        let ok = match wasi_hw_bundle::open(bundle, &key()) {
            Err(e) => {
                say::line(&["  bundle refused: ".into(), Part::Shown(&e)]);
                *expect == Expect::Refused
            }
            Ok(bundle) => match run(&bundle, args, &mut MEMORY.0) {
                Ok(Ran::Ok) => *expect == Expect::Ok,
                Ok(Ran::Err) => false,
                Err(Why::Bundle(why)) => {
                    say::line(&["  bundle refused: ".into(), why.into()]);
                    *expect == Expect::Refused
                }
                Err(Why::Engine(e)) => {
                    let e = Stop::Engine(e);
                    say::line(&[
                        "  stopped: the interpreter refused it: ".into(),
                        Part::Shown(&e),
                    ]);
                    false
                }
                Err(Why::Stopped(stop)) => {
                    say::line(&["  stopped: the app trapped: ".into(), Part::Shown(&stop)]);
                    false
                }
            },
        };
        failed += usize::from(!ok);
        say::line(&[
            if ok { "PASS " } else { "FAIL " }.into(),
            (*name).into(),
            ": heap peak ".into(),
            HEAP.peak().into(),
            " bytes, stack peak ".into(),
            stack::peak().into(),
            " bytes".into(),
        ]);
    }
    say::line(&[
        "RAM ".into(),
        RAM.into(),
        " bytes: stack ".into(),
        stack::size().into(),
        " bytes, heap ".into(),
        HEAP.size().into(),
        " bytes, linear memory ".into(),
        MEMORY_SIZE.into(),
        " bytes".into(),
    ]);
    semihosting::exit(u32::from(failed != 0))
}

/// Why an app did not run to its end.
enum Why {
    /// Its bundle is not one this firmware runs.
    Bundle(&'static str),
    /// The interpreter refused to link or instantiate it.
    Engine(wasefire_interpreter::Error),
    /// It trapped, or the shim stopped it.
    Stopped(Stop),
}

/// Runs the app of `bundle` on a fresh board, at time 0, in `memory`.
fn run(bundle: &Bundle<'static>, args: &[&str], memory: &mut [u8]) -> Result<Ran, Why> {
    if bundle.form != Form::Wasefire {
        return Err(Why::Bundle(
            "its module is not laid out for this engine (pack it with `wasi-hw-wasefire pack`)",
        ));
    }
    if bundle.floats {
        return Err(Why::Bundle(
            "it uses floating point, and this firmware's interpreter was built without it",
        ));
    }
    if !bundle.fixed {
        return Err(Why::Bundle(
            "its memory may grow, and this firmware runs only apps of fixed memory (the guest SDK's `fixed_heap!`)",
        ));
    }
    let Some(memory) = memory.get_mut(..bundle.memory as usize) else {
        return Err(Why::Bundle(
            "it needs more linear memory than this firmware has",
        ));
    };
    say::line(&[
        "  linear memory ".into(),
        memory.len().into(),
        " bytes".into(),
    ]);
    // SAFETY: the bundle's signature is the firmware's key's, and
    // `wasi-hw-wasefire pack` signs only a module that wasefire-interpreter
    // validated and whose side table it computed: what `new_unchecked`
    // requires. The module runs where it lies, in flash.
    let module = unsafe { Module::new_unchecked(bundle.module) };
    let mut store = Store::default();
    // Every import of the world, by exact name: `wasi-hw-wasefire pack`
    // named each of the app's imports by this version of its interface (an
    // app built against a compatible earlier one included). `link_for`,
    // which reads the names from the module, costs more flash than the
    // budget has.
    let linked = world::wasefire::link(&mut store).map_err(Why::Engine)?;
    let inst = store.instantiate(module, memory).map_err(Why::Engine)?;

    let mut board = wasi_hw_mps2::board::parts(&VirtualTime::new());
    let mut tables =
        world::Tables::<_, HANDLES, HANDLES, HANDLES, HANDLES, HANDLES, HANDLES, HANDLES>::new();
    wasi_hw_shim::wasefire::call_run(
        &mut store,
        inst,
        args,
        |message| say::line(&["  run returned err: ".into(), message.into()]),
        |store| world::wasefire::serve(store, &linked, &mut board, &mut tables),
    )
    .map_err(Why::Stopped)
}

/// The app's arguments as a list of quoted strings: `["2"]`.
struct Args<'a>(&'a [&'a str]);

impl fmt::Display for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, arg) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { "\"" } else { ", \"" })?;
            f.write_str(arg)?;
            f.write_str("\"")?;
        }
        f.write_str("]")
    }
}

/// The measured build says only that it panicked: the message and its
/// place would bring in `core::fmt`'s formatting and every panic's file
/// name (and `-Zlocation-detail=none` drops those anyway, .cargo/config.toml).
#[cfg(not(feature = "conformance"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    say::line(&["firmware panic".into()]);
    semihosting::exit(1)
}

#[cfg(feature = "conformance")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::hprintln!("firmware panic: {}", info);
    semihosting::exit(1)
}
