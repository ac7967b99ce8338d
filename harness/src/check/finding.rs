//! What a check found: a [`Status`] and a [`Finding`] with its evidence, the texts its
//! evidence calls for ([`Advice`]) and the fact that decided it, if one did ([`Cause`]).

use super::cause::Cause;
pub use super::status::Status;
use crate::scenario::Scenario;

/// What Symphony's users would see, and how to fix it, for a failure or warning: the texts of
/// the check's row (written for the check's own failure), or texts the finding's evidence
/// chose because it failed another way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Advice {
    /// The row's texts: the finding is the failure the check is about.
    #[default]
    Row,
    /// Texts of the finding's own (boxed: a finding is the error of the checks' `Result`s,
    /// kept small).
    Own(Box<OwnAdvice>),
}

/// A finding's own texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnAdvice {
    /// What Symphony's users would see.
    pub symptom: String,
    /// How to fix the provider.
    pub fix: String,
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
    /// What Symphony's users would see and the fix, for a failure or a warning.
    pub advice: Advice,
    /// The fact that decided it: with [`Status::Skip`] the check was not judged because of
    /// it; with another status the check's own question found it. Its texts are the cause's.
    /// (Boxed: a finding is the error of the checks' `Result`s, kept small.)
    pub cause: Option<Box<Cause>>,
    /// Lines worth reading whatever the status (a pairing that runs, but with a catch).
    pub notes: Vec<String>,
}

impl Finding {
    /// A finding of `status` with `message` and nothing else.
    pub fn new(status: Status, message: impl Into<String>) -> Finding {
        Finding {
            status,
            message: message.into(),
            evidence: Vec::new(),
            scenario: None,
            advice: Advice::Row,
            cause: None,
            notes: Vec::new(),
        }
    }

    /// Not judged: `cause` decided it (a skip whose line names the cause).
    pub fn not_judged(cause: Cause) -> Finding {
        Finding::skip(cause.not_judged()).with_cause(cause)
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

    /// Decided by `cause` (with a status other than skip: the check's own question found it).
    pub fn with_cause(mut self, cause: Cause) -> Finding {
        self.cause = Some(Box::new(cause));
        self
    }

    /// With what Symphony's users see and the fix, as this finding's evidence shows them.
    pub fn with_advice(mut self, symptom: impl Into<String>, fix: impl Into<String>) -> Finding {
        self.advice = Advice::Own(Box::new(OwnAdvice {
            symptom: symptom.into(),
            fix: fix.into(),
        }));
        self
    }

    /// With this note.
    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    /// With the scenario that showed it.
    pub fn with_scenario(mut self, scenario: Scenario) -> Finding {
        self.scenario = Some(Box::new(scenario));
        self
    }
}
