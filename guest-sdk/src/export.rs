//! The export `run` of the app worlds, in the canonical ABI.
//!
//! `run: func(args: list<string>) -> result<_, string>` lowers to
//! `run(args: i32, count: i32) -> i32`: the host has put `count` strings
//! (pointer, length) at `args`, each allocated through `cabi_realloc`, and
//! owned by the app from then on. The result does not fit in one value, so
//! `run` returns a pointer to a return area: the case (0 `ok`, 1 `err`) in the
//! first byte, then the message's pointer and length at offsets 4 and 8. The
//! host reads the message, then calls `cabi_post_run` with that pointer so
//! that the app frees it.
//!
//! The app sees its arguments in place, as [`Args`], instead of a copy in a
//! `Vec<String>` as wit-bindgen's glue would make: smaller and allocation-free.

use core::alloc::Layout;
use core::mem::{align_of, size_of};

use alloc::alloc::dealloc;

use crate::{Args, Error, RawStr};

/// The return area. The host reads the first three fields; `capacity` is the
/// app's own, to free the message with the layout it was allocated with.
#[repr(C)]
struct ReturnArea {
    case: u8,
    ptr: *mut u8,
    len: usize,
    capacity: usize,
}

static mut RETURN_AREA: ReturnArea = ReturnArea {
    case: 0,
    ptr: core::ptr::null_mut(),
    len: 0,
    capacity: 0,
};

/// Runs `app` with the arguments at `args`, frees them, and returns the
/// return area with its result.
///
/// # Safety
/// `args` and `count` must be as the canonical ABI passes a `list<string>`
/// that the global allocator allocated (or `count` 0), and the function
/// must not run twice at once (wasm apps have one thread).
pub unsafe fn run<E: Into<Error>>(
    args: *mut u8,
    count: usize,
    app: fn(&Args) -> Result<(), E>,
) -> *mut u8 {
    #[cfg(target_arch = "wasm32")]
    wit_bindgen::rt::run_ctors_once();
    // Keeps the custom section that describes the world in the binary.
    crate::bindings::__link_custom_section_describing_imports();

    let raw: &[RawStr] = if count == 0 {
        &[]
    } else {
        // SAFETY: the host put `count` (pointer, length) pairs at `args`,
        // aligned to 4, the layout of `RawStr` on wasm32.
        unsafe { core::slice::from_raw_parts(args as *const RawStr, count) }
    };
    let result = app(&Args::new(raw));

    // The arguments are the app's to free: each string, then the list.
    // Zero-length ones were never allocated (`cabi_realloc` returns a
    // dangling pointer for them).
    for s in raw {
        if s.len() != 0 {
            // SAFETY: allocated by `cabi_realloc` with this size and align 1.
            unsafe {
                dealloc(
                    s.ptr() as *mut u8,
                    Layout::from_size_align_unchecked(s.len(), 1),
                )
            };
        }
    }
    if count != 0 {
        // SAFETY: allocated by `cabi_realloc` with this size and alignment.
        unsafe {
            dealloc(
                args,
                Layout::from_size_align_unchecked(
                    count * size_of::<RawStr>(),
                    align_of::<RawStr>(),
                ),
            )
        };
    }

    let area = &raw mut RETURN_AREA;
    // SAFETY: one thread; the host reads the area before the next call.
    unsafe {
        match result {
            Ok(()) => (*area).case = 0,
            Err(e) => {
                let message = core::mem::ManuallyDrop::new(e.into().into_message().into_bytes());
                (*area).case = 1;
                (*area).ptr = message.as_ptr() as *mut u8;
                (*area).len = message.len();
                (*area).capacity = message.capacity();
            }
        }
    }
    area as *mut u8
}

/// Frees what `run` returned: the error message, if any.
///
/// # Safety
/// `result` must be the pointer `run` returned, and be passed once.
pub unsafe fn post_run(result: *mut u8) {
    let area = result as *mut ReturnArea;
    // SAFETY: `result` is the return area `run` filled.
    unsafe {
        if (*area).case == 1 && (*area).capacity != 0 {
            dealloc(
                (*area).ptr,
                Layout::from_size_align_unchecked((*area).capacity, 1),
            );
            (*area).capacity = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::alloc::alloc;

    /// Lays out `words` as a host would: each string and the list through
    /// the global allocator.
    fn host_args(words: &[&str]) -> (*mut u8, usize) {
        unsafe {
            let list = alloc(
                Layout::from_size_align(words.len() * size_of::<RawStr>(), align_of::<RawStr>())
                    .unwrap(),
            ) as *mut RawStr;
            for (i, w) in words.iter().enumerate() {
                let p = alloc(Layout::from_size_align(w.len(), 1).unwrap());
                core::ptr::copy_nonoverlapping(w.as_ptr(), p, w.len());
                list.add(i).write(RawStr::new(p, w.len()));
            }
            (list as *mut u8, words.len())
        }
    }

    fn read_result(area: *mut u8) -> Result<(), std::string::String> {
        let area = area as *mut ReturnArea;
        unsafe {
            match (*area).case {
                0 => Ok(()),
                _ => Err(core::str::from_utf8(core::slice::from_raw_parts(
                    (*area).ptr,
                    (*area).len,
                ))
                .unwrap()
                .to_string()),
            }
        }
    }

    #[test]
    fn the_app_sees_its_arguments_and_its_error_reaches_the_host() {
        fn app(args: &Args) -> Result<(), Error> {
            assert_eq!(args.iter().collect::<Vec<_>>(), ["3", "", "two words"]);
            let n: u32 = args.parse(0, 0, "n")?;
            assert_eq!(n, 3);
            Err(args
                .parse::<u32>(2, 0, "blinky [CYCLES]: CYCLES must be a whole number")
                .unwrap_err())
        }
        let (ptr, count) = host_args(&["3", "", "two words"]);
        let area = unsafe { run(ptr, count, app) };
        assert_eq!(
            read_result(area),
            Err("usage: blinky [CYCLES]: CYCLES must be a whole number".to_string())
        );
        unsafe { post_run(area) };

        fn ok(args: &Args) -> Result<(), Error> {
            assert!(args.is_empty());
            Ok(())
        }
        let area = unsafe { run(core::ptr::null_mut(), 0, ok) };
        assert_eq!(read_result(area), Ok(()));
        unsafe { post_run(area) };
    }
}
