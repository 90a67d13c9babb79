//! The `wasi-hw-conformance` command: an external host through the
//! documented protocol, and what each bad input gets.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasi-hw-conformance"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The reference host's command, as an external host: the test guest
/// compiled ahead of time so that each case starts at once.
#[cfg(feature = "component")]
fn reference_command() -> String {
    let dir = std::env::temp_dir().join(format!("wasi-hw-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cwasm: PathBuf = dir.join("cases.cwasm");
    // Where cargo built this runner, as the README builds `wasi-hw`.
    let host = PathBuf::from(env!("CARGO_BIN_EXE_wasi-hw-conformance")).with_file_name("wasi-hw");
    assert!(
        host.exists(),
        "build `wasi-hw` beside the runner first: `cargo build -p wasi-hw-host` (`cargo test --workspace` does)"
    );
    let status = Command::new(&host)
        .args(["compile", wasi_hw_artifacts::CASES_COMPONENT, "-o"])
        .arg(&cwasm)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status.stderr));
    format!(
        "{} run {} --board \"$WASI_HW_BOARD\" --trace - -- \"$WASI_HW_CASE\"",
        host.display(),
        cwasm.display()
    )
}

#[cfg(feature = "component")]
#[test]
fn the_reference_host_behind_the_protocol_passes_with_identical_traces() {
    let o = conformance(&["--host-command", &reference_command()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    let total = wasi_hw_conformance::cases().len();
    assert!(
        out.ends_with(&format!("{total} passed, 0 failed\n")),
        "{out}"
    );
}

#[test]
fn junit_names_each_case_and_its_failure() {
    let dir = std::env::temp_dir().join(format!("wasi-hw-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xml = dir.join("results.xml");
    let o = conformance(&[
        "--host-command",
        "echo 'no such host' >&2; exit 1",
        "--filter",
        "log-",
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).starts_with(
            "wasi-hw conformance: 2 cases on command `echo 'no such host' >&2; exit 1`\n"
        ),
        "{}",
        text(&o.stdout)
    );
    let xml = std::fs::read_to_string(xml).unwrap();
    assert!(xml.contains("tests=\"2\" failures=\"2\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"log.enabled\" name=\"log-enabled\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"no such host\">no such host</failure>"),
        "{xml}"
    );
}

#[test]
fn a_host_command_that_hangs_is_stopped_by_the_case_timeout() {
    let start = Instant::now();
    let o = conformance(&[
        "--host-command",
        "sleep 30",
        "--timeout",
        "500ms",
        "--filter",
        "log-log",
    ]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the runner waited for the hanging host"
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("FAIL  log-log  log.log\n      the host did not finish within 500ms (per-case timeout)\n"), "{}", text(&o.stdout));
}

#[test]
fn a_host_command_that_prints_garbage_fails_with_a_protocol_error() {
    let o = conformance(&[
        "--host-command",
        "echo '{\"not\": \"a trace line\"}'",
        "--filter",
        "log-log",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains(
            "      protocol: line 1 of the host's output lacks \"t\" and \"interface\" and \"op\", so it is not a trace line:\n        {\"not\": \"a trace line\"}\n"
        ),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(
        failure_of("echo 'Starting my-host v1.0'"),
        "      protocol: line 1 of the host's output is not JSON, so it is not a trace line:\n        Starting my-host v1.0\n"
    );
    let o = conformance(&["--host-command", "exit 3", "--filter", "log-log"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stdout),
        "wasi-hw conformance: 1 case on command `exit 3`\n\
         FAIL  log-log  log.log\n      protocol: the host exited with code 3, not 0 or 1\n\
         0 passed, 1 failed\n"
    );
}

/// The failure line of the one case `log-log` run on `command`.
fn failure_of(command: &str) -> String {
    let o = conformance(&["--host-command", command, "--filter", "log-log"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let failure = out
        .strip_prefix(&format!(
            "wasi-hw conformance: 1 case on command `{command}`\nFAIL  log-log  log.log\n"
        ))
        .and_then(|rest| rest.strip_suffix("0 passed, 1 failed\n"));
    failure.unwrap_or_else(|| panic!("{out}")).to_string()
}

#[test]
fn a_host_command_that_is_not_found_says_so_with_the_shells_message() {
    assert_eq!(
        failure_of("no-such-host-7d1e"),
        "      protocol: the host exited with code 127, not 0 or 1 (the shell found no such command): sh: 1: no-such-host-7d1e: not found\n"
    );
}

#[test]
fn a_host_killed_by_a_signal_is_reported_by_the_signals_number_and_name() {
    assert_eq!(
        failure_of("kill -9 $$"),
        "      the host was killed by signal 9 (SIGKILL)\n"
    );
    assert_eq!(
        failure_of("exit 139"),
        "      protocol: the host exited with code 139, not 0 or 1 (the shell's code for a command killed by signal 11 (SIGSEGV))\n"
    );
}

#[test]
fn a_failures_whole_standard_error_is_kept_in_the_summary_and_junit() {
    assert_eq!(
        failure_of("printf 'guest trapped: unreachable\\n  0: run\\n' >&2; exit 1"),
        "      guest trapped: unreachable\n        0: run\n"
    );
    let dir = std::env::temp_dir().join(format!("wasi-hw-junit-whole-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xml = dir.join("results.xml");
    let o = conformance(&[
        "--host-command",
        "printf '\\033[31mno <device>\\033[0m\\nat 0x76 & 0x77\\n' >&2; exit 1",
        "--filter",
        "log-log",
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let xml = std::fs::read_to_string(xml).unwrap();
    assert!(
        xml.contains(
            "<failure message=\"\\u{1b}[31mno &lt;device&gt;\\u{1b}[0m\">\\u{1b}[31mno &lt;device&gt;\\u{1b}[0m\nat 0x76 &amp; 0x77</failure>"
        ),
        "{xml}"
    );
}

/// The runner's own folder comes first on the host command's PATH, so
/// that a `wasi-hw` built beside it is found on a fresh clone.
#[test]
fn a_host_command_finds_what_is_built_beside_the_runner_first() {
    assert_eq!(
        failure_of("command -v wasi-hw-conformance >&2; exit 1"),
        format!("      {}\n", env!("CARGO_BIN_EXE_wasi-hw-conformance"))
    );
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let o = conformance(&["--host", "reference", "--guest", "/no/such/guest.wasm"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: the test guest /no/such/guest.wasm does not exist\n"
    );
    let o = conformance(&["--host", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("invalid value 'nope' for '--host <HOST>'"),
        "{}",
        text(&o.stderr)
    );
    let o = conformance(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: say which host to test: --host reference, --host shim-wasmi, --host shim-wasmi-dispatch or --host-command CMD\n"
    );
    let o = conformance(&["--host", "reference", "--filter", "no-such-case"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: no case's name or spec item contains `no-such-case` (--filter)\n"
    );
    let o = conformance(&["--host", "reference", "--guest", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(2));
    let o = conformance(&["--host", "reference", "--case", "log-log", "--case", "gpio"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: no case is named `gpio` (--case; --list names them)\n"
    );
    let o = conformance(&[
        "--host",
        "reference",
        "--case",
        "log-log",
        "--filter",
        "gpio",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: no case given with --case has a name or spec item that contains `gpio` (--filter)\n"
    );
}

#[test]
fn a_missing_or_invalid_core_module_is_a_clear_error_with_exit_2() {
    let o = conformance(&[
        "--host",
        "shim-wasmi",
        "--guest-core",
        "/no/such/cases.wasm",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with(
            "error: the test guest's core module /no/such/cases.wasm cannot be read (build it with `cargo build -p wasi-hw-conformance`): "
        ),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("wasi-hw-bad-core-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x7f").unwrap();
    let o = conformance(&[
        "--host",
        "shim-wasmi-dispatch",
        "--guest-core",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    // Built without the component, the runner makes one of the core module
    // first, and that is what finds it broken.
    let why = if cfg!(feature = "component") {
        "not a core module wasmi can run: not a core module wasmi can load"
    } else {
        "not a core module of world wasi-hw:hal/app: decoding item in module"
    };
    assert!(
        err.starts_with(&format!("error: {}: {why}: ", bad.display())),
        "{err}"
    );
    assert_eq!(text(&o.stdout), "");
}

#[test]
fn list_and_filter_select_cases_by_name_or_item() {
    let o = conformance(&["--list", "--filter", "periodic"]);
    assert_eq!(o.status.code(), Some(0));
    let names: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "timer-periodic",
            "timer-periodic-period",
            "timer-periodic-next-tick",
            "timer-periodic-missed",
            "timer-periodic-subscribe"
        ]
    );
}

#[test]
fn case_selects_cases_by_exact_name_in_the_catalogs_order() {
    let o = conformance(&["--list", "--case", "log-log", "--case", "gpio-toggle"]);
    assert_eq!(o.status.code(), Some(0));
    let names: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(names, ["gpio-toggle", "log-log"]);
}

/// The commands of an `sh` block of `markdown`, a line continued by a
/// trailing backslash joined to the next, comments and blank lines left
/// out.
fn sh_commands(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut current = String::new();
    for line in markdown.lines() {
        if !in_sh {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if line.trim() == "```" {
            in_sh = false;
            continue;
        }
        let line = line.split(" # ").next().unwrap().trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                commands.push(std::mem::take(&mut current));
            }
        }
    }
    commands
}

/// Every command of conformance/README.md that runs the built runner
/// (`target/debug/wasi-hw-conformance ...`) works as written from the
/// repository root, after the README's `cargo build` commands: here from a
/// folder whose `target/debug` is where cargo built this runner, each
/// command as written with `--filter log-` added, so that it runs two cases.
#[test]
fn the_readmes_runner_commands_work_as_written() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let runner = PathBuf::from(env!("CARGO_BIN_EXE_wasi-hw-conformance"));
    let built = runner.parent().unwrap();
    assert!(
        built.join("wasi-hw").exists(),
        "the README builds `wasi-hw` beside the runner: run `cargo build -p wasi-hw-host` first (`cargo test --workspace` does)"
    );
    let root = std::env::temp_dir().join(format!("wasi-hw-readme-{}", std::process::id()));
    std::fs::create_dir_all(root.join("target")).unwrap();
    let debug = root.join("target/debug");
    if !debug.exists() {
        std::os::unix::fs::symlink(built, &debug).unwrap();
    }
    let commands: Vec<String> = sh_commands(&readme)
        .into_iter()
        .filter(|c| c.starts_with("target/debug/wasi-hw-conformance "))
        .collect();
    assert_eq!(commands.len(), 4, "{commands:#?}");
    for command in commands {
        let _ = std::fs::remove_file(root.join("conformance.xml"));
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("{command} --filter log-"))
            .current_dir(&root)
            .output()
            .unwrap();
        let out = text(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{command}\n{out}{}",
            text(&o.stderr)
        );
        assert!(out.ends_with("\n2 passed, 0 failed\n"), "{command}\n{out}");
        if command.contains("--junit conformance.xml") {
            let xml = std::fs::read_to_string(root.join("conformance.xml")).unwrap();
            assert!(xml.contains("tests=\"2\" failures=\"0\""), "{xml}");
        }
    }
}
