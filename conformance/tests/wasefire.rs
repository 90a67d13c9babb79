//! The generated shim's wasefire adapter (the tiny profile's in-place
//! engine) against the reference host: every case and every hostile guest,
//! through `wasi-hw-wasefire` (conformance/wasefire) behind the
//! external-host protocol.
//!
//! wasefire-interpreter uses unstable language features, so that crate is
//! not in this workspace: this test builds it (and runs its own tests) with
//! cargo, with `RUSTC_BOOTSTRAP=1` for that build alone, in a target folder
//! of its own, as wasi-hw-artifacts builds the wasm guests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs cargo with `args` in conformance/wasefire, as its .cargo/config.toml
/// asks (that file is read from the current folder).
fn cargo(args: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasefire");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args(args)
        .args(["--locked", "--quiet"])
        .env("RUSTC_BOOTSTRAP", "1")
        // What cargo set for this test must not reach that build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTC_WRAPPER")
        .output()
        .expect("running cargo");
    assert!(
        out.status.success(),
        "`cargo {}` in {} failed:\n{}{}",
        args.join(" "),
        dir.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `wasi-hw-wasefire`, built once (after its own tests pass).
fn host() -> &'static Path {
    static HOST: OnceLock<PathBuf> = OnceLock::new();
    HOST.get_or_init(|| {
        cargo(&["test"]);
        cargo(&["build"]);
        let host =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasefire/debug/wasi-hw-wasefire");
        assert!(host.exists(), "{} was not built", host.display());
        host
    })
}

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasi-hw-conformance"))
        .args(args)
        .output()
        .unwrap()
}

/// The host command of `wasi-hw-wasefire` with `options`.
fn command(options: &str) -> String {
    format!(
        "{} run \"$WASI_HW_GUEST_CORE\" {options} --board \"$WASI_HW_BOARD\" -- \"$WASI_HW_CASE\"",
        host().display()
    )
}

/// The test guest allocates with a free-list allocator that grows memory,
/// so it is given room to (1 MiB); the traces are the reference host's.
#[test]
fn every_case_passes_on_the_wasefire_adapter_with_the_reference_trace() {
    let o = conformance(&["--host-command", &command("--max-memory 1048576")]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    let total = wasi_hw_conformance::cases().len();
    assert!(
        out.ends_with(&format!("{total} passed, 0 failed\n")),
        "{out}"
    );
}

/// In a fixed memory (what the module starts with, as the tiny profile
/// runs apps) every hostile guest ends as on the shim on wasmi, but that
/// the interpreter does not say which trap a trap was.
#[test]
fn every_hostile_guest_ends_on_the_wasefire_adapter_as_on_wasmi() {
    let o = conformance(&[
        "--hostile",
        "--unnamed-traps",
        "--host-command",
        &command(""),
    ]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", text(&o.stderr));
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
    // Without the allowance the traps of the engine differ, and only they.
    let o = conformance(&["--hostile", "--host-command", &command("")]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let failures: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("      ended with"))
        .map(str::trim)
        .collect();
    assert_eq!(
        failures,
        [
            "ended with \"the app trapped: wasm trap\", where the shim ends with \"the app trapped: wasm `unreachable` instruction executed\"",
            "ended with \"the app trapped in its cabi_realloc, called by the host: wasm trap\", where the shim ends with \"the app trapped in its cabi_realloc, called by the host: wasm `unreachable` instruction executed\"",
        ],
        "{out}"
    );
}

/// Bad input is exit 2 with the reason, as for `wasi-hw run`.
#[test]
fn a_component_or_a_missing_board_is_refused_with_exit_2() {
    let run = |args: &[&str]| {
        let o = Command::new(host()).args(args).output().unwrap();
        (o.status.code(), text(&o.stderr))
    };
    // The header of a component (layer 1), and nothing after it.
    let component = std::env::temp_dir().join(format!("wasefire-{}.wasm", std::process::id()));
    std::fs::write(&component, b"\0asm\x0d\0\x01\0").unwrap();
    let (code, err) = run(&["run", component.to_str().unwrap(), "--board", "board.toml"]);
    let _ = std::fs::remove_file(&component);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.ends_with(": a component, not a core module: give the app built for wasm32v1-none\n"),
        "{err}"
    );
    let (code, err) = run(&[
        "run",
        wasi_hw_artifacts::CASES_CORE,
        "--board",
        "no-such.toml",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no-such.toml"), "{err}");
}

/// Blinky packed for the in-place engine (its fixed memory, one page, the
/// interpreter's side table, signed) runs from its bundle with the memory
/// the bundle records, and does on the demo board what the reference host
/// does with blinky's component, trace line for trace line. A changed
/// byte is refused.
#[cfg(feature = "component")]
#[test]
fn blinky_packed_for_wasefire_runs_from_its_bundle_as_on_the_reference_host() {
    let dir = std::env::temp_dir().join(format!("wasefire-pack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = [7u8; 32];
    let hex = |k: &[u8; 32]| k.iter().map(|b| format!("{b:02x}")).collect::<String>();
    std::fs::write(dir.join("k.key"), hex(&seed)).unwrap();
    std::fs::write(dir.join("k.pub"), hex(&wasi_hw_bundle::public_key(&seed))).unwrap();
    let bundle = dir.join("blinky.bundle");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let o = Command::new(host())
        .args(["pack", wasi_hw_artifacts::BLINKY_CORE, "--key"])
        .args([path(&dir.join("k.key")), "-o".into(), path(&bundle)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let said = text(&o.stdout);
    assert!(
        said.contains(", fixed (stack below 4096, data and heap below __heap_base); no floating point; form wasefire"),
        "{said}"
    );

    let board = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-reference/boards/demo.toml");
    let run = |bundle: &Path| {
        Command::new(host())
            .args(["run", &path(bundle), "--key", &path(&dir.join("k.pub"))])
            .args(["--board", &path(&board), "--", "2"])
            .output()
            .unwrap()
    };
    let o = run(&bundle);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let reference = wasi_hw_host::host::Runner::from_file(
        Path::new(wasi_hw_artifacts::BLINKY_COMPONENT),
        false,
    )
    .unwrap();
    let ran = reference
        .run(
            wasi_hw_host::board::file::load(&board, false).unwrap(),
            &["2".to_string()],
            &wasi_hw_host::host::Limits::default(),
            wasi_hw_host::host::Echo::Off,
        )
        .unwrap();
    let want: Vec<serde_json::Value> = ran
        .host
        .board
        .trace
        .events
        .iter()
        .map(|e| e.to_value())
        .collect();
    assert_eq!(got.len(), want.len(), "{}", text(&o.stdout));
    assert_eq!(got, want);
    assert_eq!(got.iter().filter(|e| e["op"] == "toggle").count(), 4);

    let mut bytes = std::fs::read(&bundle).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    let tampered = dir.join("tampered.bundle");
    std::fs::write(&tampered, bytes).unwrap();
    let o = run(&tampered);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).ends_with("tampered.bundle: the signature does not match: the bundle was changed after it was signed, or signed with another key\n"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
