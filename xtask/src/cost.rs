//! The cost of one host call on the Cortex-M4, for each engine, in
//! instructions: the last part of `cargo xtask firmware`.
//!
//! QEMU runs each firmware with `-icount shift=0` (one instruction is one
//! nanosecond of the emulated clock) and its `bench` command runs the
//! `bench` guest on the demo board model, counting SysTick ticks over the
//! run; the firmware also times a loop of a million instructions, which
//! converts ticks to instructions (40 a tick: the MPS2-AN386's SysTick runs
//! at 25 MHz). A call's cost is the difference between a run of 1000 calls
//! and a run of none, over 1000: the guest's loop and binding code, the
//! engine's way into the host and back, the shim's glue and the board
//! model's own work (the same on both engines).

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::step::step;

/// The calls measured: the bench guest's operation and what it is.
const CALLS: [(&str, &str); 3] = [
    ("empty", "timer.resolution (the cheapest import)"),
    ("set-high", "gpio set-high"),
    ("write-read", "i2c write-read, 1 byte out and 16 in"),
];

/// Calls a run makes.
const COUNT: u64 = 1000;

/// The ticks and the ticks of a million instructions one bench run prints.
fn bench(
    qemu: &Path,
    elf: &Path,
    guest: &Path,
    board: &Path,
    op: &str,
    count: u64,
) -> Result<(u64, u64)> {
    let arg = |p: &Path| p.display().to_string().replace(',', ",,");
    let out = Command::new(qemu)
        .args([
            "-machine",
            "mps2-an386",
            "-cpu",
            "cortex-m4",
            "-nographic",
            "-monitor",
            "none",
        ])
        .args(["-icount", "shift=0", "-semihosting-config"])
        .arg(format!(
            "enable=on,target=native,arg=firmware,arg=bench,arg={},arg={},arg={op},arg={count}",
            arg(guest),
            arg(board)
        ))
        .arg("-kernel")
        .arg(elf)
        .stdin(Stdio::null())
        .output()
        .context("starting qemu-system-arm")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("bench "))
        .with_context(|| {
            format!(
                "{} printed no bench line for {op} {count}: {}{}",
                elf.display(),
                text,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let number = |after: &str| -> Result<u64> {
        let rest = line
            .split_once(after)
            .with_context(|| format!("{line:?}"))?
            .1;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().with_context(|| format!("{line:?}"))
    };
    Ok((number("]: ")?, number("instructions: ")?))
}

/// Instructions a call of `op` costs on the firmware `elf`.
fn cost(qemu: &Path, elf: &Path, guest: &Path, board: &Path, op: &str) -> Result<u64> {
    let (none, calibration) = bench(qemu, elf, guest, board, op, 0)?;
    let (many, _) = bench(qemu, elf, guest, board, op, COUNT)?;
    if calibration == 0 || many < none {
        bail!("{op}: the counts make no sense ({none} ticks for none, {many} for {COUNT})");
    }
    // Ticks to instructions: a million instructions took `calibration`.
    Ok((many - none) * 1_000_000 / calibration / COUNT)
}

/// Measures every call on both firmwares and gives the table.
pub fn report(
    qemu: &Path,
    wasmi: &Path,
    tiny: &Path,
    guest: &Path,
    board: &Path,
    markdown: bool,
) -> Result<String> {
    let rows = step(
        "measuring a host call's cost in instructions on both firmwares (QEMU -icount)",
        || {
            CALLS
                .iter()
                .map(|(op, what)| {
                    Ok((
                        *what,
                        cost(qemu, wasmi, guest, board, op)?,
                        cost(qemu, tiny, guest, board, op)?,
                    ))
                })
                .collect::<Result<Vec<_>>>()
        },
    )?;
    let mut out = format!(
        "one host call on the Cortex-M4, in instructions (QEMU -icount; a run of {COUNT} calls less a run of none, over {COUNT}; the demo board model behind both engines):\n"
    );
    let (open, sep, close) = if markdown {
        ("| ", " | ", " |")
    } else {
        ("  ", "  ", "")
    };
    out.push_str(&format!(
        "{open}call{sep}wasmi 2.0, dispatch adapter (firmware/qemu-wasmi){sep}wasefire-interpreter 0.5 (firmware/qemu-tiny){close}\n"
    ));
    if markdown {
        out.push_str("|---|---:|---:|\n");
    }
    for (what, wasmi, wasefire) in rows {
        out.push_str(&format!("{open}{what}{sep}{wasmi}{sep}{wasefire}{close}\n"));
    }
    Ok(out)
}
