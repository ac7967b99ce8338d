//! How a provider call ended, as one closed enum with stable short names.
//!
//! Owns the list of outcome names and their spelling; [`CallError::outcome`] maps each way a
//! call can fail to one of them, and transcripts, JSON and JUnit print [`Outcome::as_str`]
//! verbatim. Like nextest's `ExecutionResult::as_static_str`, the names are part of the
//! interface: the snapshot beside this file's tests lists them.

use serde::Serialize;

#[cfg(doc)]
use super::CallError;

/// How a provider call (or a provider's creation) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The call returned normally.
    Ok,
    /// The provider returned `Err(message)`.
    Error,
    /// The provider returned `Err("")`.
    ErrorWithoutMessage,
    /// No provider: `create_provider` returned NULL or the library failed to load.
    NullProvider,
    /// The provider panicked.
    Panic,
    /// The process aborted (SIGABRT) without a panic message.
    Abort,
    /// The process died of SIGSEGV or SIGBUS.
    Segfault,
    /// The process was killed by another signal.
    Signal,
    /// The call did not finish within its deadline.
    Timeout,
    /// The worker broke the harness protocol.
    Protocol,
    /// Symphony's Rust host shim would abort the whole process on this input.
    HostAbort,
    /// The provider's result cannot be read the way Go reads it.
    InvalidResult,
    /// The harness itself failed (it could not start its worker): nothing is known about the
    /// provider.
    Harness,
}

impl Outcome {
    /// Every outcome, in the order above.
    pub const ALL: [Outcome; 13] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::ErrorWithoutMessage,
        Outcome::NullProvider,
        Outcome::Panic,
        Outcome::Abort,
        Outcome::Segfault,
        Outcome::Signal,
        Outcome::Timeout,
        Outcome::Protocol,
        Outcome::HostAbort,
        Outcome::InvalidResult,
        Outcome::Harness,
    ];

    /// The outcome's stable short name (kebab-case), as printed everywhere.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::ErrorWithoutMessage => "error-without-message",
            Outcome::NullProvider => "null-provider",
            Outcome::Panic => "panic",
            Outcome::Abort => "abort",
            Outcome::Segfault => "segfault",
            Outcome::Signal => "signal",
            Outcome::Timeout => "timeout",
            Outcome::Protocol => "protocol",
            Outcome::HostAbort => "host-abort",
            Outcome::InvalidResult => "invalid-result",
            Outcome::Harness => "harness",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An outcome equals its short name.
impl PartialEq<&str> for Outcome {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An outcome equals its short name.
impl PartialEq<str> for Outcome {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_are_a_reviewed_list() {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        insta::assert_json_snapshot!(names);
    }

    #[test]
    fn outcome_names_are_unique_kebab_case_and_serialize_and_display_as_themselves() {
        let mut names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        for outcome in Outcome::ALL {
            let name = outcome.as_str();
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name}"
            );
            assert_eq!(outcome.to_string(), name);
            assert_eq!(serde_json::to_value(outcome).unwrap(), name);
            assert_eq!(outcome, name);
            assert!(outcome == *name, "{name}");
        }
        assert!(Outcome::Panic != "error" && Outcome::Panic != *"error");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Outcome::ALL.len());
    }
}
