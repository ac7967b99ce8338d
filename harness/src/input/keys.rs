//! Object keys as Go's `encoding/json` reads them, and the keys nobody reads.
//!
//! Symphony decodes every object it is given (Targets, Solutions, Instances, deployments, and
//! the validation rule a provider returns) with Go's `json.Unmarshal`, which matches a key to a
//! field "preferring an exact match but also accepting a case-insensitive match", and silently
//! drops a key that matches no field. The harness's models are `serde` types, which match
//! exactly. So the reader here does what Go does: a key that differs from a known key only in
//! case is read as that key (and noted), and a key nothing reads is reported with the closest
//! known key, because Symphony would drop it without a word.

use std::fmt;
use std::path::PathBuf;

/// Every key the harness's Symphony models read (camelCase, as Go's JSON tags).
pub const KNOWN_KEYS: &[&str] = &[
    // ObjectMeta
    "namespace",
    "name",
    "etag",
    "labels",
    "annotations",
    // Target, Solution, Instance objects
    "metadata",
    "spec",
    "status",
    // TargetSpec
    "displayName",
    "scope",
    "solutionversionScope",
    "solutionScope",
    "properties",
    "components",
    "constraints",
    "topologies",
    "forceRedeploy",
    "isDryRun",
    // TopologySpec, BindingSpec
    "device",
    "selector",
    "bindings",
    "role",
    "provider",
    "config",
    // SolutionSpec
    "version",
    "rootResource",
    // InstanceSpec, TargetSelector
    "parameters",
    "solutionversion",
    "solution",
    "target",
    "pipelines",
    "activeState",
    // ComponentSpec, SidecarSpec
    "type",
    "routes",
    "dependencies",
    "skills",
    "sidecars",
    // DeploymentSpec
    "solutionversionName",
    "solutionName",
    "instance",
    "targets",
    "devices",
    "assignments",
    "componentStartIndex",
    "componentEndIndex",
    "activeTarget",
    "generation",
    "jobID",
    "objectNamespace",
    "hash",
    "isInActive",
    // DeploymentStep, ComponentStep, ComponentResult
    "isFirst",
    "action",
    "component",
    "message",
    // ValidationRule, ComponentValidationRule, PropertyDesc
    "requiredType",
    "componentValidationRule",
    "sidecarValidationRule",
    "allowSidecar",
    "supportScopes",
    "instanceIsolation",
    "changeDetection",
    "changeDetectionMetadata",
    "requiredProperties",
    "optionalProperties",
    "requiredMetadata",
    "optionalMetadata",
    "ignoreCase",
    "skipIfMissing",
    "prefixMatch",
    "isComponentName",
    // DeploymentState (stored state)
    "targetComponent",
];

/// A key in an input file that the harness read differently from its spelling, or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNote {
    /// The file.
    pub file: PathBuf,
    /// Where the key is, e.g. `spec.components[0].Properties`.
    pub path: String,
    /// The key as written.
    pub key: String,
    /// What became of it.
    pub kind: KeyNoteKind,
}

/// What became of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyNoteKind {
    /// Read as this known key, which it matches ignoring case (as Go does).
    ReadAs(&'static str),
    /// Read by nothing: Symphony drops it silently. The closest known key, if one is close.
    Unknown(Option<&'static str>),
    /// Beside this known key, which it matches ignoring case: Go's decoder sets the field
    /// from whichever of the two comes last in the file; the harness read the known one.
    Duplicates(&'static str),
}

impl fmt::Display for KeyNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: ", self.file.display())?;
        match &self.kind {
            KeyNoteKind::ReadAs(known) => write!(
                f,
                "key `{}` is read as `{known}`: Go's JSON decoder matches keys ignoring case; \
                 write `{known}`",
                self.path
            ),
            KeyNoteKind::Unknown(Some(known)) => write!(
                f,
                "unknown key `{}`: Symphony ignores it; did you mean `{known}`?",
                self.path
            ),
            KeyNoteKind::Duplicates(known) => write!(
                f,
                "key `{}` and key `{known}` set the same field: Go's JSON decoder matches keys \
                 ignoring case and keeps the last of them in the file; the harness read \
                 `{known}`; keep one",
                self.path
            ),
            KeyNoteKind::Unknown(None) if is_known_elsewhere(&self.key) => write!(
                f,
                "unknown key `{}`: Symphony ignores it here (`{}` is a key of other Symphony \
                 objects, not of this one)",
                self.path, self.key
            ),
            KeyNoteKind::Unknown(None) => {
                write!(f, "unknown key `{}`: Symphony ignores it", self.path)
            }
        }
    }
}

/// The known key `key` matches ignoring case, as Go's decoder would take it.
pub fn case_insensitive_match(key: &str) -> Option<&'static str> {
    KNOWN_KEYS
        .iter()
        .copied()
        .find(|known| *known != key && known.eq_ignore_ascii_case(key))
}

/// Whether `key` (in any case) is a key some Symphony object reads: one that is unknown
/// where it was found is misplaced, not misspelt.
fn is_known_elsewhere(key: &str) -> bool {
    KNOWN_KEYS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(key))
}

/// The known key closest to `key`, if it is close enough to be a likely misspelling (never
/// `key` itself: a known key found where it is not read is misplaced, and suggesting it back
/// would say nothing).
pub fn closest_known(key: &str) -> Option<&'static str> {
    if is_known_elsewhere(key) {
        return None;
    }
    let lower = key.to_ascii_lowercase();
    KNOWN_KEYS
        .iter()
        .copied()
        .map(|known| {
            (
                strsim::damerau_levenshtein(&lower, &known.to_ascii_lowercase()),
                known,
            )
        })
        .filter(|(distance, known)| *distance <= 2.max(known.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_in_another_case_is_read_as_the_known_one() {
        assert_eq!(
            case_insensitive_match("changedetection"),
            Some("changeDetection")
        );
        assert_eq!(case_insensitive_match("Spec"), Some("spec"));
        assert_eq!(case_insensitive_match("spec"), None, "exact is not a note");
        assert_eq!(case_insensitive_match("changeDetections"), None);
    }

    #[test]
    fn misspellings_suggest_the_closest_key_and_nonsense_suggests_none() {
        assert_eq!(closest_known("changeDetections"), Some("changeDetection"));
        assert_eq!(closest_known("topology"), Some("topologies"));
        assert_eq!(closest_known("bindngs"), Some("bindings"));
        assert_eq!(closest_known("zzzzzzzz"), None);
    }

    #[test]
    fn a_known_key_where_it_is_not_read_is_called_misplaced_not_suggested_back() {
        assert_eq!(closest_known("name"), None);
        assert_eq!(closest_known("Name"), None);
        let note = KeyNote {
            file: PathBuf::from("t.json"),
            path: "spec.name".into(),
            key: "name".into(),
            kind: KeyNoteKind::Unknown(closest_known("name")),
        };
        assert_eq!(
            note.to_string(),
            "`t.json`: unknown key `spec.name`: Symphony ignores it here (`name` is a key of \
             other Symphony objects, not of this one)"
        );
    }

    #[test]
    fn known_keys_are_listed_once() {
        let mut keys = KNOWN_KEYS.to_vec();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before);
    }
}
