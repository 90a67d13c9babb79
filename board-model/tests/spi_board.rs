//! SPI devices on a board read from its file: the policy, the spec's
//! argument checks, the clock moved by the wire's time, faults, and the
//! trace line of each call, written out.

use wasi_hw_board::board::spi::{Op, WireError};
use wasi_hw_board::board::{Board, SpiError, file};

const BOARD: &str = r#"
[[spi]]
name = "loop"
model = "loopback"
frequency-hz = 1000000
max-transfer = 32

[[spi.fault]]
error = "chip-select-fault"
on-transaction = 2

[[spi]]
name = "flash"
model = "w25q32jv"
frequency-hz = 8000000

[policy]
spi = ["loop"]
"#;

fn board() -> Board {
    file::parse_str("spi.toml", BOARD).unwrap()
}

fn last_line(board: &Board) -> String {
    board.trace.json_lines().lines().last().unwrap().to_string()
}

#[test]
fn only_granted_devices_open_and_only_they_are_listed() {
    let mut b = board();
    assert_eq!(b.spi_open("nope"), Err(SpiError::NotFound));
    assert_eq!(b.spi_open("flash"), Err(SpiError::NotPermitted));
    assert_eq!(
        last_line(&b),
        r#"{"args":{"device":"flash"},"interface":"spi","op":"open","result":{"err":"not-permitted"},"t":0}"#
    );
    assert_eq!(b.spi_open("loop"), Ok(0));
    let granted: Vec<String> = b.spi_granted().into_iter().map(|(n, _)| n).collect();
    assert_eq!(granted, ["loop"]);
}

#[test]
fn a_transaction_is_traced_with_its_wire_and_moves_the_clock() {
    let mut b = board();
    let d = b.spi_open("loop").unwrap();
    let r = b.spi_transaction(
        d,
        "transaction",
        &[
            Op::Write(&[0xa5]),
            Op::DelayNs(2_000),
            Op::Transfer(&[1, 2]),
        ],
    );
    assert_eq!(r, Ok(vec![vec![1, 2]]));
    assert_eq!(
        last_line(&b),
        r#"{"args":{"device":"loop","operations":[{"write":"[a5]"},{"delay-ns":2000},{"transfer":"[01 02]"}],"wire":["CS low","write [a5]","delay 2000ns","transfer [01 02] -> [01 02]","CS high"]},"interface":"spi","op":"transaction","result":{"ok":["[01 02]"]},"t":0}"#
    );
    // Three words at 1 MHz (8 µs each) and the 2 µs delay.
    assert_eq!(b.now(), 26_000);
}

#[test]
fn arguments_out_of_range_are_invalid_and_send_nothing() {
    let mut b = board();
    let d = b.spi_open("loop").unwrap();
    let long = [0u8; 33];
    for ops in [
        &[Op::Read(0)][..],
        &[Op::Read(33)][..],
        &[Op::Write(&long)][..],
        &[Op::Transfer(&[])][..],
        &[Op::DelayNs(1); 33][..],
    ] {
        assert_eq!(
            b.spi_transaction(d, "transaction", ops),
            Err(SpiError::InvalidArgument),
            "{ops:?}"
        );
    }
    assert!(last_line(&b).contains(r#""wire":[]"#), "{}", last_line(&b));
    assert_eq!(b.now(), 0);
    // The limits themselves are fine.
    assert!(b.spi_transaction(d, "read", &[Op::Read(32)]).is_ok());
    assert!(b.spi_transaction(d, "write", &[Op::Write(&[])]).is_ok());
}

#[test]
fn an_injected_fault_fails_its_transaction_with_the_specs_name() {
    let mut b = board();
    let d = b.spi_open("loop").unwrap();
    assert!(b.spi_transaction(d, "read", &[Op::Read(1)]).is_ok());
    assert!(b.spi_transaction(d, "read", &[Op::Read(1)]).is_ok());
    assert_eq!(
        b.spi_transaction(d, "read", &[Op::Read(1)]),
        Err(SpiError::Wire(WireError::ChipSelectFault))
    );
    assert!(
        last_line(&b).ends_with(r#""wire":["fault chip-select-fault"]},"interface":"spi","op":"read","result":{"err":"chip-select-fault"},"t":16000}"#),
        "{}",
        last_line(&b)
    );
    assert!(b.spi_transaction(d, "read", &[Op::Read(1)]).is_ok());
}

/// The SPI example of the board-file documentation (host-reference's
/// README, "SPI devices") reads as it says.
#[test]
fn the_documented_spi_example_reads_as_documented() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-reference/README.md"),
    )
    .unwrap();
    let section = readme.split("### SPI devices").nth(1).unwrap();
    let toml = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let b = file::parse_str("README.md", toml).unwrap();
    let flash = &b.spi[0];
    assert_eq!(
        (
            flash.name.as_str(),
            flash.bus.as_str(),
            flash.part.model(),
            flash.max_transfer
        ),
        ("flash", "spi1", "w25q32jv", 260)
    );
    assert_eq!(b.spi[1].part.model(), "bme280");
    assert_eq!(b.spi[1].faults.len(), 1);
}

/// `--vcd` shows each SPI device's chip select, clock, MOSI and MISO, bit
/// by bit: here 0xA5 written to the loopback in mode 0 at 1 MHz (a bit per
/// µs, data set at the bit's start, the clock's rising edge in its
/// middle), so that PulseView's SPI decoder reads the word back.
#[test]
fn the_waveform_shows_an_spi_transaction_bit_by_bit() {
    let mut b = board();
    let d = b.spi_open("loop").unwrap();
    b.spi_transaction(d, "write", &[Op::Write(&[0xa5])])
        .unwrap();
    let vcd = b.vcd();
    assert!(
        vcd.contains(
            "$var wire 1 ! loop.cs $end\n$var wire 1 \" loop.sck $end\n$var wire 1 # loop.mosi $end\n$var wire 1 $ loop.miso $end\n$var wire 1 % flash.cs $end\n"
        ),
        "{vcd}"
    );
    // Idle before: chip select high, clock low (mode 0), MOSI low, MISO
    // high (not driven).
    assert!(vcd.contains("$dumpvars\n1!\n0\"\n0#\n1$\n1%\n"), "{vcd}");
    // Bit 7 (1): chip select low and MOSI high at 0 (MISO already high),
    // the clock up at 500 ns and down at 1 µs, where bit 6 (0) is set.
    assert!(
        vcd.contains(
            "$end\n#0\n0!\n1#\n#500\n1\"\n#1000\n0\"\n0#\n0$\n#1500\n1\"\n#2000\n0\"\n1#\n1$\n"
        ),
        "{vcd}"
    );
    // Bit 0 (1) clocked in at 7.5 µs; the chip select high after 8 µs.
    assert!(vcd.ends_with("#7500\n1\"\n#8000\n0\"\n1!\n"), "{vcd}");
}

/// In mode 3 the clock idles high and data change on its first (falling)
/// edge: 0x80 written at 1 MHz.
#[test]
fn in_mode_3_the_clock_idles_high_and_data_change_on_its_first_edge() {
    let text = "[[spi]]\nname = \"m3\"\nmodel = \"loopback\"\nmode = \"mode3\"\n[policy]\nspi = [\"m3\"]\n";
    let mut b = file::parse_str("m3.toml", text).unwrap();
    let d = b.spi_open("m3").unwrap();
    b.spi_transaction(d, "write", &[Op::Write(&[0x80])])
        .unwrap();
    let vcd = b.vcd();
    assert!(vcd.contains("$dumpvars\n1!\n1\"\n0#\n1$\n$end\n"), "{vcd}");
    assert!(
        vcd.contains("#0\n0!\n1#\n0\"\n#500\n1\"\n#1000\n0#\n0$\n0\"\n#1500\n1\"\n"),
        "{vcd}"
    );
    assert!(vcd.ends_with("#7500\n1\"\n#8000\n1!\n"), "{vcd}");
}
