//! The diff of two builds: every input with its verdict on each build and its changes
//! ([`InputDiff`]), and the distinct [`Difference`]s, each with the first input that shows it
//! and how many do ([`DiffReport`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::change::{Area, Change, Kind};
use super::checks::check_diffs;
use super::facts::{fact_changes, facts, Fact};
use super::input::{Input, InputDiff};
use super::runs::{compare_runs, verdict};
use super::sides::SidePlay;
use crate::explore::PlayedCase;
use crate::model::ValidationRule;
use crate::scenario::Scenario;
use crate::subject::Subject;

/// One build, as the diff names it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    /// The library.
    pub library: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// The `libHash` its bindings gave.
    pub hash: String,
    /// Its binding config (the command line's).
    pub config: BTreeMap<String, String>,
    /// The component type its checks and histories used.
    pub component_type: String,
    /// When Symphony gets no provider from it, the exit code `load` gives that (4: not a
    /// provider or incompatible; 5: NULL or a failed load).
    #[serde(skip)]
    pub no_provider: Option<i32>,
}

impl Build {
    /// What `subject` is.
    pub fn of(subject: &Subject) -> Build {
        Build {
            library: subject.library.clone(),
            sha256: subject.sha256.clone(),
            hash: subject.hash.clone(),
            config: subject.config.clone(),
            component_type: subject.component_type.clone(),
            no_provider: subject
                .probe
                .as_ref()
                .err()
                .map(|failure| failure.exit_code),
        }
    }
}

/// One change, with every input that shows it.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// Which way it goes.
    pub kind: Kind,
    /// What it is about.
    pub area: Area,
    /// What changed.
    pub what: String,
    /// The first input that shows it.
    pub first_input: Input,
    /// Where in that input (`step 2, round 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// How many inputs show it.
    pub inputs: usize,
    /// The old build's evidence, from the first input.
    pub old: Vec<String>,
    /// The new build's evidence, from the first input.
    pub new: Vec<String>,
    /// A scenario file that plays the first input (`None`: it is no scenario, or none was
    /// written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_file: Option<PathBuf>,
    /// The command that shows it again.
    pub reproduce: String,
}

impl Difference {
    fn from(change: &Change, input: &Input) -> Difference {
        Difference {
            kind: change.kind,
            area: change.area,
            what: change.what.clone(),
            first_input: input.clone(),
            at: change.at.clone(),
            inputs: 1,
            old: change.old.clone(),
            new: change.new.clone(),
            scenario_file: None,
            reproduce: String::new(),
        }
    }
}

/// How many inputs of each kind each build played.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Played {
    /// Checks.
    pub checks: usize,
    /// Given scenarios.
    pub scenarios: usize,
    /// Histories.
    pub histories: usize,
}

/// The diff of two builds.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DiffReport {
    /// The old build.
    pub old: Build,
    /// The new build.
    pub new: Build,
    /// Both libraries' facts, side by side.
    pub facts: Vec<Fact>,
    /// The seed the histories were drawn from.
    pub seed: u64,
    /// What was played on both builds.
    pub played: Played,
    /// Every input, in the order played: inspect, checks, scenarios, histories.
    pub inputs: Vec<InputDiff>,
    /// Every distinct change: regressions, then fixes, then other changes, each group in the
    /// order of the first input that shows it.
    pub differences: Vec<Difference>,
    /// The signal that cut the run short, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
}

impl DiffReport {
    /// The number of distinct changes of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.differences.iter().filter(|d| d.kind == kind).count()
    }

    /// True when no input shows any change: Symphony would observe nothing different.
    pub fn no_change(&self) -> bool {
        self.differences.is_empty()
    }

    /// True when both libraries have the same bytes.
    pub fn same_bytes(&self) -> bool {
        !self.old.sha256.is_empty() && self.old.sha256 == self.new.sha256
    }
}

/// The histories, compared as both builds played them: each one's diff, and each build's
/// scenario of those that showed a change (to write out); their transcripts are not kept.
#[derive(Debug, Clone, Default)]
pub struct HistoryDiffs {
    /// Each history's diff, by number.
    pub inputs: Vec<InputDiff>,
    /// The old and new build's scenario of each history that showed a change, by number.
    pub scenarios: BTreeMap<usize, (Scenario, Scenario)>,
}

/// Compares the histories `old` and `new` give, in order, as they come; stops when either
/// ends.
pub fn compare_histories(
    old: impl Iterator<Item = PlayedCase>,
    new: impl Iterator<Item = PlayedCase>,
    rule: &ValidationRule,
) -> HistoryDiffs {
    let mut diffs = HistoryDiffs::default();
    for (number, (old, new)) in old.zip(new).enumerate() {
        let diff = played_diff(Input::history(number), (&old, &new), rule);
        if !diff.changes.is_empty() {
            diffs.scenarios.insert(number, (old.scenario, new.scenario));
        }
        diffs.inputs.push(diff);
    }
    diffs
}

/// The rule `get` reports are compared under: the new build's, else the old build's, else
/// the `symphony` crate's default.
pub fn rule_of((old, new): (&Subject, &Subject)) -> ValidationRule {
    new.rule()
        .or_else(|| old.rule())
        .cloned()
        .unwrap_or_default()
}

/// Compares what both builds gave for every input.
pub fn compare(
    (old, new): (&Subject, &Subject),
    (old_play, new_play): (&SidePlay, &SidePlay),
    histories: &HistoryDiffs,
    seed: u64,
) -> DiffReport {
    let facts = facts(old, new);
    let verdict_of = |list: &[Fact]| {
        list.iter()
            .find(|f| f.name == "inspect verdict")
            .map_or((String::new(), String::new()), |f| {
                (f.old.clone(), f.new.clone())
            })
    };
    let (old_verdict, new_verdict) = verdict_of(&facts);
    let mut inputs = vec![InputDiff {
        input: Input::inspect(),
        old: old_verdict,
        new: new_verdict,
        changes: fact_changes(&facts),
        unplayed: None,
    }];
    if let (Some(o), Some(n)) = (&old_play.checks, &new_play.checks) {
        inputs.extend(check_diffs(o, n));
    }
    let rule = rule_of((old, new));
    let pairs = old_play.scenarios.iter().zip(&new_play.scenarios);
    inputs.extend(pairs.map(|(o, n)| {
        played_diff(
            Input::scenario(&o.scenario.name, o.scenario.path.clone()),
            (o, n),
            &rule,
        )
    }));
    inputs.extend(histories.inputs.iter().cloned());
    let played = Played {
        checks: inputs
            .iter()
            .filter(|i| i.input.kind == super::input::InputKind::Check)
            .count(),
        scenarios: old_play.scenarios.len().min(new_play.scenarios.len()),
        histories: histories.inputs.len(),
    };
    DiffReport {
        old: Build::of(old),
        new: Build::of(new),
        facts,
        seed,
        played,
        differences: differences(&inputs),
        inputs,
        interrupted: crate::worker::interrupted().map(crate::worker::signal_name),
    }
}

fn played_diff(
    input: Input,
    (old, new): (&PlayedCase, &PlayedCase),
    rule: &ValidationRule,
) -> InputDiff {
    InputDiff {
        input,
        old: verdict(&old.run).to_string(),
        new: verdict(&new.run).to_string(),
        changes: compare_runs(&old.run, &new.run, rule),
        unplayed: match (&old.run, &new.run) {
            (Err(why), Err(_)) => Some(why.clone()),
            _ => None,
        },
    }
}

/// Every distinct change of `inputs` (by kind, area and words), with the first input showing
/// it and how many do; regressions first, then fixes, then the rest.
pub fn differences(inputs: &[InputDiff]) -> Vec<Difference> {
    let mut found: Vec<Difference> = Vec::new();
    for input in inputs {
        for change in &input.changes {
            match found
                .iter_mut()
                .find(|d| (d.kind, d.area, d.what.as_str()) == change.key())
            {
                Some(difference) => difference.inputs += 1,
                None => found.push(Difference::from(change, &input.input)),
            }
        }
    }
    found.sort_by_key(|d| d.kind);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(number: usize, changes: Vec<Change>) -> InputDiff {
        InputDiff {
            input: Input::history(number),
            old: "passed".into(),
            new: "failed".into(),
            changes,
            unplayed: None,
        }
    }

    fn played(why: &str) -> PlayedCase {
        let text = r#"{"description": "d", "objects": {"target": {"metadata": {"name": "t"}, "spec": {"topologies": []}}},
                       "steps": [{"reconcile": {}}]}"#;
        let loaded = crate::scenario::parse_scenario(text, std::path::Path::new(why)).unwrap();
        PlayedCase {
            scenario: loaded.scenario,
            run: Err(why.to_string()),
        }
    }

    #[test]
    fn histories_compare_in_pairs_until_either_build_stops_keeping_only_changed_scenarios() {
        let old = vec![played("a"), played("b"), played("c")];
        let new = vec![played("a"), played("other")];
        let diffs = compare_histories(old.into_iter(), new.into_iter(), &ValidationRule::default());
        let names: Vec<&str> = diffs.inputs.iter().map(|d| d.input.name.as_str()).collect();
        assert_eq!(names, ["0", "1"], "the old build's third has no pair");
        assert!(diffs.inputs[0].changes.is_empty());
        assert_eq!(diffs.inputs[0].unplayed.as_deref(), Some("a"));
        assert_eq!(diffs.inputs[1].changes.len(), 1);
        assert_eq!(diffs.scenarios.keys().collect::<Vec<_>>(), [&1]);
    }

    #[test]
    fn a_change_many_inputs_show_is_one_difference_with_its_first_input_and_count() {
        let dropped = || Change::new(Kind::Regressed, Area::Get, "dropped");
        let inputs = [
            input(
                0,
                vec![Change::new(Kind::Changed, Area::Device, "moved").at("step 1")],
            ),
            input(
                1,
                vec![
                    dropped().at("step 4"),
                    Change::new(Kind::Fixed, Area::Apply, "ok"),
                ],
            ),
            input(2, vec![dropped().at("step 2")]),
        ];
        let found = differences(&inputs);
        let summary: Vec<(Kind, &str, &str, usize, Option<&str>)> = found
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.what.as_str(),
                    d.first_input.name.as_str(),
                    d.inputs,
                    d.at.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Kind::Regressed, "dropped", "1", 2, Some("step 4")),
                (Kind::Fixed, "ok", "1", 1, None),
                (Kind::Changed, "moved", "0", 1, Some("step 1")),
            ]
        );
    }
}
