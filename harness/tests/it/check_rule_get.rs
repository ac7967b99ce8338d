//! `symphony-harness check`: the rule, get and rendering checks made with direct calls. Each
//! passes on the clean simulated provider and fails (or warns) with the sim bug it is designed
//! for, naming the problem; one table, a row per case.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::{harness, lib, path_str, Lib};

/// The checks of this module.
const IDS: [&str; 7] = [
    "rule.compared-are-reported",
    "rule.reported-are-watched",
    "get.only-referenced",
    "get.types-preserved",
    "get.stable",
    "get.round-trip",
    "rendering.numbers-and-case",
];

/// A rule entry naming each property the suite generates, strictly.
const EVERY_GENERATED: &str = "sim.changeDetection=image,replicas,enabled,env";

/// Runs `check` on the simulated provider with `config` keys and only `ids`, and returns
/// every check's JSON by id.
fn check(config: &[&str], ids: &[&str]) -> BTreeMap<String, Value> {
    let sim = lib(Lib::Sim);
    let mut args = vec!["check", path_str(&sim), "--format", "json"];
    for key in config {
        args.extend(["--config", key]);
    }
    for id in ids {
        args.extend(["--only", id]);
    }
    let run = harness(&args);
    let json = run.json();
    json["libraries"][0]["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks in {json}; stderr: {}", run.stderr))
        .iter()
        .map(|c| (c["id"].as_str().unwrap_or_default().to_string(), c.clone()))
        .collect()
}

#[test]
fn the_clean_simulated_provider_passes_every_rule_get_and_rendering_check() {
    let checks = check(&[], &IDS);
    assert_eq!(checks.len(), IDS.len(), "{checks:#?}");
    for (id, result) in &checks {
        assert_eq!(result["status"], "pass", "{id}: {result:#}");
        assert!(
            !result["evidence"].as_array().unwrap().is_empty(),
            "{id} shows its calls: {result:#}"
        );
    }
}

/// One case: the sim config, the check, its expected status, texts its message names, and
/// texts some evidence line holds.
struct Row {
    name: &'static str,
    config: &'static [&'static str],
    id: &'static str,
    status: &'static str,
    message: &'static [&'static str],
    evidence: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        name: "a strict entry for a property get reports passes",
        config: &["sim.changeDetection=replicas"],
        id: "rule.compared-are-reported",
        status: "pass",
        message: &["`replicas`"],
        evidence: &["get [rule-compared-are-reported-1] -> ok"],
    },
    Row {
        name: "drop-property under a strict entry for the dropped property fails naming it",
        config: &["sim.bugs=drop-property", "sim.changeDetection=replicas"],
        id: "rule.compared-are-reported",
        status: "fail",
        message: &["`replicas`", "does not report it", "redeploys"],
        evidence: &["key `replicas`: (absent) vs `2`"],
    },
    Row {
        name: "drop-property under the default rule (skipIfMissing) passes",
        config: &["sim.bugs=drop-property"],
        id: "rule.compared-are-reported",
        status: "pass",
        message: &["compares no applied property strictly"],
        evidence: &[],
    },
    Row {
        name: "a rule naming every reported property passes",
        config: &[EVERY_GENERATED],
        id: "rule.reported-are-watched",
        status: "pass",
        message: &["`image`, `replicas`, `enabled`, `env`"],
        evidence: &[],
    },
    Row {
        name: "unstable-property under a rule not naming observedAt warns",
        config: &["sim.bugs=unstable-property", EVERY_GENERATED],
        id: "rule.reported-are-watched",
        status: "warn",
        message: &["`observedAt`", "never notices"],
        evidence: &["\"observedAt\":"],
    },
    Row {
        name: "unstable-property under the default `*` rule is watched",
        config: &["sim.bugs=unstable-property"],
        id: "rule.reported-are-watched",
        status: "pass",
        message: &["(`*`)"],
        evidence: &[],
    },
    Row {
        name: "extra-components fails naming the unasked component",
        config: &["sim.bugs=extra-components"],
        id: "get.only-referenced",
        status: "fail",
        message: &["also reported `get-only-referenced-2`"],
        evidence: &[
            "get [get-only-referenced-1] -> ok [get-only-referenced-1, get-only-referenced-2]",
        ],
    },
    Row {
        name: "wrong-type fails naming both types",
        config: &["sim.bugs=wrong-type"],
        id: "get.types-preserved",
        status: "fail",
        message: &["`example_type-wrong`", "applied as `example_type`"],
        evidence: &["(type `example_type-wrong`)"],
    },
    Row {
        name: "instance-state leaves nothing to judge: not judged, naming the cause",
        config: &["sim.bugs=instance-state"],
        id: "get.types-preserved",
        status: "skip",
        message: &[
            "not judged: `get` does not report what `apply` deployed (cause `get-misses-applied`)",
        ],
        evidence: &[],
    },
    Row {
        name: "unstable-property under the default rule warns: the rule ignores the counter",
        config: &["sim.bugs=unstable-property"],
        id: "get.stable",
        status: "warn",
        message: &[
            "property `observedAt` of `get-stable-1`",
            "then",
            "does not redeploy today",
        ],
        evidence: &[],
    },
    Row {
        name:
            "unstable-property under a strict `*` rule fails: every answer differs from the applied",
        config: &["sim.bugs=unstable-property", "sim.changeDetection=*"],
        id: "get.stable",
        status: "fail",
        message: &["under the provider's rule", "`observedAt`", "redeploys"],
        evidence: &["get [get-stable-1] -> ok [get-stable-1]"],
    },
    Row {
        name: "drop-property under the default rule warns: Symphony never notices",
        config: &["sim.bugs=drop-property"],
        id: "get.round-trip",
        status: "warn",
        message: &[
            "does not report `replicas`",
            "(2)",
            "never notices `replicas` is missing",
        ],
        evidence: &["`replicas`: entry `*` skips a key missing on one side"],
    },
    Row {
        name: "drop-property under a strict entry warns that Symphony redeploys forever",
        config: &["sim.bugs=drop-property", "sim.changeDetection=replicas"],
        id: "get.round-trip",
        status: "warn",
        message: &[
            "does not report `replicas`",
            "compares `replicas` strictly",
            "forever",
        ],
        evidence: &[],
    },
    Row {
        name: "every property comes back from the clean provider",
        config: &[],
        id: "get.round-trip",
        status: "pass",
        message: &["`enabled`, `env`, `image`, `replicas`"],
        evidence: &[],
    },
    Row {
        name: "case-change under a strict rule fails get.stable against the applied spec",
        config: &["sim.bugs=case-change", "sim.changeDetection=*"],
        id: "get.stable",
        status: "fail",
        message: &["under the provider's rule", "redeploys"],
        evidence: &["compared exactly"],
    },
    Row {
        name: "stringify-numbers fails naming the key and both `%v` texts",
        config: &["sim.bugs=stringify-numbers"],
        id: "rendering.numbers-and-case",
        status: "fail",
        message: &["key `largeNumber`", "`1e+06`", "`1000000`"],
        evidence: &["\"largeNumber\":\"1000000\""],
    },
    Row {
        name: "case-change under a strict rule fails naming the key and both texts",
        config: &["sim.bugs=case-change", "sim.changeDetection=*"],
        id: "rendering.numbers-and-case",
        status: "fail",
        message: &["key `mixedCase`", "`MixedCase-Value`", "`MIXEDCASE-VALUE`"],
        evidence: &[],
    },
    Row {
        name: "case-change under the default ignoreCase rule passes",
        config: &["sim.bugs=case-change"],
        id: "rendering.numbers-and-case",
        status: "pass",
        message: &["unchanged under the provider's rule"],
        evidence: &[],
    },
    Row {
        name: "a strict `*` rule on the clean provider passes",
        config: &["sim.changeDetection=*"],
        id: "rendering.numbers-and-case",
        status: "pass",
        message: &[],
        evidence: &[],
    },
];

#[test]
fn each_check_fails_with_the_sim_bug_it_is_designed_for_and_names_the_problem() {
    let mut wrong = Vec::new();
    for row in ROWS {
        let checks = check(row.config, &[row.id]);
        let Some(result) = checks.get(row.id) else {
            wrong.push(format!("{}: no result for `{}`", row.name, row.id));
            continue;
        };
        let message = result["message"].as_str().unwrap_or_default();
        let evidence: Vec<&str> = result["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let good = result["status"] == row.status
            && row.message.iter().all(|text| message.contains(text))
            && row
                .evidence
                .iter()
                .all(|text| evidence.iter().any(|line| line.contains(text)));
        if !good {
            wrong.push(format!(
                "{}: expected `{}` {} naming {:?} with evidence {:?}, got {result:#}",
                row.name, row.id, row.status, row.message, row.evidence
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
