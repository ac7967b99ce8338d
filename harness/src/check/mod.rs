//! The conformance suite: everything about a provider library that would go wrong in
//! Symphony, learnt before deploying it, with no Target file to write.
//!
//! A check is data ([`CheckInfo`]: a stable id, its area, a title, what Symphony's users see
//! when it fails, how to fix it) and a function that judges one [`Subject`] (the library, its
//! binding config, the component type and properties to use). Most checks are small
//! scenarios played by the scenario runner, so their evidence is a transcript excerpt and a
//! failing one can be saved as a scenario file; the rest read the library's bytes or the
//! probe `load` makes.
//!
//! - [`catalog`]: every check's description, in the order they run.
//! - [`subject`]: what is checked, and the Targets and scenarios synthesized for it.
//! - [`run`]: running the suite: the probe first, then every check isolated (its own worker
//!   processes and device), `--only`/`--skip`.
//! - [`direct`]: calls made outside a reconcile, for what Symphony's loop cannot reach.
//! - `checks`: the check functions, by area.

pub mod catalog;
mod checks;
pub mod direct;
pub mod run;
pub mod subject;

use serde::Serialize;

pub use catalog::{CheckInfo, CATALOG};
pub use run::{run_checks, CheckOptions, SuiteReport};
pub use subject::Subject;

use crate::scenario::Scenario;

/// The area a check belongs to.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// What the library's bytes say (no code run).
    Build,
    /// Loading it as Symphony does.
    Load,
    /// Its validation rule.
    Rule,
    /// `get`.
    Get,
    /// `apply`.
    Apply,
    /// Deletes.
    Delete,
    /// Dry runs.
    DryRun,
    /// Errors and edge inputs.
    Errors,
    /// Provider instances and concurrency.
    Lifecycle,
    /// Values Go's `%v` renders differently from how they look.
    Rendering,
}

impl Area {
    /// Every area, in the order checks run and reports group them.
    pub const ALL: [Area; 10] = [
        Area::Build,
        Area::Load,
        Area::Rule,
        Area::Get,
        Area::Apply,
        Area::Delete,
        Area::DryRun,
        Area::Errors,
        Area::Lifecycle,
        Area::Rendering,
    ];

    /// The area's name, as ids start with it (`dry-run.no-change`).
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Build => "build",
            Area::Load => "load",
            Area::Rule => "rule",
            Area::Get => "get",
            Area::Apply => "apply",
            Area::Delete => "delete",
            Area::DryRun => "dry-run",
            Area::Errors => "errors",
            Area::Lifecycle => "lifecycle",
            Area::Rendering => "rendering",
        }
    }
}

/// How a check ended.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Nothing wrong found.
    Pass,
    /// Something Symphony's users would suffer from: see the check's symptom and fix.
    Warn,
    /// Symphony would go wrong with this library.
    Fail,
    /// Not run, with the reason.
    Skip,
}

impl Status {
    /// `pass`, `warn`, `fail`, `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Its status.
    pub status: Status,
    /// One line: what was found (for a pass, what was verified).
    pub message: String,
    /// The evidence: the minimal call sequence with inputs and outputs, a line each.
    pub evidence: Vec<String>,
    /// The scenario that showed it, when the check is one (`--save-failures` writes it).
    pub scenario: Option<Box<Scenario>>,
}

impl Finding {
    /// A finding of `status` with `message` and nothing else.
    pub fn new(status: Status, message: impl Into<String>) -> Finding {
        Finding {
            status,
            message: message.into(),
            evidence: Vec::new(),
            scenario: None,
        }
    }

    /// Passed, having verified `message`.
    pub fn pass(message: impl Into<String>) -> Finding {
        Finding::new(Status::Pass, message)
    }

    /// Failed: `message` says what Symphony would do wrong.
    pub fn fail(message: impl Into<String>) -> Finding {
        Finding::new(Status::Fail, message)
    }

    /// A warning.
    pub fn warn(message: impl Into<String>) -> Finding {
        Finding::new(Status::Warn, message)
    }

    /// Skipped, for `reason`.
    pub fn skip(reason: impl Into<String>) -> Finding {
        Finding::new(Status::Skip, reason)
    }

    /// With these evidence lines.
    pub fn with_evidence(mut self, evidence: Vec<String>) -> Finding {
        self.evidence = evidence;
        self
    }

    /// With the scenario that showed it.
    pub fn with_scenario(mut self, scenario: Scenario) -> Finding {
        self.scenario = Some(Box::new(scenario));
        self
    }
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// The check.
    pub info: &'static CheckInfo,
    /// What it found.
    pub finding: Finding,
    /// How long it ran.
    pub duration: std::time::Duration,
}
