//! A module's memory bounded by what the embedder gives it: what the
//! in-place engine needs.
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

use anyhow::{Context, Result, bail};
use wasm_encoder::{MemorySection, MemoryType, RawSection};
use wasmparser::{Parser, Payload};

/// The bytes of a WebAssembly page.
pub const PAGE: u64 = 65536;

/// `module` with its one memory bounded at `pages` pages (or its own
/// maximum, if lower; with `None`, at what it starts with: a fixed
/// memory), and that bound. A module that starts with more memory than
/// that, a module with no
/// memory, with more than one, with a 64-bit or shared memory, or with a
/// start function (the interpreter cannot serve a host call made from
/// one), is refused with the reason.
pub fn bounded(module: &[u8], pages: Option<u64>) -> Result<(Vec<u8>, u64)> {
    let mut out = wasm_encoder::Module::new();
    let mut found = None;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.context("not a WebAssembly module")?;
        match &payload {
            Payload::Version {
                encoding: wasmparser::Encoding::Component,
                ..
            } => bail!("a component, not a core module: give the app built for wasm32v1-none"),
            Payload::Version { .. } | Payload::End(_) => continue,
            Payload::StartSection { .. } => {
                bail!(
                    "has a start function, which wasi-hw apps do not have (a call to the host from it cannot be served)"
                )
            }
            Payload::MemorySection(reader) => {
                let memories: Vec<_> = reader
                    .clone()
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .context("its memory section")?;
                let [memory] = memories[..] else {
                    bail!("has {} memories; an app has one", memories.len())
                };
                if memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
                    bail!(
                        "its memory is 64-bit, shared or of custom pages: an app's is none of these"
                    )
                }
                let pages = pages.unwrap_or(memory.initial);
                if memory.initial > pages {
                    bail!(
                        "its memory starts at {} pages ({} KiB), more than the {pages} given",
                        memory.initial,
                        memory.initial * PAGE / 1024
                    )
                }
                let pages = memory.maximum.map_or(pages, |max| max.min(pages));
                let mut section = MemorySection::new();
                section.memory(MemoryType {
                    minimum: memory.initial,
                    maximum: Some(pages),
                    memory64: false,
                    shared: false,
                    page_size_log2: None,
                });
                out.section(&section);
                found = Some(pages);
                continue;
            }
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| module.get(start..end))
                .context("a section past the end of the module")?;
            out.section(&RawSection { id, data });
        }
    }
    let pages = found.context("has no memory of its own; an app exports one named `memory`")?;
    Ok((out.finish(), pages))
}

#[cfg(test)]
mod tests {
    use super::*;

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
