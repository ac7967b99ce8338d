//! A scenario's result in a suite, and which verdicts changed between two runs of a suite
//! (`run --watch`).

use std::path::PathBuf;

use super::run::ScenarioRun;
use crate::transcript::snapshot::SnapshotVerdict;

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
    /// Whether its warnings fail it (`--strict`).
    pub strict: bool,
    /// When it could not be played because of its library, the exit code every command gives
    /// for that: 1 the library cannot be read, 4 it is not a provider or is incompatible, 5
    /// Symphony never got a provider from it (NULL, a failed load, a crash creating it).
    pub library_failure: Option<i32>,
    /// How its transcript compared with its snapshot (`run --snapshots`; `None`: not
    /// compared).
    pub snapshot: Option<SnapshotVerdict>,
    /// When it started.
    pub started: std::time::SystemTime,
    /// How long it ran (both runs, with the determinism check).
    pub duration: std::time::Duration,
}

impl ScenarioResult {
    /// True when it ran to its end, every expectation held, (when checked) both runs gave
    /// the same transcript, (under `--strict`) nothing needed a warning, and (when compared)
    /// its snapshot holds its transcript or was updated.
    pub fn passed(&self) -> bool {
        self.run.as_ref().is_ok_and(ScenarioRun::passed)
            && self.nondeterministic.is_none()
            && (!self.strict || self.warnings().is_empty())
            && self.snapshot.as_ref().is_none_or(|verdict| !verdict.fails)
    }

    /// Its exit code: 0 when it passed, its [`ScenarioResult::library_failure`] when its
    /// library kept it from being played, else 9 (`scenario-failed`).
    pub fn exit_code(&self) -> i32 {
        match self.library_failure {
            _ if self.passed() => crate::exit_code::SUCCESS,
            Some(code) => code,
            None => crate::exit_code::SCENARIO_FAILED,
        }
    }

    /// What its run warned about.
    pub fn warnings(&self) -> &[String] {
        self.run.as_ref().map_or(&[], |run| run.warnings.as_slice())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(file: &str, passed: bool) -> ScenarioResult {
        let run = ScenarioRun {
            warnings: Vec::new(),
            transcript: crate::transcript::Transcript::default(),
            redactions: crate::transcript::Redactions::new(),
            mismatches: Vec::new(),
            error: (!passed).then(|| "round 1 failed".to_string()),
            library: PathBuf::from("libsim.so"),
            library_sha256: "0".repeat(64),
            library_refused: None,
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
            strict: false,
            library_failure: None,
            snapshot: None,
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
}
