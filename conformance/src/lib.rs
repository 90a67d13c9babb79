//! The wasi-hw conformance suite: runs the test guest's cases on a host and
//! checks each against the reference host.
//!
//! A case passes on a host when the guest's `run` returns `ok` there and,
//! for any host but the reference, when the host's trace of the case (every
//! peripheral operation, see `host-reference/README.md`) is the reference
//! host's trace, line for line. The reference host defines the expected
//! behaviour; [`hosts`] has the hosts the runner drives, [`report`] the
//! summary and JUnit output.

pub mod hosts;
pub mod report;

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
    /// The test guest as a component (wasm32-wasip2).
    pub guest: PathBuf,
    /// The test guest as a core module (wasm32v1-none), for hosts of core modules.
    pub guest_core: PathBuf,
    /// The conformance board file.
    pub board: PathBuf,
    /// How long one case may take on a host, wall clock.
    pub timeout: Duration,
}

impl Suite {
    /// The test guest as this crate's build made it, and `conformance/board.toml`.
    pub fn built() -> Suite {
        Suite {
            guest: wasi_hw_artifacts::CASES_COMPONENT.into(),
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

/// The first difference between an expected trace and another host's, or
/// `None` when they are the same.
pub fn first_difference(
    expected: &[serde_json::Value],
    actual: &[serde_json::Value],
) -> Option<String> {
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if e != a {
            return Some(format!(
                "trace line {} differs from the reference host's:\n  expected {e}\n  got      {a}",
                i + 1
            ));
        }
    }
    match expected.len().cmp(&actual.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(format!(
            "the trace stops after {} lines; the reference host's goes on with:\n  expected {}",
            actual.len(),
            expected[actual.len()]
        )),
        std::cmp::Ordering::Less => Some(format!(
            "the trace has {} lines more than the reference host's, from:\n  got      {}",
            actual.len() - expected.len(),
            actual[expected.len()]
        )),
    }
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
