//! One scenario (a given file, or a history) played on both builds, compared through its
//! typed transcripts: whether it could be played and ran to its end, its expectations (a
//! history's are the invariants), and step by step what a removal left, whether Symphony
//! would have gone on, convergence, the devices' truth, and each round ([`super::rounds`]).

use std::collections::BTreeSet;

use super::calls::Runs;
use super::change::{Area, Change, Changes, Kind};
use super::device::compare_devices;
use super::rounds::{compare_round, converged};
use crate::scenario::{Mismatch, ScenarioRun};
use crate::transcript::StepTranscript;

/// A scenario's verdict on one build: `passed`, `failed` (an expectation did not hold),
/// `stopped` (it could not run to its end), or `not played`.
pub fn verdict(run: &Result<ScenarioRun, String>) -> &'static str {
    match run {
        Err(_) => "not played",
        Ok(run) if run.error.is_some() => "stopped",
        Ok(run) if !run.mismatches.is_empty() => "failed",
        Ok(_) => "passed",
    }
}

/// The changes one scenario shows between its `old` and `new` plays.
pub fn compare_runs(
    old: &Result<ScenarioRun, String>,
    new: &Result<ScenarioRun, String>,
    rule: &crate::model::ValidationRule,
) -> Vec<Change> {
    let mut changes = Changes::default();
    let (old, new) = match (old, new) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(o), Err(n)) if o == n => return Vec::new(),
        (o, n) => {
            let text = |run: &Result<ScenarioRun, String>| match run {
                Ok(_) => "played".to_string(),
                Err(why) => format!("could not be played: {why}"),
            };
            let rank = |run: &Result<ScenarioRun, String>| Some(u8::from(run.is_err()));
            changes.push(
                Change::new(
                    Kind::by_rank(rank(o), rank(n)),
                    Area::Run,
                    if n.is_err() {
                        "the scenario cannot be played"
                    } else {
                        "the scenario can be played again"
                    },
                )
                .evidence(vec![text(o)], vec![text(n)]),
            );
            return changes.into_vec();
        }
    };
    let runs = Runs { old, new, rule };
    compare_stop(runs, &mut changes);
    compare_mismatches(runs, &mut changes);
    for (before, after) in old.transcript.steps.iter().zip(&new.transcript.steps) {
        compare_step(runs, (before, after), &mut changes);
    }
    changes.into_vec()
}

/// A scenario that stops before its end on one build only regresses or fixes.
fn compare_stop(runs: Runs<'_>, changes: &mut Changes) {
    let (old, new) = (&runs.old.error, &runs.new.error);
    if old == new {
        return;
    }
    let text = |error: &Option<String>| {
        error
            .as_ref()
            .map_or("ran to its end".to_string(), |e| format!("stopped: {e}"))
    };
    let what = match (old, new) {
        (None, Some(_)) => "the scenario stops before its end",
        (Some(_), None) => "the scenario runs to its end again",
        _ => "the scenario stops for another reason",
    };
    let rank = |error: &Option<String>| Some(u8::from(error.is_some()));
    changes.push(
        Change::new(Kind::by_rank(rank(old), rank(new)), Area::Run, what)
            .evidence(vec![text(old)], vec![text(new)]),
    );
}

/// What identifies an expectation across the builds: where it is and what it is.
fn mismatch_key(mismatch: &Mismatch) -> (usize, Option<u32>, &str) {
    (mismatch.step, mismatch.round, mismatch.what.as_str())
}

/// An expectation (a history's invariant) that holds on one build only.
fn compare_mismatches(runs: Runs<'_>, changes: &mut Changes) {
    let keys = |run: &ScenarioRun| -> BTreeSet<(usize, Option<u32>, String)> {
        run.mismatches
            .iter()
            .map(|m| {
                let (step, round, what) = mismatch_key(m);
                (step, round, what.to_string())
            })
            .collect()
    };
    let (old_keys, new_keys) = (keys(runs.old), keys(runs.new));
    let line = |run: &ScenarioRun, key: &(usize, Option<u32>, String)| {
        run.mismatches
            .iter()
            .find(|m| mismatch_key(m) == (key.0, key.1, key.2.as_str()))
            .map_or_else(
                || format!("step {}: `{}` held", key.0, short(&key.2)),
                |m| {
                    run.redact(&format!(
                        "step {}{}: {}: expected {}, got {}",
                        m.step,
                        m.round.map_or(String::new(), |r| format!(", round {r}")),
                        short(&m.what),
                        m.expected,
                        m.actual
                    ))
                },
            )
    };
    let at = |key: &(usize, Option<u32>, String)| match key.1 {
        Some(round) => format!("step {}, round {round}", key.0),
        None => format!("step {}", key.0),
    };
    for key in new_keys.difference(&old_keys) {
        changes.push(
            Change::new(
                Kind::Regressed,
                Area::Expectation,
                format!("`{}` no longer holds", short(&key.2)),
            )
            .at(at(key))
            .evidence(vec![line(runs.old, key)], vec![line(runs.new, key)]),
        );
    }
    for key in old_keys.difference(&new_keys) {
        changes.push(
            Change::new(
                Kind::Fixed,
                Area::Expectation,
                format!("`{}` holds again", short(&key.2)),
            )
            .at(at(key))
            .evidence(vec![line(runs.old, key)], vec![line(runs.new, key)]),
        );
    }
}

/// `appliedOnDevice` from `expect.appliedOnDevice`.
fn short(what: &str) -> &str {
    what.strip_prefix("expect.").unwrap_or(what)
}

/// One step on both builds.
fn compare_step(
    runs: Runs<'_>,
    (old, new): (&StepTranscript, &StepTranscript),
    changes: &mut Changes,
) {
    let step = old.step;
    let at = format!("step {step}");
    if old.symphony_stops != new.symphony_stops {
        let text = |run: &ScenarioRun, stops: &Option<String>| {
            stops
                .as_ref()
                .map_or("Symphony goes on".to_string(), |why| {
                    format!("Symphony would not go on: {}", run.redact(why))
                })
        };
        let rank = |stops: &Option<String>| Some(u8::from(stops.is_some()));
        let what = if new.symphony_stops.is_some() {
            "Symphony would not go on: a call crashed or hung"
        } else {
            "Symphony goes on where a call crashed or hung"
        };
        changes.push(
            Change::new(
                Kind::by_rank(rank(&old.symphony_stops), rank(&new.symphony_stops)),
                Area::Reconcile,
                what,
            )
            .at(&at)
            .evidence(
                vec![text(runs.old, &old.symphony_stops)],
                vec![text(runs.new, &new.symphony_stops)],
            ),
        );
    }
    compare_left(&at, (old, new), changes);
    compare_convergence(&at, (old, new), changes);
    compare_devices(&at, (old, new), changes);
    for (before, after) in old.rounds.iter().zip(&new.rounds) {
        compare_round(runs, step, (before, after), changes);
    }
}

/// What `get` still reports after a removal that said it deleted it.
fn compare_left(at: &str, (old, new): (&StepTranscript, &StepTranscript), changes: &mut Changes) {
    let set = |step: &StepTranscript| -> BTreeSet<String> {
        step.left_after_removal.iter().cloned().collect()
    };
    let (before, after) = (set(old), set(new));
    let line = |left: &BTreeSet<String>| {
        if left.is_empty() {
            format!("{at}: `get` reports none of the removed components")
        } else {
            format!(
                "{at}: `get` still reports {}",
                left.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    if after.difference(&before).next().is_some() {
        changes.push(
            Change::new(
                Kind::Regressed,
                Area::Reconcile,
                "a removal leaves components `get` still reports",
            )
            .at(at)
            .evidence(vec![line(&before)], vec![line(&after)]),
        );
    }
    if before.difference(&after).next().is_some() {
        changes.push(
            Change::new(
                Kind::Fixed,
                Area::Reconcile,
                "a removal no longer leaves components `get` still reports",
            )
            .at(at)
            .evidence(vec![line(&before)], vec![line(&after)]),
        );
    }
}

/// A reconcile step (not a dry run or removal) converges on its last round on one build
/// only; or both converge after another number of rounds.
fn compare_convergence(
    at: &str,
    (old, new): (&StepTranscript, &StepTranscript),
    changes: &mut Changes,
) {
    let reconciles = |step: &StepTranscript| {
        !step.rounds.is_empty() && step.rounds.iter().all(|r| !r.remove && !r.dry_run)
    };
    if !(reconciles(old) && reconciles(new)) {
        return;
    }
    let state = |step: &StepTranscript| {
        let rounds = step.rounds.len();
        let last = step.rounds.last().is_some_and(converged);
        (last, rounds)
    };
    let ((old_converged, old_rounds), (new_converged, new_rounds)) = (state(old), state(new));
    let line = |converged: bool, rounds: usize| {
        if converged {
            format!("{at}: converged (round {rounds} applied nothing)")
        } else {
            format!("{at}: not converged after {rounds} round(s)")
        }
    };
    let what = match (old_converged, new_converged) {
        (true, false) => "a reconcile no longer converges",
        (false, true) => "a reconcile converges again",
        (true, true) if old_rounds != new_rounds => {
            "a reconcile converges after another number of rounds"
        }
        _ => return,
    };
    let rank = |converged: bool| Some(u8::from(!converged));
    changes.push(
        Change::new(
            Kind::by_rank(rank(old_converged), rank(new_converged)),
            Area::Reconcile,
            what,
        )
        .at(at)
        .evidence(
            vec![line(old_converged, old_rounds)],
            vec![line(new_converged, new_rounds)],
        ),
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use serde_json::{json, Value};

    use super::*;
    use crate::engine::events::{CallKind, Phase};
    use crate::engine::reconcile::StateOutcome;
    use crate::engine::Outcome;
    use crate::model::{ComponentResult, ComponentSpec, ValidationRule};
    use crate::scenario::Tally;
    use crate::transcript::{
        CallEntry, DecisionEntry, Entry, Redactions, Returned, RoundTranscript, SentComponent,
        Transcript,
    };

    fn call(kind: CallKind, outcome: Outcome, returned: Option<Returned>) -> CallEntry {
        CallEntry {
            call: kind,
            phase: Phase::Get,
            step: 0,
            target: "t".into(),
            role: "r".into(),
            instance: 1,
            components: vec![SentComponent {
                name: "web".into(),
                delete: false,
            }],
            outcome,
            message: (outcome != Outcome::Ok).then(|| "it failed".to_string()),
            returned,
            printed: BTreeMap::new(),
            deployment: None,
        }
    }

    fn get(properties: Value) -> Entry {
        let properties: BTreeMap<String, Value> = serde_json::from_value(properties).unwrap();
        let web = ComponentSpec {
            name: "web".into(),
            properties,
            ..ComponentSpec::default()
        };
        Entry::Call(call(
            CallKind::Get,
            Outcome::Ok,
            Some(Returned::Components(vec![web])),
        ))
    }

    fn apply(status: Option<u16>) -> Entry {
        let results = status
            .map(|status| {
                (
                    "web".to_string(),
                    ComponentResult {
                        status,
                        message: String::new(),
                    },
                )
            })
            .into_iter()
            .collect();
        Entry::Call(call(
            CallKind::Apply { dry_run: false },
            Outcome::Ok,
            Some(Returned::Results(results)),
        ))
    }

    fn decision(decision: &'static str) -> Entry {
        Entry::Decision(DecisionEntry {
            step: 0,
            target: "t".into(),
            role: "r".into(),
            decision,
            reason: None,
        })
    }

    /// A run of one step of one round holding `events`.
    fn run(events: Vec<Entry>) -> Result<ScenarioRun, String> {
        let round = RoundTranscript {
            round: 1,
            at_seconds: 0,
            remove: false,
            dry_run: false,
            events,
            failure: None,
            state: StateOutcome::Saved,
            stored: None,
            stored_keys: None,
            noop: None,
            summary: Default::default(),
            deployments: Vec::new(),
        };
        Ok(ScenarioRun {
            transcript: Transcript {
                steps: vec![StepTranscript {
                    step: 1,
                    rounds: vec![round],
                    ..StepTranscript::default()
                }],
                ..Transcript::default()
            },
            redactions: Redactions::new(),
            mismatches: Vec::new(),
            error: None,
            library: PathBuf::new(),
            library_sha256: String::new(),
            library_refused: None,
            tally: Tally::default(),
            warnings: Vec::new(),
        })
    }

    /// A row: both builds' events, and the `(kind, what)` of every change expected.
    struct Row {
        name: &'static str,
        old: Vec<Entry>,
        new: Vec<Entry>,
        expected: Vec<(Kind, &'static str)>,
    }

    #[test]
    fn two_transcripts_compare_call_by_call_as_symphony_sees_them() {
        use Kind::{Changed, Fixed, Regressed};
        let failed = |kind, outcome| Entry::Call(call(kind, outcome, None));
        let rows = vec![
            Row {
                name: "the same calls: no change",
                old: vec![get(json!({"image": "a"})), decision("skip")],
                new: vec![get(json!({"image": "a"})), decision("skip")],
                expected: vec![],
            },
            Row {
                name: "a property no longer reported regresses, naming it",
                old: vec![get(json!({"image": "a", "replicas": 2}))],
                new: vec![get(json!({"image": "a"}))],
                expected: vec![(Regressed, "`get` no longer reports property `replicas`")],
            },
            Row {
                name: "a property reported anew only changes",
                old: vec![get(json!({"image": "a"}))],
                new: vec![get(json!({"image": "a", "extra": 1}))],
                expected: vec![(Changed, "`get` also reports property `extra`")],
            },
            Row {
                name: "values Go's %v renders alike are no change; 1e+06 and 1000000 differ",
                old: vec![get(json!({"small": 2, "big": 1_000_000, "case": "abc"}))],
                new: vec![get(json!({"small": "2", "big": "1000000", "case": "ABC"}))],
                expected: vec![(
                    Changed,
                    "`get` reports property `big` with a value Symphony tells apart under the rule",
                )],
            },
            Row {
                name: "Updated to UpdateFailed regresses, a missing result regresses",
                old: vec![apply(Some(8004))],
                new: vec![apply(Some(8001))],
                expected: vec![(
                    Regressed,
                    "`apply` reports 8001 (UpdateFailed) where it reported 8004 (Updated)",
                )],
            },
            Row {
                name: "a result no longer returned regresses; returned again fixes",
                old: vec![apply(Some(8004)), get(json!({}))],
                new: vec![apply(None), get(json!({}))],
                expected: vec![(
                    Regressed,
                    "`apply` no longer returns a result for a component of its step",
                )],
            },
            Row {
                name: "UpdateFailed to Updated fixes",
                old: vec![apply(Some(8001))],
                new: vec![apply(Some(8004))],
                expected: vec![(
                    Fixed,
                    "`apply` reports 8004 (Updated) where it reported 8001 (UpdateFailed)",
                )],
            },
            Row {
                name: "ok to panic regresses",
                old: vec![get(json!({}))],
                new: vec![failed(CallKind::Get, Outcome::Panic)],
                expected: vec![(Regressed, "`get` ends `panic` where it ended `ok`")],
            },
            Row {
                name: "panic to an error with a message fixes",
                old: vec![failed(CallKind::Get, Outcome::Panic)],
                new: vec![failed(CallKind::Get, Outcome::Error)],
                expected: vec![(Fixed, "`get` ends `error` where it ended `panic`")],
            },
            Row {
                name:
                    "a skipped step applied, and its apply, change; the round no longer converges",
                old: vec![get(json!({})), decision("skip")],
                new: vec![get(json!({})), decision("apply"), apply(Some(8004))],
                expected: vec![
                    (Regressed, "a reconcile no longer converges"),
                    (Changed, "Symphony applies a step it skipped"),
                    (Changed, "Symphony makes an extra `apply` call"),
                ],
            },
        ];
        let rule = ValidationRule::default();
        for row in rows {
            let changes = compare_runs(&run(row.old), &run(row.new), &rule);
            let seen: Vec<(Kind, &str)> =
                changes.iter().map(|c| (c.kind, c.what.as_str())).collect();
            assert_eq!(seen, row.expected, "{}", row.name);
        }
    }

    #[test]
    fn an_expectation_broken_on_one_build_regresses_or_fixes_and_a_stop_regresses() {
        let mismatch = Mismatch {
            step: 1,
            line: 0,
            round: Some(1),
            what: "expect.appliedOnDevice".into(),
            expected: "true".into(),
            actual: "`web` lacks `replicas`".into(),
        };
        let mut broken = run(vec![]).unwrap();
        broken.mismatches.push(mismatch);
        broken.error = Some("step 2: the device channel failed".into());
        let rule = ValidationRule::default();
        let changes = compare_runs(&run(vec![]), &Ok(broken.clone()), &rule);
        let seen: Vec<(Kind, &str)> = changes.iter().map(|c| (c.kind, c.what.as_str())).collect();
        assert_eq!(
            seen,
            [
                (Kind::Regressed, "the scenario stops before its end"),
                (Kind::Regressed, "`appliedOnDevice` no longer holds"),
            ]
        );
        assert_eq!(
            changes[1].new,
            ["step 1, round 1: appliedOnDevice: expected true, got `web` lacks `replicas`"]
        );
        let back = compare_runs(&Ok(broken), &run(vec![]), &rule);
        assert!(back.iter().all(|c| c.kind == Kind::Fixed), "{back:?}");
        let unplayable = compare_runs(&run(vec![]), &Err("no library".into()), &rule);
        assert_eq!(unplayable[0].kind, Kind::Regressed);
        assert_eq!(verdict(&Err("x".into())), "not played");
    }
}
