//! Benchmarks of the reference host, with their baselines in the same run.
//!
//! - Guest-to-host call cost of `gpio` set-high, an `i2c` write-read of 16
//!   bytes, an `spi` transfer of 16 bytes and a `sensor` read, each against the cheapest import of the
//!   world (`timer.resolution`), as a ratio. The cost of a call is the
//!   difference between runs of 2N and N calls, over N: instantiation and
//!   the app's start cancel out. Tracing is off, as in a deployment.
//! - The time to instantiate an app from its `InstancePre`.
//! - The wall time of a one-hour weather log (60 readings, 60 s apart)
//!   under virtual time, against the hour it stands for.
//!
//! Run: `cargo bench -p wasi-hw-host --bench calls`. Figures are medians of
//! repeated runs; no timing here is a test.

use std::path::Path;
use std::time::{Duration, Instant};

use wasi_hw_host::board::i2c::{Address, Op};
use wasi_hw_host::board::spi;
use wasi_hw_host::board::{self, Board, gpio};
use wasi_hw_host::host::{Echo, Limits, Outcome, Runner};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boards/demo.toml");

fn board() -> Board {
    let mut b = board::file::load(Path::new(DEMO), false).unwrap();
    b.trace.on = false;
    b
}

fn run(runner: &Runner, args: &[&str]) -> Duration {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let board = board();
    let start = Instant::now();
    let r = runner
        .run(board, &args, &Limits::default(), Echo::Off)
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        matches!(r.outcome, Outcome::Success),
        "{args:?}: {:?}",
        r.outcome
    );
    elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per call of `op`.
fn per_call(runner: &Runner, op: &str, n: u32) -> f64 {
    let samples: Vec<f64> = (0..9)
        .map(|_| {
            let one = run(runner, &[op, &n.to_string()]);
            let two = run(runner, &[op, &(2 * n).to_string()]);
            (two.as_nanos() as f64 - one.as_nanos() as f64) / f64::from(n)
        })
        .collect();
    median(samples)
}

fn main() {
    let bench = Runner::from_file(Path::new(wasi_hw_artifacts::BENCH_COMPONENT), false).unwrap();
    // Warm up.
    run(&bench, &["empty", "1000"]);

    let n = 20_000;
    let empty = per_call(&bench, "empty", n);
    println!(
        "call cost, ns per call (median of 9; {n} vs {} calls):",
        2 * n
    );
    println!(
        "  {:<28} {:>8.1} ns  (baseline)",
        "timer.resolution (empty)", empty
    );
    for (op, label) in [
        ("frequency", "i2c bus.frequency-hz"),
        ("set-high", "gpio pin.set-high"),
        ("write-read", "i2c write-read, 16 bytes"),
        ("spi-transfer", "spi transfer, 16 bytes"),
        ("sensor-read", "sensor read"),
    ] {
        let cost = per_call(&bench, op, n);
        println!(
            "  {label:<28} {cost:>8.1} ns  {:.2}x the baseline",
            cost / empty
        );
    }

    // The board model alone, without wasmtime: what the host's own work costs.
    println!("the board model alone (the same operations, called directly; median of 9 x 200000):");
    let model = |f: &mut dyn FnMut(&mut Board)| -> f64 {
        let samples = (0..9)
            .map(|_| {
                let mut b = board();
                let n = 200_000;
                let start = Instant::now();
                for _ in 0..n {
                    f(&mut b);
                }
                start.elapsed().as_nanos() as f64 / f64::from(n)
            })
            .collect();
        median(samples)
    };
    let set_high = model(&mut |b| {
        let pin = match b.gpio.pins[0].open {
            true => 0,
            false => b
                .pin_open(
                    "led",
                    gpio::Config {
                        mode: gpio::Mode::PushPull,
                        pull: gpio::Pull::None,
                        active_low: false,
                        initial_high: false,
                    },
                )
                .unwrap(),
        };
        b.pin_set(pin, Some(true)).unwrap();
    });
    println!("  {:<28} {set_high:>8.1} ns", "pin_set (set-high)");
    let write_read = model(&mut |b| {
        let ops = [Op::Write(&[0x88]), Op::Read(16)];
        std::hint::black_box(
            b.i2c_transfer(0, "write-read", Address::Seven(0x76), &ops)
                .unwrap(),
        );
    });
    println!(
        "  {:<28} {write_read:>8.1} ns",
        "i2c_transfer (write-read 16)"
    );
    let transfer = model(&mut |b| {
        let mut out = [0u8; 16];
        out[0] = 0x88;
        let ops = [spi::Op::Transfer(&out)];
        std::hint::black_box(b.spi_transaction(1, "transfer", &ops).unwrap());
    });
    println!(
        "  {:<28} {transfer:>8.1} ns",
        "spi_transaction (transfer 16)"
    );
    let read = model(&mut |b| {
        if !b.sensors[0].open {
            b.sensor_open("ambient").unwrap();
        }
        std::hint::black_box(b.sensor_read(0).unwrap());
    });
    println!("  {:<28} {read:>8.1} ns", "sensor_read");

    let instantiate: Vec<f64> = (0..200)
        .map(|_| bench.instantiate_time(board()).as_nanos() as f64)
        .collect();
    println!(
        "instantiate from InstancePre: {:.1} us (median of 200)",
        median(instantiate) / 1000.0
    );

    let weather =
        Runner::from_file(Path::new(wasi_hw_artifacts::WEATHER_COMPONENT), false).unwrap();
    let hour: Vec<f64> = (0..5)
        .map(|_| run(&weather, &["60", "60"]).as_secs_f64() * 1000.0)
        .collect();
    println!(
        "one-hour weather log (60 readings, 60 s apart), virtual time: {:.1} ms of wall time (median of 5)",
        median(hour)
    );
}
