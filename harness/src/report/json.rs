//! The JSON documents commands print: each names its schema first, and keeps one shape
//! whatever the input.
//!
//! Every `--format json` document is an object whose first field, `schema`, names the
//! document kind and its version (`symphony-harness/<command>/v1`). The JSON Schema of each
//! kind is a file in the repository (`docs/schemas/<command>.v1.json`, listed in [`SCHEMAS`]);
//! the tests validate real outputs against them. A field is added under the same version; a
//! field removed or changed in meaning gets a new version.

use serde::Serialize;

use crate::inspect::{Fingerprint, HostToolchain, Inspection, Verdict, VerdictLevel};

/// `inspect --format json`.
pub const INSPECT: &str = "symphony-harness/inspect/v1";
/// `load --format json`.
pub const LOAD: &str = "symphony-harness/load/v1";
/// `reconcile --format json`.
pub const RECONCILE: &str = "symphony-harness/reconcile/v1";
/// `plan` (always JSON).
pub const PLAN: &str = "symphony-harness/plan/v1";
/// `compare --format json`.
pub const COMPARE: &str = "symphony-harness/compare/v1";

/// `run --format json` and `replay --format json`.
pub const RUN: &str = "symphony-harness/run/v1";

/// `check --format json`.
pub const CHECK: &str = "symphony-harness/check/v1";

/// `explore --format json`.
pub const EXPLORE: &str = "symphony-harness/explore/v1";

/// `diff --format json`.
pub const DIFF: &str = "symphony-harness/diff/v1";

/// Any command's error under `--format json`.
pub const ERROR: &str = "symphony-harness/error/v1";

/// Every schema name with its file under `docs/schemas/`.
pub const SCHEMAS: [(&str, &str); 10] = [
    (INSPECT, "inspect.v1.json"),
    (LOAD, "load.v1.json"),
    (RECONCILE, "reconcile.v1.json"),
    (PLAN, "plan.v1.json"),
    (COMPARE, "compare.v1.json"),
    (RUN, "run.v1.json"),
    (CHECK, "check.v1.json"),
    (EXPLORE, "explore.v1.json"),
    (DIFF, "diff.v1.json"),
    (ERROR, "error.v1.json"),
];

/// A document: its schema name, then the fields of `body`.
#[derive(Serialize, Debug)]
pub struct Document<'a, T: Serialize> {
    /// The schema name, e.g. [`RECONCILE`].
    pub schema: &'static str,
    /// The document's own fields.
    #[serde(flatten)]
    pub body: &'a T,
}

impl<'a, T: Serialize> Document<'a, T> {
    /// `body` under `schema`.
    pub fn new(schema: &'static str, body: &'a T) -> Document<'a, T> {
        Document { schema, body }
    }
}

/// `value` as a command prints it: pretty JSON and a newline.
pub fn pretty(value: &impl Serialize) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// The `inspect` document: what was read and judged. A file that is not ELF at all has no
/// fingerprint and the verdict `not-a-provider`, with the parser's reason.
#[derive(Serialize, Debug)]
pub struct InspectDocument<'a> {
    /// The library as given.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: &'a str,
    /// What the bytes say; `null` when they are not ELF.
    pub fingerprint: Option<&'a Fingerprint>,
    /// The host toolchain judged against.
    pub host: HostToolchain,
    /// The verdict.
    pub verdict: Verdict,
}

impl<'a> InspectDocument<'a> {
    /// The document of a successful inspection.
    pub fn of(path: String, inspection: &'a Inspection) -> InspectDocument<'a> {
        InspectDocument {
            path,
            size: inspection.size,
            sha256: &inspection.sha256,
            fingerprint: Some(&inspection.fingerprint),
            host: inspection.host.clone(),
            verdict: inspection.verdict.clone(),
        }
    }

    /// The document of bytes that are not ELF: not a provider, for `reason`.
    pub fn not_elf(
        path: String,
        size: u64,
        sha256: &'a str,
        reason: String,
    ) -> InspectDocument<'a> {
        InspectDocument {
            path,
            size,
            sha256,
            fingerprint: None,
            host: HostToolchain::current(),
            verdict: Verdict {
                level: VerdictLevel::NotAProvider,
                reasons: vec![reason],
                notes: Vec::new(),
            },
        }
    }
}

/// An error as words: what went wrong, each cause in its own entry (outermost first), and
/// what to do about it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ErrorText {
    /// What went wrong.
    pub message: String,
    /// Why, cause by cause.
    pub causes: Vec<String>,
    /// What to do about it, with a runnable command where there is one.
    pub hint: Option<String>,
}

impl ErrorText {
    /// The text of an error with `message`, `causes` and `hint`. A message may carry its own
    /// hint after `\nhint: ` (as `anyhow::bail!` texts do): that one is the hint, as
    /// [`super::text::error`] prints it.
    pub fn new(message: &str, causes: Vec<String>, hint: Option<String>) -> ErrorText {
        let (message, hint) = match message.split_once("\nhint: ") {
            Some((message, inline)) => (message, Some(inline.to_string())),
            None => (message, hint),
        };
        ErrorText {
            message: message.to_string(),
            causes,
            hint,
        }
    }
}

/// The document of a command that failed under `--format json` (schema [`ERROR`]): the error
/// that stopped it and the exit code it gives. The same text is on stderr.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDocument {
    /// The subcommand (`run`), when the command line named one.
    pub command: Option<String>,
    /// The process exit code.
    pub exit_code: i32,
    /// That code's stable name (`usage`, `error`, `incompatible`, …: `docs/exit-codes.md`).
    pub kind: &'static str,
    /// The error.
    #[serde(flatten)]
    pub error: ErrorText,
    /// The errors this one sums up, each on its own (every scenario file that cannot be
    /// read); empty when it stands alone.
    pub errors: Vec<ErrorText>,
}

impl ErrorDocument {
    /// The document of `error`, which ends the command with `exit_code`.
    pub fn new(command: Option<String>, exit_code: i32, error: ErrorText) -> ErrorDocument {
        ErrorDocument {
            command,
            exit_code,
            kind: crate::exit_code::describe(exit_code).map_or("error", |entry| entry.name),
            error,
            errors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_document_names_its_code_and_takes_a_hint_from_its_message() {
        let text = ErrorText::new(
            "no check `x`\nhint: `check --list`",
            vec!["cause".into()],
            Some("ignored".into()),
        );
        assert_eq!(text.message, "no check `x`");
        assert_eq!(text.hint.as_deref(), Some("`check --list`"));
        let document = ErrorDocument::new(Some("check".into()), 2, text);
        let value = serde_json::to_value(Document::new(ERROR, &document)).unwrap();
        assert_eq!(value["schema"], ERROR);
        assert_eq!(value["kind"], "usage");
        assert_eq!(value["exitCode"], 2);
        assert_eq!(value["causes"], serde_json::json!(["cause"]));
        assert_eq!(value["errors"], serde_json::json!([]));
        let plain = ErrorText::new("disk full", Vec::new(), None);
        assert_eq!(plain.hint, None);
        assert_eq!(ErrorDocument::new(None, 77, plain).kind, "error");
    }

    #[test]
    fn the_schema_name_comes_first_and_the_fields_follow() {
        #[derive(Serialize)]
        struct Body {
            changed: bool,
        }
        let text = serde_json::to_string(&Document::new(COMPARE, &Body { changed: true })).unwrap();
        assert_eq!(
            text,
            r#"{"schema":"symphony-harness/compare/v1","changed":true}"#
        );
    }

    #[test]
    fn every_schema_has_a_file_in_the_repository() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schemas");
        for (name, file) in SCHEMAS {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|err| panic!("{file}: {err}"));
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                schema["properties"]["schema"]["const"], name,
                "{file} describes {name}"
            );
        }
    }
}
