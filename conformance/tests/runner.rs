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
fn reference_command() -> String {
    let dir = std::env::temp_dir().join(format!("wasi-hw-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cwasm: PathBuf = dir.join("cases.cwasm");
    let host = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/wasi-hw");
    let host = if host.exists() {
        host
    } else {
        PathBuf::from("wasi-hw")
    };
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
        text(&o.stdout).contains("protocol: line 1 of the host's output is not a trace line"),
        "{}",
        text(&o.stdout)
    );
    let o = conformance(&["--host-command", "exit 3", "--filter", "log-log"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout).contains("protocol: the host exited with Some(3), not 0 or 1"),
        "{}",
        text(&o.stdout)
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
    let o = conformance(&["--host", "reference", "--guest", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(2));
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
    assert!(
        err.starts_with(&format!(
            "error: {}: not a core module wasmi can run: not a core module wasmi can load: ",
            bad.display()
        )),
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
