//! `wasi-hw new`: a new app crate, outside any repository, that builds for
//! both targets and runs on its own board file at once.
//!
//! The files are templates in `src/template/`, with `{name}` (the crate's
//! name), `{file}` (its artifact's name), `{sdk}` (where `wasi-hw-guest`
//! is) and `{channel}` (the Rust toolchain wasi-hw is tested with) filled in.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The files of a new app: path in the crate, template.
const FILES: [(&str, &str); 7] = [
    ("Cargo.toml", include_str!("template/Cargo.toml.txt")),
    (
        "rust-toolchain.toml",
        include_str!("template/rust-toolchain.toml.txt"),
    ),
    (
        ".cargo/config.toml",
        include_str!("template/config.toml.txt"),
    ),
    ("src/lib.rs", include_str!("template/lib.rs.txt")),
    ("board.toml", include_str!("template/board.toml.txt")),
    ("README.md", include_str!("template/README.md.txt")),
    (".gitignore", include_str!("template/gitignore.txt")),
];

/// The targets an app builds for.
pub const TARGETS: [&str; 2] = ["wasm32-wasip2", "wasm32v1-none"];

/// The guest SDK of the checkout this command was built from, if it is still
/// there.
pub fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk");
    sdk.join("Cargo.toml")
        .is_file()
        .then(|| sdk.canonicalize().ok())
        .flatten()
}

/// The toolchain that wasi-hw is tested with: `rust-toolchain.toml`'s
/// channel at the repository's root.
pub fn channel() -> Result<String> {
    let text = include_str!("../../rust-toolchain.toml");
    Ok(wasi_hw_toolchain::parse(text)
        .map_err(|e| anyhow::anyhow!("the repository's rust-toolchain.toml: {e}"))?
        .channel)
}

/// Checks that `name` can be a crate's name: ASCII letters, digits, `-` and
/// `_`, starting with a letter, at most 64 characters.
pub fn check_name(name: &str) -> Result<()> {
    let first_is_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let allowed = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name.is_empty() || name.len() > 64 || !first_is_letter || !allowed {
        bail!(
            "`{name}` cannot name an app: use ASCII letters, digits, `-` and `_`, \
             starting with a letter (at most 64 characters), for example `my-app`"
        );
    }
    Ok(())
}

/// Writes a new app named after `dir`'s last component into `dir`, which
/// must not exist yet, depending on the SDK at `sdk`. Returns the files
/// written, relative to `dir`. On a failure it removes what it wrote.
pub fn create(dir: &Path, sdk: &Path) -> Result<Vec<&'static str>> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} does not end in a name", dir.display()))?;
    check_name(name)?;
    if dir.exists() {
        bail!(
            "{} already exists: `wasi-hw new` makes a new folder",
            dir.display()
        );
    }
    if !sdk.join("Cargo.toml").is_file() {
        bail!(
            "{} is not the guest SDK (it has no Cargo.toml): give the folder \
             guest-sdk of a wasi-hw checkout with --sdk",
            sdk.display()
        );
    }
    let sdk = sdk
        .canonicalize()
        .with_context(|| format!("finding {}", sdk.display()))?;
    let sdk = sdk
        .to_str()
        .with_context(|| format!("{} is not UTF-8, which Cargo.toml needs", sdk.display()))?;
    let channel = channel()?;
    let file = name.replace('-', "_");
    let written = (|| -> Result<Vec<&'static str>> {
        let mut written = Vec::new();
        for (path, template) in FILES {
            let target = dir.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let text = template
                .replace("{name}", name)
                .replace("{file}", &file)
                .replace("{sdk}", &sdk.replace('\\', "\\\\").replace('"', "\\\""))
                .replace("{channel}", &channel);
            std::fs::write(&target, text)
                .with_context(|| format!("writing {}", target.display()))?;
            written.push(path);
        }
        Ok(written)
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_name_is_a_crate_name() {
        check_name("my-app").unwrap();
        check_name("sensor_logger2").unwrap();
        for bad in ["", "2app", "my app", "café", "-x"] {
            assert_eq!(
                check_name(bad).unwrap_err().to_string(),
                format!(
                    "`{bad}` cannot name an app: use ASCII letters, digits, `-` and `_`, \
                     starting with a letter (at most 64 characters), for example `my-app`"
                )
            );
        }
    }

    #[test]
    fn every_placeholder_of_the_templates_is_filled() {
        let dir = std::env::temp_dir().join(format!("wasi-hw-template-{}", std::process::id()));
        let app = dir.join("my-app");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sdk = default_sdk().unwrap();
        let written = create(&app, &sdk).unwrap();
        assert_eq!(written, FILES.map(|(path, _)| path));
        for path in written {
            let text = std::fs::read_to_string(app.join(path)).unwrap();
            for placeholder in ["{name}", "{file}", "{sdk}", "{channel}"] {
                assert!(!text.contains(placeholder), "{path} keeps {placeholder}");
            }
        }
        let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"my-app\""));
        assert!(manifest.contains(&format!(
            "wasi-hw-guest = {{ path = \"{}\" }}",
            sdk.display()
        )));
        let readme = std::fs::read_to_string(app.join("README.md")).unwrap();
        assert!(readme.contains("target/wasm32-wasip2/release/my_app.wasm"));
        // A second time, the folder exists: refused, and left as it was.
        assert_eq!(
            create(&app, &sdk).unwrap_err().to_string(),
            format!(
                "{} already exists: `wasi-hw new` makes a new folder",
                app.display()
            )
        );
        assert!(app.join("src/lib.rs").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
