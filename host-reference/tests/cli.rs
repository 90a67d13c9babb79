//! The `wasi-hw` command: runs, traces, check, compile, and what each bad
//! input gets.

use std::path::{Path, PathBuf};

mod common;
use common::{text, wasi_hw};

fn demo() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/boards/demo.toml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-hw-host-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn quiet_prints_only_the_apps_log() {
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        demo(),
        "--quiet",
        "--",
        "1",
    ]);
    assert_eq!(text(&o.stdout), "[     1.000000s] info  blinky: done\n");
}

#[test]
fn an_app_that_fails_or_traps_exits_1_with_its_message() {
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        demo(),
        "--",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "error: the app failed: usage: blinky [CYCLES]: CYCLES must be a whole number\n"
    );
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::MISBEHAVE_COMPONENT,
        "--board",
        demo(),
        "--",
        "trap",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.starts_with(
            "error: the app trapped: wasm trap: wasm `unreachable` instruction executed\n"
        ),
        "{err}"
    );
    assert!(err.contains("misbehave.wasm!run"), "{err}");
}

#[test]
fn a_precompiled_app_runs_like_the_component() {
    let dir = scratch("compile");
    let cwasm = dir.join("blinky.cwasm");
    let o = wasi_hw(&[
        "compile",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "-o",
        cwasm.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = wasi_hw(&[
        "run",
        cwasm.to_str().unwrap(),
        "--board",
        demo(),
        "--quiet",
        "--",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "[     1.000000s] info  blinky: done\n");
}

#[test]
fn check_lists_the_imports_and_what_the_policy_grants() {
    let o = wasi_hw(&[
        "check",
        wasi_hw_artifacts::WEATHER_COMPONENT,
        "--board",
        demo(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(
            "wasi-hw:hal/i2c@0.1.1        granted buses: sensor-bus (0x76), storage-bus (0x50)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("wasi-hw:hal/sensor@0.1.1     granted sensors: ambient\n"),
        "{out}"
    );
    assert!(!out.contains("gpio"), "weather does not use gpio: {out}");

    let dir = scratch("check");
    let board = dir.join("nothing.toml");
    std::fs::write(&board, "[[pin]]\nname = \"led\"\n").unwrap();
    let o = wasi_hw(&[
        "check",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        board.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout)
            .contains("wasi-hw:hal/gpio@0.1.1       MISSING: the policy grants no pins\n"),
        "{}",
        text(&o.stdout)
    );

    // The SPI devices granted, with how each is driven; none on a board
    // without them.
    let o = wasi_hw(&[
        "check",
        wasi_hw_artifacts::FLASH_COMPONENT,
        "--board",
        demo(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(
            "wasi-hw:hal/spi@0.1.1        granted SPI devices: flash (mode0, 1000000 Hz), env (mode0, 1000000 Hz)\n"
        ),
        "{}",
        text(&o.stdout)
    );
    let o = wasi_hw(&[
        "check",
        wasi_hw_artifacts::FLASH_COMPONENT,
        "--board",
        board.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stdout)
            .contains("wasi-hw:hal/spi@0.1.1        MISSING: the policy grants no SPI devices\n"),
        "{}",
        text(&o.stdout)
    );
}

/// Writes `board` to a file and runs blinky on it; returns the exit code and
/// standard error, with the file's path replaced by `BOARD`.
fn with_board(name: &str, board: &str, extra: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = scratch(name);
    for (file, contents) in extra {
        std::fs::write(dir.join(file), contents).unwrap();
    }
    let path = dir.join("board.toml");
    std::fs::write(&path, board).unwrap();
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        path.to_str().unwrap(),
    ]);
    (
        o.status.code(),
        text(&o.stderr)
            .replace(path.to_str().unwrap(), "BOARD")
            .replace(dir.to_str().unwrap(), "DIR"),
    )
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let (code, err) = with_board(
        "unknown-key",
        "[[pin]]\nname = \"led\"\ncolour = \"red\"\n",
        &[],
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: BOARD:3:1: unknown field `colour`, expected one of `name`, `capabilities`, `pull`, `script`\n"
    );
}

#[test]
fn two_devices_at_one_address_are_refused() {
    let board = "[[bus]]\nname = \"b\"\n\n[[bus.device]]\naddress = 0x50\nmodel = \"24c02\"\n\n[[bus.device]]\naddress = 0x50\nmodel = \"registers\"\n";
    let (code, err) = with_board("two-devices", board, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: BOARD:9:11: bus `b`: two devices at address 0x50 (the first on line 5)\n"
    );
}

#[test]
fn a_wire_to_a_missing_pin_is_refused() {
    let board = "[[pin]]\nname = \"out\"\n\n[[wire]]\nfrom = \"out\"\nto = [\"in\"]\n";
    let (code, err) = with_board("wire", board, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: BOARD:6:7: `to`: there is no pin called `in`\n");
}

#[test]
fn an_address_out_of_range_is_refused() {
    let board = "[[bus]]\nname = \"b\"\n[[bus.device]]\naddress = 0x80\nmodel = \"bme280\"\n";
    let (code, err) = with_board("address", board, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: BOARD:4:11: `address` 0x80 is out of range for a 7-bit address (0 to 0x7f)\n"
    );
    let board = "[[bus]]\nname = \"b\"\n[[bus.device]]\naddress = 0x400\nten-bit = true\nmodel = \"registers\"\n";
    let (_, err) = with_board("address10", board, &[]);
    assert_eq!(
        err,
        "error: BOARD:4:11: `address` 0x400 is out of range for a 10-bit address (0 to 0x3ff)\n"
    );
}

#[test]
fn a_malformed_csv_is_named_with_its_line() {
    let board = "[[sensor]]\nname = \"t\"\nkind = \"thermometer\"\ncsv = \"t.csv\"\n[[sensor.channel]]\nchannel = \"temperature\"\n";
    let (code, err) = with_board(
        "csv",
        board,
        &[("t.csv", "time,temperature\n0,20.5\n1,warm\n")],
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: BOARD:4:7: `csv`: DIR/t.csv:3: column 2 (`warm`) is not a number\n"
    );
}

#[test]
fn a_missing_board_or_app_is_a_clear_error() {
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        "no/such/board.toml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: cannot read the board file no/such/board.toml: No such file or directory (os error 2)\n"
    );
    let o = wasi_hw(&["run", "no/such/app.wasm", "--board", demo()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "error: cannot read the app no/such/app.wasm: No such file or directory (os error 2)\n"
    );
    let dir = scratch("garbage");
    let garbage = dir.join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x0d\0\x01\0garbage").unwrap();
    let o = wasi_hw(&["run", garbage.to_str().unwrap(), "--board", demo()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "error: {}: not an app this host can run: ",
            garbage.display()
        )),
        "{}",
        text(&o.stderr)
    );
}

/// `run` prints what happened with its times and writes the trace and the
/// waveform; and the exact binary that goes to a device runs here too: the
/// core module of blinky prints, traces and draws what its component does.
#[test]
fn run_prints_and_traces_and_the_core_module_does_as_the_component() {
    let dir = scratch("both-forms");
    let mut outputs = Vec::new();
    for (form, app) in [
        ("component", wasi_hw_artifacts::BLINKY_COMPONENT),
        ("core", wasi_hw_artifacts::BLINKY_CORE),
    ] {
        let (trace, vcd) = (
            dir.join(format!("{form}.jsonl")),
            dir.join(format!("{form}.vcd")),
        );
        let o = wasi_hw(&[
            "run",
            app,
            "--board",
            demo(),
            "--trace",
            trace.to_str().unwrap(),
            "--vcd",
            vcd.to_str().unwrap(),
            "--",
            "2",
        ]);
        assert_eq!(o.status.code(), Some(0), "{form}: {}", text(&o.stderr));
        assert_eq!(
            text(&o.stdout),
            "[     0.000000s] led -> high\n\
             [     0.500000s] led -> low\n\
             [     1.000000s] led -> high\n\
             [     1.500000s] led -> low\n\
             [     2.000000s] info  blinky: done\n",
            "{form}"
        );
        outputs.push((
            std::fs::read_to_string(&trace).unwrap(),
            std::fs::read_to_string(&vcd).unwrap(),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    let (lines, vcd) = &outputs[0];
    let toggles: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["op"] == "toggle")
        .collect();
    assert_eq!(toggles.len(), 4);
    assert_eq!(
        toggles[1],
        serde_json::json!({"t": 500_000_000, "interface": "gpio", "op": "toggle", "args": {"pin": "led"}, "result": "ok"})
    );
    assert!(vcd.contains("$var wire 1 ! led $end"), "{vcd}");
    assert!(vcd.contains("#500000000\n0!\n"), "{vcd}");
    // A failed run fails alike: the exit code and the message.
    for app in [
        wasi_hw_artifacts::BLINKY_COMPONENT,
        wasi_hw_artifacts::BLINKY_CORE,
    ] {
        let o = wasi_hw(&["run", app, "--board", demo(), "--", "many"]);
        assert_eq!(o.status.code(), Some(1), "{app}");
        assert_eq!(
            text(&o.stderr),
            "error: the app failed: usage: blinky [CYCLES]: CYCLES must be a whole number\n",
            "{app}"
        );
    }
}

#[test]
fn check_reads_a_core_module_as_it_reads_a_component() {
    let o = wasi_hw(&["check", wasi_hw_artifacts::BLINKY_CORE, "--board", demo()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("  wasi-hw:hal/gpio@0.1.1       granted pins: "),
        "{out}"
    );
    assert!(
        out.ends_with("ok: the board and its policy grant something for every import\n"),
        "{out}"
    );
}

#[test]
fn a_core_module_to_compile_or_a_file_that_is_not_wasm_is_named_for_what_it_is() {
    let core = wasi_hw_artifacts::BLINKY_CORE;
    let dir = scratch("not-wasm");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "blinky, but in words\n").unwrap();
    let notes = notes.to_str().unwrap();
    let out = dir.join("out.cwasm");
    let out = out.to_str().unwrap();
    let o = wasi_hw(&["compile", core, "-o", out]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        format!(
            "error: {core} is a core module (a wasm32v1-none build); wasi-hw compile takes a component (a wasm32-wasip2 build), and wasi-hw run runs a core module as it is\n"
        )
    );
    for (command, args) in [
        ("run", vec!["--board", demo()]),
        ("check", vec!["--board", demo()]),
        ("compile", vec!["-o", out]),
    ] {
        let o = wasi_hw(&[&[command, notes][..], &args].concat());
        assert_eq!(o.status.code(), Some(2), "{command}");
        assert_eq!(
            text(&o.stderr),
            format!(
                "error: {notes} is not a WebAssembly file (it does not begin with \\0asm); wasi-hw {command} takes an app built for wasm32-wasip2 (a component) or wasm32v1-none (a core module)\n"
            )
        );
    }
    assert!(!Path::new(out).exists(), "compile wrote nothing");
}

#[test]
fn an_output_path_that_cannot_be_written_fails_before_the_app_runs() {
    for (flag, what) in [("--vcd", "waveform"), ("--trace", "trace")] {
        let o = wasi_hw(&[
            "run",
            wasi_hw_artifacts::BLINKY_COMPONENT,
            "--board",
            demo(),
            flag,
            "/nonexistent/x.out",
            "--",
            "1",
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert_eq!(
            text(&o.stderr),
            format!(
                "error: cannot write the {what} to /nonexistent/x.out: No such file or directory (os error 2)\n"
            )
        );
        // Nothing ran: no pin changed, no log.
        assert_eq!(text(&o.stdout), "", "{flag}");
    }
}

#[test]
fn the_printout_shows_failed_calls_by_name_and_address_without_json() {
    let demo = std::fs::read_to_string(demo()).unwrap();
    let cases = [
        (
            "no-led",
            wasi_hw_artifacts::BLINKY_COMPONENT,
            demo.replace("name = \"led\"", "name = \"lamp\"")
                .replace("\"led\", ", ""),
            "[     0.000000s] gpio open \"led\": not-found\n",
            "error: the app failed: gpio open \"led\": not-found\n",
        ),
        (
            "bus-denied",
            wasi_hw_artifacts::WEATHER_COMPONENT,
            demo.replace("sensor-bus = [0x76]\n", ""),
            "[     0.000000s] i2c open \"sensor-bus\": not-permitted\n",
            "error: the app failed: i2c open \"sensor-bus\": not-permitted\n",
        ),
        (
            "address-denied",
            wasi_hw_artifacts::WEATHER_COMPONENT,
            demo.replace("sensor-bus = [0x76]", "sensor-bus = [0x77]"),
            "[     0.000000s] i2c write-read 0x76 on \"sensor-bus\": not-permitted\n",
            "error: the app failed: starting the BME280: i2c write-read 0x76 on \"sensor-bus\": not-permitted\n",
        ),
    ];
    for (name, app, board, stdout, stderr) in cases {
        let dir = scratch(name);
        let path = dir.join("board.toml");
        std::fs::write(&path, board).unwrap();
        let o = wasi_hw(&["run", app, "--board", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert_eq!(text(&o.stdout), stdout, "{name}");
        assert_eq!(text(&o.stderr), stderr, "{name}");
    }
}

#[test]
fn help_explains_every_subcommand() {
    let o = wasi_hw(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = text(&o.stdout);
    for word in ["run", "check", "compile", "Exit codes"] {
        assert!(help.contains(word), "{help}");
    }
    for (sub, flag) in [
        ("run", "--real-time"),
        ("check", "--board <FILE>"),
        ("compile", "--output <FILE>"),
    ] {
        let o = wasi_hw(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        assert!(text(&o.stdout).contains(flag), "{sub}: {}", text(&o.stdout));
    }
    let o = wasi_hw(&["run"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn real_time_follows_the_wall_clock() {
    // One cycle of blinky is 1 s of real time: the run must take at least
    // that (a lower bound on elapsed time, not a performance check).
    let start = std::time::Instant::now();
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--board",
        demo(),
        "--real-time",
        "--quiet",
        "--",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(start.elapsed() >= std::time::Duration::from_secs(1));
    let out = text(&o.stdout);
    assert!(
        out.starts_with("[     1.0") && out.ends_with("s] info  blinky: done\n"),
        "{out}"
    );
}

#[test]
fn a_real_time_sleep_past_the_timeout_is_stopped() {
    let start = std::time::Instant::now();
    let o = wasi_hw(&[
        "run",
        wasi_hw_artifacts::MISBEHAVE_COMPONENT,
        "--board",
        demo(),
        "--real-time",
        "--timeout",
        "300ms",
        "--",
        "oversleep",
    ]);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "the host slept past its timeout"
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).starts_with("error: the app was stopped: the app waited past its wall-clock limit of 300ms (--timeout) and was stopped"), "{}", text(&o.stderr));
}
