//! The tiny firmware (firmware/qemu-tiny), the second half of `cargo xtask
//! firmware`: packs blinky and button for wasefire-interpreter with
//! `wasi-hw-wasefire pack` (conformance/wasefire), builds the firmware,
//! boots it on QEMU, and reports its flash and RAM against the tiny
//! profile's budget: 64 KiB of flash and 32 KiB of RAM with blinky; then
//! builds it with the `conformance` feature and runs the conformance cases
//! and the hostile guests on it, one QEMU boot each.
//!
//! wasefire-interpreter needs `RUSTC_BOOTSTRAP=1`: both crates set it in
//! their own `.cargo/config.toml`, which cargo reads from the folder it
//! runs in, and the nested builds here set it too, for them alone.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::examples::{nested_cargo, which};
use crate::firmware::{Sections, boot_and_check_output, by_part, run_build, sections};
use crate::step::say;

/// The apps the tiny firmware embeds, packed for wasefire: three it runs,
/// their twins in C (`NAME-c`), and weather, which it must refuse: it uses
/// floating point.
const APPS: [&str; 7] = [
    "blinky", "button", "eeprom", "blinky-c", "button-c", "eeprom-c", "weather",
];

/// The bundles the tiny firmware embeds besides blinky's, which its flash
/// is counted without: its other apps, and the bundles it must refuse
/// (blinky's changed after signing, and blinky's for wasmi, of another
/// form).
const OTHER_BUNDLES: [&str; 8] = [
    "button.wasefire.bundle",
    "eeprom.wasefire.bundle",
    "blinky-c.wasefire.bundle",
    "button-c.wasefire.bundle",
    "eeprom-c.wasefire.bundle",
    "weather.wasefire.bundle",
    "tampered.wasefire.bundle",
    "blinky.bundle",
];

/// The tiny profile's budget.
const FLASH_GOAL: u64 = 64 * 1024;
const RAM_GOAL: u64 = 32 * 1024;

/// A cargo command in `dir` for a crate that needs wasefire-interpreter.
fn bootstrapped_cargo(dir: &Path) -> Command {
    let mut cargo = nested_cargo(dir);
    cargo
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("CARGO_TARGET_DIR");
    cargo
}

/// Builds `wasi-hw-wasefire` (the shim's wasefire adapter on this machine,
/// and the packer of wasefire bundles) and returns its path.
pub(crate) fn wasefire_host(root: &Path) -> Result<PathBuf> {
    let dir = root.join("conformance/wasefire");
    let mut cargo = bootstrapped_cargo(&dir);
    cargo.args(["build", "--locked", "--quiet"]);
    run_build(
        cargo,
        "wasi-hw-wasefire, which packs the apps for the interpreter",
    )?;
    Ok(root.join("target/wasefire/debug/wasi-hw-wasefire"))
}

/// Packs each app of [`APPS`] (`NAME.core.wasm` in `guests`) into
/// `NAME.wasefire.bundle` with the firmware's key, and writes
/// `tampered.wasefire.bundle`, blinky's with one byte changed.
fn pack(packer: &Path, guests: &Path) -> Result<()> {
    let key = guests.join("firmware.key");
    for app in APPS {
        let out = Command::new(packer)
            .arg("pack")
            .arg(guests.join(format!("{app}.core.wasm")))
            .arg("--key")
            .arg(&key)
            .arg("-o")
            .arg(guests.join(format!("{app}.wasefire.bundle")))
            .output()
            .with_context(|| format!("running {}", packer.display()))?;
        if !out.status.success() {
            bail!(
                "wasi-hw-wasefire pack {app} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    let mut tampered = std::fs::read(guests.join("blinky.wasefire.bundle"))?;
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    std::fs::write(guests.join("tampered.wasefire.bundle"), tampered)?;
    say(&format!(
        "packed {} for wasefire-interpreter (and changed one byte of tampered.wasefire.bundle)",
        APPS.join(", ")
    ));
    Ok(())
}

/// Builds the tiny firmware, boots it, and with `size_report` (and
/// binutils) reports its flash and RAM.
pub fn run(
    root: &Path,
    qemu: &Path,
    guests: &Path,
    size_report: bool,
    markdown: bool,
) -> Result<ExitCode> {
    let packer = wasefire_host(root)?;
    pack(&packer, guests)?;
    let firmware = root.join("firmware/qemu-tiny");
    let mut cargo = bootstrapped_cargo(&firmware);
    cargo
        .args(["build", "--release", "--locked"])
        .env("WASI_HW_GUESTS", guests);
    run_build(cargo, "the tiny firmware")?;
    let elf = firmware.join("target/thumbv7em-none-eabihf/release/wasi-hw-firmware-tiny");
    let Some(output) = boot_and_check_output(qemu, &elf, &firmware)? else {
        return Ok(ExitCode::FAILURE);
    };
    match (which("arm-none-eabi-size"), which("arm-none-eabi-nm")) {
        (Some(size), Some(nm)) if size_report => {
            print!("{}", report(&size, &nm, &elf, guests, &output, markdown)?);
        }
        _ => say("no size report of the tiny firmware"),
    }
    conformance(root, &firmware, guests)
}

/// The build with the `conformance` feature (firmware/qemu-tiny/run-case.sh
/// boots it once a case): every case, its memory bounded at 1 MiB (the test
/// guest grows its own), against the reference host; the cases in C; then
/// the hostile guests, in a fixed memory, against the shim on wasmi, but
/// that the interpreter does not name its traps.
fn conformance(root: &Path, firmware: &Path, guests: &Path) -> Result<ExitCode> {
    let mut cargo = bootstrapped_cargo(firmware);
    cargo
        .args([
            "build",
            "--release",
            "--locked",
            "--features",
            "conformance",
        ])
        .args(["--target-dir", "target/conformance"])
        .env("WASI_HW_GUESTS", guests);
    run_build(cargo, "the tiny firmware with the conformance cases")?;
    let script = firmware.join("run-case.sh");
    let passed = crate::firmware::conformance_on(
        root,
        &script,
        "the tiny firmware",
        Some("1048576"),
        &["--unnamed-traps"],
    )?;
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The number after `label` in the first line of `output` that starts with
/// `line` (`"PASS blinky:"`, `"heap peak "`).
fn number_after(output: &str, line: &str, label: &str) -> Result<u64> {
    let found = output
        .lines()
        .find(|l| l.starts_with(line))
        .with_context(|| format!("the tiny firmware printed no line starting {line:?}"))?;
    let rest = found
        .split_once(label)
        .with_context(|| format!("no {label:?} in {found:?}"))?
        .1;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .with_context(|| format!("no number after {label:?} in {found:?}"))
}

/// Flash and RAM against the goals, and the code by part.
fn report(
    size: &Path,
    nm: &Path,
    elf: &Path,
    guests: &Path,
    output: &str,
    markdown: bool,
) -> Result<String> {
    let Sections {
        vector_table,
        text,
        rodata,
        data,
        bss,
    } = sections(size, elf)?;
    let size = |file: &str| -> Result<u64> {
        Ok(std::fs::metadata(guests.join(file))
            .with_context(|| format!("the tiny firmware's {file}"))?
            .len())
    };
    let blinky = size("blinky.wasefire.bundle")?;
    let others = OTHER_BUNDLES.iter().map(|f| size(f)).sum::<Result<u64>>()?;
    let flash = vector_table + text + rodata + data - others;
    // RAM with blinky: what it ran in, from the firmware's own report.
    let heap_peak = number_after(output, "PASS blinky:", "heap peak ")?;
    let stack_peak = number_after(output, "PASS blinky:", "stack peak ")?;
    let blinky_at = output
        .find("app blinky")
        .context("the tiny firmware did not run blinky")?;
    let memory = number_after(&output[blinky_at..], "  linear memory ", "linear memory ")?;
    let arena = number_after(output, "RAM ", "heap ")?;
    let buffer = number_after(output, "RAM ", "linear memory ")?;
    let statics = (data + bss).saturating_sub(arena + buffer);
    let ram = memory + heap_peak + stack_peak + statics;
    let verdict = |have: u64, goal: u64| {
        if have <= goal {
            "met".to_string()
        } else {
            format!("NOT met, {} over", have - goal)
        }
    };
    let mut out = format!(
        "tiny firmware (bytes): .vector_table {vector_table} .text {text} .rodata {rodata} .data {data} .bss {bss}\n\
         flash with blinky (.vector_table + .text + .rodata + .data, less the other bundles it carries, \
         {others}): {flash}, blinky's bundle {blinky} of it; goal {FLASH_GOAL}: {}\n\
         RAM with blinky: linear memory {memory} + heap peak {heap_peak} + stack peak {stack_peak} \
         + static {statics} (.data + .bss, less the heap's arena {arena} and the memory buffer \
         {buffer}) = {ram}; goal {RAM_GOAL}: {}\n",
        verdict(flash, FLASH_GOAL),
        verdict(ram, RAM_GOAL),
    );
    let parts = by_part(nm, elf)?;
    let (open, sep, close) = if markdown {
        ("| ", " | ", " |")
    } else {
        ("  ", "  ", "")
    };
    out.push_str("the tiny firmware's code by the symbols' names:\n");
    if markdown {
        out.push_str("| part | .text (code) | .rodata (named symbols) |\n|---|---:|---:|\n");
    }
    let names: std::collections::BTreeSet<&str> = parts
        .text
        .keys()
        .chain(parts.rodata.keys())
        .copied()
        .collect();
    for p in names {
        out.push_str(&format!(
            "{open}{p}{sep}{}{sep}{}{close}\n",
            parts.text.get(p).copied().unwrap_or(0),
            parts.rodata.get(p).copied().unwrap_or(0)
        ));
    }
    let named: u64 = parts.rodata.values().sum();
    out.push_str(&format!(
        "{open}unnamed read-only data: strings, tables (import names and types, messages), the bundles{sep}{sep}{}{close}\n",
        rodata.saturating_sub(named)
    ));
    Ok(out)
}
