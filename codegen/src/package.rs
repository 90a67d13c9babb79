//! Loading a WIT package from a folder and choosing a world in it.
//!
//! Errors name the file and line where wit-parser knows them, and a world
//! that does not exist is answered with the worlds that do.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::wit_parser::{PackageId, Resolve, WorldId};

/// A resolved WIT package: its folder, the whole `Resolve` (with the packages
/// in `deps/`), and the package the folder defines.
pub struct Package {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Every package: the main one and its dependencies.
    pub resolve: Resolve,
    /// The package that `dir` defines.
    pub id: PackageId,
}

impl Package {
    /// Reads and resolves the WIT package in `dir` (its `*.wit` files, and
    /// `deps/` for the packages it uses).
    pub fn load(dir: &Path) -> Result<Package> {
        if !dir.exists() {
            bail!("WIT folder {} does not exist", dir.display());
        }
        if !dir.is_dir() {
            bail!("{} is not a folder of WIT files", dir.display());
        }
        let mut resolve = Resolve::default();
        let (id, _) = match resolve.push_dir(dir) {
            Ok(ok) => ok,
            // Rendered against the sources wit-parser kept: `file:line:column`
            // and the line itself.
            Err(err) => {
                let rendered = resolve.render_error(&err);
                // What to change, where wit-parser only says what is wrong.
                let hint = if rendered.contains("shadows previously exported items") {
                    "\na world gets the exports of the worlds it includes: remove its own export of that name (a world that includes `wasi-hw:hal/app` has its `run` from it)"
                } else {
                    ""
                };
                bail!(
                    "WIT package in {} does not resolve: {rendered}{hint}",
                    dir.display(),
                )
            }
        };
        Ok(Package {
            dir: dir.to_path_buf(),
            resolve,
            id,
        })
    }

    /// The package's name with its version, for example `wasi-hw:hal@0.1.1`.
    pub fn name(&self) -> String {
        self.resolve.packages[self.id].name.to_string()
    }

    /// The world called `name` in this package.
    ///
    /// Errors when there is no such world, listing the worlds there are.
    pub fn world(&self, name: &str) -> Result<WorldId> {
        let pkg = &self.resolve.packages[self.id];
        match pkg.worlds.get(name) {
            Some(id) => Ok(*id),
            None => {
                let known: Vec<&str> = pkg.worlds.keys().map(String::as_str).collect();
                if known.is_empty() {
                    bail!(
                        "package {} in {} has no worlds (asked for `{name}`)",
                        self.name(),
                        self.dir.display()
                    );
                }
                bail!(
                    "package {} in {} has no world `{name}`; its worlds are: {}",
                    self.name(),
                    self.dir.display(),
                    known.join(", ")
                )
            }
        }
    }
}
