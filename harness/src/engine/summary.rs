//! Symphony's summary of a round (`model.SummarySpec`), computed as
//! `SolutionVersionManager.Reconcile` computes it (`managers/solutionversion/
//! solutionversion-manager.go`), from the round's report.
//!
//! Owns the summary's Go texts and its bookkeeping: `plannedDeployment` (the components of the
//! apply plan), `currentDeployed` (the components of steps skipped or applied), each target's
//! result merged as `SummarySpec.UpdateTargetResult` merges them (`model/summary.go`), the
//! message of a round that failed before its steps, and the error text Go shows for a failed
//! call (the provider's own message never reaches Symphony: its Rust host returns NULL and Go
//! writes a fixed text, `providers/target/rust/rust.go`). Does not decide anything about the
//! round: [`super::reconcile`] counts successes and calls [`conclude`] when the round ends.
//!
//! A round Symphony does not survive (a provider panic kills its process, a call that never
//! returns stalls it, a nil pointer in Go) never concludes its summary: it keeps what Symphony
//! last saved as progress (after planning, and after each successful `apply`), and
//! [`conclude`] gives exactly that.

use std::collections::BTreeMap;

use super::outcome::{InSymphony, Outcome};
use super::report::{FailedBy, Failure, RoundReport, Stage, StepDecision, Summary, TargetResult};
use crate::model::ComponentResult;

/// Go's error when the dependency sort fails (`sortByDepedencies`).
pub const GO_DEPENDENCIES: &str =
    "circular dependencies or unresolved dependencies detected in components";

/// A target result's status when its step succeeded or was skipped.
const OK: &str = "OK";

/// `Target Update` or `Target Delete` (`DeploymentType_*`).
pub fn deployment_type(remove: bool) -> &'static str {
    if remove {
        "Target Delete"
    } else {
        "Target Update"
    }
}

/// The error text Go has for `failure` (`COAError.Error()`: `<State>: <message>`), where the
/// harness knows it; otherwise the harness's own message.
pub fn go_error(failure: &Failure) -> String {
    match (failure.stage, failure.outcome) {
        (Stage::Plan, FailedBy::Symphony) => GO_DEPENDENCIES.to_string(),
        (Stage::CreateProvider, FailedBy::Symphony)
            if failure.message.starts_with("target doesn't have a") =>
        {
            // `CreateProviderForTargetRole` names the step's role as it is, not the binding
            // role it looked up.
            format!(
                "Bad Config: target doesn't have a '{}' role defined",
                failure.role
            )
        }
        (Stage::CreateProvider, FailedBy::Call(Outcome::NullProvider)) => {
            "Init Failed: P (Rust Target): failed to create Rust provider from library file"
                .to_string()
        }
        (Stage::Get, FailedBy::Call(Outcome::Error | Outcome::ErrorWithoutMessage)) => {
            "Bad Request: failed to marshal reference".to_string()
        }
        (Stage::Apply, FailedBy::Call(Outcome::Error | Outcome::ErrorWithoutMessage)) => {
            "Apply Resource Failed: failed to apply deployment ste".to_string()
        }
        _ => failure.message.clone(),
    }
}

/// `SummarySpec.UpdateTargetResult`: the first result of a target is kept as it is; a later
/// one replaces the status unless it is `OK`, appends its message after `; `, and adds its
/// component results.
fn update_target_result(summary: &mut Summary, target: &str, result: TargetResult) {
    match summary.target_results.get_mut(target) {
        None => {
            summary.target_results.insert(target.to_string(), result);
        }
        Some(known) => {
            if result.status != OK {
                known.status = result.status;
            }
            if !result.message.is_empty() {
                if !known.message.is_empty() {
                    known.message.push_str("; ");
                }
                known.message.push_str(&result.message);
            }
            known.components.extend(result.components);
        }
    }
}

fn ok_result(components: BTreeMap<String, ComponentResult>) -> TargetResult {
    TargetResult {
        status: OK.to_string(),
        message: String::new(),
        components,
    }
}

/// The summary's message for a round that failed before or between its steps (an `apply`
/// that fails leaves none: its target's result says it).
fn summary_message(failure: &Failure, planned: bool) -> String {
    match failure.stage {
        Stage::Plan => format!(
            "failed to create target manager state from deployment spec: {}",
            go_error(failure)
        ),
        Stage::CreateProvider if planned => {
            format!("failed to create provider:{}", go_error(failure))
        }
        Stage::CreateProvider | Stage::Get => {
            format!("failed to get current state: {}", go_error(failure))
        }
        Stage::Apply | Stage::SymphonyPanic => String::new(),
    }
}

/// Fills `report.summary` as Symphony's reconcile leaves it at the end of the round (the
/// counts the reconcile keeps itself, `successCount`, `allAssignedDeployed` and `skipped`,
/// are already in it), or, for a round Symphony does not survive, as it last saved it.
pub fn conclude(report: &mut RoundReport) {
    if report.noop.is_some() {
        return;
    }
    let survives = report
        .failure
        .as_ref()
        .is_none_or(|f| f.in_symphony() == InSymphony::Returns);
    // The steps the summary holds: all of them, or, when Symphony died, those it saved:
    // its progress is saved after each successful `apply` (skipped steps with the next).
    let saved = if survives {
        report.steps.len()
    } else {
        report
            .steps
            .iter()
            .rposition(|r| r.results.is_some() && r.decision != StepDecision::Skip)
            .map_or(0, |last| last + 1)
    };
    let summary = &mut report.summary;
    summary.target_results.clear();
    summary.summary_message.clear();
    summary.current_deployed = 0;
    summary.planned_deployment = report.plan.iter().map(|s| s.components.len()).sum();
    for record in &report.steps[..saved] {
        let results = match (&record.decision, &record.results) {
            (StepDecision::Skip, _) => BTreeMap::new(),
            (StepDecision::Apply { .. }, Some(results)) => results.clone(),
            // The step whose `apply` failed (or was never reached): below.
            (StepDecision::Apply { .. }, None) => continue,
        };
        update_target_result(summary, &record.step.target, ok_result(results));
        summary.current_deployed += record.step.components.len();
    }
    if !survives {
        // Never concluded: the counts Reconcile sets at its end were never set.
        summary.success_count = 0;
        summary.all_assigned_deployed = false;
        summary.skipped = false;
        return;
    }
    let Some(failure) = &report.failure else {
        return;
    };
    if failure.stage == Stage::Apply {
        let kind = deployment_type(report.remove);
        // The Rust host returns no result map with an error: nothing more is deployed.
        update_target_result(
            summary,
            &failure.target,
            TargetResult {
                status: format!("{kind} Failed"),
                message: format!("An error occurred in {kind}, err: {}", go_error(failure)),
                components: BTreeMap::new(),
            },
        );
    }
    summary.summary_message = summary_message(failure, !report.plan.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::{ApplyReason, StateOutcome, StepRecord};
    use std::sync::Arc;

    use crate::model::{ComponentAction, ComponentSpec, ComponentStep, DeploymentStep};

    fn step(target: &str, names: &[&str]) -> Arc<DeploymentStep> {
        Arc::new(DeploymentStep {
            target: target.into(),
            role: "app".into(),
            components: names
                .iter()
                .map(|name| ComponentStep {
                    action: ComponentAction::Update,
                    component: Arc::new(ComponentSpec {
                        name: name.to_string(),
                        ..ComponentSpec::default()
                    }),
                })
                .collect(),
            is_first: true,
        })
    }

    fn applied(step: Arc<DeploymentStep>, status: u16) -> StepRecord {
        let results = step
            .components
            .iter()
            .map(|c| {
                (
                    c.component.name.clone(),
                    ComponentResult {
                        status,
                        message: String::new(),
                    },
                )
            })
            .collect();
        StepRecord {
            step,
            decision: StepDecision::Apply {
                reason: ApplyReason::NoPreviousState,
            },
            results: Some(results),
        }
    }

    fn report(plan: Vec<Arc<DeploymentStep>>, steps: Vec<StepRecord>) -> RoundReport {
        RoundReport {
            round: 1,
            at_seconds: 0,
            remove: false,
            dry_run: false,
            get_plan: Vec::new(),
            plan,
            steps,
            applied: 0,
            skipped: 0,
            failure: None,
            state: StateOutcome::Saved,
            summary: Summary::default(),
            noop: None,
        }
    }

    fn failure(stage: Stage, outcome: FailedBy, target: &str, message: &str) -> Failure {
        Failure {
            stage,
            step: 0,
            target: target.into(),
            role: "app".into(),
            outcome,
            message: message.into(),
            indeterminate: false,
            components: Vec::new(),
        }
    }

    #[test]
    fn a_skipped_and_an_applied_step_on_one_target_merge_into_one_ok_result() {
        let (a, b) = (step("edge", &["db"]), step("edge", &["web", "cache"]));
        let mut r = report(
            vec![a.clone(), b.clone()],
            vec![
                StepRecord {
                    step: a,
                    decision: StepDecision::Skip,
                    results: None,
                },
                applied(b, ComponentResult::UPDATED),
            ],
        );
        conclude(&mut r);
        assert_eq!(r.summary.planned_deployment, 3);
        assert_eq!(r.summary.current_deployed, 3);
        let edge = &r.summary.target_results["edge"];
        assert_eq!(edge.status, "OK");
        assert_eq!(edge.message, "");
        let names: Vec<&str> = edge.components.keys().map(String::as_str).collect();
        assert_eq!(names, ["cache", "web"], "the skipped step adds no result");
        assert_eq!(r.summary.summary_message, "");
    }

    #[test]
    fn a_failed_apply_marks_its_target_failed_in_gos_words_after_its_earlier_ok() {
        let (a, b) = (step("edge", &["db"]), step("edge", &["web"]));
        let mut r = report(
            vec![a.clone(), b.clone()],
            vec![
                applied(a, ComponentResult::UPDATED),
                StepRecord {
                    step: b,
                    decision: StepDecision::Apply {
                        reason: ApplyReason::NoPreviousState,
                    },
                    results: None,
                },
            ],
        );
        r.remove = true;
        r.failure = Some(failure(
            Stage::Apply,
            FailedBy::Call(Outcome::Error),
            "edge",
            "the provider returned an error: device busy",
        ));
        conclude(&mut r);
        let edge = &r.summary.target_results["edge"];
        assert_eq!(edge.status, "Target Delete Failed");
        assert_eq!(
            edge.message,
            "An error occurred in Target Delete, err: Apply Resource Failed: failed to apply \
             deployment ste"
        );
        assert_eq!(edge.components.len(), 1, "the earlier step's result stays");
        assert_eq!(r.summary.current_deployed, 1);
        assert_eq!(r.summary.summary_message, "");
    }

    #[test]
    fn a_round_failed_before_its_steps_says_where_in_symphonys_words() {
        let cases = [
            (
                "plan",
                failure(Stage::Plan, FailedBy::Symphony, "", "cycle"),
                false,
                "failed to create target manager state from deployment spec: circular \
                 dependencies or unresolved dependencies detected in components",
            ),
            (
                "get",
                failure(Stage::Get, FailedBy::Call(Outcome::Error), "edge", "boom"),
                false,
                "failed to get current state: Bad Request: failed to marshal reference",
            ),
            (
                "binding in the get phase",
                failure(
                    Stage::CreateProvider,
                    FailedBy::Symphony,
                    "edge",
                    // The engine's own message for it, which Go's text is recognised by.
                    &crate::engine::binding::BindingError::NoRole {
                        wanted: "app".into(),
                        available: vec!["web".into()],
                    }
                    .to_string(),
                ),
                false,
                "failed to get current state: Bad Config: target doesn't have a 'app' role \
                 defined",
            ),
            (
                "null provider in the apply phase",
                failure(
                    Stage::CreateProvider,
                    FailedBy::Call(Outcome::NullProvider),
                    "edge",
                    "create_provider returned NULL",
                ),
                true,
                "failed to create provider:Init Failed: P (Rust Target): failed to create Rust \
                 provider from library file",
            ),
        ];
        for (name, failure, planned, message) in cases {
            let plan = if planned {
                vec![step("edge", &["web"])]
            } else {
                Vec::new()
            };
            let mut r = report(plan, Vec::new());
            r.failure = Some(failure);
            conclude(&mut r);
            assert_eq!(r.summary.summary_message, message, "{name}");
            assert!(r.summary.target_results.is_empty(), "{name}");
        }
    }

    #[test]
    fn a_round_symphony_does_not_survive_keeps_what_it_saved_last() {
        let (a, b, c) = (
            step("edge", &["db"]),
            step("edge", &["web"]),
            step("edge", &["cache"]),
        );
        let mut r = report(
            vec![a.clone(), b.clone(), c.clone()],
            vec![
                applied(a, ComponentResult::UPDATED),
                StepRecord {
                    step: b,
                    decision: StepDecision::Skip,
                    results: None,
                },
                StepRecord {
                    step: c,
                    decision: StepDecision::Apply {
                        reason: ApplyReason::NoPreviousState,
                    },
                    results: None,
                },
            ],
        );
        r.summary.success_count = 1;
        r.summary.planned_count = 3;
        r.failure = Some(failure(
            Stage::Apply,
            FailedBy::Call(Outcome::Panic),
            "edge",
            "provider panicked",
        ));
        conclude(&mut r);
        let s = &r.summary;
        assert_eq!(s.planned_deployment, 3);
        assert_eq!(
            s.current_deployed, 1,
            "the skip after the last apply was never saved"
        );
        assert_eq!(s.success_count, 0, "never computed");
        assert_eq!(s.target_results["edge"].components.len(), 1);
        assert_eq!(s.target_results["edge"].status, "OK");
        assert_eq!(s.planned_count, 3, "the harness's own count stays");
        assert_eq!(s.summary_message, "");
    }

    #[test]
    fn an_ok_result_never_replaces_a_failed_status_and_messages_are_joined() {
        let mut summary = Summary::default();
        let failed = |message: &str| TargetResult {
            status: "Target Update Failed".into(),
            message: message.into(),
            components: BTreeMap::new(),
        };
        update_target_result(&mut summary, "t", failed("one"));
        update_target_result(&mut summary, "t", ok_result(BTreeMap::new()));
        update_target_result(&mut summary, "t", failed("two"));
        let t = &summary.target_results["t"];
        assert_eq!(t.status, "Target Update Failed");
        assert_eq!(t.message, "one; two");
    }
}
