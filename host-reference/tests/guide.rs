//! The app author's guide, guest-sdk/README.md, run as a newcomer would:
//! every `sh` block in order, in a folder outside the repository, with
//! `wasi-hw` on the PATH; a `text` block right after an `sh` block is the
//! exact standard output of that block's commands. (`bash` blocks are the
//! once-only steps this test stands in for: building `wasi-hw`.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block of the guide.
struct Block {
    lang: String,
    body: String,
    line: usize,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (number, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => {
                open = Some(Block {
                    lang: lang.trim().to_string(),
                    body: String::new(),
                    line: number + 1,
                });
            }
            (Some(_), Some("")) => blocks.push(open.take().unwrap()),
            (Some(block), _) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a block of the guide is never closed");
    blocks
}

/// The commands of an `sh` block, with `\` continuations joined and a
/// here-document (`<<'EOF'` to a line `EOF`) kept with its command.
fn commands(body: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    let mut in_heredoc = false;
    for line in body.lines() {
        if in_heredoc {
            current.push('\n');
            current.push_str(line);
            if line == "EOF" {
                in_heredoc = false;
                commands.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.contains("<<'EOF'") {
            current.push_str(line);
            in_heredoc = true;
            continue;
        }
        if let Some(start) = line.strip_suffix('\\') {
            current.push_str(start);
            continue;
        }
        current.push_str(line);
        let command = std::mem::take(&mut current);
        if !command.trim().is_empty() && !command.trim_start().starts_with('#') {
            commands.push(command);
        }
    }
    commands
}

#[test]
fn the_app_authors_guide_runs_as_written() {
    let guide_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk/README.md");
    let guide = std::fs::read_to_string(&guide_path).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wasi-hw")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let base = std::env::temp_dir().join(format!("wasi-hw-guide-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let mut cwd: PathBuf = base.clone();

    let blocks = blocks(&guide);
    let mut ran = 0;
    for (i, block) in blocks.iter().enumerate() {
        if block.lang != "sh" {
            continue;
        }
        let mut stdout = String::new();
        for command in commands(&block.body) {
            if let Some(dir) = command.trim().strip_prefix("cd ") {
                cwd = cwd.join(dir.trim());
                continue;
            }
            let out = Command::new("sh")
                .arg("-c")
                .arg(&command)
                .current_dir(&cwd)
                .env("PATH", &path)
                // What cargo set for this test must not reach the app's build.
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_MANIFEST_DIR")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "guide line {}: `{command}` failed ({}):\n{}\n{}",
                block.line,
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            stdout.push_str(&String::from_utf8_lossy(&out.stdout));
            ran += 1;
        }
        if let Some(expected) = blocks.get(i + 1).filter(|b| b.lang == "text") {
            assert_eq!(
                stdout, expected.body,
                "guide line {}: the output of the block differs from the text block at line {}",
                block.line, expected.line
            );
        }
    }
    assert!(ran >= 10, "the guide has only {ran} commands");
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn blocks_and_commands_are_read_as_markdown_writes_them() {
    let text = "intro\n```sh\nwasi-hw run a.wasm \\\n    --board b.toml\n# a comment\n\ncd x\n```\n\n```text\nout\n```\n";
    let blocks = blocks(text);
    assert_eq!(blocks.len(), 2);
    assert_eq!((blocks[0].lang.as_str(), blocks[0].line), ("sh", 2));
    assert_eq!(
        commands(&blocks[0].body),
        ["wasi-hw run a.wasm     --board b.toml", "cd x"]
    );
    assert_eq!(blocks[1].body, "out\n");
    assert_eq!(
        commands("cat > a.txt <<'EOF'\n# kept\nx \\\nEOF\nls\n"),
        ["cat > a.txt <<'EOF'\n# kept\nx \\\nEOF", "ls"]
    );
}
