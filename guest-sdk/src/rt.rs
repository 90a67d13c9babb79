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
