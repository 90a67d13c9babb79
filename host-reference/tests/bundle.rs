//! `wasi-hw keygen`, `pack` and `verify`: an app's core module checked and
//! signed on the build machine, and every bad input refused with exit 2
//! and a message.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{text, wasi_hw};

/// A fresh folder with a key pair `k.key`, `k.pub` in it.
fn keys(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-hw-bundle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = wasi_hw(&["keygen", dir.join("k").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exit 2, and standard error is `error: ` and then `message`.
fn refused(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert_eq!(text(&o.stderr), format!("error: {message}\n"));
}

/// The value of the global that `wasm` exports as `name` (an i32
/// constant), and the limits of its memory: (minimum, maximum, page size).
fn global_and_memory(wasm: &[u8], name: &str) -> (u32, (u64, Option<u64>, u32)) {
    let mut globals = Vec::new();
    let mut index = None;
    let mut memory = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            wasmparser::Payload::GlobalSection(r) => {
                for g in r {
                    let mut ops = g.unwrap().init_expr.get_operators_reader();
                    globals.push(match ops.read().unwrap() {
                        wasmparser::Operator::I32Const { value } => value as u32,
                        _ => 0,
                    });
                }
            }
            wasmparser::Payload::ExportSection(r) => {
                for e in r {
                    let e = e.unwrap();
                    if e.name == name {
                        index = Some(e.index as usize);
                    }
                }
            }
            wasmparser::Payload::MemorySection(r) => {
                let m = r.into_iter().next().unwrap().unwrap();
                memory = Some((m.initial, m.maximum, 1 << m.page_size_log2.unwrap_or(16)));
            }
            _ => {}
        }
    }
    (globals[index.unwrap()], memory.unwrap())
}

/// Blinky's memory is fixed (guest-sdk's `fixed_heap!`, a 4 KiB stack,
/// `--no-growable-memory`): its bundle records exactly the bytes below its
/// `__heap_base`, not the 64 KiB page its module declares.
#[test]
fn blinky_packed_verifies_with_its_key_and_records_its_world_and_memory() {
    let dir = keys("blinky");
    let key = std::fs::read_to_string(dir.join("k.pub")).unwrap();
    assert_eq!(key.len(), 65, "64 hex digits and a line end: {key:?}");
    let core = std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap();
    let (heap_base, declared) = global_and_memory(&core, "__heap_base");
    assert_eq!(declared, (1, Some(1), 65536), "one page that cannot grow");
    assert!(heap_base > 4096 && heap_base < 16384, "{heap_base}");
    let bundle = dir.join("blinky.bundle");
    let o = wasi_hw(&[
        "pack",
        wasi_hw_artifacts::BLINKY_CORE,
        "--key",
        s(&dir.join("k.key")),
        "-o",
        s(&bundle),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let bytes = std::fs::read(&bundle).unwrap();
    let public = wasi_hw_host::pack::read_key(&dir.join("k.pub")).unwrap();
    let b = wasi_hw_bundle::open(&bytes, &public).unwrap();
    assert_eq!(
        text(&o.stdout),
        format!(
            "packed {}: world wasi-hw:hal/app-small@0.1.1, memory {heap_base} bytes, fixed (stack below 4096, data and heap below __heap_base); no floating point; form plain, module {} bytes (was {}), bundle {} bytes\n",
            bundle.display(),
            b.module.len(),
            core.len(),
            bytes.len()
        )
    );
    assert_eq!(b.world, "wasi-hw:hal/app-small@0.1.1");
    assert_eq!(
        (b.memory, b.fixed, b.form),
        (heap_base, true, wasi_hw_bundle::Form::Plain)
    );
    // The module without its custom sections: smaller, and still valid.
    assert!(b.module.len() < core.len());
    wasmparser::Validator::new().validate_all(b.module).unwrap();
    assert!(
        wasmparser::Parser::new(0)
            .parse_all(b.module)
            .all(|p| !matches!(p, Ok(wasmparser::Payload::CustomSection(_))))
    );
    let o = wasi_hw(&["verify", s(&bundle), "--key", s(&dir.join("k.pub"))]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        format!(
            "{}: signed with {}; world wasi-hw:hal/app-small@0.1.1, memory {heap_base} bytes, fixed, form plain, module {} bytes\n",
            bundle.display(),
            dir.join("k.pub").display(),
            b.module.len()
        )
    );
}

/// `--form custom-pages` declares blinky's memory as exactly the bytes it
/// needs, in pages of one byte, which wasmi (with custom page sizes)
/// allocates and no more. An app whose memory can grow is refused that
/// form, with the reason.
#[test]
fn custom_pages_declare_a_fixed_memory_of_exactly_what_the_app_needs() {
    let dir = keys("custom-pages");
    let bundle = dir.join("blinky.bundle");
    let pack = |app: &str, out: &Path| {
        wasi_hw(&[
            "pack",
            app,
            "--key",
            s(&dir.join("k.key")),
            "-o",
            s(out),
            "--form",
            "custom-pages",
        ])
    };
    let o = pack(wasi_hw_artifacts::BLINKY_CORE, &bundle);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let bytes = std::fs::read(&bundle).unwrap();
    let public = wasi_hw_host::pack::read_key(&dir.join("k.pub")).unwrap();
    let b = wasi_hw_bundle::open(&bytes, &public).unwrap();
    assert_eq!(b.form, wasi_hw_bundle::Form::CustomPages);
    let (heap_base, declared) = global_and_memory(b.module, "__heap_base");
    assert_eq!(b.memory, heap_base);
    assert_eq!(declared, (heap_base.into(), Some(heap_base.into()), 1));
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::CUSTOM_PAGE_SIZES);
    wasmparser::Validator::new_with_features(features)
        .validate_all(b.module)
        .unwrap();

    // misbehave allocates with the SDK's free list, which grows memory.
    let misbehave = dir.join("misbehave.bundle");
    refused(
        &pack(wasi_hw_artifacts::MISBEHAVE_CORE, &misbehave),
        &format!(
            "{}: form custom-pages needs an app whose memory is fixed, and its memory can grow (link it with --no-growable-memory)",
            wasi_hw_artifacts::MISBEHAVE_CORE
        ),
    );
    assert!(!misbehave.exists());
    // A module that uses floating point says so, for a firmware without
    // floats to refuse it; blinky does not.
    let weather = dir.join("weather.bundle");
    let o = wasi_hw(&[
        "pack",
        wasi_hw_artifacts::WEATHER_CORE,
        "--key",
        s(&dir.join("k.key")),
        "-o",
        s(&weather),
    ]);
    assert!(
        text(&o.stdout).contains("; uses floating point; form plain,"),
        "{}",
        text(&o.stdout)
    );
    let w = std::fs::read(&weather).unwrap();
    assert!(wasi_hw_bundle::open(&w, &public).unwrap().floats);
    assert!(!b.floats);
}

#[test]
fn a_tampered_truncated_or_foreign_bundle_or_a_wrong_key_is_refused() {
    let dir = keys("tampered");
    let bundle = dir.join("b.bundle");
    let key = dir.join("k.key");
    let o = wasi_hw(&[
        "pack",
        wasi_hw_artifacts::BLINKY_CORE,
        "--key",
        s(&key),
        "-o",
        s(&bundle),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let bytes = std::fs::read(&bundle).unwrap();
    let public = dir.join("k.pub");
    let check = |bytes: &[u8], key: &Path, message: &str| {
        let file = dir.join("bad.bundle");
        std::fs::write(&file, bytes).unwrap();
        refused(
            &wasi_hw(&["verify", s(&file), "--key", s(key)]),
            &format!("{}: {message}", file.display()),
        );
    };
    let mut tampered = bytes.clone();
    let middle = bytes.len() / 2;
    tampered[middle] ^= 0x40;
    check(
        &tampered,
        &public,
        "the signature does not match: the bundle was changed after it was signed, or signed with another key",
    );
    check(
        &bytes[..bytes.len() - 10],
        &public,
        "truncated: shorter than its header says",
    );
    check(
        &std::fs::read(wasi_hw_artifacts::BLINKY_CORE).unwrap(),
        &public,
        "not a wasi-hw bundle (it does not start with WHWB)",
    );
    let other = keys("other");
    check(
        &bytes,
        &other.join("k.pub"),
        "the signature does not match: the bundle was changed after it was signed, or signed with another key",
    );
    // 64 hex digits that are no point of the curve (y = 2, which has no
    // x) are not a public key. (A secret key given where the public one
    // belongs is refused either way, as no point or as another key,
    // depending on its random bytes.)
    let no_point = dir.join("no-point.pub");
    std::fs::write(&no_point, format!("02{}\n", "00".repeat(31))).unwrap();
    check(&bytes, &no_point, "not an Ed25519 public key");
    let junk = dir.join("junk.pub");
    std::fs::write(&junk, "not a key\n").unwrap();
    refused(
        &wasi_hw(&["verify", s(&bundle), "--key", s(&junk)]),
        &format!(
            "{}: not a key (64 hex digits, as `wasi-hw keygen` writes)",
            junk.display()
        ),
    );
}

/// Packs the module of `wat`, which must be refused with `message`.
fn pack_refuses(wat: &str, message: &str) {
    let dir = keys("refused");
    let app = dir.join("app.wasm");
    std::fs::write(&app, wat::parse_str(wat).unwrap()).unwrap();
    let o = wasi_hw(&[
        "pack",
        s(&app),
        "--key",
        s(&dir.join("k.key")),
        "-o",
        s(&dir.join("app.bundle")),
    ]);
    refused(&o, &format!("{}: {message}", app.display()));
    assert!(!dir.join("app.bundle").exists());
}

const EXPORTS: &str = r#"(memory (export "memory") 1)
  (func (export "run") (param i32 i32) (result i32) (i32.const 0))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))"#;

#[test]
fn pack_refuses_a_module_that_imports_outside_its_world_or_lacks_an_export() {
    pack_refuses(
        &format!(r#"(module (import "wasi:cli/stdout@0.2.0" "get-stdout" (func)) {EXPORTS})"#),
        "imports `wasi:cli/stdout@0.2.0` `get-stdout`, which world wasi-hw:hal/app does not have",
    );
    pack_refuses(
        &format!(
            r#"(module (import "wasi-hw:hal/timer@0.1.1" "now" (func (result i32))) {EXPORTS})"#
        ),
        "imports `wasi-hw:hal/timer@0.1.1` `now` as (func (param ) (result i32)), where the world's is (func (param ) (result i64))",
    );
    pack_refuses(
        r#"(module (memory (export "memory") 1)
             (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))"#,
        "exports no `run` (func (param i32 i32) (result i32)): a host calls it (a guest SDK build exports it)",
    );
    pack_refuses(
        r#"(module (memory 1)
             (func (export "run") (param i32 i32) (result i32) (i32.const 0))
             (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))"#,
        "exports no memory named `memory`: a host reads and writes the app's memory through it",
    );
}

#[test]
fn pack_refuses_a_component_an_invalid_module_and_a_missing_key() {
    let dir = keys("inputs");
    let bundle = dir.join("x.bundle");
    let key = dir.join("k.key");
    let o = wasi_hw(&[
        "pack",
        wasi_hw_artifacts::BLINKY_COMPONENT,
        "--key",
        s(&key),
        "-o",
        s(&bundle),
    ]);
    refused(
        &o,
        &format!(
            "{}: a component: pack takes a core module (a wasm32v1-none build; its component is for the reference host)",
            wasi_hw_artifacts::BLINKY_COMPONENT
        ),
    );
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x01\x05").unwrap();
    let o = wasi_hw(&["pack", s(&bad), "--key", s(&key), "-o", s(&bundle)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "error: {}: not a valid core module for a device",
            bad.display()
        )),
        "{}",
        text(&o.stderr)
    );
    let missing = dir.join("none.key");
    let o = wasi_hw(&[
        "pack",
        wasi_hw_artifacts::BLINKY_CORE,
        "--key",
        s(&missing),
        "-o",
        s(&bundle),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with(&format!("error: {}: cannot read it", missing.display())),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn keygen_never_overwrites_a_key() {
    let dir = keys("overwrite");
    let before = std::fs::read(dir.join("k.key")).unwrap();
    let o = wasi_hw(&["keygen", s(&dir.join("k"))]);
    refused(
        &o,
        &format!(
            "{} exists: keygen never overwrites a key (remove it, or pick another name)",
            dir.join("k.key").display()
        ),
    );
    assert_eq!(std::fs::read(dir.join("k.key")).unwrap(), before);
}
