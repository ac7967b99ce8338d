//! Reading the JSON files users hand the harness: one reader, with `file:line:col` errors.
//!
//! Owns turning a path into a typed value: Symphony objects (Target, Solution, Instance),
//! deployments, validation rules, components, stored states, and later scenario files. Every
//! command reads its files here, so every parse error names the file, the line and the column,
//! and says what kind of document was expected. Does not apply Symphony's defaults to the
//! objects it reads ([`crate::engine::objects`] does).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::engine::objects::{stored_target, ObjectError, Objects};
use crate::model::{InstanceState, SolutionState, TargetState};

/// A JSON file that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("cannot read {what} `{}`", path.display())]
    Read {
        /// What the file should hold (`target`, `deployment`, …).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON, or not the expected document.
    #[error("{what} `{}:{line}:{column}` is not a valid {what}: {message}", path.display())]
    Parse {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The line, from 1 (0 when the parser gave none).
        line: usize,
        /// The column, from 1 (0 when the parser gave none).
        column: usize,
        /// The parser's message, without its position.
        message: String,
    },
    /// The file parses, but Symphony would not store the object it holds.
    #[error("{what} `{}` cannot be used", path.display())]
    Object {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with the object.
        #[source]
        source: Box<ObjectError>,
    },
}

impl InputError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            InputError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Some("check the path; relative paths start from the current directory".into())
            }
            InputError::Read { .. } => None,
            InputError::Parse { .. } => None,
            InputError::Object { source, .. } => source.hint(),
        }
    }
}

/// Reads `path` as a `what` (for messages: `target`, `deployment`, …).
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    parse_json(&text, path, what)
}

/// Reads a Target file as Symphony's API stores it (named; namespace `default` unless given).
pub fn read_target(path: &Path) -> Result<TargetState, InputError> {
    let target = read_json(path, "target")?;
    stored_target(target).map_err(|source| InputError::Object {
        what: "target",
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

/// Reads the objects of one reconcile: Target files, and optionally a Solution (or
/// SolutionVersion) file with the Instance file that names it.
pub fn read_objects(
    targets: &[PathBuf],
    solution_and_instance: Option<(&Path, &Path)>,
) -> Result<Objects, InputError> {
    let targets = targets
        .iter()
        .map(|path| read_target(path))
        .collect::<Result<Vec<_>, _>>()?;
    let solution_and_instance = match solution_and_instance {
        Some((solution, instance)) => Some((
            read_json::<SolutionState>(solution, "solution")?,
            read_json::<InstanceState>(instance, "instance")?,
        )),
        None => None,
    };
    Ok(Objects {
        targets,
        solution_and_instance,
    })
}

/// Parses `text`, read from `path`, as a `what`.
pub fn parse_json<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    what: &'static str,
) -> Result<T, InputError> {
    serde_json::from_str(text).map_err(|err| parse_error(&err, path, what))
}

/// The [`InputError::Parse`] for a `serde_json` error in `path`.
pub fn parse_error(err: &serde_json::Error, path: &Path, what: &'static str) -> InputError {
    let (line, column) = (err.line(), err.column());
    let text = err.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_string();
    InputError::Parse {
        what,
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Named {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn parse_errors_name_file_line_and_column_once() {
        let err =
            parse_json::<Named>("{\n  \"name\": 5\n}", Path::new("t.json"), "target").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("target `t.json:2:11` is not a valid target: invalid type"),
            "{text}"
        );
        assert!(!text.contains("at line"), "{text}");
    }

    #[test]
    fn a_missing_file_is_a_read_error_with_a_hint() {
        let err = read_json::<Named>(Path::new("/nonexistent/x.json"), "rule").unwrap_err();
        assert_eq!(err.to_string(), "cannot read rule `/nonexistent/x.json`");
        assert!(err.hint().is_some());
    }

    #[test]
    fn a_target_file_without_a_name_names_the_file_and_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.json");
        std::fs::write(&file, r#"{"spec": {}}"#).unwrap();
        let err = read_target(&file).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("target `{}` cannot be used", file.display())
        );
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert_eq!(cause, "the target has no `metadata.name`");
        assert!(err.hint().unwrap().contains("metadata.name"));
    }

    #[test]
    fn valid_json_parses() {
        let named: Named = parse_json(r#"{"name":"a"}"#, Path::new("x"), "x").unwrap();
        assert_eq!(named.name, "a");
    }
}
