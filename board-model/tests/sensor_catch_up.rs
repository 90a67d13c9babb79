//! A running sensor's FIFO after a long wait: catching up costs at most the
//! FIFO's depth (and the 64 samples of history), not one step per sample
//! since the start, and gives what sample-by-sample catching up gives.

use wasi_hw_board::board::sensor::Sample;
use wasi_hw_board::board::{Board, file};

/// A sensor sampled every millisecond into a FIFO of four, whose
/// temperature ramps from 0 to 1000 over a second (so that every sample
/// differs) and then stays at 1000.
const BOARD: &str = r#"
[[sensor]]
name = "ramp"
kind = "thermometer"
interval = "1ms"
min-interval = "1ms"
fifo = 4
conversion = "0s"
channel = [{ channel = "temperature", min = -1e9, max = 1e9, ramp = { from = 0.0, to = 1000.0, over = "1s" } }]

[policy]
sensors = ["ramp"]
"#;

fn started() -> (Board, usize) {
    let mut board = file::parse_str("catch-up.toml", BOARD).unwrap();
    let s = board.sensor_open("ramp").unwrap();
    board.sensor_start(s).unwrap();
    (board, s)
}

fn summary(samples: &[Sample]) -> Vec<(u64, u64, f64)> {
    samples
        .iter()
        .map(|s| (s.timestamp, s.sequence, s.values[0]))
        .collect()
}

#[test]
fn a_sleep_of_2_to_the_60_ns_leaves_the_last_four_samples_and_counts_the_rest_as_overrun() {
    let (mut board, s) = started();
    let end = 1u64 << 60;
    board.advance_to(end);
    let (samples, overrun) = board.sensor_read_fifo(s, 100).unwrap();
    // 2^60 ns at 1 ms: 1,152,921,504,606 samples were due.
    let due = end / 1_000_000;
    assert_eq!(due, 1_152_921_504_606);
    assert_eq!(
        summary(&samples),
        vec![
            ((due - 3) * 1_000_000, due - 3, 1000.0),
            ((due - 2) * 1_000_000, due - 2, 1000.0),
            ((due - 1) * 1_000_000, due - 1, 1000.0),
            (due * 1_000_000, due, 1000.0),
        ]
    );
    assert_eq!(overrun, due - 4);
}

#[test]
fn one_long_catch_up_gives_what_many_short_ones_give() {
    // Board `a` catches up every 10 ms (10 samples a time, none skipped);
    // board `b` once, after 1 s (1,000 samples due, 936 skipped).
    let (mut a, sa) = started();
    for k in 1..=100 {
        a.advance_to(k * 10_000_000);
        a.sensor_catch_up(sa);
    }
    let (mut b, sb) = started();
    b.advance_to(1_000_000_000);
    let (from_a, overrun_a) = a.sensor_read_fifo(sa, 100).unwrap();
    let (from_b, overrun_b) = b.sensor_read_fifo(sb, 100).unwrap();
    assert_eq!(
        summary(&from_b),
        vec![
            (997_000_000, 997, 997.0),
            (998_000_000, 998, 998.0),
            (999_000_000, 999, 999.0),
            (1_000_000_000, 1000, 1000.0),
        ]
    );
    assert_eq!(summary(&from_a), summary(&from_b));
    assert_eq!((overrun_a, overrun_b), (996, 996));
    // The history that threshold triggers read is the same 64 samples.
    assert_eq!(
        summary(a.sensors[sa].recent.make_contiguous()),
        summary(b.sensors[sb].recent.make_contiguous())
    );
    assert_eq!(b.sensors[sb].recent.len(), 64);
}
