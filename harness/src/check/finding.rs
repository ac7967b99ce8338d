//! What a check found: a [`Status`] and a [`Finding`] with its evidence.

use serde::Serialize;

use crate::scenario::Scenario;

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
