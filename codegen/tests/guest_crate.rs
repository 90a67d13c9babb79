//! `guest-crate`: a vendor's SDK crate for a world that extends wasi-hw:hal,
//! generated and compiled.

use std::path::{Path, PathBuf};
use std::process::Command;

use wasi_hw_codegen::guest_crate::{self, CrateOptions, SdkDependency};
use wasi_hw_codegen::package::Package;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The vendor fixture with wasi-hw:hal in its deps/, as a vendor lays it out.
fn vendor_package(scratch: &Path) -> Package {
    let wit = scratch.join("wit");
    copy_dir(&root().join("codegen/tests/fixtures/vendor"), &wit);
    copy_dir(&root().join("wit"), &wit.join("deps/hal"));
    Package::load(&wit).unwrap()
}

#[test]
fn the_vendor_crate_reuses_the_sdk_and_compiles() {
    let scratch = std::env::temp_dir().join(format!("wasi-hw-guest-crate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let pkg = vendor_package(&scratch);
    let out = scratch.join("acme-guest");
    let opts = CrateOptions {
        name: "acme-guest".into(),
        sdk: SdkDependency::Path(root().join("guest-sdk").display().to_string()),
    };
    let output = guest_crate::generate(&pkg, "acme-app", &out, &opts).unwrap();
    let files: Vec<_> = output
        .files()
        .map(|(p, _)| p.strip_prefix(&out).unwrap().display().to_string())
        .collect();
    assert_eq!(files, ["Cargo.toml", "src/lib.rs", "src/bindings.rs"]);
    output.write().unwrap();
    assert!(output.check().is_empty());

    let bindings = std::fs::read_to_string(out.join("src/bindings.rs")).unwrap();
    // wasi-hw:hal interfaces come from the SDK; the vendor's are generated.
    assert!(
        bindings.contains("use wasi_hw_guest::bindings::wasi_hw::hal::gpio as __with_name"),
        "gpio not reused"
    );
    assert!(bindings.contains("pub mod display {"));
    assert!(bindings.contains("pub type Pin = super::super::super::__with_name1::Pin;"));
    assert!(bindings.contains("pub fn attach_backlight(\n                backlight: &Pin,"));

    // A tiny app on the generated crate, checked by cargo (on the host: the
    // bindings are the same for every target).
    let app = scratch.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"acme-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n[workspace]\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\
             [dependencies]\nacme-guest = {{ path = {:?} }}\n\
             [profile.release]\npanic = \"abort\"\n",
            out.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("src/lib.rs"),
        "#![cfg_attr(target_arch = \"wasm32\", no_std)]\n\
         use acme_guest::bindings::acme::board::display;\n\
         use acme_guest::{self as hw, gpio};\n\
         hw::app!(hello);\n\
         pub fn hello(args: &acme_guest::Args) -> Result<(), acme_guest::Error> {\n\
         \x20   let backlight = gpio::open(\"backlight\", gpio::Config::output(true))?;\n\
         \x20   display::attach_backlight(&backlight).map_err(|_| \"display\")?;\n\
         \x20   display::show(0, args.get(0).unwrap_or(\"hello\")).map_err(|_| \"display\")?;\n\
         \x20   Ok(())\n\
         }\n",
    )
    .unwrap();
    let target = root().join("target/guest-crate-check");
    let status = Command::new(env!("CARGO"))
        .args(["check", "--quiet", "--manifest-path"])
        .arg(app.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success(), "the generated crate does not compile");

    // Built as a component, the app imports the SDK's and the vendor's
    // interfaces and exports the world's `run`.
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(app.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the app on the generated crate does not build for wasm32-wasip2"
    );
    let wasm = std::fs::read(target.join("wasm32-wasip2/release/acme_app.wasm")).unwrap();
    let (imports, exports) = component_names(&wasm);
    assert_eq!(
        imports,
        ["wasi-hw:hal/gpio@0.1.1", "acme:board/display@1.0.0"]
    );
    assert_eq!(exports, ["run"]);
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn a_world_without_wasi_hw_hal_is_refused_by_name() {
    let pkg = Package::load(&root().join("codegen/tests/fixtures/kitchen-sink")).unwrap();
    let opts = CrateOptions {
        name: "x".into(),
        sdk: SdkDependency::Version("0.1".into()),
    };
    let err = guest_crate::generate(&pkg, "guest", Path::new("out"), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "world `guest` of fixture:kitchen-sink@0.1.0 imports no interface of wasi-hw:hal"
        ),
        "{err}"
    );
    let opts = CrateOptions {
        name: "9lives".into(),
        sdk: SdkDependency::Version("0.1".into()),
    };
    let err = guest_crate::generate(&pkg, "guest", Path::new("out"), &opts)
        .unwrap_err()
        .to_string();
    assert!(err.contains("`9lives` is not a crate name"), "{err}");
}

/// The names a component imports and exports at its top level.
fn component_names(wasm: &[u8]) -> (Vec<String>, Vec<String>) {
    use wasmparser::{Parser, Payload};
    let (mut imports, mut exports, mut depth) = (Vec::new(), Vec::new(), 0);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => depth -= 1,
            Payload::ComponentImportSection(r) if depth == 0 => {
                imports.extend(r.into_iter().map(|i| i.unwrap().name.name.to_string()))
            }
            Payload::ComponentExportSection(r) if depth == 0 => {
                exports.extend(r.into_iter().map(|e| e.unwrap().name.name.to_string()))
            }
            _ => {}
        }
    }
    (imports, exports)
}

/// The vendor fixture with `world` in place of its world, and wasi-hw:hal
/// in deps/; `Err` is the loading error.
fn vendor_variant(name: &str, world: &str) -> Result<Package, String> {
    let scratch =
        std::env::temp_dir().join(format!("wasi-hw-worlds-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let wit = scratch.join("wit");
    copy_dir(&root().join("codegen/tests/fixtures/vendor"), &wit);
    copy_dir(&root().join("wit"), &wit.join("deps/hal"));
    let text = std::fs::read_to_string(wit.join("display.wit")).unwrap();
    let at = text.find("/// An app on an Acme board").unwrap();
    std::fs::write(wit.join("display.wit"), format!("{}{world}\n", &text[..at])).unwrap();
    let loaded = Package::load(&wit).map_err(|e| e.to_string());
    std::fs::remove_dir_all(&scratch).unwrap();
    loaded
}

/// What each generator says about `world` of `pkg`: `Ok` or the error.
fn both(pkg: &Package, world: &str) -> (Result<(), String>, Result<(), String>) {
    let opts = CrateOptions {
        name: "acme-guest".into(),
        sdk: SdkDependency::Version("0.1".into()),
    };
    let guest = guest_crate::generate(pkg, world, Path::new("out"), &opts)
        .map(drop)
        .map_err(|e| e.to_string());
    let shim_opts = wasi_hw_codegen::shim::ShimOptions {
        with: vec![("wasi-hw:hal".into(), "wasi_hw_shim::app".into())],
        ..Default::default()
    };
    let host = wasi_hw_codegen::shim::rust(pkg, world, &shim_opts)
        .map(drop)
        .map_err(|e| e.to_string());
    (guest, host)
}

/// `guest-crate` and `host-shim` accept the same vendor worlds, and refuse
/// the others with the same message, which says what to change.
#[test]
fn guest_crate_and_host_shim_refuse_the_same_worlds_saying_what_to_change() {
    let pkg = vendor_variant(
        "ok",
        "world acme-app { include wasi-hw:hal/app@0.1.1; import display; }",
    )
    .unwrap();
    assert_eq!(both(&pkg, "acme-app"), (Ok(()), Ok(())));

    let refused = |name: &str, world: &str, expected: &str| {
        let pkg = vendor_variant(name, world).unwrap();
        let (guest, host) = both(&pkg, "acme-app");
        assert_eq!(guest, Err(expected.to_string()), "guest-crate, {name}");
        assert_eq!(host, Err(expected.to_string()), "host-shim, {name}");
    };
    refused(
        "another-export",
        "world acme-app { include wasi-hw:hal/app@0.1.1; import display; export start: func(); }",
        "world `acme-app` exports `start`; a wasi-hw host calls only `run: func(args: list<string>) -> result<_, string>` (`wasi_hw_shim::run::call_run`, the SDK's `app!`): remove the export, or make it an interface the world imports",
    );
    refused(
        "a-function-import",
        "world acme-app { include wasi-hw:hal/app@0.1.1; import display; import beep: func(ms: u32); }",
        "world `acme-app` imports the function `beep` directly; wasi-hw worlds import interfaces only (the host shim makes a trait of each, an SDK a module): put it in an interface and import that",
    );
    refused(
        "another-run",
        "world acme-app { import wasi-hw:hal/gpio@0.1.1; import display; export run: func() -> u32; }",
        "world `acme-app` exports `run` with another signature; a wasi-hw host calls `run: func(args: list<string>) -> result<_, string>`: export that (include `wasi-hw:hal/app` to get it)",
    );
    // Its own `run` beside the one of `wasi-hw:hal/app`: wit-parser refuses
    // it for both (they load the WIT alike), and the message says what to
    // change.
    let err = vendor_variant(
        "two-runs",
        "world acme-app { include wasi-hw:hal/app@0.1.1; import display; export run: func(args: list<string>) -> result<_, string>; }",
    )
    .err()
    .unwrap();
    assert!(
        err.contains("export of `run` shadows previously exported items"),
        "{err}"
    );
    assert!(
        err.ends_with("\na world gets the exports of the worlds it includes: remove its own export of that name (a world that includes `wasi-hw:hal/app` has its `run` from it)"),
        "{err}"
    );
    // Without `run`, the host shim still has its imports' glue (a host that
    // calls its own way); an app's SDK needs the export.
    let pkg = vendor_variant(
        "no-run",
        "world acme-app { import wasi-hw:hal/gpio@0.1.1; import display; }",
    )
    .unwrap();
    let (guest, host) = both(&pkg, "acme-app");
    assert_eq!(
        guest,
        Err(
            "world `acme-app` exports no `run`; an app exports `run: func(args: list<string>) -> result<_, string>` (the SDK's `app!`): include `wasi-hw:hal/app`, or export that `run`"
                .to_string()
        )
    );
    assert_eq!(host, Ok(()));
}
