//! Writing generated files, or checking that the files on disk match them.
//!
//! Generation is deterministic, so a checked-in file that differs from a fresh
//! run is stale. [`Output::check`] names such files and writes nothing;
//! [`Output::write`] writes each file to a temporary sibling first and renames
//! it into place, so that an error never leaves a half-written file.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A set of generated files: a path and its whole contents.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Output {
    files: Vec<(PathBuf, String)>,
}

impl Output {
    /// An empty set.
    pub fn new() -> Output {
        Output::default()
    }

    /// Adds a file. A later file at the same path replaces the earlier one.
    pub fn add(&mut self, path: impl Into<PathBuf>, contents: String) {
        let path = path.into();
        self.files.retain(|(p, _)| *p != path);
        self.files.push((path, contents));
    }

    /// The files, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, c)| (p.as_path(), c.as_str()))
    }

    /// The files whose contents on disk differ from the generated contents
    /// (or that do not exist). Writes nothing.
    pub fn check(&self) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|(path, contents)| fs::read_to_string(path).ok().as_deref() != Some(contents))
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// Writes every file, creating parent folders. Each file is written to a
    /// temporary file beside it and renamed into place, and all files are
    /// staged before the first is renamed, so a failure leaves the old files.
    pub fn write(&self) -> Result<()> {
        let mut staged = Vec::new();
        let result = (|| {
            for (path, contents) in &self.files {
                let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
                if let Some(parent) = parent {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("cannot create folder {}", parent.display()))?;
                }
                let tmp = temp_path(path);
                fs::write(&tmp, contents)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                staged.push((tmp, path));
            }
            for (tmp, path) in &staged {
                fs::rename(tmp, path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        })();
        if result.is_err() {
            for (tmp, _) in &staged {
                let _ = fs::remove_file(tmp);
            }
        }
        result
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_missing_and_changed_files_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("wasi-hw-output-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("same.rs"), "a\n").unwrap();
        fs::write(dir.join("changed.rs"), "old\n").unwrap();
        let mut out = Output::new();
        out.add(dir.join("same.rs"), "a\n".into());
        out.add(dir.join("changed.rs"), "new\n".into());
        out.add(dir.join("missing.rs"), "m\n".into());
        assert_eq!(
            out.check(),
            vec![dir.join("changed.rs"), dir.join("missing.rs")]
        );
        assert_eq!(fs::read_to_string(dir.join("changed.rs")).unwrap(), "old\n");
        assert!(!dir.join("missing.rs").exists());

        out.write().unwrap();
        assert!(out.check().is_empty());
        assert_eq!(fs::read_to_string(dir.join("missing.rs")).unwrap(), "m\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_no_file_behind() {
        let dir = std::env::temp_dir().join(format!("wasi-hw-output-fail-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // A file where a folder is needed makes the second write fail.
        fs::write(dir.join("blocker"), "").unwrap();
        let mut out = Output::new();
        out.add(dir.join("first.rs"), "1\n".into());
        out.add(dir.join("blocker/second.rs"), "2\n".into());
        assert!(out.write().is_err());
        let left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("blocker")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
