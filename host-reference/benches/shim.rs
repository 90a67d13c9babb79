//! The generated no_std shim on wasmi against hand-written `func_wrap`
//! glue doing the same work, in the same run.
//!
//! The guest is the `bench` example's core module; the board is the demo
//! board with tracing off. For `gpio` set-high and an `i2c` write-read of
//! 16 bytes, the cost of a call is measured twice: through the generated
//! adapter, and through a hand-written `func_wrap` that does what a
//! firmware engineer would write for wasmi (look up `memory`, check the
//! handle in the same table, call the same host method, write the result,
//! copy a list into the guest through `cabi_realloc`). The host behind
//! both is the same (`BoardHost`, the reference board model), so the ratio
//! is the generated glue's cost against the hand-written glue's.
//!
//! The third column is the generated shim's other adapter, one untyped
//! trampoline over `dispatch` (`add_to_linker_dispatch`, smaller in flash).
//!
//! The cost of a call is the difference between runs of 2N and N calls,
//! over N. Run: `cargo bench -p wasi-hw-host --bench shim`. Medians of
//! repeated runs; no timing here is a test.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use wasi_hw_host::board::{self, Board};
use wasi_hw_host::host::{Limits, Outcome};
use wasi_hw_host::shim::{Adapter, CoreRunner, Data};
use wasi_hw_shim::app::{gpio::Gpio, i2c::Address, i2c::I2c};
use wasmi::{Caller, Extern};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boards/demo.toml");

fn board() -> Board {
    let mut b = board::file::load(Path::new(DEMO), false).unwrap();
    b.trace.on = false;
    b
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(runner: &CoreRunner, op: &str, n: u32) -> f64 {
    let args = [op.to_string(), n.to_string()];
    let start = Instant::now();
    let r = runner.run(board(), &args, &Limits::default()).unwrap();
    let t = start.elapsed().as_nanos() as f64;
    assert!(
        matches!(r.outcome, Outcome::Success),
        "{op}: {:?}",
        r.outcome
    );
    t
}

fn per_call(runner: &CoreRunner, op: &str, n: u32) -> f64 {
    median(
        (0..15)
            .map(|_| (run(runner, op, 2 * n) - run(runner, op, n)) / f64::from(n))
            .collect(),
    )
}

fn fail(m: &str) -> wasmi::Error {
    wasmi::Error::new(m)
}

/// What a firmware engineer writes by hand for these two imports.
fn hand_written(linker: &mut wasmi::Linker<Data>) -> Result<()> {
    linker.func_wrap(
        "wasi-hw:hal/gpio@0.1.1",
        "[method]pin.set-high",
        |mut caller: Caller<'_, Data>, pin: i32, ret: i32| -> Result<(), wasmi::Error> {
            let memory = caller
                .get_export("memory")
                .and_then(Extern::into_memory)
                .ok_or_else(|| fail("no memory"))?;
            let (mem, data) = memory.data_and_store_mut(&mut caller);
            let rep = data
                .shim
                .tables
                .gpio_pin
                .get_mut(pin as u32)
                .map_err(|_| fail("bad handle"))?;
            let mut rep = *rep;
            let host = data.shim.host_mut().ok_or_else(|| fail("no host"))?;
            let r = host.pin_set_high(&mut rep).map_err(|_| fail("trap"))?;
            let ret = ret as usize;
            let area = mem
                .get_mut(ret..ret + 2)
                .ok_or_else(|| fail("out of bounds"))?;
            match r {
                Ok(()) => area[0] = 0,
                Err(e) => {
                    area[0] = 1;
                    area[1] = e as u8;
                }
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        "wasi-hw:hal/i2c@0.1.1",
        "[method]bus.write-read",
        |mut caller: Caller<'_, Data>,
         bus: i32,
         kind: i32,
         addr: i32,
         ptr: i32,
         len: i32,
         length: i32,
         ret: i32|
         -> Result<(), wasmi::Error> {
            let memory = caller
                .get_export("memory")
                .and_then(Extern::into_memory)
                .ok_or_else(|| fail("no memory"))?;
            let realloc = caller
                .get_export("cabi_realloc")
                .and_then(Extern::into_func)
                .ok_or_else(|| fail("no cabi_realloc"))?
                .typed::<(i32, i32, i32, i32), i32>(&caller)?;
            let address = match kind {
                0 => Address::SevenBit(addr as u8),
                1 => Address::TenBit(addr as u16),
                _ => return Err(fail("bad address")),
            };
            let (mem, data) = memory.data_and_store_mut(&mut caller);
            let mut rep = *data
                .shim
                .tables
                .i2c_bus
                .get(bus as u32)
                .map_err(|_| fail("bad handle"))?;
            let (p, l) = (ptr as usize, len as usize);
            let bytes = mem
                .get(p..p.checked_add(l).ok_or_else(|| fail("overflow"))?)
                .ok_or_else(|| fail("out of bounds"))?;
            let host = data.shim.host_mut().ok_or_else(|| fail("no host"))?;
            let result = host
                .bus_write_read(&mut rep, address, bytes, length as u32)
                .map_err(|_| fail("trap"))?
                .map(|r| r.to_vec());
            let ret = ret as usize;
            match result {
                Ok(read) => {
                    let dst = realloc.call(&mut caller, (0, 0, 1, read.len() as i32))? as usize;
                    let mem = memory.data_mut(&mut caller);
                    mem.get_mut(dst..dst + read.len())
                        .ok_or_else(|| fail("bad realloc"))?
                        .copy_from_slice(&read);
                    let area = mem
                        .get_mut(ret..ret + 12)
                        .ok_or_else(|| fail("out of bounds"))?;
                    area[0] = 0;
                    area[4..8].copy_from_slice(&(dst as u32).to_le_bytes());
                    area[8..12].copy_from_slice(&(read.len() as u32).to_le_bytes());
                }
                Err(_) => {
                    let mem = memory.data_mut(&mut caller);
                    mem[ret] = 1;
                    mem[ret + 4] = 9;
                }
            }
            Ok(())
        },
    )?;
    Ok(())
}

fn main() {
    let bytes = std::fs::read(wasi_hw_artifacts::BENCH_CORE).expect("the bench app's core module");
    let generated = CoreRunner::new(&bytes).unwrap();
    let dispatch = CoreRunner::with_adapter(&bytes, Adapter::Dispatch).unwrap();
    let mut by_hand = CoreRunner::with_imports(&bytes, hand_written).unwrap();
    // Hand-written glue calls cabi_realloc without the shim's fuel
    // reserve, which a run in slices needs: this one runs in one go.
    by_hand.slice = u64::MAX;
    println!("guest-to-host call cost on wasmi, ns per call (median of 15):");
    println!(
        "{:<12} {:>10} {:>12} {:>7} {:>10} {:>7}",
        "import", "generated", "hand-written", "ratio", "dispatch", "ratio"
    );
    for (op, n) in [("set-high", 20_000), ("write-read", 20_000)] {
        let g = per_call(&generated, op, n);
        let h = per_call(&by_hand, op, n);
        let d = per_call(&dispatch, op, n);
        println!(
            "{op:<12} {g:>10.1} {h:>12.1} {:>6.2}x {d:>10.1} {:>6.2}x",
            g / h,
            d / h
        );
    }
}
