//! The spec in `wit/` resolves and follows our conventions; the convention
//! check itself finds what it should.

use std::path::Path;

use wasi_hw_codegen::conventions::undocumented;
use wasi_hw_codegen::package::Package;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_spec_resolves_with_its_interfaces_and_worlds() {
    let spec = Package::load(&root().join("wit")).unwrap();
    assert_eq!(spec.name(), "wasi-hw:hal@0.1.1");
    let pkg = &spec.resolve.packages[spec.id];
    let mut interfaces: Vec<&str> = pkg.interfaces.keys().map(String::as_str).collect();
    interfaces.sort();
    // spi is in the package, and in no world yet (issue 19: the hosts
    // implement it first).
    assert_eq!(
        interfaces,
        ["gpio", "i2c", "log", "poll", "sensor", "spi", "timer"]
    );
    let worlds: Vec<&str> = pkg.worlds.keys().map(String::as_str).collect();
    assert_eq!(worlds, ["app", "app-small"]);

    // app-small: gpio, timer, poll and log, nothing else.
    let small = &spec.resolve.worlds[spec.world("app-small").unwrap()];
    let mut imports: Vec<String> = small
        .imports
        .keys()
        .map(|k| spec.resolve.name_world_key(k))
        .collect();
    imports.sort();
    assert_eq!(
        imports,
        [
            "wasi-hw:hal/gpio@0.1.1",
            "wasi-hw:hal/log@0.1.1",
            "wasi-hw:hal/poll@0.1.1",
            "wasi-hw:hal/timer@0.1.1"
        ]
    );
}

#[test]
fn every_item_of_the_spec_has_a_doc_comment() {
    let spec = Package::load(&root().join("wit")).unwrap();
    let missing: Vec<String> = undocumented(&spec.resolve, spec.id)
        .iter()
        .map(|u| u.to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "undocumented items:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_doc_check_names_each_undocumented_item_with_its_line() {
    let pkg = Package::load(&root().join("codegen/tests/fixtures/undocumented")).unwrap();
    let found: Vec<String> = undocumented(&pkg.resolve, pkg.id)
        .iter()
        .map(|u| {
            let line = u.location.rsplit(':').nth(1).unwrap();
            format!("{line}: {}", u.item)
        })
        .collect();
    assert_eq!(
        found,
        [
            "9: record `r` field `b` in interface `documented`",
            "12: enum `e` in interface `documented`",
            "15: enum `e` case `two` in interface `documented`",
            "20: function `poke` of resource `thing` in interface `documented`",
            "23: function `f` in interface `documented`",
            "26: interface `bare`",
            "28: world `w`",
            "30: function `run` in world `w`",
        ]
    );
}
