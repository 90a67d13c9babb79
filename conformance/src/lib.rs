//! The wasi-hw conformance suite: runs the test guest's cases on a host and
//! checks each against the reference host.
//!
//! A case passes on a host when the guest's `run` returns `ok` there and,
//! for any host but the reference, when the host's trace of the case (every
//! peripheral operation, see `host-reference/README.md`) is the reference
//! host's trace, line for line. The reference host defines the expected
//! behaviour; [`hosts`] has the hosts the runner drives, [`diff`] says
//! where two traces part, [`report`] writes the summary and JUnit output.
//!
//! With the feature `component` (on by default) the build makes the test
//! guest both ways, which needs the `wasm32-wasip2` target. Without it, only
//! its core module is built (`wasm32v1-none`), and the reference host runs
//! that core module made a component ([`reference_component`]), unless a
//! component is given (`Suite::guest`).

pub mod diff;
pub mod hostile;
pub mod hosts;
pub mod reference_component;
pub mod report;

pub use diff::first_difference;

/// The README's Rust example, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

use std::path::PathBuf;
use std::time::Duration;

mod catalog {
    include!("../guests/cases/src/catalog.rs");
}

/// One conformance case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// Its name, which the test guest takes as its argument.
    pub name: &'static str,
    /// The spec item it covers: `interface.function` or
    /// `interface.resource.method`.
    pub item: &'static str,
    /// What it checks, in one line.
    pub description: &'static str,
}

/// Every case, in the catalog's order.
pub fn cases() -> Vec<Case> {
    catalog::CASES
        .iter()
        .map(|&(name, item, description)| Case {
            name,
            item,
            description,
        })
        .collect()
}

/// What the cases run: the test guest, built both ways, and the board.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The test guest as a component (wasm32-wasip2): what the reference
    /// host runs, and `WASI_HW_GUEST` for an external host. `None` when
    /// there is none (a build without the feature `component`): the
    /// reference host then runs the core module made a component.
    pub guest: Option<PathBuf>,
    /// The test guest as a core module (wasm32v1-none), for hosts of core modules.
    pub guest_core: PathBuf,
    /// The conformance board file.
    pub board: PathBuf,
    /// How long one case may take on a host, wall clock.
    pub timeout: Duration,
}

impl Suite {
    /// The test guest as this crate's build made it (its component only
    /// with the feature `component`), and `conformance/board.toml`.
    pub fn built() -> Suite {
        #[cfg(feature = "component")]
        let guest = Some(wasi_hw_artifacts::CASES_COMPONENT.into());
        #[cfg(not(feature = "component"))]
        let guest = None;
        Suite {
            guest,
            guest_core: wasi_hw_artifacts::CASES_CORE.into(),
            board: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("board.toml"),
            timeout: Duration::from_secs(10),
        }
    }
}

/// How a case ended on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The guest's expectation failed, the host broke the protocol, or the
    /// trace differs from the reference: the text says which.
    Fail(String),
}

/// A case's run on a host: its verdict, its trace, how long it took.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub case: Case,
    pub verdict: Verdict,
    pub trace: Vec<serde_json::Value>,
    pub duration: Duration,
}

/// Runs `cases` on `host`. For any host but the reference, each case is also
/// run on `reference` and the traces compared.
pub fn run(
    suite: &Suite,
    host: &dyn hosts::Host,
    reference: Option<&dyn hosts::Host>,
    cases: &[Case],
) -> anyhow::Result<Vec<CaseResult>> {
    let mut results = Vec::new();
    for &case in cases {
        let start = std::time::Instant::now();
        let outcome = host.run(suite, case)?;
        let duration = start.elapsed();
        let mut verdict = outcome.verdict;
        if verdict == Verdict::Pass
            && let Some(reference) = reference
        {
            let expected = reference.run(suite, case)?;
            if let Verdict::Fail(why) = expected.verdict {
                anyhow::bail!(
                    "case {} fails on the reference host itself: {why}",
                    case.name
                );
            }
            if let Some(diff) = first_difference(&expected.trace, &outcome.trace) {
                verdict = Verdict::Fail(diff);
            }
        }
        results.push(CaseResult {
            case,
            verdict,
            trace: outcome.trace,
            duration,
        });
    }
    Ok(results)
}
