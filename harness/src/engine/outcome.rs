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

/// What an outcome means for Symphony's own process, beyond the failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InSymphony {
    /// The call returned (successfully or with an error): Symphony goes on.
    Returns,
    /// The whole `symphony-api` process dies with the call, and every target with it.
    ProcessDies,
    /// Symphony sets no deadline on a provider call: the reconcile waits for it for ever.
    WaitsForever,
    /// Not a provider's doing (the harness failed): nothing is known about Symphony.
    Unknown,
}

impl Outcome {
    /// What the outcome means for Symphony's process.
    pub fn in_symphony(self) -> InSymphony {
        match self {
            Outcome::Panic
            | Outcome::Abort
            | Outcome::Segfault
            | Outcome::Signal
            | Outcome::HostAbort => InSymphony::ProcessDies,
            Outcome::Timeout => InSymphony::WaitsForever,
            Outcome::Harness => InSymphony::Unknown,
            Outcome::Ok
            | Outcome::Error
            | Outcome::ErrorWithoutMessage
            | Outcome::NullProvider
            | Outcome::Protocol
            | Outcome::InvalidResult => InSymphony::Returns,
        }
    }

    /// What the provider's author can do about a call that ended so: one hint per class.
    pub fn hint(self) -> &'static str {
        match self {
            Outcome::Ok => "nothing to do",
            Outcome::Error => {
                "Symphony only debug-logs the message and retries on the next poll; return `Err` \
                 only for failures a retry can mend"
            }
            Outcome::ErrorWithoutMessage => {
                "return `Err` with a message that says what failed: Symphony's users see only \
                 that the step failed"
            }
            Outcome::NullProvider => {
                "`create_provider` returned NULL: check the binding config it was given and what \
                 the provider printed; Symphony reports InitFailed and retries on every poll"
            }
            Outcome::Panic => {
                "a panic cannot be caught across the `.so` boundary: in Symphony it aborts the \
                 whole symphony-api process; return `Err` instead of panicking (no `unwrap` on \
                 device or input data)"
            }
            Outcome::Abort => {
                "the process aborted (a double panic, `abort()`, or a failed allocation): in \
                 Symphony the whole symphony-api process dies; run with `-vv` to see everything \
                 the provider printed"
            }
            Outcome::Segfault => {
                "memory corruption or an ABI mismatch: check `symphony-harness inspect` (rustc, \
                 symphony crate version, allocator) and any `unsafe` or C code in the provider"
            }
            Outcome::Signal => {
                "the provider's process was killed by a signal (its own `kill`, or the OOM \
                 killer): in Symphony the whole symphony-api process dies"
            }
            Outcome::Timeout => {
                "the call passed `--call-timeout`; Symphony sets no deadline, so its reconcile \
                 would wait for ever: give every network or device operation a timeout of its own"
            }
            Outcome::Protocol => {
                "the worker broke the harness protocol (e.g. the provider closed or wrote to the \
                 harness's pipe); run with `-vv`, and report it if the provider did nothing odd"
            }
            Outcome::HostAbort => {
                "Symphony's Rust host shim cannot parse this input and aborts the whole process: \
                 see the finding above for the field it chokes on"
            }
            Outcome::InvalidResult => {
                "what the provider returned cannot be read as Go reads it: return the `symphony` \
                 crate's own types, unchanged"
            }
            Outcome::Harness => {
                "the harness itself failed, not the provider: check the message (can it start \
                 its worker process?)"
            }
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
    fn every_outcome_has_its_own_hint_and_crashes_kill_symphony() {
        let mut hints: Vec<&str> = Outcome::ALL.iter().map(|o| o.hint()).collect();
        hints.sort_unstable();
        hints.dedup();
        assert_eq!(hints.len(), Outcome::ALL.len(), "one hint per class");
        assert!(!Outcome::Segfault.hint().contains("zero rule"));
        assert!(Outcome::Segfault.hint().contains("inspect"));
        for dies in [
            Outcome::Panic,
            Outcome::Abort,
            Outcome::Segfault,
            Outcome::Signal,
            Outcome::HostAbort,
        ] {
            assert_eq!(dies.in_symphony(), InSymphony::ProcessDies, "{dies}");
        }
        assert_eq!(Outcome::Timeout.in_symphony(), InSymphony::WaitsForever);
        assert_eq!(Outcome::Error.in_symphony(), InSymphony::Returns);
        assert_eq!(Outcome::Harness.in_symphony(), InSymphony::Unknown);
    }

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
