//! The vendor fixture's app (`app/`, on the guest crate `guest/`) run
//! twice over the one implementation of `probes` for `BoardHost`
//! (`src/probes.rs`): as a component on wasmtime, through the generated
//! wasmtime adapter, and as a core module on wasmi, through the generated
//! glue. The component is made from the same core module, so that both
//! engines run one binary. Both runs must log the same values and record
//! the same trace; the values are written out below.

use wasi_hw_board::board::file::parse_str;
use wasi_hw_board::host::BoardHost;
use wasi_hw_vendor_fixture::bench;

/// The bench's board: an output pin for the probe to drive, and an input
/// pin it cannot drive.
const BOARD: &str = r#"
name = "bench"

[[pin]]
name = "indicator"
capabilities = ["input", "push-pull-output"]

[[pin]]
name = "button"
capabilities = ["input"]

[policy]
pins = ["indicator", "button"]
"#;

fn host() -> BoardHost {
    let mut board = parse_str("bench", BOARD).unwrap();
    board.trace.on = true;
    BoardHost::new(board, 64)
}

fn core_module() -> Vec<u8> {
    std::fs::read(wasi_hw_artifacts::PROBES_CORE).unwrap()
}

/// What a run left: `run`'s result, the log's messages and the trace.
struct Run {
    result: Result<(), String>,
    log: Vec<String>,
    trace: String,
}

impl Run {
    fn of(result: Result<(), String>, host: BoardHost) -> Run {
        Run {
            result,
            log: host.log.iter().map(|l| l.message.clone()).collect(),
            trace: host.board.trace.json_lines(),
        }
    }
}

/// The store's data on wasmtime: the host and the guest's resources,
/// `wasi-hw:hal`'s inside the vendor's.
struct Data {
    host: BoardHost,
    resources: bench::wasmtime::Resources<BoardHost>,
}

impl bench::wasmtime::AsView<BoardHost> for Data {
    fn view(&mut self) -> bench::wasmtime::View<'_, BoardHost> {
        bench::wasmtime::View {
            host: &mut self.host,
            resources: &mut self.resources,
        }
    }
}

fn on_wasmtime() -> Run {
    use wasmtime::component::{Component, Linker};
    let component = wit_component::ComponentEncoder::default()
        .module(&core_module())
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let engine = wasmtime::Engine::default();
    let component = Component::new(&engine, &component).unwrap();
    let mut linker = Linker::new(&engine);
    bench::wasmtime::add_to_linker(&mut linker).unwrap();
    let data = Data {
        host: host(),
        resources: bench::wasmtime::Resources::new(),
    };
    let mut store = wasmtime::Store::new(&engine, data);
    let app =
        bench::wasmtime::bindings::BenchApp::instantiate(&mut store, &component, &linker).unwrap();
    let result = app.call_run(&mut store, &[]).unwrap();
    Run::of(result, store.into_data().host)
}

fn on_wasmi() -> Run {
    use wasi_hw_shim::run::{Ran, call_run};
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, core_module()).unwrap();
    let mut linker = wasmi::Linker::<bench::wasmi::Shim<BoardHost>>::new(&engine);
    bench::wasmi::add_to_linker(&mut linker, |s| s).unwrap();
    let mut store = wasmi::Store::new(&engine, bench::wasmi::Shim::new(host()));
    let instance = linker.instantiate_and_start(&mut store, &module).unwrap();
    let mut message = String::new();
    let ran = call_run(&mut store, &instance, &[], |m| message = m.to_string()).unwrap();
    let result = match ran {
        Ran::Ok => Ok(()),
        Ran::Err => Err(message),
    };
    Run::of(result, store.into_data().into_host().unwrap())
}

#[test]
fn the_app_gets_the_same_values_and_trace_on_wasmtime_and_on_wasmi() {
    let wasmtime = on_wasmtime();
    assert_eq!(wasmtime.result, Ok(()));
    // What the app logged: each value as the guest received it.
    let expected = [
        r#"catalog("t") = ["thermo", "tide"]"#,
        r#"catalog("") = ["hygro", "thermo", "tide"]"#,
        r#"custom.settings() = SettingsResult { name: "custom", mode: Mode::Averaged, quantities: Quantities(TEMPERATURE | PRESSURE), gain: Some(2.0), calibration: [10, 20] }"#,
        r#"thermo.settings() = SettingsResult { name: "thermo", mode: Mode::Averaged, quantities: Quantities(TEMPERATURE), gain: Some(0.5), calibration: [50] }"#,
        r#"named("nowhere") is Some("not-found")"#,
        r#"custom.measure(0) = ReadingResult::Nothing"#,
        r#"custom.feed(3 samples) = Ok(3)"#,
        r#"custom.feed(40 samples) = Err("full")"#,
        // value * 2.0 + (10 + 20) / 100
        r#"custom.samples() = [(1, 41.3), (2, 42.3), (3, -8.2)]"#,
        r#"custom.measure(0) = ReadingResult::Scalar(-8.2)"#,
        r#"describe(..) = "-8.2""#,
        r#"custom.measure(1) = ReadingResult::Indexed((3, -8.2))"#,
        r##"describe(..) = "#3: -8.2""##,
        r#"custom.measure(2) = ReadingResult::Note("custom has no reading of kind 2")"#,
        r#"describe(..) = "custom has no reading of kind 2""#,
        r#"custom.same-as(custom) = true"#,
        r#"custom.same-as(thermo) = false"#,
        r#"after copy-from(self): [(1, 41.3), (2, 42.3), (3, -8.2)]"#,
        // thermo's own gain and calibration: value * 0.5 + 50 / 100
        r#"after thermo.copy-from(custom): [(1, 10.75), (2, 11.0), (3, -1.625)]"#,
        r#"custom.indicate(indicator) = Ok(true)"#,
        r#"custom.indicate(button) = Err("wrong-mode")"#,
        r#"probes: done"#,
    ];
    assert_eq!(wasmtime.log, expected, "{:#?}", wasmtime.log);
    // The vendor's calls are in the trace beside wasi-hw:hal's.
    for line in [
        r#""interface":"probes","op":"[static]probe.named","result":{"err":"not-found"}"#,
        r#""interface":"probes","op":"[method]probe.feed","result":{"err":"full"}"#,
        r#""interface":"probes","op":"[method]probe.copy-from","result":{"ok":3}"#,
        r#""interface":"gpio","op":"set-high","result":"ok""#,
        r#""interface":"probes","op":"[method]probe.indicate","result":{"ok":true}"#,
        r#""interface":"probes","op":"[method]probe.indicate","result":{"err":"wrong-mode"}"#,
    ] {
        assert!(
            wasmtime.trace.contains(line),
            "{line} in\n{}",
            wasmtime.trace
        );
    }

    // Every function of `probes` was called.
    let mut called: Vec<String> = wasmtime
        .trace
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["interface"] == "probes")
        .map(|e| e["op"].as_str().unwrap().to_string())
        .collect();
    called.sort();
    called.dedup();
    assert_eq!(
        called,
        [
            "[constructor]probe",
            "[method]probe.copy-from",
            "[method]probe.feed",
            "[method]probe.indicate",
            "[method]probe.measure",
            "[method]probe.same-as",
            "[method]probe.samples",
            "[method]probe.settings",
            "[resource-drop]probe",
            "[static]probe.named",
            "catalog",
            "describe",
        ]
    );

    let wasmi = on_wasmi();
    assert_eq!(wasmi.result, wasmtime.result);
    assert_eq!(wasmi.log, wasmtime.log);
    assert_eq!(wasmi.trace, wasmtime.trace);
}
