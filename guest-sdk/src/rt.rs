//! What a `no_std` wasm app needs from its runtime: a panic handler and a
//! global allocator. Both apply only on wasm32 and can be turned off by
//! features (see Cargo.toml), for apps that bring their own.

#[cfg(all(target_arch = "wasm32", feature = "panic-handler", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(feature = "panic-message")]
    {
        let message = alloc::format!("panic: {_info}");
        crate::log::error(&message);
    }
    core::arch::wasm32::unreachable()
}

// A free-list allocator of a few hundred bytes: apps allocate little (I2C
// buffers, sample lists), and size matters more than speed here.
#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: a wasm app without threads is single-threaded.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(all(target_arch = "wasm32", feature = "small-memcpy"))]
#[unsafe(no_mangle)]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while i < n {
        unsafe { core::ptr::write_volatile(dest.add(i), core::ptr::read_volatile(src.add(i))) };
        i += 1;
    }
    dest
}

// A bump allocator of a few dozen bytes for the smallest apps, which allocate
// a bounded amount (their arguments, a few buffers): it takes memory from
// the end of the data and stack (`__heap_base`) up, growing linear memory a
// page at a time, and frees only the most recent allocation. An app that
// allocates in a loop wants `allocator` instead.
#[cfg(all(
    target_arch = "wasm32",
    feature = "bump-allocator",
    not(feature = "allocator")
))]
mod bump {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    const PAGE: usize = 65536;

    unsafe extern "C" {
        /// Where wasm-ld puts the first byte after the data and the stack.
        static __heap_base: u8;
    }

    pub struct Bump {
        /// The next free byte; 0 until the first allocation.
        next: Cell<usize>,
    }

    // SAFETY: a wasm app without threads is single-threaded.
    unsafe impl Sync for Bump {}

    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut next = self.next.get();
            if next == 0 {
                next = &raw const __heap_base as usize;
            }
            let Some(start) = next
                .checked_add(layout.align() - 1)
                .map(|n| n & !(layout.align() - 1))
            else {
                return core::ptr::null_mut();
            };
            let Some(end) = start.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            let have = core::arch::wasm32::memory_size(0) * PAGE;
            if end > have {
                let pages = (end - have).div_ceil(PAGE);
                if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
            }
            self.next.set(end);
            start as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // Only the most recent allocation can be given back.
            if ptr as usize + layout.size() == self.next.get() {
                self.next.set(ptr as usize);
            }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Bump = Bump { next: Cell::new(0) };
}

// The component model's allocator export, through which the host hands the
// app lists and strings (its arguments, I2C data). wit-bindgen provides it on
// wasm32v1-none; on wasm32-wasip2 it expects wasi-libc's, which a `no_std`
// app does not link, so it is here.
#[cfg(all(target_arch = "wasm32", target_env = "p2"))]
#[unsafe(no_mangle)]
unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    let ptr = unsafe {
        if old_len == 0 {
            if new_len == 0 {
                return align as *mut u8;
            }
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

// On wasm32-wasip2, compiler-builtins leaves `memcmp` and `bcmp` to
// wasi-libc, which a `no_std` app does not link: comparing two strings
// would leave an import of `env::memcmp` that no host provides. They are
// here, byte by byte (volatile reads keep LLVM from turning the loop back
// into a call to itself).
#[cfg(all(target_arch = "wasm32", target_env = "p2"))]
mod compare {
    #[unsafe(no_mangle)]
    unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        let mut i = 0;
        while i < n {
            let (x, y) = unsafe {
                (
                    core::ptr::read_volatile(a.add(i)),
                    core::ptr::read_volatile(b.add(i)),
                )
            };
            if x != y {
                return i32::from(x) - i32::from(y);
            }
            i += 1;
        }
        0
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        unsafe { memcmp(a, b, n) }
    }
}
