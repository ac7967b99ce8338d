//! `IsComponentChanged`: would Symphony consider a component changed, and why.
//!
//! A re-implementation of `model/validationrule.go` (`IsComponentChanged`, `detectChanges`,
//! `compareProperties`, `compareStrings`). Go stops at the first change; [`compare`] goes on
//! and reports every deciding entry, which gives the same verdict (a change is an "any of").
//!
//! The rule and the keys compared come from the provider (`get_validation_rule`, `get`), so
//! their size is not the harness's to choose. Matching is linear ([`Pattern`]), but a rule of
//! many long wildcard names against many long keys still multiplies out; [`compare_within`]
//! counts the matching steps a comparison needs before it takes them and refuses one over
//! its budget ([`MATCH_BUDGET`]). The budget is counted in steps, not seconds: the engine
//! reads no clock, and the same inputs give the same verdict on every machine.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::render::go_v;
use super::wildcard::Pattern;
use crate::model::{ComponentSpec, PropertyDesc, SidecarSpec, ValidationRule};

/// One reason why a component counts as changed.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeReason {
    /// What was compared: `properties`, `metadata`, `sidecars`, or `sidecar <name>`.
    pub part: String,
    /// The deciding rule entry's `name`, if an entry decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The property key (or `name` for `isComponentName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The old side's `%v` text (`None`: the key is absent there).
    pub old: Option<String>,
    /// The new side's `%v` text (`None`: the key is absent there).
    pub new: Option<String>,
    /// Why, in words.
    pub why: String,
}

impl ChangeReason {
    /// One line in words: what was compared, the deciding entry and key, both sides' `%v`
    /// texts (`(absent)` for a missing key) and why, e.g.
    /// ``properties entry `image` key `image`: `a` vs `b` (`%v` texts differ (compared exactly))``.
    pub fn describe(&self) -> String {
        let show = |v: &Option<String>| {
            v.as_ref()
                .map_or("(absent)".to_string(), |v| format!("`{v}`"))
        };
        format!(
            "{} {}{}: {} vs {} ({})",
            self.part,
            self.entry
                .as_ref()
                .map_or(String::new(), |e| format!("entry `{e}` ")),
            self.key
                .as_ref()
                .map_or(String::new(), |k| format!("key `{k}`")),
            show(&self.old),
            show(&self.new),
            self.why
        )
    }
}

impl std::fmt::Display for ChangeReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The verdict and every deciding entry.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ChangeReport {
    /// Would Symphony consider the component changed?
    pub changed: bool,
    /// Every entry that reports a change (empty when unchanged).
    pub reasons: Vec<ChangeReason>,
}

/// Go's `compareStrings`: true when equal (lowercased first with `ignore_case`; with
/// `prefix_match`, when one is a prefix of the other, so `""` matches anything).
pub fn compare_strings(a: &str, b: &str, ignore_case: bool, prefix_match: bool) -> bool {
    let (a, b) = if ignore_case {
        (a.to_lowercase(), b.to_lowercase())
    } else {
        (a.to_string(), b.to_string())
    };
    if prefix_match {
        b.starts_with(&a) || a.starts_with(&b)
    } else {
        a == b
    }
}

fn how(entry: &PropertyDesc) -> String {
    let mut words = Vec::new();
    if entry.ignore_case {
        words.push("ignoring case");
    }
    if entry.prefix_match {
        words.push("as prefixes");
    }
    if words.is_empty() {
        String::from("exactly")
    } else {
        words.join(", ")
    }
}

/// Go's `compareProperties` for one key; `Some(reason)` when it reports a change.
fn compare_key(
    part: &str,
    entry: &PropertyDesc,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    key: &str,
) -> Option<ChangeReason> {
    let old_text = old.get(key).map(go_v);
    let new_text = new.get(key).map(go_v);
    let why = match (&old_text, &new_text) {
        (Some(a), Some(b)) => {
            if compare_strings(a, b, entry.ignore_case, entry.prefix_match) {
                return None;
            }
            format!("`%v` texts differ (compared {})", how(entry))
        }
        (None, None) => return None,
        _ if entry.skip_if_missing => return None,
        (None, Some(_)) => "key missing on the old side and `skipIfMissing` is false".to_string(),
        (Some(_), None) => "key missing on the new side and `skipIfMissing` is false".to_string(),
    };
    Some(ChangeReason {
        part: part.to_string(),
        entry: Some(entry.name.clone()),
        key: Some(key.to_string()),
        old: old_text,
        new: new_text,
        why,
    })
}

/// The most matching steps ([`Pattern::steps`]) one comparison may take: wildcard entry
/// names against the keys of both sides, summed over every entry of the rule. About a second
/// of matching in a release build (`benches/change_detection.rs`); a rule and component that
/// need more would stall Symphony's reconcile as well.
pub const MATCH_BUDGET: u64 = 200_000_000;

/// A comparison refused before it ran: its wildcard entries would need more matching steps
/// than its budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "comparing component `{component}` needs more than {budget} matching steps: {part} entry \
     `{entry}` ({entry_chars} characters) is matched against {keys} keys, and the rule's \
     wildcard entries need {steps} steps up to it"
)]
pub struct OverBudget {
    /// The component compared (the new side's name).
    pub component: String,
    /// What was compared: `properties`, `metadata` or `sidecar <name>`.
    pub part: String,
    /// The entry that went over the budget (its first 60 characters).
    pub entry: String,
    /// How many characters the entry's name has.
    pub entry_chars: usize,
    /// How many keys it would be matched against.
    pub keys: usize,
    /// The steps the comparison needs up to and including that entry.
    pub steps: u64,
    /// The budget.
    pub budget: u64,
}

impl OverBudget {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        "every wildcard (`*`) entry name is matched against every property key: return fewer \
         or shorter wildcard entries from `get_validation_rule`, or report fewer or shorter \
         keys from `get`; `symphony-harness compare --rule RULE.json OLD.json NEW.json` shows \
         the verdict of a smaller case"
            .to_string()
    }
}

/// The matching steps a comparison may still take.
struct Budget {
    limit: u64,
    spent: u64,
}

impl Budget {
    /// Takes `steps` for `entry`, or says why not.
    fn spend(
        &mut self,
        steps: u64,
        at: (&str, &str),
        entry: &str,
        keys: usize,
    ) -> Result<(), Box<OverBudget>> {
        self.spent = self.spent.saturating_add(steps);
        if self.spent <= self.limit {
            return Ok(());
        }
        Err(Box::new(OverBudget {
            component: at.0.to_string(),
            part: at.1.to_string(),
            entry: entry.chars().take(60).collect(),
            entry_chars: entry.chars().count(),
            keys,
            steps: self.spent,
            budget: self.limit,
        }))
    }
}

/// The keys of both maps, each once, in order.
fn merged_keys<'a>(
    old: &'a BTreeMap<String, Value>,
    new: &'a BTreeMap<String, Value>,
) -> Vec<&'a str> {
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Go's `detectChanges`, collecting every change; wildcard matching is paid from `budget`.
fn detect_changes(
    part: &str,
    entries: &[PropertyDesc],
    names: (&str, &str),
    (old, new): (&BTreeMap<String, Value>, &BTreeMap<String, Value>),
    budget: &mut Budget,
) -> Result<Vec<ChangeReason>, Box<OverBudget>> {
    let mut reasons = Vec::new();
    let mut keys: Option<Vec<&str>> = None;
    for entry in entries {
        if entry.name.contains('*') {
            // `isComponentName` is ignored for wildcard entries, as in Go.
            let pattern = Pattern::change_detection(&entry.name);
            let keys = keys.get_or_insert_with(|| merged_keys(old, new));
            let steps = keys
                .iter()
                .map(|key| pattern.steps(key))
                .fold(0, u64::saturating_add);
            budget.spend(steps, (names.1, part), &entry.name, keys.len())?;
            for key in keys.iter() {
                if pattern.matches(key) {
                    reasons.extend(compare_key(part, entry, old, new, key));
                }
            }
        } else if entry.is_component_name {
            if !compare_strings(names.0, names.1, entry.ignore_case, entry.prefix_match) {
                reasons.push(ChangeReason {
                    part: part.to_string(),
                    entry: Some(entry.name.clone()),
                    key: Some("name".to_string()),
                    old: Some(names.0.to_string()),
                    new: Some(names.1.to_string()),
                    why: format!("component names differ (compared {})", how(entry)),
                });
            }
        } else {
            reasons.extend(compare_key(part, entry, old, new, &entry.name));
        }
    }
    Ok(reasons)
}

fn lift(metadata: &BTreeMap<String, String>) -> BTreeMap<String, Value> {
    metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// Would Symphony consider `new` (the desired spec) changed from `old` (the `get` result or
/// the previous desired spec) under `rule`? With every deciding entry. No budget: for inputs
/// the caller chose; a rule or keys from a provider go through [`compare_within`].
pub fn compare(rule: &ValidationRule, old: &ComponentSpec, new: &ComponentSpec) -> ChangeReport {
    match compare_within(rule, old, new, u64::MAX) {
        Ok(report) => report,
        Err(_) => unreachable!("the steps saturate at `u64::MAX`, so never exceed it"),
    }
}

/// [`compare`], refused before it runs when its wildcard entries would take more than
/// `budget` matching steps ([`MATCH_BUDGET`] is the engine's).
pub fn compare_within(
    rule: &ValidationRule,
    old: &ComponentSpec,
    new: &ComponentSpec,
    budget: u64,
) -> Result<ChangeReport, Box<OverBudget>> {
    let names = (old.name.as_str(), new.name.as_str());
    let mut budget = Budget {
        limit: budget,
        spent: 0,
    };
    let component = &rule.component_validation_rule;
    let mut reasons = detect_changes(
        "properties",
        &component.change_detection,
        names,
        (&old.properties, &new.properties),
        &mut budget,
    )?;
    reasons.extend(detect_changes(
        "metadata",
        &component.change_detection_metadata,
        names,
        (&lift(&old.metadata), &lift(&new.metadata)),
        &mut budget,
    )?);
    if rule.allow_sidecar {
        reasons.extend(sidecar_changes(rule, old, new, &mut budget)?);
    }
    Ok(ChangeReport {
        changed: !reasons.is_empty(),
        reasons,
    })
}

/// The sidecar part of `IsComponentChanged` (with `allowSidecar`): each new sidecar against
/// the first old one of its name, and the counts.
fn sidecar_changes(
    rule: &ValidationRule,
    old: &ComponentSpec,
    new: &ComponentSpec,
    budget: &mut Budget,
) -> Result<Vec<ChangeReason>, Box<OverBudget>> {
    let mut reasons = Vec::new();
    // Go looks each one up in a loop over the old sidecars; an index keeps it linear, and
    // inserting from the back keeps the first of a name, as that loop finds it.
    let old_by_name: HashMap<&str, &SidecarSpec> = old
        .sidecars
        .iter()
        .rev()
        .map(|sidecar| (sidecar.name.as_str(), sidecar))
        .collect();
    for sidecar in &new.sidecars {
        match old_by_name.get(sidecar.name.as_str()) {
            Some(old_sidecar) => reasons.extend(detect_changes(
                &format!("sidecar {}", sidecar.name),
                &rule.sidecar_validation_rule.change_detection,
                (&old_sidecar.name, &sidecar.name),
                (&old_sidecar.properties, &sidecar.properties),
                budget,
            )?),
            None => reasons.push(ChangeReason {
                part: "sidecars".to_string(),
                entry: None,
                key: Some(sidecar.name.clone()),
                old: None,
                new: Some(sidecar.name.clone()),
                why: format!("sidecar `{}` is not on the old side", sidecar.name),
            }),
        }
    }
    // Go counts matched old sidecars; with every new sidecar matched, that count is the
    // number of new sidecars.
    if new.sidecars.len() != old.sidecars.len() {
        reasons.push(ChangeReason {
            part: "sidecars".to_string(),
            entry: None,
            key: None,
            old: Some(old.sidecars.len().to_string()),
            new: Some(new.sidecars.len().to_string()),
            why: "the number of sidecars differs (a sidecar was added or removed)".to_string(),
        });
    }
    Ok(reasons)
}

/// Whether `rule` can never see a change: no property or metadata entries, and sidecars not
/// compared. It is the rule Go uses when `get_validation_rule` fails (the zero rule).
pub fn compares_nothing(rule: &ValidationRule) -> bool {
    let component = &rule.component_validation_rule;
    component.change_detection.is_empty()
        && component.change_detection_metadata.is_empty()
        && !rule.allow_sidecar
}

/// Go's `IsComponentChanged`.
pub fn is_component_changed(
    rule: &ValidationRule,
    old: &ComponentSpec,
    new: &ComponentSpec,
) -> bool {
    compare(rule, old, new).changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_reason_reads_as_one_line_with_absent_sides_and_optional_entry_and_key() {
        let reason = ChangeReason {
            part: "properties".into(),
            entry: Some("image".into()),
            key: Some("image".into()),
            old: Some("a:1".into()),
            new: None,
            why: "key missing on the new side".into(),
        };
        let line = "properties entry `image` key `image`: `a:1` vs (absent) (key missing on the \
                    new side)";
        assert_eq!(reason.describe(), line);
        assert_eq!(reason.to_string(), line);
        let bare = ChangeReason {
            entry: None,
            key: None,
            old: None,
            new: Some("x".into()),
            ..reason
        };
        assert_eq!(
            bare.describe(),
            "properties : (absent) vs `x` (key missing on the new side)"
        );
    }

    fn entry(
        name: &str,
        ignore_case: bool,
        skip_if_missing: bool,
        prefix_match: bool,
    ) -> PropertyDesc {
        PropertyDesc {
            name: name.to_string(),
            ignore_case,
            skip_if_missing,
            prefix_match,
            is_component_name: false,
        }
    }

    fn rule(entries: Vec<PropertyDesc>) -> ValidationRule {
        let mut rule = ValidationRule::zero();
        rule.component_validation_rule.change_detection = entries;
        rule
    }

    fn component(name: &str, properties: Value) -> ComponentSpec {
        ComponentSpec {
            name: name.to_string(),
            properties: serde_json::from_value(properties).unwrap(),
            ..ComponentSpec::default()
        }
    }

    #[test]
    fn property_change_detection_table() {
        let default = ValidationRule::default();
        let exact = rule(vec![entry("image", false, false, false)]);
        let cases: Vec<(&str, ValidationRule, Value, Value, bool)> = vec![
            (
                "default_rule_ignores_case",
                default.clone(),
                json!({"image": "NGINX"}),
                json!({"image": "nginx"}),
                false,
            ),
            (
                "default_rule_sees_a_different_value",
                default.clone(),
                json!({"image": "a:1"}),
                json!({"image": "a:2"}),
                true,
            ),
            (
                "default_rule_ignores_added_key",
                default.clone(),
                json!({}),
                json!({"image": "a"}),
                false,
            ),
            (
                "default_rule_ignores_removed_key",
                default.clone(),
                json!({"image": "a"}),
                json!({}),
                false,
            ),
            (
                "number_equals_its_string",
                default.clone(),
                json!({"r": 2}),
                json!({"r": "2"}),
                false,
            ),
            (
                "million_differs_from_its_digits",
                default.clone(),
                json!({"r": 1000000}),
                json!({"r": "1000000"}),
                true,
            ),
            (
                "million_equals_1e_plus_06_text",
                default.clone(),
                json!({"r": 1000000}),
                json!({"r": "1e+06"}),
                false,
            ),
            (
                "true_equals_uppercase_true_ignoring_case",
                default.clone(),
                json!({"b": true}),
                json!({"b": "TRUE"}),
                false,
            ),
            (
                "null_equals_nil_text",
                default.clone(),
                json!({"n": null}),
                json!({"n": "<nil>"}),
                false,
            ),
            (
                "object_key_order_never_matters",
                default.clone(),
                json!({"o": {"a": 1, "b": 2}}),
                json!({"o": {"b": 2, "a": "1"}}),
                false,
            ),
            (
                "maps_sorted_before_lowercasing_differ",
                default.clone(),
                json!({"o": {"B": 1, "a": 2}}),
                json!({"o": {"b": 1, "A": 2}}),
                true,
            ),
            (
                "exact_entry_sees_case",
                exact.clone(),
                json!({"image": "A"}),
                json!({"image": "a"}),
                true,
            ),
            (
                "missing_key_is_change_without_skip_if_missing",
                exact.clone(),
                json!({}),
                json!({"image": "a"}),
                true,
            ),
            (
                "key_absent_on_both_sides_is_no_change",
                exact.clone(),
                json!({"x": 1}),
                json!({"x": 2}),
                false,
            ),
            (
                "null_value_counts_as_present",
                exact.clone(),
                json!({"image": null}),
                json!({}),
                true,
            ),
            (
                "prefix_match_empty_matches_anything",
                rule(vec![entry("image", false, false, true)]),
                json!({"image": ""}),
                json!({"image": "abc"}),
                false,
            ),
            (
                "prefix_match_either_direction",
                rule(vec![entry("image", false, false, true)]),
                json!({"image": "abcdef"}),
                json!({"image": "abc"}),
                false,
            ),
            (
                "prefix_match_still_sees_other_text",
                rule(vec![entry("image", false, false, true)]),
                json!({"image": "abd"}),
                json!({"image": "abc"}),
                true,
            ),
            (
                "wildcard_key_match_is_case_sensitive",
                rule(vec![entry("env.*", true, false, false)]),
                json!({"ENV.a": 1}),
                json!({"ENV.a": 2}),
                false,
            ),
            (
                "wildcard_compares_union_of_keys",
                rule(vec![entry("env.*", false, false, false)]),
                json!({}),
                json!({"env.a": 1}),
                true,
            ),
            (
                "plain_name_lookup_is_case_sensitive",
                rule(vec![entry("Image", true, true, false)]),
                json!({"image": "a"}),
                json!({"image": "b"}),
                false,
            ),
            (
                "zero_rule_sees_nothing",
                ValidationRule::zero(),
                json!({"image": "a"}),
                json!({"image": "b"}),
                false,
            ),
        ];
        for (name, rule, old, new, expected) in cases {
            let report = compare(&rule, &component("c", old), &component("c", new));
            assert_eq!(report.changed, expected, "{name}: {report:?}");
            assert_eq!(report.reasons.is_empty(), !expected, "{name}");
        }
    }

    #[test]
    fn reason_names_entry_key_and_both_texts() {
        let report = compare(
            &ValidationRule::default(),
            &component("c", json!({"replicas": 1000000})),
            &component("c", json!({"replicas": "1000000"})),
        );
        assert_eq!(
            report.reasons,
            vec![ChangeReason {
                part: "properties".into(),
                entry: Some("*".into()),
                key: Some("replicas".into()),
                old: Some("1e+06".into()),
                new: Some("1000000".into()),
                why: "`%v` texts differ (compared ignoring case)".into(),
            }]
        );
    }

    #[test]
    fn is_component_name_compares_names_even_in_metadata_rules() {
        let mut rule = ValidationRule::zero();
        rule.component_validation_rule.change_detection_metadata = vec![PropertyDesc {
            is_component_name: true,
            ..entry("name", false, false, false)
        }];
        assert!(is_component_changed(
            &rule,
            &component("a", json!({})),
            &component("b", json!({}))
        ));
        assert!(!is_component_changed(
            &rule,
            &component("a", json!({})),
            &component("a", json!({}))
        ));
    }

    #[test]
    fn is_component_name_is_ignored_for_wildcard_entries() {
        let rule = rule(vec![PropertyDesc {
            is_component_name: true,
            ..entry("*", false, true, false)
        }]);
        assert!(!is_component_changed(
            &rule,
            &component("a", json!({})),
            &component("b", json!({}))
        ));
    }

    #[test]
    fn metadata_rules_compare_metadata_strings() {
        let mut rule = ValidationRule::zero();
        rule.component_validation_rule.change_detection_metadata =
            vec![entry("owner", false, false, false)];
        let mut old = component("c", json!({}));
        let mut new = old.clone();
        old.metadata.insert("owner".into(), "a".into());
        new.metadata.insert("owner".into(), "b".into());
        let report = compare(&rule, &old, &new);
        assert!(report.changed);
        assert_eq!(report.reasons[0].part, "metadata");
    }

    fn sidecar(name: &str, image: &str) -> SidecarSpec {
        SidecarSpec {
            name: name.into(),
            properties: [("image".to_string(), json!(image))].into_iter().collect(),
            ..SidecarSpec::default()
        }
    }

    #[test]
    fn sidecars_table() {
        let mut with_rule = ValidationRule::default();
        with_rule.sidecar_validation_rule.change_detection =
            vec![entry("image", false, false, false)];
        type Case = (
            &'static str,
            ValidationRule,
            Vec<SidecarSpec>,
            Vec<SidecarSpec>,
            bool,
        );
        let cases: Vec<Case> = vec![
            (
                "sidecar_added_is_a_change",
                with_rule.clone(),
                vec![],
                vec![sidecar("s", "a")],
                true,
            ),
            (
                "sidecar_removed_is_a_change",
                with_rule.clone(),
                vec![sidecar("s", "a")],
                vec![],
                true,
            ),
            (
                "sidecar_renamed_is_a_change",
                with_rule.clone(),
                vec![sidecar("s", "a")],
                vec![sidecar("t", "a")],
                true,
            ),
            (
                "same_sidecar_is_no_change",
                with_rule.clone(),
                vec![sidecar("s", "a")],
                vec![sidecar("s", "a")],
                false,
            ),
            (
                "sidecar_property_change_is_seen_by_its_rule",
                with_rule.clone(),
                vec![sidecar("s", "a")],
                vec![sidecar("s", "b")],
                true,
            ),
            (
                "default_rule_does_not_compare_sidecar_properties",
                ValidationRule::default(),
                vec![sidecar("s", "a")],
                vec![sidecar("s", "b")],
                false,
            ),
            (
                "sidecars_ignored_without_allow_sidecar",
                ValidationRule::zero(),
                vec![],
                vec![sidecar("s", "a")],
                false,
            ),
        ];
        for (name, rule, old, new, expected) in cases {
            let mut a = component("c", json!({}));
            let mut b = a.clone();
            a.sidecars = old;
            b.sidecars = new;
            assert_eq!(is_component_changed(&rule, &a, &b), expected, "{name}");
        }
    }

    #[test]
    fn a_new_sidecar_is_compared_with_the_first_old_one_of_its_name() {
        let mut rule = ValidationRule::default();
        rule.sidecar_validation_rule.change_detection = vec![entry("image", false, false, false)];
        let mut old = component("c", json!({}));
        let mut new = old.clone();
        old.sidecars = vec![sidecar("s", "a"), sidecar("s", "b")];
        new.sidecars = vec![sidecar("s", "a"), sidecar("t", "x")];
        let report = compare(&rule, &old, &new);
        // `s` matches the first old `s` (image `a`): only `t` is new.
        let parts: Vec<_> = report.reasons.iter().map(|r| r.part.as_str()).collect();
        assert_eq!(parts, ["sidecars"], "{report:?}");
        new.sidecars[0] = sidecar("s", "b");
        let report = compare(&rule, &old, &new);
        assert!(
            report.reasons.iter().any(|r| r.part == "sidecar s"),
            "{report:?}"
        );
    }

    /// A rule of `entries` wildcard names of `name_len` characters, and a component with
    /// `keys` keys of `key_len` characters.
    fn costly(
        entries: usize,
        name_len: usize,
        keys: usize,
        key_len: usize,
    ) -> (ValidationRule, ComponentSpec) {
        let name = format!("{}*", "a".repeat(name_len - 1));
        let rule = rule(vec![entry(&name, false, false, false); entries]);
        let properties: serde_json::Map<String, Value> = (0..keys)
            .map(|i| (format!("{i:0key_len$}"), json!(i)))
            .collect();
        (rule, component("big", Value::Object(properties)))
    }

    #[test]
    fn a_comparison_over_its_budget_is_refused_before_it_runs_naming_entry_and_keys() {
        let (rule, component) = costly(3, 100, 50, 20);
        // One entry: 50 keys × (20 + 100 + the steps of a match) steps.
        let one_entry = 50 * (20 + 100 + Pattern::STEPS_PER_MATCH);
        let err = compare_within(&rule, &component, &component, 2 * one_entry)
            .expect_err("three entries need three times one");
        assert_eq!(err.component, "big");
        assert_eq!(err.part, "properties");
        assert_eq!(err.keys, 50);
        assert_eq!(err.entry_chars, 100);
        assert_eq!(
            err.entry.chars().count(),
            60,
            "the name is cut for the message"
        );
        assert_eq!(err.steps, 3 * one_entry);
        let message = err.to_string();
        let over = format!("more than {} matching steps", 2 * one_entry);
        assert!(message.contains(&over), "{message}");
        assert!(
            err.hint().contains("symphony-harness compare"),
            "{}",
            err.hint()
        );

        let within = compare_within(&rule, &component, &component, 3 * one_entry)
            .expect("exactly the budget is within it");
        assert_eq!(within, compare(&rule, &component, &component));
    }

    #[test]
    fn sidecar_entries_and_metadata_entries_are_paid_from_the_same_budget() {
        let (mut rule, mut component) = costly(1, 10, 10, 10);
        rule.component_validation_rule.change_detection_metadata =
            rule.component_validation_rule.change_detection.clone();
        component.metadata = component
            .properties
            .keys()
            .map(|key| (key.clone(), "v".to_string()))
            .collect();
        let one_entry = 10 * (10 + 10 + Pattern::STEPS_PER_MATCH);
        let err = compare_within(&rule, &component, &component, one_entry).unwrap_err();
        assert_eq!(err.part, "metadata");
        assert!(compare_within(&rule, &component, &component, 2 * one_entry).is_ok());
    }
}

#[cfg(test)]
mod go_reference {
    //! Replays random cases against Symphony's own verdicts, recorded in
    //! `harness/tests/data/go-change/` (see its README).

    use super::compare;
    use crate::model::{ComponentSpec, ValidationRule};

    #[derive(serde::Deserialize)]
    struct Case {
        rule: ValidationRule,
        old: ComponentSpec,
        new: ComponentSpec,
    }

    #[test]
    fn verdicts_match_symphony_go_code_on_600_random_cases() {
        let cases = include_str!("../../tests/data/go-change/cases.jsonl");
        let expected = include_str!("../../tests/data/go-change/expected.txt");
        let mut checked = 0;
        for (n, (line, verdict)) in cases.lines().zip(expected.lines()).enumerate() {
            let case: Case = serde_json::from_str(line).unwrap();
            let report = compare(&case.rule, &case.old, &case.new);
            assert_eq!(
                report.changed.to_string(),
                verdict,
                "case {} ({line}): {report:?}",
                n + 1
            );
            checked += 1;
        }
        assert_eq!(checked, 600);
    }
}
