//! Checks of `get` made with direct calls: it reports only the components it was asked about,
//! with the types they were applied with, and the same answer every time, one that matches the
//! applied spec under the provider's rule.
//!
//! Also [`Deployed`], the apply-then-ask session the rule and rendering checks share: every
//! component a check applies is deleted again when the check is done.

use std::collections::BTreeMap;

use crate::check::cause::{Call, Cause, CauseKind};
use crate::check::context::Context;
use crate::check::direct::Direct;
use crate::check::finding::Finding;
use crate::engine::change::compare;
use crate::engine::{CallError, Outcome};
use crate::model::{ComponentAction, ComponentSpec, ValidationRule};

/// A direct session on which a check's components were applied.
pub(super) struct Deployed {
    direct: Direct,
    components: Vec<ComponentSpec>,
}

impl Deployed {
    /// Applies `components` in one step, on a direct session on the check's target; when
    /// that fails, the failure is the check's finding (and what was applied is deleted).
    pub(super) fn apply(
        context: &Context<'_>,
        components: Vec<ComponentSpec>,
    ) -> Result<Deployed, Finding> {
        let direct = context.direct(components.clone()).map_err(|why| {
            Finding::fail(format!("the check's target could not be set up: {why}"))
        })?;
        let mut deployed = Deployed { direct, components };
        let step = deployed.step(ComponentAction::Update);
        let names = deployed.names();
        match deployed.direct.apply(&step, false) {
            Ok(_) => Ok(deployed),
            Err(err) => {
                let finding = call_failed(Call::Apply, &format!("`apply` of {names}"), &err);
                Err(deployed.finish(finding))
            }
        }
    }

    /// The components' names, in backticks.
    fn names(&self) -> String {
        self.components
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `get` with references to `references`, on a new provider; an error is the check's
    /// finding (the caller ends with [`Deployed::finish`]).
    pub(super) fn get(
        &mut self,
        references: &[ComponentSpec],
    ) -> Result<Vec<ComponentSpec>, Finding> {
        self.direct
            .get(references)
            .map_err(|err| call_failed(Call::Get, "`get` after `apply`", &err))
    }

    /// Ends the check with `finding`: its evidence becomes the calls made, then the lines it
    /// had; then the components are deleted (that call is neither judged nor shown).
    pub(super) fn finish(mut self, finding: Finding) -> Finding {
        let mut evidence = self.direct.evidence();
        evidence.extend(finding.evidence.iter().cloned());
        let step = self.step(ComponentAction::Delete);
        // Cleaning up: the delete checks judge deletes, not this one.
        let _ = self.direct.apply(&step, false);
        Finding {
            evidence,
            ..finding
        }
    }

    fn step(&self, action: ComponentAction) -> Vec<(ComponentSpec, ComponentAction)> {
        self.components
            .iter()
            .map(|component| (component.clone(), action))
            .collect()
    }
}

/// The rule the probe's `get_validation_rule` returned (`None` when it failed).
pub(super) fn provider_rule<'a>(context: &'a Context<'_>) -> Option<&'a ValidationRule> {
    context.probe().as_ref().ok()?.validation_rule.as_ref()
}

/// One line of evidence: a component as `get` reported it.
pub(super) fn reported(component: &ComponentSpec) -> String {
    format!(
        "`get` reported `{}` (type `{}`): {}",
        component.name,
        component.component_type,
        serde_json::to_string(&component.properties).unwrap_or_default()
    )
}

/// The finding when `get` does not report `name` right after it was applied: not judged, for
/// the cause [`CauseKind::GetMissesApplied`].
pub(super) fn not_reported(name: &str) -> Finding {
    Finding::not_judged(Cause::new(
        CauseKind::GetMissesApplied,
        format!("`get` on a new provider did not report `{name}` right after `apply` deployed it"),
    ))
}

/// The finding when a direct call (`what`) failed with `err` before the check could judge
/// anything: not judged, for the cause of how it ended; a failure when the harness failed.
pub(super) fn call_failed(call: Call, what: &str, err: &CallError) -> Finding {
    let outcome = err.outcome();
    let seen = format!("{what} ended `{}`: {err}", outcome.as_str());
    if outcome == Outcome::Harness {
        return Finding::fail(format!("the check's calls failed: {seen}"));
    }
    Finding::not_judged(Cause::call(call, outcome, seen))
}

/// `get.only-referenced`.
pub(in crate::check) fn only_referenced(context: &Context<'_>) -> Finding {
    let id = context.id;
    let asked = context.subject.component(id, 1);
    let other = context.subject.component(id, 2);
    let mut deployed = match Deployed::apply(context, vec![asked.clone(), other.clone()]) {
        Ok(deployed) => deployed,
        Err(finding) => return finding,
    };
    let answer = match deployed.get(std::slice::from_ref(&asked)) {
        Ok(answer) => answer,
        Err(finding) => return deployed.finish(finding),
    };
    let extra: Vec<&str> = answer
        .iter()
        .map(|c| c.name.as_str())
        .filter(|name| *name != asked.name)
        .collect();
    if !extra.is_empty() {
        let finding = Finding::fail(format!(
            "`get` asked about `{}` also reported `{}`: Symphony deletes every component it \
             does not desire from what `get` reports",
            asked.name,
            extra.join("`, `")
        ));
        return deployed.finish(finding);
    }
    // The answer is only telling if the other component is there to leak.
    let finding = match deployed.get(std::slice::from_ref(&other)) {
        Err(finding) => finding,
        Ok(found) if found.iter().any(|c| c.name == other.name) => Finding::pass(format!(
            "`get` asked about `{}` did not report `{}`, which is on the device too",
            asked.name, other.name
        )),
        Ok(_) => not_reported(&other.name),
    };
    deployed.finish(finding)
}

/// `get.types-preserved`.
pub(in crate::check) fn types_preserved(context: &Context<'_>) -> Finding {
    let id = context.id;
    let component = context.subject.component(id, 1);
    let mut deployed = match Deployed::apply(context, vec![component.clone()]) {
        Ok(deployed) => deployed,
        Err(finding) => return finding,
    };
    let finding = match deployed.get(std::slice::from_ref(&component)) {
        Err(finding) => finding,
        Ok(answer) => match answer.iter().find(|c| c.name == component.name) {
            None => not_reported(&component.name),
            Some(got) if got.component_type == component.component_type => Finding::pass(format!(
                "`get` reports `{}` with the type it was applied with, `{}`",
                got.name, got.component_type
            )),
            Some(got) => Finding::fail(format!(
                "`get` reports `{}` with type `{}`, but it was applied as `{}`: a delete \
                 planned from that answer goes to the wrong role",
                got.name, got.component_type, component.component_type
            ))
            .with_evidence(vec![reported(got)]),
        },
    };
    deployed.finish(finding)
}

/// How many `get`s `get.stable` asks.
const STABLE_GETS: usize = 3;

/// The first difference between two answers of `get`, keyed by name (Symphony matches
/// components by name, so their order does not matter).
fn difference(
    first: &BTreeMap<&str, &ComponentSpec>,
    later: &BTreeMap<&str, &ComponentSpec>,
) -> Option<String> {
    let names = |answer: &BTreeMap<&str, &ComponentSpec>| {
        answer.keys().copied().collect::<Vec<_>>().join(", ")
    };
    if first.keys().ne(later.keys()) {
        return Some(format!(
            "it reported [{}], then [{}]",
            names(first),
            names(later)
        ));
    }
    for (name, before) in first {
        let after = later.get(name)?;
        if before == after {
            continue;
        }
        let keys = before.properties.keys().chain(after.properties.keys());
        for key in keys {
            let (a, b) = (before.properties.get(key), after.properties.get(key));
            if a != b {
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or("(absent)".to_string(), |v| format!("`{v}`"))
                };
                return Some(format!(
                    "property `{key}` of `{name}` was {}, then {}",
                    show(a),
                    show(b)
                ));
            }
        }
        return Some(format!(
            "`{name}` was {}, then {}",
            serde_json::to_string(before).unwrap_or_default(),
            serde_json::to_string(after).unwrap_or_default()
        ));
    }
    None
}

/// `get.stable`.
pub(in crate::check) fn stable(context: &Context<'_>) -> Finding {
    let id = context.id;
    let component = context.subject.component(id, 1);
    let mut deployed = match Deployed::apply(context, vec![component.clone()]) {
        Ok(deployed) => deployed,
        Err(finding) => return finding,
    };
    let mut answers = Vec::new();
    for _ in 0..STABLE_GETS {
        match deployed.get(std::slice::from_ref(&component)) {
            Ok(answer) => answers.push(answer),
            Err(finding) => return deployed.finish(finding),
        }
    }
    let keyed: Vec<BTreeMap<&str, &ComponentSpec>> = answers
        .iter()
        .map(|answer| answer.iter().map(|c| (c.name.as_str(), c)).collect())
        .collect();
    let zero = ValidationRule::zero();
    let rule = provider_rule(context).unwrap_or(&zero);
    // Symphony compares each answer with the desired spec under the rule: the first answer
    // that differs from what was applied is a redeploy on every reconcile.
    let changed = keyed.iter().find_map(|answer| {
        let got = answer.get(component.name.as_str())?;
        let report = compare(rule, got, &component);
        let reason = report.reasons.first()?.describe();
        let mut lines = vec![reported(got)];
        lines.extend(report.reasons.iter().map(|r| r.describe()));
        Some((reason, lines))
    });
    if let Some((reason, lines)) = changed {
        let finding = Finding::fail(format!(
            "under the provider's rule, `get`'s answer differs from the applied `{}` ({reason}): \
             Symphony redeploys it on every reconcile",
            component.name
        ))
        .with_evidence(lines);
        return deployed.finish(finding);
    }
    for (n, later) in keyed.iter().enumerate().skip(1) {
        if let Some(what) = difference(&keyed[0], later) {
            let finding = Finding::warn(format!(
                "`get` answered differently on call {} than on call 1 with nothing changed: \
                 {what}; the provider's rule sees no change from what was applied in any answer, \
                 so Symphony does not redeploy today",
                n + 1
            ))
            .with_advice(
                "nothing yet: the rule ignores what changes; a rule that compares it (naming the \
                 property, or `*` without `skipIfMissing`) redeploys on every reconcile",
                "report only what the device holds, in a stable form (no counters, timestamps or \
                 reordering)",
            );
            return deployed.finish(finding);
        }
    }
    let finding = match keyed[0].get(component.name.as_str()) {
        None => not_reported(&component.name),
        Some(_) => Finding::pass(format!(
            "{STABLE_GETS} `get`s on new providers answered the same, and under the provider's \
             rule `{}` is unchanged from what was applied",
            component.name
        )),
    };
    deployed.finish(finding)
}
