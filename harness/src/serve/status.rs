//! The status a Target or Instance shows after a round, in Symphony's shape
//! (`DeployableStatusV2`, `api/pkg/apis/v1alpha1/model/deployableStatus.go`), filled the way
//! Symphony's controller fills it from a reconcile's summary (`k8s/reconcilers/deployment.go`:
//! `updateObjectStatus`, `patchComponentStatusReport`, `defaultProvisioningErrorBuilder`).
//!
//! Owns the mapping from a [`RoundReport`] to that JSON: `provisioningStatus.status`
//! `Succeeded` or `Failed` (with `error`: per target and component, in the summary's words),
//! `deployed`, `targets`, `targetStatuses`, `output`, and Go's names of the state codes a
//! provider returns (`State.String()`, `coa/pkg/apis/v1alpha2/types.go`). What Symphony itself
//! would have done with a crash goes into `provisioningStatus.failureCause`, and the round
//! that set the status into `properties` (`harness.*` keys). Standalone Symphony never writes
//! a status (only its Kubernetes controller does); `docs/serve.md` says so.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::events::{Provisioning, Trigger};
use crate::engine::reconcile::{FailedBy, Failure, RoundReport, Stage};
use crate::engine::InSymphony;

/// Go's `State.String()` for a state code a provider returns.
pub fn state_name(code: u16) -> String {
    let name = match code {
        0 => "",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        500 => "Internal Error",
        1000 => "Bad Config",
        1001 => "Missing Config",
        2000 => "Invalid Argument",
        3030 => "API Redirect",
        4000 => "File Access Error",
        5000 => "Serialization Error",
        5001 => "De-serialization Error",
        6000 => "Delete Requested",
        8001 => "Update Failed",
        8002 => "Delete Failed",
        8003 => "Validate Failed",
        8004 => "Updated",
        8005 => "Deleted",
        9994 => "Running",
        9995 => "Paused",
        9996 => "Done",
        9997 => "Delayed",
        9998 => "Untouched",
        9999 => "Not Implemented",
        10000 => "Init Failed",
        other => return format!("Unknown State: {other}"),
    };
    name.to_string()
}

/// What the status is made from.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The provisioning word.
    pub provisioning: Provisioning,
    /// The last round, if one ended.
    pub report: Option<&'a RoundReport>,
    /// Why the last job could not reconcile at all, if it could not.
    pub job_error: Option<&'a str>,
    /// Why the last round ran.
    pub trigger: Option<Trigger>,
    /// How many targets the deployment has.
    pub targets: usize,
    /// The object's ETag (the deployment's generation).
    pub generation: &'a str,
    /// When the status was set (RFC 3339).
    pub at: &'a str,
}

/// One target's result in a round (`TargetResultSpec`): its status word, message, and
/// each component's state and message.
#[derive(Debug, Clone, PartialEq, Default)]
struct TargetResult {
    status: String,
    message: String,
    components: BTreeMap<String, (u16, String)>,
}

/// "Target Update" or "Target Delete" (`DeploymentType_*`).
fn deployment_type(remove: bool) -> &'static str {
    if remove {
        "Target Delete"
    } else {
        "Target Update"
    }
}

/// Each target's last result in the round, as Symphony's summary keeps it.
fn target_results(report: &RoundReport) -> BTreeMap<String, TargetResult> {
    let mut results: BTreeMap<String, TargetResult> = BTreeMap::new();
    for record in &report.steps {
        let components = record
            .results
            .iter()
            .flatten()
            .map(|(name, result)| (name.clone(), (result.status, result.message.clone())))
            .collect();
        results.insert(
            record.step.target.clone(),
            TargetResult {
                status: "OK".to_string(),
                message: String::new(),
                components,
            },
        );
    }
    if let Some(failure) = report.failure.as_ref().filter(|f| f.stage == Stage::Apply) {
        let kind = deployment_type(report.remove);
        results.insert(
            failure.target.clone(),
            TargetResult {
                status: format!("{kind} Failed"),
                message: format!("An error occurred in {kind}, err: {}", failure.message),
                components: BTreeMap::new(),
            },
        );
    }
    results
}

/// The summary's message for a failed round, in the reconcile's words.
fn summary_message(failure: &Failure) -> String {
    match failure.stage {
        Stage::Plan => format!(
            "failed to create target manager state from deployment spec: {}",
            crate::engine::summary::GO_DEPENDENCIES
        ),
        Stage::CreateProvider => format!("failed to create provider:{}", failure.message),
        Stage::Get => format!("failed to get current state: {}", failure.message),
        Stage::Apply => String::new(),
        Stage::SymphonyPanic => failure.message.clone(),
    }
}

/// What Symphony itself would have done with `failure`, when it would not have gone on.
pub fn failure_cause(failure: &Failure) -> Option<String> {
    let outcome = match failure.outcome {
        FailedBy::Call(outcome) => outcome.as_str(),
        FailedBy::Symphony => "a nil pointer in Symphony",
    };
    match failure.in_symphony() {
        InSymphony::ProcessDies => Some(format!(
            "{} of `{}`/`{}` ended `{outcome}`: in Symphony this aborts the whole symphony-api \
             process, and every target with it; serve contained it in the provider's worker \
             and goes on",
            failure.stage, failure.target, failure.role
        )),
        InSymphony::WaitsForever => Some(format!(
            "{} of `{}`/`{}` did not return (`{outcome}`): Symphony sets no deadline on a \
             provider call, so its reconcile would wait for ever; serve killed the call at its \
             deadline",
            failure.stage, failure.target, failure.role
        )),
        InSymphony::Returns | InSymphony::Unknown => None,
    }
}

/// The error object of a failed status (`defaultProvisioningErrorBuilder`).
fn error_object(report: Option<&RoundReport>, job_error: Option<&str>) -> Value {
    let Some(report) = report else {
        return json!({
            "code": "Symphony: [500]",
            "message": job_error.unwrap_or_default(),
            "target": "Symphony"
        });
    };
    let summary = report
        .failure
        .as_ref()
        .map(summary_message)
        .unwrap_or_default();
    let verb = if report.remove {
        "Uninstall failed."
    } else {
        "Deployment failed."
    };
    let mut message = if summary.is_empty() {
        verb.to_string()
    } else {
        format!("{verb} {summary}")
    };
    if let Some(failure) = &report.failure {
        message = format!("{}, {message}", failure.describe());
    }
    let details: Vec<Value> = target_results(report)
        .into_iter()
        .map(|(target, result)| {
            let components: Vec<Value> = result
                .components
                .iter()
                .map(|(name, (code, text))| {
                    json!({"code": state_name(*code), "message": text, "target": name})
                })
                .collect();
            let mut entry = json!({"code": result.status, "message": result.message,
                                   "target": target});
            // `details` is `omitempty`.
            if !components.is_empty() {
                entry["details"] = Value::Array(components);
            }
            entry
        })
        .collect();
    json!({"code": "Symphony: [500]", "message": message, "target": "Symphony", "details": details})
}

/// `"<state>"` or `"<state> - <message>"`, as the controller writes a component's status.
fn component_status(code: u16, message: &str) -> String {
    if message.is_empty() {
        state_name(code)
    } else {
        format!("{} - {message}", state_name(code))
    }
}

/// The status JSON of an object after what `observed` says.
pub fn status_json(observed: &Observed<'_>) -> Value {
    let word = observed.provisioning.as_str();
    let mut provisioning = json!({"operationId": "", "status": word, "error": {}});
    let mut status = Map::new();
    let mut properties = Map::new();
    let mut target_statuses = Vec::new();
    if let Some(report) = observed.report {
        properties.insert("removed".into(), json!(report.remove.to_string()));
        properties.insert("harness.round".into(), json!(report.round.to_string()));
        properties.insert(
            "harness.applied".into(),
            json!(format!(
                "{} applied, {} skipped",
                report.applied, report.skipped
            )),
        );
        let mut output = Map::new();
        for (target, result) in target_results(report) {
            let components: Vec<Value> = result
                .components
                .iter()
                .map(|(name, (code, text))| {
                    output.insert(format!("{target}.{name}"), json!(state_name(*code)));
                    json!({"name": name, "status": component_status(*code, text)})
                })
                .collect();
            let mut entry = json!({"name": target,
                                   "status": format!("{} - {}", result.status, result.message)});
            if !components.is_empty() {
                entry["componentStatuses"] = Value::Array(components);
            }
            target_statuses.push(entry);
        }
        if observed.provisioning == Provisioning::Succeeded && !output.is_empty() {
            provisioning["output"] = Value::Object(output);
        }
        if let Some(cause) = report.failure.as_ref().and_then(failure_cause) {
            provisioning["failureCause"] = json!(cause);
        }
    }
    if let Some(trigger) = observed.trigger {
        properties.insert("harness.trigger".into(), json!(trigger.as_str()));
    }
    if observed.provisioning == Provisioning::Failed {
        provisioning["error"] = error_object(observed.report, observed.job_error);
    }
    let deployed = observed.report.map_or(0, |r| r.summary.success_count);
    status.insert("provisioningStatus".into(), provisioning);
    status.insert("lastModified".into(), json!(observed.at));
    status.insert("deployed".into(), json!(deployed));
    status.insert("targets".into(), json!(observed.targets));
    status.insert("status".into(), json!(word));
    let details = match (
        observed.report.and_then(|r| r.failure.as_ref()),
        observed.job_error,
    ) {
        (Some(failure), _) => failure.describe(),
        (None, Some(error)) => error.to_string(),
        (None, None) => String::new(),
    };
    if !details.is_empty() {
        status.insert("statusDetails".into(), json!(details));
    }
    if let Ok(generation) = observed.generation.parse::<u64>() {
        status.insert("generation".into(), json!(generation));
    }
    if !target_statuses.is_empty() {
        status.insert("targetStatuses".into(), Value::Array(target_statuses));
    }
    if !properties.is_empty() {
        status.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(status)
}

/// The provisioning word after `report`: `Succeeded` when it deployed everything assigned
/// (`AllAssignedDeployed`), else `Failed`.
pub fn provisioning_after(report: &RoundReport) -> Provisioning {
    // A round Symphony returns from at once (no instance name) is a success too.
    let deployed = report.summary.all_assigned_deployed || report.noop.is_some();
    if report.failure.is_none() && deployed {
        Provisioning::Succeeded
    } else {
        Provisioning::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reconcile::{StateOutcome, StepDecision, StepRecord, Summary};
    use crate::engine::Outcome;
    use crate::model::{ComponentResult, DeploymentStep};

    fn report(failure: Option<Failure>) -> RoundReport {
        let step = std::sync::Arc::new(DeploymentStep {
            target: "t".into(),
            components: Vec::new(),
            role: "w".into(),
            is_first: true,
        });
        let results = failure.is_none().then(|| {
            [(
                "c".to_string(),
                ComponentResult {
                    status: 8004,
                    message: String::new(),
                },
            )]
            .into()
        });
        RoundReport {
            round: 1,
            at_seconds: 0,
            remove: false,
            dry_run: false,
            get_plan: Vec::new(),
            plan: vec![step.clone()],
            steps: vec![StepRecord {
                step,
                decision: StepDecision::Skip,
                results,
            }],
            applied: 1,
            skipped: 0,
            summary: Summary {
                success_count: usize::from(failure.is_none()),
                all_assigned_deployed: failure.is_none(),
                ..Summary::default()
            },
            failure,
            state: StateOutcome::Saved,
            noop: None,
        }
    }

    fn observed<'a>(report: &'a RoundReport) -> Observed<'a> {
        Observed {
            provisioning: provisioning_after(report),
            report: Some(report),
            job_error: None,
            trigger: Some(Trigger::Post),
            targets: 1,
            generation: "1",
            at: "2026-01-01T00:00:00Z",
        }
    }

    #[test]
    fn a_succeeded_round_shows_per_component_results_as_the_controller_writes_them() {
        let report = report(None);
        let status = status_json(&observed(&report));
        assert_eq!(status["provisioningStatus"]["status"], "Succeeded");
        assert_eq!(status["provisioningStatus"]["output"]["t.c"], "Updated");
        assert_eq!(status["deployed"], 1);
        assert_eq!(status["targetStatuses"][0]["status"], "OK - ");
        assert_eq!(
            status["targetStatuses"][0]["componentStatuses"][0]["status"],
            "Updated"
        );
        assert_eq!(status["properties"]["removed"], "false");
    }

    #[test]
    fn a_panicking_apply_fails_with_the_abort_and_what_symphony_would_have_done() {
        let failure = Failure {
            stage: Stage::Apply,
            step: 0,
            target: "t".into(),
            role: "w".into(),
            outcome: FailedBy::Call(Outcome::Panic),
            message: "provider panicked: boom".into(),
            indeterminate: true,
            components: vec!["c".into()],
        };
        let report = report(Some(failure));
        let status = status_json(&observed(&report));
        let provisioning = &status["provisioningStatus"];
        assert_eq!(provisioning["status"], "Failed");
        let cause = provisioning["failureCause"].as_str().unwrap();
        assert!(
            cause.contains("aborts the whole symphony-api process"),
            "{cause}"
        );
        let error = &provisioning["error"];
        assert!(error["message"].as_str().unwrap().contains("boom"));
        assert_eq!(error["details"][0]["code"], "Target Update Failed");
        assert!(provisioning.get("output").is_none());
    }

    #[test]
    fn go_state_names_are_spelled_as_go_spells_them() {
        assert_eq!(state_name(8001), "Update Failed");
        assert_eq!(state_name(8005), "Deleted");
        assert_eq!(state_name(12345), "Unknown State: 12345");
        assert_eq!(component_status(8004, "ok"), "Updated - ok");
    }
}
