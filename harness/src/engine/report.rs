//! What a reconcile reports: a [`RoundReport`] per round (its plans, the decision for every
//! step, the failure and what became of the stored state) and a [`RunReport`] for rounds run
//! until convergence.
//!
//! Owns the report types only; [`super::reconcile`] fills them and [`super::events`] carries
//! them to a sink. Both use this file, so the engine's files form a line:
//! `report` ← `events` ← `reconcile`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::change::ChangeReason;
use super::outcome::{InSymphony, Outcome};
use crate::model::{ComponentResult, DeploymentStep};

/// Which object a change was found against in the skip check.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Against {
    /// The previous desired spec (stored state).
    PreviousDesired,
    /// What `get` reported.
    Current,
}

/// Why a step is applied rather than skipped.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ApplyReason {
    /// No stored state: the first reconcile (or after a removal, or in dry runs) applies all.
    NoPreviousState,
    /// A delete of a component that was desired before, whose key is still known.
    DeleteOfPreviouslyDesired {
        /// The component.
        component: String,
    },
    /// A delete of a component that was never desired: `get` reported it on the target, and
    /// Symphony deletes what it does not want there.
    DeleteOfReportedOnly {
        /// The component.
        component: String,
    },
    /// An update of a component that was not desired before.
    NotPreviouslyDesired {
        /// The component.
        component: String,
    },
    /// An update of a component that `get` did not report on this target.
    NotReportedByGet {
        /// The component.
        component: String,
    },
    /// The component changed under the provider's validation rule.
    Changed {
        /// The component.
        component: String,
        /// Changed against what.
        against: Against,
        /// Every deciding rule entry.
        reasons: Vec<ChangeReason>,
    },
}

impl ApplyReason {
    /// One line in words.
    pub fn describe(&self) -> String {
        match self {
            ApplyReason::NoPreviousState => {
                "no previous state: the first reconcile applies every step".to_string()
            }
            ApplyReason::DeleteOfPreviouslyDesired { component } => {
                format!("`{component}` was desired before and is to be deleted")
            }
            ApplyReason::DeleteOfReportedOnly { component } => {
                format!("`{component}` is reported by `get` but not desired: Symphony deletes it")
            }
            ApplyReason::NotPreviouslyDesired { component } => {
                format!("`{component}` was not in the previous desired state")
            }
            ApplyReason::NotReportedByGet { component } => format!(
                "`get` did not report `{component}` on this target, so Symphony re-applies it"
            ),
            ApplyReason::Changed {
                component,
                against,
                reasons,
            } => {
                let side = match against {
                    Against::PreviousDesired => "the previous desired spec",
                    Against::Current => "what `get` reported",
                };
                let details: Vec<String> = reasons.iter().map(ChangeReason::describe).collect();
                format!(
                    "`{component}` changed against {side}: {}",
                    details.join("; ")
                )
            }
        }
    }
}

/// Whether a step is applied.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "decision", rename_all = "kebab-case")]
pub enum StepDecision {
    /// Applied, and why.
    Apply {
        /// The first reason the skip check found.
        reason: ApplyReason,
    },
    /// Skipped: every component is unchanged (counts as a success).
    Skip,
}

/// Where in a round Symphony failed. Serialized as [`Stage::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Planning, before any provider call: `NewDeploymentState` could not sort the
    /// components by their dependencies (a cycle, an unknown name, a name listed twice).
    Plan,
    /// Finding the binding or creating the provider.
    CreateProvider,
    /// A `get` call.
    Get,
    /// An `apply` call.
    Apply,
    /// Go itself would panic here (a nil pointer); the reconcile crashes.
    SymphonyPanic,
}

impl Stage {
    /// Every stage, in the order a round reaches them.
    pub const ALL: [Stage; 5] = [
        Stage::Plan,
        Stage::CreateProvider,
        Stage::Get,
        Stage::Apply,
        Stage::SymphonyPanic,
    ];

    /// The stage's stable short name, as in JSON: `plan`, `create-provider`, `get`, `apply`,
    /// `symphony-panic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Plan => "plan",
            Stage::CreateProvider => "create-provider",
            Stage::Get => "get",
            Stage::Apply => "apply",
            Stage::SymphonyPanic => "symphony-panic",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Stage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Who ended a round with a failure: Symphony itself (a missing binding, a nil pointer), or
/// a provider call with its outcome. Serialized as [`FailedBy::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedBy {
    /// Symphony's own error.
    Symphony,
    /// A provider call (or the creation of a provider) that ended so.
    Call(Outcome),
}

impl FailedBy {
    /// `symphony`, or the call's outcome name (`error`, `panic`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FailedBy::Symphony => "symphony",
            FailedBy::Call(outcome) => outcome.as_str(),
        }
    }
}

impl std::fmt::Display for FailedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FailedBy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why a round failed.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Where.
    pub stage: Stage,
    /// The phase's step index.
    pub step: usize,
    /// The step's target.
    pub target: String,
    /// The step's role.
    pub role: String,
    /// The outcome class (`error`, `panic`, …) or `symphony` for Symphony's own errors.
    pub outcome: FailedBy,
    /// The message.
    pub message: String,
    /// True when the process running an `apply` died or was killed during it: the device may
    /// or may not have changed. The next round's `get` reads what really happened.
    pub indeterminate: bool,
    /// The components of the step (the references of a `get`, the components of an `apply`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
}

impl Failure {
    /// One line: where, how and what.
    pub fn describe(&self) -> String {
        if self.stage == Stage::Plan {
            return format!(
                "planning the deployment ended `{}` before any provider call: {}",
                self.outcome, self.message
            );
        }
        let components = if self.components.is_empty() {
            String::new()
        } else {
            format!(" [{}]", self.components.join(" "))
        };
        format!(
            "{} of step {} `{}`/`{}`{components} ended `{}`: {}",
            self.stage, self.step, self.target, self.role, self.outcome, self.message
        )
    }

    /// True when `other` failed at the same place, in the same way, with the same message.
    pub fn same_as(&self, other: &Failure) -> bool {
        self.stage == other.stage
            && self.step == other.step
            && self.target == other.target
            && self.role == other.role
            && self.outcome == other.outcome
            && self.message == other.message
    }

    /// This failure, naming the components of `step`, where it happened.
    pub fn of_step(mut self, step: &DeploymentStep) -> Failure {
        self.components = step
            .components
            .iter()
            .map(|c| c.component.name.clone())
            .collect();
        self
    }

    /// What this failure means for Symphony's own process: for a call whose process died
    /// (a panic, an abort, a crash) the whole `symphony-api` process dies with it.
    pub fn in_symphony(&self) -> InSymphony {
        match self.outcome {
            FailedBy::Call(outcome) => outcome.in_symphony(),
            // A nil dereference in Go's own code panics the reconcile.
            FailedBy::Symphony if self.stage == Stage::SymphonyPanic => InSymphony::ProcessDies,
            FailedBy::Symphony => InSymphony::Returns,
        }
    }

    /// True when no later round can end differently while the objects and the library stay
    /// as they are: the deployment cannot be planned (its dependencies cannot be sorted), the
    /// provider could not be created (no binding for the role, a library that does not load,
    /// NULL from `create_provider`, a crash creating it), or the harness itself failed.
    pub fn is_permanent(&self) -> bool {
        matches!(self.stage, Stage::Plan | Stage::CreateProvider)
            || self.outcome == FailedBy::Call(Outcome::Harness)
    }
}

/// One planned step of the apply phase that was reached.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// The step: the one in the round's plan, shared.
    pub step: Arc<DeploymentStep>,
    /// Skip or apply.
    pub decision: StepDecision,
    /// The apply's result map, when it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<BTreeMap<String, ComponentResult>>,
}

impl StepRecord {
    /// The record of `step` (of the round's plan).
    pub fn new(
        step: &Arc<DeploymentStep>,
        decision: StepDecision,
        results: Option<BTreeMap<String, ComponentResult>>,
    ) -> StepRecord {
        StepRecord {
            step: Arc::clone(step),
            decision,
            results,
        }
    }
}

/// What happened to the stored state.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum StateOutcome {
    /// Saved for the next round.
    Saved,
    /// Dropped: a removal left nothing.
    Dropped,
    /// Not saved: dry run.
    NotSavedDryRun,
    /// Not saved: the round failed.
    NotSavedFailed,
    /// Untouched: Symphony returned before doing anything.
    Untouched,
}

/// Symphony's summary of the round: Go's `model.SummarySpec` (`api/pkg/apis/v1alpha1/model/
/// summary.go`) as `SolutionVersionManager.Reconcile` leaves it, in Go's JSON names (what
/// `GET instances/…/status` is made from), and the two counts the reconcile keeps beside it.
/// [`super::summary`] fills it at the end of the round.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// `targetCount`: the deployment's targets.
    pub target_count: usize,
    /// `successCount`: targets whose last executed or skipped step succeeded (0 for dry runs
    /// and inactive instances, and when the round failed before its steps).
    pub success_count: usize,
    /// `plannedDeployment`: the components of every step of the apply plan.
    pub planned_deployment: usize,
    /// `currentDeployed`: the components of the steps skipped or applied successfully.
    pub current_deployed: usize,
    /// `targets`: each target's result (`TargetResultSpec`), by target name.
    #[serde(rename = "targets", skip_serializing_if = "BTreeMap::is_empty")]
    pub target_results: BTreeMap<String, TargetResult>,
    /// `message`: why the round failed before its steps, in Symphony's words.
    #[serde(rename = "message", skip_serializing_if = "String::is_empty")]
    pub summary_message: String,
    /// `jobID`: the deployment's job id (empty outside Kubernetes).
    #[serde(rename = "jobID", skip_serializing_if = "String::is_empty")]
    pub job_id: String,
    /// `skipped`: no step actually ran (every one was skipped).
    pub skipped: bool,
    /// `isRemoval`: a removal (asked for, or an inactive instance).
    pub is_removal: bool,
    /// `allAssignedDeployed`: every step reached succeeded (`plannedCount ==
    /// planSuccessCount`).
    pub all_assigned_deployed: bool,
    /// `removed`: set only when the instance is deleted (the summary's soft delete), never by
    /// a reconcile.
    pub removed: bool,
    /// Not Go's summary: steps reached (Go's local `plannedCount`).
    pub planned_count: usize,
    /// Not Go's summary: steps applied or skipped successfully (Go's `planSuccessCount`).
    pub plan_success_count: usize,
}

/// One target's result in the summary: Go's `model.TargetResultSpec`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetResult {
    /// `OK`, or `Target Update Failed` / `Target Delete Failed`.
    pub status: String,
    /// Why it failed (`An error occurred in Target Update, err: …`); empty when it did not.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Each component's result, as `apply` returned it (empty for a skipped step).
    #[serde(rename = "components", skip_serializing_if = "BTreeMap::is_empty")]
    pub components: BTreeMap<String, ComponentResult>,
}

/// One round (one reconcile).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoundReport {
    /// Round number, from 1.
    pub round: u32,
    /// Logical time at the start, in seconds.
    pub at_seconds: u64,
    /// A removal?
    pub remove: bool,
    /// A dry run?
    pub dry_run: bool,
    /// The plan `get` was called for (desired state only). Its steps are shared with the
    /// reconciler, which plans them once for a deployment.
    pub get_plan: Vec<Arc<DeploymentStep>>,
    /// The apply plan (the steps [`RoundReport::steps`] refer to).
    pub plan: Vec<Arc<DeploymentStep>>,
    /// The apply-phase steps reached.
    pub steps: Vec<StepRecord>,
    /// Steps applied (`apply` returned `Ok`).
    pub applied: usize,
    /// Steps skipped.
    pub skipped: usize,
    /// Why the round failed, if it did.
    pub failure: Option<Failure>,
    /// What became of the stored state.
    pub state: StateOutcome,
    /// Symphony's summary numbers.
    pub summary: Summary,
    /// Why Symphony did nothing at all, if it did nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noop: Option<String>,
}

impl RoundReport {
    /// True when the round succeeded and applied nothing.
    pub fn converged(&self) -> bool {
        self.failure.is_none() && self.applied == 0
    }

    /// Why the round did not converge: one line per applied step, with its reason (empty when
    /// every reached step was skipped).
    pub fn why_not_converged(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|record| match &record.decision {
                StepDecision::Apply { reason } => Some(format!(
                    "step `{}`/`{}`: {}",
                    record.step.target,
                    record.step.role,
                    reason.describe()
                )),
                StepDecision::Skip => None,
            })
            .collect()
    }
}

/// How a run of rounds ended. (Serialized with the tag `verdict`, the name it had before.)
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum RunEnd {
    /// A round succeeded and applied nothing.
    Converged {
        /// The round that applied nothing.
        rounds: u32,
    },
    /// Every round applied something (see the last round's step decisions).
    NotConverged {
        /// Rounds run.
        rounds: u32,
    },
    /// The last round failed.
    Failed {
        /// Rounds run.
        rounds: u32,
    },
    /// A round ended in a way Symphony's process does not survive (a provider panic, abort or
    /// crash kills `symphony-api`; a call that never returns stalls it): the run stops there,
    /// as nothing after it would happen in Symphony, and the removal is not run.
    Aborted {
        /// The round it happened in.
        rounds: u32,
    },
    /// A dry run whose last round succeeded: Symphony never saves state, so it applies every
    /// step (with `is_dry_run`) on every poll; every round is run and none converges.
    DryRun {
        /// Rounds run.
        rounds: u32,
    },
}

/// Rounds until convergence, and the removal.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Every round, in order.
    pub rounds: Vec<RoundReport>,
    /// How the rounds ended (the JSON name `verdict` is kept for compatibility).
    pub verdict: RunEnd,
    /// The removal round, if asked for.
    pub removal: Option<RoundReport>,
    /// Total seconds Symphony would have waited (logical clock).
    pub waited_seconds: u64,
    /// Components a successful removal reported as deleted that `get` still reports
    /// afterwards: Symphony considers them removed while they run on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_after_removal: Vec<LeftComponent>,
    /// Why the run stopped before `--rounds`: its last round failed in a way no later round
    /// can change (Symphony would retry on every poll and fail the same way).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// A component still on a target after its removal.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LeftComponent {
    /// The target.
    pub target: String,
    /// The component.
    pub component: String,
}

impl RunReport {
    /// Why the run did not converge: its last round's [`RoundReport::why_not_converged`]
    /// (empty for any other ending).
    pub fn why_not_converged(&self) -> Vec<String> {
        match (&self.verdict, self.rounds.last()) {
            (RunEnd::NotConverged { .. }, Some(last)) => last.why_not_converged(),
            _ => Vec::new(),
        }
    }

    /// Why the run ended as it did, when it did not converge: the steps still applied, the
    /// failure (said once, with how many rounds failed the same way), or why it stopped.
    pub fn why(&self) -> Vec<String> {
        match &self.verdict {
            RunEnd::NotConverged { .. } => self.why_not_converged(),
            RunEnd::Aborted { .. } => self.stopped.iter().cloned().collect(),
            RunEnd::Failed { .. } => {
                let Some(last) = self.rounds.last().and_then(|r| r.failure.as_ref()) else {
                    return Vec::new();
                };
                let same = self
                    .rounds
                    .iter()
                    .rev()
                    .take_while(|r| r.failure.as_ref().is_some_and(|f| f.same_as(last)))
                    .count();
                let mut lines = vec![if same == self.rounds.len() && same > 1 {
                    format!(
                        "every round ({same}) failed the same way: {}",
                        last.describe()
                    )
                } else if same > 1 {
                    format!(
                        "the last {same} rounds failed the same way: {}",
                        last.describe()
                    )
                } else {
                    last.describe()
                }];
                lines.extend(self.stopped.iter().cloned());
                lines
            }
            RunEnd::Converged { .. } | RunEnd::DryRun { .. } => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{ComponentAction, ComponentSpec, ComponentStep};

    fn record(role: &str, decision: StepDecision) -> StepRecord {
        StepRecord {
            step: Arc::new(DeploymentStep {
                target: "t".into(),
                role: role.into(),
                components: vec![ComponentStep {
                    action: ComponentAction::Update,
                    component: Arc::new(ComponentSpec {
                        name: "a".into(),
                        ..ComponentSpec::default()
                    }),
                }],
                is_first: true,
            }),
            decision,
            results: None,
        }
    }

    #[test]
    fn why_not_converged_names_each_applied_step_and_its_reason_and_skips_the_skipped() {
        let report = RoundReport {
            round: 2,
            at_seconds: 30,
            remove: false,
            dry_run: false,
            get_plan: Vec::new(),
            plan: Vec::new(),
            steps: vec![
                record("w", StepDecision::Skip),
                record(
                    "v",
                    StepDecision::Apply {
                        reason: ApplyReason::Changed {
                            component: "a".into(),
                            against: Against::Current,
                            reasons: vec![ChangeReason {
                                part: "properties".into(),
                                entry: Some("image".into()),
                                key: Some("image".into()),
                                old: Some("x:1".into()),
                                new: None,
                                why: "key missing on the new side".into(),
                            }],
                        },
                    },
                ),
                record(
                    "u",
                    StepDecision::Apply {
                        reason: ApplyReason::NotReportedByGet {
                            component: "a".into(),
                        },
                    },
                ),
            ],
            applied: 2,
            skipped: 1,
            failure: None,
            state: StateOutcome::Saved,
            summary: Summary::default(),
            noop: None,
        };
        assert_eq!(
            report.why_not_converged(),
            [
                "step `t`/`v`: `a` changed against what `get` reported: properties entry \
                 `image` key `image`: `x:1` vs (absent) (key missing on the new side)",
                "step `t`/`u`: `get` did not report `a` on this target, so Symphony re-applies it",
            ]
        );
        let converged = RoundReport {
            steps: vec![record("w", StepDecision::Skip)],
            ..report
        };
        assert!(converged.why_not_converged().is_empty());
    }

    #[test]
    fn a_stage_serializes_and_displays_as_its_short_name() {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["plan", "create-provider", "get", "apply", "symphony-panic"]
        );
        for stage in Stage::ALL {
            assert_eq!(serde_json::to_value(stage).unwrap(), json!(stage.as_str()));
            assert_eq!(stage.to_string(), stage.as_str());
        }
    }

    #[test]
    fn failed_by_serializes_as_symphony_or_the_outcome_name() {
        assert_eq!(
            serde_json::to_value(FailedBy::Symphony).unwrap(),
            json!("symphony")
        );
        for outcome in Outcome::ALL {
            let by = FailedBy::Call(outcome);
            assert_eq!(serde_json::to_value(by).unwrap(), json!(outcome.as_str()));
            assert_eq!(by.to_string(), outcome.as_str());
        }
    }

    #[test]
    fn a_run_end_keeps_the_json_it_had_as_verdict() {
        let cases = [
            (
                RunEnd::Converged { rounds: 2 },
                json!({"verdict": "converged", "rounds": 2}),
            ),
            (
                RunEnd::NotConverged { rounds: 3 },
                json!({"verdict": "not-converged", "rounds": 3}),
            ),
            (
                RunEnd::Failed { rounds: 1 },
                json!({"verdict": "failed", "rounds": 1}),
            ),
            (
                RunEnd::DryRun { rounds: 2 },
                json!({"verdict": "dry-run", "rounds": 2}),
            ),
        ];
        for (end, expected) in cases {
            assert_eq!(serde_json::to_value(&end).unwrap(), expected, "{end:?}");
        }
    }
}
