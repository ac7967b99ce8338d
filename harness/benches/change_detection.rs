//! Change detection's wildcard matching (issue 21): the pathological entry name that took a
//! backtracking matcher exponential time, a comparison as the default rule makes it, and a
//! comparison sized at a tenth of the engine's matching budget in three shapes, to turn
//! `change::MATCH_BUDGET` steps into seconds.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Map, Value};
use symphony_harness::engine::change::{compare, compare_within, MATCH_BUDGET};
use symphony_harness::engine::wildcard::Pattern;
use symphony_harness::model::{ComponentSpec, PropertyDesc, ValidationRule};

fn component(properties: Map<String, Value>) -> ComponentSpec {
    ComponentSpec {
        name: "web".to_string(),
        properties: properties.into_iter().collect(),
        ..ComponentSpec::default()
    }
}

/// A rule of `entries` entries named `name`.
fn wildcard_rule(name: &str, entries: usize) -> ValidationRule {
    let entry = PropertyDesc {
        name: name.to_string(),
        ignore_case: false,
        skip_if_missing: true,
        prefix_match: false,
        is_component_name: false,
    };
    let mut rule = ValidationRule::default();
    rule.component_validation_rule.change_detection = vec![entry; entries];
    rule
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("change_detection");

    // Issue 21's name, `*a*a*a*a*a*a*a*a*a*a*a*a*b`, against 10,000 `a`s (no match: a
    // backtracking matcher never finished), and against them with a `b` at the end (a match,
    // every part found in turn).
    let pattern = Pattern::change_detection(&format!("{}*b", "*a".repeat(12)));
    for (label, key, matches) in [
        (
            "twelve_stars_against_10000_chars",
            "a".repeat(10_000),
            false,
        ),
        (
            "twelve_stars_against_10000_chars_that_match",
            format!("{}b", "a".repeat(10_000)),
            true,
        ),
    ] {
        group.throughput(Throughput::Elements(pattern.steps(&key)));
        group.bench_function(label, |b| {
            b.iter(|| assert_eq!(pattern.matches(&key), matches))
        });
    }

    // The default rule (`*`, ignoring case) over 20 ordinary properties, one of them changed.
    let old: Map<String, Value> = (0..20)
        .map(|i| (format!("env.VARIABLE_{i}"), json!(format!("value-{i}"))))
        .collect();
    let mut new = old.clone();
    new.insert("env.VARIABLE_7".into(), json!("other"));
    let (old, new) = (component(old), component(new));
    let default = ValidationRule::default();
    group.throughput(Throughput::Elements(1));
    group.bench_function("default_rule_20_properties", |b| {
        b.iter(|| assert!(compare(&default, &old, &new).changed))
    });

    // A tenth of the budget, in three shapes, to turn its steps into seconds: the name's
    // parts one character long (a `find` per character of the key), many short keys under
    // many entries (the cost per match), and long keys searched end to end for a part they do
    // not hold (the cost per byte).
    let shapes = [
        (
            "a_tenth_of_the_budget_one_character_parts",
            10,
            format!("{}*b", "*a".repeat(500)),
            1_000,
            999,
        ),
        (
            "a_tenth_of_the_budget_many_short_keys",
            1_000,
            "*x".to_string(),
            250,
            7,
        ),
        (
            "a_tenth_of_the_budget_long_keys_scanned_whole",
            2,
            format!("*{}*", "ab".repeat(50)),
            500,
            20_000,
        ),
    ];
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (label, entries, name, keys, key_len) in shapes {
        let keys: Map<String, Value> = (0..keys)
            .map(|i| (format!("{i:05}{}b", "a".repeat(key_len - 6)), json!(i)))
            .collect();
        let big = component(keys);
        let rule = wildcard_rule(&name, entries);
        let pattern = Pattern::change_detection(&name);
        let steps: u64 = big
            .properties
            .keys()
            .map(|key| pattern.steps(key))
            .sum::<u64>()
            * entries as u64;
        assert!(
            (MATCH_BUDGET / 12..=MATCH_BUDGET / 8).contains(&steps),
            "{label}: {steps} steps"
        );
        group.throughput(Throughput::Elements(steps));
        group.bench_function(label, |b| {
            b.iter(|| {
                let report = compare_within(&rule, &big, &big, MATCH_BUDGET).expect("within");
                assert!(!report.changed);
            })
        });
    }
    group.finish();
}

criterion_group!(change_detection, benches);
criterion_main!(change_detection);
