//! What the firmware asks of the machine that runs QEMU, through ARM
//! semihosting beyond `hprintln`: its command line (QEMU's
//! `-semihosting-config ...,arg=...`), files to read (the guest and the
//! board a conformance case names), and an exit code for QEMU to exit with.

use alloc::string::String;
use alloc::vec::Vec;

use cortex_m_semihosting::{nr, syscall, syscall1};

/// `SYS_EXIT_EXTENDED`: exit with a reason and a code.
const EXIT_EXTENDED: usize = 0x20;
/// `ADP_Stopped_ApplicationExit`: the reason for a normal exit.
const APPLICATION_EXIT: usize = 0x20026;

/// The longest command line the firmware reads (`run-case.sh` refuses
/// longer ones).
pub const MAX_COMMAND_LINE: usize = 4096;

/// The command line QEMU was given (`arg=` values joined by spaces; the
/// first is the program's name), or `None` when it gave none or one longer
/// than [`MAX_COMMAND_LINE`].
pub fn command_line() -> Option<String> {
    let mut buffer = alloc::vec![0u8; MAX_COMMAND_LINE];
    let mut block = [buffer.as_mut_ptr() as usize, buffer.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `block[1]` bytes into
    // `buffer` and the length it wrote into `block[1]`.
    let r = unsafe { syscall1(nr::GET_CMDLINE, block.as_mut_ptr() as usize) };
    if r != 0 {
        return None;
    }
    let text = buffer.get(..block[1])?;
    core::str::from_utf8(text).ok().map(String::from)
}

/// The whole file at `path` on the machine that runs QEMU.
pub fn read_file(path: &str) -> Result<Vec<u8>, &'static str> {
    let mut name = Vec::with_capacity(path.len() + 1);
    name.extend_from_slice(path.as_bytes());
    name.push(0);
    // SAFETY: `name` is NUL-terminated and outlives the call.
    let fd = unsafe { syscall!(OPEN, name.as_ptr(), nr::open::R_BINARY, path.len()) } as isize;
    if fd < 0 {
        return Err("cannot open it");
    }
    let fd = fd as usize;
    let result = read_open(fd);
    // SAFETY: `fd` is open.
    unsafe { syscall!(CLOSE, fd) };
    result
}

fn read_open(fd: usize) -> Result<Vec<u8>, &'static str> {
    // SAFETY: `fd` is open.
    let len = unsafe { syscall!(FLEN, fd) } as isize;
    if len < 0 {
        return Err("cannot tell its length");
    }
    let mut bytes = alloc::vec![0u8; len as usize];
    let mut done = 0;
    while done < bytes.len() {
        let want = bytes.len() - done;
        // SAFETY: the buffer has `want` bytes from `done` on. SYS_READ
        // returns how many of them it did NOT read.
        let left = unsafe { syscall!(READ, fd, bytes.as_mut_ptr().add(done), want) };
        if left >= want {
            return Err("cannot read it");
        }
        done += want - left;
    }
    Ok(bytes)
}

/// Ends the firmware; QEMU exits with `code`.
pub fn exit(code: u32) -> ! {
    let block = [APPLICATION_EXIT, code as usize];
    // SAFETY: SYS_EXIT_EXTENDED reads the two words of `block`.
    unsafe { syscall1(EXIT_EXTENDED, block.as_ptr() as usize) };
    loop {
        cortex_m::asm::wfi();
    }
}
