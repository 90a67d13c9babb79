//! The generator's output for its `borrows` fixture (borrows of two
//! resources of one type in one call, `codegen/tests/fixtures/borrows`),
//! compiled here with every adapter (the `wasmi` and `wasmtime` features
//! are on in this crate's tests). `cargo xtask codegen` writes it and a test
//! fails when it is stale. That the adapters compile and link, not just
//! parse, is what this shows; `codegen/tests/shim.rs` runs the fixture on
//! wasmi, and the `app` world runs on both engines in host-reference's
//! tests.

#[rustfmt::skip]
#[path = "adapters/borrows.rs"]
#[allow(missing_docs)]
mod borrows;

/// The wasmtime adapter of each fixture registers every import with a
/// linker, over a host that implements the fixture's traits.
#[test]
fn every_import_of_each_fixture_is_added_to_a_wasmtime_linker() {
    use core::cell::Cell;
    use wasi_hw_shim::runtime::{Error, Handles};

    struct Units;
    impl borrows::things::Things for Units {
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
        fn buffer_new(&mut self, contents: u32) -> Result<Self::Buffer, Error> {
            Ok(Cell::new(contents))
        }
        fn buffer_contents(&mut self, buffer: &mut Self::Buffer) -> Result<u32, Error> {
            Ok(buffer.get())
        }
        fn buffer_copy_from(
            &mut self,
            buffer: &Self::Buffer,
            src: &Self::Buffer,
        ) -> Result<(), Error> {
            buffer.set(src.get());
            Ok(())
        }
        fn buffer_add(&mut self, buffer: &mut Self::Buffer, u: &mut u32) -> Result<u32, Error> {
            buffer.set(buffer.get().wrapping_add(*u));
            Ok(buffer.get())
        }
        fn same_buffer(&mut self, a: &Self::Buffer, b: &Self::Buffer) -> Result<bool, Error> {
            Ok(core::ptr::eq(a, b))
        }
    }

    struct Data {
        host: Units,
        resources: borrows::wasmtime::Resources<Units>,
    }
    let engine = wasmtime::Engine::default();
    let mut linker = wasmtime::component::Linker::<Data>::new(&engine);
    borrows::wasmtime::add_to_linker(&mut linker, |d: &mut Data| borrows::wasmtime::View {
        host: &mut d.host,
        resources: &mut d.resources,
    })
    .unwrap();
    let _ = Data {
        host: Units,
        resources: borrows::wasmtime::Resources::new(),
    };
}
