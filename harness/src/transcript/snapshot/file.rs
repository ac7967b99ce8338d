//! insta's snapshot file: a YAML header between two `---` lines (where the snapshot came
//! from), then the body, the transcript as YAML. Written and read as insta writes and reads
//! it (`Snapshot::from_file` and `save` in insta's `src/snapshot.rs`), so `cargo insta
//! review` reads these files and insta's tests compare them.

use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::yaml::to_yaml;

/// A snapshot's header: the fields insta's `MetaData` writes for a file snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// What produced the snapshot (insta: the test's source file; here the scenario file).
    pub source: String,
    /// What it pins (the scenario's `description`; left out when empty).
    pub description: String,
    /// Facts about the run that must not change the body (the library's SHA-256, the
    /// harness version).
    pub info: Value,
}

/// The text of a snapshot file holding `body` (YAML, as [`to_yaml`] writes it).
pub fn render(header: &Header, body: &str) -> String {
    let mut text = String::from("---\n");
    let mut entries = vec![("source", json!(header.source))];
    if !header.description.is_empty() {
        entries.push(("description", json!(header.description)));
    }
    if !header.info.is_null() {
        entries.push(("info", header.info.clone()));
    }
    // insta writes the fields in this order, each as the top level of one YAML map.
    for (key, value) in entries {
        text.push_str(&to_yaml(&json!({ key: value }), false));
    }
    text.push_str("---\n");
    text.push_str(&normalize(body));
    text.push('\n');
    text
}

/// The body of the snapshot file at `path`, as insta reads it: the lines after the header
/// (after the first empty line in insta's legacy format without `---`). `None`: no file.
pub fn read_body(path: &Path) -> io::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    if first.trim_end() == "---" {
        for line in lines.by_ref() {
            if line.trim_end() == "---" {
                break;
            }
        }
    } else {
        // Legacy: `key: value` lines up to an empty line.
        for line in lines.by_ref() {
            if line.trim_end().is_empty() {
                break;
            }
        }
    }
    Ok(Some(lines.collect::<Vec<_>>().join("\n")))
}

/// Whether two bodies hold the same snapshot, as insta compares them: trailing white space
/// and `\r\n` line ends do not count (nor, for insta's legacy files, leading newlines and a
/// `---` line).
pub fn same_body(old: &str, new: &str) -> bool {
    fn legacy(text: &str) -> String {
        let text = normalize(text);
        let text = text.trim_start_matches(['\r', '\n']);
        text.strip_prefix("---\n").unwrap_or(text).to_string()
    }
    normalize(old) == normalize(new) || legacy(old) == legacy(new)
}

/// `text` as insta keeps a snapshot's body: without trailing white space, with `\n` line ends.
pub fn normalize(text: &str) -> String {
    text.trim_end().replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            source: "scenarios/first-deploy.json".to_string(),
            description: "A first reconcile: applies, then skips.".to_string(),
            info: json!({"harnessVersion": "0.1.0", "librarySha256": "ab12"}),
        }
    }

    #[test]
    fn a_rendered_file_reads_back_to_its_body() {
        let body = "scenario: x\nsteps: []\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.snap");
        std::fs::write(&path, render(&header(), body)).unwrap();
        let read = read_body(&path).unwrap().expect("the file exists");
        assert_eq!(read, "scenario: x\nsteps: []");
        assert!(same_body(&read, body));
        assert_eq!(read_body(&dir.path().join("missing.snap")).unwrap(), None);
    }

    #[test]
    fn the_header_is_insta_s_fields_in_insta_s_order() {
        assert_eq!(
            render(&header(), "a: 1"),
            "---\nsource: scenarios/first-deploy.json\n\
             description: \"A first reconcile: applies, then skips.\"\n\
             info:\n  harnessVersion: 0.1.0\n  librarySha256: ab12\n---\na: 1\n"
        );
        let bare = Header {
            description: String::new(),
            info: Value::Null,
            ..header()
        };
        assert_eq!(
            render(&bare, "a: 1\n\n"),
            "---\nsource: scenarios/first-deploy.json\n---\na: 1\n"
        );
    }

    #[test]
    fn bodies_compare_as_insta_compares_them() {
        assert!(same_body("a: 1\r\nb: 2\n\n", "a: 1\nb: 2"));
        assert!(same_body("\n---\na: 1", "a: 1"), "insta's legacy body");
        assert!(!same_body("a: 1", "a: 2"));
        assert!(!same_body(" a: 1", "a: 1"), "leading space counts");
    }

    #[test]
    fn legacy_files_without_a_yaml_header_read_after_the_first_empty_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.snap");
        std::fs::write(&path, "Created: x\nSource: y\n\na: 1\n").unwrap();
        assert_eq!(read_body(&path).unwrap().as_deref(), Some("a: 1"));
    }
}
