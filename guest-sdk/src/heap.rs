//! A heap of a fixed size in static memory, for apps whose memory must be
//! exactly what they declare: [`fixed_heap!`](crate::fixed_heap), a free
//! list, or [`fixed_bump_heap!`](crate::fixed_bump_heap), a bump allocator
//! for apps that allocate once.
//!
//! The heap is an array in the app's zero-initialised data, so it lies
//! below `__heap_base`, the first byte the linker leaves free; the
//! allocator never asks for memory beyond it and never grows memory. An app
//! that uses it, and is linked with a small stack and
//! `--no-growable-memory` (the README's "Fixed memory"), needs exactly
//! `__heap_base` bytes of linear memory: stack, data and heap. `wasi-hw
//! pack` records that figure, so a firmware gives the app that much RAM
//! and no more.
//!
//! It is a first-fit free list, kept in address order and merged on every
//! free, in units of 8 bytes: what an app frees is reused, whatever the
//! order (an event loop that allocates a list of pollables and a result
//! each turn runs for ever in a few hundred bytes). A free block holds its
//! own size and the offset of the next; an allocated one holds nothing
//! extra, since `dealloc` is told its layout. An allocation that does not
//! fit is an allocation failure, which traps.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};

/// The unit of allocation, and the size of a free block's header (its size
/// and the offset of the next, two `u32`).
const UNIT: usize = 8;
/// No block: the end of the free list.
const NONE: u32 = u32::MAX;

/// The heap's bytes, aligned to [`UNIT`].
#[repr(C, align(8))]
struct Bytes<const N: usize>([u8; N]);

/// A first-fit free-list allocator over `N` bytes of static memory (`N` at
/// most 4 GiB; a remainder below 8 bytes is not used).
pub struct FixedHeap<const N: usize> {
    heap: UnsafeCell<Bytes<N>>,
    /// The offset of the first free block, or [`NONE`]; 0 until `ready`.
    free: Cell<u32>,
    /// Whether the whole heap was made one free block (at the first
    /// allocation: a `const` initialiser cannot write into the array).
    ready: Cell<bool>,
    /// The bytes allocated and not given back, in units.
    used: Cell<usize>,
}

// SAFETY: a wasm app without threads is single-threaded.
unsafe impl<const N: usize> Sync for FixedHeap<N> {}

/// `size` rounded up to whole units (at least one).
fn units(size: usize) -> Option<usize> {
    Some(size.max(1).checked_add(UNIT - 1)? & !(UNIT - 1))
}

impl<const N: usize> FixedHeap<N> {
    /// An empty heap: all zero bytes, so that it lies in the app's
    /// zero-initialised data and takes no bytes of its module (a field
    /// that is not zero would put the whole array into a data segment).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        FixedHeap {
            heap: UnsafeCell::new(Bytes([0; N])),
            free: Cell::new(0),
            ready: Cell::new(false),
            used: Cell::new(0),
        }
    }

    /// The bytes allocated and not given back (each allocation rounded up
    /// to 8): for an app's own report of what its heap needs.
    pub fn used(&self) -> usize {
        self.used.get()
    }

    fn base(&self) -> *mut u8 {
        self.heap.get() as *mut u8
    }

    /// The free block at `at`: its size and the next one's offset.
    ///
    /// SAFETY: `at` is the offset of a free block (so `at + 8 <= N`).
    unsafe fn block(&self, at: u32) -> (u32, u32) {
        let p = unsafe { self.base().add(at as usize) } as *const u32;
        unsafe { (p.read(), p.add(1).read()) }
    }

    /// Makes `at` a free block of `size` bytes followed by `next`.
    ///
    /// SAFETY: `at..at + size` is in the heap, not allocated, aligned to
    /// [`UNIT`], and `size >= UNIT`.
    unsafe fn set(&self, at: u32, size: u32, next: u32) {
        let p = unsafe { self.base().add(at as usize) } as *mut u32;
        unsafe {
            p.write(size);
            p.add(1).write(next);
        }
    }

    /// Points the link that led to `prev`'s successor (or the list's head)
    /// at `to`.
    unsafe fn link(&self, prev: u32, to: u32) {
        if prev == NONE {
            self.free.set(to);
        } else {
            let (size, _) = unsafe { self.block(prev) };
            unsafe { self.set(prev, size, to) };
        }
    }
}

unsafe impl<const N: usize> GlobalAlloc for FixedHeap<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !self.ready.get() {
            self.ready.set(true);
            let whole = (N.min(u32::MAX as usize)) & !(UNIT - 1);
            if whole >= UNIT {
                unsafe { self.set(0, whole as u32, NONE) };
                self.free.set(0);
            } else {
                self.free.set(NONE);
            }
        }
        let Some(size) = units(layout.size()) else {
            return core::ptr::null_mut();
        };
        let align = layout.align().max(UNIT);
        let base = self.base() as usize;
        let (mut prev, mut at) = (NONE, self.free.get());
        while at != NONE {
            let (block, next) = unsafe { self.block(at) };
            let (block, start) = (block as usize, at as usize);
            // The first aligned place in the block that leaves before it
            // either nothing or a block of its own.
            // `align` is a power of two (`Layout` says so).
            let aligned = |from: usize| ((base + from + align - 1) & !(align - 1)) - base;
            let mut first = aligned(start);
            if first != start && first - start < UNIT {
                first = aligned(start + UNIT);
            }
            let pad = first - start;
            if pad.checked_add(size).is_some_and(|need| need <= block) {
                let rest = block - pad - size;
                let mut to = next;
                if rest > 0 {
                    let tail = (first + size) as u32;
                    unsafe { self.set(tail, rest as u32, next) };
                    to = tail;
                }
                if pad > 0 {
                    unsafe { self.set(at, pad as u32, to) };
                } else {
                    unsafe { self.link(prev, to) };
                }
                self.used.set(self.used.get() + size);
                // SAFETY: `first + size <= start + block <= N`.
                return unsafe { self.base().add(first) };
            }
            (prev, at) = (at, next);
        }
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(size) = units(layout.size()) else {
            return;
        };
        self.used.set(self.used.get().saturating_sub(size));
        let at = (ptr as usize - self.base() as usize) as u32;
        let size = size as u32;
        // The free blocks before and after it, in address order.
        let (mut prev, mut next) = (NONE, self.free.get());
        while next != NONE && next < at {
            prev = next;
            next = unsafe { self.block(next) }.1;
        }
        // Merged with the block after it, if they touch.
        let (mut size, mut after) = (size, next);
        if next != NONE && at + size == next {
            let (next_size, next_next) = unsafe { self.block(next) };
            size += next_size;
            after = next_next;
        }
        // And with the block before it.
        if prev != NONE {
            let (prev_size, _) = unsafe { self.block(prev) };
            if prev + prev_size == at {
                unsafe { self.set(prev, prev_size + size, after) };
                return;
            }
        }
        unsafe {
            self.set(at, size, after);
            self.link(prev, at);
        }
    }
}

/// A bump allocator over `N` bytes of static memory, for the smallest apps
/// with a fixed memory, which allocate a bounded amount once (blinky: its
/// arguments): a few dozen bytes of code where [`FixedHeap`] takes a few
/// hundred. It hands out the bytes in order and takes back only the most
/// recent allocation; what does not fit is an allocation failure, which
/// traps. Like [`FixedHeap`] it is all zeros, in the app's
/// zero-initialised data, and never grows memory.
pub struct FixedBump<const N: usize> {
    heap: UnsafeCell<Bytes<N>>,
    /// The offset of the first free byte.
    next: Cell<usize>,
}

// SAFETY: a wasm app without threads is single-threaded.
unsafe impl<const N: usize> Sync for FixedBump<N> {}

impl<const N: usize> FixedBump<N> {
    /// An empty heap, all zero bytes.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        FixedBump {
            heap: UnsafeCell::new(Bytes([0; N])),
            next: Cell::new(0),
        }
    }

    /// The bytes handed out and not taken back, alignment padding included.
    pub fn used(&self) -> usize {
        self.next.get()
    }
}

unsafe impl<const N: usize> GlobalAlloc for FixedBump<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.heap.get() as usize;
        let next = base + self.next.get();
        // `align` is a power of two (`Layout` says so); the heap's own
        // alignment is 8, so an offset's alignment is the address's.
        let start = (next + layout.align() - 1) & !(layout.align() - 1);
        match (start - base).checked_add(layout.size()) {
            Some(end) if end <= N => {
                self.next.set(end);
                start as *mut u8
            }
            _ => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Only the most recent allocation can be given back.
        let at = ptr as usize - self.heap.get() as usize;
        if at + layout.size() == self.next.get() {
            self.next.set(at);
        }
    }
}

/// Makes a [`FixedBump`] of `$bytes` bytes the app's global allocator, as
/// [`fixed_heap!`](crate::fixed_heap) does a [`FixedHeap`]: for an app that
/// allocates a bounded amount once, in the fewest bytes of code.
#[macro_export]
macro_rules! fixed_bump_heap {
    ($bytes:expr) => {
        #[cfg(target_arch = "wasm32")]
        #[global_allocator]
        static WASI_HW_FIXED_HEAP: $crate::heap::FixedBump<{ $bytes }> =
            $crate::heap::FixedBump::new();
    };
}

/// Makes a [`FixedHeap`] of `$bytes` bytes the app's global allocator:
/// `wasi_hw_guest::fixed_heap!(2048);` at the top of the app's crate. Turn
/// the SDK's own allocators off (`default-features = false`, without
/// `allocator` or `bump-allocator`): two global allocators do not link.
#[macro_export]
macro_rules! fixed_heap {
    ($bytes:expr) => {
        #[cfg(target_arch = "wasm32")]
        #[global_allocator]
        static WASI_HW_FIXED_HEAP: $crate::heap::FixedHeap<{ $bytes }> =
            $crate::heap::FixedHeap::new();
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn a_new_heap_is_all_zero_bytes_so_it_costs_the_module_nothing() {
        // Every field zero (in blinky, `free` at u32::MAX put 1,040 bytes
        // of zeros into a data segment).
        let heap = FixedHeap::<64>::new();
        assert_eq!(
            (heap.free.get(), heap.ready.get(), heap.used.get()),
            (0, false, 0)
        );
        assert!(unsafe { &*heap.heap.get() }.0.iter().all(|&b| b == 0));
    }

    #[test]
    fn a_bump_heap_hands_out_in_order_takes_back_the_latest_and_stops_at_its_end() {
        let heap = FixedBump::<32>::new();
        let base = heap.heap.get() as usize;
        assert!(unsafe { &*heap.heap.get() }.0.iter().all(|&b| b == 0));
        unsafe {
            let a = heap.alloc(layout(3, 1));
            let b = heap.alloc(layout(8, 8));
            assert_eq!([a, b].map(|p| p as usize - base), [0, 8], "b aligned to 8");
            assert_eq!(heap.used(), 16);
            // Only the latest comes back.
            heap.dealloc(a, layout(3, 1));
            assert_eq!(heap.used(), 16);
            heap.dealloc(b, layout(8, 8));
            assert_eq!(heap.used(), 8);
            // 24 bytes are left from 8: 24 fit, 25 do not.
            assert!(heap.alloc(layout(25, 1)).is_null());
            assert_eq!(heap.alloc(layout(24, 1)) as usize - base, 8);
            assert!(heap.alloc(layout(1, 1)).is_null());
            assert!(heap.alloc(layout(isize::MAX as usize - 8, 1)).is_null());
        }
    }

    #[test]
    fn a_heap_smaller_than_a_block_gives_nothing() {
        let heap = FixedHeap::<4>::new();
        assert!(unsafe { heap.alloc(layout(1, 1)) }.is_null());
        assert!(unsafe { heap.alloc(layout(1, 1)) }.is_null());
    }

    #[test]
    fn blocks_are_carved_in_order_reused_and_merged_when_freed() {
        let heap = FixedHeap::<64>::new();
        let base = heap.base() as usize;
        unsafe {
            let a = heap.alloc(layout(3, 1));
            let b = heap.alloc(layout(8, 8));
            let c = heap.alloc(layout(20, 4));
            assert_eq!(
                [a, b, c].map(|p| p as usize - base),
                [0, 8, 16],
                "first fit, in units of 8"
            );
            assert_eq!(heap.used(), 8 + 8 + 24);
            // What is left (24 bytes) fits 24, not 25.
            assert!(heap.alloc(layout(25, 1)).is_null());
            // A freed block in the middle is reused by what fits in it.
            heap.dealloc(b, layout(8, 8));
            assert_eq!(heap.alloc(layout(5, 1)), b);
            heap.dealloc(b, layout(5, 1));
            // Freed in any order, the blocks merge back into one: the whole
            // heap fits again.
            heap.dealloc(a, layout(3, 1));
            heap.dealloc(c, layout(20, 4));
            assert_eq!(heap.used(), 0);
            let all = heap.alloc(layout(64, 8));
            assert_eq!(all as usize, base);
            assert!(heap.alloc(layout(1, 1)).is_null());
        }
    }

    #[test]
    fn a_large_alignment_leaves_a_free_block_before_it() {
        let heap = FixedHeap::<256>::new();
        let base = heap.base() as usize;
        unsafe {
            let a = heap.alloc(layout(8, 8));
            let big = heap.alloc(layout(16, 64));
            assert_eq!(big as usize % 64, 0);
            assert!(big as usize >= a as usize + 8);
            // The gap between them is free and used.
            let small = heap.alloc(layout(8, 8));
            assert_eq!(small as usize - base, 8);
            for (p, l) in [
                (a, layout(8, 8)),
                (big, layout(16, 64)),
                (small, layout(8, 8)),
            ] {
                heap.dealloc(p, l);
            }
            assert_eq!(heap.alloc(layout(256, 8)) as usize, base);
        }
    }

    /// Thousands of allocations and frees in a pseudo-random order: every
    /// block is aligned, inside the heap and apart from every other live
    /// one, and when all are freed the heap is whole again.
    #[test]
    fn random_allocations_never_overlap_and_all_come_back() {
        const N: usize = 4096;
        let heap = FixedHeap::<N>::new();
        let base = heap.base() as usize;
        let mut live: Vec<(*mut u8, Layout)> = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut failed = 0;
        for _ in 0..20_000 {
            let r = next();
            // Frees as often as it allocates, and at most 24 live (about
            // 2.4 KiB of the 4 KiB): a failure is then fragmentation.
            if (r % 2 == 0 || live.len() >= 24) && !live.is_empty() {
                let (p, l) = live.swap_remove((r as usize / 2) % live.len());
                unsafe { heap.dealloc(p, l) };
                continue;
            }
            let l = layout((r >> 8) as usize % 200 + 1, 1 << ((r >> 20) % 5));
            let p = unsafe { heap.alloc(l) };
            if p.is_null() {
                failed += 1;
                continue;
            }
            let (start, end) = (p as usize, p as usize + l.size());
            assert_eq!(start % l.align(), 0);
            assert!(start >= base && end <= base + N);
            for (q, m) in &live {
                let (s, e) = (*q as usize, *q as usize + m.size());
                assert!(end <= s || e <= start, "overlap");
            }
            live.push((p, l));
        }
        assert!(failed < 100, "{failed} allocations failed");
        for (p, l) in live.drain(..) {
            unsafe { heap.dealloc(p, l) };
        }
        assert_eq!(heap.used(), 0);
        assert_eq!(unsafe { heap.alloc(layout(N, 8)) } as usize, base);
    }
}
