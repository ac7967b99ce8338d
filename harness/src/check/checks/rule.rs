//! Checks of the validation rule against what `get` reports: every property the rule compares
//! is reported (else endless redeploys), and every property reported is compared (else drift
//! goes unseen). Both apply a component directly, ask `get`, and read the rule the probe got.

use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::engine::change::compare;
use crate::engine::wildcard::Pattern;
use crate::model::{ComponentSpec, PropertyDesc, ValidationRule};

use super::get::{not_reported, provider_rule, reported, Deployed};

/// The finding when the probe got no rule.
fn no_rule() -> Finding {
    Finding::skip(
        "`get_validation_rule` returned no rule, so Symphony compares nothing (see `rule.returns`)",
    )
}

/// Whether `entry` compares property `key`: a wildcard entry by its pattern (Symphony ignores
/// `isComponentName` there), any other by its name unless it compares the component name.
pub(super) fn watches(entry: &PropertyDesc, key: &str) -> bool {
    if entry.name.contains('*') {
        Pattern::change_detection(&entry.name).matches(key)
    } else {
        !entry.is_component_name && entry.name == key
    }
}

/// Applies component 1 of the check and returns it with `get`'s answer for it, or the
/// finding that ends the check.
fn applied_and_reported(
    context: &Context<'_>,
) -> Result<(Deployed, ComponentSpec, ComponentSpec), Finding> {
    let component = context.subject.component(context.id, 1);
    let mut deployed = Deployed::apply(context, vec![component.clone()])?;
    let answer = match deployed.get(std::slice::from_ref(&component)) {
        Ok(answer) => answer,
        Err(finding) => return Err(deployed.finish(finding)),
    };
    match answer.into_iter().find(|c| c.name == component.name) {
        Some(got) => Ok((deployed, component, got)),
        None => Err(deployed.finish(not_reported(&component.name))),
    }
}

/// The applied keys some entry compares strictly (a key missing on one side is a change).
fn strictly_compared<'a>(rule: &ValidationRule, applied: &'a ComponentSpec) -> Vec<&'a str> {
    let entries = &rule.component_validation_rule.change_detection;
    applied
        .properties
        .keys()
        .filter(|key| {
            entries
                .iter()
                .any(|entry| !entry.skip_if_missing && watches(entry, key))
        })
        .map(String::as_str)
        .collect()
}

/// `rule.compared-are-reported`.
pub(in crate::check) fn compared_are_reported(context: &Context<'_>) -> Finding {
    let Some(rule) = provider_rule(context) else {
        return no_rule();
    };
    let (deployed, applied, got) = match applied_and_reported(context) {
        Ok(found) => found,
        Err(finding) => return finding,
    };
    // Entries naming a property the check did not apply cannot be verified.
    let untested: Vec<String> = rule
        .component_validation_rule
        .change_detection
        .iter()
        .filter(|e| {
            !e.skip_if_missing
                && !e.is_component_name
                && !e.name.contains('*')
                && !applied.properties.contains_key(&e.name)
        })
        .map(|e| {
            format!(
                "the rule compares `{}`, which the applied component does not have (give it \
                 with `--properties`)",
                e.name
            )
        })
        .collect();
    let missing: Vec<_> = compare(rule, &got, &applied)
        .reasons
        .into_iter()
        .filter(|reason| reason.old.is_none() && reason.new.is_some())
        .collect();
    let finding = match missing.first() {
        Some(first) => {
            let keys: Vec<&str> = missing.iter().filter_map(|r| r.key.as_deref()).collect();
            let mut lines = vec![reported(&got)];
            lines.extend(missing.iter().map(|r| r.describe()));
            Finding::fail(format!(
                "the rule compares `{}` (entry `{}`, without `skipIfMissing`), but `get` does \
                 not report it: Symphony finds `{}` changed on every reconcile and redeploys it",
                keys.join("`, `"),
                first.entry.as_deref().unwrap_or(""),
                applied.name
            ))
            .with_evidence(lines)
        }
        None => {
            let compared = strictly_compared(rule, &applied);
            let message = if compared.is_empty() {
                "the rule compares no applied property strictly (its entries skip missing keys)"
                    .to_string()
            } else {
                format!(
                    "`get` reports every property the rule compares strictly: `{}`",
                    compared.join("`, `")
                )
            };
            Finding::pass(message).with_evidence(untested)
        }
    };
    deployed.finish(finding)
}

/// `rule.reported-are-watched`.
pub(in crate::check) fn reported_are_watched(context: &Context<'_>) -> Finding {
    let Some(rule) = provider_rule(context) else {
        return no_rule();
    };
    let (deployed, _, got) = match applied_and_reported(context) {
        Ok(found) => found,
        Err(finding) => return finding,
    };
    let entries = &rule.component_validation_rule.change_detection;
    let unwatched: Vec<&str> = got
        .properties
        .keys()
        .filter(|key| !entries.iter().any(|entry| watches(entry, key)))
        .map(String::as_str)
        .collect();
    let finding = if unwatched.is_empty() {
        Finding::pass(format!(
            "every property `get` reports is compared by a change-detection entry ({})",
            entries
                .iter()
                .map(|e| format!("`{}`", e.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Finding::warn(format!(
            "`get` reports `{}`, which no change-detection entry compares: Symphony never \
             notices when it drifts on the device",
            unwatched.join("`, `")
        ))
        .with_evidence(vec![reported(&got)])
    };
    deployed.finish(finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, is_component_name: bool) -> PropertyDesc {
        PropertyDesc {
            name: name.to_string(),
            ignore_case: false,
            skip_if_missing: false,
            prefix_match: false,
            is_component_name,
        }
    }

    #[test]
    fn an_entry_watches_its_name_or_its_pattern_but_not_as_a_component_name() {
        let rows = [
            ("exact name", entry("image", false), "image", true),
            ("other name", entry("image", false), "replicas", false),
            ("component name", entry("image", true), "image", false),
            ("star", entry("*", false), "observedAt", true),
            (
                "star ignores isComponentName",
                entry("*", true),
                "image",
                true,
            ),
            ("pattern", entry("env*", false), "envMode", true),
            ("pattern anchored", entry("env*", false), "myenv", false),
        ];
        for (row, entry, key, expected) in rows {
            assert_eq!(watches(&entry, key), expected, "{row}");
        }
    }
}
