//! The `wasi-hw-codegen` command line. See `wasi-hw-codegen --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use wasi_hw_codegen::conventions;
use wasi_hw_codegen::guest::{self, GuestOptions};
use wasi_hw_codegen::guest_c;
use wasi_hw_codegen::guest_crate::{self, CrateOptions, SdkDependency};
use wasi_hw_codegen::output::Output;
use wasi_hw_codegen::package::Package;
use wasi_hw_codegen::shim::{self, ShimOptions};

/// Generates code from a wasi-hw WIT package.
///
/// Exit codes: 0 on success; 1 when `--check` finds files that differ from
/// what would be generated (or `lint` finds problems); 2 on bad input (WIT that
/// does not parse or resolve, an unknown world, an output that cannot be
/// written).
#[derive(Parser)]
#[command(name = "wasi-hw-codegen", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rust bindings of a world, for apps, in one file.
    ///
    /// Example: wasi-hw-codegen guest --wit wit --world app
    /// --bindings-module wasi_hw_guest::bindings --out guest-sdk/src/bindings.rs
    Guest {
        #[command(flatten)]
        input: Input,
        /// The Rust file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The Rust path of the module the file becomes (for the `export!`
        /// macro), for example `my_sdk::bindings`.
        #[arg(long, value_name = "PATH")]
        bindings_module: Option<String>,
        /// Make the generated `export!` macro `#[macro_export]`.
        #[arg(long)]
        pub_export_macro: bool,
        /// Also emit a `#[macro_export]` macro of this name that expands to
        /// the world's component-type section (for export glue of your own).
        #[arg(long, value_name = "NAME")]
        world_section_macro: Option<String>,
        #[command(flatten)]
        check: Check,
    },
    /// C bindings of a world, for apps in C: WORLD.h, WORLD.c,
    /// WORLD_component_type.c (the world's component type, as C) and
    /// WORLD_names.h (the spec's names of enum values, for messages) in a
    /// folder.
    ///
    /// Compile both .c files with the app (clang --target=wasm32); see
    /// guest-sdk/c/README.md.
    ///
    /// Example: wasi-hw-codegen guest-c --wit wit --world app --out-dir
    /// guest-sdk/c/bindings
    GuestC {
        #[command(flatten)]
        input: Input,
        /// The folder to write the four files into.
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
        #[command(flatten)]
        check: Check,
    },
    /// A whole guest SDK crate (Cargo.toml and src/) for a vendor's WIT package
    /// whose world extends wasi-hw:hal, which must sit in its deps/ folder.
    ///
    /// The crate reuses wasi-hw-guest for the wasi-hw:hal interfaces and
    /// generates bindings for the vendor's own.
    GuestCrate {
        #[command(flatten)]
        input: Input,
        /// The folder of the crate to write.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The crate's name, for example `acme-guest`.
        #[arg(long)]
        name: String,
        /// Depend on wasi-hw-guest at this path instead of crates.io.
        #[arg(long, value_name = "DIR")]
        sdk_path: Option<String>,
        /// The version of wasi-hw-guest on crates.io to depend on.
        #[arg(
            long,
            value_name = "REQ",
            default_value = "0.1",
            conflicts_with = "sdk_path"
        )]
        sdk_version: String,
        #[command(flatten)]
        check: Check,
    },
    /// A no_std host shim of a world, in one file: a trait per imported
    /// interface for the firmware to implement, fixed-capacity handle
    /// tables, the canonical-ABI glue of every import, and (behind the
    /// including crate's `wasmi` feature) a wasmi 2.0 adapter.
    ///
    /// The file is a module: include it with `mod app;` in a crate that
    /// depends on wasi-hw-shim-runtime (and, for the adapter, on wasmi
    /// with a `wasmi` feature).
    ///
    /// Example: wasi-hw-codegen host-shim --wit wit --world app --out
    /// host-shim/src/app.rs
    HostShim {
        #[command(flatten)]
        input: Input,
        /// The Rust file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The Rust path of the runtime crate, for a crate that renames it.
        #[arg(long, value_name = "PATH", default_value = "wasi_hw_shim_runtime")]
        runtime: String,
        /// Reuse another shim for a package's interfaces, as wit-bindgen's
        /// `with`: PACKAGE=PATH, the Rust path of the module generated from
        /// that package's world (named after it, or its only one; else
        /// PACKAGE/WORLD=PATH). Those interfaces are re-exported from it, not
        /// generated; the world's `Tables` hold its tables. Repeatable.
        /// Example: --with wasi-hw:hal=wasi_hw_shim::app
        #[arg(long, value_name = "PACKAGE=PATH", value_parser = parse_with)]
        with: Vec<(String, String)>,
        #[command(flatten)]
        check: Check,
    },
    /// Checks a WIT package against wasi-hw's conventions: every item has a
    /// doc comment. Prints each problem with its file and line.
    Lint {
        /// The folder of the WIT package.
        #[arg(long, value_name = "DIR")]
        wit: PathBuf,
    },
}

#[derive(Args)]
struct Input {
    /// The folder of the WIT package (its deps/ holds the packages it uses).
    #[arg(long, value_name = "DIR")]
    wit: PathBuf,
    /// The world to generate for.
    #[arg(long)]
    world: String,
}

#[derive(Args)]
struct Check {
    /// Write nothing; exit 1 and name each file that differs from what
    /// would be generated.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Guest {
            input,
            out,
            bindings_module,
            pub_export_macro,
            world_section_macro,
            check,
        } => {
            let package = Package::load(&input.wit)?;
            let opts = GuestOptions {
                bindings_module,
                reuse: Vec::new(),
                public_export_macro: pub_export_macro,
                world_section_macro,
            };
            let mut output = Output::new();
            output.add(out, guest::rust(&package, &input.world, &opts)?);
            finish(&output, check.check)
        }
        Command::GuestC {
            input,
            out_dir,
            check,
        } => {
            let package = Package::load(&input.wit)?;
            let mut output = Output::new();
            for (name, contents) in guest_c::c(&package, &input.world)? {
                output.add(out_dir.join(name), contents);
            }
            finish(&output, check.check)
        }
        Command::GuestCrate {
            input,
            out,
            name,
            sdk_path,
            sdk_version,
            check,
        } => {
            let package = Package::load(&input.wit)?;
            let sdk = match sdk_path {
                Some(p) => SdkDependency::Path(p),
                None => SdkDependency::Version(sdk_version),
            };
            let output =
                guest_crate::generate(&package, &input.world, &out, &CrateOptions { name, sdk })?;
            finish(&output, check.check)
        }
        Command::HostShim {
            input,
            out,
            runtime,
            with,
            check,
        } => {
            let package = Package::load(&input.wit)?;
            let opts = ShimOptions {
                runtime,
                with,
                ..ShimOptions::default()
            };
            let mut output = Output::new();
            output.add(out, shim::rust(&package, &input.world, &opts)?);
            finish(&output, check.check)
        }
        Command::Lint { wit } => {
            let package = Package::load(&wit)?;
            let problems = conventions::undocumented(&package.resolve, package.id);
            for p in &problems {
                println!("{p}");
            }
            if problems.is_empty() {
                println!("{}: every item is documented", package.name());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("{} item(s) without a doc comment", problems.len());
                Ok(ExitCode::from(1))
            }
        }
    }
}

/// A `--with` value, read by `shim::parse_with`.
fn parse_with(value: &str) -> Result<(String, String), String> {
    shim::parse_with(value).map_err(|e| {
        e.to_string()
            .strip_prefix(&format!("--with `{value}`: "))
            .map(str::to_string)
            .unwrap_or_else(|| e.to_string())
    })
}

/// Writes the files, or with `check` names those that differ.
fn finish(output: &Output, check: bool) -> Result<ExitCode> {
    if check {
        let stale = output.check();
        for path in &stale {
            eprintln!("stale: {}", path.display());
        }
        if stale.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} file(s) differ from what would be generated; run without --check to update",
            stale.len()
        );
        return Ok(ExitCode::from(1));
    }
    output.write()?;
    for (path, _) in output.files() {
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
