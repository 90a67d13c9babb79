//! The glue's fuzz harness: a sequence of import calls with arbitrary
//! arguments against arbitrary guest memory and a `cabi_realloc` that may
//! lie, through `app::dispatch`, on any host of the generated traits.
//! Whatever the input, every call returns (a value or an error) and nothing
//! panics, in the glue or in the host. Shared by the cargo-fuzz targets
//! (`fuzz_targets/`) and the tests that replay their corpora
//! (`host-shim/tests/fuzz_corpus.rs`, `board-model/tests/fuzz_corpus.rs`).
//!
//! Input: byte 0 picks `cabi_realloc`'s behaviour (honest bump allocator,
//! garbage pointers, or failure); then a stream of operations: a byte below
//! 0xf0 calls import `byte % IMPORTS.len()` with its arguments read next
//! (4 bytes for an i32, 8 for an i64, little-endian); 0xf0 and above pokes
//! bytes into guest memory (2-byte offset, 1-byte length, the bytes).

use wasi_hw_shim::app::{Host, IMPORTS, Tables, ValType, dispatch};
use wasi_hw_shim::runtime::{Error, Guest};

/// Guest memory: small, so that fuzzed pointers often land inside it.
const MEMORY: usize = 4096;

/// How the fuzzed guest's `cabi_realloc` behaves.
enum Realloc {
    Bump(u32),
    Garbage(u32),
    Fails,
}

pub struct FuzzGuest<H: Host> {
    memory: Vec<u8>,
    tables: Tables<H>,
    realloc: Realloc,
}

impl<H: Host> Guest<Tables<H>> for FuzzGuest<H> {
    fn memory(&mut self) -> &mut [u8] {
        &mut self.memory
    }
    fn parts(&mut self) -> (&mut [u8], &mut Tables<H>) {
        (&mut self.memory, &mut self.tables)
    }
    fn realloc(&mut self, _: u32, _: u32, align: u32, size: u32) -> Result<u32, Error> {
        match &mut self.realloc {
            Realloc::Bump(next) => {
                let at = next
                    .checked_next_multiple_of(align.max(1))
                    .ok_or(Error::Realloc)?;
                *next = at.saturating_add(size);
                Ok(at)
            }
            Realloc::Garbage(seed) => {
                *seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                Ok(*seed)
            }
            Realloc::Fails => Err(Error::Trap(&"cabi_realloc trapped")),
        }
    }
}

/// A guest with zeroed memory, empty tables and an honest `cabi_realloc`,
/// for tests that call `dispatch` directly.
#[allow(dead_code)]
pub fn honest_guest<H: Host>() -> FuzzGuest<H> {
    FuzzGuest {
        memory: vec![0; MEMORY],
        tables: Tables::new(),
        realloc: Realloc::Bump(2048),
    }
}

/// Runs one input on `host`; returns how many calls returned a value and
/// how many an error.
pub fn run<H: Host>(mut host: H, data: &[u8]) -> (usize, usize) {
    let Some((&mode, mut data)) = data.split_first() else {
        return (0, 0);
    };
    let mut guest = FuzzGuest::<H> {
        memory: vec![0; MEMORY],
        tables: Tables::new(),
        realloc: match mode % 3 {
            0 => Realloc::Bump(2048),
            1 => Realloc::Garbage(u32::from(mode)),
            _ => Realloc::Fails,
        },
    };
    let (mut ok, mut err) = (0, 0);
    while let Some((&op, rest)) = data.split_first() {
        data = rest;
        if op >= 0xf0 {
            let [a, b, len, rest @ ..] = data else { break };
            let at = usize::from(u16::from_le_bytes([*a, *b])) % MEMORY;
            let len = usize::from(*len).min(rest.len()).min(MEMORY - at);
            guest.memory[at..at + len].copy_from_slice(&rest[..len]);
            data = &rest[len..];
            continue;
        }
        let index = usize::from(op) % IMPORTS.len();
        let mut args = Vec::new();
        for param in IMPORTS[index].params {
            let width = match param {
                ValType::I32 | ValType::F32 => 4,
                ValType::I64 | ValType::F64 => 8,
            };
            let Some((bytes, rest)) = data.split_at_checked(width) else {
                return (ok, err);
            };
            data = rest;
            let mut word = [0u8; 8];
            word[..width].copy_from_slice(bytes);
            args.push(u64::from_le_bytes(word));
        }
        match dispatch(&mut host, &mut guest, index, &args) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    (ok, err)
}

/// Replays every input of the corpus in `dir`, each on a fresh host, and
/// checks that it still means something: at least 10 inputs, reaching calls
/// that succeed and calls that fail. For the tests that replay the corpora.
#[allow(dead_code)]
pub fn replay<H: Host>(dir: &std::path::Path, host: impl Fn() -> H) {
    let mut inputs = 0;
    let (mut ok, mut err) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let (o, e) = run(host(), &data);
        ok += o;
        err += e;
        inputs += 1;
    }
    assert!(
        inputs >= 10,
        "the corpus in {} has only {inputs} inputs",
        dir.display()
    );
    assert!(
        ok > 0 && err > 0,
        "the corpus should reach calls that succeed ({ok}) and that fail ({err})"
    );
}
