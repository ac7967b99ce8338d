//! A finding from a played scenario: its verdict from the run's expectations, the run's calls
//! as evidence lines, and the causes a run can meet before its check can judge anything (a
//! call that failed, a `get` that reports what was never applied, a `get` that misses what
//! was).

use std::collections::BTreeSet;

use crate::engine::events::{CallKind, Phase};
use crate::engine::reconcile::{FailedBy, Stage};
use crate::engine::Outcome;
use crate::model::ComponentResult;
use crate::scenario::{Scenario, ScenarioRun};
use crate::transcript::{CallEntry, Returned};

use super::cause::{Call, Cause, CauseKind};
use super::finding::Finding;

/// The name of a status code a provider returns, as the `symphony` crate's `State` spells it
/// (`8004 (Updated)`), or the bare code.
pub fn status_text(status: u64) -> String {
    match u16::try_from(status)
        .ok()
        .and_then(ComponentResult::state_name)
    {
        Some(name) => format!("{status} ({name})"),
        None => status.to_string(),
    }
}

/// True when a status code says the component failed: the `symphony` crate's client and
/// server errors (400 to 599), config, argument, file and serialization errors (1000 to 2999,
/// 4000 to 5999), `UpdateFailed`, `DeleteFailed`, `ValidateFailed` (8001 to 8003),
/// `NotImplemented` (9999) and every provider-specific failure from 10000 on.
pub fn is_failure_status(status: u64) -> bool {
    matches!(status, 400..=599 | 1000..=2999 | 4000..=5999 | 8001..=8003) || status >= 9999
}

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

/// The lines a failed run shows: every mismatch, why it stopped, then its calls.
pub fn failure_lines(run: &ScenarioRun) -> Vec<String> {
    let mut lines: Vec<String> = run.mismatches.iter().map(|m| m.describe()).collect();
    if let Some(error) = &run.error {
        lines.push(format!("stopped: {error}"));
    }
    lines.extend(evidence(run));
    lines
}

/// A finding from a scenario run: pass with `passed` when every expectation held; not judged
/// when a round failed (its cause decided it, whatever the check looked for after it); else
/// fail with `failed`'s message (every mismatch as evidence); or the reason it could not run.
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
        Ok(run) => match run_cause(&run) {
            Some(cause) => Finding::not_judged(cause).with_evidence(failure_lines(&run)),
            None => Finding::fail(failed(&run))
                .with_evidence(failure_lines(&run))
                .with_scenario(scenario),
        },
    }
}

/// The call a failed round's stage names.
fn stage_call(stage: Stage) -> Option<Call> {
    match stage {
        Stage::CreateProvider => Some(Call::CreateProvider),
        Stage::Get => Some(Call::Get),
        Stage::Apply => Some(Call::Apply),
        Stage::Plan | Stage::SymphonyPanic => None,
    }
}

/// The cause of `run`'s first failed round: the call that failed and how it ended, seen as
/// `round 1: apply of step 0 `t`/`r` [a] ended `panic`: …`. `None` when no round failed, or
/// the first failure was Symphony's own (a missing binding) or the harness's.
pub fn run_cause(run: &ScenarioRun) -> Option<Cause> {
    let (round, failure) = run
        .transcript
        .steps
        .iter()
        .flat_map(|step| &step.rounds)
        .find_map(|round| Some((round.round, round.failure.as_ref()?)))?;
    let FailedBy::Call(outcome) = failure.outcome else {
        return None;
    };
    if outcome == Outcome::Harness {
        return None;
    }
    let seen = format!("round {round}: {}", run.redact(&failure.describe()));
    Some(Cause::call(stage_call(failure.stage)?, outcome, seen))
}

/// The cause when the run's first `get` (on a device nothing was applied to yet) reported
/// components it was asked about: it reports what it is asked, not what the device holds (or
/// the device still holds them from an earlier run).
pub fn reports_unapplied(run: &ScenarioRun) -> Option<Cause> {
    let (round, first) = run
        .transcript
        .steps
        .iter()
        .flat_map(|step| step.calls())
        .find(|(_, call)| call.call == CallKind::Get && call.phase == Phase::Get)?;
    let asked: BTreeSet<&str> = first.components.iter().map(|c| c.name.as_str()).collect();
    let reported: Vec<&str> = first
        .reported()?
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| asked.contains(name))
        .collect();
    (!reported.is_empty()).then(|| {
        Cause::new(
            CauseKind::GetReportsUnapplied,
            format!(
                "in round {round}, before anything was applied, `get` reported `{}`, which it \
                 was asked about (unless the device still held it from an earlier run)",
                reported.join("`, `")
            ),
        )
    })
}

/// The cause when a round's `get` did not report a component the previous round's `apply`
/// had just deployed (`ok`, and no failure status for it) on the same target.
pub fn misses_applied(run: &ScenarioRun) -> Option<Cause> {
    let rounds: Vec<_> = run
        .transcript
        .steps
        .iter()
        .flat_map(|step| &step.rounds)
        .collect();
    rounds.windows(2).find_map(|pair| {
        let (before, after) = (pair[0], pair[1]);
        let deployed: BTreeSet<(&str, &str)> = before
            .events
            .iter()
            .filter_map(|entry| match entry {
                crate::transcript::Entry::Call(call) => Some(call),
                _ => None,
            })
            .filter(|call| call.dry_run() == Some(false) && call.outcome == Outcome::Ok)
            .flat_map(|call| {
                let results = call.results();
                call.components.iter().filter_map(move |sent| {
                    let failed = results
                        .and_then(|r| r.get(&sent.name))
                        .is_some_and(|r| is_failure_status(u64::from(r.status)));
                    (!sent.delete && !failed).then_some((call.target.as_str(), sent.name.as_str()))
                })
            })
            .collect();
        after.events.iter().find_map(|entry| {
            let crate::transcript::Entry::Call(call) = entry else {
                return None;
            };
            if call.call != CallKind::Get || call.phase != Phase::Get {
                return None;
            }
            let reported: BTreeSet<&str> =
                call.reported()?.iter().map(|c| c.name.as_str()).collect();
            let missing: Vec<&str> = call
                .components
                .iter()
                .map(|c| c.name.as_str())
                .filter(|name| {
                    deployed.contains(&(call.target.as_str(), *name)) && !reported.contains(name)
                })
                .collect();
            (!missing.is_empty()).then(|| {
                Cause::new(
                    CauseKind::GetMissesApplied,
                    format!(
                        "in round {}, `get` did not report `{}`, which `apply` deployed in round {}",
                        after.round,
                        missing.join("`, `"),
                        before.round
                    ),
                )
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::status_text;

    #[test]
    fn a_status_is_named_as_the_symphony_crate_names_it_or_left_bare() {
        assert_eq!(status_text(8004), "8004 (Updated)");
        assert_eq!(status_text(9999), "9999 (NotImplemented)");
        assert_eq!(status_text(7), "7");
        // Wider than a status: no name, never a truncated lookup.
        assert_eq!(status_text(65_536 + 8004), "73540");
    }
}
