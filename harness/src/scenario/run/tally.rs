//! [`Tally`]: what a scenario exercised, counted over its rounds and steps.

use serde::{Deserialize, Serialize};

use crate::engine::reconcile::RoundReport;
use crate::engine::InSymphony;
use crate::model::ComponentAction;

/// What a scenario exercised, counted over its rounds and steps.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// Reconcile rounds (dry runs and removals included).
    pub rounds: u64,
    /// Components applied as updates.
    pub updates: u64,
    /// Components applied as deletes.
    pub deletes: u64,
    /// Steps skipped because `get` matched the desired state.
    pub skips: u64,
    /// Dry-run rounds.
    pub dry_runs: u64,
    /// Removals (the instance or target deleted).
    pub removals: u64,
    /// Rounds that failed (a provider error, or worse).
    pub failed_rounds: u64,
    /// Calls that crashed or hung (panic, abort, signal, timeout): what Symphony would not
    /// survive.
    pub crashes: u64,
    /// Changes made to a device behind the provider's back.
    pub drift: u64,
    /// Faults armed.
    pub faults: u64,
    /// Provider processes restarted, and Symphony restarts.
    pub restarts: u64,
}

impl Tally {
    /// Adds `other` to this tally.
    pub fn add(&mut self, other: &Tally) {
        self.rounds += other.rounds;
        self.updates += other.updates;
        self.deletes += other.deletes;
        self.skips += other.skips;
        self.dry_runs += other.dry_runs;
        self.removals += other.removals;
        self.failed_rounds += other.failed_rounds;
        self.crashes += other.crashes;
        self.drift += other.drift;
        self.faults += other.faults;
        self.restarts += other.restarts;
    }

    pub(super) fn count_round(&mut self, report: &RoundReport) {
        self.rounds += 1;
        self.dry_runs += u64::from(report.dry_run);
        self.removals += u64::from(report.remove);
        self.skips += report.skipped as u64;
        for record in &report.steps {
            if record.results.is_none() {
                continue;
            }
            for entry in &record.step.components {
                match entry.action {
                    ComponentAction::Delete => self.deletes += 1,
                    _ => self.updates += 1,
                }
            }
        }
        if let Some(failure) = &report.failure {
            self.failed_rounds += 1;
            if failure.in_symphony() != InSymphony::Returns {
                self.crashes += 1;
            }
        }
    }
}
