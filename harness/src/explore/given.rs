//! Given cases: drawing case `n` of a seed exactly as a search draws it, and playing a list of
//! cases on a subject as they are, without searching or shrinking. `diff` plays the same
//! histories on two builds through this.
//!
//! Every case has a runner of its own, seeded from the run's seed and the case's number
//! ([`case_runner`]); the search draws its first play of case `n` from that runner, and
//! [`draw`] draws from the same one, so history `n` of `diff --seed S` is case `n` of
//! `explore --seed S`.

use std::cell::RefCell;
use std::path::Path;

use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sha2::{Digest, Sha256};

use super::case::Case;
use super::model::{scenario_for, Frame};
use crate::errors::error_chain;
use crate::scenario::{RunError, Scenario, ScenarioRun, Session};

/// The runner that draws (and shrinks) case `number` of a run seeded `seed`: its own seed,
/// one case, no persistence.
pub(super) fn case_runner(seed: u64, number: usize, max_shrink_iters: u32) -> TestRunner {
    let config = Config {
        cases: 1,
        failure_persistence: None,
        max_shrink_iters,
        max_local_rejects: 1,
        max_global_rejects: 1,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, case_rng(seed, number))
}

/// The random source of case `case` of a run seeded `seed`.
fn case_rng(seed: u64, case: usize) -> TestRng {
    let mut hasher = Sha256::new();
    hasher.update(b"symphony-harness explore");
    hasher.update(seed.to_le_bytes());
    hasher.update((case as u64).to_le_bytes());
    let bytes = hasher.finalize();
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Case `number` of a run seeded `seed`, as the search first plays it (`None` only if the
/// strategy gave up drawing).
pub fn draw(strategy: &BoxedStrategy<Case>, seed: u64, number: usize) -> Option<Case> {
    let mut runner = case_runner(seed, number, 0);
    let drawn = RefCell::new(None);
    let _ = runner.run(strategy, |case| {
        drawn.borrow_mut().get_or_insert(case);
        Ok(())
    });
    drawn.into_inner()
}

/// A case played: the scenario it became, and what playing it gave (or why it could not be
/// played, in words).
#[derive(Debug, Clone)]
pub struct PlayedCase {
    /// The scenario the model wrote for the case.
    pub scenario: Scenario,
    /// What playing it gave.
    pub run: Result<ScenarioRun, String>,
}

/// Plays given cases on one subject, one session for all (its own workers and devices), each
/// case from a fresh device, with full transcripts.
#[derive(Debug)]
pub struct CasePlayer {
    session: Session,
    frame: Frame,
}

impl CasePlayer {
    /// A player for `frame`'s subject, with a session of its own.
    pub fn open(frame: Frame) -> Result<CasePlayer, RunError> {
        let session = frame.subject.session()?;
        Ok(CasePlayer { session, frame })
    }

    /// Plays `case` as the scenario named `name` (its devices under `scratch/<name>`, removed
    /// after the play).
    pub fn play(&mut self, case: &Case, name: &str, scratch: &Path) -> PlayedCase {
        let (mut scenario, _) = scenario_for(&self.frame, case, name);
        self.frame.subject.fresh_dirs(&mut scenario, scratch);
        let run = self
            .session
            .play(&scenario, scratch)
            .map_err(|err| error_chain(&err));
        let _ = std::fs::remove_dir_all(scratch.join(name));
        PlayedCase { scenario, run }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::Shape;

    #[test]
    fn a_case_is_drawn_the_same_every_time_and_differs_between_numbers_and_seeds() {
        let strategy = Shape::default().cases();
        let first = draw(&strategy, 7, 3).unwrap();
        assert_eq!(draw(&strategy, 7, 3).unwrap(), first);
        let others: Vec<Case> = [(7, 4), (8, 3), (7, 5)]
            .iter()
            .map(|(seed, number)| draw(&strategy, *seed, *number).unwrap())
            .collect();
        assert!(others.iter().any(|case| *case != first), "{others:?}");
    }

    #[test]
    fn the_drawn_case_is_the_first_a_failing_search_plays() {
        // The search's runner fails on its first value and shrinks: its first value is the
        // drawn case.
        let strategy = Shape::default().cases();
        for number in 0..5 {
            let mut runner = case_runner(11, number, 16);
            let first = RefCell::new(None);
            let _ = runner.run(&strategy, |case| {
                first.borrow_mut().get_or_insert(case);
                Err(proptest::test_runner::TestCaseError::fail("any"))
            });
            assert_eq!(
                first.into_inner(),
                draw(&strategy, 11, number),
                "case {number}"
            );
        }
    }
}
