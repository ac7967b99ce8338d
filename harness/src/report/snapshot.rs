//! Snapshot verdicts for people (`run --snapshots`, the test API): what differs, the diff,
//! the counts, and how to accept or review the new transcripts.

use std::io::{self, Write};
use std::path::PathBuf;

use super::style;
use super::text::shell_word;
use crate::scenario::ScenarioResult;
use crate::transcript::snapshot::{DiffLine, SnapshotOutcome, SnapshotVerdict};

/// The failure line of a verdict that fails its scenario; `None` for one that does not.
pub fn failure_line(verdict: &SnapshotVerdict) -> Option<String> {
    if !verdict.fails {
        return None;
    }
    let file = verdict.file.display();
    let written = |new_file: &Option<PathBuf>, not_written: &Option<String>| match new_file {
        Some(new_file) => format!("the new one is `{}`", new_file.display()),
        None => not_written.clone().unwrap_or_default(),
    };
    Some(match &verdict.outcome {
        SnapshotOutcome::Differs {
            diff,
            new_file,
            not_written,
        } => format!(
            "snapshot: the transcript differs from `{file}` (+{} -{} lines); {}",
            diff.added,
            diff.removed,
            written(new_file, not_written)
        ),
        SnapshotOutcome::Missing {
            new_file,
            lines,
            not_written,
        } => format!(
            "snapshot: no snapshot `{file}` yet (the transcript has {lines} lines); {}",
            written(new_file, not_written)
        ),
        SnapshotOutcome::Error { error } => format!("snapshot `{file}`: {error}"),
        SnapshotOutcome::Matched | SnapshotOutcome::Updated | SnapshotOutcome::Created => {
            return None
        }
    })
}

/// The diff of a verdict that differs, each line after `indent`: `-` the snapshot's lines,
/// `+` the new transcript's.
pub fn diff_lines(out: &mut dyn Write, verdict: &SnapshotVerdict, indent: &str) -> io::Result<()> {
    let SnapshotOutcome::Differs { diff, new_file, .. } = &verdict.outcome else {
        return Ok(());
    };
    for line in &diff.lines {
        let (look, mark, text) = match line {
            DiffLine::Hunk(text) => (style::HINT, "", text),
            DiffLine::Same(text) => (anstyle::Style::new(), " ", text),
            DiffLine::Removed(text) => (style::ERROR, "-", text),
            DiffLine::Added(text) => (style::GOOD, "+", text),
        };
        writeln!(
            out,
            "{indent}{}{mark}{text}{}",
            look.render(),
            look.render_reset()
        )?;
    }
    if diff.omitted > 0 {
        let whole = match new_file {
            Some(new_file) => format!(
                ": `diff {} {}`",
                shell_word(&verdict.file.to_string_lossy()),
                shell_word(&new_file.to_string_lossy())
            ),
            None => String::new(),
        };
        writeln!(out, "{indent}… {} more lines{whole}", diff.omitted)?;
    }
    Ok(())
}

/// `snapshots: 27 matched, 1 differs`: each verdict's count, in a fixed order; `None` when
/// no transcript was compared.
pub fn counts_line(results: &[ScenarioResult]) -> Option<String> {
    let verdicts: Vec<&SnapshotVerdict> =
        results.iter().filter_map(|r| r.snapshot.as_ref()).collect();
    if verdicts.is_empty() {
        return None;
    }
    let counts: Vec<String> = [
        "matched", "updated", "created", "differs", "missing", "error",
    ]
    .iter()
    .filter_map(|name| {
        let count = verdicts.iter().filter(|v| v.name() == *name).count();
        (count > 0).then(|| format!("{count} {name}"))
    })
    .collect();
    Some(format!("snapshots: {}", counts.join(", ")))
}

/// What to do about the transcripts that failed their snapshots, or `None` when none did.
/// `accept` says how this caller accepts every new transcript at once (`run`: the same
/// command with `--accept`; the test API: `INSTA_UPDATE=always cargo test`).
pub fn hint(results: &[ScenarioResult], accept: &str) -> Option<String> {
    let failing: Vec<&SnapshotVerdict> = results
        .iter()
        .filter_map(|r| r.snapshot.as_ref())
        .filter(|v| v.fails && v.name() != "error")
        .collect();
    if failing.is_empty() {
        return None;
    }
    let new_files: Vec<&SnapshotVerdict> = failing
        .iter()
        .copied()
        .filter(|v| v.new_file().is_some())
        .collect();
    let mut text = format!(
        "hint: {} transcript(s) differ from their snapshot or have none; read each diff, then\n\
         \x20     accept them all: {accept}\n",
        failing.len()
    );
    if new_files.is_empty() {
        text.push_str(
            "      nothing was written here; to review `.snap.new` files, run it on your machine\n\
             \x20     or with `INSTA_UPDATE=new`\n",
        );
        return Some(text);
    }
    text.push_str(
        "      or review them one by one: `cargo insta review` in the project (install it with\n\
         \x20     `cargo install cargo-insta --locked`)\n\
         \x20     or, without cargo-insta, move each new file over its snapshot:\n",
    );
    for verdict in new_files.iter().take(5) {
        if let Some(new_file) = verdict.new_file() {
            text.push_str(&format!(
                "        mv {} {}\n",
                shell_word(&new_file.to_string_lossy()),
                shell_word(&verdict.file.to_string_lossy())
            ));
        }
    }
    if new_files.len() > 5 {
        text.push_str(&format!("        … and {} more\n", new_files.len() - 5));
    }
    Some(text)
}
