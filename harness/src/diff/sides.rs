//! Playing every input on one build ([`play_side`]): the checks, each given scenario bound to
//! the build, each history; each build in its own folder, with its own workers and devices.
//! Histories are handed on as each is played (a diff may play thousands: only the pair being
//! compared is kept).

use std::path::Path;
use std::sync::mpsc::SyncSender;

use super::input::Input;
use crate::check::suite::run_checks_on;
use crate::check::{CheckOptions, SuiteReport};
use crate::errors::error_chain;
use crate::explore::{Case, CasePlayer, Frame, PlayedCase};
use crate::scenario::{run_scenario, RunSettings, Scenario};
use crate::subject::Subject;

/// Which build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `OLD`.
    Old,
    /// `NEW`.
    New,
}

impl Side {
    /// `old`, `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }
}

/// What both builds play.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The checks to run (`None`: none).
    pub checks: Option<&'a CheckOptions>,
    /// The given scenarios.
    pub scenarios: &'a [Scenario],
    /// The histories, drawn once for both.
    pub cases: &'a [Case],
    /// Rounds within which a history's reconcile must converge after a change.
    pub converge_within: u32,
    /// Whether both builds have a device channel: only then are histories written with the
    /// device invariants, so both builds are held to the same ones.
    pub device_channel: bool,
}

/// What one build gave for its checks and given scenarios.
#[derive(Debug, Clone)]
pub struct SidePlay {
    /// The checks' report (`None`: no checks were run).
    pub checks: Option<SuiteReport>,
    /// Each given scenario, bound to this build, and its play.
    pub scenarios: Vec<PlayedCase>,
}

/// Plays `plan` on `subject`, its devices below `scratch`, calling `progress` after each
/// input and sending each history to `histories` as it is played. A signal, or a receiver
/// gone, stops it between inputs (what was played is kept).
pub fn play_side(
    subject: &Subject,
    plan: Plan<'_>,
    (side, scratch): (Side, &Path),
    progress: &(dyn Fn(Side, &Input) + Sync),
    histories: SyncSender<PlayedCase>,
) -> SidePlay {
    let checks = plan.checks.map(|options| {
        let options = CheckOptions {
            scratch: scratch.join("checks"),
            ..options.clone()
        };
        run_checks_on(subject.clone(), &options, &mut |result| {
            progress(side, &Input::check(result.info.id.as_str()));
        })
    });
    let mut scenarios = Vec::new();
    for (index, scenario) in plan.scenarios.iter().enumerate() {
        if crate::worker::interrupted().is_some() {
            break;
        }
        let played = play_scenario(
            subject,
            scenario,
            &scratch.join(format!("scenario-{index}")),
        );
        progress(
            side,
            &Input::scenario(&scenario.name, scenario.path.clone()),
        );
        scenarios.push(played);
    }
    play_histories(
        subject,
        plan,
        (side, &scratch.join("histories")),
        progress,
        histories,
    );
    SidePlay { checks, scenarios }
}

/// `scenario` bound to `subject`: its library, its `libHash`, and its binding config over
/// the scenario's own (the command line's config wins).
pub fn bind(subject: &Subject, scenario: &Scenario) -> Scenario {
    let mut bound = scenario.clone();
    bound.provider.library = Some(subject.library.clone());
    bound.provider.hash = Some(subject.hash.clone());
    for (key, value) in &subject.config {
        bound.provider.config.insert(key.clone(), value.clone());
    }
    bound
}

/// Plays a given scenario on `subject`, as `run` plays it (its own provider settings: host,
/// instances, isolation), in a session of its own.
fn play_scenario(subject: &Subject, scenario: &Scenario, scratch: &Path) -> PlayedCase {
    let scenario = bind(subject, scenario);
    let run = if subject.in_process() {
        subject
            .session()
            .and_then(|mut session| session.play(&scenario, scratch))
    } else {
        // Simulated devices stay in this build's own folder: a `sim.store` elsewhere would
        // share them with the other build.
        let settings = RunSettings {
            backend: subject.backend.clone(),
            simulator: subject.library.clone(),
            scratch: scratch.to_path_buf(),
            store_dirs: Vec::new(),
        };
        run_scenario(&scenario, &settings)
    };
    // Why it could not be played, without the paths that are this build's own.
    let redact = |text: String| {
        text.replace(&*scratch.to_string_lossy(), "[scratch]")
            .replace(&*subject.library.to_string_lossy(), "[library]")
    };
    PlayedCase {
        scenario,
        run: run.map_err(|err| redact(error_chain(&err))),
    }
}

/// Plays every history on `subject` in one session, sending each on.
fn play_histories(
    subject: &Subject,
    plan: Plan<'_>,
    (side, scratch): (Side, &Path),
    progress: &(dyn Fn(Side, &Input) + Sync),
    histories: SyncSender<PlayedCase>,
) {
    let mut framed = subject.clone();
    framed.simulated = plan.device_channel;
    let frame = Frame {
        subject: framed,
        converge_within: plan.converge_within.max(1),
    };
    let mut player = CasePlayer::open(frame.clone());
    for (number, case) in plan.cases.iter().enumerate() {
        if crate::worker::interrupted().is_some() {
            break;
        }
        let name = format!("history-{number}");
        let history = match player.as_mut() {
            Ok(player) => player.play(case, &name, scratch),
            Err(err) => PlayedCase {
                scenario: crate::explore::scenario_for(&frame, case, &name).0,
                run: Err(error_chain(err)),
            },
        };
        progress(side, &Input::history(number));
        if histories.send(history).is_err() {
            // Nobody compares it any more (the other build stopped).
            break;
        }
    }
}
