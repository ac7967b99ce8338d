//! Symphony's reconcile, re-implemented: `%v` rendering, change detection, dependency sort,
//! planning, deletion order, skip decisions, and rounds on a logical clock.
//!
//! Owns the decisions Symphony's `SolutionVersionManager` makes, and nothing else: no files,
//! no processes, no clock, no printing. It reaches providers only through the [`Provider`] and
//! [`ProviderFactory`] traits (the loader, the supervised worker and test fakes implement
//! them) and reports through an [`events::EventSink`].
//!
//! Main type: [`reconcile::Reconciler`] (one instance's stored state, rounds);
//! [`reconcile::run`] drives rounds until nothing is applied. The pieces, by file, in the
//! order they depend on each other: [`render`] (Go's `%v`), [`change`]
//! (`IsComponentChanged`), [`evaluate`] (`EvaluateDeployment`), [`sort`] (dependency order),
//! [`state`] (deployment states and merging), [`plan`] (steps and deletion order),
//! [`planning`] (evaluate → desired → merge → plan, once), [`deployment`] (deployments built
//! from Target, Solution and Instance objects), [`findings`] (inputs that abort Symphony's
//! host), [`outcome`] (how a call ended), [`report`] (what a round reports), [`summary`]
//! (Symphony's summary of a round), [`events`] (what a sink receives), `skip` (`canSkipStep`),
//! [`reconcile`] (the rounds). The specification is
//! `docs/reconcile.md` and `docs/change-detection.md`; Symphony's Go source decides where they
//! are silent.

pub mod binding;
pub mod change;
pub mod deployment;
pub mod evaluate;
pub mod events;
pub mod findings;
pub mod objects;
pub mod outcome;
pub mod plan;
pub mod planning;
mod provider;
pub mod reconcile;
pub mod render;
pub mod report;
pub mod rule;
mod skip;
pub mod sort;
pub mod state;
pub mod summary;
pub mod wildcard;

pub use outcome::{InSymphony, Outcome};
pub use provider::{CallError, CallOutput, Provider, ProviderFactory};

/// Input Symphony cannot reconcile at all (every round would fail the same way), or that the
/// harness cannot reproduce faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// A `${{…}}` expression, which the harness does not evaluate.
    #[error("unsupported expression in component `{component}` {field}{}: `{text}`", if key.is_empty() { String::new() } else { format!(" key `{key}`") })]
    UnsupportedExpression {
        /// The component.
        component: String,
        /// `properties`, `metadata` or `constraints`.
        field: &'static str,
        /// The key, if any.
        key: String,
        /// The text holding the expression.
        text: String,
    },
    /// The dependency sort failed: a cycle, an unknown name, or a name listed twice.
    #[error("circular or unresolved dependencies: components `{}` cannot be sorted", unsorted.join("`, `"))]
    Dependencies {
        /// The components left unsorted.
        unsorted: Vec<String>,
    },
    /// A component is assigned to a target without `spec`: Go dereferences nil and crashes.
    #[error("component `{component}` is assigned to target `{target}`, which has no `spec`: Symphony crashes (nil pointer) before planning")]
    TargetWithoutSpec {
        /// The target.
        target: String,
        /// The component.
        component: String,
    },
    /// An object without `spec` where Go dereferences it.
    #[error("the {object} has no `spec`: Symphony crashes (nil pointer)")]
    MissingSpec {
        /// Which object.
        object: &'static str,
    },
    /// A target name pattern that is not a valid regular expression: Go's
    /// `regexp.MustCompile` panics on it.
    #[error("target pattern `{pattern}` is not a valid regular expression, so Symphony panics (regexp.MustCompile): {error}")]
    TargetPattern {
        /// The pattern.
        pattern: String,
        /// Why it does not compile.
        error: String,
    },
    /// The solution given is not the one the instance names.
    #[error("the instance names solution `{reference}` (object `{expected}`), but the solution given is `{found}`")]
    SolutionMismatch {
        /// The instance's reference.
        reference: String,
        /// The object name Symphony would fetch.
        expected: String,
        /// The given solution's name.
        found: String,
    },
    /// A deployment could not be encoded as JSON.
    #[error("cannot encode the deployment as JSON: {0}")]
    Encode(String),
    /// A comparison of a component under the provider's rule would take more matching than
    /// [`change::MATCH_BUDGET`] allows.
    #[error(transparent)]
    ComparisonOverBudget(#[from] Box<change::OverBudget>),
}

impl EngineError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            EngineError::UnsupportedExpression { .. } => Some(
                "the harness does not evaluate Symphony expressions; replace it with the value \
                 it evaluates to in your scenario"
                    .to_string(),
            ),
            EngineError::Dependencies { .. } => Some(
                "every name in `dependencies` must be another component's name, listed once, \
                 without cycles"
                    .to_string(),
            ),
            EngineError::SolutionMismatch { expected, .. } => Some(format!(
                "pass the solution whose `metadata.name` is `{expected}` (Symphony would use a \
                 stand-in without components and delete everything)"
            )),
            EngineError::ComparisonOverBudget(over) => Some(over.hint()),
            EngineError::TargetPattern { .. } => Some(
                "`*` and `%` turn the name into a Go regular expression: escape regex \
                 characters or use only `*` and `%`"
                    .to_string(),
            ),
            _ => None,
        }
    }
}

impl crate::errors::Explain for EngineError {
    fn hint(&self) -> Option<String> {
        EngineError::hint(self)
    }
}

impl crate::errors::Explain for CallError {
    fn exit_code(&self) -> i32 {
        match self {
            // Symphony would get no provider.
            CallError::NullProvider { .. } => crate::exit_code::LOAD_FAILED,
            CallError::Harness { .. } => crate::exit_code::ERROR,
            _ => crate::exit_code::CALL_FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        self.process_died().then(|| {
            format!(
                "in Symphony this `{}` would take the whole symphony-api process down; run \
                 with `-vv` to see everything the provider printed",
                self.outcome()
            )
        })
    }
}
