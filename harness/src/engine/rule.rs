//! What Symphony makes of a validation rule: which fields it uses and how.

use crate::model::{PropertyDesc, ValidationRule};

/// Explains, line by line, how Symphony's `IsComponentChanged` will use `rule`, and which of
/// its fields Symphony ignores for Rust providers.
pub fn explain(rule: &ValidationRule) -> Vec<String> {
    let mut lines = Vec::new();
    let component = &rule.component_validation_rule;
    if component.change_detection.is_empty() {
        lines.push(
            "properties: no change detection: a property change never triggers a redeploy \
             (only a component missing from `get` does)"
                .to_string(),
        );
    }
    for entry in &component.change_detection {
        lines.push(format!("properties: {}", describe_entry(entry)));
    }
    if component.change_detection_metadata.is_empty() {
        lines.push("metadata: not compared".to_string());
    }
    for entry in &component.change_detection_metadata {
        lines.push(format!("metadata: {}", describe_entry(entry)));
    }
    if rule.allow_sidecar {
        let sidecar = &rule.sidecar_validation_rule.change_detection;
        lines.push(format!(
            "sidecars: matched by name; one added or removed is a change{}",
            if sidecar.is_empty() {
                "; their properties are not compared".to_string()
            } else {
                format!(
                    "; properties: {}",
                    sidecar
                        .iter()
                        .map(describe_entry)
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        ));
    } else {
        lines.push("sidecars: not compared (allowSidecar is false)".to_string());
    }
    let ignored: Vec<&str> = [
        (!rule.required_type.is_empty(), "requiredType"),
        (
            !component.required_properties.is_empty(),
            "requiredProperties",
        ),
        (!component.required_metadata.is_empty(), "requiredMetadata"),
        (
            !component.optional_properties.is_empty(),
            "optionalProperties",
        ),
        (!component.optional_metadata.is_empty(), "optionalMetadata"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    if !ignored.is_empty() {
        lines.push(format!(
            "not enforced by Symphony for Rust providers: {} (only Go providers validate; \
             check them in your own `apply`)",
            ignored.join(", ")
        ));
    }
    lines
}

/// One change-detection entry in words.
fn describe_entry(entry: &PropertyDesc) -> String {
    let subject = if entry.name == "*" {
        "every key".to_string()
    } else if entry.name.contains('*') {
        format!("keys matching `{}`", entry.name)
    } else if entry.is_component_name {
        "the component name".to_string()
    } else {
        format!("key `{}`", entry.name)
    };
    let how = match (entry.ignore_case, entry.prefix_match) {
        (false, false) => "compared exactly as Go's `%v` text",
        (true, false) => "compared as Go's `%v` text, ignoring case",
        (false, true) => "equal when one `%v` text is a prefix of the other",
        (true, true) => "equal when one `%v` text is a prefix of the other, ignoring case",
    };
    let missing = if entry.skip_if_missing {
        "a key on one side only is ignored"
    } else {
        "a key on one side only is a change"
    };
    format!("{subject} {how}; {missing}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_is_explained_as_case_insensitive_and_skipping_missing_keys() {
        let lines = explain(&ValidationRule::default());
        assert_eq!(
            lines[0],
            "properties: every key compared as Go's `%v` text, ignoring case; \
             a key on one side only is ignored"
        );
        assert!(lines.iter().any(|line| line == "metadata: not compared"));
    }

    #[test]
    fn zero_rule_warns_that_nothing_is_compared() {
        let lines = explain(&ValidationRule::zero());
        assert!(lines[0].contains("never triggers a redeploy"));
        assert!(lines
            .iter()
            .any(|line| line.contains("allowSidecar is false")));
    }

    #[test]
    fn required_properties_are_flagged_as_not_enforced() {
        let mut rule = ValidationRule::default();
        rule.component_validation_rule.required_properties = vec!["image".into()];
        let lines = explain(&rule);
        assert!(lines.last().unwrap().contains("requiredProperties"));
    }
}
