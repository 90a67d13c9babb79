//! Building the example apps for both targets, validating them, and
//! measuring their sizes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use wasmparser::{Encoding, Parser, Payload, Validator, WasmFeatures};

use crate::setup;
use crate::step::{step, with_flags};

/// The example apps, in `guest-sdk/examples/`.
pub const APPS: [&str; 6] = [
    "blinky",
    "button",
    "weather",
    "eeprom",
    "flash",
    "weather-spi",
];

/// The size goals of the issue that introduced the examples, for the core
/// module after stripping and `wasm-opt -Oz`: reported, not enforced.
const GOALS: [(&str, usize); 2] = [("blinky", 2 * 1024), ("weather", 16 * 1024)];

struct Sizes {
    app: &'static str,
    core_built: usize,
    core_stripped: usize,
    core_opt: Option<usize>,
    component: usize,
    imports: Vec<String>,
}

pub fn run(root: &Path, markdown: bool) -> Result<()> {
    setup::targets(root)?;
    let examples = root.join("guest-sdk/examples");
    let out_dir = root.join("target/examples");
    std::fs::create_dir_all(&out_dir)?;
    let wasm_opt = which("wasm-opt");
    let mut rows = Vec::new();
    for app in APPS {
        // One app at a time: cargo would otherwise unify the SDK's features
        // across apps (blinky's bump allocator with the others' free list).
        let core = build(&examples, app, "wasm32v1-none", &[])?;
        let component = build(&examples, app, "wasm32-wasip2", &[])?;

        Validator::new_with_features(WasmFeatures::WASM1)
            .validate_all(&core)
            .with_context(|| format!("{app}: the core module is not plain WebAssembly 1.0"))?;
        let imports = core_imports(&core)?;
        if let Some(bad) = imports.iter().find(|i| !i.starts_with("wasi-hw:hal/")) {
            bail!("{app}: the core module imports {bad}, outside the spec");
        }
        Validator::new_with_features(WasmFeatures::all())
            .validate_all(&component)
            .with_context(|| format!("{app}: the component does not validate"))?;
        if !Parser::is_component(&component) {
            bail!("{app}: the wasm32-wasip2 build is not a component");
        }
        let (component_imports, component_exports) = component_interface(&component)?;
        if component_exports != ["run"] {
            bail!("{app}: the component exports {component_exports:?}, not just `run`");
        }
        if let Some(bad) = component_imports
            .iter()
            .find(|i| !i.starts_with("wasi-hw:hal/"))
        {
            bail!("{app}: the component imports {bad}, outside the spec");
        }
        let mut core_ifaces = imports.clone();
        let mut comp_ifaces = component_imports.clone();
        core_ifaces.sort();
        comp_ifaces.sort();
        if core_ifaces != comp_ifaces {
            bail!(
                "{app}: the core module imports {core_ifaces:?} but the component {comp_ifaces:?}"
            );
        }

        let stripped = strip_custom_sections(&core)?;
        let core_path = out_dir.join(format!("{app}.core.wasm"));
        std::fs::write(&core_path, &stripped)?;
        let core_opt = match &wasm_opt {
            Some(wasm_opt) => {
                let status = Command::new(wasm_opt)
                    .args([
                        "-Oz",
                        "--strip-debug",
                        "--strip-producers",
                        "--strip-target-features",
                    ])
                    .arg(&core_path)
                    .arg("-o")
                    .arg(&core_path)
                    .status()
                    .context("running wasm-opt")?;
                if !status.success() {
                    bail!("wasm-opt failed on {}", core_path.display());
                }
                let opt = std::fs::read(&core_path)?;
                Validator::new_with_features(WasmFeatures::WASM1)
                    .validate_all(&opt)
                    .with_context(|| format!("{app}: wasm-opt's output is not WebAssembly 1.0"))?;
                Some(opt.len())
            }
            None => None,
        };
        std::fs::write(out_dir.join(format!("{app}.component.wasm")), &component)?;
        rows.push(Sizes {
            app,
            core_built: core.len(),
            core_stripped: stripped.len(),
            core_opt,
            component: component.len(),
            imports,
        });
    }
    // The baseline: blinky with the SDK's default runtime (free-list
    // allocator, compiler-builtins' memcpy) instead of its size options.
    let baseline = build(
        &examples,
        "blinky",
        "wasm32v1-none",
        &["--no-default-features", "--features", "free-list"],
    )?;
    let baseline = strip_custom_sections(&baseline)?;
    let baseline_opt = match &wasm_opt {
        Some(wasm_opt) => Some(optimize(
            wasm_opt,
            &baseline,
            &out_dir.join("blinky.baseline.core.wasm"),
        )?),
        None => None,
    };
    // Rebuild blinky as it ships, so the target folder holds that build.
    build(&examples, "blinky", "wasm32v1-none", &[])?;
    print!("{}", report(&rows, markdown, wasm_opt.is_some()));
    let opt = baseline_opt.map_or("n/a".to_string(), |n| n.to_string());
    println!(
        "baseline: blinky with the SDK's default runtime (free-list allocator, compiler-builtins memcpy): \
         {} bytes stripped, {opt} after -Oz",
        baseline.len()
    );
    let missed = missed(&rows);
    if !missed.is_empty() {
        bail!("size goals missed (after wasm-opt -Oz): {missed:?}");
    }
    Ok(())
}

/// Builds blinky, weather and the SPI apps as components and runs them on
/// the demo board.
pub fn demo(root: &Path) -> Result<std::process::ExitCode> {
    setup::targets(root)?;
    let examples = root.join("guest-sdk/examples");
    let out_dir = root.join("target/examples");
    std::fs::create_dir_all(&out_dir)?;
    let board = root.join("host-reference/boards/demo.toml");
    let runs: [(&str, &[&str], &str); 4] = [
        (
            "blinky",
            &["3"],
            "blinky: 3 cycles of the LED, 500 ms a toggle",
        ),
        (
            "weather",
            &["3", "10"],
            "weather: 3 readings of the BME280, 10 s apart",
        ),
        (
            "weather-spi",
            &["2", "10"],
            "weather-spi: 2 readings of the BME280 on SPI, 10 s apart",
        ),
        (
            "flash",
            &[],
            "flash: program, read back and erase the SPI NOR flash",
        ),
    ];
    let host = workspace_bin(root, "wasi-hw", "the reference host")?;
    let mut apps = Vec::new();
    for (app, _, _) in runs {
        let component = build(&examples, app, "wasm32-wasip2", &[])?;
        let path = out_dir.join(format!("{app}.component.wasm"));
        std::fs::write(&path, component)?;
        apps.push(path);
    }
    for ((app, args, title), path) in runs.into_iter().zip(apps) {
        println!(
            "== {title} (on {})",
            board.strip_prefix(root).unwrap_or(&board).display()
        );
        let status = Command::new(&host)
            .arg("run")
            .arg(&path)
            .arg("--board")
            .arg(&board)
            .arg("--")
            .args(args)
            .status()
            .with_context(|| format!("running {}", host.display()))?;
        if !status.success() {
            bail!("{app} did not run cleanly on the demo board");
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `cargo`: the one that runs this command (`$CARGO`), else the one on PATH.
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds the workspace's binary `bin` (debug), `what` in words, and gives
/// its path. Built with every binary of the workspace (`--workspace
/// --bins`): that selection resolves the dependencies' features as `cargo
/// test --workspace` does, so the two share one build of wasmtime.
/// `--bin X` or `-p X` would resolve them for X's package alone, and each
/// built wasmtime again (about 4.5 minutes each in CI).
pub(crate) fn workspace_bin(root: &Path, bin: &str, what: &str) -> Result<PathBuf> {
    step(
        &format!(
            "building {what} ({bin}, with the workspace's other binaries; the first time, a few minutes)"
        ),
        || {
            let status = cargo()
                .current_dir(root)
                .args(["build", "--workspace", "--bins"])
                .status()
                .with_context(|| format!("running cargo build for {bin}"))?;
            if !status.success() {
                bail!("building {bin} failed");
            }
            Ok(())
        },
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("debug").join(bin))
}

/// `cargo`, run in `dir` for another target: flags and wrappers meant for
/// the outer (host) build must not reach it.
pub(crate) fn nested_cargo(dir: &Path) -> Command {
    let mut cargo = cargo();
    cargo
        .current_dir(dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER");
    cargo
}

/// Builds the example `app` (release) for `target` with `features`, saying
/// so, and gives the module it made.
pub(crate) fn build(
    examples: &Path,
    app: &str,
    target: &str,
    features: &[&str],
) -> Result<Vec<u8>> {
    let target_dir = examples.join("target");
    let what = with_flags(&format!("building {app} for {target}"), features);
    step(&what, || {
        let status = nested_cargo(examples)
            .args([
                "build",
                "--release",
                "--locked",
                "--package",
                app,
                "--target",
                target,
            ])
            .args(features)
            .arg("--target-dir")
            .arg(&target_dir)
            .status()
            .with_context(|| format!("running cargo build for {app}"))?;
        if !status.success() {
            bail!("building {app} for {target} failed");
        }
        Ok(())
    })?;
    let path: PathBuf = target_dir
        .join(target)
        .join("release")
        // cargo names a cdylib's file after its crate: `-` as `_`.
        .join(format!("{}.wasm", app.replace('-', "_")));
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// `wasm-opt -Oz` of `wasm` into `path`, checked to be WebAssembly 1.0 still;
/// returns its size.
fn optimize(wasm_opt: &Path, wasm: &[u8], path: &Path) -> Result<usize> {
    std::fs::write(path, wasm)?;
    let status = Command::new(wasm_opt)
        .args([
            "-Oz",
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
        ])
        .arg(path)
        .arg("-o")
        .arg(path)
        .status()
        .context("running wasm-opt")?;
    if !status.success() {
        bail!("wasm-opt failed on {}", path.display());
    }
    let opt = std::fs::read(path)?;
    Validator::new_with_features(WasmFeatures::WASM1)
        .validate_all(&opt)
        .with_context(|| {
            format!(
                "wasm-opt's output {} is not WebAssembly 1.0",
                path.display()
            )
        })?;
    Ok(opt.len())
}

/// The module names (interfaces) a core module imports, without repeats.
fn core_imports(wasm: &[u8]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(reader) = payload? {
            for import in reader.into_imports() {
                let module = import?.module.to_string();
                if !names.contains(&module) {
                    names.push(module);
                }
            }
        }
    }
    Ok(names)
}

/// The names a component imports and exports at its top level.
fn component_interface(wasm: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => depth -= 1,
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.push(import?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    exports.push(export?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// The module without its custom sections (names, producers, the
/// component-type description): what a firmware embeds.
pub(crate) fn strip_custom_sections(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut out = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::Version {
                encoding: Encoding::Module,
                ..
            } => {}
            Payload::Version { .. } => bail!("not a core module"),
            Payload::CustomSection(_) => {}
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    let data = &wasm[range.start as usize..range.end as usize];
                    out.section(&wasm_encoder::RawSection { id, data });
                }
            }
        }
    }
    Ok(out.finish())
}

pub(crate) fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(tool))
        .find(|p| p.is_file())
}

fn report(rows: &[Sizes], markdown: bool, have_wasm_opt: bool) -> String {
    let mut s = String::new();
    let opt = |r: &Sizes| r.core_opt.map_or("n/a".to_string(), |n| n.to_string());
    if markdown {
        s.push_str("| app | core module as built | stripped | stripped + wasm-opt -Oz | component | interfaces imported |\n");
        s.push_str("|---|---:|---:|---:|---:|---|\n");
        for r in rows {
            let ifaces: Vec<&str> = r.imports.iter().map(|i| short(i)).collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                r.app,
                r.core_built,
                r.core_stripped,
                opt(r),
                r.component,
                ifaces.join(", ")
            );
        }
    } else {
        let _ = writeln!(
            s,
            "{:<8} {:>10} {:>10} {:>10} {:>10}  imports",
            "app", "core", "stripped", "-Oz", "component"
        );
        for r in rows {
            let ifaces: Vec<&str> = r.imports.iter().map(|i| short(i)).collect();
            let _ = writeln!(
                s,
                "{:<8} {:>10} {:>10} {:>10} {:>10}  {}",
                r.app,
                r.core_built,
                r.core_stripped,
                opt(r),
                r.component,
                ifaces.join(", ")
            );
        }
        s.push_str("(bytes; core = wasm32v1-none, component = wasm32-wasip2; artifacts in target/examples/)\n");
    }
    if !have_wasm_opt {
        s.push_str("wasm-opt not found: install binaryen for the -Oz column\n");
    }
    for (app, goal) in GOALS {
        if let Some(r) = rows.iter().find(|r| r.app == app) {
            let _ = match r.core_opt {
                Some(size) => writeln!(
                    s,
                    "goal: {app} core module <= {goal} bytes: {size} bytes, {}",
                    if size <= goal { "met" } else { "NOT met" }
                ),
                None => writeln!(
                    s,
                    "goal: {app} core module <= {goal} bytes after wasm-opt -Oz: not measured ({} bytes stripped)",
                    r.core_stripped
                ),
            };
        }
    }
    s
}

/// The goals that a measurement shows missed: `app` and its size.
fn missed(rows: &[Sizes]) -> Vec<(&'static str, usize)> {
    GOALS
        .iter()
        .filter_map(|&(app, goal)| {
            let size = rows.iter().find(|r| r.app == app)?.core_opt?;
            (size > goal).then_some((app, size))
        })
        .collect()
}

/// `wasi-hw:hal/gpio@0.1.1` -> `gpio`.
fn short(import: &str) -> &str {
    import
        .split('/')
        .nth(1)
        .and_then(|s| s.split('@').next())
        .unwrap_or(import)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A size after wasm-opt over its goal is missed (and `cargo xtask
    /// examples` fails on it); one at the goal, or not measured, is not.
    #[test]
    fn a_goal_over_its_size_is_missed_and_an_unmeasured_one_is_not() {
        let row = |app: &'static str, core_opt: Option<usize>| Sizes {
            app,
            core_built: 0,
            core_stripped: 99_999,
            core_opt,
            component: 0,
            imports: Vec::new(),
        };
        assert_eq!(
            missed(&[row("blinky", Some(2049)), row("weather", Some(16384))]),
            [("blinky", 2049)]
        );
        assert!(missed(&[row("blinky", None), row("weather", None)]).is_empty());
    }

    #[test]
    fn stripping_keeps_every_section_but_the_custom_ones() {
        // (module (memory 1) (@custom "name" "x")) by hand: header, memory
        // section, a custom section.
        let wasm = [
            0, b'a', b's', b'm', 1, 0, 0, 0, // header
            5, 3, 1, 0, 1, // memory section: one memory, min 1 page
            0, 6, 4, b'n', b'o', b't', b'e', b'x', // custom section "note"
        ];
        let stripped = strip_custom_sections(&wasm).unwrap();
        assert_eq!(stripped, &wasm[..13]);
        Validator::new().validate_all(&stripped).unwrap();
    }

    #[test]
    fn interface_names_are_shortened_for_the_table() {
        assert_eq!(short("wasi-hw:hal/gpio@0.1.1"), "gpio");
        assert_eq!(short("env"), "env");
    }
}
