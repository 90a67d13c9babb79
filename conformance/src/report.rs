//! The runner's reports: a summary table, and JUnit XML for CI.

use std::fmt::Write as _;

use crate::{CaseResult, Verdict};

/// One line a case (a failure's whole message below it, indented), then
/// `N passed, N failed`.
pub fn summary(results: &[CaseResult]) -> String {
    let mut s = String::new();
    let width = results.iter().map(|r| r.case.name.len()).max().unwrap_or(0);
    for r in results {
        let (mark, why) = match &r.verdict {
            Verdict::Pass => ("PASS", String::new()),
            Verdict::Fail(m) => ("FAIL", format!("\n      {}", m.replace('\n', "\n      "))),
        };
        let _ = writeln!(s, "{mark}  {:<width$}  {}{why}", r.case.name, r.case.item);
    }
    let failed = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .count();
    let _ = writeln!(s, "{} passed, {failed} failed", results.len() - failed);
    s
}

/// `s` as XML text or attribute value. Characters XML 1.0 cannot hold (the
/// control characters of a host's coloured output, say) are written as
/// `\u{1b}`, so that the file stays well-formed.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test suite, one test case per case, classed by spec item.
/// A failure's `message` is its first line, the element's text the whole
/// message (a trace's difference with both lines, a trap's backtrace, a
/// host's whole standard error).
pub fn junit(host: &str, results: &[CaseResult]) -> String {
    let failed = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .count();
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuite name=\"wasi-hw-conformance ({})\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{total:.3}\">",
        escape(host),
        results.len()
    );
    for r in results {
        let _ = write!(
            s,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            escape(r.case.item),
            escape(r.case.name),
            r.duration.as_secs_f64()
        );
        match &r.verdict {
            Verdict::Pass => s.push_str("</testcase>\n"),
            Verdict::Fail(m) => {
                let first = m.lines().next().unwrap_or("");
                let _ = writeln!(
                    s,
                    "\n    <failure message=\"{}\">{}</failure>\n  </testcase>",
                    escape(first),
                    escape(m)
                );
            }
        }
    }
    s.push_str("</testsuite>\n");
    s
}
