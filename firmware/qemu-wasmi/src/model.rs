//! Apps on the board model of `wasi-hw-board`: the reference host's pins,
//! wires, buses with their device models (24C02, BME280, register files),
//! sensors, policy and trace, with its semantics (`BoardHost`) behind the
//! generated shim's dispatch adapter. What runs here is what the
//! conformance suite compares with the reference host, trace for trace.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use wasi_hw_board::board::Board;
use wasi_hw_board::host::BoardHost;
use wasi_hw_shim::app::wasmi::Shim;
use wasi_hw_shim::run::{Ran, call_run, realloc_cause};

/// Handles the app may hold at once, of all kinds together: the reference
/// host's default (`--max-handles`).
pub const MAX_HANDLES: usize = 64;

/// The most bytes of trace events and of log messages the host keeps: the
/// reference host's defaults (24 MiB and 4 MiB) are larger than this
/// firmware's whole heap, so that a guest that logs for ever ran it out
/// (found by `wasi-hw-conformance --hostile`). The largest conformance
/// case's trace fits many times over.
pub const MAX_TRACE_BYTES: usize = 128 << 10;
pub const MAX_LOG_BYTES: usize = 16 << 10;

/// The shim's table capacity per resource type: the handle limit, so that
/// the limit is the spec's `limit-reached` and never a full table.
const CAPACITY: usize = MAX_HANDLES;

type ModelShim = Shim<BoardHost, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY>;

/// How an app ended.
pub enum Outcome {
    /// `run` returned ok.
    Ok,
    /// `run` returned an error, with its message.
    Err(String),
    /// The app trapped, ran out of fuel or was stopped by the host.
    Stopped(String),
}

/// The engine's configuration: fuel counted, each function compiled on
/// its first call, and custom page sizes, so that a bundle of form
/// `custom-pages` (an app whose memory is fixed) gets exactly the memory it
/// declares.
pub fn config() -> wasmi::Config {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .compilation_mode(wasmi::CompilationMode::Lazy)
        .wasm_custom_page_sizes(true);
    config
}

/// A signed bundle's core module compiled for the engine of [`config`],
/// not validated again.
///
/// # Safety
///
/// `wasm` is valid for that configuration: `wasi-hw pack` validated it
/// before it signed the bundle, whose signature the caller checked.
pub unsafe fn compile_signed(wasm: &[u8]) -> Result<(wasmi::Engine, wasmi::Module), wasmi::Error> {
    let engine = wasmi::Engine::new(&config());
    let module = unsafe { wasmi::Module::new_unchecked(&engine, wasm)? };
    Ok((engine, module))
}

/// A core module compiled for the engine of [`config`], validated (the
/// conformance guests, which come unsigned).
pub fn compile(wasm: &[u8]) -> Result<(wasmi::Engine, wasmi::Module), wasmi::Error> {
    let engine = wasmi::Engine::new(&config());
    let module = wasmi::Module::new(&engine, wasm)?;
    Ok((engine, module))
}

/// How a run ended, and what it left.
pub struct Ended {
    pub outcome: Outcome,
    /// The host, with the board, its trace and the app's log.
    pub host: BoardHost,
    /// The guest's linear memory at the end, in bytes.
    pub memory: usize,
}

/// Runs `module` with `args` on `board`, with `fuel`. An `Err` is a module
/// that cannot be linked.
pub fn run(
    (engine, module): &(wasmi::Engine, wasmi::Module),
    board: Board,
    args: &[&str],
    fuel: u64,
) -> Result<Ended, wasmi::Error> {
    #[cfg_attr(feature = "size-baseline", allow(unused_mut))]
    let mut linker = wasmi::Linker::<ModelShim>::new(engine);
    #[cfg(not(any(feature = "size-baseline", feature = "typed-linker")))]
    wasi_hw_shim::app::wasmi::add_to_linker_dispatch_for(&mut linker, |shim| shim, module)?;
    #[cfg(all(feature = "typed-linker", not(feature = "size-baseline")))]
    wasi_hw_shim::app::wasmi::add_to_linker(&mut linker, |shim| shim)?;
    #[cfg(all(feature = "typed-linker", not(feature = "size-baseline")))]
    wasi_hw_shim::app::wasmi::alias_versions(&mut linker, module)?;
    let mut host = BoardHost::new(board, MAX_HANDLES);
    host.board.trace.max_bytes = MAX_TRACE_BYTES;
    host.max_log_bytes = MAX_LOG_BYTES;
    let mut store = wasmi::Store::new(engine, ModelShim::new(host));
    store.set_fuel(fuel)?;
    let mut message = None;
    let mut memory = 0;
    let ran = linker
        .instantiate_and_start(&mut store, module)
        .and_then(|instance| {
            let ran = call_run(&mut store, &instance, args, |m| {
                message = Some(m.to_string())
            });
            memory = instance
                .get_memory(&store, "memory")
                .map_or(0, |m| m.data(&store).len());
            ran
        });
    let mut shim = store.into_data();
    // Why the guest's cabi_realloc failed, when the host called it from an
    // import and it trapped: its own trap, as the reference host says it.
    let realloc = shim.take_realloc_error();
    let Some(mut host) = shim.into_host() else {
        return Err(wasmi::Error::new("the shim lost its host"));
    };
    let outcome = match ran {
        Ok(Ran::Ok) => Outcome::Ok,
        Ok(Ran::Err) => Outcome::Err(message.unwrap_or_default()),
        Err(e) => Outcome::Stopped(
            match (host.trap.take(), realloc_cause(&e, realloc.as_ref())) {
                (Some(why), _) => format!("the app was stopped: {why}"),
                (None, Some(cause)) => {
                    format!("the app trapped in its cabi_realloc, called by the host: {cause}")
                }
                (None, None) => format!("the app trapped: {e}"),
            },
        ),
    };
    Ok(Ended {
        outcome,
        host,
        memory,
    })
}

/// Drops the custom sections (names, producers, debug information) of a
/// core module in place: they are not needed to run it, and a firmware's
/// heap is small.
pub fn strip_custom_sections(wasm: &mut Vec<u8>) {
    let (mut read, mut write) = (8, 8);
    while read < wasm.len() {
        let id = wasm[read];
        let Some((size, leb)) = leb128(&wasm[read + 1..]) else {
            return;
        };
        let Some(end) = (read + 1 + leb)
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
        else {
            return;
        };
        if id != 0 {
            wasm.copy_within(read..end, write);
            write += end - read;
        }
        read = end;
    }
    wasm.truncate(write);
}

/// An unsigned LEB128 number at the start of `bytes`, and its length.
fn leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, b) in bytes.iter().take(5).enumerate() {
        value = value.checked_add(usize::from(b & 0x7f).checked_shl(7 * i as u32)?)?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}
