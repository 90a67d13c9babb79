//! The vendor fixture's shim (`acme:board`, world `acme-app`), generated
//! with `--with wasi-hw:hal=wasi_hw_shim::app`, on wasmi through both
//! adapters: the firmware is `wasi_hw_shim::hal::Board`, which has every
//! `wasi-hw:hal` trait already, plus the vendor's one trait implemented
//! here. A guest opens a pin through `gpio` (wasi-hw-shim's glue, its
//! table inside the vendor's `Tables`), lends it to `display`
//! (the vendor's glue, looking the pin up in that table) and shows a text;
//! `wasi_hw_shim::run::call_run` runs it as is.
//!
//! Built and run by `codegen/tests/shim.rs` in a scratch crate, beside the
//! generated `src/acme.rs` and `src/firmware.rs` (`vendor_firmware.rs`:
//! `Display` for `Board`, in the crate that includes the shim).

use std::cell::RefCell;
use std::rc::Rc;

use shim_vendor::acme::gpio::Capabilities as Caps;
use shim_vendor::acme::log::Level;
use shim_vendor::acme::wasmi::{Shim, Trap, add_to_linker, add_to_linker_dispatch, alias_versions};
use wasi_hw_shim::hal::{Board, Fault, Line, Pin, VirtualTime};
use wasi_hw_shim::run::{Ran, call_run};
use wasi_hw_shim::runtime::Error;

type Firmware = Board<'static, VirtualTime, VirtualTime>;

/// An output line that records every level it is driven to.
struct Recorded(Rc<RefCell<Vec<bool>>>);

impl Line for Recorded {
    fn is_high(&mut self) -> Result<bool, Fault> {
        Ok(self.0.borrow().last().copied().unwrap_or(false))
    }
    fn set(&mut self, high: bool) -> Result<(), Fault> {
        self.0.borrow_mut().push(high);
        Ok(())
    }
    fn is_set_high(&mut self) -> Result<bool, Fault> {
        self.is_high()
    }
}

const GUEST: &str = r#"
(module
  (import "wasi-hw:hal/gpio@0.1.0" "open" (func $open (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[resource-drop]pin" (func $pin_drop (param i32)))
  (import "wasi-hw:hal/gpio@0.1.0" "[method]pin.name" (func $pin_name (param i32 i32)))
  (import "acme:board/display@1.0.0" "show" (func $show (param i32 i32 i32 i32)))
  (import "acme:board/display@1.0.0" "attach-backlight" (func $attach (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "backlight")
  (data (i32.const 32) "hello")
  (data (i32.const 48) "no backlight")
  ;; open("backlight", push-pull output, no pull, active high, initially
  ;; low), its result at 64: the handle, or -1 for an error.
  (func $open_backlight (result i32)
    (call $open (i32.const 16) (i32.const 9) (i32.const 1) (i32.const 0)
                (i32.const 0) (i32.const 0) (i32.const 64))
    (if (result i32) (i32.load8_u (i32.const 64))
      (then (i32.const -1))
      (else (i32.load (i32.const 68)))))
  (func (export "open-backlight") (result i32) call $open_backlight)
  ;; The `result<_, error-code>` of these as case + 256 * error.
  (func (export "attach") (param i32) (result i32)
    (call $attach (local.get 0) (i32.const 80))
    (i32.load16_u (i32.const 80)))
  (func (export "show") (param i32 i32 i32) (result i32)
    (call $show (local.get 0) (local.get 1) (local.get 2) (i32.const 96))
    (i32.load16_u (i32.const 96)))
  (func (export "drop-pin") (param i32) (call $pin_drop (local.get 0)))
  ;; Counts to its argument: a guest of millions of instructions.
  (func (export "spin") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  ;; pin.name, whose string the shim copies in through `cabi_realloc`:
  ;; its pointer and length at 128.
  (func (export "pin-name") (param i32)
    (call $pin_name (local.get 0) (i32.const 128)))
  ;; A bump allocator from 1024.
  (global $next (mut i32) (i32.const 1024))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $at i32)
    (local.set $at
      (i32.and
        (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (global.set $next (i32.add (local.get $at) (local.get 3)))
    (local.get $at))
  ;; The app: backlight on, "hello" on row 0; `err("no backlight")`
  ;; without the pin.
  (func (export "run") (param i32 i32) (result i32)
    (local $pin i32)
    (local.set $pin (call $open_backlight))
    (if (i32.eq (local.get $pin) (i32.const -1))
      (then
        (i32.store8 (i32.const 112) (i32.const 1))
        (i32.store (i32.const 116) (i32.const 48))
        (i32.store (i32.const 120) (i32.const 12))
        (return (i32.const 112))))
    (call $attach (local.get $pin) (i32.const 80))
    (call $show (i32.const 0) (i32.const 32) (i32.const 5) (i32.const 96))
    (call $pin_drop (local.get $pin))
    (i32.store8 (i32.const 112) (i32.const 0))
    (i32.const 112))
)
"#;

struct Guest {
    store: wasmi::Store<Shim<Firmware>>,
    instance: wasmi::Instance,
    /// What the backlight line was driven to.
    levels: Rc<RefCell<Vec<bool>>>,
    /// What the board logged.
    log: Rc<RefCell<Vec<(Level, String)>>>,
}

impl Guest {
    /// The guest on a board with a `backlight` pin (or none), its imports
    /// defined by `add_to_linker` or, with `dispatch`, by
    /// `add_to_linker_dispatch`: one registration for every import, the
    /// `wasi-hw:hal` ones and the vendor's.
    fn new(dispatch: bool, with_pin: bool) -> Guest {
        let levels = Rc::new(RefCell::new(Vec::new()));
        let log = Rc::new(RefCell::new(Vec::new()));
        let time = VirtualTime::new();
        let sink = log.clone();
        let mut board = Board::new(time.clone(), time)
            .log_to(Level::Debug, move |level, message: &str| {
                sink.borrow_mut().push((level, message.to_string()))
            });
        if with_pin {
            board = board.pin(Pin::new(
                "backlight",
                Caps::PUSH_PULL_OUTPUT,
                Recorded(levels.clone()),
            ));
        }
        let engine = wasmi::Engine::default();
        let wasm = wat::parse_str(GUEST).unwrap();
        let module = wasmi::Module::new(&engine, &wasm).unwrap();
        let mut linker = wasmi::Linker::<Shim<Firmware>>::new(&engine);
        if dispatch {
            add_to_linker_dispatch(&mut linker, |s| s).unwrap();
        } else {
            add_to_linker(&mut linker, |s| s).unwrap();
        }
        // The guest imports `wasi-hw:hal/gpio@0.1.0`, the shim is of 0.1.1:
        // served under the guest's names.
        alias_versions(&mut linker, &module).unwrap();
        let mut store = wasmi::Store::new(&engine, Shim::new(board));
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        Guest {
            store,
            instance,
            levels,
            log,
        }
    }

    /// Calls the export `name`; a trap must be the shim's.
    fn call<P: wasmi::WasmParams, R: wasmi::WasmResults>(
        &mut self,
        name: &str,
        args: P,
    ) -> Result<R, Error> {
        let f = self
            .instance
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap();
        f.call(&mut self.store, args).map_err(|e| {
            e.downcast_ref::<Trap>()
                .unwrap_or_else(|| panic!("`{name}` trapped, not in the shim: {e}"))
                .0
        })
    }
}

impl Guest {
    /// The string whose pointer and length are at `at` in guest memory.
    fn string_at(&self, at: usize) -> String {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        let data = memory.data(&self.store);
        let word = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().unwrap()) as usize;
        let (ptr, len) = (word(at), word(at + 4));
        String::from_utf8(data[ptr..ptr + len].to_vec()).unwrap()
    }
}

fn both_adapters(test: impl Fn(bool)) {
    test(false);
    test(true);
}

#[test]
fn the_app_lends_a_hal_pin_to_the_vendor_display_and_runs_with_call_run() {
    both_adapters(|dispatch| {
        let mut g = Guest::new(dispatch, true);
        let mut message = None;
        let ran = call_run(&mut g.store, &g.instance, &[], |m| {
            message = Some(m.to_string())
        });
        assert_eq!(ran.unwrap(), Ran::Ok);
        assert_eq!(message, None);
        // Opened low (its initial level), then high by the display.
        assert_eq!(*g.levels.borrow(), [false, true]);
        assert_eq!(
            *g.log.borrow(),
            [(Level::Info, "display 0: hello".to_string())]
        );

        let mut g = Guest::new(dispatch, false);
        let mut message = None;
        let ran = call_run(&mut g.store, &g.instance, &[], |m| {
            message = Some(m.to_string())
        });
        assert_eq!(ran.unwrap(), Ran::Err);
        assert_eq!(message.as_deref(), Some("no backlight"));
        assert!(g.log.borrow().is_empty());
    });
}

#[test]
fn each_import_gives_its_exact_result_and_a_bad_handle_traps() {
    both_adapters(|dispatch| {
        let mut g = Guest::new(dispatch, true);
        let pin: i32 = g.call("open-backlight", ()).unwrap();
        // The first of the pins' table, tagged 4 as in wasi-hw-shim (hal's
        // fourth resource type): the same handle whichever shim's glue
        // made it.
        assert_eq!(pin as u32, 0x0400_0001);
        assert_eq!(g.call::<_, i32>("attach", pin), Ok(0), "ok");
        // A hal import whose result goes through the guest's
        // `cabi_realloc`: the typed adapter's guest, seen through the
        // vendor's tables' `hal` field.
        g.call::<_, ()>("pin-name", pin).unwrap();
        assert_eq!(g.string_at(128), "backlight");
        assert_eq!(g.call::<_, i32>("show", (1, 32, 5)), Ok(0), "ok");
        assert_eq!(
            g.call::<_, i32>("show", (2, 32, 5)),
            Ok(1),
            "err(device): case 1, error 0"
        );
        assert_eq!(
            g.call::<_, i32>("show", (0, 65534, 5)),
            Err(Error::OutOfBounds)
        );
        assert_eq!(
            *g.log.borrow(),
            [(Level::Info, "display 1: hello".to_string())]
        );
        // The pin is in wasi-hw-shim's table, inside the vendor's: a
        // second open is handle 2, and once dropped the display cannot
        // borrow it.
        assert_eq!(g.call::<_, i32>("open-backlight", ()), Ok(-1), "open once");
        g.call::<_, ()>("drop-pin", pin).unwrap();
        for bad in [pin, 0, 9, -1] {
            assert_eq!(
                g.call::<_, i32>("attach", bad),
                Err(Error::InvalidHandle),
                "{bad}"
            );
        }
        assert_eq!(g.call::<_, ()>("drop-pin", pin), Err(Error::InvalidHandle));
        assert_eq!(g.call::<_, i32>("open-backlight", ()), Ok(pin), "reopened");
    });
}

/// In this crate's dev profile (no settings for wasmi, as in a firmware
/// team's own crate), a guest loop of 2 million iterations (about 8 million
/// instructions) runs to its end: unoptimised, wasmi's tail-call dispatch
/// made a native call per instruction and overflowed the test thread's
/// stack, aborting the process; wasi-hw-shim turns on its auto-dispatch.
#[test]
fn a_long_guest_loop_runs_in_an_unoptimised_build() {
    both_adapters(|dispatch| {
        let mut g = Guest::new(dispatch, true);
        assert_eq!(g.call::<_, i32>("spin", 2_000_000), Ok(2_000_000));
    });
}
