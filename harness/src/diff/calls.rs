//! One call made on both builds, compared as Symphony would see it: how it ended, its error
//! message, what `get` reported (under the provider's rule, as Symphony compares a component
//! with `IsComponentChanged`), and what `apply` returned per component.

use std::collections::BTreeSet;

use super::change::{Area, Change, Changes, Kind};
use super::describe;
use crate::engine::change::{compare_within, MATCH_BUDGET};
use crate::engine::{InSymphony, Outcome};
use crate::model::{ComponentResult, ComponentSpec, ValidationRule};
use crate::scenario::ScenarioRun;
use crate::transcript::{CallEntry, Returned};

/// Both builds' runs of one input, and the rule `get` reports are compared under.
#[derive(Debug, Clone, Copy)]
pub struct Runs<'a> {
    /// The old build's run.
    pub old: &'a ScenarioRun,
    /// The new build's run.
    pub new: &'a ScenarioRun,
    /// The rule Symphony compares with: the new build's.
    pub rule: &'a ValidationRule,
}

/// One call on both builds, where it was made.
#[derive(Debug, Clone, Copy)]
pub struct CallPair<'a> {
    /// `step 2, round 1`.
    pub at: &'a str,
    /// The old build's call.
    pub old: &'a CallEntry,
    /// The new build's call.
    pub new: &'a CallEntry,
}

/// How bad an outcome is for Symphony (higher is worse): ok; an error with a message; a
/// failure Symphony reads badly (no message, no provider, a result Go cannot read); its
/// process dies or waits for ever. `None`: the harness failed, nothing is known.
pub fn rank(outcome: Outcome) -> Option<u8> {
    match (outcome, outcome.in_symphony()) {
        (_, InSymphony::Unknown) => None,
        (_, InSymphony::ProcessDies | InSymphony::WaitsForever) => Some(3),
        (Outcome::Ok, _) => Some(0),
        (Outcome::Error, _) => Some(1),
        _ => Some(2),
    }
}

/// Compares the pair into `changes`.
pub fn compare_call(runs: Runs<'_>, pair: CallPair<'_>, changes: &mut Changes) {
    let (old, new) = (pair.old, pair.new);
    let name = old.call.name();
    let lines = || {
        (
            vec![format!("{}: {}", pair.at, describe::call(runs.old, old))],
            vec![format!("{}: {}", pair.at, describe::call(runs.new, new))],
        )
    };
    if old.outcome != new.outcome {
        let (o, n) = lines();
        changes.push(
            Change::new(
                Kind::by_rank(rank(old.outcome), rank(new.outcome)),
                Area::Call,
                format!(
                    "`{name}` ends `{}` where it ended `{}`",
                    new.outcome, old.outcome
                ),
            )
            .at(pair.at)
            .evidence(o, n),
        );
        return;
    }
    let message =
        |run: &ScenarioRun, call: &CallEntry| call.message.as_deref().map(|m| run.redact(m));
    if message(runs.old, old) != message(runs.new, new) {
        let (o, n) = lines();
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Call,
                format!("`{name}` fails with another message"),
            )
            .at(pair.at)
            .evidence(o, n),
        );
    }
    match (&old.returned, &new.returned) {
        (Some(Returned::Components(o)), Some(Returned::Components(n))) => {
            compare_reports(runs, pair, (o, n), changes);
        }
        (Some(Returned::Results(_)), Some(Returned::Results(_))) => {
            compare_results(runs, pair, changes);
        }
        (Some(Returned::Rule(o)), Some(Returned::Rule(n))) if o != n => changes.push(
            Change::new(
                Kind::Changed,
                Area::Rule,
                "`get_validation_rule` returns another rule",
            )
            .at(pair.at)
            .evidence(
                vec![serde_json::to_string(o).unwrap_or_default()],
                vec![serde_json::to_string(n).unwrap_or_default()],
            ),
        ),
        _ => {}
    }
}

/// What `get` reported on each build: a component or property no longer reported regresses
/// (Symphony sees less of the device); one reported anew changes; a value both report that
/// Symphony's comparison under the rule tells apart changes.
fn compare_reports(
    runs: Runs<'_>,
    pair: CallPair<'_>,
    (old, new): (&[ComponentSpec], &[ComponentSpec]),
    changes: &mut Changes,
) {
    let old_call = format!(
        "{}: {}",
        pair.at,
        describe::call_returning(runs.old, pair.old)
    );
    let new_call = format!(
        "{}: {}",
        pair.at,
        describe::call_returning(runs.new, pair.new)
    );
    let names = |list: &[ComponentSpec]| -> BTreeSet<String> {
        list.iter().map(|c| c.name.clone()).collect()
    };
    let (old_names, new_names) = (names(old), names(new));
    if old_names.difference(&new_names).next().is_some() {
        changes.push(
            Change::new(
                Kind::Regressed,
                Area::Get,
                "`get` no longer reports a component it reported",
            )
            .at(pair.at)
            .evidence(vec![old_call.clone()], vec![new_call.clone()]),
        );
    }
    if new_names.difference(&old_names).next().is_some() {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Get,
                "`get` reports a component it did not report",
            )
            .at(pair.at)
            .evidence(vec![old_call], vec![new_call]),
        );
    }
    for before in old {
        if let Some(after) = new.iter().find(|c| c.name == before.name) {
            compare_component(runs.rule, pair.at, (before, after), changes);
        }
    }
}

/// One component both builds' `get` reported.
fn compare_component(
    rule: &ValidationRule,
    at: &str,
    (old, new): (&ComponentSpec, &ComponentSpec),
    changes: &mut Changes,
) {
    let shown = |c: &ComponentSpec, key: &str| match c.properties.get(key) {
        Some(value) => format!(
            "{at}: `get` reported {} with `{key}` = {}",
            describe::component(c),
            describe::value(value)
        ),
        None => format!(
            "{at}: `get` reported {} without `{key}`",
            describe::component(c)
        ),
    };
    for key in old
        .properties
        .keys()
        .filter(|k| !new.properties.contains_key(*k))
    {
        changes.push(
            Change::new(
                Kind::Regressed,
                Area::Get,
                format!("`get` no longer reports property `{key}`"),
            )
            .at(at)
            .evidence(vec![shown(old, key)], vec![shown(new, key)]),
        );
    }
    for key in new
        .properties
        .keys()
        .filter(|k| !old.properties.contains_key(*k))
    {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Get,
                format!("`get` also reports property `{key}`"),
            )
            .at(at)
            .evidence(vec![shown(old, key)], vec![shown(new, key)]),
        );
    }
    if old.component_type != new.component_type {
        changes.push(
            Change::new(
                Kind::Changed,
                Area::Get,
                "`get` reports another component type",
            )
            .at(at)
            .evidence(
                vec![format!(
                    "{at}: `{}` has type `{}`",
                    old.name, old.component_type
                )],
                vec![format!(
                    "{at}: `{}` has type `{}`",
                    new.name, new.component_type
                )],
            ),
        );
    }
    // Only what both report: a key one side lacks is said above, whatever the rule does.
    // A rule over the engine's matching budget made that side's rounds fail already, which the
    // round outcomes tell: no reasons are drawn from it here.
    let reasons = compare_within(rule, old, new, MATCH_BUDGET)
        .map(|report| report.reasons)
        .unwrap_or_default();
    for reason in reasons {
        let (Some(before), Some(after)) = (&reason.old, &reason.new) else {
            continue;
        };
        let what = match (&reason.key, reason.part.as_str()) {
            (Some(key), "properties") => format!(
                "`get` reports property `{key}` with a value Symphony tells apart under the rule"
            ),
            (_, part) => format!(
                "`get` reports {} Symphony tells apart under the rule",
                part.split(' ').next().unwrap_or(part)
            ),
        };
        changes.push(Change::new(Kind::Changed, Area::Get, what).at(at).evidence(
            vec![format!(
                "{at}: `{}` reported `{before}` (Go's %v)",
                old.name
            )],
            vec![format!(
                "{at}: `{}` reported `{after}` (Go's %v): {}",
                new.name, reason.why
            )],
        ));
    }
}

/// What `apply` returned for each component on each build: a result no longer returned, or a
/// success that became a failure, regresses; the other way round fixes; another status or
/// message changes.
fn compare_results(runs: Runs<'_>, pair: CallPair<'_>, changes: &mut Changes) {
    let (Some(old), Some(new)) = (pair.old.results(), pair.new.results()) else {
        return;
    };
    let evidence = || {
        (
            vec![format!(
                "{}: {}",
                pair.at,
                describe::call_returning(runs.old, pair.old)
            )],
            vec![format!(
                "{}: {}",
                pair.at,
                describe::call_returning(runs.new, pair.new)
            )],
        )
    };
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        let change = match (old.get(name), new.get(name)) {
            (Some(_), None) => Change::new(
                Kind::Regressed,
                Area::Apply,
                "`apply` no longer returns a result for a component of its step",
            ),
            (None, Some(_)) => Change::new(
                Kind::Fixed,
                Area::Apply,
                "`apply` returns a result for a component it left out",
            ),
            (Some(before), Some(after)) if before.status != after.status => {
                let failed = |r: &ComponentResult| u8::from(ComponentResult::is_failure(r.status));
                Change::new(
                    Kind::by_rank(Some(failed(before)), Some(failed(after))),
                    Area::Apply,
                    format!(
                        "`apply` reports {} where it reported {}",
                        describe::status(after.status),
                        describe::status(before.status)
                    ),
                )
            }
            (Some(before), Some(after))
                if runs.old.redact(&before.message) != runs.new.redact(&after.message) =>
            {
                let line = |run: &ScenarioRun, message: &str| {
                    let message = run.redact(message);
                    let message = if message.is_empty() {
                        "(empty)".to_string()
                    } else {
                        format!("`{message}`")
                    };
                    format!("{}: `{name}`: message {message}", pair.at)
                };
                let (o, n) = (
                    vec![line(runs.old, &before.message)],
                    vec![line(runs.new, &after.message)],
                );
                changes.push(
                    Change::new(
                        Kind::Changed,
                        Area::Apply,
                        "`apply` returns another result message",
                    )
                    .at(pair.at)
                    .evidence(o, n),
                );
                continue;
            }
            _ => continue,
        };
        let (o, n) = evidence();
        changes.push(change.at(pair.at).evidence(o, n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_rank_by_what_symphony_suffers() {
        assert_eq!(rank(Outcome::Ok), Some(0));
        assert_eq!(rank(Outcome::Error), Some(1));
        assert_eq!(rank(Outcome::ErrorWithoutMessage), Some(2));
        assert_eq!(rank(Outcome::Panic), Some(3));
        assert_eq!(rank(Outcome::Timeout), Some(3));
        assert_eq!(rank(Outcome::Harness), None);
    }
}
