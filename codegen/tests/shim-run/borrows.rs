//! The `borrows` fixture's shim on wasmi, through both adapters: a call
//! that borrows two resources of one type gets the same handle twice, two
//! different ones, and a dropped or forged one. The firmware below gets
//! those borrows as `&` and tells one resource from two with
//! `core::ptr::eq`; a buffer changes through a `Cell`.
//!
//! Built and run by `codegen/tests/shim.rs` in a scratch crate, beside the
//! generated `src/host.rs`.

use core::cell::Cell;

use shim_run::host::things::Things;
use shim_run::host::wasmi::{Shim, Trap, add_to_linker, add_to_linker_dispatch};
use wasi_hw_shim_runtime::{Error, Handles};

struct Firmware;

impl Things for Firmware {
    type Unit = u32;
    type Buffer = Cell<u32>;
    fn unit_new(&mut self, value: u32) -> Result<u32, Error> {
        Ok(value)
    }
    fn unit_same_as(&mut self, unit: &u32, other: &u32) -> Result<bool, Error> {
        Ok(core::ptr::eq(unit, other))
    }
    fn unit_count_same(&mut self, unit: &u32, others: Handles<'_, u32>) -> Result<u32, Error> {
        Ok(others.iter().filter(|o| core::ptr::eq(unit, *o)).count() as u32)
    }
    fn unit_same_as_maybe(&mut self, unit: &u32, other: Option<&u32>) -> Result<bool, Error> {
        Ok(other.is_some_and(|o| core::ptr::eq(unit, o)))
    }
    fn buffer_new(&mut self, contents: u32) -> Result<Cell<u32>, Error> {
        Ok(Cell::new(contents))
    }
    fn buffer_contents(&mut self, buffer: &mut Cell<u32>) -> Result<u32, Error> {
        Ok(buffer.get())
    }
    fn buffer_copy_from(&mut self, buffer: &Cell<u32>, src: &Cell<u32>) -> Result<(), Error> {
        buffer.set(src.get());
        Ok(())
    }
    fn buffer_add(&mut self, buffer: &mut Cell<u32>, u: &mut u32) -> Result<u32, Error> {
        // Both `&mut`: one borrow of each type.
        let sum = buffer.get_mut().wrapping_add(*u);
        *buffer.get_mut() = sum;
        *u = u.wrapping_add(1);
        Ok(sum)
    }
    fn same_buffer(&mut self, a: &Cell<u32>, b: &Cell<u32>) -> Result<bool, Error> {
        Ok(core::ptr::eq(a, b))
    }
}

const IMPORT: &str = "fixture:borrows/things@0.1.0";

/// Each import, re-exported under a short name for the test to call.
fn guest_wat() -> String {
    let imports = [
        (
            "[constructor]unit",
            "unit-new",
            "(param i32) (result i32)",
            1,
        ),
        (
            "[method]unit.same-as",
            "same-as",
            "(param i32 i32) (result i32)",
            2,
        ),
        (
            "[method]unit.count-same",
            "count-same",
            "(param i32 i32 i32) (result i32)",
            3,
        ),
        (
            "[method]unit.same-as-maybe",
            "same-as-maybe",
            "(param i32 i32 i32) (result i32)",
            3,
        ),
        ("[resource-drop]unit", "unit-drop", "(param i32)", 1),
        (
            "[constructor]buffer",
            "buffer-new",
            "(param i32) (result i32)",
            1,
        ),
        (
            "[method]buffer.contents",
            "contents",
            "(param i32) (result i32)",
            1,
        ),
        (
            "[method]buffer.copy-from",
            "copy-from",
            "(param i32 i32)",
            2,
        ),
        (
            "[method]buffer.add",
            "add",
            "(param i32 i32) (result i32)",
            2,
        ),
        (
            "same-buffer",
            "same-buffer",
            "(param i32 i32) (result i32)",
            2,
        ),
        ("[resource-drop]buffer", "buffer-drop", "(param i32)", 1),
    ];
    let mut wat = String::from("(module\n");
    for (i, (name, _, ty, _)) in imports.iter().enumerate() {
        wat += &format!("  (import \"{IMPORT}\" \"{name}\" (func $f{i} {ty}))\n");
    }
    wat += "  (memory (export \"memory\") 1)\n";
    for (i, (_, export, ty, n)) in imports.iter().enumerate() {
        let args: String = (0..*n).map(|a| format!("local.get {a} ")).collect();
        wat += &format!("  (func (export \"{export}\") {ty} {args}call $f{i})\n");
    }
    wat + ")\n"
}

struct Guest {
    store: wasmi::Store<Shim<Firmware>>,
    instance: wasmi::Instance,
}

impl Guest {
    /// The guest, its imports defined by `add_to_linker` or, with
    /// `dispatch`, by `add_to_linker_dispatch`.
    fn new(dispatch: bool) -> Guest {
        let engine = wasmi::Engine::default();
        let wasm = wat::parse_str(guest_wat()).unwrap();
        let module = wasmi::Module::new(&engine, &wasm).unwrap();
        let mut linker = wasmi::Linker::<Shim<Firmware>>::new(&engine);
        if dispatch {
            add_to_linker_dispatch(&mut linker, |s| s).unwrap();
        } else {
            add_to_linker(&mut linker, |s| s).unwrap();
        }
        let mut store = wasmi::Store::new(&engine, Shim::new(Firmware));
        let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
        Guest { store, instance }
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

    /// Writes `handles` into guest memory at 64, for a list argument.
    fn list(&mut self, handles: &[i32]) -> (i32, i32) {
        let bytes: Vec<u8> = handles.iter().flat_map(|h| h.to_le_bytes()).collect();
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        memory.write(&mut self.store, 64, &bytes).unwrap();
        (64, handles.len() as i32)
    }
}

fn both_adapters(test: impl Fn(Guest)) {
    test(Guest::new(false));
    test(Guest::new(true));
}

#[test]
fn same_as_is_true_for_one_handle_twice_and_false_for_two() {
    both_adapters(|mut g| {
        let a: i32 = g.call("unit-new", 7).unwrap();
        let b: i32 = g.call("unit-new", 7).unwrap();
        // The first two of the units' table, tagged 1 (the world's first
        // resource type).
        assert_eq!((a as u32, b as u32), (0x0100_0001, 0x0100_0002));
        assert_eq!(g.call::<_, i32>("same-as", (a, a)), Ok(1));
        assert_eq!(g.call::<_, i32>("same-as", (b, b)), Ok(1));
        assert_eq!(
            g.call::<_, i32>("same-as", (a, b)),
            Ok(0),
            "equal values, two units"
        );
        assert_eq!(g.call::<_, i32>("same-as", (b, a)), Ok(0));
        assert_eq!(g.call::<_, i32>("same-as-maybe", (a, 1, a)), Ok(1));
        assert_eq!(g.call::<_, i32>("same-as-maybe", (a, 1, b)), Ok(0));
        assert_eq!(g.call::<_, i32>("same-as-maybe", (a, 0, 0)), Ok(0));
        let (ptr, len) = g.list(&[a, b, a, a]);
        assert_eq!(g.call::<_, i32>("count-same", (a, ptr, len)), Ok(3));
        assert_eq!(g.call::<_, i32>("count-same", (b, ptr, len)), Ok(1));
        assert_eq!(g.call::<_, i32>("count-same", (b, ptr, 0)), Ok(0));
    });
}

#[test]
fn copy_from_copies_between_two_buffers_and_from_itself() {
    both_adapters(|mut g| {
        let x: i32 = g.call("buffer-new", 10).unwrap();
        let y: i32 = g.call("buffer-new", 32).unwrap();
        assert_eq!(g.call::<_, i32>("same-buffer", (x, x)), Ok(1));
        assert_eq!(g.call::<_, i32>("same-buffer", (x, y)), Ok(0));
        g.call::<_, ()>("copy-from", (x, x)).unwrap();
        assert_eq!(
            g.call::<_, i32>("contents", x),
            Ok(10),
            "a copy from itself"
        );
        g.call::<_, ()>("copy-from", (x, y)).unwrap();
        assert_eq!(g.call::<_, i32>("contents", x), Ok(32));
        assert_eq!(
            g.call::<_, i32>("contents", y),
            Ok(32),
            "the source is unchanged"
        );
        g.call::<_, ()>("buffer-drop", y).unwrap();
        let z: i32 = g.call("buffer-new", 5).unwrap();
        g.call::<_, ()>("copy-from", (z, x)).unwrap();
        assert_eq!(g.call::<_, i32>("contents", z), Ok(32));
        // One borrow of each type: both `&mut`, both changed.
        let u: i32 = g.call("unit-new", 3).unwrap();
        assert_eq!(g.call::<_, i32>("add", (x, u)), Ok(35));
        assert_eq!(g.call::<_, i32>("add", (x, u)), Ok(39));
        assert_eq!(g.call::<_, i32>("contents", x), Ok(39));
    });
}

#[test]
fn a_dropped_or_forged_second_handle_traps_with_invalid_handle() {
    both_adapters(|mut g| {
        let a: i32 = g.call("unit-new", 1).unwrap();
        let b: i32 = g.call("unit-new", 2).unwrap();
        g.call::<_, ()>("unit-drop", b).unwrap();
        for bad in [b, 0, 17, -1] {
            assert_eq!(
                g.call::<_, i32>("same-as", (a, bad)),
                Err(Error::InvalidHandle),
                "{bad}"
            );
            assert_eq!(
                g.call::<_, i32>("same-as", (bad, a)),
                Err(Error::InvalidHandle),
                "{bad}"
            );
            assert_eq!(
                g.call::<_, i32>("same-as", (bad, bad)),
                Err(Error::InvalidHandle),
                "{bad}"
            );
            assert_eq!(
                g.call::<_, i32>("same-as-maybe", (a, 1, bad)),
                Err(Error::InvalidHandle),
                "{bad}"
            );
            let (ptr, len) = g.list(&[a, bad]);
            assert_eq!(
                g.call::<_, i32>("count-same", (a, ptr, len)),
                Err(Error::InvalidHandle),
                "{bad}"
            );
        }
        let x: i32 = g.call("buffer-new", 9).unwrap();
        let y: i32 = g.call("buffer-new", 8).unwrap();
        g.call::<_, ()>("buffer-drop", y).unwrap();
        assert_eq!(
            g.call::<_, ()>("copy-from", (x, y)),
            Err(Error::InvalidHandle)
        );
        assert_eq!(
            g.call::<_, ()>("copy-from", (y, x)),
            Err(Error::InvalidHandle)
        );
        assert_eq!(
            g.call::<_, i32>("same-buffer", (y, y)),
            Err(Error::InvalidHandle)
        );
        // Nothing changed, and the guest goes on after the traps.
        assert_eq!(g.call::<_, i32>("contents", x), Ok(9));
        assert_eq!(g.call::<_, i32>("same-as", (a, a)), Ok(1));
    });
}
