//! How a new transcript differs from its snapshot, line by line: counts and the first hunks
//! of a unified diff (`similar`, the diff library insta uses), short enough for a terminal.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// Lines of hunks kept; the rest is counted in [`SnapshotDiff::omitted`].
const KEPT_LINES: usize = 40;

/// Unchanged lines shown around each change.
const CONTEXT: usize = 2;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DiffLine {
    /// `@@ -a,b +c,d @@`: where the next lines are, in the old and the new body.
    Hunk(String),
    /// A line in both.
    Same(String),
    /// A line only the snapshot has.
    Removed(String),
    /// A line only the new transcript has.
    Added(String),
}

/// A new transcript against its snapshot: what changed, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotDiff {
    /// Lines only the new transcript has.
    pub added: usize,
    /// Lines only the snapshot has.
    pub removed: usize,
    /// The first hunks, at most 40 lines.
    pub lines: Vec<DiffLine>,
    /// Lines of hunks left out of `lines`.
    pub omitted: usize,
}

impl SnapshotDiff {
    /// The difference from `old` to `new` (two snapshot bodies).
    pub fn between(old: &str, new: &str) -> SnapshotDiff {
        let diff = TextDiff::from_lines(old, new);
        let (mut added, mut removed) = (0, 0);
        let mut all = Vec::new();
        for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
            all.push(DiffLine::Hunk(hunk.header().to_string()));
            for change in hunk.iter_changes() {
                let text = change.value().trim_end_matches(['\n', '\r']).to_string();
                all.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(text),
                    ChangeTag::Delete => {
                        removed += 1;
                        DiffLine::Removed(text)
                    }
                    ChangeTag::Insert => {
                        added += 1;
                        DiffLine::Added(text)
                    }
                });
            }
        }
        let omitted = all.len().saturating_sub(KEPT_LINES);
        all.truncate(KEPT_LINES);
        SnapshotDiff {
            added,
            removed,
            lines: all,
            omitted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_one_removed_one_added_with_context_around_it() {
        let old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n";
        let new = old.replace("d: 4", "d: 40");
        let diff = SnapshotDiff::between(old, &new);
        assert_eq!((diff.added, diff.removed, diff.omitted), (1, 1, 0));
        assert_eq!(
            diff.lines,
            [
                DiffLine::Hunk("@@ -2,5 +2,5 @@".to_string()),
                DiffLine::Same("b: 2".to_string()),
                DiffLine::Same("c: 3".to_string()),
                DiffLine::Removed("d: 4".to_string()),
                DiffLine::Added("d: 40".to_string()),
                DiffLine::Same("e: 5".to_string()),
                DiffLine::Same("f: 6".to_string()),
            ]
        );
    }

    #[test]
    fn a_long_diff_keeps_its_first_lines_and_counts_the_rest() {
        let old: String = (0..100).map(|n| format!("line {n}\n")).collect();
        let new: String = (0..100).map(|n| format!("line {}\n", n * 7)).collect();
        let diff = SnapshotDiff::between(&old, &new);
        assert_eq!(diff.lines.len(), KEPT_LINES);
        assert!(diff.omitted > 0);
        assert!(diff.added > 80 && diff.removed > 80, "{diff:?}");
    }
}
