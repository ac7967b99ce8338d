//! One reconcile round on both builds: whether it failed, what Symphony decided for each step
//! (skip or apply), and its calls, paired by what they were (call, phase, step, target, role,
//! components sent) and compared one by one ([`super::calls`]).

use super::calls::{compare_call, rank, CallPair, Runs};
use super::change::{Area, Change, Changes, Kind};
use super::describe;
use crate::engine::reconcile::Failure;
use crate::engine::report::FailedBy;
use crate::transcript::{CallEntry, DecisionEntry, Entry, RoundTranscript};

/// What makes two calls the same call: Symphony made it at the same point with the same
/// arguments.
fn same_call(a: &CallEntry, b: &CallEntry) -> bool {
    (&a.call, a.phase, a.step, &a.target, &a.role, &a.components)
        == (&b.call, b.phase, b.step, &b.target, &b.role, &b.components)
}

fn calls(round: &RoundTranscript) -> Vec<&CallEntry> {
    round
        .events
        .iter()
        .filter_map(|entry| match entry {
            Entry::Call(call) => Some(call),
            Entry::Decision(_) => None,
        })
        .collect()
}

fn decisions(round: &RoundTranscript) -> Vec<&DecisionEntry> {
    round
        .events
        .iter()
        .filter_map(|entry| match entry {
            Entry::Decision(decision) => Some(decision),
            Entry::Call(_) => None,
        })
        .collect()
}

/// Whether the round succeeded and Symphony applied no step: it converged.
pub fn converged(round: &RoundTranscript) -> bool {
    round.failure.is_none() && decisions(round).iter().all(|d| d.decision != "apply")
}

/// Compares round `old` and `new` of step `step` into `changes`.
pub fn compare_round(
    runs: Runs<'_>,
    step: usize,
    (old, new): (&RoundTranscript, &RoundTranscript),
    changes: &mut Changes,
) {
    let at = describe::at(step, old.round);
    compare_failure(
        runs,
        &at,
        (old.failure.as_ref(), new.failure.as_ref()),
        changes,
    );
    compare_decisions(&at, (old, new), changes);
    let (old_calls, mut new_calls) = (calls(old), calls(new));
    let mut unmatched_old = Vec::new();
    for call in old_calls {
        match new_calls.iter().position(|other| same_call(call, other)) {
            Some(index) => {
                let other = new_calls.remove(index);
                let pair = CallPair {
                    at: &at,
                    old: call,
                    new: other,
                };
                compare_call(runs, pair, changes);
            }
            None => unmatched_old.push(call),
        }
    }
    for call in unmatched_old {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Reconcile,
                format!("Symphony no longer makes a `{}` call", call.call.name()),
            )
            .at(&at)
            .evidence(
                vec![format!("{at}: {}", describe::call(runs.old, call))],
                vec![format!("{at}: not made")],
            ),
        );
    }
    for call in new_calls {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Reconcile,
                format!("Symphony makes an extra `{}` call", call.call.name()),
            )
            .at(&at)
            .evidence(
                vec![format!("{at}: not made")],
                vec![format!("{at}: {}", describe::call(runs.new, call))],
            ),
        );
    }
}

fn failure_rank(failure: Option<&Failure>) -> Option<u8> {
    match failure.map(|f| f.outcome) {
        None => Some(0),
        Some(FailedBy::Symphony) => Some(2),
        // A failed round is at least as bad as an error.
        Some(FailedBy::Call(outcome)) => rank(outcome).map(|r| r.max(1)),
    }
}

/// A round that fails on one build only regresses or fixes; failing another way changes by
/// how bad each way is.
fn compare_failure(
    runs: Runs<'_>,
    at: &str,
    (old, new): (Option<&Failure>, Option<&Failure>),
    changes: &mut Changes,
) {
    let line = |run, failure: Option<&Failure>| match failure {
        None => format!("{at}: the round succeeded"),
        Some(failure) => format!(
            "{at}: the round failed: {}",
            crate::scenario::ScenarioRun::redact(run, &failure.describe())
        ),
    };
    let what = match (old, new) {
        (None, None) => return,
        (Some(o), Some(n)) if (o.stage, o.outcome) == (n.stage, n.outcome) => return,
        (_, Some(n)) => format!("a round fails: {} ends `{}`", n.stage, n.outcome),
        (Some(o), None) => format!("a round no longer fails: {} ended `{}`", o.stage, o.outcome),
    };
    changes.push(
        Change::new(
            Kind::by_rank(failure_rank(old), failure_rank(new)),
            Area::Reconcile,
            what,
        )
        .at(at)
        .evidence(vec![line(runs.old, old)], vec![line(runs.new, new)]),
    );
}

/// Symphony's skip-or-apply decision for each step both rounds reached.
fn compare_decisions(
    at: &str,
    (old, new): (&RoundTranscript, &RoundTranscript),
    changes: &mut Changes,
) {
    let line = |d: &DecisionEntry| {
        format!(
            "{at}: step `{}`/`{}`: {}{}",
            d.target,
            d.role,
            d.decision,
            d.reason
                .as_ref()
                .map_or(String::new(), |reason| format!(" ({reason})"))
        )
    };
    for before in decisions(old) {
        let Some(after) = decisions(new)
            .into_iter()
            .find(|d| (d.step, &d.target, &d.role) == (before.step, &before.target, &before.role))
        else {
            continue;
        };
        if before.decision == after.decision {
            continue;
        }
        let what = if after.decision == "apply" {
            "Symphony applies a step it skipped"
        } else {
            "Symphony skips a step it applied"
        };
        changes.push(
            Change::new(Kind::Changed, Area::Reconcile, what)
                .at(at)
                .evidence(vec![line(before)], vec![line(after)]),
        );
    }
}
