//! `inspect`'s human text: what the inspector read from a library, and its verdict. `load`
//! shows the same blocks ([`write_fingerprint`], [`write_verdict`]).

use std::io::{self, Write};
use std::path::Path;

use anstyle::Style;

use super::style::{ERROR, GOOD, LABEL, WARN};
use super::text::field;
use crate::inspect::{Allocator, Inspection, Verdict, VerdictLevel};

/// The style of a verdict level.
pub fn verdict_style(level: VerdictLevel) -> Style {
    match level {
        VerdictLevel::Compatible => GOOD,
        VerdictLevel::Risky => WARN,
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => ERROR,
    }
}

/// The whole `inspect` text: the library, its hash, what was read, and the verdict.
pub fn write_inspection(
    out: &mut dyn Write,
    path: &Path,
    inspection: &Inspection,
) -> io::Result<()> {
    field(out, "library", path.display())?;
    field(out, "sha256", &inspection.sha256)?;
    write_fingerprint(out, inspection)?;
    writeln!(out)?;
    write_verdict(out, &inspection.verdict)
}

/// What the inspector read (everything but the path, the hash and the verdict).
pub fn write_fingerprint(out: &mut dyn Write, inspection: &Inspection) -> io::Result<()> {
    let fp = &inspection.fingerprint;
    field(out, "size", format!("{} bytes", inspection.size))?;
    field(
        out,
        "arch",
        format!(
            "{}{}",
            fp.architecture,
            if fp.shared_object {
                " shared object"
            } else {
                " (not a shared object)"
            }
        ),
    )?;
    field(
        out,
        "rustc",
        if fp.rustc.is_empty() {
            "unknown (no `.comment`)".to_string()
        } else {
            fp.rustc.join(", ")
        },
    )?;
    field(out, "symphony", fp.symphony.describe())?;
    field(out, "abi", fp.abi.describe())?;
    field(
        out,
        "exports",
        format!(
            "create_provider: {}{}",
            if fp.create_provider { "yes" } else { "NO" },
            if fp.shim_exports.is_empty() {
                String::new()
            } else {
                format!("; symphony host shim: {}", fp.shim_exports.join(", "))
            }
        ),
    )?;
    field(
        out,
        "allocator",
        match fp.allocator {
            Allocator::Default => "default (system malloc)",
            Allocator::Custom => "custom #[global_allocator]",
            Allocator::Unknown => "unknown",
        },
    )?;
    field(
        out,
        "host",
        format!(
            "rustc {}, symphony {}, {}",
            inspection.host.rustc, inspection.host.symphony, inspection.host.architecture
        ),
    )
}

/// The verdict line, its reasons and notes.
pub fn write_verdict(out: &mut dyn Write, verdict: &Verdict) -> io::Result<()> {
    let style = verdict_style(verdict.level);
    writeln!(
        out,
        "{LABEL}verdict:{LABEL:#} {style}{}{style:#}",
        verdict.level.as_str()
    )?;
    for reason in &verdict.reasons {
        writeln!(out, "  - {reason}")?;
    }
    for note in &verdict.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_lists_its_reasons_then_its_notes() {
        let verdict = Verdict {
            level: VerdictLevel::Risky,
            reasons: vec!["built by another rustc".into()],
            notes: vec!["allocator unknown".into()],
        };
        let mut out = Vec::new();
        write_verdict(&mut out, &verdict).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&text).to_string(),
            "verdict: risky\n  - built by another rustc\n  note: allocator unknown\n"
        );
        assert!(text.contains(&format!("{WARN}risky{WARN:#}")), "{text:?}");
    }
}
