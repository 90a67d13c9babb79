//! The conformance suite itself: every case passes on the reference host,
//! every function of the spec has a case, and broken hosts fail by name.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;
use wasi_hw_codegen::package::Package;
use wasi_hw_codegen::wit_parser::{FunctionKind, WorldItem};
use wasi_hw_conformance::hosts::{Host, Reference, ShimWasmi};
use wasi_hw_conformance::{Suite, Verdict, cases, first_difference, run};
use wasi_hw_host::host::Quirks;
use wasi_hw_host::shim::Adapter;

fn failing(results: &[wasi_hw_conformance::CaseResult]) -> Vec<&'static str> {
    results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| r.case.name)
        .collect()
}

#[test]
fn every_case_passes_on_the_reference_host() {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let results = run(&suite, &reference, None, &cases()).unwrap();
    for r in &results {
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "{} ({})",
            r.case.name,
            r.case.item
        );
        assert!(
            !r.trace.is_empty()
                || r.case.item.starts_with("timer")
                || r.case.item.starts_with("log")
                || r.case.item.starts_with("gpio.list")
                || r.case.item.starts_with("sensor.list")
                || r.case.item.starts_with("i2c.list")
                || r.case.item.starts_with("spi.list")
                || r.case.item.starts_with("poll"),
            "{}: no trace",
            r.case.name
        );
    }
    assert_eq!(results.len(), cases().len());
}

/// The differential test of the generated shim: the test guest's core
/// module on wasmi, through the glue `wasi-hw-codegen host-shim` writes,
/// passes every case with a trace identical to the reference host's
/// (`run` compares them and fails a case on the first difference).
#[test]
fn every_case_passes_on_the_generated_shim_with_the_reference_trace() {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let shim = ShimWasmi::new(&suite).unwrap();
    let results = run(&suite, &shim, Some(&reference), &cases()).unwrap();
    assert_eq!(failing(&results), Vec::<&str>::new());
    assert_eq!(results.len(), cases().len());
    assert_eq!(shim.name(), "shim-wasmi");
}

/// The same for the shim's other wasmi adapter, the one trampoline over
/// `dispatch`: with the board model behind it, this is the QEMU firmware's
/// host code, built for this machine.
#[test]
fn every_case_passes_on_the_dispatch_adapter_with_the_reference_trace() {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let shim = ShimWasmi::with_adapter(&suite, Adapter::Dispatch).unwrap();
    let results = run(&suite, &shim, Some(&reference), &cases()).unwrap();
    assert_eq!(failing(&results), Vec::<&str>::new());
    assert_eq!(results.len(), cases().len());
    assert_eq!(shim.name(), "shim-wasmi-dispatch");
}

/// `wait-for-edge` traces the edge by the spec's name (`rising`, `falling`,
/// `any`), on the reference host and so on every host that matches it.
#[test]
fn wait_for_edge_traces_the_edge_by_its_spec_name() {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let case = cases()
        .into_iter()
        .find(|c| c.name == "gpio-wait-for-edge")
        .unwrap();
    let outcome = reference.run(&suite, case).unwrap();
    let edges: Vec<&str> = outcome
        .trace
        .iter()
        .filter(|l| l["op"] == "wait-for-edge")
        .map(|l| l["args"]["edge"].as_str().unwrap())
        .collect();
    assert!(!edges.is_empty());
    assert!(
        edges
            .iter()
            .all(|e| ["rising", "falling", "any"].contains(e)),
        "{edges:?}"
    );
}

/// `interface.function` and `interface.resource.method` for every function
/// the spec's `app` world imports.
fn spec_functions() -> BTreeSet<String> {
    let spec = Package::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")).unwrap();
    let world = &spec.resolve.worlds[spec.world("app").unwrap()];
    let mut items = BTreeSet::new();
    for item in world.imports.values() {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        let iface = &spec.resolve.interfaces[*id];
        let name = iface.name.clone().unwrap();
        for f in iface.functions.values() {
            let item = match &f.kind {
                FunctionKind::Freestanding | FunctionKind::AsyncFreestanding => {
                    format!("{name}.{}", f.name)
                }
                _ => {
                    let resource = spec.resolve.types[f.kind.resource().unwrap()]
                        .name
                        .clone()
                        .unwrap();
                    format!("{name}.{resource}.{}", f.item_name())
                }
            };
            items.insert(item);
        }
    }
    items
}

#[test]
fn every_function_of_the_spec_has_a_case() {
    let covered: BTreeSet<String> = cases().iter().map(|c| c.item.to_string()).collect();
    let missing: Vec<String> = spec_functions().difference(&covered).cloned().collect();
    assert!(
        missing.is_empty(),
        "functions of the spec without a conformance case: {missing:?}"
    );
}

#[test]
fn every_case_names_a_function_of_the_spec_and_is_unique() {
    let functions = spec_functions();
    let mut names = BTreeSet::new();
    for c in cases() {
        assert!(
            functions.contains(c.item),
            "case {} covers `{}`, which the spec does not have",
            c.name,
            c.item
        );
        assert!(names.insert(c.name), "two cases called {}", c.name);
        assert!(!c.description.is_empty());
    }
}

fn failing_with(quirks: Quirks) -> Vec<&'static str> {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let broken = Reference::with_quirks(&suite, quirks).unwrap();
    let results = run(&suite, &broken, Some(&reference as &dyn Host), &cases()).unwrap();
    failing(&results)
}

#[test]
fn a_host_that_reports_the_wrong_no_acknowledge_source_fails() {
    let failing = failing_with(Quirks {
        wrong_nack_source: true,
        ..Quirks::default()
    });
    assert_eq!(failing, ["i2c-probe", "i2c-eeprom-write-cycle"]);
}

#[test]
fn a_host_that_drops_the_repeated_start_fails() {
    let failing = failing_with(Quirks {
        no_repeated_start: true,
        ..Quirks::default()
    });
    assert_eq!(
        failing,
        [
            "i2c-max-transfer",
            "i2c-write-read",
            "i2c-write",
            "i2c-transaction",
            "i2c-ten-bit",
            // Its transaction of 64 reads, the most a transaction holds.
            "i2c-invalid-arguments",
            "i2c-eeprom-write-cycle"
        ]
    );
}

/// What `SpiDevice` guarantees: the chip select held over a transaction.
/// Released between operations, a flash's command and its answer are two
/// transactions (the answer reads the idle 0xFF), and every transaction of
/// more than one operation shows it on the wire.
#[test]
fn a_host_that_releases_the_spi_chip_select_between_operations_fails() {
    let failing = failing_with(Quirks {
        spi_chip_select_between_operations: true,
        ..Quirks::default()
    });
    assert_eq!(
        failing,
        [
            "spi-transaction",
            "spi-invalid-arguments",
            "spi-flash-program-erase",
            "spi-bme280"
        ]
    );
}

#[test]
fn a_host_whose_clock_goes_backwards_fails() {
    let failing = failing_with(Quirks {
        clock_backwards: true,
        ..Quirks::default()
    });
    assert!(failing.contains(&"timer-now"), "{failing:?}");
}

#[test]
fn a_host_that_lets_a_denied_pin_through_fails() {
    let failing = failing_with(Quirks {
        ignore_pin_policy: true,
        ..Quirks::default()
    });
    assert_eq!(failing, ["gpio-list-pins", "gpio-open-not-permitted"]);
}

/// A suite without the test guest's component, as a build without the
/// feature `component` has: the reference host runs the core module made a
/// component.
fn core_only() -> Suite {
    Suite {
        guest: None,
        ..Suite::built()
    }
}

/// Without `wasm32-wasip2`, the expected traces come from the core module
/// made a component: this is only sound if the reference host gives every
/// case the same verdict and trace from it as from the guest's component.
#[cfg(feature = "component")]
#[test]
fn the_reference_host_gives_every_case_the_same_trace_from_the_core_module() {
    let suite = Suite::built();
    let from_component = Reference::new(&suite).unwrap();
    let from_core = Reference::new(&core_only()).unwrap();
    let results = run(&suite, &from_core, Some(&from_component), &cases()).unwrap();
    assert_eq!(failing(&results), Vec::<&str>::new());
    assert_eq!(results.len(), cases().len());
}

/// What a team with only `wasm32v1-none` runs: the shim on wasmi against
/// the reference host on the core module made a component.
#[test]
fn every_case_passes_on_the_generated_shim_against_the_core_module_reference() {
    let suite = core_only();
    let reference = Reference::new(&suite).unwrap();
    let shim = ShimWasmi::new(&suite).unwrap();
    let results = run(&suite, &shim, Some(&reference), &cases()).unwrap();
    assert_eq!(failing(&results), Vec::<&str>::new());
    assert_eq!(results.len(), cases().len());
}

/// A core module that is not one of the spec's world cannot stand in for
/// the component, and the error says which file and why.
#[test]
fn a_core_module_without_the_world_cannot_be_the_reference() {
    let dir = std::env::temp_dir().join(format!("wasi-hw-core-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bare = dir.join("bare.wasm");
    // An empty module: valid, but with no description of the world.
    std::fs::write(&bare, b"\0asm\x01\0\0\0").unwrap();
    let suite = Suite {
        guest_core: bare.clone(),
        ..core_only()
    };
    let err = format!("{:#}", Reference::new(&suite).err().unwrap());
    assert_eq!(
        err,
        format!(
            "{}: not a core module of world wasi-hw:hal/app: it describes no export `run` (a guest built with the guest SDK does)",
            bare.display()
        )
    );
}

/// The failure of `case` on the reference host with `quirks`, compared
/// with the reference host.
fn failure_with(quirks: Quirks, case: &str) -> String {
    let suite = Suite::built();
    let reference = Reference::new(&suite).unwrap();
    let broken = Reference::with_quirks(&suite, quirks).unwrap();
    let case = cases().into_iter().find(|c| c.name == case).unwrap();
    let results = run(&suite, &broken, Some(&reference as &dyn Host), &[case]).unwrap();
    match &results[0].verdict {
        Verdict::Fail(why) => why.clone(),
        Verdict::Pass => panic!("{} passed", case.name),
    }
}

#[test]
fn a_trace_difference_names_the_line_and_field_with_both_values() {
    let why = failure_with(
        Quirks {
            no_repeated_start: true,
            ..Quirks::default()
        },
        "i2c-write-read",
    );
    assert_eq!(
        why,
        r#"trace line 2 differs from the reference host's at "args.wire[2]": expected "Sr 0x76 R", got "P"
  expected {"args":{"address":{"seven-bit":118},"bus":"bus","operations":[{"write":"[d0]"},{"read":1}],"wire":["S 0x76 W","write [d0]","Sr 0x76 R","read [60]","P"]},"interface":"i2c","op":"write-read","result":{"ok":["[60]"]},"t":0}
  got      {"args":{"address":{"seven-bit":118},"bus":"bus","operations":[{"write":"[d0]"},{"read":1}],"wire":["S 0x76 W","write [d0]","P","S 0x76 R","read [60]","P"]},"interface":"i2c","op":"write-read","result":{"ok":["[60]"]},"t":0}"#
    );
}

/// A line whose time differs: the time is named before any other field,
/// as the trace format orders them, though JSON sorts it last.
#[test]
fn a_trace_difference_in_time_comes_before_one_in_the_result() {
    let expected = [
        json!({"t": 1000000, "interface": "timer", "op": "now", "args": {}, "result": {"ok": 1000000}}),
    ];
    let actual = [
        json!({"t": 1000500, "interface": "timer", "op": "now", "args": {}, "result": {"ok": 1000500}}),
    ];
    assert_eq!(
        first_difference(&expected, &actual).unwrap(),
        r#"trace line 1 differs from the reference host's at "t": expected 1000000, got 1000500
  expected {"args":{},"interface":"timer","op":"now","result":{"ok":1000000},"t":1000000}
  got      {"args":{},"interface":"timer","op":"now","result":{"ok":1000500},"t":1000500}"#
    );
}

/// An I2C address reads in hex, 10-bit ones marked so; a field one line
/// has and the other lacks reads `nothing`.
#[test]
fn a_trace_difference_writes_addresses_in_hex_and_a_missing_field_as_nothing() {
    let line = |address: serde_json::Value| json!({"t": 0, "interface": "i2c", "op": "read", "args": {"bus": "bus", "address": address}, "result": "ok"});
    let diff = first_difference(
        &[line(json!({"seven-bit": 0x76}))],
        &[line(json!({"seven-bit": 0x77}))],
    )
    .unwrap();
    assert_eq!(
        diff.lines().next().unwrap(),
        r#"trace line 1 differs from the reference host's at "args.address": expected 0x76, got 0x77"#
    );
    let diff = first_difference(
        &[line(json!({"ten-bit": 0x2a5}))],
        &[line(json!({"seven-bit": 0x25}))],
    )
    .unwrap();
    assert_eq!(
        diff.lines().next().unwrap(),
        r#"trace line 1 differs from the reference host's at "args.address": expected 0x2a5 (10-bit), got 0x25"#
    );
    let mut short = line(json!({"seven-bit": 0x76}));
    short["args"].as_object_mut().unwrap().remove("bus");
    let diff = first_difference(&[line(json!({"seven-bit": 0x76}))], &[short]).unwrap();
    assert_eq!(
        diff.lines().next().unwrap(),
        r#"trace line 1 differs from the reference host's at "args.bus": expected "bus", got nothing"#
    );
}

#[test]
fn a_trace_of_another_length_says_how_many_lines_with_the_right_plural() {
    let a = json!({"t": 0, "interface": "log", "op": "log", "args": {}, "result": "ok"});
    let b = json!({"t": 5, "interface": "log", "op": "log", "args": {}, "result": "ok"});
    assert_eq!(
        first_difference(&[a.clone(), b.clone()], std::slice::from_ref(&a)).unwrap(),
        r#"the trace stops after 1 line; the reference host's goes on with:
  expected {"args":{},"interface":"log","op":"log","result":"ok","t":5}"#
    );
    assert_eq!(
        first_difference(std::slice::from_ref(&a), &[a.clone(), b.clone(), b.clone()]).unwrap(),
        r#"the trace has 2 lines more than the reference host's, from:
  got      {"args":{},"interface":"log","op":"log","result":"ok","t":5}"#
    );
    assert_eq!(
        first_difference(std::slice::from_ref(&a), &[a.clone(), b])
            .unwrap()
            .lines()
            .next()
            .unwrap(),
        "the trace has 1 line more than the reference host's, from:"
    );
    assert_eq!(
        first_difference(std::slice::from_ref(&a), std::slice::from_ref(&a)),
        None
    );
}

/// The summary names a broken host by what it does wrong, in words.
#[test]
fn a_broken_host_is_named_by_its_quirks_in_words() {
    let suite = Suite::built();
    let broken = Reference::with_quirks(
        &suite,
        Quirks {
            no_repeated_start: true,
            wrong_nack_source: true,
            ..Quirks::default()
        },
    )
    .unwrap();
    assert_eq!(
        broken.name(),
        "reference with the wrong no-acknowledge source, no repeated start"
    );
    assert_eq!(Reference::new(&suite).unwrap().name(), "reference");
}
