//! `get.round-trip`: every property `apply` was given comes back from `get`. A device that
//! silently drops a setting reports success and an honest `get` without it; under a rule that
//! skips missing keys (the crate's default) Symphony never notices, under a strict one it
//! redeploys forever. A `get` that does not read a setting back looks the same from outside:
//! either way nobody can tell the device holds it, so this warns.

use serde_json::Value;

use super::get::{not_reported, provider_rule, reported, Deployed};
use super::rule::watches;
use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::model::ValidationRule;

/// What Symphony's rule makes of property `key` missing from `get`'s answer: what it will
/// notice and what it will not.
pub(super) fn what_the_rule_sees(rule: Option<&ValidationRule>, key: &str) -> String {
    let Some(rule) = rule else {
        return "with no rule (Symphony's zero rule) nothing is compared: Symphony never notices \
                it is missing"
            .to_string();
    };
    let entries = &rule.component_validation_rule.change_detection;
    match entries.iter().find(|entry| watches(entry, key)) {
        None => format!(
            "no change-detection entry compares `{key}`: Symphony never notices it is missing"
        ),
        Some(entry) if entry.skip_if_missing => format!(
            "entry `{}` skips a key missing on one side: Symphony never notices `{key}` is \
             missing, and notices only a value `get` reports that differs",
            entry.name
        ),
        Some(entry) => format!(
            "entry `{}` compares `{key}` strictly: Symphony finds the component changed on every \
             reconcile and redeploys it, forever (see `rule.compared-are-reported`)",
            entry.name
        ),
    }
}

/// `get.round-trip`.
pub(in crate::check) fn round_trip(context: &Context<'_>) -> Finding {
    let component = context.subject.component(context.id, 1);
    let mut deployed = match Deployed::apply(context, vec![component.clone()]) {
        Ok(deployed) => deployed,
        Err(finding) => return finding,
    };
    let answer = match deployed.get(std::slice::from_ref(&component)) {
        Ok(answer) => answer,
        Err(finding) => return deployed.finish(finding),
    };
    let Some(got) = answer.into_iter().find(|c| c.name == component.name) else {
        return deployed.finish(not_reported(&component.name));
    };
    let lost: Vec<(&String, &Value)> = component
        .properties
        .iter()
        .filter(|(key, _)| got.properties.get(*key).is_none_or(Value::is_null))
        .collect();
    let rule = provider_rule(context);
    let finding = match lost.first() {
        None => Finding::pass(format!(
            "`get` reports every property `apply` was given ({})",
            component
                .properties
                .keys()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some((key, value)) => {
            let mut lines = vec![reported(&got)];
            lines.extend(
                lost.iter()
                    .map(|(key, _)| format!("`{key}`: {}", what_the_rule_sees(rule, key))),
            );
            Finding::warn(format!(
                "`get` does not report `{}`, which `apply` was given ({value}): the device does \
                 not hold it or `get` does not read it back, and `apply` reported success; {}",
                lost.iter()
                    .map(|(key, _)| key.as_str())
                    .collect::<Vec<_>>()
                    .join("`, `"),
                what_the_rule_sees(rule, key)
            ))
            .with_evidence(lines)
        }
    };
    deployed.finish(finding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PropertyDesc;

    fn entry(name: &str, skip_if_missing: bool) -> PropertyDesc {
        PropertyDesc {
            name: name.to_string(),
            ignore_case: true,
            skip_if_missing,
            prefix_match: false,
            is_component_name: false,
        }
    }

    fn rule(entries: Vec<PropertyDesc>) -> ValidationRule {
        let mut rule = ValidationRule::zero();
        rule.component_validation_rule.change_detection = entries;
        rule
    }

    #[test]
    fn the_rule_decides_what_symphony_notices_of_a_missing_key() {
        let default = rule(vec![entry("*", true)]);
        let strict = rule(vec![entry("replicas", false)]);
        let other = rule(vec![entry("image", false)]);
        let rows = [
            (
                "skipIfMissing star",
                Some(&default),
                "never notices `replicas`",
            ),
            ("strict entry", Some(&strict), "redeploys it, forever"),
            (
                "no entry for the key",
                Some(&other),
                "no change-detection entry",
            ),
            ("zero rule", None, "nothing is compared"),
        ];
        for (name, rule, says) in rows {
            let seen = what_the_rule_sees(rule, "replicas");
            assert!(seen.contains(says), "{name}: {seen}");
        }
    }
}
