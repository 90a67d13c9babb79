//! Calling an app's `run` export in wasmi: the other half of the canonical
//! ABI, written by hand because every wasi-hw world exports the same
//! `run: func(args: list<string>) -> result<_, string>`.
//!
//! A vendor's shim generated with `--with wasi-hw:hal=wasi_hw_shim::app`
//! uses [`call_run`] as is: it is generic over the store, and the vendor's
//! `wasmi::Trap` is [`crate::app::wasmi::Trap`], the type of its errors.

use ::wasmi::{AsContextMut, Instance, TrapCode, TypedFunc, TypedResumableCall};

use crate::runtime::Error;
use crate::runtime::memory::{aligned, load_u8, load_u32, range, read_str, write_bytes, write_u32};

pub use crate::Ran;

fn err(e: Error) -> ::wasmi::Error {
    crate::app::wasmi::Trap(e).into()
}

impl From<crate::app::wasmi::Trap> for ::wasmi::Error {
    fn from(t: crate::app::wasmi::Trap) -> Self {
        ::wasmi::Error::host(t)
    }
}

/// The guest's own failure behind `e`, an error of a call into the guest,
/// when the shim trapped because the guest's `cabi_realloc` failed inside
/// an import: `realloc`, what `Shim::take_realloc_error` kept (its trap, or
/// running out of fuel). `None` for any other error: `e` says it all.
pub fn realloc_cause<'a>(
    e: &::wasmi::Error,
    realloc: Option<&'a ::wasmi::Error>,
) -> Option<&'a ::wasmi::Error> {
    let failed = matches!(
        e.downcast_ref::<crate::app::wasmi::Trap>(),
        Some(crate::app::wasmi::Trap(Error::Realloc))
    );
    realloc.filter(|_| failed)
}

/// What a host that runs `run` in slices of fuel does between two of
/// them: wasmi cannot be interrupted from outside, so a host that must end
/// an app at a wall-clock limit (or share the CPU) gives it its fuel a
/// slice at a time and looks at its clock when a slice is used up.
///
/// Only `run` itself is sliced. A call into the guest that the host makes
/// from inside an import (its `cabi_realloc`) cannot be resumed: the
/// generated adapter gives it the fuel kept aside in the shim's
/// `fuel_reserve` as well, and puts back what it leaves, so that such a
/// call never fails because a slice ended.
pub trait Slices<C> {
    /// Just before `run` is called: sets the store's fuel to the first
    /// slice and keeps the rest aside in the shim's `fuel_reserve`.
    fn begin(&mut self, ctx: &mut C);
    /// The slice is used up: gives the store the next one and returns
    /// true, or returns false to stop the app, whose `run` then fails as
    /// out of fuel (the embedder knows why it stopped it).
    fn next(&mut self, ctx: &mut C) -> bool;
    /// `run` has returned or trapped: puts the fuel kept aside back into
    /// the store, for `cabi_post_run`.
    fn end(&mut self, ctx: &mut C);
}

/// The guest's exports that `run` needs.
struct Exports {
    memory: ::wasmi::Memory,
    run: TypedFunc<(i32, i32), i32>,
    post: Option<TypedFunc<i32, ()>>,
    realloc: Option<TypedFunc<(i32, i32, i32, i32), i32>>,
}

fn missing(what: &'static &'static str) -> ::wasmi::Error {
    err(Error::Trap(what))
}

impl Exports {
    fn find(ctx: impl AsContextMut, instance: &Instance) -> Result<Exports, ::wasmi::Error> {
        Ok(Exports {
            memory: instance
                .get_memory(&ctx, "memory")
                .ok_or_else(|| missing(&"the guest exports no memory named `memory`"))?,
            run: instance
                .get_typed_func(&ctx, "run")
                .map_err(|_| missing(&"the guest exports no `run: func(i32, i32) -> i32`"))?,
            post: instance.get_typed_func(&ctx, "cabi_post_run").ok(),
            realloc: instance.get_typed_func(&ctx, "cabi_realloc").ok(),
        })
    }

    /// Copies `args` into the guest through its `cabi_realloc`: the
    /// list's pointer and length.
    fn lower<C: AsContextMut>(
        &self,
        ctx: &mut C,
        args: &[&str],
    ) -> Result<(u32, u32), ::wasmi::Error> {
        let alloc = |ctx: &mut C, size: u32, align: u32| -> Result<u32, ::wasmi::Error> {
            if size == 0 {
                return Ok(align);
            }
            let realloc = self.realloc.ok_or_else(|| {
                missing(&"the guest exports no cabi_realloc (func (param i32 i32 i32 i32) (result i32)), which its arguments need")
            })?;
            let ptr = realloc.call(&mut *ctx, (0, 0, align as i32, size as i32))? as u32;
            let len = self.memory.data(&*ctx).len();
            if aligned(ptr, align).is_err() || range(len, ptr, size).is_err() {
                return Err(err(Error::ReallocPointer));
            }
            Ok(ptr)
        };
        let count = u32::try_from(args.len()).map_err(|_| err(Error::TooLong))?;
        let list = alloc(
            ctx,
            count.checked_mul(8).ok_or_else(|| err(Error::TooLong))?,
            4,
        )?;
        for (i, arg) in args.iter().enumerate() {
            let len = u32::try_from(arg.len()).map_err(|_| err(Error::TooLong))?;
            let ptr = alloc(ctx, len, 1)?;
            let mem = self.memory.data_mut(&mut *ctx);
            write_bytes(mem, ptr, arg.as_bytes()).map_err(err)?;
            let at = list + 8 * i as u32;
            write_u32(mem, at, ptr).map_err(err)?;
            write_u32(mem, at + 4, len).map_err(err)?;
        }
        Ok((list, count))
    }

    /// Reads `run`'s result at `ret` (giving an error message to
    /// `on_error` while it is still in guest memory) and calls
    /// `cabi_post_run`.
    fn lift(
        &self,
        mut ctx: impl AsContextMut,
        ret: u32,
        on_error: impl FnOnce(&str),
    ) -> Result<Ran, ::wasmi::Error> {
        let mem = self.memory.data(&ctx);
        let ran = match load_u8(mem, ret, 0).map_err(err)? {
            0 => Ran::Ok,
            1 => {
                aligned(ret, 4).map_err(err)?;
                let ptr = load_u32(mem, ret, 4).map_err(err)?;
                let len = load_u32(mem, ret, 8).map_err(err)?;
                on_error(read_str(mem, ptr, len).map_err(err)?);
                Ran::Err
            }
            _ => return Err(err(Error::InvalidDiscriminant)),
        };
        if let Some(post) = self.post {
            post.call(&mut ctx, ret as i32)?;
        }
        Ok(ran)
    }
}

/// Calls `run(args)` on `instance`: copies the arguments into the guest
/// through its `cabi_realloc`, calls, reads the result (giving an error
/// message to `on_error` while it is still in guest memory), and calls
/// `cabi_post_run`. Every pointer the guest returns is checked. Needs no
/// allocator in the host.
pub fn call_run<C: AsContextMut>(
    mut ctx: C,
    instance: &Instance,
    args: &[&str],
    on_error: impl FnOnce(&str),
) -> Result<Ran, ::wasmi::Error> {
    let exports = Exports::find(&mut ctx, instance)?;
    let (list, count) = exports.lower(&mut ctx, args)?;
    let ret = exports.run.call(&mut ctx, (list as i32, count as i32))? as u32;
    exports.lift(ctx, ret, on_error)
}

/// [`call_run`], with `run` given its fuel in slices (see [`Slices`]).
/// The store must consume fuel.
pub fn call_run_in_slices<C: AsContextMut>(
    mut ctx: C,
    instance: &Instance,
    args: &[&str],
    on_error: impl FnOnce(&str),
    slices: &mut impl Slices<C>,
) -> Result<Ran, ::wasmi::Error> {
    let exports = Exports::find(&mut ctx, instance)?;
    let (list, count) = exports.lower(&mut ctx, args)?;
    slices.begin(&mut ctx);
    let ret = (|| {
        let mut call = exports
            .run
            .call_resumable(&mut ctx, (list as i32, count as i32))?;
        loop {
            call = match call {
                TypedResumableCall::Finished(ret) => return Ok(ret as u32),
                TypedResumableCall::OutOfFuel(rest) => {
                    if !slices.next(&mut ctx) {
                        return Err(::wasmi::Error::from(TrapCode::OutOfFuel));
                    }
                    rest.resume(&mut ctx)?
                }
                // A host function failed: as `call` would have ended.
                TypedResumableCall::HostTrap(trap) => {
                    return Err(
                        match trap.host_error().downcast_ref::<crate::app::wasmi::Trap>() {
                            Some(t) => err(t.0),
                            None => ::wasmi::Error::new(alloc::string::ToString::to_string(
                                trap.host_error(),
                            )),
                        },
                    );
                }
            };
        }
    })();
    slices.end(&mut ctx);
    exports.lift(ctx, ret?, on_error)
}
