//! `cargo xtask firmware`: builds the QEMU firmware
//! (firmware/qemu-wasmi) with the example apps' core modules inside,
//! reports where its flash and RAM go, boots it on QEMU's MPS2-AN386 to run
//! the apps, then runs the conformance suite on it (`run-case.sh`, one boot
//! a case) against the reference host, and the hostile guests against the
//! shim on wasmi; then the same for the tiny firmware (`tiny`), and with
//! the size report the cost of a host call on each engine (`cost`).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::examples::{build, nested_cargo, strip_custom_sections, which, workspace_bin};
use crate::setup;
use crate::step::{say, step, with_flags};

/// The guests the firmware embeds.
const GUESTS: [&str; 7] = [
    "blinky",
    "button",
    "misbehave",
    "weather",
    "eeprom",
    "flash",
    "weather-spi",
];

/// The guests whose memory is fixed (the guest SDK's `fixed_heap!`): packed
/// in form `custom-pages`, so that wasmi gives each exactly the memory it
/// needs instead of a 64 KiB page.
const FIXED: [&str; 6] = [
    "blinky",
    "button",
    "eeprom",
    "weather",
    "flash",
    "weather-spi",
];

/// The apps in C (guest-sdk/c/examples) the wasmi firmware also embeds, as
/// `NAME-c.bundle`: each must print what its Rust twin prints.
pub(crate) const C_GUESTS: [&str; 3] = ["blinky", "button", "eeprom"];

/// How long QEMU may run before the firmware counts as hung.
const TIMEOUT: Duration = Duration::from_secs(120);

/// `size_report`: build the size baselines and the probe and report where
/// the flash goes (four more firmware builds), or build only the firmware.
pub fn run(root: &Path, markdown: bool, size_report: bool) -> Result<ExitCode> {
    // What cannot be installed here is named before minutes of building.
    let Some(qemu) = which("qemu-system-arm") else {
        bail!(
            "qemu-system-arm is not installed, and the firmware runs on it: \
             `apt-get install qemu-system-arm` (Debian)"
        );
    };
    crate::c::check_tools()?;
    setup::targets(root)?;
    let examples = root.join("guest-sdk/examples");
    let guests = root.join("target/firmware-guests");
    std::fs::create_dir_all(&guests)?;
    let mut guest_sizes = Vec::new();
    for app in GUESTS {
        let core = strip_custom_sections(&build(&examples, app, "wasm32v1-none", &[])?)?;
        guest_sizes.push((app.to_string(), core.len()));
        std::fs::write(guests.join(format!("{app}.core.wasm")), core)?;
    }
    let c_out = guests.join("c");
    std::fs::create_dir_all(&c_out)?;
    for app in C_GUESTS {
        crate::c::make(&crate::c::example(root, app), app, &c_out, None)?;
        let core = strip_custom_sections(&std::fs::read(c_out.join(format!("{app}.wasm")))?)?;
        guest_sizes.push((format!("{app} in C"), core.len()));
        std::fs::write(guests.join(format!("{app}-c.core.wasm")), core)?;
    }
    sign_guests(root, &guests)?;

    let firmware = root.join("firmware/qemu-wasmi");
    let elf = firmware.join("target/thumbv7em-none-eabihf/release/wasi-hw-firmware-wasmi");
    match (which("arm-none-eabi-size"), which("arm-none-eabi-nm")) {
        _ if !size_report => {
            build_firmware(&firmware, &guests, &[])?;
            say("no size report (--no-size-report)");
        }
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
            // The probe without imports registered, for the read-only data
            // the shim adds (import names, tables), which has no symbols.
            let probe = build_probe(&firmware, &guests, &["--features", "size-baseline"])?;
            let probe_baseline = sections(&size, &probe)?;
            let probe = build_probe(&firmware, &guests, &[])?;
            print!(
                "{}",
                probe_report(&size, &nm, &probe, &probe_baseline, markdown)?
            );
        }
        _ => {
            build_firmware(&firmware, &guests, &[])?;
            say("binutils-arm-none-eabi is not installed (apt-get install \
                 binutils-arm-none-eabi): no size report");
        }
    }

    if !boot_and_check(&qemu, &elf, &firmware)? {
        return Ok(ExitCode::FAILURE);
    }
    if conformance(root, &firmware)? != ExitCode::SUCCESS {
        return Ok(ExitCode::FAILURE);
    }
    if crate::tiny::run(root, &qemu, &guests, size_report, markdown)? != ExitCode::SUCCESS {
        return Ok(ExitCode::FAILURE);
    }
    if size_report {
        let bench = guests.join("bench.core.wasm");
        std::fs::write(&bench, build(&examples, "bench", "wasm32v1-none", &[])?)?;
        let tiny = root.join(
            "firmware/qemu-tiny/target/conformance/thumbv7em-none-eabihf/release/wasi-hw-firmware-tiny",
        );
        let board = root.join("host-reference/boards/demo.toml");
        print!(
            "{}",
            crate::cost::report(&qemu, &elf, &tiny, &bench, &board, markdown)?
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Boots `elf` on QEMU's MPS2-AN386, prints what it printed, and checks it
/// against `firmware`'s expected.txt and its exit code: whether both were
/// right. Also gives the output back through `output`.
pub(crate) fn boot_and_check(qemu: &Path, elf: &Path, firmware: &Path) -> Result<bool> {
    Ok(boot_and_check_output(qemu, elf, firmware)?.is_some())
}

/// [`boot_and_check`], with the firmware's output when it was right.
pub(crate) fn boot_and_check_output(
    qemu: &Path,
    elf: &Path,
    firmware: &Path,
) -> Result<Option<String>> {
    say("running the apps on QEMU's MPS2-AN386 (Cortex-M4)");
    let qemu_started = std::time::Instant::now();
    let mut child = Command::new(qemu)
        .args(["-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic"])
        .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(elf)
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
    say(&format!(
        "the firmware ran the apps in {}",
        crate::step::seconds(qemu_started.elapsed())
    ));
    let expected_path = firmware.join("expected.txt");
    let expected = std::fs::read_to_string(&expected_path)?;
    if let Some(missing) = first_missing(&expected, &output) {
        eprintln!(
            "the firmware's output lacks, at its place: {missing:?} (see {})",
            expected_path.display()
        );
        return Ok(None);
    }
    if !status.success() {
        eprintln!("the firmware reported a failure ({status})");
        return Ok(None);
    }
    Ok(Some(output))
}

/// The conformance suite on the firmware: every case in its own QEMU boot
/// (`run-case.sh`), its trace compared with the reference host's, the cases
/// in C likewise; then the hostile guests, each ended as the shim on wasmi
/// ends it; then the script's own refusals.
fn conformance(root: &Path, firmware: &Path) -> Result<ExitCode> {
    let script = firmware.join("run-case.sh");
    if !conformance_on(root, &script, "the firmware", None, &[])? {
        return Ok(ExitCode::FAILURE);
    }
    refuses_bad_input(&script, &root.join("conformance/board.toml"))?;
    Ok(ExitCode::SUCCESS)
}

/// The conformance runner on a firmware through its `run-case.sh`
/// (`script`), one QEMU boot a case: the cases (their memory bounded at
/// `max_memory` bytes, `WASI_HW_MAX_MEMORY`, or fixed), the cases in C (in
/// their fixed memory), then the hostile guests (with `hostile` added to
/// the runner's arguments). False when one run fails.
pub(crate) fn conformance_on(
    root: &Path,
    script: &Path,
    on: &str,
    max_memory: Option<&str>,
    hostile: &[&str],
) -> Result<bool> {
    // Building the runner builds the test guests too.
    let runner = workspace_bin(root, "wasi-hw-conformance", "the conformance runner")?;
    let c_guest = crate::c::conformance_guest(
        root,
        &root.join("target/c"),
        &runner.with_file_name("wasi-hw"),
    )?;
    let mut hostile_args: Vec<OsString> = vec!["--hostile".into()];
    hostile_args.extend(hostile.iter().map(OsString::from));
    for (what, args, memory) in [
        ("the conformance suite", vec![], max_memory),
        ("the conformance cases in C", c_guest, None),
        ("the hostile guests", hostile_args, None),
    ] {
        let status = step(
            &format!("running {what} on {on} (one QEMU boot each)"),
            || {
                let mut command = Command::new(&runner);
                command.args(&args).arg("--host-command").arg(script);
                match memory {
                    Some(bytes) => command.env("WASI_HW_MAX_MEMORY", bytes),
                    None => command.env_remove("WASI_HW_MAX_MEMORY"),
                };
                command
                    .status()
                    .with_context(|| format!("running {}", runner.display()))
            },
        )?;
        if !status.success() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The firmware's side of the protocol refuses what it cannot run with exit
/// 2 and a message: a guest it cannot read, a command line too long for it.
fn refuses_bad_input(script: &Path, board: &Path) -> Result<()> {
    let long = "x".repeat(4100);
    let cases: [(&str, &str, String); 2] = [
        (
            "/no/such/cases.wasm",
            "gpio-open",
            "firmware: /no/such/cases.wasm: cannot open it".to_string(),
        ),
        (
            &long,
            "gpio-open",
            "run-case.sh: the firmware reads a command line of at most 4095 bytes".to_string(),
        ),
    ];
    for (guest, case, want) in cases {
        let out = Command::new(script)
            .env("WASI_HW_CASE", case)
            .env("WASI_HW_GUEST_CORE", guest)
            .env("WASI_HW_BOARD", board)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", script.display()))?;
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) || !err.starts_with(&want) {
            bail!(
                "{} with the guest {guest:.40}: expected exit 2 and {want:?}, got {:?} and {err:?}",
                script.display(),
                out.status.code()
            );
        }
    }
    println!(
        "the firmware refuses a guest it cannot read and a command line too long, with exit 2"
    );
    Ok(())
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

/// `cargo build` of the firmware crate's binary `bin` (release) with
/// `guests` inside.
fn firmware_build(firmware: &Path, guests: &Path, bin: &str, args: &[&str]) -> Command {
    let mut cargo = nested_cargo(firmware);
    cargo
        .args(["build", "--release", "--locked", "--bin", bin])
        .args(args)
        .env("WASI_HW_GUESTS", guests);
    cargo
}

/// Runs a build as a step; `what` names it.
pub(crate) fn run_build(mut cargo: Command, what: &str) -> Result<()> {
    step(&format!("building {what}"), || {
        let status = cargo
            .status()
            .with_context(|| format!("running cargo build for {what}"))?;
        if !status.success() {
            bail!("building {what} failed");
        }
        Ok(())
    })
}

/// Builds the firmware.
fn build_firmware(firmware: &Path, guests: &Path, args: &[&str]) -> Result<()> {
    let cargo = firmware_build(firmware, guests, "wasi-hw-firmware-wasmi", args);
    run_build(cargo, &with_flags("the firmware", args))
}

/// Builds the size probe (`src/bin/shim-size.rs`: the shim over a host
/// that does nothing) with LLVM's machine outliner off, in a target folder
/// of its own, and returns its ELF. Without the outliner, no code of the
/// shim hides in `OUTLINED_FUNCTION_*` symbols shared with other code, so
/// counting the shim's symbols counts all of it (and if anything a little
/// more than the firmware, where the outliner shares some of it).
fn build_probe(firmware: &Path, guests: &Path, args: &[&str]) -> Result<std::path::PathBuf> {
    let target = firmware.join("target/size-probe");
    let mut cargo = firmware_build(firmware, guests, "shim-size", args);
    cargo.env("CARGO_TARGET_DIR", &target).env(
        "RUSTFLAGS",
        "-C link-arg=-Tlink.x -C llvm-args=-enable-machine-outliner=never",
    );
    run_build(cargo, &with_flags("the size probe", args))?;
    Ok(target.join("thumbv7em-none-eabihf/release/shim-size"))
}

/// The sizes of the sections that matter, from `arm-none-eabi-size -A`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sections {
    /// The reset vector, the exceptions' and the interrupts' (flash).
    pub(crate) vector_table: u64,
    pub(crate) text: u64,
    pub(crate) rodata: u64,
    pub(crate) data: u64,
    pub(crate) bss: u64,
}

pub(crate) fn sections(size: &Path, elf: &Path) -> Result<Sections> {
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
        vector_table: section(".vector_table"),
        text: section(".text"),
        rodata: section(".rodata"),
        data: section(".data"),
        bss: section(".bss"),
    })
}

/// What a symbol belongs to: the type of a trait implementation
/// (`<Type as Trait>::method`), else the path before its generic arguments.
fn owner(name: &str) -> &str {
    match name.strip_prefix('<') {
        Some(rest) => rest.split([' ', '<', '>']).next().unwrap_or(rest),
        None => name.split('<').next().unwrap_or(name),
    }
}

/// The part of the wasmi adapter and `run`: shim code, but outside the
/// goal (see [`probe_report`]).
const WASMI_ADAPTER: &str = "shim: wasmi adapter and run (wasi_hw_shim::app::wasmi, ::run)";

/// Where a symbol's bytes belong, by its demangled name.
fn part(name: &str) -> &'static str {
    let owner = owner(name);
    let is = |prefix: &str| owner.starts_with(prefix);
    if is("wasi_hw_shim_runtime") {
        "shim runtime (wasi-hw-shim-runtime)"
    } else if is("wasi_hw_shim::app::wasefire") || is("wasi_hw_shim::wasefire") {
        "shim: wasefire adapter and run (wasi_hw_shim::app::wasefire, ::wasefire)"
    } else if is("wasefire") {
        "wasefire-interpreter (engine)"
    } else if is("wasi_hw_mps2") {
        "board: the emulated parts, heap, stack, semihosting (firmware/mps2)"
    } else if is("wasi_hw_firmware_tiny") {
        "firmware: main, with what LTO inlined into it (firmware/qemu-tiny)"
    } else if is("wasi_hw_shim::hal") {
        "board model: embedded-hal adapter (wasi_hw_shim::hal)"
    } else if is("wasi_hw_shim::app::wasmi") || is("wasi_hw_shim::run") {
        WASMI_ADAPTER
    } else if is("wasi_hw_shim") {
        "shim: generated glue (wasi_hw_shim::app)"
    } else if is("wasi_hw_board::host") {
        "board model: the spec's semantics (wasi_hw_board::host::BoardHost)"
    } else if is("wasi_hw_board") {
        "board model: pins, buses, devices, sensors, trace, board files (wasi-hw-board)"
    } else if ["serde", "toml", "winnow", "ryu", "itoa", "libm"]
        .iter()
        .any(|c| is(c))
    {
        "board model: JSON, TOML, floating point (serde_json, toml, libm)"
    } else if is("shim_size") {
        "size probe: its host that does nothing, and main"
    } else if is("wasi_hw_firmware_wasmi") {
        "board model: parts and main (the firmware crate)"
    } else if is("wasmi") || is("wasmparser") {
        "wasmi (engine, wasmparser)"
    } else if is("salty") || is("wasi_hw_bundle") {
        "signature check (wasi-hw-bundle, salty)"
    } else if is("embedded_alloc") || is("linked_list_allocator") {
        "heap allocator (embedded-alloc)"
    } else {
        "other (core, alloc, compiler-builtins, cortex-m-rt, semihosting)"
    }
}

/// Bytes by [`part`], from the symbols `arm-none-eabi-nm` lists.
#[derive(Default)]
pub(crate) struct Parts {
    /// Code.
    pub(crate) text: BTreeMap<&'static str, u64>,
    /// Named read-only data.
    pub(crate) rodata: BTreeMap<&'static str, u64>,
    /// Static RAM (.data and .bss).
    pub(crate) ram: BTreeMap<&'static str, u64>,
}

pub(crate) fn by_part(nm: &Path, elf: &Path) -> Result<Parts> {
    let symbols = Command::new(nm)
        .args(["--print-size", "--size-sort", "--demangle", "--radix=d"])
        .arg(elf)
        .output()?;
    if !symbols.status.success() {
        bail!("arm-none-eabi-nm failed on {}", elf.display());
    }
    let mut parts = Parts::default();
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
        let map = match kind {
            "t" | "T" | "W" | "w" => &mut parts.text,
            "r" | "R" => &mut parts.rodata,
            "d" | "D" | "b" | "B" => &mut parts.ram,
            _ => continue,
        };
        *map.entry(part(name)).or_default() += bytes;
    }
    Ok(parts)
}

/// The shim with its runtime, from the size probe, against the goal of at
/// most 8 KiB of flash (.text) and no static RAM. `baseline` is the probe
/// built without imports registered.
fn probe_report(
    size: &Path,
    nm: &Path,
    probe: &Path,
    baseline: &Sections,
    markdown: bool,
) -> Result<String> {
    const GOAL: u64 = 8 * 1024;
    let Parts { text, ram, .. } = by_part(nm, probe)?;
    let sections = sections(size, probe)?;
    let mut out = String::from(
        "the shim by part, one host (the size probe, src/bin/shim-size.rs: the dispatch \
         adapter over a host whose methods do nothing, out of line; machine outliner off):\n",
    );
    let (open, sep, close) = if markdown {
        ("| ", " | ", " |")
    } else {
        ("  ", "  ", "")
    };
    out.push_str(&format!("{open}part{sep}.text{sep}.data + .bss{close}\n"));
    if markdown {
        out.push_str("|---|---:|---:|\n");
    }
    let shim: std::collections::BTreeSet<&str> = text
        .keys()
        .chain(ram.keys())
        .copied()
        .filter(|p| p.starts_with("shim"))
        .collect();
    // The goal is the shim with its runtime as CI builds it for the
    // Cortex-M4 with no allocator: the generated glue and the runtime. The
    // wasmi adapter (and `run`, which calls the guest's export through
    // wasmi) is engine-specific and needs wasmi, and so an allocator: it is
    // reported beside, and in the total.
    let (mut shim_text, mut shim_ram, mut total, mut total_ram) = (0, 0, 0, 0);
    for p in shim {
        let (n, r) = (
            text.get(p).copied().unwrap_or(0),
            ram.get(p).copied().unwrap_or(0),
        );
        if p != WASMI_ADAPTER {
            shim_text += n;
            shim_ram += r;
        }
        total += n;
        total_ram += r;
        out.push_str(&format!("{open}{p}{sep}{n}{sep}{r}{close}\n"));
    }
    out.push_str(&format!(
        "{open}the shim with its runtime (glue and runtime, as built with no allocator){sep}{shim_text}{sep}{shim_ram}{close}\n\
         {open}total, with the wasmi adapter and run{sep}{total}{sep}{total_ram}{close}\n\
         goal: the shim with its runtime at most {GOAL} bytes of flash (.text) and no static RAM: flash {}, static RAM {}; \
         with the wasmi adapter: {total} bytes, {}\n\
         read-only data the shim adds besides (import names and signatures, messages; no \
         symbols of their own, so measured against the probe without imports): .rodata {} bytes\n",
        if shim_text <= GOAL { "met" } else { "NOT met" },
        if shim_ram == 0 { "met" } else { "NOT met" },
        if total <= GOAL {
            "within it too".to_string()
        } else {
            format!("{} over", total - GOAL)
        },
        sections.rodata.saturating_sub(baseline.rodata),
    ));
    Ok(out)
}

/// The size report: sections with and without the shim, then the code
/// split by owner as the symbols name it.
fn report(
    size: &Path,
    nm: &Path,
    elf: &Path,
    baseline: &Sections,
    typed: &Sections,
    guests: &[(String, usize)],
    markdown: bool,
) -> Result<String> {
    let full = sections(size, elf)?;
    let Parts { text, rodata, .. } = by_part(nm, elf)?;
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
         what registering the imports brings in (the shim's glue, runtime and dispatch adapter \
         for each of the two hosts, their trait code: the embedded-hal adapter and BoardHost, \
         wasmi's linker): {} bytes of flash (.text {} + .rodata {}), {} of static RAM\n\
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
    let shim: u64 = text
        .iter()
        .filter(|(p, _)| p.starts_with("shim"))
        .map(|(_, n)| n)
        .sum();
    out.push_str(&format!(
        "the shim's own code by symbol (glue, runtime, adapter; two hosts, so the glue twice): {shim} bytes\n"
    ));
    let names: Vec<String> = guests.iter().map(|(a, n)| format!("{a} {n}")).collect();
    out.push_str(&format!(
        "guests in .rodata: {guests_total} bytes ({})\n",
        names.join(", ")
    ));
    Ok(out)
}

/// Packs every guest into a bundle signed with the firmware's key (made
/// once, in the guests' folder, by `wasi-hw keygen`), and writes
/// `tampered.bundle`, blinky's with one byte changed after signing: the
/// firmware runs only bundles signed with the key it was built with, and
/// must refuse that one.
fn sign_guests(root: &Path, guests: &Path) -> Result<()> {
    let wasi_hw = crate::examples::workspace_bin(
        root,
        "wasi-hw",
        "the wasi-hw command, which signs the guests",
    )?;
    let key = guests.join("firmware");
    let [secret, public] = ["key", "pub"].map(|ext| key.with_extension(ext));
    let run = |args: &[&std::ffi::OsStr]| -> Result<()> {
        let out = Command::new(&wasi_hw)
            .args(args)
            .output()
            .with_context(|| format!("running {}", wasi_hw.display()))?;
        if !out.status.success() {
            bail!(
                "wasi-hw {:?} failed: {}",
                args,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    };
    if !(secret.exists() && public.exists()) {
        let _ = std::fs::remove_file(&secret);
        let _ = std::fs::remove_file(&public);
        run(&["keygen".as_ref(), key.as_os_str()])?;
    }
    let c_apps = C_GUESTS.map(|app| format!("{app}-c"));
    for app in GUESTS
        .iter()
        .copied()
        .chain(c_apps.iter().map(String::as_str))
    {
        let core = guests.join(format!("{app}.core.wasm"));
        let bundle = guests.join(format!("{app}.bundle"));
        // The apps whose memory is fixed get exactly what they need (the
        // apps in C all fix theirs).
        let form = if FIXED.contains(&app) || app.ends_with("-c") {
            "custom-pages"
        } else {
            "plain"
        };
        run(&[
            "pack".as_ref(),
            core.as_os_str(),
            "--key".as_ref(),
            secret.as_os_str(),
            "-o".as_ref(),
            bundle.as_os_str(),
            "--form".as_ref(),
            form.as_ref(),
        ])?;
    }
    let mut tampered = std::fs::read(guests.join("blinky.bundle"))?;
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    std::fs::write(guests.join("tampered.bundle"), tampered)?;
    say(&format!(
        "signed the guests with {} (and changed one byte of tampered.bundle)",
        secret.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{first_missing, part};

    #[test]
    fn a_symbol_belongs_to_the_type_it_implements_for() {
        assert_eq!(
            part("<wasi_hw_board::host::BoardHost as wasi_hw_shim::app::gpio::Gpio>::open"),
            "board model: the spec's semantics (wasi_hw_board::host::BoardHost)"
        );
        assert_eq!(
            part("wasi_hw_shim::app::dispatch"),
            "shim: generated glue (wasi_hw_shim::app)"
        );
        assert_eq!(
            part(
                "core::ptr::drop_in_place<wasmi::store::Store<wasi_hw_shim::app::wasmi::Shim<X>>>"
            ),
            "other (core, alloc, compiler-builtins, cortex-m-rt, semihosting)"
        );
        assert_eq!(
            part("wasmi::func::HostFuncTrampolineEntity<T>::new::{{closure}}"),
            "wasmi (engine, wasmparser)"
        );
    }

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
