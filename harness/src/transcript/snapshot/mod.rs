//! Snapshots: a transcript held to a reviewed file, `<dir>/<scenario>.snap`, in insta's
//! format, so that `run --snapshots`, the test API ([`crate::testing::Scenarios`]) and insta's
//! own tests read and write the same files, and `cargo insta review` reviews them.
//!
//! Owns the file format ([`file`]: insta's header, then the transcript as insta's YAML,
//! [`yaml`]), the comparison (insta's: trailing white space does not count), where a new or
//! changed transcript goes ([`update`]: `INSTA_UPDATE`, CI, `--accept`) and the short diff
//! ([`diff`]). Does not decide what a transcript holds (the scenario run does) or how a
//! verdict is printed (`report` does).
//!
//! Main entry: [`hold`], which compares one transcript with its snapshot, writes what the
//! policy says, and returns a [`SnapshotVerdict`].

pub mod diff;
pub mod file;
pub mod update;
pub mod yaml;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

pub use diff::{DiffLine, SnapshotDiff};
pub use file::Header;
pub use update::{InstaEnvError, Policy, Update, Write};

use crate::errors::error_chain;

/// Where snapshots live and how they are updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshots {
    /// The folder of `<scenario>.snap` files.
    pub dir: PathBuf,
    /// When a new or changed transcript is written, and where.
    pub policy: Policy,
}

/// How a transcript compared with its snapshot, and what was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "verdict")]
pub enum SnapshotOutcome {
    /// The snapshot holds this transcript.
    Matched,
    /// It differed and the transcript was written over it (`--accept`, `INSTA_UPDATE=always`).
    Updated,
    /// There was none and the transcript was written as the snapshot.
    Created,
    /// It differs.
    #[serde(rename_all = "camelCase")]
    Differs {
        /// How.
        diff: SnapshotDiff,
        /// The new transcript, written beside the snapshot for review (`None`: not written).
        new_file: Option<PathBuf>,
        /// Why nothing was written, when nothing was.
        #[serde(skip_serializing_if = "Option::is_none")]
        not_written: Option<String>,
    },
    /// There is no snapshot.
    #[serde(rename_all = "camelCase")]
    Missing {
        /// The new transcript, written for review (`None`: not written).
        new_file: Option<PathBuf>,
        /// Its lines.
        lines: usize,
        /// Why nothing was written, when nothing was.
        #[serde(skip_serializing_if = "Option::is_none")]
        not_written: Option<String>,
    },
    /// The snapshot could not be read, or the transcript not written.
    Error {
        /// What went wrong.
        error: String,
    },
}

/// A scenario's snapshot verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotVerdict {
    /// The snapshot file.
    pub file: PathBuf,
    /// What the comparison found and what was written.
    #[serde(flatten)]
    pub outcome: SnapshotOutcome,
    /// Whether it fails its scenario (a difference under `INSTA_FORCE_PASS=1` does not).
    pub fails: bool,
}

impl SnapshotVerdict {
    /// Its stable name: `matched`, `updated`, `created`, `differs`, `missing` or `error`.
    pub fn name(&self) -> &'static str {
        match self.outcome {
            SnapshotOutcome::Matched => "matched",
            SnapshotOutcome::Updated => "updated",
            SnapshotOutcome::Created => "created",
            SnapshotOutcome::Differs { .. } => "differs",
            SnapshotOutcome::Missing { .. } => "missing",
            SnapshotOutcome::Error { .. } => "error",
        }
    }

    /// The `.snap.new` file written for review, if one was.
    pub fn new_file(&self) -> Option<&Path> {
        match &self.outcome {
            SnapshotOutcome::Differs { new_file, .. }
            | SnapshotOutcome::Missing { new_file, .. } => new_file.as_deref(),
            _ => None,
        }
    }
}

/// The snapshot file of scenario `name` in `dir`.
pub fn snapshot_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.snap"))
}

/// The file insta writes a new or changed snapshot to for review: `<name>.snap.new`.
pub fn new_file_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Compares `transcript` with the snapshot of scenario `name` and writes what `snapshots`'
/// policy says: the snapshot itself, `<name>.snap.new` beside it, or nothing. `in_place`:
/// whether it may be written over the snapshot at all (not for a scenario that failed
/// otherwise: its transcript goes to `.snap.new`). A stale `.snap.new` is removed once the
/// snapshot holds the transcript.
pub fn hold(
    snapshots: &Snapshots,
    name: &str,
    header: &Header,
    transcript: &Value,
    in_place: bool,
) -> SnapshotVerdict {
    let file = snapshot_file(&snapshots.dir, name);
    let policy = &snapshots.policy;
    let body = yaml::to_yaml(transcript, policy.literal_blocks);
    let verdict = |outcome: SnapshotOutcome, fails: bool| SnapshotVerdict {
        file: file.clone(),
        outcome,
        fails,
    };
    let failed = |error: String| verdict(SnapshotOutcome::Error { error }, true);
    let old = match file::read_body(&file) {
        Ok(old) => old,
        Err(err) => return failed(format!("cannot read it: {}", error_chain(&err))),
    };
    let text = file::render(header, &body);
    if old
        .as_deref()
        .is_some_and(|old| file::same_body(old, &body))
    {
        if policy.rewrites_matches() {
            if let Err(err) = write_atomically(&file, &text) {
                return failed(err);
            }
        }
        remove_stale(&file);
        return verdict(SnapshotOutcome::Matched, false);
    }
    let mut write = policy.write_for(old.is_some());
    if write == Write::InPlace && !in_place {
        write = Write::NewFile;
    }
    let target = match write {
        Write::InPlace => file.clone(),
        Write::NewFile => new_file_of(&file),
        Write::Nothing => PathBuf::new(),
    };
    if write != Write::Nothing {
        if let Err(err) = write_atomically(&target, &text) {
            return failed(err);
        }
    }
    if write == Write::InPlace {
        remove_stale(&file);
        let outcome = match old {
            Some(_) => SnapshotOutcome::Updated,
            None => SnapshotOutcome::Created,
        };
        return verdict(outcome, false);
    }
    let new_file = (write == Write::NewFile).then_some(target);
    let not_written = new_file
        .is_none()
        .then(|| policy.why_nothing_written().to_string());
    let outcome = match old {
        Some(old) => SnapshotOutcome::Differs {
            diff: SnapshotDiff::between(&file::normalize(&old), &file::normalize(&body)),
            new_file,
            not_written,
        },
        None => SnapshotOutcome::Missing {
            new_file,
            lines: file::normalize(&body).lines().count(),
            not_written,
        },
    };
    verdict(outcome, !policy.force_pass)
}

/// Writes `text` to `path` through a file beside it, renamed into place: a crash leaves the
/// old file or the new one, never half of it.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::NamedTempFile::new_in(dir))
        .and_then(|mut temp| {
            temp.write_all(text.as_bytes())?;
            temp.persist(path).map_err(|err| err.error)?;
            Ok(())
        });
    written.map_err(|err| format!("cannot write `{}`: {}", path.display(), error_chain(&err)))
}

/// Removes the `.snap.new` left beside `file` by an earlier run, if there is one.
fn remove_stale(file: &Path) {
    // Nothing there is the usual case; another failure leaves a file the user can delete.
    let _ = std::fs::remove_file(new_file_of(file));
}

/// The `.snap` files in `dir` that belong to none of `names` (scenario names), sorted; none
/// when `dir` does not exist.
pub fn orphans(dir: &Path, names: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut orphans = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if let Some(stem) = file.strip_suffix(".snap") {
            if !names.contains(&stem) {
                orphans.push(path.clone());
            }
        }
    }
    orphans.sort();
    Ok(orphans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header() -> Header {
        Header {
            source: "scenarios/a.json".to_string(),
            description: "pins a".to_string(),
            info: json!({"harnessVersion": "0.1.0"}),
        }
    }

    fn snapshots(dir: &Path, update: Update) -> Snapshots {
        Snapshots {
            dir: dir.to_path_buf(),
            policy: Policy {
                update,
                ..Policy::default()
            },
        }
    }

    #[test]
    fn new_changed_accepted_and_matching_transcripts_each_get_their_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let new = snapshots(dir.path(), Update::New);
        let file = dir.path().join("a.snap");
        let pending = dir.path().join("a.snap.new");

        let missing = hold(&new, "a", &header(), &json!({"x": 1}), true);
        assert_eq!(missing.name(), "missing");
        assert!(missing.fails);
        assert_eq!(missing.new_file(), Some(pending.as_path()));
        assert!(!file.exists() && pending.is_file());

        std::fs::rename(&pending, &file).unwrap();
        let matched = hold(&new, "a", &header(), &json!({"x": 1}), true);
        assert_eq!((matched.name(), matched.fails), ("matched", false));

        let differs = hold(&new, "a", &header(), &json!({"x": 2}), true);
        assert_eq!(differs.name(), "differs");
        let SnapshotOutcome::Differs { diff, .. } = &differs.outcome else {
            panic!("{differs:?}")
        };
        assert_eq!((diff.added, diff.removed), (1, 1));
        assert!(pending.is_file());

        let always = snapshots(dir.path(), Update::Always);
        let refused = hold(&always, "a", &header(), &json!({"x": 2}), false);
        assert_eq!(
            refused.name(),
            "differs",
            "a failed scenario is not accepted"
        );
        let updated = hold(&always, "a", &header(), &json!({"x": 2}), true);
        assert_eq!((updated.name(), updated.fails), ("updated", false));
        assert!(!pending.exists(), "the stale .snap.new is gone");
        assert_eq!(file::read_body(&file).unwrap().as_deref(), Some("x: 2"));
    }

    #[test]
    fn nothing_is_written_on_ci_and_force_pass_fails_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut ci = snapshots(dir.path(), Update::Auto);
        ci.policy.on_ci = true;
        let missing = hold(&ci, "a", &header(), &json!({"x": 1}), true);
        let SnapshotOutcome::Missing { not_written, .. } = &missing.outcome else {
            panic!("{missing:?}")
        };
        assert!(not_written.as_deref().unwrap_or("").contains("CI"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        ci.policy.force_pass = true;
        assert!(!hold(&ci, "a", &header(), &json!({"x": 1}), true).fails);
    }

    #[test]
    fn a_snapshot_that_cannot_be_read_is_an_error_verdict() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a.snap")).unwrap();
        let verdict = hold(
            &snapshots(dir.path(), Update::New),
            "a",
            &header(),
            &json!({}),
            true,
        );
        assert_eq!((verdict.name(), verdict.fails), ("error", true));
    }

    #[test]
    fn orphans_are_the_snapshots_of_no_given_name() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["a.snap", "b.snap", "b.snap.new", "notes.txt"] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        assert_eq!(
            orphans(dir.path(), &["a"]).unwrap(),
            [dir.path().join("b.snap")]
        );
        assert!(orphans(&dir.path().join("none"), &[]).unwrap().is_empty());
    }
}
