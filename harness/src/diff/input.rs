//! The inputs a diff plays on both builds ([`Input`]), and what each showed
//! ([`InputDiff`]): its verdict on each build and its changes.

use std::path::PathBuf;

use serde::Serialize;

use super::change::{Change, Kind};

/// What kind of input.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// What the bytes say, and the probe (`inspect`, `load`): no scenario.
    Inspect,
    /// One check of the conformance suite.
    Check,
    /// A scenario file given with `--scenarios`.
    Scenario,
    /// A history drawn from the seed, as `explore` draws it.
    History,
}

impl InputKind {
    /// `inspect`, `check`, `scenario`, `history`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Inspect => "inspect",
            InputKind::Check => "check",
            InputKind::Scenario => "scenario",
            InputKind::History => "history",
        }
    }
}

/// One input played on both builds.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// What kind.
    pub kind: InputKind,
    /// Its name: the check id, the scenario's name, the history's number; `inspect`.
    pub name: String,
    /// The scenario file (a scenario given with `--scenarios`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Input {
    /// The facts of both libraries.
    pub fn inspect() -> Input {
        Input {
            kind: InputKind::Inspect,
            name: "inspect".to_string(),
            file: None,
        }
    }

    /// Check `id`.
    pub fn check(id: &str) -> Input {
        Input {
            kind: InputKind::Check,
            name: id.to_string(),
            file: None,
        }
    }

    /// The scenario `name`, read from `file`.
    pub fn scenario(name: &str, file: PathBuf) -> Input {
        Input {
            kind: InputKind::Scenario,
            name: name.to_string(),
            file: Some(file),
        }
    }

    /// History `number` of the seed.
    pub fn history(number: usize) -> Input {
        Input {
            kind: InputKind::History,
            name: number.to_string(),
            file: None,
        }
    }

    /// How reports name it: `check apply.converges`, `scenario drift-repaired`,
    /// `history 3`, `inspect`.
    pub fn label(&self) -> String {
        match self.kind {
            InputKind::Inspect => "inspect".to_string(),
            kind => format!("{} {}", kind.as_str(), self.name),
        }
    }
}

/// What one input showed on both builds.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InputDiff {
    /// The input.
    pub input: Input,
    /// Its verdict on the old build: a check's status; `passed`, `failed`, `stopped` or
    /// `not played` for a scenario or history; the inspect verdict.
    pub old: String,
    /// Its verdict on the new build.
    pub new: String,
    /// What it showed differently, in the order found.
    pub changes: Vec<Change>,
    /// Why it compares nothing: it could be played on neither build.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unplayed: Option<String>,
}

impl InputDiff {
    /// Whether it shows a regression.
    pub fn regressed(&self) -> bool {
        self.changes.iter().any(|c| c.kind == Kind::Regressed)
    }
}
