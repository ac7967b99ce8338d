//! What is known of a removal's deletes, so no report calls a removal done that nothing
//! confirms. Symphony trusts `apply`'s `Ok` alone; a delete is shown done only when `apply`
//! gave the component a result and `get` had reported the component before (so its absence
//! afterwards says something). A provider whose `apply` ignores deletes and whose `get` never
//! reports anything (the tutorial's skeleton) passes a removal in Symphony without either.
//!
//! [`Seen`] gathers what `get` reported (from engine events, or a transcript's calls);
//! [`unconfirmed`] lists the deletes nothing confirms, each with what is missing.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::engine::events::{CallKind, CallReturn, Event, Phase};
use crate::engine::reconcile::{RoundReport, StepDecision};
use crate::engine::Outcome;
use crate::model::ComponentAction;
use crate::transcript::CallEntry;

/// The components Symphony's own `get`s reported (its get phase, not the harness's look after
/// a removal), by target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    reported: BTreeSet<(String, String)>,
}

impl Seen {
    /// Records what a get-phase `get` reported, from an engine event.
    pub fn event(&mut self, event: &Event) {
        if let Event::CallFinished {
            site,
            call: CallKind::Get,
            outcome: Ok(CallReturn::Components(components)),
            ..
        } = event
        {
            if site.phase == Phase::Get {
                for component in components {
                    self.reported
                        .insert((site.target.clone(), component.name.clone()));
                }
            }
        }
    }

    /// Records what a get-phase `get` of a transcript reported.
    pub fn call(&mut self, call: &CallEntry) {
        if call.call != CallKind::Get || call.phase != Phase::Get {
            return;
        }
        for component in call.reported().into_iter().flatten() {
            self.reported
                .insert((call.target.clone(), component.name.clone()));
        }
    }

    /// Whether `get` reported `component` on `target`.
    pub fn holds(&self, target: &str, component: &str) -> bool {
        self.reported
            .contains(&(target.to_string(), component.to_string()))
    }
}

/// A component a removal's `apply` deleted (`ok`), and whether it gave it a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// The target.
    pub target: String,
    /// The component.
    pub component: String,
    /// Whether the result map named it.
    pub has_result: bool,
}

/// The deletes of a round the engine reported: each applied (`Ok`) step's delete components.
pub fn deletes_of_round(round: &RoundReport) -> Vec<Deleted> {
    round
        .steps
        .iter()
        .filter(|record| matches!(record.decision, StepDecision::Apply { .. }))
        .filter_map(|record| Some((record, record.results.as_ref()?)))
        .flat_map(|(record, results)| {
            record
                .step
                .components
                .iter()
                .filter(|c| c.action == ComponentAction::Delete)
                .map(|c| Deleted {
                    target: record.step.target.clone(),
                    component: c.component.name.clone(),
                    has_result: results.contains_key(&c.component.name),
                })
        })
        .collect()
}

/// The deletes of a transcript's calls: each `apply` that ended `ok` (not a dry run).
pub fn deletes_of_calls<'a>(calls: impl IntoIterator<Item = &'a CallEntry>) -> Vec<Deleted> {
    calls
        .into_iter()
        .filter(|call| call.dry_run() == Some(false) && call.outcome == Outcome::Ok)
        .flat_map(|call| {
            let results = call.results();
            call.components
                .iter()
                .filter(|sent| sent.delete)
                .map(move |sent| Deleted {
                    target: call.target.clone(),
                    component: sent.name.clone(),
                    has_result: results.is_some_and(|r| r.contains_key(&sent.name)),
                })
        })
        .collect()
}

/// A delete nothing confirms, and what is missing.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Unconfirmed {
    /// The target.
    pub target: String,
    /// The component.
    pub component: String,
    /// `apply` returned no result for it.
    pub no_result: bool,
    /// `get` never reported it, so its absence afterwards proves nothing.
    pub never_reported: bool,
}

impl Unconfirmed {
    /// In words: `` `web` on `edge`: `apply` returned no result for it, and `get` never
    /// reported it ``.
    pub fn describe(&self) -> String {
        let mut missing = Vec::new();
        if self.no_result {
            missing.push("`apply` returned no result for it");
        }
        if self.never_reported {
            missing.push("`get` never reported it, so its absence afterwards proves nothing");
        }
        format!(
            "`{}` on `{}`: {}",
            self.component,
            self.target,
            missing.join(", and ")
        )
    }
}

/// The deletes of `deleted` nothing confirms against what `get` reported (`seen`).
pub fn unconfirmed(deleted: &[Deleted], seen: &Seen) -> Vec<Unconfirmed> {
    deleted
        .iter()
        .map(|d| Unconfirmed {
            target: d.target.clone(),
            component: d.component.clone(),
            no_result: !d.has_result,
            never_reported: !seen.holds(&d.target, &d.component),
        })
        .filter(|u| u.no_result || u.never_reported)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deleted(component: &str, has_result: bool) -> Deleted {
        Deleted {
            target: "edge".into(),
            component: component.into(),
            has_result,
        }
    }

    #[test]
    fn a_delete_is_confirmed_only_with_a_result_and_an_earlier_report() {
        let mut seen = Seen::default();
        seen.reported.insert(("edge".into(), "web".into()));
        seen.reported.insert(("edge".into(), "db".into()));
        let list = [
            deleted("web", true),
            deleted("db", false),
            deleted("cache", true),
            deleted("queue", false),
        ];
        let found = unconfirmed(&list, &seen);
        let described: Vec<String> = found.iter().map(Unconfirmed::describe).collect();
        assert_eq!(
            described,
            [
                "`db` on `edge`: `apply` returned no result for it",
                "`cache` on `edge`: `get` never reported it, so its absence afterwards proves \
                 nothing",
                "`queue` on `edge`: `apply` returned no result for it, and `get` never \
                 reported it, so its absence afterwards proves nothing",
            ]
        );
        assert!(!seen.holds("other", "web"), "by target");
    }
}
