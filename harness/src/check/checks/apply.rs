//! Checks of `apply`: its result map, whether its statuses are true, re-applying what is
//! deployed, property changes and dependencies. Each is a small scenario; what it judges is
//! read from the run's transcript (the calls, and the device's true state for the simulated
//! provider, else the next `get`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::check::judge::{
    evidence, failure_lines, judge_scenario, misses_applied, reports_unapplied, run_cause,
};
pub(super) use crate::check::judge::{is_failure_status, status_text};
use crate::engine::events::{CallKind, Phase};
use crate::engine::Outcome;
use crate::load::{Fault, FaultCall, FaultEffect};
use crate::model::ComponentSpec;
use crate::scenario::format::{ComponentChange, Expect, ReconcileStep, ResultExpect};
use crate::scenario::{Action, Scenario, ScenarioRun};
use crate::subject::step;
use crate::transcript::{CallEntry, DeviceComponent, StepTranscript};

/// A reconcile of exactly `rounds` rounds, or until a round applies nothing (at most
/// `until_converged`).
pub(super) fn reconcile(rounds: Option<u32>, until_converged: Option<u32>) -> Action {
    Action::Reconcile(ReconcileStep {
        rounds,
        until_converged,
        dry_run: false,
        ..ReconcileStep::default()
    })
}

/// Symphony's `Updated` status.
const UPDATED: u64 = 8004;
/// Symphony's `Deleted` status.
const DELETED: u64 = 8005;
/// Symphony's `OK` status.
const OK: u64 = 200;

/// One `apply` call of a scenario run, as its transcript records it.
#[derive(Debug, Clone)]
pub(super) struct ApplyCall {
    /// The round it was made in.
    pub round: u32,
    /// The step's components, in order, each with true for a delete.
    pub components: Vec<(String, bool)>,
    /// Its outcome.
    pub outcome: Outcome,
    /// The result map of an `ok` call: name to status code and message.
    pub results: BTreeMap<String, (u64, String)>,
    /// Whether it was a dry run.
    pub dry_run: bool,
}

/// The calls of step `number` (from 1), each with its round.
fn calls(run: &ScenarioRun, number: usize) -> impl Iterator<Item = (u32, &CallEntry)> {
    run.transcript
        .step(number)
        .into_iter()
        .flat_map(StepTranscript::calls)
}

/// The `apply` calls of step `number`.
pub(super) fn apply_calls(run: &ScenarioRun, number: usize) -> Vec<ApplyCall> {
    calls(run, number)
        .filter(|(_, call)| call.is_apply())
        .map(|(round, call)| ApplyCall {
            round,
            components: call
                .components
                .iter()
                .map(|sent| (sent.name.clone(), sent.delete))
                .collect(),
            outcome: call.outcome,
            results: call
                .results()
                .into_iter()
                .flatten()
                .map(|(name, result)| {
                    let message = result.message.clone();
                    (name.clone(), (u64::from(result.status), message))
                })
                .collect(),
            dry_run: call.dry_run() == Some(true),
        })
        .collect()
}

/// What each get-phase `get` of step `number` reported, in call order, each in the order it
/// reported them; calls that failed are left out.
pub(super) fn get_reports(run: &ScenarioRun, number: usize) -> Vec<Vec<ComponentSpec>> {
    calls(run, number)
        .filter(|(_, call)| call.call == CallKind::Get && call.phase == Phase::Get)
        .filter_map(|(_, call)| call.reported())
        .map(<[ComponentSpec]>::to_vec)
        .collect()
}

/// What each get-phase `get` of step `number` returned (whole components, by name), in call
/// order; calls that failed are left out.
pub(super) fn get_answers(
    run: &ScenarioRun,
    number: usize,
) -> Vec<BTreeMap<String, ComponentSpec>> {
    get_reports(run, number)
        .into_iter()
        .map(|reported| reported.into_iter().map(|c| (c.name.clone(), c)).collect())
        .collect()
}

/// The simulated devices' true components after step `number` (all devices together), by
/// name; `None` when the transcript has no device state (not the simulated provider).
pub(super) fn device_after(
    run: &ScenarioRun,
    number: usize,
) -> Option<BTreeMap<String, DeviceComponent>> {
    let device = run.transcript.step(number)?.device_components()?;
    Some(
        device
            .into_iter()
            .map(|(name, component)| (name.to_string(), component.clone()))
            .collect(),
    )
}

/// The components `get` still reported after the removal of step `number`, although
/// `apply` said it deleted them.
fn left_after_removal(run: &ScenarioRun, number: usize) -> BTreeSet<String> {
    run.transcript
        .step(number)
        .map(|step| step.left_after_removal.iter().cloned().collect())
        .unwrap_or_default()
}

/// Names, comma separated, each in backticks.
fn listed<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A failure of a played scenario: `message`, the run's calls as evidence, the scenario.
fn failed(message: String, run: &ScenarioRun, scenario: Scenario) -> Finding {
    let mut lines: Vec<String> = run.mismatches.iter().map(|m| m.describe()).collect();
    lines.extend(evidence(run));
    Finding::fail(message)
        .with_evidence(lines)
        .with_scenario(scenario)
}

/// Why no `apply` of the steps `numbers` succeeded (outside dry runs), or `None` if one did.
fn nothing_applied(run: &ScenarioRun, numbers: std::ops::RangeInclusive<usize>) -> Option<String> {
    let stopped = numbers
        .clone()
        .find_map(|number| run.transcript.step(number)?.symphony_stops.clone())
        .or_else(|| run.error.clone());
    let calls: Vec<ApplyCall> = numbers
        .flat_map(|number| apply_calls(run, number))
        .filter(|call| !call.dry_run)
        .collect();
    if calls.iter().any(|call| call.outcome == Outcome::Ok) {
        return None;
    }
    let outcomes: BTreeSet<&str> = calls.iter().map(|call| call.outcome.as_str()).collect();
    Some(if outcomes.is_empty() {
        match stopped {
            Some(why) => format!("no `apply` was made ({why})"),
            None => "no `apply` was made".to_string(),
        }
    } else {
        format!(
            "no `apply` succeeded (outcome: {})",
            outcomes.into_iter().collect::<Vec<_>>().join(", ")
        )
    })
}

/// The finding when no `apply` of the steps `numbers` succeeded: not judged for the cause the
/// run met, else a skip saying what could not be checked (`consequence`).
fn unjudged_without_apply(
    run: &ScenarioRun,
    numbers: std::ops::RangeInclusive<usize>,
    consequence: &str,
) -> Option<Finding> {
    let why = nothing_applied(run, numbers)?;
    Some(match run_cause(run) {
        Some(cause) => Finding::not_judged(cause).with_evidence(evidence(run)),
        None => Finding::skip(format!("{why}, so {consequence}")).with_evidence(evidence(run)),
    })
}

/// The finding when the check's first step did not deploy its components: not judged for the
/// cause the run met (a failed call, a `get` that misses what was applied), else a skip saying
/// what could not be checked (`consequence`), pointing at `apply.converges`.
fn not_deployed(run: &ScenarioRun, consequence: &str) -> Finding {
    if let Some(cause) = run_cause(run).or_else(|| misses_applied(run)) {
        return Finding::not_judged(cause).with_evidence(failure_lines(run));
    }
    let why = match (run.mismatches.iter().find(|m| m.step == 1), &run.error) {
        (Some(m), _) => m.actual.clone(),
        (None, Some(error)) => error.clone(),
        (None, None) => "no `apply` succeeded".to_string(),
    };
    Finding::skip(format!(
        "the components were not deployed in the first place ({why}), so {consequence}; see \
         `apply.converges`"
    ))
    .with_evidence(evidence(run))
}

/// A check whose scenario could not be played.
fn unplayable(scenario: Scenario, why: &str) -> Finding {
    Finding::fail(format!("the check's scenario could not run: {why}")).with_scenario(scenario)
}

/// The first mismatch of a run, in words, or the reason it stopped.
fn first_problem(run: &ScenarioRun) -> String {
    match (run.mismatches.first(), &run.error) {
        (Some(m), _) => format!("{}: expected {}, got {}", m.what, m.expected, m.actual),
        (None, Some(error)) => error.clone(),
        (None, None) => "see the evidence".to_string(),
    }
}

/// `apply.results-complete`.
pub(in crate::check) fn results_complete(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let components: Vec<_> = (1..=3).map(|n| subject.component(id, n)).collect();
    let every = |names: &[String]| -> BTreeMap<String, ResultExpect> {
        names
            .iter()
            .map(|name| (name.clone(), ResultExpect::default()))
            .collect()
    };
    let names: Vec<String> = components.iter().map(|c| c.name.clone()).collect();
    let scenario = subject.scenario(
        id,
        "`apply` returns a result for every component of the step, deploying and deleting",
        subject.objects(id, components),
        vec![
            step(
                reconcile(Some(1), None),
                Expect {
                    results: Some(every(&names)),
                    ..Expect::default()
                },
            ),
            step(
                Action::Remove,
                Expect {
                    results: Some(every(&names)),
                    ..Expect::default()
                },
            ),
        ],
    );
    let run = match context.play(&scenario) {
        Ok(run) => run,
        Err(why) => return unplayable(scenario, &why),
    };
    let played = &run;
    if let Some(finding) = unjudged_without_apply(played, 1..=1, "no result map could be checked") {
        return finding;
    }
    let mut missing = Vec::new();
    for number in 1..=2 {
        for call in apply_calls(played, number) {
            if call.outcome != Outcome::Ok {
                continue;
            }
            let lacking: Vec<&String> = call
                .components
                .iter()
                .map(|(name, _)| name)
                .filter(|name| !call.results.contains_key(*name))
                .collect();
            if !lacking.is_empty() {
                missing.push(format!(
                    "step {number} round {}: `apply` of {} component(s) returned no result for {}",
                    call.round,
                    call.components.len(),
                    listed(lacking)
                ));
            }
        }
    }
    if let Some(first) = missing.first() {
        return failed(first.clone(), played, scenario);
    }
    judge_scenario(
        scenario,
        Ok(run),
        "every `apply` returned a result for each component of its step",
        first_problem,
    )
}

/// What a successful status claims about a component of an `apply` that was not a dry run:
/// `Some(true)` it is on the device now, `Some(false)` it is gone, `None` nothing (a failure
/// status, or an unknown code).
fn claim(status: u64, deleted: bool) -> Option<bool> {
    match status {
        UPDATED => Some(true),
        DELETED => Some(false),
        OK => Some(!deleted),
        _ => None,
    }
}

/// What the `apply` calls of step `number` claimed that the truth after the step
/// contradicts: the device, else the next `get` (after the removal, the harness's own `get`).
fn lies_of_step(
    played: &ScenarioRun,
    number: usize,
    removal: bool,
    simulated: bool,
) -> Vec<String> {
    let truth: Option<BTreeSet<String>> = match device_after(played, number) {
        Some(device) => Some(device.into_keys().collect()),
        None if removal => Some(left_after_removal(played, number)),
        None => get_answers(played, number + 1)
            .into_iter()
            .next()
            .map(BTreeMap::into_keys)
            .map(Iterator::collect),
    };
    let Some(held) = truth else {
        return Vec::new();
    };
    // Where the truth came from, and its verb: the device holds, `get` reports.
    let (source, verb, not_verb) = if simulated {
        ("the device", "holds", "does not hold")
    } else if removal {
        ("`get` after the removal", "reports", "does not report")
    } else {
        ("the next `get`", "reports", "does not report")
    };
    let mut lies = Vec::new();
    for call in apply_calls(played, number) {
        if call.outcome != Outcome::Ok || call.dry_run {
            continue;
        }
        for (name, deleted) in &call.components {
            let Some((status, _)) = call.results.get(name) else {
                continue;
            };
            let claimed = |holds: &str| {
                format!(
                    "`apply` reported `{name}` {} (step {number} round {}), but {source} {holds} it",
                    status_text(*status),
                    call.round
                )
            };
            match claim(*status, *deleted) {
                Some(true) if !held.contains(name) => lies.push(claimed(not_verb)),
                Some(false) if held.contains(name) => lies.push(claimed(&format!("still {verb}"))),
                _ => {}
            }
        }
    }
    lies
}

/// `apply.statuses-truthful`.
pub(in crate::check) fn statuses_truthful(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let failing = subject.component(id, 2).name;
    let mut steps = Vec::new();
    if subject.simulated {
        // The device refuses one component: its status must say so.
        steps.push(step(
            Action::Fault(Fault {
                component: Some(failing.clone()),
                message: Some(format!(
                    "the device refused `{failing}` (armed by the check)"
                )),
                ..Fault::new(FaultCall::Apply, FaultEffect::FailComponent)
            }),
            Expect::default(),
        ));
    }
    let deploy = steps.len() + 1;
    steps.push(step(reconcile(Some(1), None), Expect::default()));
    steps.push(step(reconcile(Some(1), None), Expect::default()));
    steps.push(step(Action::Remove, Expect::default()));
    let removal = steps.len();
    let scenario = subject.scenario(
        id,
        "`apply`'s statuses agree with what the device holds afterwards",
        subject.objects(id, (1..=3).map(|n| subject.component(id, n)).collect()),
        steps,
    );
    let run = match context.play(&scenario) {
        Ok(run) => run,
        Err(why) => return unplayable(scenario, &why),
    };
    let played = &run;
    if let Some(finding) =
        unjudged_without_apply(played, deploy..=removal, "no status could be checked")
    {
        return finding;
    }
    // Without the device, the truth is what `get` reports: it tells nothing when it reports
    // what it is asked, or never reports what was deployed.
    if !subject.simulated {
        if let Some(cause) = reports_unapplied(played).or_else(|| misses_applied(played)) {
            return Finding::not_judged(cause).with_evidence(failure_lines(played));
        }
    }
    let lies: Vec<String> = (deploy..=removal)
        .flat_map(|number| lies_of_step(played, number, number == removal, subject.simulated))
        .collect();
    if let Some(first) = lies.first() {
        let mut finding = failed(first.clone(), played, scenario);
        finding.evidence.splice(0..0, lies.iter().skip(1).cloned());
        return finding;
    }
    let verified = if subject.simulated {
        format!("every status agreed with the device, the refusal of `{failing}` included")
    } else {
        "every status agreed with what the next `get` reported".to_string()
    };
    judge_scenario(scenario, Ok(run), &verified, first_problem)
}

/// The components of `answer` (a `get` answer or a device) as a stable text, for evidence.
fn shown(answer: &impl serde::Serialize) -> String {
    serde_json::to_string(answer).unwrap_or_default()
}

/// What re-applying changed in what `what` reports.
fn changed_text(
    what: &str,
    before: &impl serde::Serialize,
    after: &impl serde::Serialize,
) -> String {
    format!(
        "re-applying deployed components changed what {what} reports: before {}, after {}",
        shown(before),
        shown(after)
    )
}

/// `apply.idempotent`.
pub(in crate::check) fn idempotent(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let scenario = subject.scenario(
        id,
        "after a Symphony restart, re-applying deployed components succeeds, changes nothing, \
         and converges",
        subject.objects(id, vec![subject.component(id, 1), subject.component(id, 2)]),
        vec![
            step(
                reconcile(None, Some(3)),
                Expect {
                    converged_within: Some(3),
                    ..Expect::default()
                },
            ),
            step(Action::RestartSymphony, Expect::default()),
            step(
                reconcile(Some(1), None),
                Expect {
                    outcome: Some("ok".into()),
                    ..Expect::default()
                },
            ),
            step(
                reconcile(None, Some(2)),
                Expect {
                    converged_within: Some(2),
                    ..Expect::default()
                },
            ),
            step(Action::Remove, Expect::default()),
        ],
    );
    let run = match context.play(&scenario) {
        Ok(run) => run,
        Err(why) => return unplayable(scenario, &why),
    };
    let played = &run;
    if run.mismatches.iter().any(|m| m.step == 1) {
        return not_deployed(played, "re-applying them could not be checked");
    }
    // Step 3 re-applies: it must have applied every component again.
    let reapplied: BTreeSet<String> = apply_calls(played, 3)
        .iter()
        .flat_map(|call| call.components.iter().map(|(name, _)| name.clone()))
        .collect();
    if reapplied.is_empty() && played.error.is_none() {
        return Finding::skip(
            "after Symphony's restart nothing was applied again, so re-applying could not be \
             checked",
        )
        .with_evidence(evidence(played));
    }
    // Before and after the re-apply: the device, else the `get` that opened step 3 and the
    // one that opened step 4.
    let changed = match (device_after(played, 1), device_after(played, 3)) {
        (Some(before), Some(after)) => {
            (before != after).then(|| changed_text("the device", &before, &after))
        }
        _ => match (
            get_answers(played, 3).into_iter().next(),
            get_answers(played, 4).into_iter().next(),
        ) {
            (Some(before), Some(after)) => {
                (before != after).then(|| changed_text("`get`", &before, &after))
            }
            _ => None,
        },
    };
    if let Some(changed) = changed {
        return failed(changed, played, scenario);
    }
    judge_scenario(
        scenario,
        Ok(run),
        "re-applying deployed components after a Symphony restart succeeded, changed nothing \
         and converged",
        |run| format!("re-applying deployed components: {}", first_problem(run)),
    )
}

/// A different value of the same kind: text gets `-changed`, numbers grow by one, a bool
/// flips, anything else becomes a text.
fn changed_value(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(format!("{text}-changed")),
        Value::Bool(flag) => Value::Bool(!flag),
        Value::Number(n) if n.is_u64() => Value::from(n.as_u64().unwrap_or(0).saturating_add(1)),
        Value::Number(n) if n.is_i64() => Value::from(n.as_i64().unwrap_or(0).saturating_add(1)),
        Value::Number(n) => Value::from(n.as_f64().unwrap_or(0.0) + 1.0),
        _ => Value::String("changed".to_string()),
    }
}

/// True when `reported` shows `wanted`: equal JSON, or texts equal but for case (under the
/// default rule Symphony compares case-insensitively, so a provider may report its own case).
fn shows(reported: Option<&Value>, wanted: &Value) -> bool {
    match (reported, wanted) {
        (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Some(found), _) => found == wanted,
        (None, _) => false,
    }
}

/// Deploys `component`, applies `change` to it, and reconciles twice more: the change
/// applied, then the `get` that shows it.
fn property_change_scenario(
    context: &Context<'_>,
    component: ComponentSpec,
    change: ComponentChange,
) -> Scenario {
    let (id, subject) = (context.id, context.subject);
    subject.scenario(
        id,
        "a changed property of a deployed component reaches the device",
        subject.objects(id, vec![component]),
        vec![
            step(
                reconcile(None, Some(3)),
                Expect {
                    outcome: Some("ok".into()),
                    ..Expect::default()
                },
            ),
            step(Action::ChangeComponent(change), Expect::default()),
            step(
                reconcile(Some(1), None),
                Expect {
                    outcome: Some("ok".into()),
                    ..Expect::default()
                },
            ),
            step(reconcile(Some(1), None), Expect::default()),
            step(Action::Remove, Expect::default()),
        ],
    )
}

/// `apply.property-change`.
pub(in crate::check) fn property_change(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let component = subject.component(id, 1);
    let name = component.name.clone();
    // The first text property, else the first property, else a new one.
    let key = component
        .properties
        .iter()
        .find(|(_, value)| value.is_string())
        .or_else(|| component.properties.iter().next())
        .map_or_else(|| "checkChanged".to_string(), |(key, _)| key.clone());
    let new = component
        .properties
        .get(&key)
        .map_or_else(|| Value::String("changed".into()), changed_value);
    let change = ComponentChange {
        name: name.clone(),
        properties: [(key.clone(), new.clone())].into_iter().collect(),
        ..ComponentChange::default()
    };
    let scenario = property_change_scenario(context, component, change);
    let run = match context.play(&scenario) {
        Ok(run) => run,
        Err(why) => return unplayable(scenario, &why),
    };
    let played = &run;
    if run.mismatches.iter().any(|m| m.step == 1) {
        return not_deployed(played, "a change could not be applied to them");
    }
    let wanted = format!("`{key}` = {new}");
    if let Some(device) = device_after(played, 3) {
        let held = device.get(&name).map(|c| c.properties.get(&key));
        if held != Some(Some(&new)) {
            let found = match held {
                None => "does not hold the component".to_string(),
                Some(None) => format!("holds it without `{key}`"),
                Some(Some(value)) => format!("holds `{key}` = {value}"),
            };
            return failed(
                format!("after the change was applied, the device {found}; wanted {wanted}"),
                played,
                scenario,
            );
        }
    }
    if let Some(cause) = misses_applied(played) {
        return Finding::not_judged(cause).with_evidence(failure_lines(played));
    }
    match get_answers(played, 4).into_iter().next() {
        Some(seen) => {
            let reported = seen.get(&name).map(|c| c.properties.get(&key));
            if !shows(reported.flatten().filter(|v| !v.is_null()), &new) {
                let found = match reported {
                    None => format!("does not report `{name}`"),
                    Some(None | Some(Value::Null)) => format!("reports `{name}` without `{key}`"),
                    Some(Some(value)) => format!("reports `{key}` = {value}"),
                };
                return failed(
                    format!("after the change was applied, `get` {found}; wanted {wanted}"),
                    played,
                    scenario,
                );
            }
        }
        None if played.error.is_none() => {
            return failed(
                "after the change, no `get` answered, so the change cannot be seen".to_string(),
                played,
                scenario,
            )
        }
        None => {}
    }
    judge_scenario(
        scenario,
        Ok(run),
        &format!("after the change, `get` reported {wanted}"),
        |run| format!("applying the change: {}", first_problem(run)),
    )
}

/// `apply.dependencies`.
pub(in crate::check) fn dependencies(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    // 1 depends on 2, 2 on 3: declared in the reverse of the order they deploy in.
    let mut components: Vec<_> = (1..=3).map(|n| subject.component(id, n)).collect();
    let names: Vec<String> = components.iter().map(|c| c.name.clone()).collect();
    for (component, needs) in components.iter_mut().zip(names.iter().skip(1)) {
        component.dependencies = vec![needs.clone()];
    }
    let scenario = subject.scenario(
        id,
        "components with dependencies deploy and converge",
        subject.objects(id, components),
        vec![
            step(
                reconcile(None, Some(3)),
                Expect {
                    outcome: Some("ok".into()),
                    converged_within: Some(2),
                    ..Expect::default()
                },
            ),
            step(Action::Remove, Expect::default()),
        ],
    );
    let run = match context.play(&scenario) {
        Ok(run) => run,
        Err(why) => return unplayable(scenario, &why),
    };
    let played = &run;
    if let Some(cause) = run_cause(played).or_else(|| misses_applied(played)) {
        return Finding::not_judged(cause).with_evidence(failure_lines(played));
    }
    let held: Option<(&str, BTreeSet<String>)> = match device_after(played, 1) {
        Some(device) => Some(("the device", device.into_keys().collect())),
        None => get_answers(played, 1)
            .into_iter()
            .last()
            .map(|seen| ("the last `get`", seen.into_keys().collect())),
    };
    let lacking = held.and_then(|(what, held)| {
        let missing: Vec<&String> = names.iter().filter(|n| !held.contains(*n)).collect();
        (!missing.is_empty()).then(|| {
            format!(
                "after deploying components with dependencies, {what} lacks {}",
                listed(missing)
            )
        })
    });
    if let Some(lacking) = lacking {
        return if run.passed() {
            failed(lacking, played, scenario)
        } else {
            let mut finding = failed(
                format!(
                    "components with dependencies did not deploy and converge: {}",
                    first_problem(played)
                ),
                played,
                scenario,
            );
            finding.evidence.insert(0, lacking);
            finding
        };
    }
    judge_scenario(
        scenario,
        Ok(run),
        "three components, each depending on the next, deployed and converged",
        |run| {
            format!(
                "components with dependencies did not deploy and converge: {}",
                first_problem(run)
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failure_statuses_are_the_crate_s_error_codes() {
        for (status, failure) in [
            (200, false),
            (202, false),
            (8004, false),
            (8005, false),
            (9998, false),
            (400, true),
            (500, true),
            (1001, true),
            (5001, true),
            (8001, true),
            (8002, true),
            (8003, true),
            (9999, true),
            (10013, true),
        ] {
            assert_eq!(is_failure_status(status), failure, "{status}");
        }
        assert_eq!(status_text(8004), "8004 (Updated)");
        assert_eq!(status_text(7), "7");
    }

    #[test]
    fn success_statuses_claim_presence_by_their_action() {
        assert_eq!(claim(UPDATED, false), Some(true));
        assert_eq!(claim(DELETED, true), Some(false));
        assert_eq!(claim(OK, false), Some(true), "OK on an update: deployed");
        assert_eq!(claim(OK, true), Some(false), "OK on a delete: gone");
        assert_eq!(claim(8001, false), None, "a failure claims nothing");
    }

    #[test]
    fn a_changed_value_differs_and_keeps_its_kind() {
        for (name, old, new) in [
            ("text", json!("a"), json!("a-changed")),
            ("unsigned", json!(2), json!(3)),
            ("negative", json!(-2), json!(-1)),
            ("float", json!(1.5), json!(2.5)),
            ("bool", json!(true), json!(false)),
            ("object", json!({"a": 1}), json!("changed")),
        ] {
            assert_eq!(changed_value(&old), new, "{name}");
        }
    }

    #[test]
    fn a_reported_text_shows_the_wanted_one_in_any_case_other_values_exactly() {
        assert!(shows(Some(&json!("NGINX:1.27")), &json!("nginx:1.27")));
        assert!(!shows(Some(&json!("nginx:1.25")), &json!("nginx:1.27")));
        assert!(!shows(Some(&json!("3")), &json!(3)));
        assert!(shows(Some(&json!(3)), &json!(3)));
        assert!(!shows(None, &json!(3)));
    }
}
