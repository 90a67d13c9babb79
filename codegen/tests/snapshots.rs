//! Snapshot tests of the Rust guest generator on a fixture that uses every
//! kind of WIT type: records, variants, enums, flags, options, results,
//! lists, strings, tuples and resources (own and borrow).
//!
//! The snapshot is also compiled (`tests/compile.rs`). To accept a change in
//! the output on purpose: `UPDATE_SNAPSHOTS=1 cargo test -p wasi-hw-codegen`.

use std::path::Path;

use wasi_hw_codegen::guest::{self, GuestOptions};
use wasi_hw_codegen::package::Package;

fn tests_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"))
}

fn kitchen_sink() -> String {
    let pkg = Package::load(&tests_dir().join("fixtures/kitchen-sink")).unwrap();
    guest::rust(&pkg, "guest", &GuestOptions::default()).unwrap()
}

#[test]
fn kitchen_sink_bindings_match_the_snapshot() {
    let generated = kitchen_sink();
    let path = tests_dir().join("snapshots/kitchen_sink.rs");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if generated != expected {
        let line = generated
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(
                generated.lines().count().min(expected.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{} is stale: first difference at line {line}; run with UPDATE_SNAPSHOTS=1 to accept",
            path.display()
        );
    }
}

#[test]
fn output_is_deterministic() {
    assert_eq!(kitchen_sink(), kitchen_sink());
}

#[test]
fn the_snapshot_has_every_kind_of_type() {
    // Whitespace folded, so that the needles do not depend on line breaks.
    let generated = kitchen_sink()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        // A record; import parameters borrow (`&str`, slices).
        "pub struct Point<'a> {",
        "pub label: ::core::option::Option<&'a str>,",
        // A variant with a list of records.
        "pub enum Shape<'a> {",
        "Polygon(&'a [Point<'a>]),",
        // An enum and flags.
        "pub enum Color {",
        "pub struct Style : u8 {",
        // A resource: constructor, borrow in an option, own in a result and
        // as a parameter, a tuple result.
        "pub struct Canvas {",
        "pub fn new(width: u32, height: u32) -> Self {",
        "like: ::core::option::Option<&Canvas>,",
        "-> ::core::result::Result<Canvas, ErrorCode> {",
        "pub fn merge(into: &Canvas, other: Canvas) -> (u32, _rt::String) {",
        // Nested result, list, string and option.
        "pub fn names( prefix: &str, count: u8, ) -> ::core::result::Result< _rt::Vec<_rt::String>, ::core::option::Option<ErrorCode>, > {",
        // The export.
        "fn start(args: _rt::Vec<_rt::String>) -> ::core::result::Result<(), _rt::String>;",
    ] {
        assert!(generated.contains(needle), "missing `{needle}`");
    }
}
