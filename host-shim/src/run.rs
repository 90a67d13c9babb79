//! Calling an app's `run` export in wasmi: the other half of the canonical
//! ABI, written by hand because every wasi-hw world exports the same
//! `run: func(args: list<string>) -> result<_, string>`.
//!
//! A vendor's shim generated with `--with wasi-hw:hal=wasi_hw_shim::app`
//! uses [`call_run`] as is: it is generic over the store, and the vendor's
//! `wasmi::Trap` is [`crate::app::wasmi::Trap`], the type of its errors.

use ::wasmi::{AsContextMut, Instance, TypedFunc};

use crate::runtime::Error;
use crate::runtime::memory::{aligned, load_u8, load_u32, range, read_str, write_bytes, write_u32};

/// How a call of `run` ended, when the guest did not trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// `run` returned `ok`.
    Ok,
    /// `run` returned `err`; the message went to `on_error`.
    Err,
}

fn err(e: Error) -> ::wasmi::Error {
    crate::app::wasmi::Trap(e).into()
}

impl From<crate::app::wasmi::Trap> for ::wasmi::Error {
    fn from(t: crate::app::wasmi::Trap) -> Self {
        ::wasmi::Error::host(t)
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
    let missing = |what: &'static &'static str| err(Error::Trap(what));
    let memory = instance
        .get_memory(&ctx, "memory")
        .ok_or_else(|| missing(&"the guest exports no memory named `memory`"))?;
    let run: TypedFunc<(i32, i32), i32> = instance
        .get_typed_func(&ctx, "run")
        .map_err(|_| missing(&"the guest exports no `run: func(i32, i32) -> i32`"))?;
    let post: Option<TypedFunc<i32, ()>> = instance.get_typed_func(&ctx, "cabi_post_run").ok();
    let realloc: Option<TypedFunc<(i32, i32, i32, i32), i32>> =
        instance.get_typed_func(&ctx, "cabi_realloc").ok();

    let alloc = |ctx: &mut C, size: u32, align: u32| -> Result<u32, ::wasmi::Error> {
        if size == 0 {
            return Ok(align);
        }
        let realloc = realloc.ok_or_else(|| {
            missing(&"the guest exports no cabi_realloc (func (param i32 i32 i32 i32) (result i32)), which its arguments need")
        })?;
        let ptr = realloc.call(&mut *ctx, (0, 0, align as i32, size as i32))? as u32;
        let len = memory.data(&*ctx).len();
        if aligned(ptr, align).is_err() || range(len, ptr, size).is_err() {
            return Err(err(Error::ReallocPointer));
        }
        Ok(ptr)
    };
    let count = u32::try_from(args.len()).map_err(|_| err(Error::TooLong))?;
    let list = alloc(
        &mut ctx,
        count.checked_mul(8).ok_or_else(|| err(Error::TooLong))?,
        4,
    )?;
    for (i, arg) in args.iter().enumerate() {
        let len = u32::try_from(arg.len()).map_err(|_| err(Error::TooLong))?;
        let ptr = alloc(&mut ctx, len, 1)?;
        let mem = memory.data_mut(&mut ctx);
        write_bytes(mem, ptr, arg.as_bytes()).map_err(err)?;
        let at = list + 8 * i as u32;
        write_u32(mem, at, ptr).map_err(err)?;
        write_u32(mem, at + 4, len).map_err(err)?;
    }
    let ret = run.call(&mut ctx, (list as i32, count as i32))? as u32;
    let mem = memory.data(&ctx);
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
    if let Some(post) = post {
        post.call(&mut ctx, ret as i32)?;
    }
    Ok(ran)
}
