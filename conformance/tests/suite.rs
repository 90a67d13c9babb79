//! The conformance suite itself: every case passes on the reference host,
//! every function of the spec has a case, and broken hosts fail by name.

use std::collections::BTreeSet;
use std::path::Path;

use wasi_hw_codegen::package::Package;
use wasi_hw_codegen::wit_parser::{FunctionKind, WorldItem};
use wasi_hw_conformance::hosts::{Host, Reference, ShimWasmi};
use wasi_hw_conformance::{Suite, Verdict, cases, run};
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
            "i2c-eeprom-write-cycle"
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
