//! Running a diff ([`diff`]): both builds settled, the histories drawn once from the seed,
//! every input played on both builds at once (each in its own thread, folder, workers and
//! devices), compared, and each difference given the command and scenario file that show
//! it again.

use std::path::PathBuf;

use std::sync::mpsc::sync_channel;

use super::compared::{compare, compare_histories, rule_of, DiffReport};
use super::input::Input;
use super::reproduce::{attach, Plays, SaveError};
use super::sides::{play_side, Plan, Side, SidePlay};
use crate::check::CheckOptions;
use crate::explore::{draw, Case, Shape};
use crate::scenario::Scenario;
use crate::subject::{Subject, SubjectError, SubjectSpec};

/// Histories drawn unless told otherwise: a few seconds per build on two cores.
pub const DEFAULT_CASES: usize = 32;

/// Histories a build may play ahead of the other before it waits for the comparison.
const HELD: usize = 2;

/// What to play on both builds, and where.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The checks to run, by `only` and `skip` (`None`: no checks; the scratch folder is
    /// each build's own).
    pub checks: Option<CheckOptions>,
    /// The given scenarios, read (each is played bound to each build).
    pub scenarios: Vec<Scenario>,
    /// The seed the histories are drawn from (history `n` is case `n` of `explore --seed`).
    pub seed: u64,
    /// How many histories.
    pub cases: usize,
    /// How histories are drawn (drift and faults only when both builds have a device
    /// channel).
    pub shape: Shape,
    /// Rounds within which a history's reconcile must converge after a change.
    pub converge_within: u32,
    /// A folder of this run: each build's devices live below it.
    pub scratch: PathBuf,
    /// Where the scenario files of differences are written (`None`: nowhere).
    pub save: Option<PathBuf>,
}

impl Default for DiffOptions {
    fn default() -> DiffOptions {
        DiffOptions {
            checks: Some(CheckOptions::default()),
            scenarios: Vec::new(),
            seed: 0,
            cases: DEFAULT_CASES,
            shape: Shape::default(),
            converge_within: 2,
            scratch: std::env::temp_dir(),
            save: None,
        }
    }
}

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A build cannot be read.
    #[error("cannot settle the {} build", side.as_str())]
    Settle {
        /// Which.
        side: Side,
        /// Why.
        #[source]
        source: SubjectError,
    },
    /// A scenario file of a difference could not be written.
    #[error(transparent)]
    Save(#[from] SaveError),
}

impl crate::errors::Explain for DiffError {
    fn exit_code(&self) -> i32 {
        match self {
            DiffError::Settle { source, .. } => crate::errors::Explain::exit_code(source),
            DiffError::Save(_) => crate::exit_code::ERROR,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            DiffError::Settle { source, .. } => crate::errors::Explain::hint(source),
            DiffError::Save(_) => {
                Some("give a writable folder with `--save DIR`, or `--no-save`".to_string())
            }
        }
    }
}

/// Plays the same inputs on the `old` and `new` builds and compares what Symphony would
/// observe, calling `progress` after each input on either build.
pub fn diff(
    old: &SubjectSpec,
    new: &SubjectSpec,
    options: &DiffOptions,
    progress: &(dyn Fn(Side, &Input) + Sync),
) -> Result<DiffReport, DiffError> {
    let (old, new) = settle_both(old, new)?;
    let mut shape = options.shape.clone();
    shape.device_channel = old.simulated && new.simulated;
    let isolated = |s: &Subject| !(s.in_process() || s.backend.in_process);
    shape.isolated = isolated(&old) && isolated(&new);
    let strategy = shape.cases();
    let cases: Vec<Case> = (0..options.cases)
        .filter_map(|number| draw(&strategy, options.seed, number))
        .collect();
    let plan = Plan {
        checks: options.checks.as_ref(),
        scenarios: &options.scenarios,
        cases: &cases,
        converge_within: options.converge_within,
        device_channel: shape.device_channel,
    };
    let old_scratch = options.scratch.join(Side::Old.as_str());
    let new_scratch = options.scratch.join(Side::New.as_str());
    let rule = rule_of((&old, &new));
    // Each build hands its histories on as it plays them; they are compared in pairs, so
    // only a few transcripts are held at once however many cases there are.
    let ((old_sender, old_histories), (new_sender, new_histories)) =
        (sync_channel(HELD), sync_channel(HELD));
    let (old_play, new_play, histories) = std::thread::scope(|scope| {
        let old_side =
            scope.spawn(|| play_side(&old, plan, (Side::Old, &old_scratch), progress, old_sender));
        let new_side =
            scope.spawn(|| play_side(&new, plan, (Side::New, &new_scratch), progress, new_sender));
        let histories = compare_histories(old_histories.iter(), new_histories.iter(), &rule);
        // A build that stopped early (a signal) frees the other from waiting to hand on more.
        drop((old_histories, new_histories));
        (joined(old_side.join()), joined(new_side.join()), histories)
    });
    let mut report = compare(
        (&old, &new),
        (&old_play, &new_play),
        &histories,
        options.seed,
    );
    let plays = Plays {
        old: &old_play,
        new: &new_play,
        histories: &histories,
    };
    attach(&mut report, plays, options.save.as_deref())?;
    Ok(report)
}

/// A side's play, or a panic of its thread passed on.
fn joined(result: std::thread::Result<SidePlay>) -> SidePlay {
    match result {
        Ok(play) => play,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Settles both builds at once.
fn settle_both(old: &SubjectSpec, new: &SubjectSpec) -> Result<(Subject, Subject), DiffError> {
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| Subject::settle(old));
        let new = Subject::settle(new);
        (
            old.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            new,
        )
    });
    let old = old.map_err(|source| DiffError::Settle {
        side: Side::Old,
        source,
    })?;
    let new = new.map_err(|source| DiffError::Settle {
        side: Side::New,
        source,
    })?;
    Ok((old, new))
}
