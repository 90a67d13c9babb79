//! The stack's high-water mark: the free stack is painted at start and
//! the first word that lost the paint is the deepest the stack went.

const PAINT: u32 = 0xdead_beef;

unsafe extern "C" {
    /// The end of .bss: the stack grows down towards it (cortex-m-rt).
    static mut __ebss: u32;
    /// The top of the stack (cortex-m-rt).
    static _stack_start: u32;
}

fn bottom() -> *mut u32 {
    core::ptr::addr_of_mut!(__ebss)
}

fn top() -> usize {
    core::ptr::addr_of!(_stack_start) as usize
}

/// Paints the stack below the caller's frame (leaving 256 bytes).
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize - 256;
    let mut word = bottom();
    while (word as usize) < sp {
        // SAFETY: between the end of .bss and below the live stack: memory
        // that nothing uses yet.
        unsafe {
            word.write_volatile(PAINT);
            word = word.add(1);
        }
    }
}

/// The most stack used since `paint`, in bytes.
pub fn peak() -> usize {
    let mut word = bottom();
    // SAFETY: reads words between the end of .bss and the top of the stack.
    while (word as usize) < top() && unsafe { word.read_volatile() } == PAINT {
        word = unsafe { word.add(1) };
    }
    top() - word as usize
}

/// The stack's whole size: from the end of .bss to the top of RAM.
pub fn size() -> usize {
    top() - bottom() as usize
}
