//! `cargo xtask readme-commands`: every shell command in the repository's
//! READMEs, run as written, so that the docs cannot rot.
//!
//! Each README's `sh` blocks run in order from the repository's root (a
//! `cd DIR` line moves the block's later commands; the next block starts at
//! the root again), with `target/debug` first on the PATH so that
//! `wasi-hw`, `wasi-hw-codegen` and `wasi-hw-conformance` are the
//! workspace's. A command is not run here when:
//! - `.ci/run` runs it as written (`cargo xtask demo`, `cargo xtask test`,
//!   `cargo xtask firmware`, ...);
//! - its README is run whole by a test ([`RUN_BY_TESTS`]);
//! - a comment line `# not run: REASON` stands right before it, which must
//!   say why (a placeholder for the reader's own files, say).
//!
//! `bash` blocks are set-up for the reader's shell (`export PATH=...`) and
//! are not run.
//!
//! `cargo run [-q] -p PACKAGE -- ARGS` of one of the workspace's commands runs
//! the binary built just before (with the workspace's other binaries) with
//! ARGS: the same program, without a `cargo run` whose feature selection
//! for one package rebuilt wasmtime in CI, twice (7 minutes).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::step::{say, step};

/// The workspace's commands: (package, binary, what it is).
const BINARIES: [(&str, &str, &str); 3] = [
    ("wasi-hw-host", "wasi-hw", "the reference host"),
    ("wasi-hw-codegen", "wasi-hw-codegen", "the generator"),
    (
        "wasi-hw-conformance",
        "wasi-hw-conformance",
        "the conformance runner",
    ),
];

/// `command` with `cargo run -p PACKAGE --` of one of [`BINARIES`] as its
/// binary; `cargo build -p PACKAGE ...` of those packages alone as a no-op
/// (`:`), since they were built just before with the workspace's other
/// binaries (a build of those packages alone unifies features otherwise
/// and compiled wasmtime again in CI, 4 minutes); `None` for any other
/// command.
fn as_binary(command: &str) -> Option<String> {
    let code = command.split(" #").next().unwrap_or(command).trim();
    if let Some(rest) = code.strip_prefix("cargo build ") {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let built = words.chunks(2).all(
            |pair| matches!(pair, ["-p", package] if BINARIES.iter().any(|(p, _, _)| p == package)),
        );
        if built && !words.is_empty() {
            return Some(": built above with the other workspace binaries".to_string());
        }
    }
    let rest = command.strip_prefix("cargo run ")?;
    let rest = ["-q ", "--quiet "]
        .iter()
        .find_map(|q| rest.strip_prefix(q))
        .unwrap_or(rest);
    let rest = rest.strip_prefix("-p ")?;
    let (package, args) = rest.split_once(" -- ")?;
    let (_, bin, _) = BINARIES.iter().find(|(p, _, _)| *p == package.trim())?;
    Some(format!("{bin} {args}"))
}

/// READMEs whose `sh` blocks a test runs whole, and that test.
pub const RUN_BY_TESTS: [(&str, &str); 1] =
    [("guest-sdk/README.md", "host-reference/tests/guide.rs")];

/// One command of a README, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub command: String,
    /// The folder it runs in, relative to the root ("" for the root).
    pub dir: String,
    /// The README's line of the command.
    pub line: usize,
    /// `# not run: REASON` before it.
    pub not_run: Option<String>,
}

/// The commands of a README's `sh` blocks, `\` continuations joined.
pub fn commands(markdown: &str) -> Result<Vec<Line>> {
    let mut out = Vec::new();
    let mut in_sh: Option<bool> = None;
    let mut dir = String::new();
    let mut pending = String::new();
    let mut not_run: Option<String> = None;
    let mut start = 0;
    for (index, raw) in markdown.lines().enumerate() {
        let number = index + 1;
        if let Some(lang) = raw.strip_prefix("```") {
            match in_sh {
                None => {
                    in_sh = Some(lang.trim() == "sh");
                    dir.clear();
                    not_run = None;
                }
                Some(_) if lang.trim().is_empty() => in_sh = None,
                Some(_) => bail!("line {number}: a block opens inside a block"),
            }
            continue;
        }
        if in_sh != Some(true) {
            continue;
        }
        let line = raw.trim();
        if pending.is_empty() {
            if let Some(reason) = line.strip_prefix("# not run:") {
                not_run = Some(reason.trim().to_string());
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            start = number;
        }
        // A trailing comment is the reader's, not the shell's.
        let code = match line.find("   #") {
            Some(at) => line[..at].trim_end(),
            None => line,
        };
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head.trim_end());
            pending.push(' ');
            continue;
        }
        pending.push_str(code);
        let command = std::mem::take(&mut pending);
        if let Some(to) = command.strip_prefix("cd ") {
            dir = Path::new(&dir)
                .join(to.trim())
                .to_string_lossy()
                .into_owned();
            continue;
        }
        out.push(Line {
            command,
            dir: dir.clone(),
            line: start,
            not_run: not_run.take(),
        });
    }
    Ok(out)
}

fn readmes(root: &Path) -> Result<Vec<PathBuf>> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "*README.md",
        ])
        .output()
        .context("running git ls-files")?;
    if !out.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?
        .lines()
        .map(PathBuf::from)
        .collect())
}

/// `cargo xtask readme-commands`.
pub fn run(root: &Path) -> Result<ExitCode> {
    crate::setup::targets(root)?;
    let ci = std::fs::read_to_string(root.join(".ci/run"))?;
    for (readme, test) in RUN_BY_TESTS {
        let text = std::fs::read_to_string(root.join(test))
            .with_context(|| format!("{test}, which runs {readme}"))?;
        if !text.contains(readme.rsplit('/').nth(1).unwrap_or(readme)) {
            bail!("{test} does not name {readme}, which it is said to run");
        }
    }
    // The workspace's commands, on the PATH.
    for (_, bin, what) in BINARIES {
        crate::examples::workspace_bin(root, bin, what)?;
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let path = std::env::join_paths(std::iter::once(target.join("debug")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))?;
    let (mut ran, mut skipped) = (0, 0);
    for readme in readmes(root)? {
        let name = readme.to_string_lossy().into_owned();
        if RUN_BY_TESTS.iter().any(|(r, _)| *r == name) {
            continue;
        }
        let text = std::fs::read_to_string(root.join(&readme))?;
        for line in commands(&text).with_context(|| name.clone())? {
            let at = format!("{name}:{}", line.line);
            if let Some(reason) = &line.not_run {
                if reason.is_empty() {
                    bail!("{at}: `# not run:` without a reason");
                }
                say(&format!("{at}: not run ({reason}): {}", line.command));
                skipped += 1;
                continue;
            }
            if ci.lines().any(|l| l.trim() == line.command) {
                say(&format!("{at}: .ci/run runs it: {}", line.command));
                skipped += 1;
                continue;
            }
            let command = as_binary(&line.command).unwrap_or_else(|| line.command.clone());
            let title = if command == line.command {
                format!("{at}: {command}")
            } else {
                format!("{at}: {} (as `{command}`)", line.command)
            };
            step(&title, || {
                let status = Command::new("sh")
                    .arg("-c")
                    .arg(&command)
                    .current_dir(root.join(&line.dir))
                    .env("PATH", &path)
                    .status()
                    .context("running sh")?;
                if !status.success() {
                    bail!("{at}: `{}` failed ({status})", line.command);
                }
                Ok(())
            })?;
            ran += 1;
        }
    }
    say(&format!(
        "the READMEs' commands: {ran} ran, {skipped} run elsewhere or not run (said why)"
    ));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_run_of_a_workspace_command_runs_its_binary() {
        assert_eq!(
            as_binary("cargo run -p wasi-hw-host -- run app.wasm --board b.toml -- 3").as_deref(),
            Some("wasi-hw run app.wasm --board b.toml -- 3")
        );
        assert_eq!(
            as_binary("cargo run -p wasi-hw-conformance -- --host reference").as_deref(),
            Some("wasi-hw-conformance --host reference")
        );
        assert_eq!(
            as_binary("cargo run -q -p wasi-hw-host -- run a.wasm --board b.toml").as_deref(),
            Some("wasi-hw run a.wasm --board b.toml")
        );
        assert_eq!(as_binary("cargo run -p blinky -- 3"), None);
        assert_eq!(
            as_binary("cargo build -p wasi-hw-conformance -p wasi-hw-host   # the runner")
                .as_deref(),
            Some(": built above with the other workspace binaries")
        );
        assert_eq!(
            as_binary("cargo build -p wasi-hw-conformance --no-default-features"),
            None
        );
        assert_eq!(as_binary("cargo build -p blinky"), None);
    }

    #[test]
    fn commands_are_read_with_their_folder_reason_and_line() {
        let readme = "Intro\n\n```sh\n# The build:\ncd guest-sdk/examples\ncargo build -p blinky \\\n    --target wasm32-wasip2   # a component\n```\n\n```toml\nx = 1\n```\n\n```sh\n# not run: a placeholder for your host\nmy-host a.wasm\nwasi-hw check a.wasm\n```\n";
        assert_eq!(
            commands(readme).unwrap(),
            [
                Line {
                    command: "cargo build -p blinky --target wasm32-wasip2".into(),
                    dir: "guest-sdk/examples".into(),
                    line: 6,
                    not_run: None,
                },
                Line {
                    command: "my-host a.wasm".into(),
                    dir: "".into(),
                    line: 16,
                    not_run: Some("a placeholder for your host".into()),
                },
                Line {
                    command: "wasi-hw check a.wasm".into(),
                    dir: "".into(),
                    line: 17,
                    not_run: None,
                },
            ]
        );
    }

    #[test]
    fn a_block_left_open_inside_another_is_an_error() {
        let err = commands("```sh\nls\n```rust\n```\n").unwrap_err();
        assert_eq!(err.to_string(), "line 3: a block opens inside a block");
    }
}

/// The `rust` blocks of a README: their info string, first line, and the
/// `<!-- not a doctest: REASON -->` line right before the fence, if any.
#[cfg(test)]
fn rust_blocks(markdown: &str) -> Vec<(String, usize, Option<String>, String)> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(info) = lines[i].strip_prefix("```")
            && info.trim().starts_with("rust")
        {
            let reason = i
                .checked_sub(1)
                .and_then(|j| lines[j].strip_prefix("<!-- not a doctest:"))
                .and_then(|r| r.strip_suffix("-->"))
                .map(|r| r.trim().to_string());
            let start = i + 1;
            let mut body = String::new();
            i += 1;
            while i < lines.len() && lines[i] != "```" {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            out.push((info.trim().to_string(), start, reason, body));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod rust_blocks {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// Every `rust` block of every README is compiled by rustdoc (its README
    /// is a crate's documentation, `#[doc = include_str!(..)]`) or says, on
    /// the line before it, why it is not.
    #[test]
    fn every_rust_block_in_a_readme_compiles_or_says_why_not() {
        let root = root();
        let mut unexplained = Vec::new();
        for readme in readmes(&root).unwrap() {
            let text = std::fs::read_to_string(root.join(&readme)).unwrap();
            let included = readme
                .parent()
                .map(|dir| dir.join("src/lib.rs"))
                .and_then(|lib| std::fs::read_to_string(root.join(lib)).ok())
                .is_some_and(|lib| lib.contains("include_str!(\"../README.md\")"));
            for (info, line, reason, _) in rust_blocks(&text) {
                let compiled = included && !info.contains("ignore");
                if !compiled && reason.as_deref().is_none_or(str::is_empty) {
                    unexplained.push(format!("{}:{line} ```{info}", readme.display()));
                }
            }
        }
        assert!(
            unexplained.is_empty(),
            "rust blocks that no doctest compiles and that do not say why:\n{}",
            unexplained.join("\n")
        );
    }

    /// The README's blinky is the example's source, whole.
    #[test]
    fn the_readmes_blinky_is_the_examples_source() {
        let root = root();
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let source =
            std::fs::read_to_string(root.join("guest-sdk/examples/blinky/src/lib.rs")).unwrap();
        let blocks = rust_blocks(&readme);
        let (_, _, _, body) = blocks
            .iter()
            .find(|(_, _, reason, _)| {
                reason
                    .as_deref()
                    .is_some_and(|r| r.contains("guest-sdk/examples/blinky/src/lib.rs"))
            })
            .expect("the README shows blinky");
        assert_eq!(body, &source);
        // Its Cargo.toml and .cargo/config.toml excerpts are there too.
        let manifest =
            std::fs::read_to_string(root.join("guest-sdk/examples/blinky/Cargo.toml")).unwrap();
        assert!(manifest.contains("crate-type = [\"cdylib\"]"));
        let config =
            std::fs::read_to_string(root.join("guest-sdk/examples/.cargo/config.toml")).unwrap();
        for line in [
            "[target.wasm32v1-none]",
            "rustflags = [\"-C\", \"link-arg=-zstack-size=16384\"]",
        ] {
            assert!(config.contains(line) && readme.contains(line), "{line}");
        }
    }

    #[test]
    fn a_reason_is_read_from_the_line_before_the_fence() {
        let text = "<!-- not a doctest: a sketch -->\n```rust,ignore\nfn x() {}\n```\n\n```rust\nlet y = 1;\n```\n";
        let blocks = rust_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].2.as_deref(), Some("a sketch"));
        assert_eq!(
            (blocks[1].0.as_str(), blocks[1].1, &blocks[1].2),
            ("rust", 6, &None)
        );
        assert_eq!(blocks[1].3, "let y = 1;\n");
    }
}
