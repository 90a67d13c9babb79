//! The command line: what each bad input gets, and `--check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn codegen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasi-hw-codegen"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-hw-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn wit_that_does_not_parse_names_the_file_and_line_and_exits_2() {
    let out = scratch("syntax").join("out.rs");
    let o = codegen(&[
        "guest",
        "--wit",
        "codegen/tests/fixtures/broken-syntax",
        "--world",
        "w",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("expected ';', found keyword `result`"),
        "{err}"
    );
    assert!(
        err.contains("codegen/tests/fixtures/broken-syntax/pkg.wit:6:30"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn wit_that_does_not_resolve_names_the_file_and_line_and_exits_2() {
    let o = codegen(&["lint", "--wit", "codegen/tests/fixtures/broken-resolve"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("interface or world `missing` does not exist"),
        "{err}"
    );
    assert!(
        err.contains("codegen/tests/fixtures/broken-resolve/pkg.wit:5:9"),
        "{err}"
    );
}

#[test]
fn an_unknown_world_lists_the_worlds_there_are() {
    let out = scratch("world").join("out.rs");
    let o = codegen(&[
        "guest",
        "--wit",
        "wit",
        "--world",
        "ap",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: package wasi-hw:hal@0.1.1 in wit has no world `ap`; its worlds are: app, app-small\n"
    );
    assert!(!out.exists());
}

#[test]
fn a_missing_wit_folder_is_named() {
    let o = codegen(&[
        "guest",
        "--wit",
        "no/such/dir",
        "--world",
        "app",
        "--out",
        "x.rs",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: WIT folder no/such/dir does not exist\n");
}

#[test]
fn an_output_that_cannot_be_written_exits_2_and_leaves_nothing() {
    let dir = scratch("unwritable");
    std::fs::write(dir.join("file"), "").unwrap();
    let out = dir.join("file/bindings.rs");
    let o = codegen(&[
        "guest",
        "--wit",
        "wit",
        "--world",
        "app",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: cannot create folder"),
        "{}",
        stderr(&o)
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["file"]);
}

#[test]
fn check_names_a_stale_file_exits_1_and_writes_nothing() {
    let dir = scratch("check");
    let out = dir.join("bindings.rs");
    let args = [
        "guest",
        "--wit",
        "wit",
        "--world",
        "app-small",
        "--out",
        out.to_str().unwrap(),
    ];
    // Missing: stale.
    let o = codegen(&[&args[..], &["--check"]].concat());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("stale: {}", out.display())));
    assert!(!out.exists());
    // Written, then fresh.
    assert_eq!(codegen(&args).status.code(), Some(0));
    assert_eq!(
        codegen(&[&args[..], &["--check"]].concat()).status.code(),
        Some(0)
    );
    // Edited by hand: stale again, and left as it was.
    std::fs::write(&out, "// edited\n").unwrap();
    assert_eq!(
        codegen(&[&args[..], &["--check"]].concat()).status.code(),
        Some(1)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "// edited\n");
}

#[test]
fn lint_lists_undocumented_items_and_exits_1() {
    let o = codegen(&["lint", "--wit", "codegen/tests/fixtures/undocumented"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.lines().count(), 8);
    assert!(stdout.starts_with(
        "codegen/tests/fixtures/undocumented/pkg.wit:9:9: record `r` field `b` in interface `documented` has no doc comment\n"
    ));
    assert_eq!(codegen(&["lint", "--wit", "wit"]).status.code(), Some(0));
}

#[test]
fn help_explains_every_subcommand() {
    let o = codegen(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    for word in ["guest", "guest-crate", "lint", "Exit codes"] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
    for sub in ["guest", "guest-crate", "lint"] {
        let o = codegen(&[sub, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&o.stdout).contains("--wit <DIR>"));
    }
}

#[test]
fn a_bad_argument_is_a_usage_error_with_exit_2() {
    let o = codegen(&["guest", "--wit", "wit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--world <WORLD>"), "{}", stderr(&o));
}

#[test]
fn host_shim_with_takes_package_eq_path_and_names_a_malformed_one() {
    let o = codegen(&["host-shim", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--with <PACKAGE=PATH>"));
    for (with, expected) in [
        (
            "wasi_hw_shim::app",
            "error: invalid value 'wasi_hw_shim::app' for '--with <PACKAGE=PATH>': --with `wasi_hw_shim::app` is not PACKAGE=PATH (for example `wasi-hw:hal=wasi_hw_shim::app`)\n",
        ),
        (
            "wasi-hw:hal=wasi hw",
            "error: invalid value 'wasi-hw:hal=wasi hw' for '--with <PACKAGE=PATH>': `wasi hw` is not a Rust path (for example `wasi_hw_shim::app`)\n",
        ),
    ] {
        let o = codegen(&[
            "host-shim",
            "--wit",
            "wit",
            "--world",
            "app",
            "--out",
            "x.rs",
            "--with",
            with,
        ]);
        assert_eq!(o.status.code(), Some(2), "{with}");
        assert!(stderr(&o).starts_with(expected), "{}", stderr(&o));
    }
}

/// `guest-c` writes the four files of the C bindings; `--check` passes on
/// them, names a changed one and exits 1.
#[test]
fn guest_c_writes_the_header_the_source_and_the_component_type_and_checks_them() {
    let dir = scratch("guest-c");
    let args = |check: bool| {
        let mut a = vec![
            "guest-c",
            "--wit",
            "wit",
            "--world",
            "app-small",
            "--out-dir",
            dir.to_str().unwrap(),
        ];
        if check {
            a.push("--check");
        }
        codegen(&a)
    };
    let o = args(false);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "app_small.c",
            "app_small.h",
            "app_small_component_type.c",
            "app_small_names.h"
        ]
    );
    let names = std::fs::read_to_string(dir.join("app_small_names.h")).unwrap();
    assert!(
        names.contains(
            "static inline const char *wasi_hw_hal_gpio_error_code_name(wasi_hw_hal_gpio_error_code_t e) {\n    switch (e) {\n    case WASI_HW_HAL_GPIO_ERROR_CODE_NOT_FOUND: return \"not-found\";\n"
        ),
        "{names}"
    );
    assert!(names.contains("#include \"app_small.h\"\n"), "{names}");
    let header = std::fs::read_to_string(dir.join("app_small.h")).unwrap();
    assert!(header.starts_with("// C bindings of world `app-small` of wasi-hw:hal@0.1.1.\n"));
    assert!(header.contains(
        "bool exports_app_small_run(app_small_list_string_t *args, app_small_string_t *err);"
    ));
    assert!(!header.contains("i2c"), "app-small has no I2C");
    let ty = std::fs::read_to_string(dir.join("app_small_component_type.c")).unwrap();
    assert!(ty.contains(".custom_section.component-type:app-small"));
    assert!(ty.contains("void __component_type_object_force_link_app_small(void) {}"));
    assert_eq!(args(true).status.code(), Some(0));
    std::fs::write(dir.join("app_small.c"), "changed").unwrap();
    let o = args(true);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("app_small.c"), "{}", stderr(&o));
}
