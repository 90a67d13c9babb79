//! The hosts the runner drives: the reference host in-process, and any host
//! behind a command (the external-host protocol of `conformance/README.md`).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasi_hw_host::board;
use wasi_hw_host::host::{Echo, Limits, Outcome, Quirks, Runner};
use wasi_hw_host::shim::{Adapter, CoreRunner};

use crate::{Case, Suite, Verdict};

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

/// The verdict and trace of a run in this process.
fn in_process(outcome: Outcome, board: &board::Board) -> HostOutcome {
    let verdict = match outcome {
        Outcome::Success => Verdict::Pass,
        Outcome::Failed(m) => Verdict::Fail(m),
        Outcome::Trapped(m) => Verdict::Fail(m.lines().next().unwrap_or("").to_string()),
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
    pub fn with_quirks(suite: &Suite, quirks: Quirks) -> Result<Reference> {
        if !suite.guest.exists() {
            anyhow::bail!(
                "the test guest {} does not exist (build it with `cargo build -p wasi-hw-conformance`)",
                suite.guest.display()
            );
        }
        let runner = Runner::from_file(&suite.guest, false).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a component the reference host can run: {e:#}",
                suite.guest.display()
            )
        })?;
        Ok(Reference { runner, quirks })
    }
}

impl Host for Reference {
    fn name(&self) -> String {
        if self.quirks == Quirks::default() {
            "reference".into()
        } else {
            format!("reference with {:?}", self.quirks)
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
        Ok(in_process(result.outcome, &result.state.board))
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
        let bytes = std::fs::read(&suite.guest_core).with_context(|| {
            format!(
                "the test guest's core module {} cannot be read (build it with `cargo build -p wasi-hw-conformance`)",
                suite.guest_core.display()
            )
        })?;
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
/// a component), `WASI_HW_GUEST_CORE` (as a core module), `WASI_HW_BOARD`
/// (the board file) and `WASI_HW_CASE` (the case's name, the guest's one
/// argument). It runs the guest and prints the trace as JSON lines on
/// standard output; it exits 0 when the guest's `run` returned `ok`, 1 when
/// it returned an error or trapped (with the message on standard error), and
/// with any other code when the host itself failed.
pub struct External {
    command: String,
}

impl External {
    pub fn new(command: &str) -> External {
        External {
            command: command.to_string(),
        }
    }
}

impl Host for External {
    fn name(&self) -> String {
        format!("command `{}`", self.command)
    }

    fn run(&self, suite: &Suite, case: Case) -> Result<HostOutcome> {
        let mut child = Command::new("sh")
            .args(["-c", &self.command])
            .env("WASI_HW_GUEST", &suite.guest)
            .env("WASI_HW_GUEST_CORE", &suite.guest_core)
            .env("WASI_HW_BOARD", &suite.board)
            .env("WASI_HW_CASE", case.name)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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
                    "the host did not finish within {:?} (per-case timeout)",
                    suite.timeout
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
            match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v)
                    if v.get("t").is_some()
                        && v.get("interface").is_some()
                        && v.get("op").is_some() =>
                {
                    trace.push(v)
                }
                _ => {
                    return Ok(HostOutcome {
                        verdict: Verdict::Fail(format!(
                            "protocol: line {} of the host's output is not a trace line: {line:?}",
                            i + 1
                        )),
                        trace,
                    });
                }
            }
        }
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        let verdict = match status.code() {
            Some(0) => Verdict::Pass,
            Some(1) => Verdict::Fail(if message.is_empty() {
                "the case failed (no message)".into()
            } else {
                message
            }),
            code => Verdict::Fail(format!(
                "protocol: the host exited with {code:?}, not 0 or 1: {message}"
            )),
        };
        Ok(HostOutcome { verdict, trace })
    }
}
