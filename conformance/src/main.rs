//! `wasi-hw-conformance`: runs the conformance suite on a host. See `--help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use wasi_hw_conformance::diff::count;
use wasi_hw_conformance::hosts::{External, Host, Reference, ShimWasmi};
use wasi_hw_conformance::reference_component::ComponentFile;
use wasi_hw_conformance::{Suite, Verdict, cases, hostile, report, run};
use wasi_hw_host::shim::Adapter;

/// Runs the wasi-hw conformance suite on a host.
///
/// Each case runs the test guest (built with this tool) with one argument on
/// the conformance board. A case passes when the guest's checks pass and, on
/// any host but the reference, when the host's trace equals the reference
/// host's. See conformance/README.md for the external-host protocol.
///
/// A host command runs with this tool's own folder first on its PATH, so
/// that a `wasi-hw` built beside it (`cargo build -p wasi-hw-host`) is found.
///
/// Exit codes: 0 when every case passed; 1 when any failed; 2 on bad input
/// (an unknown host, a missing guest or board, a bad argument).
#[derive(Parser)]
#[command(name = "wasi-hw-conformance", version, max_term_width = 100)]
struct Cli {
    /// The host to test: the reference host, in this process.
    #[arg(long, value_enum, conflicts_with = "host_command")]
    host: Option<HostKind>,
    /// The host to test: a shell command run once per case, with the guest,
    /// board and case in its environment (see conformance/README.md).
    #[arg(long, value_name = "CMD")]
    host_command: Option<String>,
    /// Run only the cases whose name or spec item contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Run the case named NAME (exactly; repeat for more): with a guest of
    /// your own (--guest, --guest-core) that has only some of the cases,
    /// such as the guest in C (conformance/guests/c). With --filter, a case
    /// must match both.
    #[arg(long = "case", value_name = "NAME")]
    cases: Vec<String>,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// How long one case may take on the host, for example `10s`.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// The test guest as a component, instead of the one built with this
    /// tool (or, when it was built without one, instead of its core module
    /// made a component).
    #[arg(long, value_name = "FILE")]
    guest: Option<PathBuf>,
    /// The test guest as a core module, instead of the one built with this tool.
    #[arg(long, value_name = "FILE")]
    guest_core: Option<PathBuf>,
    /// The board file, instead of conformance/board.toml.
    #[arg(long, value_name = "FILE")]
    board: Option<PathBuf>,
    /// List the cases (name, spec item, description) and run nothing.
    #[arg(long)]
    list: bool,
    /// Run the hostile guests instead of the cases, on the host command:
    /// hand-written core modules that send what no honest guest would
    /// (bad pointers, UTF-8, discriminants and handles, a cabi_realloc
    /// that lies or traps, a flood of log messages). The host must end each
    /// as the shim on wasmi does in this process: the same first line of
    /// its message and the same trace. Those that only fuel or a time
    /// limit ends are run by `cargo test` on the in-process hosts.
    #[arg(long, requires = "host_command", conflicts_with_all = ["filter", "cases", "junit", "guest", "guest_core", "list"])]
    hostile: bool,
    /// With --hostile: the host's engine does not say which trap ended a
    /// guest (wasefire-interpreter does not). Where the shim names a trap
    /// of the engine (`the app trapped: wasm \`unreachable\` instruction
    /// executed`), the host's first line need only say `wasm trap` in its
    /// place (`the app trapped: wasm trap`).
    #[arg(long, requires = "hostile")]
    unnamed_traps: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum HostKind {
    /// The reference host, in this process.
    Reference,
    /// The generated no_std host shim on wasmi, in this process, with the
    /// board model and its semantics (wasi-hw-board's BoardHost) behind it:
    /// runs the test guest's core module, and compares each trace with the
    /// reference host's.
    ShimWasmi,
    /// The same through the shim's other wasmi adapter: every import through
    /// one trampoline over `dispatch` (`add_to_linker_dispatch`): the QEMU
    /// firmware's host code, built for this machine.
    ShimWasmiDispatch,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    wasi_hw_host::time::parse_duration(s).map(Duration::from_nanos)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut suite = Suite::built();
    suite.timeout = cli.timeout;
    if let Some(g) = cli.guest {
        suite.guest = Some(g);
    }
    if let Some(g) = cli.guest_core {
        suite.guest_core = g;
    }
    if let Some(b) = cli.board {
        suite.board = b;
    }
    if cli.hostile {
        let traps = if cli.unnamed_traps {
            hostile::Traps::Unnamed
        } else {
            hostile::Traps::Named
        };
        return hostile(cli.host_command.as_deref(), &suite, traps);
    }
    let catalog = cases();
    if let Some(unknown) = cli
        .cases
        .iter()
        .find(|name| !catalog.iter().any(|c| c.name == name.as_str()))
    {
        eprintln!("error: no case is named `{unknown}` (--case; --list names them)");
        return ExitCode::from(2);
    }
    let selected: Vec<_> = catalog
        .into_iter()
        .filter(|c| cli.cases.is_empty() || cli.cases.iter().any(|n| n == c.name))
        .filter(|c| {
            cli.filter
                .as_deref()
                .is_none_or(|f| c.name.contains(f) || c.item.contains(f))
        })
        .collect();
    if cli.list {
        for c in &selected {
            println!("{:<28} {:<36} {}", c.name, c.item, c.description);
        }
        return ExitCode::SUCCESS;
    }
    if selected.is_empty() {
        let which = if cli.cases.is_empty() {
            "no case's name or spec item contains"
        } else {
            "no case given with --case has a name or spec item that contains"
        };
        eprintln!(
            "error: {which} `{}` (--filter)",
            cli.filter.unwrap_or_default()
        );
        return ExitCode::from(2);
    }
    // The component, when there is one, and the board. The core module is
    // read by the hosts that run it, which say so when it is missing.
    let files = [
        ("test guest", suite.guest.as_ref()),
        ("board", Some(&suite.board)),
    ];
    for (what, path) in files {
        if let Some(path) = path
            && !path.exists()
        {
            eprintln!("error: the {what} {} does not exist", path.display());
            return ExitCode::from(2);
        }
    }
    // Without a component, the core module made one stands in for it, for
    // the reference host and as WASI_HW_GUEST, for as long as the run.
    let _made = if suite.guest.is_none() {
        match ComponentFile::write(&suite.guest_core) {
            Ok(file) => {
                suite.guest = Some(file.path().to_path_buf());
                Some(file)
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let reference = match Reference::new(&suite) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let command_host;
    let shim;
    let (host, compare): (&dyn Host, Option<&dyn Host>) = match (cli.host, &cli.host_command) {
        (Some(HostKind::Reference), None) => (&reference, None),
        (Some(kind @ (HostKind::ShimWasmi | HostKind::ShimWasmiDispatch)), None) => {
            let adapter = match kind {
                HostKind::ShimWasmiDispatch => Adapter::Dispatch,
                _ => Adapter::Typed,
            };
            shim = match ShimWasmi::with_adapter(&suite, adapter) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return ExitCode::from(2);
                }
            };
            (&shim, Some(&reference))
        }
        (None, Some(cmd)) => {
            command_host = external(cmd);
            (&command_host, Some(&reference))
        }
        _ => {
            eprintln!(
                "error: say which host to test: --host reference, --host shim-wasmi, --host shim-wasmi-dispatch or --host-command CMD"
            );
            return ExitCode::from(2);
        }
    };
    println!(
        "wasi-hw conformance: {} on {}",
        count(selected.len(), "case"),
        host.name()
    );
    let results = match run(&suite, host, compare, &selected) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report::summary(&results));
    if let Some(path) = cli.junit
        && let Err(e) = std::fs::write(&path, report::junit(&host.name(), &results))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    if results
        .iter()
        .all(|r| r.verdict == wasi_hw_conformance::Verdict::Pass)
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--hostile`: the hostile guests on the host command, against the shim.
fn hostile(command: Option<&str>, suite: &Suite, traps: hostile::Traps) -> ExitCode {
    let Some(cmd) = command else {
        eprintln!("error: --hostile runs on a host command (--host-command CMD)");
        return ExitCode::from(2);
    };
    let host = external(cmd);
    println!("wasi-hw hostile guests on {}", host.name());
    let checked = match hostile::check(&host, &suite.board, suite.timeout, traps) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let mut failed = 0;
    for c in &checked {
        match &c.verdict {
            Verdict::Pass => println!("PASS  {}", c.what),
            Verdict::Fail(why) => {
                failed += 1;
                println!(
                    "FAIL  {}
      {}",
                    c.what,
                    why.replace('\n', "\n      ")
                );
            }
        }
    }
    println!("{} passed, {failed} failed", checked.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The host command `cmd`, with this tool's folder first on its PATH.
fn external(cmd: &str) -> External {
    match std::env::current_exe() {
        Ok(exe) => match exe.parent() {
            Some(dir) => External::new(cmd).with_path_first(dir),
            None => External::new(cmd),
        },
        Err(_) => External::new(cmd),
    }
}
