//! `cargo xtask c`: the apps in C (guest-sdk/c), built with Debian's clang
//! and lld through the SDK's Makefile, run on the reference host beside
//! their Rust twins, as core modules (the shim on wasmi) and as components
//! (`make component`, on wasmtime): the same printout and the same trace,
//! line for line, on success and on a bad argument. Then their sizes
//! against the Rust apps', the conformance cases in C against the Rust
//! guest's, and the SDK's tests in C (its heap).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode, Output};

use anyhow::{Context, Result, bail};
use wasmparser::{Validator, WasmFeatures};

use crate::examples::{build, strip_custom_sections, which, workspace_bin};
use crate::setup;
use crate::step::{say, step};

/// The C examples (guest-sdk/c/examples/NAME: NAME.c and a Makefile that
/// includes the SDK's), each with its Rust twin of the same name
/// (guest-sdk/examples/NAME), the arguments of a run that succeeds and of
/// one that fails on its arguments. Each also runs on [`BROKEN_BOARD`],
/// where its first call to the hardware fails.
const APPS: &[(&str, &[&str], &[&str])] = &[
    ("blinky", &["2"], &["x"]),
    ("button", &["4"], &["x"]),
    ("eeprom", &[], &["40"]),
];

/// A board on which each example fails on its first call to the hardware:
/// the C app's message must be its Rust twin's.
const BROKEN_BOARD: &str = "guest-sdk/c/tests/broken.toml";

/// The conformance cases the C guest (conformance/guests/c) has: each must
/// end as the Rust guest's (conformance/guests/cases) does, with its trace.
const CASES: &[&str] = &[
    "gpio-open-not-found",
    "gpio-open-busy",
    "gpio-toggle",
    "i2c-open-errors",
    "i2c-write-read",
    "sensor-open-errors",
    "timer-sleep",
    "poll-timeout-zero",
    "log-log",
];

/// The SDK's own tests in C (guest-sdk/c/tests/NAME), apps run on the
/// reference host: arguments, the exit code and a line its output must
/// hold.
const TESTS: &[(&str, &[&str], i32, &str)] = &[
    (
        "heap",
        &[],
        0,
        "info  heap: carved, reused, merged, whole again, realloc kept, literal left alone",
    ),
    (
        "heap",
        &["overflow"],
        1,
        "error: the app trapped: wasm `unreachable` instruction executed",
    ),
    (
        "messages",
        &[],
        0,
        "info  messages: as the Rust SDK words them; arguments parsed to the last u32",
    ),
];

/// What the issue asks of the C blinky: at most 1.5 KiB, custom sections
/// stripped.
const BLINKY_GOAL: usize = 1536;

pub fn run(root: &Path) -> Result<ExitCode> {
    check_tools()?;
    setup::targets(root)?;
    let wasi_hw = workspace_bin(root, "wasi-hw", "the reference host")?;
    let out = root.join("target/c");
    std::fs::create_dir_all(&out)?;
    let board = root.join("host-reference/boards/demo.toml");
    let mut failed = false;
    for &(app, ok_args, bad_args) in APPS {
        make(&example(root, app), app, &out, Some(&wasi_hw))?;
        let c_app = out.join(format!("{app}.wasm"));
        let c_component = out.join(format!("{app}.component.wasm"));
        let rust = strip_custom_sections(&build(
            &root.join("guest-sdk/examples"),
            app,
            "wasm32v1-none",
            &[],
        )?)?;
        let rust_app = out.join(format!("{app}.rust.wasm"));
        std::fs::write(&rust_app, &rust)?;
        let broken = root.join(BROKEN_BOARD);
        for (form, c_form) in [("core module", &c_app), ("component", &c_component)] {
            for (board, args) in [(&board, ok_args), (&board, bad_args), (&broken, ok_args)] {
                let c = run_app(&wasi_hw, c_form, board, true, args)?;
                let r = run_app(&wasi_hw, &rust_app, board, true, args)?;
                let on = board.file_stem().unwrap_or_default().to_string_lossy();
                if let Some(why) = differs(&c, &r) {
                    eprintln!("{app} in C ({form}) {args:?} on {on}: {why}");
                    failed = true;
                } else {
                    let end = match text(&c.stderr).lines().last() {
                        Some(line) if !c.status.success() => format!(": {line}"),
                        _ => String::new(),
                    };
                    say(&format!(
                        "{app} in C ({form}) {args:?} on {on}: the same trace and exit code as the Rust {app} ({} lines, exit {}){end}",
                        text(&c.stdout).lines().count(),
                        c.status.code().unwrap_or(-1)
                    ));
                }
            }
        }
        let c_size = strip_custom_sections(&std::fs::read(&c_app)?)?.len();
        say(&format!(
            "{app}: {c_size} bytes in C, {} in Rust (custom sections stripped)",
            rust.len()
        ));
        if app == "blinky" && c_size > BLINKY_GOAL {
            eprintln!("blinky in C is {c_size} bytes, over its goal of {BLINKY_GOAL}");
            failed = true;
        }
    }
    // The conformance cases in C, on the conformance board, against the
    // Rust guest's, as a core module and as a component.
    let guest = conformance_guest(root, &out, &wasi_hw)?;
    let rust_cases = out.join("cases.rust.wasm");
    std::fs::write(
        &rust_cases,
        strip_custom_sections(&build(
            &root.join("guest-sdk/examples"),
            "cases",
            "wasm32v1-none",
            &[],
        )?)?,
    )?;
    let conformance_board = root.join("conformance/board.toml");
    let mut same = 0;
    for case in CASES {
        for c_form in ["cases.wasm", "cases.component.wasm"] {
            let c = run_app(
                &wasi_hw,
                &out.join(c_form),
                &conformance_board,
                true,
                &[case],
            )?;
            let r = run_app(&wasi_hw, &rust_cases, &conformance_board, true, &[case])?;
            match differs(&c, &r) {
                Some(why) => {
                    eprintln!("the C conformance case {case} ({c_form}): {why}");
                    failed = true;
                }
                None if !c.status.success() => {
                    eprintln!(
                        "the conformance case {case} fails in both guests: {}",
                        text(&c.stderr)
                    );
                    failed = true;
                }
                None => same += 1,
            }
        }
    }
    say(&format!(
        "the C conformance guest: {} cases, each passing with the Rust guest's trace as a core module and as a component ({same} runs of {})",
        CASES.len(),
        2 * CASES.len()
    ));
    // Then the runner, with the C guest in the Rust guest's place, on the
    // in-process hosts and on the wasefire adapter: each host's trace
    // against the reference host's (the firmwares: `cargo xtask firmware`).
    // Built beside `wasi-hw` (workspace_bin built every binary).
    let runner = wasi_hw.with_file_name("wasi-hw-conformance");
    let wasefire = crate::tiny::wasefire_host(root)?;
    let wasefire = format!(
        "{} run \"$WASI_HW_GUEST_CORE\" --board \"$WASI_HW_BOARD\" -- \"$WASI_HW_CASE\"",
        wasefire.display()
    );
    for host in [
        ["--host", "reference"],
        ["--host", "shim-wasmi"],
        ["--host", "shim-wasmi-dispatch"],
        ["--host-command", &wasefire],
    ] {
        let status = Command::new(&runner)
            .args(host)
            .args(&guest)
            .status()
            .with_context(|| format!("running {}", runner.display()))?;
        if !status.success() {
            eprintln!("the C conformance guest failed on {}", host[1]);
            failed = true;
        }
    }

    failed |= !makefile_refuses_bad_variables(root)?;

    let mut built = Vec::new();
    for &(test, args, code, expected) in TESTS {
        if !built.contains(&test) {
            make(
                &root.join("guest-sdk/c/tests").join(test),
                test,
                &out,
                Some(&wasi_hw),
            )?;
            built.push(test);
        }
        let o = run_app(
            &wasi_hw,
            &out.join(format!("{test}.wasm")),
            &board,
            false,
            args,
        )?;
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        if o.status.code() != Some(code) || !all.contains(expected) {
            eprintln!(
                "the C test {test} {args:?} ended with {:?}, where {code} and {expected:?} were expected:\n{all}",
                o.status.code()
            );
            failed = true;
        } else {
            say(&format!("the C test {test} {args:?}: {expected}"));
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The conformance guest in C (conformance/guests/c), built into `out` as
/// a core module and a component: the runner's arguments that put it in
/// the Rust guest's place and select its cases.
pub(crate) fn conformance_guest(root: &Path, out: &Path, wasi_hw: &Path) -> Result<Vec<OsString>> {
    make(
        &root.join("conformance/guests/c"),
        "cases",
        out,
        Some(wasi_hw),
    )?;
    let mut args: Vec<OsString> = vec![
        "--guest".into(),
        out.join("cases.component.wasm").into(),
        "--guest-core".into(),
        out.join("cases.wasm").into(),
    ];
    for case in CASES {
        args.push("--case".into());
        args.push(case.into());
    }
    Ok(args)
}

/// The SDK's Makefile stops, with exit 2 and a message that says what to
/// set, when included without `APP` or given an unknown `ALLOCATOR`.
fn makefile_refuses_bad_variables(root: &Path) -> Result<bool> {
    let sdk = root.join("guest-sdk/c");
    let cases: [(&Path, &[&str], &str); 2] = [
        (
            &sdk,
            &["-f", "Makefile"],
            "Makefile:34: *** set APP, the app's name, before including this Makefile.  Stop.",
        ),
        (
            &example(root, "blinky"),
            &["ALLOCATOR=bogus"],
            "../../Makefile:48: *** ALLOCATOR is free-list or bump, not bogus.  Stop.",
        ),
    ];
    let mut ok = true;
    for (dir, args, want) in cases {
        let o = Command::new("make")
            .current_dir(dir)
            .args(["-s", "-n"])
            .args(args)
            .output()
            .context("running make")?;
        let err = text(&o.stderr);
        if o.status.code() != Some(2) || err.trim_end() != want {
            eprintln!(
                "make {} in {}: expected exit 2 and {want:?}, got {:?} and {err:?}",
                args.join(" "),
                dir.display(),
                o.status.code()
            );
            ok = false;
        }
    }
    if ok {
        say("the SDK's Makefile refuses a missing APP and an unknown ALLOCATOR, with exit 2");
    }
    Ok(ok)
}

/// The folder of the C example `app`.
pub(crate) fn example(root: &Path, app: &str) -> std::path::PathBuf {
    root.join("guest-sdk/c/examples").join(app)
}

/// Names the tools that building apps in C needs, if one is missing.
pub(crate) fn check_tools() -> Result<()> {
    for tool in ["clang", "wasm-ld", "make"] {
        if which(tool).is_none() {
            bail!(
                "{tool} is not installed, and the apps in C are built with it: \
                 `apt-get install clang lld make` (Debian)"
            );
        }
    }
    Ok(())
}

/// `make` in `dir` (an app's folder, whose Makefile includes the SDK's),
/// writing `app.wasm` into `out` (then validated as WebAssembly 1.0); with
/// `wasi_hw`, `make component`, which also writes `app.component.wasm`.
pub(crate) fn make(dir: &Path, app: &str, out: &Path, wasi_hw: Option<&Path>) -> Result<()> {
    let what = if wasi_hw.is_some() {
        "make component"
    } else {
        "make"
    };
    step(&format!("building {app} in C ({what})"), || {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let mut make = Command::new("make");
        make.current_dir(dir)
            .args(["-s", "-B"])
            .arg(format!("OUT={}", out.display()));
        if let Some(wasi_hw) = wasi_hw {
            make.arg("component")
                .arg(format!("WASI_HW={}", wasi_hw.display()));
        }
        let status = make.status().context("running make")?;
        if !status.success() {
            bail!("make failed for {app} in C");
        }
        // -mcpu=mvp should give WebAssembly 1.0 and nothing later, which
        // every engine of the project runs: checked, not assumed.
        let module = out.join(format!("{app}.wasm"));
        let bytes = std::fs::read(&module)
            .with_context(|| format!("make wrote no {}", module.display()))?;
        Validator::new_with_features(WasmFeatures::WASM1)
            .validate_all(&bytes)
            .with_context(|| format!("{app} in C, {}, is not WebAssembly 1.0", module.display()))?;
        Ok(())
    })
}

/// `wasi-hw run APP --board BOARD [--trace -] -- ARGS`: the app's
/// printout, or with `trace` its trace, on standard output.
fn run_app(wasi_hw: &Path, app: &Path, board: &Path, trace: bool, args: &[&str]) -> Result<Output> {
    let mut run = Command::new(wasi_hw);
    run.arg("run").arg(app).arg("--board").arg(board);
    if trace {
        run.args(["--trace", "-"]);
    }
    run.arg("--")
        .args(args)
        .output()
        .with_context(|| format!("running {} on {}", wasi_hw.display(), app.display()))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// How the C app's run differs from the Rust app's, if it does: exit code,
/// trace (standard output) or message (standard error).
fn differs(c: &Output, rust: &Output) -> Option<String> {
    if c.status.code() != rust.status.code() {
        return Some(format!(
            "exit {:?}, where Rust's is {:?}: {}",
            c.status.code(),
            rust.status.code(),
            text(&c.stderr)
        ));
    }
    let (ct, rt) = (text(&c.stdout), text(&rust.stdout));
    if let Some((i, (a, b))) = ct
        .lines()
        .zip(rt.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        return Some(format!(
            "trace line {}: {a:?}, where Rust's is {b:?}",
            i + 1
        ));
    }
    if ct.lines().count() != rt.lines().count() {
        return Some(format!(
            "{} trace lines, where Rust's has {}",
            ct.lines().count(),
            rt.lines().count()
        ));
    }
    if c.stderr != rust.stderr {
        return Some(format!(
            "says {:?}, where Rust's says {:?}",
            text(&c.stderr),
            text(&rust.stderr)
        ));
    }
    None
}
