//! The Rust targets that this project builds for, installed where the
//! toolchain lacks them.
//!
//! `rust-toolchain.toml` names the toolchain (`channel`) and its targets, but
//! rustup installs those targets only when it installs the toolchain itself.
//! A toolchain that is already there (a machine image's, or one installed
//! before a target was added to the file) keeps lacking them, and so does
//! rustup with `RUSTUP_AUTO_INSTALL=0`; the first wasm build then fails deep
//! inside cargo with `can't find crate for core`. So the project's own
//! commands (`cargo xtask ...`) and the build script of the test guests call
//! [`ensure`] before any wasm build: it checks the sysroot of the `rustc`
//! that cargo uses, and runs `rustup target add` for what is missing, saying
//! so.
//!
//! It may not do more than that: components (rustfmt, clippy) and system
//! packages are CI's business (`.ci/run`), not a newcomer's.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `rust-toolchain.toml` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// `channel`: `1.95.0`, `stable`, ...
    pub channel: String,
    /// `targets`, in the file's order.
    pub targets: Vec<String>,
}

/// A set-up step that failed, with what to do about it.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Reads `rust-toolchain.toml` in `root`.
///
/// # Errors
/// The file cannot be read, is not TOML, or lacks `[toolchain] channel`;
/// `targets` that is not a list of strings.
pub fn read(root: &Path) -> Result<Toolchain, Error> {
    let path = root.join("rust-toolchain.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
    parse(&text).map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// Parses the text of a `rust-toolchain.toml`.
///
/// # Errors
/// As [`read`], without the file's name.
pub fn parse(text: &str) -> Result<Toolchain, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let toolchain = table
        .get("toolchain")
        .and_then(toml::Value::as_table)
        .ok_or("there is no [toolchain] table")?;
    let channel = toolchain
        .get("channel")
        .and_then(toml::Value::as_str)
        .ok_or("[toolchain] has no `channel` string")?
        .to_string();
    let targets = match toolchain.get("targets") {
        None => Vec::new(),
        Some(toml::Value::Array(list)) => list
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or("`targets` holds something that is not a string")?,
        Some(_) => return Err("`targets` is not a list of strings".into()),
    };
    Ok(Toolchain { channel, targets })
}

/// The sysroot of the `rustc` that cargo uses (`$RUSTC`, as cargo sets it
/// for build scripts, or `rustc`), asked in `root` so that rustup picks the
/// toolchain of `rust-toolchain.toml`.
///
/// # Errors
/// `rustc` cannot be run or does not answer.
pub fn sysroot(root: &Path) -> Result<PathBuf, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    sysroot_of(root, Path::new(&rustc))
}

fn sysroot_of(root: &Path, rustc: &Path) -> Result<PathBuf, Error> {
    let out = Command::new(rustc)
        .current_dir(root)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| {
            Error(format!(
                "cannot run {}: {e}; install Rust with rustup (https://rustup.rs)",
                Path::new(&rustc).display()
            ))
        })?;
    if !out.status.success() {
        return Err(Error(format!(
            "`{} --print sysroot` failed: {}",
            Path::new(&rustc).display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// The targets of `wanted` whose standard library `sysroot` lacks.
pub fn missing<'t>(sysroot: &Path, wanted: &[&'t str]) -> Vec<&'t str> {
    wanted
        .iter()
        .copied()
        .filter(|t| !sysroot.join("lib/rustlib").join(t).join("lib").is_dir())
        .collect()
}

/// Makes sure the toolchain that cargo uses in `root` has every target of
/// `wanted`: installs the missing ones with `rustup target add`, and tells
/// `say` what it does (one line before, one after). Returns the targets it
/// installed.
///
/// # Errors
/// `rustc` cannot be run; a target is missing and rustup is not there, or
/// `rustup target add` fails, or the target is still missing afterwards (a
/// `rustc` that is not rustup's). The message names the command that
/// installs what is missing.
pub fn ensure<'t>(
    root: &Path,
    wanted: &[&'t str],
    say: &mut dyn FnMut(&str),
) -> Result<Vec<&'t str>, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    ensure_with(root, wanted, Path::new(&rustc), Path::new("rustup"), say)
}

/// [`ensure`] with the `rustc` and `rustup` to run given.
fn ensure_with<'t>(
    root: &Path,
    wanted: &[&'t str],
    rustc: &Path,
    rustup: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<Vec<&'t str>, Error> {
    let sysroot = sysroot_of(root, rustc)?;
    let missing = missing(&sysroot, wanted);
    if missing.is_empty() {
        return Ok(missing);
    }
    let command = format!("rustup target add {}", missing.join(" "));
    say(&format!(
        "the toolchain at {} lacks {}: running `{command}`",
        sysroot.display(),
        missing.join(", ")
    ));
    let out = Command::new(rustup)
        .current_dir(root)
        .args(["target", "add"])
        .args(&missing)
        .output()
        .map_err(|e| {
            Error(format!(
                "the toolchain at {} lacks {} and rustup cannot be run ({e}): install \
                 rustup (https://rustup.rs), then run `{command}` here, or install those \
                 targets' standard library for your Rust",
                sysroot.display(),
                missing.join(", ")
            ))
        })?;
    if !out.status.success() {
        return Err(Error(format!(
            "`{command}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let still = self::missing(&sysroot, &missing);
    if !still.is_empty() {
        return Err(Error(format!(
            "`{command}` succeeded, but the toolchain at {} still lacks {}: the `rustc` \
             that cargo runs is not the toolchain rustup installed into; install those \
             targets for it",
            sysroot.display(),
            still.join(", ")
        )));
    }
    say(&format!("installed {}", missing.join(", ")));
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_and_targets_are_read_in_the_files_order() {
        let file = "[toolchain]\nchannel = \"1.95.0\"\ncomponents = [\"rustfmt\"]\n\
                    targets = [\"wasm32-wasip2\", \"wasm32v1-none\"]\nprofile = \"minimal\"\n";
        assert_eq!(
            parse(file).unwrap(),
            Toolchain {
                channel: "1.95.0".into(),
                targets: vec!["wasm32-wasip2".into(), "wasm32v1-none".into()],
            }
        );
    }

    #[test]
    fn a_file_without_what_we_need_says_what_is_missing() {
        assert_eq!(
            parse("channel = \"1.95.0\"").unwrap_err(),
            "there is no [toolchain] table"
        );
        assert_eq!(
            parse("[toolchain]\ntargets = []").unwrap_err(),
            "[toolchain] has no `channel` string"
        );
        assert_eq!(
            parse("[toolchain]\nchannel = \"1.95.0\"\ntargets = \"wasm32-wasip2\"").unwrap_err(),
            "`targets` is not a list of strings"
        );
        assert_eq!(
            parse("[toolchain]\nchannel = \"1.95.0\"\ntargets = [1]").unwrap_err(),
            "`targets` holds something that is not a string"
        );
    }

    #[test]
    fn a_target_is_missing_when_its_standard_library_is() {
        let sysroot = std::env::temp_dir().join(format!("wasi-hw-sysroot-{}", std::process::id()));
        std::fs::create_dir_all(sysroot.join("lib/rustlib/wasm32-wasip2/lib")).unwrap();
        // A folder without its lib/ (left by a half-removed target) is missing too.
        std::fs::create_dir_all(sysroot.join("lib/rustlib/wasm32v1-none")).unwrap();
        let wanted = ["wasm32-wasip2", "wasm32v1-none", "thumbv7em-none-eabihf"];
        assert_eq!(
            missing(&sysroot, &wanted),
            ["wasm32v1-none", "thumbv7em-none-eabihf"]
        );
        std::fs::remove_dir_all(&sysroot).unwrap();
    }

    /// A folder with a fake `rustc` that prints `sysroot` and a fake
    /// `rustup` that runs `script`.
    /// Held by each test that writes fake programs and runs them, for as
    /// long as it runs: a program written while another test's thread
    /// forks is open for writing in that child until it execs, and running
    /// it then fails with "Text file busy" (ETXTBSY; CI met it once).
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A fake `rustc` that prints a sysroot and a fake `rustup` that runs
    /// `rustup_script`, in a folder of their own; and the lock that keeps
    /// the tests that run them apart ([`SERIAL`]).
    fn fakes(
        name: &str,
        rustup_script: &str,
    ) -> (
        PathBuf,
        PathBuf,
        PathBuf,
        std::sync::MutexGuard<'static, ()>,
    ) {
        use std::os::unix::fs::PermissionsExt;
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = std::env::temp_dir().join(format!("wasi-hw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sysroot = dir.join("sysroot");
        std::fs::create_dir_all(sysroot.join("lib/rustlib/wasm32-wasip2/lib")).unwrap();
        let rustc = dir.join("rustc");
        std::fs::write(&rustc, format!("#!/bin/sh\necho {}\n", sysroot.display())).unwrap();
        let rustup = dir.join("rustup");
        std::fs::write(&rustup, format!("#!/bin/sh\n{rustup_script}\n")).unwrap();
        for f in [&rustc, &rustup] {
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        (dir, rustc, rustup, serial)
    }

    #[test]
    fn nothing_is_run_when_every_target_is_there() {
        let (dir, rustc, _, _serial) = fakes("all-there", "exit 1");
        let mut said = Vec::new();
        let installed = ensure_with(
            &dir,
            &["wasm32-wasip2"],
            &rustc,
            Path::new("/nonexistent"),
            &mut |l| said.push(l.to_string()),
        )
        .unwrap();
        assert!(installed.is_empty() && said.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_target_without_rustup_names_the_command_that_installs_it() {
        let (dir, rustc, _, _serial) = fakes("no-rustup", "exit 1");
        let sysroot = dir.join("sysroot");
        let err = ensure_with(
            &dir,
            &["wasm32-wasip2", "wasm32v1-none"],
            &rustc,
            Path::new("/nonexistent/rustup"),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the toolchain at {} lacks wasm32v1-none and rustup cannot be run (No such file \
                 or directory (os error 2)): install rustup (https://rustup.rs), then run \
                 `rustup target add wasm32v1-none` here, or install those targets' standard \
                 library for your Rust",
                sysroot.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failing_rustup_is_reported_with_what_it_said() {
        let (dir, rustc, rustup, _serial) =
            fakes("rustup-fails", "echo 'error: no network' >&2; exit 1");
        let mut said = Vec::new();
        let err = ensure_with(&dir, &["wasm32v1-none"], &rustc, &rustup, &mut |l| {
            said.push(l.to_string())
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`rustup target add wasm32v1-none` failed (exit status: 1): error: no network"
        );
        assert_eq!(
            said,
            [format!(
                "the toolchain at {} lacks wasm32v1-none: running `rustup target add wasm32v1-none`",
                dir.join("sysroot").display()
            )]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_rustup_that_installs_elsewhere_is_caught() {
        let (dir, rustc, rustup, _serial) = fakes("rustup-elsewhere", "exit 0");
        let err = ensure_with(&dir, &["wasm32v1-none"], &rustc, &rustup, &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`rustup target add wasm32v1-none` succeeded, but the toolchain at {} still \
                 lacks wasm32v1-none: the `rustc` that cargo runs is not the toolchain rustup \
                 installed into; install those targets for it",
                dir.join("sysroot").display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_target_that_rustup_installs_is_reported_installed() {
        let (dir, rustc, rustup, _serial) = fakes(
            "rustup-works",
            "mkdir -p \"$(dirname \"$0\")/sysroot/lib/rustlib/$3/lib\"",
        );
        let mut said = Vec::new();
        let installed = ensure_with(
            &dir,
            &["wasm32-wasip2", "wasm32v1-none"],
            &rustc,
            &rustup,
            &mut |l| said.push(l.to_string()),
        )
        .unwrap();
        assert_eq!(installed, ["wasm32v1-none"]);
        assert_eq!(said.last().unwrap(), "installed wasm32v1-none");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn this_repositorys_file_names_the_wasm_targets() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let toolchain = read(&root).unwrap();
        for target in ["wasm32-wasip2", "wasm32v1-none", "thumbv7em-none-eabihf"] {
            assert!(toolchain.targets.iter().any(|t| t == target), "{target}");
        }
    }
}
