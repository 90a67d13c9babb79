//! `wasi-hw component`: an app's core module made a component of the world
//! it describes, which `run` runs on wasmtime with the core module's
//! printout; and what is not such a module, refused with exit 2.

mod common;
use common::{text, wasi_hw};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-hw-component-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const BOARD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/boards/demo.toml");

#[test]
fn a_core_module_becomes_a_component_that_prints_what_the_module_prints() {
    let dir = scratch("blinky");
    let component = dir.join("blinky.component.wasm");
    let o = wasi_hw(&[
        "component",
        wasi_hw_artifacts::BLINKY_CORE,
        "-o",
        component.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with(&format!("wrote {}", component.display())));
    let bytes = std::fs::read(&component).unwrap();
    assert_eq!(
        &bytes[4..8],
        &[0x0d, 0, 1, 0],
        "a component's version and layer"
    );
    let run = |app: &str| wasi_hw(&["run", app, "--board", BOARD, "--", "1"]);
    let (from_core, from_component) = (
        run(wasi_hw_artifacts::BLINKY_CORE),
        run(component.to_str().unwrap()),
    );
    assert!(
        from_component.status.success(),
        "{}",
        text(&from_component.stderr)
    );
    assert_eq!(
        text(&from_component.stdout),
        "[     0.000000s] led -> high\n\
         [     0.500000s] led -> low\n\
         [     1.000000s] info  blinky: done\n"
    );
    assert_eq!(text(&from_component.stdout), text(&from_core.stdout));
}

#[test]
fn what_is_not_a_core_module_with_its_world_is_refused() {
    let dir = scratch("refused");
    let out = dir.join("out.wasm");
    let out = out.to_str().unwrap();
    let refused = |app: &std::path::Path, message: &str| {
        let o = wasi_hw(&["component", app.to_str().unwrap(), "-o", out]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert_eq!(
            text(&o.stderr),
            format!("error: {}: {message}\n", app.display())
        );
        assert!(!std::path::Path::new(out).exists());
    };
    // A module without its world's description: blinky, custom sections
    // stripped (what `wasi-hw pack` puts in a bundle).
    let core = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    let mut stripped = core[..8].to_vec();
    for payload in wasmparser::Parser::new(0).parse_all(&core) {
        if let Some((id, range)) = payload.unwrap().as_section() {
            let (start, end) = (range.start as usize, range.end as usize);
            if id != 0 {
                let header = 1 + leb_len(end - start);
                stripped.extend_from_slice(&core[start - header..end]);
            }
        }
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&stripped)
        .expect("blinky without its custom sections is still a valid module");
    let bare = dir.join("bare.wasm");
    std::fs::write(&bare, &stripped).unwrap();
    refused(
        &bare,
        "it carries no description of its world (no `component-type` custom section): \
         build it with the guest SDK (Rust or C), and do not strip it first",
    );
    refused(
        std::path::Path::new(wasi_hw_artifacts::BLINKY_COMPONENT),
        "it is a component already",
    );
    let text_file = dir.join("notes.wasm");
    std::fs::write(&text_file, "not wasm").unwrap();
    refused(&text_file, "not a WebAssembly module");
}

/// The bytes of `n` as an unsigned LEB128.
fn leb_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// A module written by hand, described with the world a built app
/// carries, becomes a component of that world (what the hostile guests,
/// the fuzz corpus and the timeout bench do); an app without a world's
/// description cannot lend one.
#[test]
fn a_hand_written_module_takes_the_world_of_a_built_app() {
    let text = r#"(module
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 2048))
      (func (export "run") (param i32 i32) (result i32) (i32.const 1024)))"#;
    let mut module = wat::parse_str(text).unwrap();
    let blinky = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    wasi_hw_host::component::describe_as(&mut module, &blinky).unwrap();
    let component = wasi_hw_host::component::from_module(&module).unwrap();
    assert_eq!(&component[4..8], &[0x0d, 0, 1, 0]);

    let bare = wat::parse_str("(module)").unwrap();
    let mut module = wat::parse_str(text).unwrap();
    let e = wasi_hw_host::component::describe_as(&mut module, &bare).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("it carries no description of its world"),
        "{e}"
    );
}
