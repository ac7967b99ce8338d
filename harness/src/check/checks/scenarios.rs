//! Checks played as small scenarios: deploy, converge, remove, dry run.

use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::check::judge::{evidence, judge_scenario};
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

/// `get.empty-device`.
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
        let answers = get_answers(played, 1);
        if let Some(first) = answers.first().filter(|names| !names.is_empty()) {
            return Finding::fail(format!(
                "`get` on a fresh device reported [{}] before anything was applied",
                first.join(", ")
            ))
            .with_evidence(evidence(played))
            .with_scenario(scenario);
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

/// `apply.converges`.
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
    judge_scenario(
        scenario,
        run,
        "the second round skipped every step",
        |run| {
            let why: Vec<String> = run.mismatches.iter().map(|m| m.actual.clone()).collect();
            format!("the second round applied again: {}", why.join("; "))
        },
    )
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
    // A removal only shows something when `get` reported the components before it: a `get`
    // that never reports anything passes the expectations whether the delete did anything.
    if let Ok(played) = &run {
        let name = subject.component(id, 1).name;
        let before = get_answers(played, 2);
        if played.passed() && !before.first().is_some_and(|names| names.contains(&name)) {
            return Finding::fail(format!(
                "`get` did not report `{name}` before its removal, so nothing shows the delete \
                 removed it (a delete that is ignored looks the same)"
            ))
            .with_evidence(evidence(played))
            .with_scenario(scenario);
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

/// `dry-run.no-change`.
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
        if let Some(seen) = get_answers(played, 2).first().filter(|n| !n.is_empty()) {
            return Finding::fail(format!(
                "after a dry run, `get` reports [{}]: the dry run deployed for real",
                seen.join(", ")
            ))
            .with_evidence(evidence(played))
            .with_scenario(scenario);
        }
    }
    judge_scenario(
        scenario,
        run,
        "the dry run left the device as it was",
        |run| {
            run.mismatches
                .first()
                .map_or("the dry run failed".to_string(), |m| {
                    format!("{}: expected {}, got {}", m.what, m.expected, m.actual)
                })
        },
    )
}
