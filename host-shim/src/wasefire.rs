//! Calling an app's `run` export on wasefire-interpreter, the in-place
//! engine of the tiny profile: what `crate::run` does on wasmi.
//!
//! wasefire returns every call to the host to its embedder
//! (`RunResult::Host`) instead of calling a host function, so running an
//! app is a loop: invoke `run`, serve each host call with the world's
//! `serve` (`crate::app::wasefire::serve`, generated; a vendor world has
//! its own), resume with its result, until `run` returns. The guest's
//! `cabi_realloc` runs in the same store while a call waits.
//!
//! Set up before it (see `conformance/wasefire` for a whole host):
//!
//! ```ignore
//! let mut store = wasefire_interpreter::Store::default();
//! let linked = wasi_hw_shim::app::wasefire::link_for(&mut store, module_bytes)?;
//! let inst = store.instantiate(module, memory)?;
//! let mut tables = wasi_hw_shim::app::Tables::<MyHost>::new();
//! let ran = wasi_hw_shim::wasefire::call_run(&mut store, inst, &["3"], on_error, |store| {
//!     wasi_hw_shim::app::wasefire::serve(store, &linked, &mut host, &mut tables)
//! });
//! ```
//!
//! The memory given to `instantiate` is the guest's memory as the glue sees
//! it, whole: give a module whose memory cannot grow (its maximum is its
//! minimum, as `wasi-hw pack` leaves it) exactly the bytes it needs, or the
//! glue accepts pointers past what the guest can reach.
//!
//! [`bounded`] rewrites a module's memory so that `memory.grow` stops at
//! what the embedder gives (a test host's guest that grows its memory);
//! [`Stop::report`] says how a run ended in the reference host's words.

use alloc::vec::Vec;
use core::fmt;

use wasefire_interpreter::{self as wi, InstId, RunAnswer, Store, Val};

pub use crate::Ran;
use crate::app::wasefire::realloc;
use crate::runtime::Error;
use crate::runtime::memory::{aligned, load_u8, load_u32, range, read_str, write_bytes, write_u32};

/// Why `run` did not return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The shim stopped the guest: a bad pointer, handle or discriminant,
    /// a missing export, the firmware's own [`Error::Trap`], or
    /// [`Error::Realloc`]: the guest's `cabi_realloc`, called by the host
    /// from an import, trapped (in the interpreter, which does not say
    /// why).
    Shim(Error),
    /// The guest trapped in the interpreter (`unreachable`, an access out
    /// of its memory, a division by zero, too deep a call stack):
    /// wasefire-interpreter does not say which.
    Engine(wi::Error),
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Shim(e) => {
                fmt::Display::fmt(e, f)?;
                if let Some((found, expected)) = e.wrong_type_tags() {
                    let name = |tag: u8| {
                        crate::app::RESOURCE_TYPES
                            .get(usize::from(tag).wrapping_sub(1))
                            .copied()
                            .unwrap_or("another resource type")
                    };
                    // Text by text: `{}` would pad, which the tiny
                    // firmware's flash does without.
                    for part in [
                        ": a `",
                        name(found),
                        "` handle used as a `",
                        name(expected),
                        "`",
                    ] {
                        f.write_str(part)?;
                    }
                }
                Ok(())
            }
            // wasmi's words for the same end would be `wasm` and the trap's
            // name: wasefire-interpreter does not say which it was.
            Stop::Engine(wi::Error::Trap) => f.write_str("wasm trap"),
            Stop::Engine(wi::Error::Invalid) => {
                f.write_str("the interpreter refused a call (invalid)")
            }
            Stop::Engine(wi::Error::NotFound) => {
                f.write_str("the interpreter found no such export")
            }
            Stop::Engine(wi::Error::Unsupported(_)) => {
                f.write_str("the guest used what the interpreter does not support")
            }
        }
    }
}

impl Stop {
    /// How a host reports a run that ended this way, in the reference
    /// host's words: `the app trapped: ...`, and for a trap in the guest's
    /// `cabi_realloc` while the host called it, `the app trapped in its
    /// cabi_realloc, called by the host: wasm trap` (the interpreter does not
    /// say which trap, where wasmi would).
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }
}

/// [`Stop::report`].
pub struct Report<'a>(&'a Stop);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Stop::Shim(Error::Realloc) => {
                f.write_str("the app trapped in its cabi_realloc, called by the host: wasm trap")
            }
            stop => {
                f.write_str("the app trapped: ")?;
                fmt::Display::fmt(stop, f)
            }
        }
    }
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Shim(e)
    }
}

/// A function of the guest called to its end. A call to the host from it
/// means the host was called back while it called the guest (the call is
/// left suspended: the run must end).
fn call(store: &mut Store<'_>, inst: InstId, name: &str, args: Vec<Val>) -> Result<Vec<Val>, Stop> {
    match store.invoke(inst, name, args).map(|r| r.forget()) {
        Ok(RunAnswer::Done(results)) => Ok(results),
        Ok(RunAnswer::Host) => Err(Stop::Shim(Error::Reentered)),
        Err(e) => Err(Stop::Engine(e)),
    }
}

/// The guest's memory (empty when the instance has none).
fn memory<'s>(store: &'s mut Store<'_>, inst: InstId) -> &'s mut [u8] {
    store.memory(inst).unwrap_or_default()
}

/// Copies `args` into the guest through its `cabi_realloc`: the list's
/// pointer and length.
fn lower(store: &mut Store<'_>, inst: InstId, args: &[&str]) -> Result<(u32, u32), Stop> {
    let alloc = |store: &mut Store<'_>, size: u32, align: u32| -> Result<u32, Stop> {
        if size == 0 {
            return Ok(align);
        }
        let ptr = realloc(store, inst, [0, 0, align, size]).map_err(|e| match e {
            // Called by the host before `run`: the guest's own trap, as on
            // wasmi.
            Error::Realloc => Stop::Engine(wi::Error::Trap),
            Error::Trap(_) => Stop::Shim(Error::Trap(
                &"the guest exports no cabi_realloc (func (param i32 i32 i32 i32) (result i32)), which its arguments need",
            )),
            e => Stop::Shim(e),
        })?;
        let len = memory(store, inst).len();
        if aligned(ptr, align).is_err() || range(len, ptr, size).is_err() {
            return Err(Stop::Shim(Error::ReallocPointer));
        }
        Ok(ptr)
    };
    let count = u32::try_from(args.len()).map_err(|_| Error::TooLong)?;
    let list = alloc(store, count.checked_mul(8).ok_or(Error::TooLong)?, 4)?;
    for (i, arg) in args.iter().enumerate() {
        let len = u32::try_from(arg.len()).map_err(|_| Error::TooLong)?;
        let ptr = alloc(store, len, 1)?;
        let mem = memory(store, inst);
        write_bytes(mem, ptr, arg.as_bytes())?;
        let at = list + 8 * i as u32;
        write_u32(mem, at, ptr)?;
        write_u32(mem, at + 4, len)?;
    }
    Ok((list, count))
}

/// Reads `run`'s result at `ret` (giving an error message to `on_error`
/// while it is still in guest memory) and calls `cabi_post_run` if the
/// guest has one.
fn lift(
    store: &mut Store<'_>,
    inst: InstId,
    ret: u32,
    on_error: impl FnOnce(&str),
) -> Result<Ran, Stop> {
    let mem = memory(store, inst);
    let ran = match load_u8(mem, ret, 0)? {
        0 => Ran::Ok,
        1 => {
            aligned(ret, 4)?;
            let ptr = load_u32(mem, ret, 4)?;
            let len = load_u32(mem, ret, 8)?;
            on_error(read_str(mem, ptr, len)?);
            Ran::Err
        }
        _ => return Err(Stop::Shim(Error::InvalidDiscriminant)),
    };
    match call(store, inst, "cabi_post_run", alloc::vec![Val::I32(ret)]) {
        Ok(_) | Err(Stop::Engine(wi::Error::NotFound)) => Ok(ran),
        Err(e) => Err(e),
    }
}

/// Calls `run(args)` on `inst`: copies the arguments into the guest
/// through its `cabi_realloc`, invokes `run`, serves each call to the host
/// with `serve` (the world's generated `serve` over the firmware's host and
/// tables) until `run` returns, reads the result (giving an error message
/// to `on_error` while it is still in guest memory), and calls
/// `cabi_post_run`. Every pointer the guest returns is checked. After an
/// error the store may hold a suspended call: drop it, do not run it again.
pub fn call_run<'m>(
    store: &mut Store<'m>,
    inst: InstId,
    args: &[&str],
    on_error: impl FnOnce(&str),
    mut serve: impl FnMut(&mut Store<'m>) -> Result<Option<Val>, Error>,
) -> Result<Ran, Stop> {
    let (list, count) = lower(store, inst, args)?;
    let not_run = || {
        Stop::Shim(Error::Trap(
            &"the guest exports no `run: func(i32, i32) -> i32`",
        ))
    };
    let mut answer = match store.invoke(inst, "run", alloc::vec![Val::I32(list), Val::I32(count)]) {
        Ok(result) => result.forget(),
        Err(wi::Error::NotFound | wi::Error::Invalid) => return Err(not_run()),
        Err(e) => return Err(Stop::Engine(e)),
    };
    let ret = loop {
        match answer {
            RunAnswer::Done(results) => match results[..] {
                [Val::I32(ret)] => break ret,
                _ => return Err(not_run()),
            },
            RunAnswer::Host => {
                let result = serve(store)?;
                let Some(call) = store.last_call() else {
                    return Err(Stop::Shim(Error::Trap(&"the call to the host vanished")));
                };
                answer = call
                    .resume(result.as_slice())
                    .map_err(Stop::Engine)?
                    .forget();
            }
        }
    };
    lift(store, inst, ret, on_error)
}

/// Why [`bounded`] refused a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unbounded {
    /// Not a WebAssembly module at all, or cut short.
    NotAModule,
    /// A component, not the core module the interpreter runs.
    Component,
    /// A start function: a call to the host from it cannot be served.
    Start,
    /// No memory of its own, or more than one.
    Memories,
    /// A 64-bit or shared memory, or one of custom pages.
    NotAnAppMemory,
    /// It starts with more pages than are given.
    StartsAbove {
        /// The pages it starts with.
        initial: u32,
        /// The pages given.
        given: u32,
    },
}

impl fmt::Display for Unbounded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unbounded::NotAModule => f.write_str("not a WebAssembly module"),
            Unbounded::Component => {
                f.write_str("a component, not a core module: give the app built for wasm32v1-none")
            }
            Unbounded::Start => f.write_str(
                "has a start function, which wasi-hw apps do not have (a call to the host from it cannot be served)",
            ),
            Unbounded::Memories => {
                f.write_str("has no memory of its own or more than one; an app exports one named `memory`")
            }
            Unbounded::NotAnAppMemory => {
                f.write_str("its memory is 64-bit, shared or of custom pages: an app's is none of these")
            }
            Unbounded::StartsAbove { initial, given } => write!(
                f,
                "its memory starts at {initial} pages ({} KiB), more than the {given} given",
                u64::from(*initial) * 64
            ),
        }
    }
}

/// `module` with its one memory's maximum rewritten to `pages` pages (or
/// its own maximum, if lower; with `None`, what it starts with: a fixed
/// memory), and that maximum; custom sections dropped.
///
/// The interpreter runs a module in the memory its embedder gives, and its
/// `memory.grow` succeeds up to the module's declared maximum whether or
/// not the embedder gave that much (an access past what it gave then
/// traps). With the maximum rewritten to the pages given, `memory.grow`
/// past them fails, as an app expects of a full memory. The glue still
/// sees all the memory given (see the module's documentation).
pub fn bounded(module: &[u8], pages: Option<u32>) -> Result<(Vec<u8>, u32), Unbounded> {
    match module.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => {}
        Some([0, b'a', b's', b'm', _, _, 1, 0]) => return Err(Unbounded::Component),
        _ => return Err(Unbounded::NotAModule),
    }
    let mut out = Vec::with_capacity(module.len());
    out.extend_from_slice(&module[..8]);
    let mut at = 8;
    let mut found = None;
    while at < module.len() {
        let id = module[at];
        let (size, start) = leb(module, at + 1).ok_or(Unbounded::NotAModule)?;
        let body = start
            .checked_add(size as usize)
            .and_then(|end| module.get(start..end))
            .ok_or(Unbounded::NotAModule)?;
        at = start + body.len();
        match id {
            0 => {}
            8 => return Err(Unbounded::Start),
            5 => {
                let (count, i) = leb(body, 0).ok_or(Unbounded::NotAModule)?;
                if count != 1 || found.is_some() {
                    return Err(Unbounded::Memories);
                }
                let flags = *body.get(i).ok_or(Unbounded::NotAModule)?;
                if flags > 1 {
                    return Err(Unbounded::NotAnAppMemory);
                }
                let (initial, i) = leb(body, i + 1).ok_or(Unbounded::NotAModule)?;
                let own = match flags {
                    1 => Some(leb(body, i).ok_or(Unbounded::NotAModule)?.0),
                    _ => None,
                };
                let given = pages.unwrap_or(initial);
                if initial > given {
                    return Err(Unbounded::StartsAbove { initial, given });
                }
                let max = own.map_or(given, |own| own.min(given));
                let mut section = alloc::vec![1, 1];
                push_leb(&mut section, initial);
                push_leb(&mut section, max);
                out.push(5);
                push_leb(&mut out, section.len() as u32);
                out.extend_from_slice(&section);
                found = Some(max);
            }
            _ => {
                out.push(id);
                push_leb(&mut out, size);
                out.extend_from_slice(body);
            }
        }
    }
    let max = found.ok_or(Unbounded::Memories)?;
    Ok((out, max))
}

/// An unsigned LEB128 number of at most 32 bits at `at` in `bytes`, and
/// the index after it.
fn leb(bytes: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(at)?;
        at += 1;
        if shift == 28 && b & 0x70 != 0 {
            return None;
        }
        value |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn push_leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
