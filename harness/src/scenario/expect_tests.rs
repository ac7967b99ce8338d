//! Tests of [`super`]: each expectation holds on facts that match it and names itself on facts
//! that do not.

use super::*;
use crate::engine::Outcome;
use crate::scenario::format::{Action, StoredExpect};
use crate::transcript::CallEntry;

fn step(expect: Expect) -> Step {
    Step {
        line: 7,
        note: None,
        action: Action::RestartWorker,
        on: None,
        expect,
    }
}

fn get_call(target: &str, components: &[&str]) -> Entry {
    Entry::Call(CallEntry {
        call: CallKind::Get,
        phase: Phase::Get,
        step: 0,
        target: target.into(),
        role: "r".into(),
        instance: 1,
        components: components
            .iter()
            .map(|c| crate::transcript::SentComponent {
                name: c.to_string(),
                delete: false,
            })
            .collect(),
        outcome: Outcome::Ok,
        message: None,
        returned: None,
        printed: BTreeMap::new(),
        deployment: None,
    })
}

fn whats(mismatches: &[Mismatch]) -> Vec<&str> {
    mismatches.iter().map(|m| m.what.as_str()).collect()
}

#[test]
fn facts_that_hold_give_nothing_and_each_that_does_not_names_itself() {
    let mut device = BTreeMap::new();
    device.insert(
        "web".to_string(),
        DeviceComponent {
            component_type: String::new(),
            properties: BTreeMap::new(),
        },
    );
    let facts = StepFacts {
        stored: Some(vec!["web".into()]),
        calls: vec![get_call("t", &["web"])],
        devices: BTreeMap::from([("d".to_string(), device)]),
        device_for_on: Some("d".into()),
        ..StepFacts::default()
    };
    let holds = Expect {
        stored: Some(StoredExpect {
            state: None,
            components: Some(vec!["web".into()]),
        }),
        calls: Some(vec![CallExpect {
            call: "get".into(),
            target: Some("t".into()),
            components: Some(vec!["web".into()]),
            ..CallExpect::default()
        }]),
        device: Some(BTreeMap::from([(
            "web".to_string(),
            DeviceComponentExpect::default(),
        )])),
        left_after_removal: Some(Vec::new()),
        ..Expect::default()
    };
    assert_eq!(check_step(2, &step(holds), &facts), Vec::new());

    let wrong = Expect {
        stored: Some(StoredExpect {
            state: None,
            components: Some(vec!["db".into()]),
        }),
        calls: Some(vec![CallExpect {
            call: "apply".into(),
            ..CallExpect::default()
        }]),
        device: Some(BTreeMap::new()),
        left_after_removal: Some(vec!["web".into()]),
        converged: Some(true),
        ..Expect::default()
    };
    let found = check_step(2, &step(wrong), &facts);
    assert_eq!(
        whats(&found),
        [
            "expect.(round facts)",
            "expect.calls",
            "expect.device",
            "expect.stored.components",
            "expect.leftAfterRemoval"
        ]
    );
    assert!(found
        .iter()
        .all(|m| m.step == 2 && m.line == 7 && m.round.is_none()));
    let device = &found[2];
    assert_eq!(
        (device.expected.as_str(), device.actual.as_str()),
        ("none", "`web`")
    );
    assert_eq!(
        found[0].describe(),
        "step 2 (line 7): expect.(round facts): expected a round, got a `restartWorker` step, \
         which runs no round"
    );
}

/// A round whose steps are `steps` (applied unless skipped).
fn round(number: u32, steps: Vec<crate::engine::reconcile::StepRecord>) -> RoundReport {
    use crate::engine::reconcile::{StateOutcome, Summary};
    let applied = steps
        .iter()
        .filter(|r| matches!(r.decision, StepDecision::Apply { .. }))
        .count();
    RoundReport {
        round: number,
        at_seconds: 0,
        remove: false,
        dry_run: false,
        get_plan: Vec::new(),
        plan: Vec::new(),
        skipped: steps.len() - applied,
        steps,
        applied,
        failure: None,
        state: StateOutcome::Saved,
        summary: Summary::default(),
        noop: None,
    }
}

/// A step of `component` decided `decision`.
fn record(component: &str, decision: StepDecision) -> crate::engine::reconcile::StepRecord {
    crate::engine::reconcile::StepRecord {
        step: std::sync::Arc::new(crate::model::DeploymentStep {
            target: "t".into(),
            components: vec![crate::model::ComponentStep {
                action: ComponentAction::Update,
                component: std::sync::Arc::new(ComponentSpec {
                    name: component.into(),
                    ..ComponentSpec::default()
                }),
            }],
            role: "r".into(),
            is_first: true,
        }),
        decision,
        results: None,
    }
}

/// `component` applied because rule entry `entry` found key `key` changed.
fn changed(component: &str, entry: &str, key: &str) -> StepDecision {
    StepDecision::Apply {
        reason: ApplyReason::Changed {
            component: component.into(),
            against: crate::engine::reconcile::Against::Current,
            reasons: vec![crate::engine::change::ChangeReason {
                part: "properties".into(),
                entry: Some(entry.into()),
                key: Some(key.into()),
                old: Some("1".into()),
                new: Some("2".into()),
                why: "`%v` texts differ".into(),
            }],
        },
    }
}

#[test]
fn converged_within_n_fails_a_step_that_converges_in_round_n_plus_one() {
    let facts = StepFacts {
        rounds: vec![
            round(1, vec![record("web", changed("web", "*", "image"))]),
            round(2, vec![record("web", changed("web", "*", "image"))]),
            round(3, vec![record("web", StepDecision::Skip)]),
        ],
        ..StepFacts::default()
    };
    let within = |n: u32| {
        check_step(
            1,
            &step(Expect {
                converged_within: Some(n),
                ..Expect::default()
            }),
            &facts,
        )
    };
    // Converged in the step's third round: within 3 holds, within 2 does not.
    assert_eq!(within(3), Vec::new());
    let late = within(2);
    assert_eq!(whats(&late), ["expect.convergedWithin"]);
    assert_eq!(late[0].actual, "converged in round 3 of the step");
    assert_eq!(whats(&within(1)), ["expect.convergedWithin"]);
}

#[test]
fn never_converges_holds_only_for_its_component_entry_and_key() {
    let facts = StepFacts {
        rounds: vec![round(4, vec![record("web", changed("web", "*", "image"))])],
        ..StepFacts::default()
    };
    let never = |component: &str, entry: Option<&str>, key: Option<&str>| {
        let expect = Expect {
            never_converges: Some(crate::scenario::format::NeverConverges {
                component: component.into(),
                entry: entry.map(str::to_string),
                key: key.map(str::to_string),
            }),
            ..Expect::default()
        };
        whats(&check_step(1, &step(expect), &facts))
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let held: Vec<String> = Vec::new();
    assert_eq!(never("web", None, None), held);
    assert_eq!(never("web", Some("*"), Some("image")), held);
    assert_eq!(
        never("web", None, Some("replicas")),
        ["expect.neverConverges"]
    );
    assert_eq!(never("web", Some("image"), None), ["expect.neverConverges"]);
    assert_eq!(never("db", None, None), ["expect.neverConverges"]);
}

#[test]
fn left_after_removal_compares_the_names_not_how_many() {
    let facts = StepFacts {
        left_after_removal: vec!["db".into()],
        ..StepFacts::default()
    };
    let left = |names: &[&str]| {
        let expect = Expect {
            left_after_removal: Some(names.iter().map(|n| n.to_string()).collect()),
            ..Expect::default()
        };
        check_step(1, &step(expect), &facts)
    };
    assert_eq!(left(&["db"]), Vec::new());
    let wrong = left(&["web"]);
    assert_eq!(whats(&wrong), ["expect.leftAfterRemoval"]);
    assert_eq!(
        (wrong[0].expected.as_str(), wrong[0].actual.as_str()),
        ("`web`", "`db`")
    );
    assert_eq!(whats(&left(&[])), ["expect.leftAfterRemoval"]);
}

/// A step of `component` with `action`, decided `decision`, and the result map its `apply`
/// returned (`None`: not applied, or its `apply` failed).
fn step_of(
    component: &str,
    action: ComponentAction,
    decision: StepDecision,
    results: Option<&[(&str, u16, &str)]>,
) -> crate::engine::reconcile::StepRecord {
    let mut record = record(component, decision);
    std::sync::Arc::make_mut(&mut record.step).components[0].action = action;
    record.results = results.map(|list| {
        list.iter()
            .map(|(name, status, message)| {
                (
                    name.to_string(),
                    crate::model::ComponentResult {
                        status: *status,
                        message: message.to_string(),
                    },
                )
            })
            .collect()
    });
    record
}

fn apply_because(reason: ApplyReason) -> StepDecision {
    StepDecision::Apply { reason }
}

/// A round that updated `web`, deleted `db`, skipped `cache`, and whose `apply`s of `queue`
/// (an update) and `old` (a delete) returned no result map.
fn mixed_round() -> RoundReport {
    round(
        2,
        vec![
            step_of(
                "web",
                ComponentAction::Update,
                apply_because(ApplyReason::NotReportedByGet {
                    component: "web".into(),
                }),
                Some(&[("web", 8004, "updated web")]),
            ),
            step_of(
                "db",
                ComponentAction::Delete,
                apply_because(ApplyReason::DeleteOfPreviouslyDesired {
                    component: "db".into(),
                }),
                Some(&[("db", 8005, "")]),
            ),
            step_of("cache", ComponentAction::Update, StepDecision::Skip, None),
            step_of(
                "queue",
                ComponentAction::Update,
                apply_because(ApplyReason::NoPreviousState),
                None,
            ),
            step_of(
                "old",
                ComponentAction::Delete,
                apply_because(ApplyReason::DeleteOfReportedOnly {
                    component: "old".into(),
                }),
                None,
            ),
        ],
    )
}

/// The mismatches of `expect` against one round, `last`.
fn against(last: RoundReport, expect: Expect) -> Vec<Mismatch> {
    let facts = StepFacts {
        rounds: vec![last],
        ..StepFacts::default()
    };
    check_step(1, &step(expect), &facts)
}

fn list(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|n| n.to_string()).collect())
}

#[test]
fn a_mismatch_is_the_same_wherever_its_step_is_written_and_only_then() {
    let mismatch = Mismatch {
        step: 2,
        line: 7,
        round: Some(3),
        what: "expect.updates".into(),
        expected: "`web`".into(),
        actual: "none".into(),
    };
    let moved = Mismatch {
        line: 40,
        ..mismatch.clone()
    };
    assert!(mismatch.same_as(&moved));
    let others = [
        Mismatch {
            step: 3,
            ..mismatch.clone()
        },
        Mismatch {
            round: Some(4),
            ..mismatch.clone()
        },
        Mismatch {
            what: "expect.deletes".into(),
            ..mismatch.clone()
        },
        Mismatch {
            expected: "`db`".into(),
            ..mismatch.clone()
        },
        Mismatch {
            actual: "`db`".into(),
            ..mismatch.clone()
        },
    ];
    for other in others {
        assert!(!mismatch.same_as(&other), "{other:?}");
    }
}

#[test]
fn updates_deletes_skips_and_reasons_are_read_from_the_last_rounds_steps() {
    let holds = Expect {
        updates: list(&["web"]),
        deletes: list(&["db"]),
        skips: list(&["cache"]),
        reasons: Some(BTreeMap::from([
            ("web".to_string(), "not-reported-by-get".to_string()),
            ("db".to_string(), "delete-of-previously-desired".to_string()),
            ("cache".to_string(), "skip".to_string()),
            ("queue".to_string(), "no-previous-state".to_string()),
        ])),
        ..Expect::default()
    };
    assert_eq!(against(mixed_round(), holds), Vec::new());

    let wrong = Expect {
        updates: list(&["web", "queue"]),
        deletes: list(&[]),
        skips: list(&["web"]),
        reasons: Some(BTreeMap::from([
            ("web".to_string(), "changed".to_string()),
            ("ghost".to_string(), "skip".to_string()),
        ])),
        ..Expect::default()
    };
    let found = against(mixed_round(), wrong);
    let seen: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|m| (m.what.as_str(), m.expected.as_str(), m.actual.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("expect.updates", "`queue`, `web`", "`web`"),
            ("expect.deletes", "none", "`db`"),
            ("expect.skips", "`web`", "`cache`"),
            (
                "expect.reasons.ghost",
                "skip",
                "no step of the round holds it"
            ),
            ("expect.reasons.web", "changed", "not-reported-by-get"),
        ]
    );
    assert!(found.iter().all(|m| m.round == Some(2)));
}

#[test]
fn every_round_fact_asked_of_a_step_without_rounds_is_a_mismatch() {
    let no_rounds = StepFacts::default();
    let one = |expect: Expect| whats(&check_step(1, &step(expect), &no_rounds)).len();
    let each: Vec<(&str, Expect)> = vec![
        (
            "converged",
            Expect {
                converged: Some(true),
                ..Expect::default()
            },
        ),
        (
            "neverConverges",
            Expect {
                never_converges: Some(crate::scenario::format::NeverConverges {
                    component: "web".into(),
                    entry: None,
                    key: None,
                }),
                ..Expect::default()
            },
        ),
        (
            "updates",
            Expect {
                updates: list(&[]),
                ..Expect::default()
            },
        ),
        (
            "deletes",
            Expect {
                deletes: list(&[]),
                ..Expect::default()
            },
        ),
        (
            "skips",
            Expect {
                skips: list(&[]),
                ..Expect::default()
            },
        ),
        (
            "reasons",
            Expect {
                reasons: Some(BTreeMap::new()),
                ..Expect::default()
            },
        ),
        (
            "outcome",
            Expect {
                outcome: Some("ok".into()),
                ..Expect::default()
            },
        ),
        (
            "failure",
            Expect {
                failure: Some(Default::default()),
                ..Expect::default()
            },
        ),
        (
            "results",
            Expect {
                results: Some(BTreeMap::new()),
                ..Expect::default()
            },
        ),
        (
            "summary",
            Expect {
                summary: Some(Default::default()),
                ..Expect::default()
            },
        ),
        (
            "convergedWithin",
            Expect {
                converged_within: Some(3),
                ..Expect::default()
            },
        ),
    ];
    for (name, expect) in each {
        assert_eq!(one(expect), 1, "`{name}` asked of a step without rounds");
    }
    assert_eq!(one(Expect::default()), 0);

    let two_rounds = StepFacts {
        rounds: vec![round(1, Vec::new()), round(2, Vec::new())],
        ..StepFacts::default()
    };
    let rounds = |n: u32| {
        let expect = Expect {
            rounds: Some(n),
            converged: Some(true),
            ..Expect::default()
        };
        check_step(1, &step(expect), &two_rounds)
    };
    assert_eq!(rounds(2), Vec::new());
    let wrong = rounds(3);
    assert_eq!(whats(&wrong), ["expect.rounds"]);
    assert_eq!(
        (wrong[0].expected.as_str(), wrong[0].actual.as_str()),
        ("3", "2")
    );
}

#[test]
fn converged_says_what_the_last_round_did_instead() {
    let converged = |round: RoundReport, expected: bool| {
        against(
            round,
            Expect {
                converged: Some(expected),
                ..Expect::default()
            },
        )
    };
    let quiet = round(3, vec![record("web", StepDecision::Skip)]);
    assert_eq!(converged(quiet.clone(), true), Vec::new());
    let found = converged(quiet, false);
    assert_eq!(
        (found[0].expected.as_str(), found[0].actual.as_str()),
        ("false", "converged")
    );
    let busy = round(3, vec![record("web", changed("web", "*", "image"))]);
    assert_eq!(converged(busy.clone(), false), Vec::new());
    let found = converged(busy, true);
    assert!(
        found[0].actual.starts_with("not converged: step `t`/`r`: "),
        "{found:?}"
    );
    let mut failed = round(3, Vec::new());
    failed.failure = Some(apply_failure());
    let found = converged(failed, true);
    assert!(
        found[0].actual.starts_with("a failed round (") && found[0].actual.contains("disk full"),
        "{found:?}"
    );
}

fn apply_failure() -> crate::engine::reconcile::Failure {
    crate::engine::reconcile::Failure {
        stage: crate::engine::reconcile::Stage::Apply,
        step: 0,
        target: "t".into(),
        role: "r".into(),
        outcome: crate::engine::reconcile::FailedBy::Call(Outcome::Error),
        message: "disk full".into(),
        indeterminate: false,
        components: vec!["web".into()],
    }
}

#[test]
fn outcome_failure_and_results_each_compare_their_own_part() {
    let ok = mixed_round();
    let mut failed = round(2, Vec::new());
    failed.failure = Some(apply_failure());
    let outcome = |last: RoundReport, outcome: &str| {
        let expect = Expect {
            outcome: Some(outcome.into()),
            ..Expect::default()
        };
        against(last, expect)
    };
    assert_eq!(outcome(ok.clone(), "ok"), Vec::new());
    assert_eq!(outcome(failed.clone(), "error"), Vec::new());
    let found = outcome(failed.clone(), "ok");
    assert!(found[0].actual.starts_with("error ("), "{found:?}");

    let failure = |last: RoundReport, failure: crate::scenario::format::FailureExpect| {
        let expect = Expect {
            failure: Some(failure),
            ..Expect::default()
        };
        whats(&against(last, expect))
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let expect =
        |stage: &str, text: &str, indeterminate: bool| crate::scenario::format::FailureExpect {
            stage: Some(stage.into()),
            message_contains: Some(text.into()),
            indeterminate: Some(indeterminate),
        };
    assert!(failure(failed.clone(), expect("apply", "disk", false)).is_empty());
    assert_eq!(
        failure(ok.clone(), expect("apply", "disk", false)),
        ["expect.failure"]
    );
    assert_eq!(
        failure(failed.clone(), expect("get", "disk", false)),
        ["expect.failure.stage"]
    );
    assert_eq!(
        failure(failed.clone(), expect("apply", "quota", false)),
        ["expect.failure.messageContains"]
    );
    assert_eq!(
        failure(failed, expect("apply", "disk", true)),
        ["expect.failure.indeterminate"]
    );

    let results = |expected: &[(&str, Option<u16>, Option<&str>)]| {
        let expect = Expect {
            results: Some(
                expected
                    .iter()
                    .map(|(name, status, text)| {
                        (
                            name.to_string(),
                            crate::scenario::format::ResultExpect {
                                status: *status,
                                message_contains: text.map(str::to_string),
                            },
                        )
                    })
                    .collect(),
            ),
            ..Expect::default()
        };
        against(mixed_round(), expect)
    };
    assert_eq!(
        results(&[
            ("web", Some(8004), Some("updated")),
            ("db", Some(8005), None)
        ]),
        Vec::new()
    );
    let found = results(&[("web", Some(200), Some("deleted")), ("queue", None, None)]);
    let seen: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|m| (m.what.as_str(), m.expected.as_str(), m.actual.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "expect.results.queue",
                "a result",
                "no result (results for `db`, `web`)"
            ),
            ("expect.results.web.status", "200", "8004"),
            (
                "expect.results.web.messageContains",
                "\"deleted\"",
                "\"updated web\""
            ),
        ]
    );
}

/// An `apply` call of `components` on `target`, in `phase`.
fn apply_call(target: &str, components: &[&str], dry_run: bool, phase: Phase) -> Entry {
    let Entry::Call(mut call) = get_call(target, components) else {
        unreachable!("get_call makes a call")
    };
    call.call = CallKind::Apply { dry_run };
    call.phase = phase;
    Entry::Call(call)
}

#[test]
fn calls_compare_symphonys_get_and_apply_calls_field_by_field() {
    let Entry::Call(mut rule) = get_call("t", &[]) else {
        unreachable!("get_call makes a call")
    };
    rule.call = CallKind::GetValidationRule;
    rule.phase = Phase::Apply;
    let Entry::Call(mut create) = get_call("t", &[]) else {
        unreachable!("get_call makes a call")
    };
    create.call = CallKind::Create;
    let Entry::Call(mut check) = get_call("t", &["web"]) else {
        unreachable!("get_call makes a call")
    };
    check.phase = Phase::Check;
    let facts = StepFacts {
        calls: vec![
            Entry::Call(create),
            get_call("t", &["web"]),
            Entry::Call(rule),
            apply_call("t", &["web"], true, Phase::Apply),
            Entry::Call(check),
        ],
        ..StepFacts::default()
    };
    let want =
        |call: &str, target: &str, components: &[&str], dry_run: bool, outcome: &str| CallExpect {
            call: call.into(),
            target: Some(target.into()),
            components: list(components),
            dry_run: Some(dry_run).filter(|_| call == "apply"),
            outcome: Some(outcome.into()),
        };
    let calls = |calls: Vec<CallExpect>| {
        let expect = Expect {
            calls: Some(calls),
            ..Expect::default()
        };
        check_step(1, &step(expect), &facts)
    };
    let get = || want("get", "t", &["web"], false, "ok");
    let apply = || want("apply", "t", &["web"], true, "ok");
    assert_eq!(calls(vec![get(), apply()]), Vec::new());
    let only_kinds = CallExpect {
        call: "get".into(),
        ..CallExpect::default()
    };
    assert_eq!(
        calls(vec![
            only_kinds.clone(),
            CallExpect {
                call: "apply".into(),
                ..only_kinds
            }
        ]),
        Vec::new(),
        "a field not given matches anything"
    );
    let wrong = [
        ("fewer calls", vec![get()]),
        ("another call", vec![apply(), apply()]),
        (
            "another target",
            vec![get(), want("apply", "u", &["web"], true, "ok")],
        ),
        (
            "other components",
            vec![get(), want("apply", "t", &["db"], true, "ok")],
        ),
        (
            "not a dry run",
            vec![get(), want("apply", "t", &["web"], false, "ok")],
        ),
        (
            "another outcome",
            vec![get(), want("apply", "t", &["web"], true, "error")],
        ),
    ];
    for (name, expected) in wrong {
        let found = calls(expected);
        assert_eq!(whats(&found), ["expect.calls"], "{name}");
        assert_eq!(
            found[0].actual, "[get t [web] ok; apply dry-run t [web] ok]",
            "{name}"
        );
    }
    let found = calls(vec![get(), want("apply", "u", &["db"], true, "error")]);
    assert_eq!(
        found[0].expected,
        "[get t [web] ok; apply dry-run u [db] error]"
    );
}

#[test]
fn device_compares_the_names_then_the_properties_given() {
    let on_device = DeviceComponent {
        component_type: String::new(),
        properties: BTreeMap::from([("image".to_string(), serde_json::json!("a"))]),
    };
    let facts = StepFacts {
        devices: BTreeMap::from([(
            "d".to_string(),
            BTreeMap::from([("web".to_string(), on_device)]),
        )]),
        device_for_on: Some("d".into()),
        ..StepFacts::default()
    };
    let device = |facts: &StepFacts, expected: &[(&str, Option<&str>)]| {
        let expect = Expect {
            device: Some(
                expected
                    .iter()
                    .map(|(name, image)| {
                        (
                            name.to_string(),
                            DeviceComponentExpect {
                                properties: image.map(|image| {
                                    BTreeMap::from([(
                                        "image".to_string(),
                                        serde_json::json!(image),
                                    )])
                                }),
                            },
                        )
                    })
                    .collect(),
            ),
            ..Expect::default()
        };
        check_step(1, &step(expect), facts)
    };
    assert_eq!(device(&facts, &[("web", Some("a"))]), Vec::new());
    let found = device(&facts, &[("web", Some("b"))]);
    assert_eq!(whats(&found), ["expect.device.web.properties"]);
    assert_eq!(
        (found[0].expected.as_str(), found[0].actual.as_str()),
        ("{\"image\":\"b\"}", "{\"image\":\"a\"}")
    );
    assert_eq!(
        whats(&device(&facts, &[("web", None), ("db", None)])),
        ["expect.device"]
    );
    let unnamed = StepFacts {
        device_for_on: None,
        ..facts
    };
    let found = device(&unnamed, &[("web", None)]);
    assert_eq!(
        found[0].actual,
        "devices `d`: name one with the step's `on`"
    );
    let found = device(&StepFacts::default(), &[("web", None)]);
    assert_eq!(
        found[0].actual,
        "no device channel (not the simulated provider)"
    );
}

#[test]
fn stored_compares_the_state_and_the_names_and_nothing_stored_is_empty() {
    let stored = |facts: &StepFacts, state: Option<&str>, components: Option<&[&str]>| {
        let expect = Expect {
            stored: Some(StoredExpect {
                state: state.map(str::to_string),
                components: components.and_then(list),
            }),
            ..Expect::default()
        };
        whats(&check_step(1, &step(expect), facts))
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let saved = StepFacts {
        rounds: vec![round(1, Vec::new())],
        stored: list(&["web", "db"]),
        ..StepFacts::default()
    };
    let nothing = StepFacts {
        rounds: vec![round(1, Vec::new())],
        ..StepFacts::default()
    };
    let none: Vec<String> = Vec::new();
    assert_eq!(stored(&saved, Some("saved"), Some(&["db", "web"])), none);
    assert_eq!(
        stored(&saved, Some("dropped"), None),
        ["expect.stored.state"]
    );
    assert_eq!(
        stored(&saved, None, Some(&["web"])),
        ["expect.stored.components"]
    );
    assert_eq!(
        stored(&saved, None, Some(&[])),
        ["expect.stored.components"]
    );
    assert_eq!(
        stored(&nothing, None, Some(&[])),
        none,
        "nothing stored is empty"
    );
    assert_eq!(
        stored(&nothing, None, Some(&["web"])),
        ["expect.stored.components"]
    );
}
