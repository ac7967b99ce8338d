//! The rendering check: values whose Go `%v` text differs from how they look. A component with
//! a large number, a float and a mixed-case string is applied directly; `get`'s answer must
//! compare unchanged from it under the provider's own rule, as Symphony's change detection
//! (the engine's [`compare`]) sees it.

use serde_json::{json, Value};

use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::engine::change::compare;

use super::get::{not_reported, provider_rule, reported, Deployed};

/// The properties added to the subject's: `%v` renders `1000000` as `1e+06`, so a number
/// reported back as a string no longer compares equal; and a changed case shows under a
/// strict rule.
fn rendering_properties() -> [(&'static str, Value); 3] {
    [
        ("largeNumber", json!(1_000_000)),
        ("ratio", json!(2.5)),
        ("mixedCase", json!("MixedCase-Value")),
    ]
}

/// `rendering.numbers-and-case`.
pub(in crate::check) fn numbers_and_case(context: &Context<'_>) -> Finding {
    let Some(rule) = provider_rule(context) else {
        return Finding::skip(
            "`get_validation_rule` returned no rule, so Symphony compares nothing and no \
             rendering matters (see `rule.returns`)",
        );
    };
    let mut component = context.subject.component(context.id, 1);
    component.properties.extend(
        rendering_properties()
            .into_iter()
            .map(|(key, value)| (key.to_string(), value)),
    );
    let mut deployed = match Deployed::apply(context, vec![component.clone()]) {
        Ok(deployed) => deployed,
        Err(finding) => return finding,
    };
    let answer = match deployed.get(std::slice::from_ref(&component)) {
        Ok(answer) => answer,
        Err(finding) => return deployed.finish(finding),
    };
    let Some(got) = answer.iter().find(|c| c.name == component.name) else {
        return deployed.finish(not_reported(&component.name));
    };
    let report = compare(rule, got, &component);
    // A reason about the values added here names the problem best.
    let added = rendering_properties();
    let first = report
        .reasons
        .iter()
        .find(|r| added.iter().any(|(key, _)| r.key.as_deref() == Some(*key)))
        .or(report.reasons.first());
    let finding = match first {
        None => Finding::pass(format!(
            "`get` reports `{}` unchanged under the provider's rule (`1000000`, `2.5`, \
             `MixedCase-Value` among its properties)",
            component.name
        )),
        Some(reason) => {
            let show = |text: &Option<String>| {
                text.as_ref()
                    .map_or("(absent)".to_string(), |t| format!("`{t}`"))
            };
            let mut lines = vec![reported(got)];
            lines.extend(report.reasons.iter().map(|r| r.describe()));
            Finding::fail(format!(
                "key `{}`: Go's `%v` renders the applied value {} and `get`'s {}, so Symphony \
                 finds `{}` changed on every reconcile",
                reason.key.as_deref().unwrap_or(""),
                show(&reason.new),
                show(&reason.old),
                component.name
            ))
            .with_evidence(lines)
        }
    };
    deployed.finish(finding)
}
