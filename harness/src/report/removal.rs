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

    fn component(name: &str) -> crate::model::ComponentSpec {
        crate::model::ComponentSpec {
            name: name.into(),
            ..crate::model::ComponentSpec::default()
        }
    }

    fn site(phase: Phase, target: &str) -> crate::engine::events::CallSite {
        crate::engine::events::CallSite {
            round: 1,
            phase,
            step: 0,
            target: target.into(),
            role: "r".into(),
        }
    }

    #[test]
    fn seen_keeps_what_symphonys_own_gets_reported_by_target() {
        let mut seen = Seen::default();
        let finished = |phase, target: &str, call, names: &[&str]| Event::CallFinished {
            site: site(phase, target),
            call,
            outcome: Ok(CallReturn::Components(
                names.iter().map(|n| component(n)).collect(),
            )),
            output: crate::engine::CallOutput::default(),
        };
        seen.event(&finished(Phase::Get, "edge", CallKind::Get, &["web"]));
        // The harness's own look after a removal is not Symphony's: it confirms nothing.
        seen.event(&finished(Phase::Check, "edge", CallKind::Get, &["db"]));
        seen.event(&finished(
            Phase::Get,
            "edge",
            CallKind::Apply { dry_run: false },
            &["queue"],
        ));
        assert!(seen.holds("edge", "web"));
        assert!(!seen.holds("other", "web"));
        assert!(!seen.holds("edge", "db"));
        assert!(!seen.holds("edge", "queue"));
    }

    /// A call of a transcript: `call` on `edge` in `phase`, sending `sent` (name, delete),
    /// ending `outcome` and returning `returned`.
    fn entry(
        call: CallKind,
        phase: Phase,
        sent: &[(&str, bool)],
        outcome: Outcome,
        returned: Option<crate::transcript::Returned>,
    ) -> CallEntry {
        CallEntry {
            call,
            phase,
            step: 0,
            target: "edge".into(),
            role: "r".into(),
            instance: 1,
            components: sent
                .iter()
                .map(|(name, delete)| crate::transcript::SentComponent {
                    name: name.to_string(),
                    delete: *delete,
                })
                .collect(),
            outcome,
            message: None,
            returned,
            printed: Default::default(),
            deployment: None,
        }
    }

    #[test]
    fn a_transcripts_deletes_are_those_of_applies_that_returned_with_their_results() {
        use crate::transcript::Returned;
        let results = |names: &[&str]| {
            Some(Returned::Results(
                names
                    .iter()
                    .map(|n| {
                        let result = crate::model::ComponentResult {
                            status: 8005,
                            message: String::new(),
                        };
                        (n.to_string(), result)
                    })
                    .collect(),
            ))
        };
        let apply = || CallKind::Apply { dry_run: false };
        let calls = [
            entry(
                apply(),
                Phase::Apply,
                &[("web", true), ("db", true), ("keep", false)],
                Outcome::Ok,
                results(&["web"]),
            ),
            entry(
                apply(),
                Phase::Apply,
                &[("failed", true)],
                Outcome::Error,
                None,
            ),
            entry(
                CallKind::Apply { dry_run: true },
                Phase::Apply,
                &[("dry", true)],
                Outcome::Ok,
                results(&[]),
            ),
        ];
        let deletes = deletes_of_calls(&calls);
        assert_eq!(
            deletes,
            [deleted("web", true), deleted("db", false)],
            "only a returned, real apply's deletes"
        );
        let mut seen = Seen::default();
        seen.call(&entry(
            CallKind::Get,
            Phase::Get,
            &[("web", false)],
            Outcome::Ok,
            Some(Returned::Components(vec![component("web")])),
        ));
        seen.call(&entry(
            CallKind::Get,
            Phase::Check,
            &[("db", false)],
            Outcome::Ok,
            Some(Returned::Components(vec![component("db")])),
        ));
        assert!(seen.holds("edge", "web") && !seen.holds("edge", "db"));
    }

    #[test]
    fn a_rounds_deletes_are_those_of_applied_steps_with_a_result_map() {
        use crate::engine::reconcile::{ApplyReason, StepRecord};
        use crate::model::{ComponentStep, DeploymentStep};
        let step = |names: &[(&str, ComponentAction)]| {
            std::sync::Arc::new(DeploymentStep {
                target: "edge".into(),
                components: names
                    .iter()
                    .map(|(name, action)| ComponentStep {
                        action: *action,
                        component: std::sync::Arc::new(component(name)),
                    })
                    .collect(),
                role: "r".into(),
                is_first: true,
            })
        };
        let applied = StepDecision::Apply {
            reason: ApplyReason::NoPreviousState,
        };
        let result = crate::model::ComponentResult {
            status: 8005,
            message: String::new(),
        };
        let round = RoundReport {
            round: 3,
            at_seconds: 0,
            remove: true,
            dry_run: false,
            get_plan: Vec::new(),
            plan: Vec::new(),
            steps: vec![
                StepRecord {
                    step: step(&[
                        ("web", ComponentAction::Delete),
                        ("db", ComponentAction::Delete),
                        ("keep", ComponentAction::Update),
                    ]),
                    decision: applied.clone(),
                    results: Some([("web".to_string(), result)].into_iter().collect()),
                },
                StepRecord {
                    step: step(&[("skipped", ComponentAction::Delete)]),
                    decision: StepDecision::Skip,
                    results: None,
                },
                StepRecord {
                    step: step(&[("failed", ComponentAction::Delete)]),
                    decision: applied,
                    results: None,
                },
            ],
            applied: 2,
            skipped: 1,
            failure: None,
            state: crate::engine::reconcile::StateOutcome::Dropped,
            summary: Default::default(),
            noop: None,
        };
        assert_eq!(
            deletes_of_round(&round),
            [deleted("web", true), deleted("db", false)]
        );
    }
}
