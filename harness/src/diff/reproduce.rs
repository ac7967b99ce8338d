//! How each difference is shown again: the command that replays its first input on both
//! builds, and, when that input is a scenario, the scenario file it plays (a history or a
//! check's scenario is written out; a given scenario is its own file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::change::Kind;
use super::compared::{Build, DiffReport, Difference, HistoryDiffs};
use super::input::InputKind;
use super::sides::{Side, SidePlay};
use crate::scenario::Scenario;

/// Why a scenario file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the scenario file `{}`", path.display())]
pub struct SaveError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// `text`, quoted for a POSIX shell when it needs to be.
fn shell(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `symphony-harness diff OLD NEW` with each build's config and `libHash`, then `extra`.
pub fn diff_command(old: &Build, new: &Build, extra: &[String]) -> String {
    let mut words = vec![
        "symphony-harness".to_string(),
        "diff".to_string(),
        shell(&old.library.to_string_lossy()),
        shell(&new.library.to_string_lossy()),
    ];
    for (side, build) in [("old", old), ("new", new)] {
        for (key, value) in &build.config {
            words.push(format!("--{side}-config"));
            words.push(shell(&format!("{key}={value}")));
        }
        if build.hash != build.sha256 {
            words.push(format!("--{side}-hash"));
            words.push(shell(&build.hash));
        }
    }
    words.extend(extra.iter().cloned());
    words.join(" ")
}

/// The build whose play of an input shows a difference best: the old one for a fix (it
/// fails there), else the new one.
fn showing(kind: Kind) -> Side {
    match kind {
        Kind::Fixed => Side::Old,
        Kind::Regressed | Kind::Changed => Side::New,
    }
}

/// What both builds played: their checks and given scenarios, and the histories kept.
#[derive(Debug, Clone, Copy)]
pub struct Plays<'a> {
    /// The old build's.
    pub old: &'a SidePlay,
    /// The new build's.
    pub new: &'a SidePlay,
    /// Both builds' scenarios of the histories that showed a change.
    pub histories: &'a HistoryDiffs,
}

/// The scenario of input `difference.first_input` as `side` played it, if it is one.
fn scenario_of<'a>(difference: &Difference, plays: Plays<'a>, side: Side) -> Option<&'a Scenario> {
    let play = match side {
        Side::Old => plays.old,
        Side::New => plays.new,
    };
    let input = &difference.first_input;
    match input.kind {
        InputKind::History => {
            let number: usize = input.name.parse().ok()?;
            let (old, new) = plays.histories.scenarios.get(&number)?;
            Some(if side == Side::Old { old } else { new })
        }
        InputKind::Check => play
            .checks
            .as_ref()?
            .results
            .iter()
            .find(|r| r.info.id == input.name.as_str())?
            .finding
            .scenario
            .as_deref(),
        InputKind::Scenario | InputKind::Inspect => None,
    }
}

/// Fills in each difference's reproduce command, and writes the scenario file of each
/// first input that is a history or a check's scenario into `save` (`None`: nothing written;
/// a history is then replayed from the seed).
pub fn attach(
    report: &mut DiffReport,
    plays: Plays<'_>,
    save: Option<&Path>,
) -> Result<(), SaveError> {
    let mut written: BTreeMap<String, PathBuf> = BTreeMap::new();
    let (old, new, seed) = (report.old.clone(), report.new.clone(), report.seed);
    for difference in &mut report.differences {
        let input = difference.first_input.clone();
        let preferred = showing(difference.kind);
        let scenario = [preferred, opposite(preferred)]
            .into_iter()
            .find_map(|side| Some((side, scenario_of(difference, plays, side)?)));
        let file = match (save, scenario, input.kind) {
            (_, _, InputKind::Scenario) => input.file.clone(),
            (Some(dir), Some((side, scenario)), kind) => {
                let name = format!(
                    "{}-{}.json",
                    kind.as_str(),
                    file_stem(&input.name, seed, kind)
                );
                let path = match written.get(&name) {
                    Some(path) => path.clone(),
                    None => {
                        let build = if side == Side::Old { &old } else { &new };
                        let path = write(dir, &name, scenario, build, &difference.what)?;
                        written.insert(name, path.clone());
                        path
                    }
                };
                Some(path)
            }
            _ => None,
        };
        let extra: Vec<String> = match (input.kind, &file) {
            (InputKind::Check, _) => vec![format!("--only {}", input.name), "--cases 0".into()],
            (InputKind::Scenario | InputKind::History, Some(path)) => vec![
                "--no-checks".into(),
                "--cases 0".into(),
                format!("--scenarios {}", shell(&path.to_string_lossy())),
            ],
            (InputKind::History, None) => {
                let cases = input.name.parse::<usize>().map_or(1, |n| n + 1);
                vec![
                    "--no-checks".into(),
                    format!("--seed {seed}"),
                    format!("--cases {cases}"),
                ]
            }
            (InputKind::Inspect, _) | (InputKind::Scenario, None) => {
                vec!["--no-checks".into(), "--cases 0".into()]
            }
        };
        difference.reproduce = diff_command(&old, &new, &extra);
        difference.scenario_file = file;
    }
    Ok(())
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Old => Side::New,
        Side::New => Side::Old,
    }
}

/// `3` for history 3 (`history-<seed>-3.json`), the check id for a check.
fn file_stem(name: &str, seed: u64, kind: InputKind) -> String {
    match kind {
        InputKind::History => format!("{seed}-{name}"),
        _ => name.to_string(),
    }
}

/// Writes `scenario` to `dir/name`: bound to `build`'s library and `libHash`, without the
/// build's own config (the diff command line gives each build its own), described by `what`.
fn write(
    dir: &Path,
    name: &str,
    scenario: &Scenario,
    build: &Build,
    what: &str,
) -> Result<PathBuf, SaveError> {
    let path = dir.join(name);
    let mut scenario = scenario.clone();
    scenario
        .provider
        .config
        .retain(|key, value| build.config.get(key) != Some(value));
    scenario.description = format!("written by `symphony-harness diff`: {what}");
    let text = serde_json::to_string_pretty(&scenario.to_file_json()).unwrap_or_default();
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, text + "\n"))
        .map_err(|source| SaveError {
            path: path.clone(),
            source,
        })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(library: &str, config: &[(&str, &str)], hash: &str) -> Build {
        Build {
            library: library.into(),
            sha256: "abc".into(),
            hash: hash.into(),
            config: config
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            component_type: "example_type".into(),
            no_provider: None,
        }
    }

    #[test]
    fn the_command_gives_each_build_its_config_and_hash_and_quotes_what_needs_it() {
        let old = build("/lib/old.so", &[], "abc");
        let new = build("/my libs/new.so", &[("sim.bugs", "drop-property")], "any");
        let command = diff_command(&old, &new, &["--cases 0".to_string()]);
        assert_eq!(
            command,
            "symphony-harness diff /lib/old.so '/my libs/new.so' --new-config \
             sim.bugs=drop-property --new-hash any --cases 0"
        );
        assert_eq!(shell("it's"), r"'it'\''s'");
    }
}
