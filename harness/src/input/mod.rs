//! Reading the JSON files users hand the harness: one reader, with `file:line:col` errors.
//!
//! Owns turning a path into a typed value: Symphony objects (Target, Solution, Instance),
//! deployments, validation rules, components, stored states, and later scenario files. Every
//! command reads its files here, so every parse error names the file, the line and the column,
//! and says what kind of document was expected. Symphony's own documents are read as Go's
//! decoder reads them ([`keys`]): keys in another case are taken, and keys nothing reads are
//! reported as [`KeyNote`]s instead of vanishing. Does not apply Symphony's defaults to the
//! objects it reads ([`crate::engine::objects`] does). [`target_edit`] edits a Target file in
//! place, keeping every byte it does not change.

pub mod keys;
pub mod target_edit;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use keys::{KeyNote, KeyNoteKind};

use crate::engine::objects::{
    stored_instance, stored_solution, stored_target, ObjectError, Objects,
};
use crate::model::{DeploymentSpec, InstanceState, SolutionState, TargetState};

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
    /// The file starts with a UTF-8 byte order mark, which Go's JSON decoder refuses.
    #[error(
        "{what} `{}:1:1` starts with a UTF-8 byte order mark (BOM): Go's JSON decoder, which \
         Symphony reads it with, refuses it (`invalid character 'ï' looking for beginning of \
         value`)",
        path.display()
    )]
    ByteOrderMark {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
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
            InputError::ByteOrderMark { path, .. } => Some(format!(
                "save it as UTF-8 without a BOM, e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' {}`",
                path.display()
            )),
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

/// Reads a Target file as Symphony's API stores it (named; namespace `default` unless
/// given), as Go decodes it.
pub fn read_target(path: &Path) -> Result<Checked<TargetState>, InputError> {
    let Checked { value, notes } = read_symphony(path, "target")?;
    let value = stored_target(value).map_err(|source| object_error("target", path, source))?;
    Ok(Checked { value, notes })
}

/// Reads the objects of one reconcile: Target files, and optionally a Solution (or
/// SolutionVersion) file with the Instance file that names it.
pub fn read_objects(
    targets: &[PathBuf],
    solution_and_instance: Option<(&Path, &Path)>,
) -> Result<Checked<Objects>, InputError> {
    let mut notes = Vec::new();
    let mut objects = Objects::default();
    for path in targets {
        let target = read_target(path)?;
        notes.extend(target.notes);
        objects.targets.push(target.value);
    }
    if let Some((solution_path, instance_path)) = solution_and_instance {
        let solution = read_symphony::<SolutionState>(solution_path, "solution")?;
        let instance = read_symphony::<InstanceState>(instance_path, "instance")?;
        notes.extend(solution.notes);
        notes.extend(instance.notes);
        objects.solution_and_instance = Some((
            stored_solution(solution.value)
                .map_err(|source| object_error("solution", solution_path, source))?,
            stored_instance(instance.value)
                .map_err(|source| object_error("instance", instance_path, source))?,
        ));
    }
    Ok(Checked {
        value: objects,
        notes,
    })
}

fn object_error(what: &'static str, path: &Path, source: ObjectError) -> InputError {
    InputError::Object {
        what,
        path: path.to_path_buf(),
        source: Box::new(source),
    }
}

/// Reads a deployment as Symphony sends it to providers (0.48 or 0.49 names). A Target,
/// Solution or Instance object is refused: it would read as an empty deployment.
pub fn read_deployment(path: &Path) -> Result<Checked<DeploymentSpec>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        what: "deployment",
        path: path.to_path_buf(),
        source,
    })?;
    let checked: Checked<DeploymentSpec> = parse_symphony(&text, path, "deployment")?;
    let at_root = |key: &str| {
        checked
            .notes
            .iter()
            .any(|note| note.path == key && matches!(note.kind, KeyNoteKind::Unknown(_)))
    };
    if at_root("spec") && at_root("metadata") {
        let tree: Value = parse_json(&text, path, "deployment")?;
        let spec = &tree["spec"];
        let found = if spec.get("topologies").is_some() || spec.get("bindings").is_some() {
            "target"
        } else if ["solution", "solutionversion", "target"]
            .iter()
            .any(|key| spec.get(key).is_some())
        {
            "instance"
        } else {
            "solution"
        };
        return Err(InputError::Object {
            what: "deployment",
            path: path.to_path_buf(),
            source: Box::new(ObjectError::NotADeployment { found }),
        });
    }
    Ok(checked)
}

/// Parses `text`, read from `path`, as a `what`.
pub fn parse_json<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    what: &'static str,
) -> Result<T, InputError> {
    refuse_bom(text, path, what)?;
    serde_json::from_str(text).map_err(|err| parse_error(&err, path, what))
}

/// Refuses `text` if it starts with a UTF-8 byte order mark, as Go's decoder does (serde's
/// own message, "expected value" at 1:1, would not say why).
fn refuse_bom(text: &str, path: &Path, what: &'static str) -> Result<(), InputError> {
    if text.starts_with('\u{feff}') {
        return Err(InputError::ByteOrderMark {
            what,
            path: path.to_path_buf(),
        });
    }
    Ok(())
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

/// A document read the way Go reads it, with what happened to keys it did not know.
#[derive(Debug, Clone)]
pub struct Checked<T> {
    /// The document.
    pub value: T,
    /// Keys read under another spelling, and keys nothing read.
    pub notes: Vec<KeyNote>,
}

/// Reads `path` as a Symphony `what` the way Go's `json.Unmarshal` does: keys matching a
/// known key ignoring case are taken as that key, and keys nothing reads are returned as
/// notes (Symphony drops them silently).
pub fn read_symphony<T: DeserializeOwned>(
    path: &Path,
    what: &'static str,
) -> Result<Checked<T>, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    parse_symphony(&text, path, what)
}

/// [`read_symphony`] of `text`, read from `path`.
pub fn parse_symphony<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    what: &'static str,
) -> Result<Checked<T>, InputError> {
    refuse_bom(text, path, what)?;
    let (value, ignored) =
        deserialize_noting_ignored::<T, _>(&mut serde_json::Deserializer::from_str(text), |err| {
            parse_error(err, path, what)
        })?;
    if ignored.is_empty() {
        return Ok(Checked {
            value,
            notes: Vec::new(),
        });
    }
    // Go takes a key in another case as the known key: rename those, then read again.
    let mut tree: Value = parse_json(text, path, what)?;
    let mut notes = Vec::new();
    let mut duplicates = Vec::new();
    for segments in &ignored {
        if let Some((Segment::Key(key), parent)) = segments.split_last() {
            if let Some(known) = keys::case_insensitive_match(key) {
                let kind = match rename_key(&mut tree, parent, key, known) {
                    Renamed::Yes => KeyNoteKind::ReadAs(known),
                    Renamed::KnownKeyThere => {
                        duplicates.push(segments.clone());
                        KeyNoteKind::Duplicates(known)
                    }
                    Renamed::No => continue,
                };
                notes.push(KeyNote {
                    file: path.to_path_buf(),
                    path: display_path(segments),
                    key: key.clone(),
                    kind,
                });
            }
        }
    }
    let renamed = notes.len() > duplicates.len();
    let (value, still_ignored) = if renamed {
        deserialize_noting_ignored::<T, _>(tree, |err| parse_error(err, path, what))?
    } else {
        (value, ignored)
    };
    for segments in still_ignored {
        if duplicates.contains(&segments) {
            continue;
        }
        let key = match segments.last() {
            Some(Segment::Key(key)) => key.clone(),
            _ => continue,
        };
        notes.push(KeyNote {
            file: path.to_path_buf(),
            path: display_path(&segments),
            kind: KeyNoteKind::Unknown(keys::closest_known(&key)),
            key,
        });
    }
    Ok(Checked { value, notes })
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Deserializes a `T`, collecting the path of every key nothing read.
fn deserialize_noting_ignored<'de, T, D>(
    deserializer: D,
    error: impl FnOnce(&serde_json::Error) -> InputError,
) -> Result<(T, Vec<Vec<Segment>>), InputError>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    let mut ignored = Vec::new();
    let value = serde_ignored::deserialize(deserializer, |path| {
        ignored.push(segments(&path));
    })
    .map_err(|err| error(&err))?;
    Ok((value, ignored))
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Segment> {
    let mut out = match path {
        serde_ignored::Path::Root => return Vec::new(),
        serde_ignored::Path::Seq { parent, .. }
        | serde_ignored::Path::Map { parent, .. }
        | serde_ignored::Path::Some { parent }
        | serde_ignored::Path::NewtypeStruct { parent }
        | serde_ignored::Path::NewtypeVariant { parent } => segments(parent),
    };
    match path {
        serde_ignored::Path::Seq { index, .. } => out.push(Segment::Index(*index)),
        serde_ignored::Path::Map { key, .. } => out.push(Segment::Key(key.clone())),
        _ => {}
    }
    out
}

/// `spec.components[0].Properties`.
fn display_path(segments: &[Segment]) -> String {
    let mut text = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// Renames `key` to `known` in the object at `parent`, unless `known` is already there.
/// What [`rename_key`] did.
enum Renamed {
    /// The key now has the known key's spelling.
    Yes,
    /// The object also holds the known key itself: both set the same field in Go.
    KnownKeyThere,
    /// The key is not where the path says.
    No,
}

fn rename_key(tree: &mut Value, parent: &[Segment], key: &str, known: &str) -> Renamed {
    let mut node = tree;
    for segment in parent {
        node = match (segment, node) {
            (Segment::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(next) => next,
                None => return Renamed::No,
            },
            (Segment::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(next) => next,
                None => return Renamed::No,
            },
            _ => return Renamed::No,
        };
    }
    let Value::Object(map) = node else {
        return Renamed::No;
    };
    if map.contains_key(known) {
        return Renamed::KnownKeyThere;
    }
    match map.remove(key) {
        Some(value) => {
            map.insert(known.to_string(), value);
            Renamed::Yes
        }
        None => Renamed::No,
    }
}

impl crate::errors::Explain for InputError {
    fn hint(&self) -> Option<String> {
        InputError::hint(self)
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
    fn a_byte_order_mark_is_refused_as_go_refuses_it_saying_how_to_drop_it() {
        let text = "\u{feff}{\"name\": \"a\"}";
        for err in [
            parse_json::<Named>(text, Path::new("t.json"), "target").unwrap_err(),
            parse_symphony::<Named>(text, Path::new("t.json"), "target")
                .map(|checked| checked.value)
                .unwrap_err(),
        ] {
            let message = err.to_string();
            assert!(
                message.starts_with("target `t.json:1:1` starts with a UTF-8 byte order mark"),
                "{message}"
            );
            assert!(message.contains("invalid character 'ï'"), "{message}");
            let hint = err.hint().unwrap_or_default();
            assert!(
                hint.contains(r"sed -i '1s/^\xEF\xBB\xBF//' t.json"),
                "{hint}"
            );
        }
        // A BOM anywhere else is a character like any other, to JSON's own rules.
        assert!(parse_json::<Named>("{\"name\": \"\u{feff}a\"}", Path::new("t"), "t").is_ok());
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
    fn a_key_in_another_case_is_read_as_go_reads_it_and_noted() {
        let text = r#"{"componentValidationRule": {"changedetection": [{"name": "image"}]}}"#;
        let checked: Checked<crate::model::ValidationRule> =
            parse_symphony(text, Path::new("rule.json"), "validation rule").unwrap();
        let rule = &checked.value.component_validation_rule;
        assert_eq!(rule.change_detection.len(), 1, "read as changeDetection");
        assert_eq!(
            checked.notes,
            [KeyNote {
                file: "rule.json".into(),
                path: "componentValidationRule.changedetection".into(),
                key: "changedetection".into(),
                kind: KeyNoteKind::ReadAs("changeDetection"),
            }]
        );
        assert!(checked.notes[0]
            .to_string()
            .contains("write `changeDetection`"));
    }

    #[test]
    fn a_key_beside_the_known_key_of_its_case_is_a_duplicate_not_an_unknown_key() {
        #[derive(serde::Deserialize, Debug)]
        struct Spec {
            name: String,
        }
        let checked: Checked<Spec> = parse_symphony(
            r#"{"name": "a", "Name": "b", "spec": 1}"#,
            Path::new("c.json"),
            "component",
        )
        .unwrap();
        assert_eq!(checked.value.name, "a");
        let notes: Vec<String> = checked.notes.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "`c.json`: key `Name` and key `name` set the same field: Go's JSON decoder \
                 matches keys ignoring case and keeps the last of them in the file; the harness \
                 read `name`; keep one",
                "`c.json`: unknown key `spec`: Symphony ignores it here (`spec` is a key of \
                 other Symphony objects, not of this one)",
            ]
        );
    }

    #[test]
    fn an_unknown_key_is_noted_with_the_closest_known_one() {
        let text = r#"{"metadata": {"name": "t"}, "spec": {"topologys": [], "componentz": []}}"#;
        let checked: Checked<crate::model::TargetState> =
            parse_symphony(text, Path::new("t.json"), "target").unwrap();
        let notes: Vec<String> = checked.notes.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "`t.json`: unknown key `spec.topologys`: Symphony ignores it; did you mean `topologies`?",
                "`t.json`: unknown key `spec.componentz`: Symphony ignores it; did you mean `components`?",
            ]
        );
    }

    #[test]
    fn keys_inside_property_maps_are_data_not_notes() {
        let text = r#"{"metadata": {"name": "t"}, "spec": {"components": [
            {"name": "a", "properties": {"Anything": 1, "changedetection": 2}}]}}"#;
        let checked: Checked<crate::model::TargetState> =
            parse_symphony(text, Path::new("t.json"), "target").unwrap();
        assert!(checked.notes.is_empty(), "{:?}", checked.notes);
    }

    #[test]
    fn the_bundled_targets_and_the_wire_deployment_have_no_unknown_keys() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for target in ["mock-target.json", "my-target.json"] {
            let path = root.join("../scenarios/targets").join(target);
            let checked: Checked<crate::model::TargetState> =
                read_symphony(&path, "target").unwrap();
            assert!(checked.notes.is_empty(), "{target}: {:?}", checked.notes);
        }
        let path = root.join("tests/data/wire-0.49/deployment.json");
        let checked: Checked<crate::model::DeploymentSpec> =
            read_symphony(&path, "deployment").unwrap();
        assert!(checked.notes.is_empty(), "{:?}", checked.notes);
    }

    #[test]
    fn a_target_given_as_a_deployment_is_refused_with_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let target = root.join("../scenarios/targets/mock-target.json");
        let err = read_deployment(&target).unwrap_err();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            cause.starts_with("this is a Symphony target object"),
            "{cause}"
        );
        assert!(err.hint().unwrap().contains("reconcile --target"));
        let instance = dir.path().join("i.json");
        std::fs::write(
            &instance,
            r#"{"metadata": {"name": "i"}, "spec": {"solution": "s:v1", "target": {"name": "t"}}}"#,
        )
        .unwrap();
        let err = read_deployment(&instance).unwrap_err();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(
            cause.starts_with("this is a Symphony instance object"),
            "{cause}"
        );
        let wire = root.join("tests/data/wire-0.49/deployment.json");
        assert!(read_deployment(&wire).is_ok());
    }

    #[test]
    fn valid_json_parses() {
        let named: Named = parse_json(r#"{"name":"a"}"#, Path::new("x"), "x").unwrap();
        assert_eq!(named.name, "a");
    }
}
