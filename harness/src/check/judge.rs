//! A finding from a played scenario: its verdict from the run's expectations, and the run's
//! calls as evidence lines.

use crate::engine::events::CallKind;
use crate::engine::Outcome;
use crate::scenario::{Scenario, ScenarioRun};
use crate::transcript::{CallEntry, Returned};

use super::finding::Finding;

/// The calls of a scenario run, a line each: `step 2 round 3: apply [a, b (delete)] -> ok
/// {a: 8004, b: 8005}`; `get` with the names it returned.
pub fn evidence(run: &ScenarioRun) -> Vec<String> {
    let mut lines = Vec::new();
    for step in &run.transcript.steps {
        if step.rounds.is_empty() {
            lines.push(format!("step {}: {}", step.step, step.action));
        }
        for (round, call) in step.calls() {
            if call.call == CallKind::Create && call.outcome == Outcome::Ok {
                continue;
            }
            lines.push(format!(
                "step {} round {round}: {}",
                step.step,
                call_line(run, call)
            ));
        }
    }
    lines
}

/// `apply (dry run) [a, b (delete)] -> ok {a: 8004}`.
fn call_line(run: &ScenarioRun, call: &CallEntry) -> String {
    let dry = if call.dry_run() == Some(true) {
        " (dry run)"
    } else {
        ""
    };
    let detail = match (&call.returned, &call.message) {
        (_, Some(message)) => format!(": {}", run.redact(message)),
        (Some(Returned::Components(components)), None) => format!(
            " returned [{}]",
            components
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(Returned::Results(results)), None) if call.is_apply() => format!(
            " {{{}}}",
            results
                .iter()
                .map(|(name, result)| format!("{name}: {}", result.status))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    format!(
        "{}{dry} [{}] -> {}{detail}",
        call.call.name(),
        call.component_names().join(", "),
        call.outcome.as_str()
    )
}

/// A finding from a scenario run: pass with `passed` when every expectation held, else fail
/// with the first mismatch (and every one as evidence), or the reason it could not run.
pub fn judge_scenario(
    scenario: Scenario,
    run: Result<ScenarioRun, String>,
    passed: &str,
    failed: impl FnOnce(&ScenarioRun) -> String,
) -> Finding {
    match run {
        Err(why) => Finding::fail(format!("the check's scenario could not run: {why}"))
            .with_scenario(scenario),
        Ok(run) if run.passed() => Finding::pass(passed).with_evidence(evidence(&run)),
        Ok(run) => {
            let mut lines: Vec<String> = run.mismatches.iter().map(|m| m.describe()).collect();
            if let Some(error) = &run.error {
                lines.push(format!("stopped: {error}"));
            }
            lines.extend(evidence(&run));
            // A round that failed is the cause, whatever the check looked for after it.
            let message = first_failed_round(&run).unwrap_or_else(|| failed(&run));
            Finding::fail(message)
                .with_evidence(lines)
                .with_scenario(scenario)
        }
    }
}

/// The first round of `run` that failed, in words: `round 1 failed before the check could
/// judge it: apply ended `panic`: …`.
pub fn first_failed_round(run: &ScenarioRun) -> Option<String> {
    run.transcript
        .steps
        .iter()
        .flat_map(|step| &step.rounds)
        .find_map(|round| {
            let failure = round.failure.as_ref()?;
            Some(format!(
                "round {} failed before the check could judge it: {} ended `{}`: {}",
                round.round,
                failure.stage,
                failure.outcome.as_str(),
                run.redact(&failure.message)
            ))
        })
}
