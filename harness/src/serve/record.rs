//! What happened to each reconciled object: its rounds as transcripts, kept for `GET` and the
//! page, and written out as a scenario file on request, so a session with `serve` becomes a
//! reproducible scenario (`symphony-harness run FILE`).
//!
//! Owns one [`Record`] per Target or Instance: the objects as each job reconciled them (when
//! they changed), every round (why it ran, when, the status it left, the transcript of its
//! calls and decisions) and every job that could not reconcile at all. [`Record::to_scenario`]
//! turns the history into a [`Scenario`]: the first objects, a `setObjects` step where they
//! changed, one `reconcile` step per round and a `remove` step per removal, each expecting
//! the outcome it had. Does not run anything.

use std::path::PathBuf;

use serde::Serialize;

use super::events::{ObjectRef, Provisioning, Trigger};
use crate::engine::objects::Objects;
use crate::engine::reconcile::RoundReport;
use crate::load::LibFileResolver;
use crate::model::{Symphony, RUST_PROVIDER};
use crate::scenario::format::{
    Action, Expect, ProviderSpec, ReconcileStep, Scenario, Step, SymphonyRelease,
};
use crate::transcript::RoundTranscript;

/// The wall clock now, as RFC 3339 (seconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One round of an object, as the page and `GET` show it.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoundView {
    /// Why it ran.
    pub trigger: Trigger,
    /// When it ended.
    pub at: String,
    /// The status it left.
    pub status: Provisioning,
    /// Steps applied.
    pub applied: usize,
    /// Steps skipped.
    pub skipped: usize,
    /// How the round ended: `ok`, `symphony`, or the failing call's outcome.
    pub outcome: String,
    /// What Symphony itself would have done, when it would not have gone on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symphony_stops: Option<String>,
    /// Its calls and decisions.
    pub transcript: RoundTranscript,
}

/// One thing in an object's history.
#[derive(Debug, Clone)]
enum Entry {
    /// The objects a job reconciled, when they differed from the last job's.
    Objects(Box<Objects>),
    /// A round (its index in [`Record::rounds`]).
    Round(usize),
}

/// The history of one reconciled object.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// The object.
    pub object: ObjectRef,
    /// Its status now.
    pub status: Provisioning,
    /// Deleted after a successful removal (kept until the name is written again).
    pub deleted: bool,
    /// Why the last job could not reconcile at all, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_error: Option<String>,
    /// Every round, in order.
    pub rounds: Vec<RoundView>,
    #[serde(skip)]
    history: Vec<Entry>,
}

/// Why a record cannot be written as a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// No round ran yet.
    #[error("`{object}` has no round yet: there is nothing to replay")]
    NoRound {
        /// The object.
        object: String,
    },
    /// No binding loads a Rust provider.
    #[error("`{object}` binds no `{RUST_PROVIDER}` provider: a scenario runs one Rust library")]
    NoRustBinding {
        /// The object.
        object: String,
    },
}

impl Record {
    /// A record of `object` with no history.
    pub fn new(object: ObjectRef) -> Record {
        Record {
            object,
            status: Provisioning::Reconciling,
            deleted: false,
            job_error: None,
            rounds: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Notes the objects a job reconciles, unless they are those of the last job.
    pub fn objects(&mut self, objects: &Objects) {
        let last = self.history.iter().rev().find_map(|entry| match entry {
            Entry::Objects(objects) => Some(objects),
            Entry::Round(_) => None,
        });
        if last.is_none_or(|last| !same_objects(last, objects)) {
            // As written, without the status the server gave them.
            let mut objects = objects.clone();
            for target in &mut objects.targets {
                target.status = crate::model::zero_status();
            }
            if let Some((_, instance)) = &mut objects.solution_and_instance {
                instance.status = crate::model::zero_status();
            }
            self.history.push(Entry::Objects(Box::new(objects)));
        }
    }

    /// Adds a round.
    pub fn round(
        &mut self,
        trigger: Trigger,
        report: &RoundReport,
        status: Provisioning,
        transcript: RoundTranscript,
    ) {
        self.status = status;
        self.job_error = None;
        let failure = report.failure.as_ref();
        self.rounds.push(RoundView {
            trigger,
            at: now(),
            status,
            applied: report.applied,
            skipped: report.skipped,
            outcome: failure.map_or("ok", |f| f.outcome.as_str()).to_string(),
            symphony_stops: failure.and_then(super::status::failure_cause),
            transcript,
        });
        self.history.push(Entry::Round(self.rounds.len() - 1));
    }

    /// Notes a job that could not reconcile at all.
    pub fn job_failed(&mut self, message: &str) {
        self.status = Provisioning::Failed;
        self.job_error = Some(message.to_string());
    }

    /// The history as a scenario of `release`, the library found through `resolve`.
    pub fn to_scenario(
        &self,
        release: Symphony,
        resolve: &mut LibFileResolver,
    ) -> Result<Scenario, ExportError> {
        let object = self.object.to_string();
        let mut first: Option<&Objects> = None;
        let mut pending: Option<&Objects> = None;
        let mut steps = Vec::new();
        for entry in &self.history {
            match entry {
                Entry::Objects(objects) if first.is_none() => first = Some(objects),
                Entry::Objects(objects) => pending = Some(objects),
                Entry::Round(index) => {
                    if let Some(objects) = pending.take() {
                        steps.push(step(Action::SetObjects(Box::new(objects.clone())), None));
                    }
                    steps.push(round_step(&self.rounds[*index]));
                }
            }
        }
        let first =
            first
                .filter(|_| !self.rounds.is_empty())
                .ok_or_else(|| ExportError::NoRound {
                    object: object.clone(),
                })?;
        let (lib_file, lib_hash) = rust_binding(first).ok_or(ExportError::NoRustBinding {
            object: object.clone(),
        })?;
        let library = resolve(&lib_file);
        let library = std::fs::canonicalize(&library).unwrap_or(library);
        Ok(Scenario {
            name: self.object.name.clone(),
            path: PathBuf::from(format!("{}.json", self.object.name)),
            description: format!(
                "recorded by `symphony-harness serve`: {object}, {} round(s)",
                self.rounds.len()
            ),
            seed: 0,
            provider: ProviderSpec {
                library: Some(library),
                hash: Some(if lib_hash.is_empty() {
                    "any".to_string()
                } else {
                    lib_hash
                }),
                symphony: match release {
                    Symphony::V048 => SymphonyRelease::V048,
                    Symphony::V049 => SymphonyRelease::V049,
                },
                ..ProviderSpec::default()
            },
            objects: first.clone(),
            stored: None,
            steps,
        })
    }
}

fn step(action: Action, expect: Option<Expect>) -> Step {
    Step {
        line: 0,
        note: None,
        action,
        on: None,
        expect: expect.unwrap_or_default(),
    }
}

/// A round as a step expecting the outcome it had.
fn round_step(round: &RoundView) -> Step {
    let expect = Expect {
        outcome: Some(round.outcome.clone()),
        ..Expect::default()
    };
    let action = match round.trigger {
        Trigger::Delete => Action::Remove,
        Trigger::Post | Trigger::Poll => Action::Reconcile(ReconcileStep::default()),
    };
    let mut step = step(action, Some(expect));
    step.note = Some(format!("{} at {}", round.trigger.as_str(), round.at));
    step
}

/// The `libFile` and `libHash` of the first binding of `objects` that loads a Rust provider.
fn rust_binding(objects: &Objects) -> Option<(String, String)> {
    objects
        .targets
        .iter()
        .filter_map(|target| target.spec.as_ref())
        .flat_map(|spec| spec.topologies.iter())
        .flat_map(|topology| topology.bindings.iter())
        .find(|binding| binding.provider == RUST_PROVIDER)
        .map(|binding| {
            let config = &binding.config;
            (
                config.get("libFile").unwrap_or_default().to_string(),
                config.get("libHash").unwrap_or_default().to_string(),
            )
        })
}

/// Whether two sets of objects are the same but for what every write changes (ETags) and
/// the status the server itself sets.
pub(super) fn same_objects(a: &Objects, b: &Objects) -> bool {
    let strip = |objects: &Objects| {
        let mut objects = objects.clone();
        for target in &mut objects.targets {
            target.metadata.etag.clear();
            target.status = serde_json::Value::Null;
        }
        if let Some((solution, instance)) = &mut objects.solution_and_instance {
            solution.metadata.etag.clear();
            instance.metadata.etag.clear();
            instance.status = serde_json::Value::Null;
        }
        objects
    };
    strip(a) == strip(b)
}
