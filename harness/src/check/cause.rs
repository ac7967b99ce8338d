//! Causes: one fact about a provider that decides several checks at once (no provider, a
//! panic across the boundary, a call that never returns, a `get` that does not read the
//! device). A check that meets one says so in its finding ([`super::Finding::cause`]); the
//! suite gathers them ([`CauseEntry`]), so a report states each fact once, first, with what
//! Symphony does about it, and each check it decided says only that it was not judged.
//!
//! Why: a provider whose `apply` panics fails every check that deploys something, and each
//! check's own "in Symphony" and "fix" texts (written for its own question) would then be
//! false. The fact and its consequence in Symphony are the same whatever check met it.

use serde::Serialize;

use super::status::Status;
use crate::engine::events::CallKind;
use crate::engine::{InSymphony, Outcome};

/// A provider call, as Symphony's host names it.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Call {
    /// `create_provider`.
    #[serde(rename = "create_provider")]
    CreateProvider,
    /// `get`.
    #[serde(rename = "get")]
    Get,
    /// `apply`.
    #[serde(rename = "apply")]
    Apply,
    /// `get_validation_rule`.
    #[serde(rename = "get_validation_rule")]
    GetValidationRule,
}

impl Call {
    /// The call's name (`apply`).
    pub fn name(self) -> &'static str {
        match self {
            Call::CreateProvider => "create_provider",
            Call::Get => "get",
            Call::Apply => "apply",
            Call::GetValidationRule => "get_validation_rule",
        }
    }
}

impl From<CallKind> for Call {
    fn from(kind: CallKind) -> Call {
        match kind {
            CallKind::Create => Call::CreateProvider,
            CallKind::Get => Call::Get,
            CallKind::GetValidationRule => Call::GetValidationRule,
            CallKind::Apply { .. } => Call::Apply,
        }
    }
}

/// Why Symphony gets no provider from a library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoProvider {
    /// It exports no `create_provider` (or is no shared object).
    NotAProvider,
    /// It has the old ABI of `symphony` 0.1.1 to 0.1.3 (it exports `init_provider`).
    OldAbi,
    /// It cannot be loaded here (another architecture, …).
    Incompatible,
    /// `create_provider` returned NULL, or the hash check or `dlopen` failed.
    Refused,
}

/// What kind of fact a cause is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CauseKind {
    /// Symphony cannot create the provider, and why.
    NoProvider(NoProvider),
    /// A call on an ordinary input ended so (a panic, a timeout, an error, …).
    Call {
        /// The call.
        call: Call,
        /// How it ended (never `ok`).
        outcome: Outcome,
    },
    /// `get` reported components it was asked about before anything was applied: it reports
    /// what it is asked, not what the device holds.
    GetReportsUnapplied,
    /// `get` did not report components `apply` had just deployed, on a new provider as
    /// Symphony makes one for every call.
    GetMissesApplied,
}

impl CauseKind {
    /// The cause's stable id (`apply-panic`, `no-provider`).
    pub fn id(self) -> String {
        match self {
            CauseKind::NoProvider(_) => "no-provider".to_string(),
            CauseKind::Call { call, outcome } => {
                format!("{}-{}", call.name().replace('_', "-"), outcome.as_str())
            }
            CauseKind::GetReportsUnapplied => "get-reports-unapplied".to_string(),
            CauseKind::GetMissesApplied => "get-misses-applied".to_string(),
        }
    }

    /// How much it weighs: a warning for a `get` that reports what it is asked (Symphony
    /// still deploys, it only never repairs), a failure for everything else.
    pub fn status(self) -> Status {
        match self {
            CauseKind::GetReportsUnapplied => Status::Warn,
            _ => Status::Fail,
        }
    }

    /// The fact in a few words, for the line of each check it decided (`` `apply` panics ``).
    pub fn summary(self) -> String {
        match self {
            CauseKind::NoProvider(NoProvider::NotAProvider) => {
                "the library is not a provider".to_string()
            }
            CauseKind::NoProvider(NoProvider::OldAbi) => {
                "the library has the old provider ABI".to_string()
            }
            CauseKind::NoProvider(_) => "Symphony gets no provider".to_string(),
            CauseKind::Call { call, outcome } => {
                let call = call.name();
                match outcome {
                    Outcome::Panic => format!("`{call}` panics"),
                    Outcome::Abort => format!("`{call}` aborts the process"),
                    Outcome::Segfault => format!("`{call}` crashes the process (segfault)"),
                    Outcome::Signal => format!("`{call}` gets its process killed"),
                    Outcome::Timeout => format!("`{call}` does not return"),
                    Outcome::HostAbort => format!("Symphony's host aborts on `{call}`'s input"),
                    Outcome::NullProvider => "Symphony gets no provider".to_string(),
                    other => format!("`{call}` fails (`{}`)", other.as_str()),
                }
            }
            CauseKind::GetReportsUnapplied => {
                "`get` reports components that were never applied".to_string()
            }
            CauseKind::GetMissesApplied => {
                "`get` does not report what `apply` deployed".to_string()
            }
        }
    }

    /// What Symphony does about it.
    pub fn in_symphony(self) -> String {
        match self {
            CauseKind::NoProvider(NoProvider::NotAProvider) => {
                format!(
                    "Symphony's host finds no `create_provider` to call, so Symphony {NO_PROVIDER}"
                )
            }
            CauseKind::NoProvider(NoProvider::OldAbi) => {
                "Symphony's host (`symphony` 0.1.4/0.1.5) calls the old ABI's `create_provider` \
                 with an argument it does not take, then the trait one slot off \
                 (`get_validation_rule` lands in `init`): undefined behaviour, seen as a crash \
                 (SIGSEGV) of the whole symphony-api process"
                    .to_string()
            }
            CauseKind::NoProvider(_)
            | CauseKind::Call {
                outcome: Outcome::NullProvider,
                ..
            } => format!("Symphony {NO_PROVIDER}"),
            CauseKind::Call { call, outcome } => call_in_symphony(call, outcome),
            CauseKind::GetReportsUnapplied => {
                "Symphony deploys once (it has no previous state), then finds every component \
                 deployed and unchanged: a workload that is missing or changed on the device is \
                 never redeployed; a removal or dry run cannot be told apart from a real one"
                    .to_string()
            }
            CauseKind::GetMissesApplied => {
                "Symphony creates a new provider for every call, finds the components missing on \
                 every reconcile and applies them again on every poll (15 to 30 s), forever; a \
                 removal cannot be confirmed"
                    .to_string()
            }
        }
    }

    /// How to fix the provider.
    pub fn fix(self) -> String {
        match self {
            CauseKind::NoProvider(NoProvider::NotAProvider) => {
                "build the provider crate as a `cdylib` that exports `#[no_mangle] pub extern \"C\" \
                 fn create_provider(config_json: *const c_char) -> *mut ProviderWrapper`"
                    .to_string()
            }
            CauseKind::NoProvider(NoProvider::OldAbi) => {
                "rebuild against `symphony` 0.1.4 (Symphony 0.48) or 0.1.5 (Symphony 0.49) and \
                 export `create_provider(config_json)` as the crate's template does"
                    .to_string()
            }
            CauseKind::NoProvider(NoProvider::Incompatible) => {
                "build it for the machine Symphony runs on (`symphony-harness inspect` says what \
                 the bytes are)"
                    .to_string()
            }
            CauseKind::NoProvider(NoProvider::Refused) => {
                "return a provider for every config the binding passes (report bad config \
                 through `get`/`apply` errors), and pin the library's own hash"
                    .to_string()
            }
            CauseKind::Call { call, outcome } => call_fix(call, outcome),
            CauseKind::GetReportsUnapplied => {
                "read the device in `get` and report only the referenced components found there, \
                 as they are deployed"
                    .to_string()
            }
            CauseKind::GetMissesApplied => {
                "keep what `apply` deployed where a new provider's `get` finds it (on the device, \
                 or in a file), not in the provider value"
                    .to_string()
            }
        }
    }
}

/// What Symphony does with a binding it can create no provider for: the solution manager's
/// `Get` creates the provider of each step before its `get` and returns the error
/// (`managers/solution/solution-manager.go`, `CreateProviderForTargetRole`), so the whole
/// reconcile fails there, for every target of the deployment.
const NO_PROVIDER: &str = "creates no provider for this binding (InitFailed), so every \
                           reconcile of a deployment with one of its steps fails in the get \
                           phase, before anything is applied to any of the deployment's \
                           targets, again on every poll: nothing is ever deployed";

/// What Symphony does when `call` ends with `outcome`.
fn call_in_symphony(call: Call, outcome: Outcome) -> String {
    let name = call.name();
    match (outcome.in_symphony(), outcome) {
        (InSymphony::ProcessDies, Outcome::Panic) => format!(
            "a panic cannot unwind through the host's `extern \"C\"` functions: the whole \
             symphony-api process aborts, every target with it, and the next reconcile after \
             its restart calls `{name}` again"
        ),
        (InSymphony::ProcessDies, Outcome::HostAbort) => {
            "Symphony's host shim cannot parse the input and aborts the whole symphony-api \
             process, every target with it"
                .to_string()
        }
        (InSymphony::ProcessDies, _) => format!(
            "the whole symphony-api process dies with `{name}`, every target with it, and dies \
             again at the next reconcile after its restart"
        ),
        (InSymphony::WaitsForever, _) => format!(
            "Symphony sets no deadline on `{name}`: the reconcile waits for ever, the instance \
             stays Reconciling and its lock is held"
        ),
        _ => match call {
            Call::Get => "every reconcile fails in the get phase (Symphony logs only \"failed to \
                          marshal reference\"), before any `apply`: nothing is ever deployed"
                .to_string(),
            Call::Apply => "every reconcile fails at this step (Symphony logs only \"failed to \
                            apply deployment ste\"), saves no state and retries on the next \
                            poll: the components never deploy"
                .to_string(),
            Call::GetValidationRule => {
                "Symphony silently uses the zero rule: nothing is ever found changed".to_string()
            }
            Call::CreateProvider => format!("Symphony {NO_PROVIDER}"),
        },
    }
}

/// How to fix a provider whose `call` ends with `outcome`.
fn call_fix(call: Call, outcome: Outcome) -> String {
    let name = call.name();
    match outcome {
        Outcome::Panic => format!(
            "return `Err` instead of panicking in `{name}`: no `unwrap`, `expect` or indexing on \
             input or device data"
        ),
        Outcome::Timeout => format!(
            "give every network or device operation in `{name}` a timeout of its own and \
             return `Err` when it passes"
        ),
        Outcome::ErrorWithoutMessage => format!(
            "return `Err` from `{name}` only for what fails, with a message that names the \
             component and the cause (an empty one leaves nobody a clue), and make it succeed \
             for ordinary components"
        ),
        Outcome::Error => format!(
            "make `{name}` succeed for ordinary components: give the provider the binding config \
             it needs (`--config KEY=VALUE`) and components it accepts (`--component-type`, \
             `--properties`); its message says what it refused"
        ),
        other => other.hint().to_string(),
    }
}

/// A fact met by a check: its kind and what was seen, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The kind of fact.
    pub kind: CauseKind,
    /// What was seen, first instance: `` `apply` of `a` ended `panic`: … ``.
    pub seen: String,
    /// How to fix it, when what was seen says more than the kind ([`CauseKind::fix`]).
    pub fix: Option<String>,
}

impl Cause {
    /// A cause of `kind`, seen as `seen`.
    pub fn new(kind: CauseKind, seen: impl Into<String>) -> Cause {
        Cause {
            kind,
            seen: seen.into(),
            fix: None,
        }
    }

    /// `call` ended with `outcome` on an ordinary input, seen as `seen`; a NULL provider is
    /// [`CauseKind::NoProvider`].
    pub fn call(call: Call, outcome: Outcome, seen: impl Into<String>) -> Cause {
        let kind = if outcome == Outcome::NullProvider {
            CauseKind::NoProvider(NoProvider::Refused)
        } else {
            CauseKind::Call { call, outcome }
        };
        Cause::new(kind, seen)
    }

    /// With this fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Cause {
        self.fix = Some(fix.into());
        self
    }

    /// Its id.
    pub fn id(&self) -> String {
        self.kind.id()
    }

    /// How to fix it.
    pub fn fix(&self) -> String {
        self.fix.clone().unwrap_or_else(|| self.kind.fix())
    }

    /// The one line of a check it decided: `not judged: `apply` panics (cause `apply-panic`)`.
    pub fn not_judged(&self) -> String {
        format!(
            "not judged: {} (cause `{}`)",
            self.kind.summary(),
            self.id()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_the_call_and_the_outcome() {
        let rows = [
            (
                CauseKind::Call {
                    call: Call::Apply,
                    outcome: Outcome::Panic,
                },
                "apply-panic",
            ),
            (
                CauseKind::Call {
                    call: Call::GetValidationRule,
                    outcome: Outcome::Timeout,
                },
                "get-validation-rule-timeout",
            ),
            (CauseKind::NoProvider(NoProvider::Refused), "no-provider"),
            (CauseKind::GetReportsUnapplied, "get-reports-unapplied"),
            (CauseKind::GetMissesApplied, "get-misses-applied"),
        ];
        for (kind, id) in rows {
            assert_eq!(kind.id(), id);
        }
        assert_eq!(
            Cause::call(Call::CreateProvider, Outcome::NullProvider, "NULL").kind,
            CauseKind::NoProvider(NoProvider::Refused)
        );
    }

    #[test]
    fn a_panic_says_the_process_aborts_and_a_hang_that_symphony_waits() {
        let panic = CauseKind::Call {
            call: Call::Apply,
            outcome: Outcome::Panic,
        };
        assert!(panic.in_symphony().contains("symphony-api process aborts"));
        assert!(panic.fix().contains("instead of panicking in `apply`"));
        let hang = CauseKind::Call {
            call: Call::Get,
            outcome: Outcome::Timeout,
        };
        assert!(hang.in_symphony().contains("no deadline on `get`"));
        assert_eq!(CauseKind::GetReportsUnapplied.status(), Status::Warn);
        assert_eq!(hang.status(), Status::Fail);
    }

    fn call(call: Call, outcome: Outcome) -> CauseKind {
        CauseKind::Call { call, outcome }
    }

    #[test]
    fn each_fact_has_a_summary_of_its_own() {
        let rows = [
            (call(Call::Apply, Outcome::Panic), "`apply` panics"),
            (call(Call::Get, Outcome::Abort), "`get` aborts the process"),
            (
                call(Call::Apply, Outcome::Segfault),
                "`apply` crashes the process (segfault)",
            ),
            (
                call(Call::Apply, Outcome::Signal),
                "`apply` gets its process killed",
            ),
            (call(Call::Get, Outcome::Timeout), "`get` does not return"),
            (
                call(Call::Apply, Outcome::HostAbort),
                "Symphony's host aborts on `apply`'s input",
            ),
            (call(Call::Apply, Outcome::Error), "`apply` fails (`error`)"),
            (
                call(Call::CreateProvider, Outcome::NullProvider),
                "Symphony gets no provider",
            ),
            (
                CauseKind::NoProvider(NoProvider::NotAProvider),
                "the library is not a provider",
            ),
            (
                CauseKind::NoProvider(NoProvider::OldAbi),
                "the library has the old provider ABI",
            ),
            (
                CauseKind::NoProvider(NoProvider::Refused),
                "Symphony gets no provider",
            ),
            (
                CauseKind::GetReportsUnapplied,
                "`get` reports components that were never applied",
            ),
            (
                CauseKind::GetMissesApplied,
                "`get` does not report what `apply` deployed",
            ),
        ];
        for (kind, summary) in rows {
            assert_eq!(kind.summary(), summary, "{kind:?}");
        }
    }

    #[test]
    fn what_symphony_does_follows_how_the_call_ended() {
        let rows = [
            (call(Call::Get, Outcome::Abort), "process dies with `get`"),
            (
                call(Call::Apply, Outcome::Segfault),
                "process dies with `apply`",
            ),
            (
                call(Call::Apply, Outcome::HostAbort),
                "cannot parse the input",
            ),
            (call(Call::Get, Outcome::Error), "fails in the get phase"),
            (call(Call::Apply, Outcome::Error), "fails at this step"),
            (call(Call::GetValidationRule, Outcome::Error), "zero rule"),
            (CauseKind::NoProvider(NoProvider::OldAbi), "one slot off"),
            (
                CauseKind::NoProvider(NoProvider::NotAProvider),
                "finds no `create_provider`",
            ),
            (CauseKind::NoProvider(NoProvider::Refused), "InitFailed"),
        ];
        for (kind, says) in rows {
            assert!(
                kind.in_symphony().contains(says),
                "{kind:?}: {}",
                kind.in_symphony()
            );
        }
        let empty = call(Call::Apply, Outcome::ErrorWithoutMessage).fix();
        assert!(
            empty.contains("an empty one leaves nobody a clue"),
            "{empty}"
        );
        assert!(!empty.contains("its message says"), "{empty}");
    }

    #[test]
    fn a_cause_fixes_as_what_was_seen_says_and_decides_a_check_in_one_line() {
        let seen = Cause::call(Call::Apply, Outcome::Error, "`apply` of `a` ended `error`");
        assert_eq!(seen.fix(), seen.kind.fix());
        let told = seen.clone().with_fix("give it `--config token=…`");
        assert_eq!(told.fix(), "give it `--config token=…`");
        assert_eq!(
            told.not_judged(),
            "not judged: `apply` fails (`error`) (cause `apply-error`)"
        );
    }

    #[test]
    fn no_provider_fails_every_reconcile_before_any_call() {
        for kind in [
            CauseKind::NoProvider(NoProvider::NotAProvider),
            CauseKind::NoProvider(NoProvider::Incompatible),
            CauseKind::NoProvider(NoProvider::Refused),
        ] {
            let text = kind.in_symphony();
            assert!(
                text.contains("fails in the get phase, before anything is applied")
                    && !text.contains("every `get` and `apply`"),
                "{kind:?}: {text}"
            );
        }
    }
}
