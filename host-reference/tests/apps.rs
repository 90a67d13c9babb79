//! The example apps on the reference host, with their traces asserted, and
//! what the policy and injected faults do to them.

use std::path::Path;
use std::sync::OnceLock;

use wasi_hw_host::board::{self, Board};
use wasi_hw_host::host::{Echo, Limits, Outcome, RunResult, Runner};

const SECOND: u64 = 1_000_000_000;
const MS: u64 = 1_000_000;

fn demo_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/boards/demo.toml")).unwrap()
}

fn board(text: &str) -> Board {
    board::file::parse(Path::new("test.toml"), text, false).unwrap()
}

/// Each app is compiled once per test process.
fn runner(path: &'static str) -> &'static Runner {
    static RUNNERS: OnceLock<std::sync::Mutex<Vec<(&'static str, &'static Runner)>>> =
        OnceLock::new();
    let mut all = RUNNERS.get_or_init(Default::default).lock().unwrap();
    if let Some((_, r)) = all.iter().find(|(p, _)| *p == path) {
        return r;
    }
    let r: &'static Runner =
        Box::leak(Box::new(Runner::from_file(Path::new(path), false).unwrap()));
    all.push((path, r));
    r
}

fn run(app: &'static str, board_text: &str, args: &[&str]) -> RunResult {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    runner(app)
        .run(board(board_text), &args, &Limits::default(), Echo::Off)
        .unwrap()
}

fn success(r: &RunResult) {
    match &r.outcome {
        Outcome::Success => {}
        other => panic!("the app did not succeed: {other:?}"),
    }
}

fn failed(r: &RunResult) -> &str {
    match &r.outcome {
        Outcome::Failed(m) => m,
        other => panic!("expected the app to fail, got {other:?}"),
    }
}

/// The (time, level) changes of the line of pin `pin`.
fn levels(r: &RunResult, pin: &str) -> Vec<(u64, &'static str)> {
    r.host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == "board" && e.op == "level")
        .filter(|e| e.args["pins"].as_array().unwrap().iter().any(|p| p == pin))
        .map(|e| {
            (
                e.t,
                if e.args["level"] == "high" {
                    "high"
                } else {
                    "low"
                },
            )
        })
        .collect()
}

fn logs(r: &RunResult) -> Vec<String> {
    r.host.log.iter().map(|l| l.message.clone()).collect()
}

#[test]
fn blinky_toggles_the_led_every_500_ms_for_the_cycles_asked() {
    let mut r = run(wasi_hw_artifacts::BLINKY_COMPONENT, &demo_text(), &["3"]);
    success(&r);
    assert_eq!(
        levels(&r, "led"),
        [
            (0, "high"),
            (500 * MS, "low"),
            (SECOND, "high"),
            (1500 * MS, "low"),
            (2 * SECOND, "high"),
            (2500 * MS, "low"),
        ]
    );
    let toggles = r
        .host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.op == "toggle" && e.result == "ok")
        .count();
    assert_eq!(toggles, 6);
    assert_eq!(r.host.board.now(), 3 * SECOND);
    assert_eq!(logs(&r), ["blinky: done"]);
}

#[test]
fn blinky_reports_a_bad_argument_as_its_usage() {
    let r = run(
        wasi_hw_artifacts::BLINKY_COMPONENT,
        &demo_text(),
        &["three"],
    );
    assert_eq!(
        failed(&r),
        "usage: blinky [CYCLES]: CYCLES must be a whole number"
    );
}

#[test]
fn button_mirrors_every_scripted_press_and_counts_ticks() {
    let r = run(wasi_hw_artifacts::BUTTON_COMPONENT, &demo_text(), &["6"]);
    success(&r);
    // The demo board presses the button at 1.5 s for 200 ms and at 4 s for 1 s.
    assert_eq!(
        levels(&r, "button"),
        [
            (1500 * MS, "low"),
            (1700 * MS, "high"),
            (4 * SECOND, "low"),
            (5 * SECOND, "high")
        ]
    );
    assert_eq!(
        levels(&r, "led"),
        [
            (1500 * MS, "high"),
            (1700 * MS, "low"),
            (4 * SECOND, "high"),
            (5 * SECOND, "low")
        ]
    );
    let ticks: Vec<String> = logs(&r)
        .into_iter()
        .filter(|l| l.starts_with("tick"))
        .collect();
    assert_eq!(
        ticks,
        ["tick 1", "tick 2", "tick 3", "tick 4", "tick 5", "tick 6"]
    );
}

#[test]
fn weather_reads_the_board_values_through_the_bme280_crate_and_the_sensor() {
    let text = demo_text()
        .replace("temperature = 21.5", "temperature = -7.25")
        .replace("humidity = 45.0", "humidity = 81.5");
    let r = run(wasi_hw_artifacts::WEATHER_COMPONENT, &text, &["2", "30"]);
    success(&r);
    let logs = logs(&r);
    // The driver's readings, printed with 2 decimals for °C and %RH and 0 for
    // Pa: within the part's resolution of the board's values.
    let driver: Vec<&String> = logs
        .iter()
        .filter(|l| l.starts_with("bme280 driver"))
        .collect();
    assert_eq!(driver.len(), 2);
    for line in driver {
        assert_eq!(
            line,
            "bme280 driver: temperature -7.25 °C, pressure 101325 Pa, humidity 81.50 %RH"
        );
    }
    let sensor: Vec<&String> = logs
        .iter()
        .filter(|l| l.starts_with("sensor ambient"))
        .collect();
    assert_eq!(
        sensor,
        [
            "sensor ambient #1: temperature -7.25 °C pressure 101324.88 Pa relative-humidity 81.50 %RH",
            "sensor ambient #2: temperature -7.25 °C pressure 101324.88 Pa relative-humidity 81.50 %RH",
        ]
    );
    // The second reading comes 30 s after the first.
    let reads: Vec<u64> = r
        .host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.op == "read" && e.interface == "sensor")
        .map(|e| e.t)
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(
        reads[1] - reads[0] >= 30 * SECOND && reads[1] - reads[0] < 31 * SECOND,
        "{reads:?}"
    );
}

#[test]
fn eeprom_round_trips_a_page_and_sees_the_write_cycle_nack() {
    let r = run(wasi_hw_artifacts::EEPROM_COMPONENT, &demo_text(), &["3"]);
    success(&r);
    let nacks = r
        .host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == "i2c" && e.result["err"] == "no-acknowledge(address)")
        .count();
    // A 5 ms write cycle, retried every 1 ms plus the transfer time.
    assert_eq!(nacks, 5);
    assert_eq!(
        logs(&r),
        [
            "eeprom: wrote page 3",
            "eeprom: write cycle took 5 retries (no-acknowledge while busy)",
            "eeprom: read back 8 bytes, all equal",
        ]
    );
    // The page write itself, on the wire.
    let write = r
        .host
        .board
        .trace
        .events
        .iter()
        .find(|e| e.op == "write" && e.interface == "i2c")
        .unwrap();
    assert_eq!(write.args["wire"][1], "write [18 30 31 32 33 34 35 36 37]");
}

/// Each message with its time in whole milliseconds: what the wasmi
/// firmware prints of the same run (firmware/qemu-wasmi/expected.txt
/// carries these lines).
fn timed_logs(r: &RunResult) -> Vec<(u64, String)> {
    r.host
        .log
        .iter()
        .map(|l| (l.t / 1_000_000, l.message.clone()))
        .collect()
}

#[test]
fn flash_programs_reads_back_and_erases_the_w25q32jv_with_the_crates_io_driver() {
    let r = run(wasi_hw_artifacts::FLASH_COMPONENT, &demo_text(), &[]);
    success(&r);
    let expected: [(u64, &str); 5] = [
        (0, "flash: unique id \"WASI-HW!\""),
        // Two page programs (16 bytes to the page's end, then 284 split
        // again at 256), each 0.4 ms, its BUSY polled at 1 MHz.
        (3, "flash: programmed 300 bytes at 496 in 3816 µs"),
        (6, "flash: read back the 300 bytes written"),
        // The sector erase's 45 ms, and the status reads that saw its end.
        (51, "flash: erased sector 0 in 45064 µs"),
        (53, "flash: the bytes read 0xFF again"),
    ];
    let got = timed_logs(&r);
    let got: Vec<(u64, &str)> = got.iter().map(|(t, m)| (*t, m.as_str())).collect();
    assert_eq!(got, expected);
    // The driver polled BUSY throughout the erase: at 1 MHz a status read
    // (2 bytes) takes 16 µs, so some 2,800 of them saw the part busy.
    let busy = r
        .host
        .board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == "spi" && e.result["ok"][0] == "[ff 03]")
        .count();
    assert!((2_800..2_900).contains(&busy), "{busy}");
}

#[test]
fn weather_spi_reads_the_spi_bme280_with_the_crates_io_driver() {
    let r = run(
        wasi_hw_artifacts::WEATHER_SPI_COMPONENT,
        &demo_text(),
        &["2", "10"],
    );
    success(&r);
    let got = timed_logs(&r);
    let got: Vec<(u64, &str)> = got.iter().map(|(t, m)| (*t, m.as_str())).collect();
    assert_eq!(
        got,
        [
            (0, "bme280 over spi: chip id 96"),
            (
                113,
                "bme280 over spi: temperature 19.25 °C, pressure 101100 Pa, humidity 52.00 %RH"
            ),
            (
                10_113,
                "bme280 over spi: temperature 19.25 °C, pressure 101100 Pa, humidity 52.00 %RH"
            ),
        ]
    );
    // The chip id's read on the wire: the control byte with bit 7 set (a
    // read), then the id, the chip select held.
    let id = r
        .host
        .board
        .trace
        .events
        .iter()
        .find(|e| e.interface == "spi" && e.result["ok"][0] == "[60]")
        .unwrap();
    assert_eq!(id.args["device"], "env");
}

#[test]
fn policy_denials_reach_the_app_as_the_specs_errors() {
    let demo = demo_text();
    let cases: [(&'static str, String, &[&str], &str); 6] = [
        (
            wasi_hw_artifacts::BLINKY_COMPONENT,
            demo.replace("pins = [\"led\", \"button\"]", "pins = [\"button\"]"),
            &["1"],
            "gpio open \"led\": not-permitted",
        ),
        (
            wasi_hw_artifacts::BLINKY_COMPONENT,
            demo.replace("name = \"led\"", "name = \"lamp\"")
                .replace("\"led\", ", ""),
            &["1"],
            "gpio open \"led\": not-found",
        ),
        (
            wasi_hw_artifacts::WEATHER_COMPONENT,
            demo.replace("sensor-bus = [0x76]\n", ""),
            &[],
            "i2c open \"sensor-bus\": not-permitted",
        ),
        (
            wasi_hw_artifacts::WEATHER_COMPONENT,
            demo.replace("sensor-bus = [0x76]", "sensor-bus = [0x77]"),
            &[],
            "starting the BME280: i2c write-read 0x76 on \"sensor-bus\": not-permitted",
        ),
        (
            wasi_hw_artifacts::WEATHER_COMPONENT,
            demo.replace("sensors = [\"ambient\"]", "sensors = []"),
            &[],
            "sensor open \"ambient\": not-permitted",
        ),
        (
            wasi_hw_artifacts::EEPROM_COMPONENT,
            demo.replace("storage-bus = [0x50]", "storage-bus = []"),
            &[],
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": not-permitted",
        ),
    ];
    for (app, text, args, expected) in cases {
        let r = run(app, &text, args);
        assert_eq!(failed(&r), expected);
    }
}

#[test]
fn injected_faults_reach_the_app_as_the_specs_errors() {
    let demo = demo_text();
    // The app says what it was doing; the SDK names the call, address and bus.
    for (fault, expected) in [
        (
            "arbitration-loss",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": arbitration-loss",
        ),
        (
            "bus",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": bus",
        ),
        (
            "overrun",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": overrun",
        ),
        (
            "timeout",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": timeout",
        ),
        (
            "no-acknowledge-data",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": no-acknowledge(data)",
        ),
        (
            "no-acknowledge-unknown",
            "writing the EEPROM page: i2c write 0x50 on \"storage-bus\": no-acknowledge(unknown)",
        ),
    ] {
        // The first transfer on the storage bus is the page write.
        let text = demo.replace(
            "write-cycle = \"5ms\"\n",
            &format!(
                "write-cycle = \"5ms\"\n\n[[bus.fault]]\nerror = \"{fault}\"\non-transfer = 0\n"
            ),
        );
        let r = run(wasi_hw_artifacts::EEPROM_COMPONENT, &text, &[]);
        assert_eq!(failed(&r), expected, "{fault}");
    }
    // A fault at a time, on one address: the BME280's first transfer after 0.
    let text = demo.replace(
        "humidity = 45.0       # %RH\n",
        "humidity = 45.0\n\n[[bus.fault]]\nerror = \"arbitration-loss\"\nat = \"1ms\"\naddress = 0x76\n",
    );
    let r = run(wasi_hw_artifacts::WEATHER_COMPONENT, &text, &[]);
    assert_eq!(
        failed(&r),
        "starting the BME280: i2c write-read 0x76 on \"sensor-bus\": arbitration-loss"
    );
}

#[test]
fn a_misbehaving_app_is_reported_and_the_host_goes_on() {
    let limits = Limits {
        max_memory: 4 << 20,
        max_handles: 8,
        fuel: None,
        timeout: std::time::Duration::from_secs(2),
        ..Limits::default()
    };
    let misbehave = runner(wasi_hw_artifacts::MISBEHAVE_COMPONENT);
    let cases = [
        (
            "trap",
            "the app trapped: wasm trap: wasm `unreachable` instruction executed",
        ),
        (
            "panic",
            "the app trapped: wasm trap: wasm `unreachable` instruction executed",
        ),
        (
            "spin",
            "the app ran for more than 2s of wall-clock time and was stopped (--timeout)",
        ),
        (
            "grow",
            "the app's linear memory would have grown past 4194304 bytes and it was stopped (--max-memory)",
        ),
        (
            "wait-forever",
            "the app was stopped: pollable.block at 5.000000s waits for ever",
        ),
    ];
    for (mode, expected) in cases {
        let r = misbehave
            .run(board(&demo_text()), &[mode.to_string()], &limits, Echo::Off)
            .unwrap();
        match r.outcome {
            Outcome::Trapped(report) => {
                assert!(report.starts_with(expected), "{mode}: {report}");
                assert!(
                    report.contains("wasm backtrace"),
                    "{mode}: no backtrace in {report}"
                );
            }
            other => panic!("{mode}: {other:?}"),
        }
    }
    let r = misbehave
        .run(
            board(&demo_text()),
            &["handles".to_string()],
            &limits,
            Echo::Off,
        )
        .unwrap();
    assert!(
        matches!(r.outcome, Outcome::Failed(ref m) if m == "timer: limit-reached"),
        "{:?}",
        r.outcome
    );
    // Sleeping past the end of the virtual clock is allowed, and what comes
    // after it works (time stays at its end).
    let r = misbehave
        .run(
            board(&demo_text()),
            &["oversleep".to_string()],
            &limits,
            Echo::Off,
        )
        .unwrap();
    assert!(matches!(r.outcome, Outcome::Success), "{:?}", r.outcome);
    // And the host still runs the next app.
    success(&run(
        wasi_hw_artifacts::BLINKY_COMPONENT,
        &demo_text(),
        &["1"],
    ));
}

#[test]
fn fuel_stops_a_spinning_app() {
    let runner =
        Runner::from_file(Path::new(wasi_hw_artifacts::MISBEHAVE_COMPONENT), true).unwrap();
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    let r = runner
        .run(
            board(&demo_text()),
            &["spin".to_string()],
            &limits,
            Echo::Off,
        )
        .unwrap();
    assert!(
        matches!(&r.outcome, Outcome::Trapped(m) if m.starts_with("the app used all its fuel (1000000)")),
        "{:?}",
        r.outcome
    );
}

#[test]
fn a_fuel_limit_on_a_runner_made_without_fuel_is_refused_not_ignored() {
    let runner =
        Runner::from_file(Path::new(wasi_hw_artifacts::MISBEHAVE_COMPONENT), false).unwrap();
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    let Err(e) = runner.run(
        board(&demo_text()),
        &["spin".to_string()],
        &limits,
        Echo::Off,
    ) else {
        panic!("the run went ahead without its fuel limit")
    };
    assert_eq!(
        e.to_string(),
        "a fuel limit (1000000) on a runner made without fuel: make it with `Runner::new(bytes, true)`"
    );
}

#[test]
fn sensors_follow_their_waveforms_and_recordings_in_virtual_time() {
    // "ambient" from waveforms: a ramp, a constant and a sine.
    let waveforms = demo_text().replace("device = { bus = \"sensor-bus\", address = 0x76 }\n", "").replace(
        "interval = \"1s\"\n",
        "interval = \"1s\"\n[[sensor.channel]]\nchannel = \"temperature\"\nresolution = 0.01\nramp = { from = 10.0, to = 30.0, over = \"100s\" }\n\
         [[sensor.channel]]\nchannel = \"pressure\"\nresolution = 1.0\nvalue = 99000.0\n\
         [[sensor.channel]]\nchannel = \"relative-humidity\"\nresolution = 0.1\nsine = { mean = 50.0, amplitude = 10.0, period = \"40s\" }\n",
    );
    let r = run(
        wasi_hw_artifacts::WEATHER_COMPONENT,
        &waveforms,
        &["2", "10"],
    );
    success(&r);
    let lines: Vec<String> = logs(&r)
        .into_iter()
        .filter(|l| l.starts_with("sensor"))
        .collect();
    // Read at about 0.046 s and 10.088 s: the ramp has moved 2 °C, the sine
    // a quarter period (its peak).
    assert_eq!(
        lines,
        [
            "sensor ambient #1: temperature 10.01 °C pressure 99000.00 Pa relative-humidity 50.10 %RH",
            "sensor ambient #2: temperature 12.02 °C pressure 99000.00 Pa relative-humidity 60.00 %RH",
        ]
    );

    // The same from a recording beside the board file.
    let dir = std::env::temp_dir().join(format!("wasi-hw-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ambient.csv"),
        "time_s,temperature,pressure,humidity\n0,18.5,100100,40\n5,19.25,100200,41.5\n",
    )
    .unwrap();
    let recorded = demo_text().replace("device = { bus = \"sensor-bus\", address = 0x76 }\n", "").replace(
        "interval = \"1s\"\n",
        "interval = \"1s\"\ncsv = \"ambient.csv\"\n[[sensor.channel]]\nchannel = \"temperature\"\n[[sensor.channel]]\nchannel = \"pressure\"\nresolution = 1.0\n[[sensor.channel]]\nchannel = \"relative-humidity\"\n",
    );
    let board = board::file::parse(&dir.join("board.toml"), &recorded, false).unwrap();
    let args: Vec<String> = ["2", "10"].iter().map(|s| s.to_string()).collect();
    let r = runner(wasi_hw_artifacts::WEATHER_COMPONENT)
        .run(board, &args, &Limits::default(), Echo::Off)
        .unwrap();
    success(&r);
    let lines: Vec<String> = logs(&r)
        .into_iter()
        .filter(|l| l.starts_with("sensor"))
        .collect();
    assert_eq!(
        lines,
        [
            "sensor ambient #1: temperature 18.50 °C pressure 100100.00 Pa relative-humidity 40.00 %RH",
            "sensor ambient #2: temperature 19.25 °C pressure 100200.00 Pa relative-humidity 41.50 %RH",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_log_level_reaches_the_host_from_log_functions_and_from_line() {
    let r = run(
        wasi_hw_artifacts::MISBEHAVE_COMPONENT,
        &demo_text(),
        &["log-levels"],
    );
    success(&r);
    let shown: Vec<(&str, &str)> = r
        .host
        .log
        .iter()
        .map(|l| (l.level, l.message.as_str()))
        .collect();
    // The host shows info and above: trace and debug were sent, and dropped.
    assert_eq!(
        shown,
        [
            ("info", "log::info"),
            ("warn", "log::warn"),
            ("error", "log::error"),
            ("info", "Line::info"),
            ("warn", "Line::warn"),
            ("error", "Line::error"),
        ]
    );
}
