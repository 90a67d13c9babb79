//! A module's memory bounded by what the embedder gives it: what the
//! in-place engine needs (`wasi_hw_shim::wasefire::bounded`, which the tiny
//! firmware's conformance build uses too; its tests are here, where std
//! and wasm-encoder are at hand).
//!
//! wasefire-interpreter runs a module in memory its embedder gives, and its
//! `memory.grow` succeeds up to the module's declared maximum whether or not
//! the embedder gave that much (an access past what it gave then traps).
//! So the module's maximum is rewritten to the pages given: `memory.grow`
//! past them fails, as the app expects of a full memory.
//!
//! One difference remains, and the adapter documents it: the shim's glue
//! sees all the memory given, so a pointer into pages the app has not
//! grown yet is accepted where wasmi would trap. An app of the tiny
//! profile, whose memory is fixed (its minimum is its maximum), does not
//! see it.

use anyhow::{Result, anyhow};

/// The bytes of a WebAssembly page.
pub const PAGE: u64 = 65536;

/// `module` with its one memory bounded at `pages` pages (or its own
/// maximum, if lower; with `None`, at what it starts with: a fixed
/// memory), and that bound; custom sections dropped. A module that starts
/// with more memory than that, a module with no memory, with more than
/// one, with a 64-bit or shared memory, or with a start function (the
/// interpreter cannot serve a host call made from one), is refused with the
/// reason.
pub fn bounded(module: &[u8], pages: Option<u64>) -> Result<(Vec<u8>, u64)> {
    let pages = pages.map(|p| u32::try_from(p).unwrap_or(u32::MAX));
    let (module, pages) =
        wasi_hw_shim::wasefire::bounded(module, pages).map_err(|e| anyhow!("{e}"))?;
    Ok((module, u64::from(pages)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{MemorySection, MemoryType};
    use wasmparser::{Parser, Payload};

    fn memory_of(module: &[u8]) -> (u64, Option<u64>) {
        for payload in Parser::new(0).parse_all(module) {
            if let Payload::MemorySection(r) = payload.unwrap() {
                let m = r.into_iter().next().unwrap().unwrap();
                return (m.initial, m.maximum);
            }
        }
        panic!("no memory")
    }

    /// A module with one memory of `min` pages, at most `max`.
    fn module(min: u64, max: Option<u64>) -> Vec<u8> {
        let mut m = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: min,
            maximum: max,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&memories);
        m.finish()
    }

    #[test]
    fn the_memory_is_bounded_at_the_pages_given_or_the_modules_own_maximum() {
        let (module_out, pages) = bounded(&module(2, None), Some(16)).unwrap();
        assert_eq!((pages, memory_of(&module_out)), (16, (2, Some(16))));
        wasmparser::validate(&module_out).unwrap();
        let (module_out, pages) = bounded(&module(2, Some(3)), Some(16)).unwrap();
        assert_eq!((pages, memory_of(&module_out)), (3, (2, Some(3))));
        let (module_out, pages) = bounded(&module(2, None), None).unwrap();
        assert_eq!((pages, memory_of(&module_out)), (2, (2, Some(2))));
    }

    #[test]
    fn a_module_that_starts_with_more_than_is_given_is_refused() {
        let e = bounded(&module(17, None), Some(16))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "its memory starts at 17 pages (1088 KiB), more than the 16 given"
        );
    }

    #[test]
    fn a_start_function_or_a_second_memory_is_refused() {
        let mut m = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut funcs = wasm_encoder::FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&memories);
        m.section(&wasm_encoder::StartSection { function_index: 0 });
        let e = bounded(&m.finish(), None).unwrap_err().to_string();
        assert!(e.starts_with("has a start function"), "{e}");
        let mut two = module(1, None);
        let memory_section = two.iter().rposition(|&b| b == 5).unwrap();
        two[memory_section + 2] = 2;
        let e = bounded(&two, None).unwrap_err().to_string();
        assert!(
            e.starts_with("has no memory of its own or more than one"),
            "{e}"
        );
    }

    #[test]
    fn a_cut_module_is_refused() {
        let whole = module(1, Some(2));
        let e = bounded(&whole[..whole.len() - 1], None)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "not a WebAssembly module");
    }

    #[test]
    fn a_module_without_memory_or_not_a_module_is_refused() {
        let mut m = wasm_encoder::Module::new();
        m.section(&wasm_encoder::TypeSection::new());
        let e = bounded(&m.finish(), None).unwrap_err().to_string();
        assert!(e.starts_with("has no memory of its own"), "{e}");
        let e = bounded(b"\0asm\x0d\0\x01\0", None).unwrap_err().to_string();
        assert!(e.starts_with("a component"), "{e}");
        let e = bounded(b"nope", None).unwrap_err().to_string();
        assert_eq!(e, "not a WebAssembly module");
    }
}
