//! Running many scenarios: a stable partition for CI shards, several at a time (each with its
//! own worker processes and devices), the determinism check, and a reproduction bundle for
//! every failure.
//!
//! Main entry: [`run_suite`], which reports each scenario to a callback as it ends (for
//! progress) and returns every [`ScenarioResult`] in the order the scenarios were given.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::bundle::write_bundle;
use super::format::Scenario;
use super::run::{run_scenario, RunSettings, ScenarioRun};
use crate::errors::error_chain;

/// A slice of the scenarios: shard `index` of `count` (from 1), as `--partition K/N` names
/// it. Scenario `i` (0-based, in the given order) belongs to shard `i % count + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// This shard, from 1.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let bad = || format!("`{text}` is not a partition: write K/N with 1 <= K <= N, e.g. 2/3");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl Partition {
    /// Whether the `position`-th scenario (0-based) is in this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count + 1 == self.index
    }
}

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Scenarios at once (at least 1).
    pub jobs: usize,
    /// Run each scenario twice and compare the transcripts.
    pub check_determinism: bool,
    /// Where failures' reproduction bundles go (`None`: none are written).
    pub bundles: Option<PathBuf>,
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// What it pins.
    pub description: String,
    /// How it ran, or why it could not be played.
    pub run: Result<ScenarioRun, String>,
    /// With the determinism check: where the second run's transcript first differed.
    pub nondeterministic: Option<String>,
    /// The reproduction bundle written for its failure.
    pub bundle: Option<PathBuf>,
    /// Why no bundle could be written, if one was wanted.
    pub bundle_error: Option<String>,
    /// When it started.
    pub started: std::time::SystemTime,
    /// How long it ran (both runs, with the determinism check).
    pub duration: std::time::Duration,
}

impl ScenarioResult {
    /// True when it ran to its end, every expectation held, and (when checked) both runs
    /// gave the same transcript.
    pub fn passed(&self) -> bool {
        self.run.as_ref().is_ok_and(ScenarioRun::passed) && self.nondeterministic.is_none()
    }
}

/// A scenario whose verdict differs between two runs of a suite: it passed in one and not
/// the other, or it is in only one of them (its file added or removed). `--watch` prints
/// these after each re-run.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioChange<'a> {
    /// Its result in the earlier run (`None`: it was not played then).
    pub before: Option<&'a ScenarioResult>,
    /// Its result now (`None`: it was not played now).
    pub after: Option<&'a ScenarioResult>,
}

impl<'a> ScenarioChange<'a> {
    /// The scenario's name (its name now, if it was played now).
    pub fn name(&self) -> &'a str {
        self.after.or(self.before).map_or("", |r| r.name.as_str())
    }
}

/// The scenarios whose verdict (passed or not) differs from `before` to `after`, matched by
/// file: those of `after` in its order, then those only `before` had. A scenario that failed
/// before and fails now is no change, even for another reason.
pub fn changes<'a>(
    before: &'a [ScenarioResult],
    after: &'a [ScenarioResult],
) -> Vec<ScenarioChange<'a>> {
    let now = after.iter().filter_map(|result| {
        let earlier = before.iter().find(|b| b.path == result.path);
        match earlier {
            Some(earlier) if earlier.passed() == result.passed() => None,
            _ => Some(ScenarioChange {
                before: earlier,
                after: Some(result),
            }),
        }
    });
    let gone = before
        .iter()
        .filter(|b| !after.iter().any(|a| a.path == b.path))
        .map(|b| ScenarioChange {
            before: Some(b),
            after: None,
        });
    now.chain(gone).collect()
}

/// The first line where two JSON texts differ, as `line N: a | b`.
fn first_difference(a: &str, b: &str) -> String {
    let (mut left, mut right) = (a.lines(), b.lines());
    let mut line = 1;
    loop {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                return format!(
                    "transcript line {line}: first run `{}`, second run `{}`",
                    x.unwrap_or("(end)").trim(),
                    y.unwrap_or("(end)").trim()
                )
            }
        }
    }
}

fn play(
    scenario: &Scenario,
    settings: &RunSettings,
    options: &SuiteOptions,
    slot: usize,
) -> ScenarioResult {
    let (started, clock) = (std::time::SystemTime::now(), std::time::Instant::now());
    let scratch = |attempt: usize| RunSettings {
        scratch: settings.scratch.join(format!("{slot}-{attempt}")),
        ..settings.clone()
    };
    let run = run_scenario(scenario, &scratch(1)).map_err(|err| error_chain(&err));
    let nondeterministic = match (&run, options.check_determinism) {
        (Ok(first), true) => match run_scenario(scenario, &scratch(2)) {
            Ok(second) => {
                let a = serde_json::to_string_pretty(&first.transcript).unwrap_or_default();
                let b = serde_json::to_string_pretty(&second.transcript).unwrap_or_default();
                (a != b).then(|| first_difference(&a, &b))
            }
            Err(err) => Some(format!(
                "the second run could not be played: {}",
                error_chain(&err)
            )),
        },
        _ => None,
    };
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        path: scenario.path.clone(),
        description: scenario.description.clone(),
        run,
        nondeterministic,
        bundle: None,
        bundle_error: None,
        started,
        duration: clock.elapsed(),
    };
    // A run a signal cut short reproduces nothing: no bundle for it.
    let interrupted = crate::worker::interrupted().is_some();
    if let (Some(dir), false, false, Ok(run)) =
        (&options.bundles, result.passed(), interrupted, &result.run)
    {
        match write_bundle(dir, scenario, run) {
            Ok(path) => result.bundle = Some(path),
            Err(err) => result.bundle_error = Some(error_chain(&err)),
        }
    }
    result
}

/// Runs `scenarios` (in `options.jobs` threads), calling `finished` as each one ends;
/// returns the results in the given order.
pub fn run_suite(
    scenarios: &[Scenario],
    settings: &RunSettings,
    options: &SuiteOptions,
    finished: &(dyn Fn(&ScenarioResult) + Sync),
) -> Vec<ScenarioResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ScenarioResult>>> =
        Mutex::new((0..scenarios.len()).map(|_| None).collect());
    let jobs = options.jobs.clamp(1, scenarios.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                // After a signal no scenario starts; those under way stop at their next step.
                if crate::worker::interrupted().is_some() {
                    break;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(scenario) = scenarios.get(index) else {
                    break;
                };
                let result = play(scenario, settings, options, index);
                finished(&result);
                if let Ok(mut slots) = results.lock() {
                    slots[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// The scenario files a command line names: files as given, folders as their `*.json` files
/// (sorted by name), every path once.
pub fn expand_paths(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(super::run::scenario_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(file.canonicalize().unwrap_or_else(|_| file.clone())));
    Ok(files)
}

/// Where a scenario's bundle goes under `dir`.
pub fn bundle_dir(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_split_every_position_into_exactly_one_shard() {
        assert_eq!("2/3".parse(), Ok(Partition { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        for position in 0..10 {
            let shards = (1..=3)
                .filter(|index| {
                    Partition {
                        index: *index,
                        count: 3,
                    }
                    .holds(position)
                })
                .count();
            assert_eq!(shards, 1, "position {position}");
        }
    }

    fn result(file: &str, passed: bool) -> ScenarioResult {
        let run = ScenarioRun {
            transcript: serde_json::json!({"steps": []}),
            mismatches: Vec::new(),
            error: (!passed).then(|| "round 1 failed".to_string()),
            library: PathBuf::from("libsim.so"),
            library_sha256: "0".repeat(64),
            tally: Default::default(),
        };
        ScenarioResult {
            name: file.trim_end_matches(".json").to_string(),
            path: PathBuf::from("scenarios").join(file),
            description: String::new(),
            run: Ok(run),
            nondeterministic: None,
            bundle: None,
            bundle_error: None,
            started: std::time::SystemTime::UNIX_EPOCH,
            duration: std::time::Duration::ZERO,
        }
    }

    /// A row of the table: two runs (file, passed) and the changes expected between them
    /// (name, passed before, passed after).
    struct Case {
        name: &'static str,
        before: Vec<(&'static str, bool)>,
        after: Vec<(&'static str, bool)>,
        expected: Vec<(&'static str, Option<bool>, Option<bool>)>,
    }

    #[test]
    fn verdict_changes_between_two_runs() {
        let cases = [
            Case {
                name: "no change",
                before: vec![("a.json", true), ("b.json", false)],
                after: vec![("a.json", true), ("b.json", false)],
                expected: vec![],
            },
            Case {
                name: "pass to fail, the unchanged left out",
                before: vec![("a.json", true), ("b.json", true)],
                after: vec![("a.json", true), ("b.json", false)],
                expected: vec![("b", Some(true), Some(false))],
            },
            Case {
                name: "fail to pass",
                before: vec![("a.json", false)],
                after: vec![("a.json", true)],
                expected: vec![("a", Some(false), Some(true))],
            },
            Case {
                name: "a scenario added",
                before: vec![("a.json", true)],
                after: vec![("a.json", true), ("c.json", false)],
                expected: vec![("c", None, Some(false))],
            },
            Case {
                name: "a scenario removed",
                before: vec![("a.json", true), ("b.json", true)],
                after: vec![("b.json", true)],
                expected: vec![("a", Some(true), None)],
            },
        ];
        for case in cases {
            let before: Vec<_> = case.before.iter().map(|(f, p)| result(f, *p)).collect();
            let after: Vec<_> = case.after.iter().map(|(f, p)| result(f, *p)).collect();
            let found: Vec<_> = changes(&before, &after)
                .iter()
                .map(|c| {
                    (
                        c.name(),
                        c.before.map(ScenarioResult::passed),
                        c.after.map(ScenarioResult::passed),
                    )
                })
                .collect();
            assert_eq!(found, case.expected, "{}", case.name);
        }
    }

    #[test]
    fn a_scenario_failing_for_another_reason_is_no_change() {
        let before = vec![result("a.json", false)];
        let mut after = before.clone();
        after[0].run = Err("cannot be played".to_string());
        assert!(changes(&before, &after).is_empty());
    }

    #[test]
    fn the_first_difference_names_its_line_and_both_texts() {
        assert_eq!(
            first_difference("a\nb\nc", "a\nx\nc"),
            "transcript line 2: first run `b`, second run `x`"
        );
        assert_eq!(
            first_difference("a", "a\nb"),
            "transcript line 2: first run `(end)`, second run `b`"
        );
    }
}
