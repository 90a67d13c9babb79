//! A global allocator that counts what is allocated and its peak, for the
//! RAM budget: embedded-alloc's linked-list heap over an arena the
//! firmware gives it.
//!
//! ```ignore
//! #[global_allocator]
//! static HEAP: Counting = Counting::new();
//!
//! #[entry]
//! fn main() -> ! {
//!     // `#[entry]` makes this a `&'static mut`, borrowed once.
//!     static mut ARENA: [MaybeUninit<u8>; 16 * 1024] = [MaybeUninit::uninit(); 16 * 1024];
//!     HEAP.init(ARENA);
//!     ...
//! }
//! ```

use core::alloc::{GlobalAlloc, Layout};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};

use embedded_alloc::LlffHeap;

/// A heap that counts.
pub struct Counting {
    heap: LlffHeap,
    used: AtomicUsize,
    peak: AtomicUsize,
    size: AtomicUsize,
}

impl Default for Counting {
    fn default() -> Self {
        Self::new()
    }
}

impl Counting {
    /// A heap with no memory yet: [`Counting::init`] gives it some.
    pub const fn new() -> Self {
        Counting {
            heap: LlffHeap::empty(),
            used: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            size: AtomicUsize::new(0),
        }
    }

    /// Gives the heap `arena`; call once, first, before any allocation.
    pub fn init(&self, arena: &'static mut [MaybeUninit<u8>]) {
        self.size.store(arena.len(), Ordering::Relaxed);
        // SAFETY: `arena` is the heap's alone from now on (a `'static mut`
        // borrow), and this is called before any allocation.
        unsafe { self.heap.init(arena.as_mut_ptr() as usize, arena.len()) }
    }

    /// The arena's size.
    pub fn size(&self) -> usize {
        self.size.load(Ordering::Relaxed)
    }

    /// The most bytes allocated at once since the last reset.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Bytes allocated now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Starts a new peak from what is allocated now.
    pub fn reset_peak(&self) {
        self.peak.store(self.used(), Ordering::Relaxed);
    }
}

// SAFETY: forwards to LlffHeap, which is a GlobalAlloc; the counters do
// not touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { self.heap.alloc(layout) };
        if !ptr.is_null() {
            let used = self.used.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            self.peak.fetch_max(used, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { self.heap.dealloc(ptr, layout) };
        self.used.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}
