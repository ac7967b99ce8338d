//! A directory-store device's journal file, `<device>.journal`: one JSON entry per line
//! (the [`JournalEntry`] of the snapshot), appended after the bytes the header commits.
//!
//! The file holds between [`JOURNAL_LIMIT`] and twice that many entries: when an append would
//! pass that, the last [`JOURNAL_LIMIT`] lines are written to a new file that replaces it
//! (once in [`JOURNAL_LIMIT`] calls, so that no call pays for the whole journal).

use std::collections::VecDeque;

use crate::device::{JournalEntry, JOURNAL_LIMIT};

/// The entries as lines of JSON, each ending in a newline.
pub(super) fn encode(entries: &[JournalEntry]) -> Result<Vec<u8>, serde_json::Error> {
    let mut lines = Vec::new();
    for entry in entries {
        serde_json::to_writer(&mut lines, entry)?;
        lines.push(b'\n');
    }
    Ok(lines)
}

/// The last [`JOURNAL_LIMIT`] entries of committed journal bytes; `Err` names the first line
/// that does not read.
pub(super) fn decode_last(bytes: &[u8]) -> Result<VecDeque<JournalEntry>, String> {
    let lines: Vec<&[u8]> = lines(bytes).collect();
    let skip = lines.len().saturating_sub(JOURNAL_LIMIT);
    lines[skip..]
        .iter()
        .enumerate()
        .map(|(at, line)| {
            serde_json::from_slice(line)
                .map_err(|err| format!("journal line {} does not read: {err}", skip + at + 1))
        })
        .collect()
}

/// The last [`JOURNAL_LIMIT`] lines of committed journal bytes, as they are, and how many.
pub(super) fn compacted(bytes: &[u8]) -> (Vec<u8>, u64) {
    let lines: Vec<&[u8]> = lines(bytes).collect();
    let kept = &lines[lines.len().saturating_sub(JOURNAL_LIMIT)..];
    let mut text = Vec::with_capacity(kept.iter().map(|line| line.len() + 1).sum());
    for line in kept {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    (text, kept.len() as u64)
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Op;

    fn entry(call: u64) -> JournalEntry {
        JournalEntry {
            call,
            op: Op::Get,
            latency_ms: 0,
            failed: false,
            slow: false,
            drift: None,
            faults: Vec::new(),
        }
    }

    #[test]
    fn entries_round_trip_as_lines_and_only_the_last_are_read() {
        let entries: Vec<JournalEntry> = (1..=JOURNAL_LIMIT as u64 + 3).map(entry).collect();
        let bytes = encode(&entries).unwrap();
        assert_eq!(
            bytes.iter().filter(|&&b| b == b'\n').count(),
            JOURNAL_LIMIT + 3
        );
        let last = decode_last(&bytes).unwrap();
        assert_eq!(last.len(), JOURNAL_LIMIT);
        assert_eq!(last[0].call, 4);
        let (kept, n) = compacted(&bytes);
        assert_eq!(n, JOURNAL_LIMIT as u64);
        assert_eq!(decode_last(&kept).unwrap(), last);
    }

    #[test]
    fn a_damaged_line_is_named() {
        let mut bytes = encode(&[entry(1)]).unwrap();
        bytes.extend_from_slice(b"{\"call\":\n");
        let err = decode_last(&bytes).unwrap_err();
        assert!(err.starts_with("journal line 2 does not read"), "{err}");
    }
}
