//! Checks played as small scenarios: deploy, converge, remove, dry run.

use crate::check::cause::{Call, Cause, CauseKind};
use crate::check::context::Context;
use crate::check::finding::{Finding, Status};
use crate::check::judge::{
    evidence, failure_lines, judge_scenario, misses_applied, reports_unapplied, run_cause,
};
use crate::engine::Outcome;
use crate::scenario::format::{Expect, ReconcileStep};
use crate::scenario::{Action, ScenarioRun};
use crate::subject::step;

/// The names each get-phase `get` of step `number` (from 1) returned, in call order.
pub(super) fn get_answers(run: &ScenarioRun, number: usize) -> Vec<Vec<String>> {
    super::apply::get_reports(run, number)
        .into_iter()
        .map(|reported| reported.into_iter().map(|c| c.name).collect())
        .collect()
}

fn reconcile(rounds: Option<u32>, until_converged: Option<u32>, dry_run: bool) -> Action {
    Action::Reconcile(ReconcileStep {
        rounds,
        until_converged,
        dry_run,
        ..ReconcileStep::default()
    })
}

/// `get.empty-device`: its own failures are a `get` that fails on a device without the
/// components (the row's texts), and one that reports components there: those it was asked
/// about (the cause [`CauseKind::GetReportsUnapplied`], a warning) or others (Symphony
/// deletes what it does not desire).
pub(in crate::check) fn get_empty_device(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let scenario = subject.scenario(
        id,
        "`get` on a device without the components returns an empty list",
        subject.objects(id, vec![subject.component(id, 1)]),
        vec![
            step(
                reconcile(Some(1), None, false),
                Expect {
                    outcome: Some("ok".into()),
                    ..Expect::default()
                },
            ),
            step(Action::Remove, Expect::default()),
        ],
    );
    let run = context.play(&scenario);
    if let Ok(played) = &run {
        if let Some(cause) = reports_unapplied(played) {
            return Finding::warn(
                "`get` on a fresh device reported the component it was asked about, before \
                 anything was applied",
            )
            .with_evidence(evidence(played))
            .with_cause(cause);
        }
        let answers = get_answers(played, 1);
        if let Some(first) = answers.first().filter(|names| !names.is_empty()) {
            return Finding::fail(format!(
                "`get` on a fresh device reported [{}], components it was not asked about, \
                 before anything was applied",
                first.join(", ")
            ))
            .with_advice(
                "Symphony deletes every component `get` reports that it does not desire on the \
                 target (with the role of its type: with no binding for that role, every \
                 reconcile fails)",
                "report only the referenced components that are on the device",
            )
            .with_evidence(evidence(played))
            .with_scenario(scenario);
        }
        // A `get` that fails on an empty device is this check's own failure, and the cause
        // of every check that deploys.
        if let Some(cause) = run_cause(played).filter(|c| {
            matches!(
                c.kind,
                CauseKind::Call {
                    call: Call::Get,
                    outcome: Outcome::Error | Outcome::ErrorWithoutMessage,
                }
            )
        }) {
            return Finding::fail(format!("`get` on a fresh device failed: {}", cause.seen))
                .with_evidence(failure_lines(played))
                .with_scenario(scenario)
                .with_cause(cause);
        }
    }
    judge_scenario(
        scenario,
        run,
        "`get` on a fresh device returned an empty list",
        |run| {
            format!(
                "the first round failed: {}",
                run.mismatches
                    .first()
                    .map_or("see the evidence".to_string(), |m| m.actual.clone())
            )
        },
    )
}

/// `apply.converges`: a second round that applies again because `get` did not report what the
/// first applied is this check's own failure, and the cause
/// [`CauseKind::GetMissesApplied`] of the checks that need `get` to show what was deployed.
pub(in crate::check) fn apply_converges(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let scenario = subject.scenario(
        id,
        "after an apply, the next round skips",
        subject.objects(id, vec![subject.component(id, 1), subject.component(id, 2)]),
        vec![
            step(
                reconcile(None, Some(2), false),
                Expect {
                    converged_within: Some(2),
                    ..Expect::default()
                },
            ),
            step(Action::Remove, Expect::default()),
        ],
    );
    let run = context.play(&scenario);
    let missed = run.as_ref().ok().and_then(misses_applied);
    let finding = judge_scenario(
        scenario,
        run,
        "the second round skipped every step",
        |run| {
            let why: Vec<String> = run.mismatches.iter().map(|m| m.actual.clone()).collect();
            format!("the second round applied again: {}", why.join("; "))
        },
    );
    match missed {
        Some(cause) if finding.status == Status::Fail => finding.with_cause(cause),
        _ => finding,
    }
}

/// `delete.removes`.
pub(in crate::check) fn delete_removes(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let mut expect = Expect {
        outcome: Some("ok".into()),
        left_after_removal: Some(Vec::new()),
        ..Expect::default()
    };
    if subject.simulated {
        expect.device = Some(Default::default());
    }
    let scenario = subject.scenario(
        id,
        "after a removal `get` no longer reports the components",
        subject.objects(id, vec![subject.component(id, 1)]),
        vec![
            step(reconcile(None, Some(3), false), Expect::default()),
            step(Action::Remove, expect),
        ],
    );
    let run = context.play(&scenario);
    if let Ok(played) = &run {
        // What `get` says after the removal proves nothing when it reports what it is asked,
        // or never reports what was deployed (a delete that is ignored looks the same).
        if let Some(cause) = run_cause(played)
            .or_else(|| reports_unapplied(played))
            .or_else(|| misses_applied(played))
        {
            return Finding::not_judged(cause).with_evidence(failure_lines(played));
        }
        let name = subject.component(id, 1).name;
        let before = get_answers(played, 2);
        if played.passed() && !before.first().is_some_and(|names| names.contains(&name)) {
            return Finding::not_judged(Cause::new(
                CauseKind::GetMissesApplied,
                format!("`get` did not report `{name}` before its removal"),
            ))
            .with_evidence(evidence(played));
        }
    }
    judge_scenario(
        scenario,
        run,
        "after the removal `get` reported none of the deleted components",
        |run| {
            let left: Vec<String> = run
                .mismatches
                .iter()
                .map(|m| format!("{}: {}", m.what, m.actual))
                .collect();
            format!(
                "`apply` reported the delete, but the components are still there ({})",
                left.join("; ")
            )
        },
    )
}

/// `dry-run.no-change`: a component the `get` before the dry run did not report, reported by
/// the `get` after it, was deployed by the dry run. Not judged when `get` cannot see what was
/// deployed.
pub(in crate::check) fn dry_run_no_change(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    let mut expect = Expect {
        outcome: Some("ok".into()),
        ..Expect::default()
    };
    if subject.simulated {
        expect.device = Some(Default::default());
    }
    let name = subject.component(id, 1).name;
    let scenario = subject.scenario(
        id,
        "a dry-run `apply` changes nothing",
        subject.objects(id, vec![subject.component(id, 1)]),
        vec![
            step(reconcile(Some(1), None, true), expect),
            step(reconcile(Some(1), None, false), Expect::default()),
            step(Action::Remove, Expect::default()),
        ],
    );
    let run = context.play(&scenario);
    if let Ok(played) = &run {
        // A `get` that reports what it is asked, or never what was deployed (the removal's
        // `get` after the real deploy shows which), says nothing about what the dry run did.
        let blind = || reports_unapplied(played).or_else(|| misses_applied(played));
        if let Some(cause) = run_cause(played).or_else(blind) {
            return Finding::not_judged(cause).with_evidence(failure_lines(played));
        }
        let before = get_answers(played, 1);
        let after = get_answers(played, 2);
        let reported =
            |answers: &[Vec<String>]| answers.first().is_some_and(|names| names.contains(&name));
        if reported(&after) && !reported(&before) {
            return Finding::fail(format!(
                "`get` did not report `{name}` before the dry run and reports it after it: the \
                 dry run deployed it"
            ))
            .with_evidence(evidence(played))
            .with_scenario(scenario);
        }
    }
    let passed = if subject.simulated {
        "the dry run left the device as it was"
    } else {
        "after the dry run, `get` did not report the component"
    };
    judge_scenario(scenario, run, passed, |run| {
        run.mismatches
            .first()
            .map_or("the dry run failed".to_string(), |m| {
                format!("{}: expected {}, got {}", m.what, m.expected, m.actual)
            })
    })
}
