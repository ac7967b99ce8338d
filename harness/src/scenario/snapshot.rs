//! A scenario's transcript held to its snapshot, `<dir>/<scenario>.snap`: what `run
//! --snapshots` and the test API's [`crate::testing::Scenarios::snapshots`] both do.
//!
//! Where the transcript came from (the library's SHA-256, the harness version) goes to the
//! snapshot's header, not its body, so a rebuilt library does not change every snapshot; the
//! header's `source` is the scenario file. The file format and the update rules are
//! [`crate::transcript::snapshot`]'s.

use std::path::Path;

use serde_json::{json, Value};

use super::result::ScenarioResult;
use crate::transcript::snapshot::{hold, Header, Snapshots};

/// Compares the transcript of `result` with its snapshot and records the verdict in
/// `result.snapshot` (none for a scenario that could not be played). A scenario that failed
/// otherwise is never written over its snapshot: its transcript goes to `.snap.new`.
pub fn hold_snapshot(result: &mut ScenarioResult, snapshots: &Snapshots) {
    let Ok(run) = &result.run else {
        return;
    };
    let mut transcript = run.transcript_json();
    let mut take = |key: &str| {
        transcript
            .as_object_mut()
            .and_then(|fields| fields.remove(key))
            .unwrap_or(Value::Null)
    };
    let info = json!({
        "harnessVersion": take("harnessVersion"),
        "librarySha256": take("librarySha256"),
    });
    let header = Header {
        source: source_of(&result.path),
        description: result.description.clone(),
        info,
    };
    let in_place = result.passed();
    result.snapshot = Some(hold(
        snapshots,
        &result.name,
        &header,
        &transcript,
        in_place,
    ));
}

/// The scenario file as a snapshot names it: relative to the current folder when it lies
/// inside it (never a path of this machine in a committed file, where it can be helped).
fn source_of(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
