//! Failures kept between runs: each failure's bundle folder also holds `case.json`, the
//! shrunk case as generated, so the next run against the same library plays it first (as
//! proptest's regression files do), against the provider as it is then.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::case::Case;

/// The format of `case.json`.
pub const CASE_FORMAT: &str = "symphony-harness-explore-case/1";

/// `case.json`.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct CaseFile {
    format: String,
    /// The library's file name: only runs on a library of that name try it.
    library: String,
    seed: u64,
    case_number: usize,
    case: Case,
}

/// A saved failure.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Its folder.
    pub folder: PathBuf,
    /// The shrunk case.
    pub case: Case,
}

fn file_name(library: &Path) -> String {
    library
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Saves `case` in `folder` (the failure's bundle).
pub fn save(
    folder: &Path,
    library: &Path,
    case: &Case,
    seed: u64,
    case_number: usize,
) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let file = CaseFile {
        format: CASE_FORMAT.to_string(),
        library: file_name(library),
        seed,
        case_number,
        case: case.clone(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
    std::fs::write(folder.join("case.json"), text + "\n")
}

/// The failures saved under `folder` for a library named as `library`, by folder name. A
/// folder without a readable `case.json` of this format is passed over.
pub fn saved(folder: &Path, library: &Path) -> Vec<Saved> {
    let name = file_name(library);
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<Saved> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter_map(|path| {
            let text = std::fs::read_to_string(path.join("case.json")).ok()?;
            let file: CaseFile = serde_json::from_str(&text).ok()?;
            (file.format == CASE_FORMAT && file.library == name).then_some(Saved {
                folder: path,
                case: file.case,
            })
        })
        .collect();
    found.sort_by(|a, b| a.folder.cmp(&b.folder));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::case::Op;

    #[test]
    fn a_saved_case_reads_back_for_its_library_only() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let case = Case {
            initial: Vec::new(),
            ops: vec![Op::Reconcile, Op::DryRun],
        };
        let lib = Path::new("/x/libmine.so");
        save(&dir.path().join("a"), lib, &case, 7, 3).unwrap_or_else(|e| panic!("save: {e}"));
        std::fs::create_dir_all(dir.path().join("junk")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("junk/case.json"), "{not json")
            .unwrap_or_else(|e| panic!("{e}"));
        let found = saved(dir.path(), Path::new("/elsewhere/libmine.so"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].case, case);
        assert!(saved(dir.path(), Path::new("/x/libother.so")).is_empty());
        assert!(saved(&dir.path().join("missing"), lib).is_empty());
    }
}
