//! Running many scenarios: a stable partition for CI shards, several at a time (each with its
//! own worker processes and devices), the determinism check, and a reproduction bundle for
//! every failure.
//!
//! Main entry: [`run_suite`], which reports each scenario to a callback as it ends (for
//! progress) and returns every [`ScenarioResult`] in the order the scenarios were given.

use std::path::PathBuf;
use std::sync::Mutex;

use super::bundle::write_bundle;
use super::format::Scenario;
use super::result::ScenarioResult;
use super::run::{run_scenario, RunError, RunSettings, ScenarioRun};
use super::snapshot::hold_snapshot;
use crate::errors::{error_chain, Explain};
use crate::jobs::{for_each_in_order, Next};
use crate::transcript::snapshot::Snapshots;

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// Scenarios at once (at least 1).
    pub jobs: usize,
    /// Run each scenario twice and compare the transcripts.
    pub check_determinism: bool,
    /// Where failures' reproduction bundles go (`None`: none are written).
    pub bundles: Option<PathBuf>,
    /// A scenario's warnings fail it (`--strict`).
    pub strict: bool,
    /// Hold each transcript to its snapshot (`run --snapshots`; `None`: not compared).
    pub snapshots: Option<Snapshots>,
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
    let (run, library_failure) = kept(run_scenario(scenario, &scratch(1)));
    let nondeterministic = match (&run, options.check_determinism) {
        (Ok(first), true) => match run_scenario(scenario, &scratch(2)) {
            Ok(second) => {
                let a = serde_json::to_string_pretty(&first.transcript_json()).unwrap_or_default();
                let b = serde_json::to_string_pretty(&second.transcript_json()).unwrap_or_default();
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
        strict: options.strict,
        library_failure,
        snapshot: None,
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
    // After the bundle: a transcript that is not its snapshot is no failure to replay. A
    // run cut short proves nothing, and writes no snapshot.
    if let (Some(snapshots), false) = (&options.snapshots, interrupted) {
        hold_snapshot(&mut result, snapshots);
    }
    result
}

/// A scenario's run as its result keeps it, and the exit code of what kept it from being
/// played when that is the library or the objects' bindings, as every command gives it: the
/// library cannot be read (1), a binding the harness cannot drive (1), and a scenario that
/// failed without Symphony ever getting a provider (every provider call a failed
/// `create_provider`): the loader refuses the library's bytes (4), or creating the provider
/// failed (5; 1 when the harness itself failed). Such a run is reported as one that could not
/// be played, not by the expectations that nothing could meet.
fn kept(run: Result<ScenarioRun, RunError>) -> (Result<ScenarioRun, String>, Option<i32>) {
    let run = match run {
        Ok(run) => run,
        Err(err) => {
            let (code, hint) = match &err {
                RunError::Library { source, .. } => (Some(source.exit_code()), source.hint()),
                RunError::Backend(source) => (Some(source.exit_code()), source.hint()),
                RunError::Undriven(source) => (Some(source.exit_code()), source.hint()),
                _ => (None, None),
            };
            let text = match hint {
                Some(hint) => format!("{}; hint: {hint}", error_chain(&err)),
                None => error_chain(&err),
            };
            return (Err(text), code);
        }
    };
    if run.passed() {
        return (Ok(run), None);
    }
    let Some(create) = run.never_got_a_provider() else {
        return (Ok(run), None);
    };
    if let Some(refused) = &run.library_refused {
        let text = format!("Symphony never got a provider: {refused}");
        return (Err(text), Some(crate::exit_code::INCOMPATIBLE));
    }
    let code = if create.outcome == crate::engine::Outcome::Harness {
        crate::exit_code::ERROR
    } else {
        crate::exit_code::LOAD_FAILED
    };
    let text = format!(
        "Symphony never got a provider: every `create_provider` failed, the first ended `{}`: {}",
        create.outcome,
        create.message.as_deref().unwrap_or_default()
    );
    (Err(text), Some(code))
}

/// Runs `scenarios` (in `options.jobs` threads), calling `finished` as each one ends;
/// returns the results in the given order.
pub fn run_suite(
    scenarios: &[Scenario],
    settings: &RunSettings,
    options: &SuiteOptions,
    finished: &(dyn Fn(&ScenarioResult) + Sync),
) -> Vec<ScenarioResult> {
    let results: Mutex<Vec<Option<ScenarioResult>>> =
        Mutex::new((0..scenarios.len()).map(|_| None).collect());
    // After a signal no scenario starts; those under way stop at their next step.
    for_each_in_order(
        scenarios.len(),
        options.jobs,
        |_| Some(()),
        |(), index| {
            let result = play(&scenarios[index], settings, options, index);
            finished(&result);
            if let Ok(mut slots) = results.lock() {
                slots[index] = Some(result);
            }
            Next::Continue
        },
    );
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

#[cfg(test)]
mod tests {
    use super::*;

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
