//! The hosts the runner drives: the reference host in-process, and any host
//! behind a command (the external-host protocol of `conformance/README.md`).

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasi_hw_host::board;
use wasi_hw_host::host::{Echo, Limits, Outcome, Quirks, Runner};
use wasi_hw_host::shim::{Adapter, CoreRunner};

use crate::{Case, Suite, Verdict, reference_component};

/// A case's verdict on a host and the trace it produced.
#[derive(Debug, Clone)]
pub struct HostOutcome {
    pub verdict: Verdict,
    pub trace: Vec<serde_json::Value>,
}

/// A host that runs one case at a time. An `Err` is a failure of the runner
/// or its input (a missing guest or board), not of the case.
pub trait Host {
    /// How the summary names it.
    fn name(&self) -> String;
    fn run(&self, suite: &Suite, case: Case) -> Result<HostOutcome>;
}

/// The verdict and trace of a run in this process. A trap's message is
/// kept whole, with its backtrace: the summary and JUnit show all of it.
fn in_process(outcome: Outcome, board: &board::Board) -> HostOutcome {
    let verdict = match outcome {
        Outcome::Success => Verdict::Pass,
        Outcome::Failed(m) | Outcome::Trapped(m) => Verdict::Fail(m),
    };
    let trace = board.trace.events.iter().map(|e| e.to_value()).collect();
    HostOutcome { verdict, trace }
}

/// The reference host, in this process, with the guest compiled once.
pub struct Reference {
    runner: Runner,
    quirks: Quirks,
}

impl Reference {
    pub fn new(suite: &Suite) -> Result<Reference> {
        Reference::with_quirks(suite, Quirks::default())
    }

    /// The reference host with deliberate deviations from the spec: a broken
    /// host, for the suite's own tests.
    ///
    /// It runs `suite.guest`, or when that is `None` the core module
    /// `suite.guest_core` made a component ([`reference_component`]).
    pub fn with_quirks(suite: &Suite, quirks: Quirks) -> Result<Reference> {
        let runner = match &suite.guest {
            Some(guest) => {
                if !guest.exists() {
                    anyhow::bail!(
                        "the test guest {} does not exist (build it with `cargo build -p wasi-hw-conformance`)",
                        guest.display()
                    );
                }
                Runner::from_file(guest, false).map_err(|e| {
                    anyhow::anyhow!(
                        "{}: not a component the reference host can run: {e:#}",
                        guest.display()
                    )
                })?
            }
            None => {
                let core = read_core_module(suite)?;
                let component = reference_component::from_core_module(&core)
                    .with_context(|| format!("{}", suite.guest_core.display()))?;
                Runner::new(&component, false).map_err(|e| {
                    anyhow::anyhow!(
                        "{} made a component: the reference host cannot run it: {e:#}",
                        suite.guest_core.display()
                    )
                })?
            }
        };
        Ok(Reference { runner, quirks })
    }
}

/// The test guest's core module, read whole.
fn read_core_module(suite: &Suite) -> Result<Vec<u8>> {
    std::fs::read(&suite.guest_core).with_context(|| {
        format!(
            "the test guest's core module {} cannot be read (build it with `cargo build -p wasi-hw-conformance`)",
            suite.guest_core.display()
        )
    })
}

impl Host for Reference {
    fn name(&self) -> String {
        // Every field named, so that a new quirk cannot go unnamed here.
        let Quirks {
            wrong_nack_source,
            clock_backwards,
            ignore_pin_policy,
            no_repeated_start,
            spi_chip_select_between_operations,
        } = self.quirks;
        let quirks: Vec<&str> = [
            (wrong_nack_source, "the wrong no-acknowledge source"),
            (clock_backwards, "a clock that goes backwards"),
            (ignore_pin_policy, "the pin policy ignored"),
            (no_repeated_start, "no repeated start"),
            (
                spi_chip_select_between_operations,
                "the SPI chip select released between operations",
            ),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        if quirks.is_empty() {
            "reference".into()
        } else {
            format!("reference with {}", quirks.join(", "))
        }
    }

    fn run(&self, suite: &Suite, case: Case) -> Result<HostOutcome> {
        let board = board::file::load(&suite.board, false).map_err(|e| anyhow::anyhow!("{e}"))?;
        let limits = Limits {
            timeout: suite.timeout,
            ..Limits::default()
        };
        let result = self
            .runner
            .run_with_quirks(
                board,
                &[case.name.to_string()],
                &limits,
                Echo::Off,
                self.quirks,
            )
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        Ok(in_process(result.outcome, &result.host.board))
    }
}

/// The generated no_std shim on wasmi, with the board model and its
/// semantics (`wasi_hw_board::host::BoardHost`, what the QEMU firmware
/// runs) behind its traits: the test guest's core module (`wasm32v1-none`)
/// instead of its component, the canonical ABI done by generated glue
/// instead of wasmtime. The adapter is either of the generated ones: the
/// typed functions (`shim-wasmi`) or the one trampoline over `dispatch`
/// (`shim-wasmi-dispatch`).
pub struct ShimWasmi {
    runner: CoreRunner,
    adapter: Adapter,
}

impl ShimWasmi {
    /// The shim with its typed adapter (`add_to_linker`).
    pub fn new(suite: &Suite) -> Result<ShimWasmi> {
        ShimWasmi::with_adapter(suite, Adapter::Typed)
    }

    pub fn with_adapter(suite: &Suite, adapter: Adapter) -> Result<ShimWasmi> {
        let bytes = read_core_module(suite)?;
        let runner = CoreRunner::with_adapter(&bytes, adapter).with_context(|| {
            format!(
                "{}: not a core module wasmi can run",
                suite.guest_core.display()
            )
        })?;
        Ok(ShimWasmi { runner, adapter })
    }
}

impl Host for ShimWasmi {
    fn name(&self) -> String {
        match self.adapter {
            Adapter::Typed => "shim-wasmi".into(),
            Adapter::Dispatch => "shim-wasmi-dispatch".into(),
        }
    }

    fn run(&self, suite: &Suite, case: Case) -> Result<HostOutcome> {
        let board = board::file::load(&suite.board, false).map_err(|e| anyhow::anyhow!("{e}"))?;
        let limits = Limits {
            timeout: suite.timeout,
            ..Limits::default()
        };
        let result = self.runner.run(board, &[case.name.to_string()], &limits)?;
        Ok(in_process(result.outcome, &result.host.board))
    }
}

/// A host behind a shell command, run once per case.
///
/// The command gets, in its environment, `WASI_HW_GUEST` (the test guest as
/// a component, when the suite has one), `WASI_HW_GUEST_CORE` (as a core
/// module), `WASI_HW_BOARD` (the board file) and `WASI_HW_CASE` (the case's
/// name, the guest's one argument). It runs the guest and prints the trace
/// as JSON lines on standard output; it exits 0 when the guest's `run`
/// returned `ok`, 1 when it returned an error or trapped (with the message
/// on standard error), and with any other code when the host itself failed.
pub struct External {
    command: String,
    path_first: Option<PathBuf>,
}

impl External {
    pub fn new(command: &str) -> External {
        External {
            command: command.to_string(),
            path_first: None,
        }
    }

    /// Puts `dir` first on the command's `PATH`: the runner passes its own
    /// folder, so that a `wasi-hw` built beside it is the one found.
    pub fn with_path_first(mut self, dir: &Path) -> External {
        self.path_first = Some(dir.to_path_buf());
        self
    }

    /// The command's `PATH`: `path_first`, then this process's own.
    fn path(&self) -> Option<OsString> {
        let first = self.path_first.as_ref()?;
        let rest = std::env::var_os("PATH").unwrap_or_default();
        std::env::join_paths(std::iter::once(first.clone()).chain(std::env::split_paths(&rest)))
            .ok()
    }
}

/// A duration as one would type it for `--timeout`: `10s`, `500ms`, `20us`.
fn duration_text(d: Duration) -> String {
    let ns = d.as_nanos();
    for (unit, scale) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] {
        if ns.is_multiple_of(scale) {
            return format!("{}{unit}", ns / scale);
        }
    }
    format!("{ns}ns")
}

/// The usual name of signal `n` on Linux, for the few a host dies of.
fn signal_name(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// `signal 9 (SIGKILL)`, or `signal 40` for one without a usual name.
fn signal_text(n: i32) -> String {
    match signal_name(n) {
        Some(name) => format!("signal {n} ({name})"),
        None => format!("signal {n}"),
    }
}

/// How a host that broke the protocol ended, as a person reads it: `the
/// host exited with code 127, not 0 or 1 (the shell found no such
/// command)`, `the host was killed by signal 9 (SIGKILL)`. The codes the
/// shell that runs the command gives meanings to are explained.
fn exit_text(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        let meaning = match code {
            126 => " (the shell found the command but could not run it)".to_string(),
            127 => " (the shell found no such command)".to_string(),
            129..=192 => format!(
                " (the shell's code for a command killed by {})",
                signal_text(code - 128)
            ),
            _ => String::new(),
        };
        return format!("protocol: the host exited with code {code}, not 0 or 1{meaning}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("the host was killed by {}", signal_text(signal));
        }
    }
    "the host ended without an exit code".to_string()
}

/// Why a line of a host's standard output is not a trace line, or `None`
/// when it is one: a JSON object with at least `t`, `interface` and `op`.
fn not_a_trace_line(line: &str) -> Option<String> {
    let value = match serde_json::from_str::<serde_json::Value>(line) {
        Ok(v) => v,
        Err(_) => return Some("is not JSON".into()),
    };
    let Some(object) = value.as_object() else {
        return Some("is not a JSON object".into());
    };
    let missing: Vec<String> = ["t", "interface", "op"]
        .iter()
        .filter(|f| !object.contains_key(**f))
        .map(|f| format!("\"{f}\""))
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("lacks {}", missing.join(" and ")))
    }
}

impl Host for External {
    fn name(&self) -> String {
        format!("command `{}`", self.command)
    }

    fn run(&self, suite: &Suite, case: Case) -> Result<HostOutcome> {
        let mut command = Command::new("sh");
        command
            .args(["-c", &self.command])
            .env("WASI_HW_GUEST_CORE", &suite.guest_core)
            .env("WASI_HW_BOARD", &suite.board)
            .env("WASI_HW_CASE", case.name)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Without a component, no stale value from the caller's environment.
        match &suite.guest {
            Some(guest) => command.env("WASI_HW_GUEST", guest),
            None => command.env_remove("WASI_HW_GUEST"),
        };
        if let Some(path) = self.path() {
            command.env("PATH", path);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting the host command `{}`", self.command))?;
        // Read both pipes on threads, so a chatty host never blocks on them.
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if start.elapsed() > suite.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let Some(status) = status else {
            return Ok(HostOutcome {
                verdict: Verdict::Fail(format!(
                    "the host did not finish within {} (per-case timeout)",
                    duration_text(suite.timeout)
                )),
                trace: Vec::new(),
            });
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        let mut trace = Vec::new();
        for (i, line) in stdout
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            if let Some(why) = not_a_trace_line(line) {
                return Ok(HostOutcome {
                    verdict: Verdict::Fail(format!(
                        "protocol: line {} of the host's output {why}, so it is not a trace line:\n  {line}",
                        i + 1
                    )),
                    trace,
                });
            }
            trace.push(serde_json::from_str(line)?);
        }
        // The whole of standard error: its first line is the message, what
        // follows (a backtrace, say) is kept for the summary and JUnit.
        let message = stderr.trim();
        let verdict = match status.code() {
            Some(0) => Verdict::Pass,
            Some(1) if message.is_empty() => Verdict::Fail("the case failed (no message)".into()),
            Some(1) => Verdict::Fail(message.to_string()),
            _ if message.is_empty() => Verdict::Fail(exit_text(status)),
            _ => Verdict::Fail(format!("{}: {message}", exit_text(status))),
        };
        Ok(HostOutcome { verdict, trace })
    }
}
