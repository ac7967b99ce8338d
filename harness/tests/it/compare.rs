use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{harness, path_str};

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn compare(old: Value, new: Value, rule: Option<Value>, format_json: bool) -> crate::support::Run {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.json", &old);
    let new = write(dir.path(), "new.json", &new);
    let mut args = vec![
        "compare".to_string(),
        path_str(&old).to_string(),
        path_str(&new).to_string(),
    ];
    if let Some(rule) = rule {
        args.push("--rule".into());
        args.push(path_str(&write(dir.path(), "rule.json", &rule)).to_string());
    }
    if format_json {
        args.extend(["--format".to_string(), "json".to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    harness(&args)
}

#[test]
fn million_number_against_its_digits_is_changed_with_both_texts() {
    let run = compare(
        json!({"name": "web", "properties": {"replicas": 1000000}}),
        json!({"name": "web", "properties": {"replicas": "1000000"}}),
        None,
        false,
    );
    assert_eq!(run.code, Some(8), "{}", run.stderr);
    assert!(run.stdout.contains("changed"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("- properties entry `*` key `replicas`: `1e+06` vs `1000000` ("),
        "{}",
        run.stdout
    );
}

#[test]
fn case_only_difference_is_unchanged_under_the_default_rule() {
    let run = compare(
        json!({"name": "web", "properties": {"image": "NGINX"}}),
        json!({"name": "web", "properties": {"image": "nginx", "added": 1}}),
        None,
        true,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"schema": "symphony-harness/compare/v1", "changed": false, "reasons": []})
    );
}

#[test]
fn rule_file_with_exact_entry_sees_case_and_missing_keys() {
    let rule = json!({"componentValidationRule": {"changeDetection": [
        {"name": "image", "ignoreCase": false, "skipIfMissing": false, "prefixMatch": false, "isComponentName": false}]}});
    let run = compare(
        json!({"name": "web", "properties": {"image": "NGINX"}}),
        json!({"name": "web", "properties": {"image": "nginx"}}),
        Some(rule),
        true,
    );
    assert_eq!(run.code, Some(8), "{}", run.stderr);
    let reasons = &run.json()["reasons"];
    assert_eq!(reasons[0]["entry"], "image");
    assert_eq!(reasons[0]["old"], "NGINX");
}

#[test]
fn desired_side_is_evaluated_before_comparing() {
    let run = compare(
        json!({"name": "web", "properties": {"cfg": "{\"a\":1,\"b\":2}"}}),
        json!({"name": "web", "properties": {"cfg": "{ \"b\": 2, \"a\": 1.0 }"}}),
        None,
        true,
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

#[test]
fn unreadable_component_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    let run = harness(&["compare", path_str(&bad), path_str(&bad)]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("is not a valid component"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_rule_key_in_another_case_is_read_as_go_does_with_a_warning_and_fails_under_strict() {
    let rule = json!({"componentValidationRule": {"changedetection": [
        {"name": "image", "ignoreCase": false, "skipIfMissing": false, "prefixMatch": false, "isComponentName": false}]}});
    let old = json!({"name": "web", "properties": {"image": "NGINX"}});
    let new = json!({"name": "web", "properties": {"image": "nginx"}});
    let run = compare(old.clone(), new.clone(), Some(rule.clone()), false);
    assert_eq!(run.code, Some(8), "the entry applies: {}", run.stderr);
    assert!(
        run.stderr
            .contains("key `componentValidationRule.changedetection` is read as `changeDetection`"),
        "{}",
        run.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let args = [
        write(dir.path(), "old.json", &old),
        write(dir.path(), "new.json", &new),
    ];
    let rule = write(dir.path(), "rule.json", &rule);
    let run = harness(&[
        "compare",
        path_str(&args[0]),
        path_str(&args[1]),
        "--rule",
        path_str(&rule),
        "--strict",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("`--strict`"), "{}", run.stderr);
}

#[test]
fn a_misspelt_rule_key_is_named_with_a_suggestion() {
    let rule = json!({"componentValidationRule": {"changeDetections": []}});
    let run = compare(
        json!({"name": "web"}),
        json!({"name": "web"}),
        Some(rule),
        false,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "unknown key `componentValidationRule.changeDetections`: Symphony ignores it; did you mean `changeDetection`?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn raw_compares_new_as_written_where_the_default_evaluates_it_first() {
    // Evaluation re-renders a JSON-looking string compactly: `"1.0"` becomes `"1"`.
    let old = json!({"name": "web", "properties": {"replicas": "1"}});
    let new = json!({"name": "web", "properties": {"replicas": "1.0"}});
    let evaluated = compare(old.clone(), new.clone(), None, true);
    assert_eq!(evaluated.code, Some(0), "{}", evaluated.stderr);
    assert_eq!(evaluated.json()["changed"], false);

    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.json", &old);
    let new = write(dir.path(), "new.json", &new);
    let raw = harness(&[
        "compare",
        "--raw",
        path_str(&old),
        path_str(&new),
        "--format",
        "json",
    ]);
    assert_eq!(raw.code, Some(8), "{}", raw.stderr);
    let reasons = &raw.json()["reasons"];
    assert_eq!(
        (reasons[0]["old"].as_str(), reasons[0]["new"].as_str()),
        (Some("1"), Some("1.0"))
    );
}

/// Issue 21: this entry name against a 40-character key took a backtracking matcher 29 s,
/// and a 1,000-character one did not finish. The answer must be right and come at once.
#[test]
fn twelve_stars_against_a_10000_character_key_are_compared_at_once() {
    let key = "a".repeat(10_000);
    let rule = json!({"componentValidationRule": {"changeDetection": [
        {"name": format!("{}*b", "*a".repeat(12))}]}});
    for (suffix, code) in [("", 0), ("b", 8)] {
        let key = format!("{key}{suffix}");
        let run = compare(
            json!({"name": "web", "properties": {&key: 1}}),
            json!({"name": "web", "properties": {&key: 2}}),
            Some(rule.clone()),
            false,
        );
        assert_eq!(
            run.code,
            Some(code),
            "key ending `{suffix}`: {}",
            run.stderr
        );
    }
}

#[test]
fn a_rule_too_costly_to_compare_is_refused_naming_entry_and_keys() {
    let name = "*a".repeat(50_000);
    let properties: serde_json::Map<String, Value> = (0..2_000)
        .map(|i| (format!("{i:0100}"), json!(i)))
        .collect();
    let component = json!({"name": "web", "properties": properties});
    let rule = json!({"componentValidationRule": {"changeDetection": [{"name": name}]}});
    let run = compare(component.clone(), component, Some(rule), false);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("(100000 characters) is matched against 2000 keys"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}

#[test]
fn a_component_without_a_name_is_refused() {
    for (old, new, named) in [
        (json!({}), json!({"name": "web"}), "old.json"),
        (
            json!({"name": "web"}),
            json!({"properties": {}}),
            "new.json",
        ),
    ] {
        let run = compare(old, new, None, false);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("{named}` has no `name`: Symphony pairs")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_rule_that_compares_nothing_is_warned_about_and_refused_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let component = write(dir.path(), "c.json", &json!({"name": "web"}));
    let rule = write(dir.path(), "rule.json", &json!({}));
    let mut args = vec![
        "compare",
        path_str(&component),
        path_str(&component),
        "--rule",
        path_str(&rule),
    ];
    let run = harness(&args);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: the rule `")
            && run.stderr.contains("rule.json` compares nothing"),
        "{}",
        run.stderr
    );
    args.push("--strict");
    let run = harness(&args);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("compares nothing"), "{}", run.stderr);
    // The default rule (no `--rule`) compares every key: nothing to warn about.
    let run = harness(&["compare", path_str(&component), path_str(&component)]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}
