//! `cargo xtask firmware`: builds the QEMU firmware
//! (conformance/firmware-qemu) with the example apps' core modules inside,
//! reports where its flash and RAM go, and boots it on QEMU's MPS2-AN386.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::examples::{build, nested_cargo, strip_custom_sections, which};

/// The guests the firmware embeds.
const GUESTS: [&str; 3] = ["blinky", "button", "misbehave"];

/// How long QEMU may run before the firmware counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);

pub fn run(root: &Path, markdown: bool) -> Result<ExitCode> {
    let examples = root.join("guest-sdk/examples");
    let guests = root.join("target/firmware-guests");
    std::fs::create_dir_all(&guests)?;
    let mut guest_sizes = Vec::new();
    for app in GUESTS {
        let core = strip_custom_sections(&build(&examples, app, "wasm32v1-none", &[])?)?;
        guest_sizes.push((app, core.len()));
        std::fs::write(guests.join(format!("{app}.core.wasm")), core)?;
    }

    let firmware = root.join("conformance/firmware-qemu");
    let elf = firmware.join("target/thumbv7em-none-eabihf/release/wasi-hw-firmware-qemu");
    match (which("arm-none-eabi-size"), which("arm-none-eabi-nm")) {
        (Some(size), Some(nm)) => {
            // The same firmware without the shim, for the difference; and
            // with the typed adapter instead of the dispatch one.
            build_firmware(&firmware, &guests, &["--features", "size-baseline"])?;
            let baseline = sections(&size, &elf)?;
            build_firmware(&firmware, &guests, &["--features", "typed-linker"])?;
            let typed = sections(&size, &elf)?;
            build_firmware(&firmware, &guests, &[])?;
            print!(
                "{}",
                report(&size, &nm, &elf, &baseline, &typed, &guest_sizes, markdown)?
            );
        }
        _ => {
            build_firmware(&firmware, &guests, &[])?;
            println!("note: binutils-arm-none-eabi is not installed; no size report");
        }
    }

    let Some(qemu) = which("qemu-system-arm") else {
        bail!("qemu-system-arm is not installed (Debian: apt-get install qemu-system-arm)");
    };
    let mut child = Command::new(qemu)
        .args(["-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic"])
        .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(&elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting qemu-system-arm")?;
    let mut stdout = child.stdout.take().context("qemu's standard output")?;
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            child.kill()?;
            bail!("the firmware did not finish within {TIMEOUT:?} on QEMU");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reading qemu's output failed"))??;
    print!("{output}");
    let expected = std::fs::read_to_string(firmware.join("expected.txt"))?;
    if let Some(missing) = first_missing(&expected, &output) {
        eprintln!(
            "the firmware's output lacks, at its place: {missing:?} (see conformance/firmware-qemu/expected.txt)"
        );
        return Ok(ExitCode::FAILURE);
    }
    if !status.success() {
        eprintln!("the firmware reported a failure ({status})");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line of `expected` (but `#` comments) that does not start a
/// line of `output` after the lines matched before it.
fn first_missing<'e>(expected: &'e str, output: &str) -> Option<&'e str> {
    let mut lines = output.lines();
    expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .find(|want| !lines.any(|line| line.starts_with(want)))
}

/// Builds the firmware (release) with `guests` inside.
fn build_firmware(firmware: &Path, guests: &Path, args: &[&str]) -> Result<()> {
    let status = nested_cargo(firmware)
        .args(["build", "--quiet", "--release", "--locked"])
        .args(args)
        .env("WASI_HW_GUESTS", guests)
        .status()
        .context("running cargo build for the firmware")?;
    if !status.success() {
        bail!("building the firmware failed");
    }
    Ok(())
}

/// The sizes of the sections that matter, from `arm-none-eabi-size -A`.
#[derive(Debug, Clone, Copy, Default)]
struct Sections {
    text: u64,
    rodata: u64,
    data: u64,
    bss: u64,
}

fn sections(size: &Path, elf: &Path) -> Result<Sections> {
    let out = Command::new(size).arg("-A").arg(elf).output()?;
    if !out.status.success() {
        bail!("arm-none-eabi-size failed on {}", elf.display());
    }
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let section = |name: &str| -> u64 {
        out.lines()
            .find_map(|l| {
                let mut f = l.split_whitespace();
                (f.next() == Some(name))
                    .then(|| f.next()?.parse().ok())
                    .flatten()
            })
            .unwrap_or(0)
    };
    Ok(Sections {
        text: section(".text"),
        rodata: section(".rodata"),
        data: section(".data"),
        bss: section(".bss"),
    })
}

/// Where a symbol's bytes belong, by its demangled name.
fn part(name: &str) -> &'static str {
    if name.contains("wasi_hw_shim_runtime") {
        "shim runtime (wasi-hw-shim-runtime)"
    } else if name.contains("wasi_hw_shim::hal") {
        "board model: embedded-hal adapter (wasi_hw_shim::hal)"
    } else if name.contains("wasi_hw_shim::app::wasmi") || name.contains("wasi_hw_shim::run") {
        "shim: wasmi adapter and run (wasi_hw_shim::app::wasmi, ::run)"
    } else if name.contains("wasi_hw_shim") {
        "shim: generated glue and traits (wasi_hw_shim::app)"
    } else if name.contains("wasi_hw_firmware_qemu") {
        "board model: parts and main (the firmware crate)"
    } else if name.contains("wasmi") || name.contains("wasmparser") {
        "wasmi (engine, wasmparser)"
    } else if name.contains("embedded_alloc") || name.contains("linked_list_allocator") {
        "heap allocator (embedded-alloc)"
    } else {
        "other (core, alloc, compiler-builtins, cortex-m-rt, semihosting)"
    }
}

/// The size report: sections with and without the shim, then the code
/// split by owner as the symbols name it.
fn report(
    size: &Path,
    nm: &Path,
    elf: &Path,
    baseline: &Sections,
    typed: &Sections,
    guests: &[(&str, usize)],
    markdown: bool,
) -> Result<String> {
    let full = sections(size, elf)?;
    let symbols = Command::new(nm)
        .args(["--print-size", "--size-sort", "--demangle", "--radix=d"])
        .arg(elf)
        .output()?;
    let mut text: BTreeMap<&str, u64> = BTreeMap::new();
    let mut rodata: BTreeMap<&str, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&symbols.stdout).lines() {
        let mut f = line.splitn(4, ' ');
        let (Some(_), Some(bytes), Some(kind), Some(name)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let Ok(bytes) = bytes.parse::<u64>() else {
            continue;
        };
        match kind {
            "t" | "T" | "W" | "w" => *text.entry(part(name)).or_default() += bytes,
            "r" | "R" => *rodata.entry(part(name)).or_default() += bytes,
            _ => {}
        }
    }
    let guests_total: usize = guests.iter().map(|(_, n)| n).sum();
    let mut out = String::new();
    let (open, sep, close) = if markdown {
        ("| ", " | ", " |")
    } else {
        ("", "  ", "")
    };
    out.push_str(&format!(
        "firmware (bytes): .text {} .rodata {} .data {} .bss {}\n\
         without the shim: .text {} .rodata {} .data {} .bss {}\n\
         the shim (generated glue, runtime, wasmi dispatch adapter, embedded-hal adapter, \
         board parts' trait code, wasmi's linker code): {} bytes of flash (.text {} + .rodata {}), \
         {} of static RAM\n\
         the same with the typed adapter (add_to_linker): {} bytes of flash (.text {} + .rodata {})\n",
        full.text,
        full.rodata,
        full.data,
        full.bss,
        baseline.text,
        baseline.rodata,
        baseline.data,
        baseline.bss,
        (full.text + full.rodata).saturating_sub(baseline.text + baseline.rodata),
        full.text.saturating_sub(baseline.text),
        full.rodata.saturating_sub(baseline.rodata),
        (full.data + full.bss).saturating_sub(baseline.data + baseline.bss),
        (typed.text + typed.rodata).saturating_sub(baseline.text + baseline.rodata),
        typed.text.saturating_sub(baseline.text),
        typed.rodata.saturating_sub(baseline.rodata),
    ));
    out.push_str(
        "code by the symbols' names (generic code inlined into wasmi's is counted as wasmi's):\n",
    );
    if markdown {
        out.push_str("| part | .text (code) | .rodata (named symbols) |\n|---|---:|---:|\n");
    }
    let parts: std::collections::BTreeSet<&str> =
        text.keys().chain(rodata.keys()).copied().collect();
    for p in parts {
        out.push_str(&format!(
            "{open}{p}{sep}{}{sep}{}{close}\n",
            text.get(p).copied().unwrap_or(0),
            rodata.get(p).copied().unwrap_or(0)
        ));
    }
    let names: Vec<String> = guests.iter().map(|(a, n)| format!("{a} {n}")).collect();
    out.push_str(&format!(
        "guests in .rodata: {guests_total} bytes ({})\n",
        names.join(", ")
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::first_missing;

    #[test]
    fn expected_lines_must_come_in_order_as_line_prefixes() {
        let output = "app blinky\n  [0 ms] led on\nnoise\nPASS blinky: heap peak 10 bytes\n";
        assert_eq!(
            first_missing("# comment\napp blinky\nPASS blinky:\n", output),
            None
        );
        assert_eq!(
            first_missing("PASS blinky:\napp blinky\n", output),
            Some("app blinky")
        );
        assert_eq!(
            first_missing("app blinky\n  [0 ms] led off\n", output),
            Some("  [0 ms] led off")
        );
    }
}
