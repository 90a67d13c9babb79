//! `wasi-hw pack`: an app's core module checked and made ready for a
//! signed bundle (`sign`), so that a device checks only the
//! signature. The build machine's side: with `std`.
//!
//! The checks are those a host would otherwise make on the device: the
//! module is valid WebAssembly 1.0 with the extensions guest SDK builds
//! use; it imports only functions of its world, each with the world's core
//! signature; it exports `run`, `memory` and `cabi_realloc` with theirs.
//! Custom sections (names, producers, the world's description) are
//! dropped: a device does not need them.
//!
//! An app whose memory is fixed (it cannot grow it, its code never asks
//! its size, and it exports `__heap_base`: a guest SDK build with
//! `fixed_heap!` and `--no-growable-memory`) needs exactly the bytes below
//! `__heap_base`. Such an app can be laid out for an engine that then gives
//! it that and no more (`Form`): `custom_pages` for wasmi, `one_page`
//! before wasefire-interpreter's side table.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use anyhow::{Context, Result, bail};

use crate::{Bundle, Form};
use wasi_hw_shim::app::{IMPORTS, ValType};
use wasi_hw_shim::runtime::version::compatible;
use wasmparser::{Parser, Payload, TypeRef, ValType as WasmType, Validator, WasmFeatures};

/// What `pack` found in a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The smallest world of the spec that has every import: `app-small`
    /// when it uses only poll, timer, log and gpio, else `app`.
    pub world: &'static str,
    /// The bytes of linear memory it starts with: its initial pages.
    pub memory: u32,
    /// When its memory is fixed, the bytes it needs: `__heap_base`. When
    /// not, why not.
    pub fixed: Result<u32, &'static str>,
    /// Where its stack ends (the initial `__stack_pointer`), if it has one:
    /// the stack is below, data and heap above (LLVM's layout).
    pub stack: Option<u32>,
    /// The end of its data segments.
    pub data_end: u32,
    /// Whether its code can grow memory (`memory.grow`).
    pub grows: bool,
    /// Whether its code asks the size of its memory (`memory.size`).
    pub sizes: bool,
    /// Whether it uses floating point: an `f32` or `f64` in a type, a
    /// local, a global or an instruction.
    pub floats: bool,
    /// The module without custom sections.
    pub module: Vec<u8>,
}

/// The interfaces of world `app-small`.
const SMALL: [&str; 4] = [
    "wasi-hw:hal/poll@",
    "wasi-hw:hal/timer@",
    "wasi-hw:hal/log@",
    "wasi-hw:hal/gpio@",
];

fn core_type(t: ValType) -> WasmType {
    match t {
        ValType::I32 => WasmType::I32,
        ValType::I64 => WasmType::I64,
        ValType::F32 => WasmType::F32,
        ValType::F64 => WasmType::F64,
    }
}

fn signature(params: &[WasmType], results: &[WasmType]) -> String {
    let list = |v: &[WasmType]| {
        v.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("(func (param {}) (result {}))", list(params), list(results))
}

/// Checks `wasm` and returns what a bundle records of it.
pub fn check(wasm: &[u8]) -> Result<Packed> {
    if wasmparser::Parser::is_component(wasm) {
        bail!(
            "a component: pack takes a core module (a wasm32v1-none build; its component is for the reference host)"
        );
    }
    if !Parser::is_core_wasm(wasm) {
        bail!("not a WebAssembly module");
    }
    // What wasm32v1-none builds use: WebAssembly 1.0 with mutable globals,
    // and what rustc's default features for it add.
    let features = WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS;
    Validator::new_with_features(features)
        .validate_all(wasm)
        .context("not a valid core module for a device (WebAssembly 1.0 and the extensions wasm32v1-none uses)")?;

    let mut types = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut world = "wasi-hw:hal/app-small";
    let mut memory = None;
    let mut stack = None;
    let mut data_end = 0u32;
    let mut grows = false;
    let mut sizes = false;
    let mut floats = false;
    let is_float = |t: &WasmType| matches!(t, WasmType::F32 | WasmType::F64);
    let mut growable = true;
    let mut globals = Vec::new();
    let mut exports = Vec::new();
    let mut module = wasm[..8].to_vec();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        // Every section but the custom ones, byte for byte (the imports
        // rebuilt below).
        if let Some((id, range)) = payload.as_section()
            && !matches!(
                payload,
                Payload::CustomSection(_) | Payload::ImportSection(_)
            )
        {
            let range = range.start as usize..range.end as usize;
            // Its id, its size as wasm-encoder writes one (LEB128), its bytes.
            use wasm_encoder::Section as _;
            wasm_encoder::RawSection {
                id,
                data: &wasm[range],
            }
            .append_to(&mut module);
        }
        match payload {
            Payload::TypeSection(r) => {
                for t in r.into_iter_err_on_gc_types() {
                    let t = t?;
                    floats |= t.params().iter().chain(t.results()).any(is_float);
                    types.push(t);
                }
            }
            Payload::ImportSection(r) => {
                // Each import under this version's name of its interface:
                // an app built against a semver-compatible version
                // (`...@0.1.0`) gets the names a device of this version
                // links by (the tiny firmware links exact names).
                let mut section = wasm_encoder::ImportSection::new();
                for import in r.into_imports() {
                    let import = import?;
                    let TypeRef::Func(ty) = import.ty else {
                        bail!(
                            "imports `{}` `{}`, which is not a function: a wasi-hw world imports functions only",
                            import.module,
                            import.name
                        );
                    };
                    let Some(want) = IMPORTS
                        .iter()
                        .find(|i| i.name == import.name && compatible(import.module, i.module))
                    else {
                        bail!(
                            "imports `{}` `{}`, which world wasi-hw:hal/app does not have",
                            import.module,
                            import.name
                        );
                    };
                    let got = &types[ty as usize];
                    let params: Vec<WasmType> = want.params.iter().map(|&t| core_type(t)).collect();
                    let results: Vec<WasmType> = want.result.map(core_type).into_iter().collect();
                    if got.params() != params.as_slice() || got.results() != results.as_slice() {
                        bail!(
                            "imports `{}` `{}` as {}, where the world's is {}",
                            import.module,
                            import.name,
                            signature(got.params(), got.results()),
                            signature(&params, &results)
                        );
                    }
                    if !SMALL.iter().any(|s| import.module.starts_with(s)) {
                        world = "wasi-hw:hal/app";
                    }
                    funcs.push(ty);
                    section.import(
                        want.module,
                        import.name,
                        wasm_encoder::EntityType::Function(ty),
                    );
                }
                use wasm_encoder::Section as _;
                section.append_to(&mut module);
            }
            Payload::FunctionSection(r) => {
                for f in r {
                    funcs.push(f?);
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    let m = m?;
                    let page = 1u64 << m.page_size_log2.unwrap_or(16);
                    memory =
                        Some(u32::try_from(m.initial * page).context("a memory of 4 GiB or more")?);
                    growable = m.maximum != Some(m.initial);
                }
            }
            Payload::GlobalSection(r) => {
                // Each global's initial value, if an i32 constant (LLVM's
                // stack pointer is the first, mutable; `__heap_base` an
                // exported immutable one).
                for g in r {
                    let g = g?;
                    floats |= is_float(&g.ty.content_type);
                    let mut ops = g.init_expr.get_operators_reader();
                    let value = match ops.read() {
                        Ok(wasmparser::Operator::I32Const { value }) => Some(value as u32),
                        _ => None,
                    };
                    if globals.is_empty() && g.ty.mutable && g.ty.content_type == WasmType::I32 {
                        stack = value;
                    }
                    globals.push(value);
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    let e = e?;
                    exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d?;
                    if let wasmparser::DataKind::Active { offset_expr, .. } = d.kind {
                        let mut ops = offset_expr.get_operators_reader();
                        if let Ok(wasmparser::Operator::I32Const { value }) = ops.read() {
                            data_end =
                                data_end.max((value as u32).saturating_add(d.data.len() as u32));
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                for local in body.get_locals_reader()? {
                    floats |= is_float(&local?.1);
                }
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    match ops.read()? {
                        wasmparser::Operator::MemoryGrow { .. } => grows = true,
                        wasmparser::Operator::MemorySize { .. } => sizes = true,
                        // Every instruction that makes, takes or converts
                        // a float names its type: `F64Add`, `I32TruncF32S`.
                        op if !floats => {
                            let name = format!("{op:?}");
                            floats = name.contains("F32") || name.contains("F64");
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let export = |name: &str| exports.iter().find(|(n, _, _)| n == name);
    let func_type = |index: u32| funcs.get(index as usize).map(|&t| &types[t as usize]);
    for (name, params, results) in [
        (
            "run",
            &[WasmType::I32, WasmType::I32][..],
            &[WasmType::I32][..],
        ),
        (
            "cabi_realloc",
            &[WasmType::I32, WasmType::I32, WasmType::I32, WasmType::I32][..],
            &[WasmType::I32][..],
        ),
    ] {
        let found = export(name).filter(|(_, kind, _)| *kind == wasmparser::ExternalKind::Func);
        let ok = found
            .and_then(|(_, _, index)| func_type(*index))
            .is_some_and(|t| t.params() == params && t.results() == results);
        if !ok {
            bail!(
                "exports no `{name}` {}: a host calls it (a guest SDK build exports it)",
                signature(params, results)
            );
        }
    }
    if !export("memory").is_some_and(|(_, kind, _)| *kind == wasmparser::ExternalKind::Memory) {
        bail!(
            "exports no memory named `memory`: a host reads and writes the app's memory through it"
        );
    }
    let memory = memory.context("has no memory")?;
    let heap_base = export("__heap_base")
        .filter(|(_, kind, _)| *kind == wasmparser::ExternalKind::Global)
        .and_then(|(_, _, index)| globals.get(*index as usize).copied().flatten());
    let fixed = if growable {
        Err("its memory can grow (link it with --no-growable-memory)")
    } else if grows || sizes {
        Err("its code grows memory or asks its size (a fixed heap, `fixed_heap!`, does neither)")
    } else {
        match heap_base {
            None => Err("it exports no `__heap_base` (Rust's wasm32 builds do)"),
            Some(base) if base > memory => Err("its `__heap_base` lies past the end of its memory"),
            Some(base) => Ok(base),
        }
    };
    Ok(Packed {
        world,
        memory,
        fixed,
        stack,
        data_end,
        grows,
        sizes,
        floats,
        module,
    })
}

/// What computes wasefire-interpreter's side table: the module it is given,
/// with the table.
pub type SideTable = dyn Fn(&[u8]) -> Result<Vec<u8>>;

/// The module of `packed` laid out in `form`. For [`Form::Wasefire`],
/// `side_table` computes wasefire-interpreter's side table of the module
/// it is given and returns the module with it (the interpreter's
/// `prepare`, which only a build with that crate has: `wasi-hw-wasefire
/// pack`); the other forms do not call it.
pub fn lay_out(packed: &Packed, form: Form, side_table: Option<&SideTable>) -> Result<Vec<u8>> {
    let fixed = || {
        packed.fixed.map_err(|why| {
            anyhow::anyhow!(
                "form {} needs an app whose memory is fixed, and {why}",
                form.name()
            )
        })
    };
    match form {
        Form::Plain => Ok(packed.module.clone()),
        Form::CustomPages => custom_pages(&packed.module, fixed()?),
        Form::Wasefire => {
            let bytes = fixed()?;
            if bytes > 65536 {
                bail!(
                    "form wasefire needs an app of at most 64 KiB of memory, and it needs {bytes} bytes"
                );
            }
            let Some(side_table) = side_table else {
                bail!(
                    "form wasefire needs wasefire-interpreter's side table: `wasi-hw-wasefire pack` makes it (conformance/wasefire)"
                );
            };
            side_table(&one_page(&packed.module)?)
        }
    }
}

/// The bundle of `packed`, its module laid out in `form` as `module`,
/// signed with the secret `seed`.
pub fn bundle(packed: &Packed, form: Form, module: &[u8], seed: &[u8; 32]) -> Result<Vec<u8>> {
    let world = world_with_version(packed.world);
    let bundle = Bundle {
        world: &world,
        memory: packed.fixed.unwrap_or(packed.memory),
        fixed: packed.fixed.is_ok(),
        floats: packed.floats,
        form,
        module,
    };
    crate::sign(&bundle, seed).context("too large for a bundle")
}

/// What `pack` says of the bundle `bytes` it wrote to `output` from a
/// module of `built` bytes: one line.
pub fn summary(
    output: &str,
    packed: &Packed,
    form: Form,
    module: &[u8],
    built: usize,
    bytes: usize,
) -> String {
    let world = world_with_version(packed.world);
    let memory = match packed.fixed {
        Ok(needs) => format!(
            "memory {needs} bytes, fixed (stack{}, data and heap below __heap_base)",
            packed
                .stack
                .map_or(String::new(), |s| format!(" below {s}"))
        ),
        Err(why) => format!(
            "memory {} bytes to start with, not fixed: {why}",
            packed.memory
        ),
    };
    format!(
        "packed {output}: world {world}, {memory}; {}; form {}, module {} bytes (was {built}), bundle {bytes} bytes",
        if packed.floats {
            "uses floating point"
        } else {
            "no floating point"
        },
        form.name(),
        module.len()
    )
}

/// `module` (one that [`check`] found fixed) with its memory declared as
/// exactly `bytes` bytes that cannot grow, in pages of one byte
/// ([`crate::Form::CustomPages`]).
pub fn custom_pages(module: &[u8], bytes: u32) -> Result<Vec<u8>> {
    with_memory(module, u64::from(bytes), Some(0))
}

/// `module` (one that [`check`] found fixed, needing at most 64 KiB) with
/// its memory declared as one 64 KiB page that cannot grow: what
/// wasefire-interpreter, which has no custom pages, is given before its
/// side table is computed ([`crate::Form::Wasefire`]). The device gives it
/// the bytes it needs; the app never asks the size.
pub fn one_page(module: &[u8]) -> Result<Vec<u8>> {
    with_memory(module, 1, None)
}

/// `module` with its one memory of `pages` pages of `2^page_size_log2`
/// bytes (64 KiB when `None`), minimum and maximum.
fn with_memory(module: &[u8], pages: u64, page_size_log2: Option<u32>) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        if let Payload::MemorySection(_) = payload {
            let mut section = wasm_encoder::MemorySection::new();
            section.memory(wasm_encoder::MemoryType {
                minimum: pages,
                maximum: Some(pages),
                memory64: false,
                shared: false,
                page_size_log2,
            });
            out.section(&section);
        } else if let Some((id, range)) = payload.as_section() {
            let data = module
                .get(range.start as usize..range.end as usize)
                .context("a section past the end of the module")?;
            out.section(&wasm_encoder::RawSection { id, data });
        }
    }
    Ok(out.finish())
}

/// The world name a bundle records: `world` with the spec's version (the
/// version of the interfaces this host was generated from).
pub fn world_with_version(world: &str) -> String {
    let version = IMPORTS
        .first()
        .and_then(|i| i.module.split_once('@'))
        .map_or("", |(_, v)| v);
    format!("{world}@{version}")
}

/// A key file's 32 bytes: 64 hex digits, and a line end or not.
pub fn read_key(path: &std::path::Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read it", path.display()))?;
    crate::key_from_hex(&text).with_context(|| {
        format!(
            "{}: not a key (64 hex digits, as `wasi-hw keygen` writes)",
            path.display()
        )
    })
}

/// A key as a key file holds it: 64 hex digits and a line end.
pub fn key_text(key: &[u8; 32]) -> String {
    let mut s: String = key.iter().map(|b| format!("{b:02x}")).collect();
    s.push('\n');
    s
}
