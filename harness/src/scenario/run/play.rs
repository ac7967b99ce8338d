//! Playing one scenario on a [`Session`]: its steps in turn through a [`Player`], each
//! step's expectations checked, and the run assembled with its transcript.

use std::path::Path;

use super::describe::describe_action;
use super::player::Player;
use super::session::Session;
use super::{RunError, ScenarioRun};
use crate::errors::error_chain;
use crate::scenario::expect::{check_step, Mismatch};
use crate::scenario::format::{Expect, Scenario};
use crate::transcript::{Redactions, StepTranscript, Transcript};

impl Session {
    /// Plays `scenario`; its simulated devices are kept in `scratch/<scenario name>`.
    pub fn play(&mut self, scenario: &Scenario, scratch: &Path) -> Result<ScenarioRun, RunError> {
        let store = scratch.join(&scenario.name);
        if self.simulated {
            std::fs::create_dir_all(&store).map_err(|source| RunError::Scratch {
                path: store.clone(),
                source,
            })?;
        }
        let mut player = Player::start(self, scenario, store)?;
        let played = play_steps(&mut player, scenario);
        let (tally, store, generation) = (player.tally, player.store, player.generation);
        let library = self.library.clone();
        let transcript = Transcript {
            scenario: scenario.name.clone(),
            library_sha256: self.sha256.clone(),
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            description: scenario.description.clone(),
            provider: if scenario.provider.library.is_none() {
                "simulated provider".to_string()
            } else {
                library
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
            symphony: generation.to_string(),
            steps: played.steps,
        };
        let redactions = Redactions::new()
            .replace(store.to_string_lossy(), "devices")
            .replace(scratch.to_string_lossy(), "scratch")
            .replace(library.to_string_lossy(), "library");
        let warnings = hidden_failures(scenario, &transcript)
            .map(|text| redactions.text(&text))
            .into_iter()
            .collect();
        Ok(ScenarioRun {
            transcript,
            warnings,
            mismatches: played.mismatches,
            error: played.error.map(|text| redactions.text(&text)),
            redactions,
            library,
            library_sha256: self.sha256.clone(),
            library_refused: self.refusal.clone(),
            tally,
        })
    }
}

/// What playing a scenario's steps gave.
struct Played {
    steps: Vec<StepTranscript>,
    mismatches: Vec<Mismatch>,
    /// Why the scenario stopped before its end, if it did.
    error: Option<String>,
}

/// Plays every step of `scenario` in turn, checking each step's expectations, until the end,
/// a step that cannot run, or a signal.
fn play_steps(player: &mut Player<'_>, scenario: &Scenario) -> Played {
    let mut played = Played {
        steps: Vec::with_capacity(scenario.steps.len()),
        mismatches: Vec::new(),
        error: None,
    };
    for (index, step) in scenario.steps.iter().enumerate() {
        let number = index + 1;
        if let Some(signal) = crate::worker::interrupted() {
            // The calls after a signal end as harness failures: the rest proves nothing.
            played.error = Some(format!(
                "interrupted by {} before step {number}",
                crate::worker::signal_name(signal)
            ));
            break;
        }
        match player.play(number, step) {
            Ok((mut transcript, facts)) => {
                let failed = check_step(number, step, &facts);
                transcript.failed_expectations = failed.iter().map(Mismatch::describe).collect();
                played.mismatches.extend(failed);
                played.steps.push(transcript);
                if let Some(signal) = crate::worker::interrupted() {
                    played.error = Some(format!(
                        "interrupted by {} during step {number}: its calls were cut short",
                        crate::worker::signal_name(signal)
                    ));
                    break;
                }
            }
            Err(err) => {
                played.error = Some(error_chain(&err));
                played.steps.push(StepTranscript {
                    step: number,
                    action: describe_action(step),
                    note: step.note.clone(),
                    rounds: player.sink.take_rounds(),
                    failed_expectations: vec![format!(
                        "the step could not run: {}",
                        error_chain(&err)
                    )],
                    ..StepTranscript::default()
                });
                break;
            }
        }
    }
    played
}

/// A scenario that expects nothing passes whatever happened: when every one of its rounds
/// failed, that is said out loud.
fn hidden_failures(scenario: &Scenario, transcript: &Transcript) -> Option<String> {
    if scenario
        .steps
        .iter()
        .any(|step| step.expect != Expect::default())
    {
        return None;
    }
    let rounds: Vec<_> = transcript.steps.iter().flat_map(|s| &s.rounds).collect();
    let first = rounds.first()?.failure.as_ref()?;
    if !rounds.iter().all(|round| round.failure.is_some()) {
        return None;
    }
    Some(format!(
        "no step expects anything, and every one of its {} round(s) failed (the first: {}): it \
         passes only because it checks nothing",
        rounds.len(),
        first.describe()
    ))
}
