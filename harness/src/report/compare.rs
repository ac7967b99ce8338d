//! `compare`'s human text: whether Symphony would consider a component changed, and every
//! entry that decided it.

use std::io::{self, Write};

use super::style::{GOOD, WARN};
use crate::engine::change::ChangeReport;

/// Writes the answer for the component named `component`, then one line per deciding entry.
pub fn write_compare(
    out: &mut dyn Write,
    component: &str,
    report: &ChangeReport,
) -> io::Result<()> {
    if report.changed {
        writeln!(
            out,
            "{WARN}changed{WARN:#}: Symphony re-applies the step holding `{component}` (with every component of that step)"
        )?;
    } else {
        writeln!(
            out,
            "{GOOD}unchanged{GOOD:#}: Symphony skips `{component}` (if `get` reports it on the target)"
        )?;
    }
    for reason in &report.reasons {
        writeln!(out, "  - {}", reason.describe())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_component_is_one_line() {
        let mut out = Vec::new();
        let report = ChangeReport {
            changed: false,
            reasons: Vec::new(),
        };
        write_compare(&mut out, "web", &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "unchanged: Symphony skips `web` (if `get` reports it on the target)\n"
        );
    }
}
