//! How a check (or a cause) ended: [`Status`].

use serde::Serialize;

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
