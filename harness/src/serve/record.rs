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
use crate::transcript::{Entry as TranscriptEntry, RoundTranscript};

/// The wall clock now, as RFC 3339 (seconds, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One round of an object, as the page and `GET` show it; polls that did the same as the one
/// before (the same calls with the same results, the same ending) are counted on it instead of
/// kept again, so the history of an object that converged, or that keeps failing the same
/// way, stays short.
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoundView {
    /// Why it ran.
    pub trigger: Trigger,
    /// When it ended (the last of its repeats).
    pub at: String,
    /// How many rounds this entry stands for (1, or more for repeated polls).
    pub repeats: u32,
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

/// A record with only its latest rounds, as the page reads it every second.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Recent<'a> {
    /// The object.
    pub object: &'a ObjectRef,
    /// Its status now.
    pub status: Provisioning,
    /// Deleted after a successful removal.
    pub deleted: bool,
    /// Why the last job could not reconcile at all, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_error: Option<&'a str>,
    /// Round entries left out before `rounds`.
    pub earlier: usize,
    /// The latest round entries.
    pub rounds: &'a [RoundView],
}

impl Record {
    /// This record with only its last `limit` round entries.
    pub fn recent(&self, limit: usize) -> Recent<'_> {
        let earlier = self.rounds.len().saturating_sub(limit);
        Recent {
            object: &self.object,
            status: self.status,
            deleted: self.deleted,
            job_error: self.job_error.as_deref(),
            earlier,
            rounds: &self.rounds[earlier..],
        }
    }

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
        let outcome = failure.map_or("ok", |f| f.outcome.as_str()).to_string();
        if let Some(last) = self.rounds.last_mut() {
            let repeated = trigger == Trigger::Poll
                && last.trigger == Trigger::Poll
                && last.status == status
                && last.applied == report.applied
                && last.outcome == outcome
                && last.transcript.failure == transcript.failure
                && same_entries(&last.transcript.events, &transcript.events);
            if repeated {
                last.repeats += 1;
                last.at = now();
                last.transcript = transcript;
                return;
            }
        }
        self.rounds.push(RoundView {
            trigger,
            at: now(),
            repeats: 1,
            status,
            applied: report.applied,
            skipped: report.skipped,
            outcome,
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
        Trigger::Post | Trigger::Poll => Action::Reconcile(ReconcileStep {
            rounds: (round.repeats > 1).then_some(round.repeats),
            ..ReconcileStep::default()
        }),
    };
    let mut step = step(action, Some(expect));
    step.note = Some(format!("{} at {}", round.trigger.as_str(), round.at));
    step
}

/// Whether two rounds made the same calls and decisions with the same results (the provider
/// instances they went to aside: every round creates new ones).
fn same_entries(a: &[TranscriptEntry], b: &[TranscriptEntry]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (TranscriptEntry::Call(x), TranscriptEntry::Call(y)) => {
                x.call == y.call
                    && x.phase == y.phase
                    && x.step == y.step
                    && x.target == y.target
                    && x.role == y.role
                    && x.components == y.components
                    && x.outcome == y.outcome
                    && x.message == y.message
                    && x.returned == y.returned
                    && x.printed == y.printed
            }
            (TranscriptEntry::Decision(x), TranscriptEntry::Decision(y)) => x == y,
            _ => false,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::{CallKind, Phase};
    use crate::engine::reconcile::{StateOutcome, Summary};
    use crate::engine::Outcome;
    use crate::model::{BindingConfig, BindingSpec, TargetSpec, TargetState, TopologySpec};
    use crate::transcript::{CallEntry, SentComponent};
    use std::collections::BTreeMap;

    const APPLY: CallKind = CallKind::Apply { dry_run: false };

    fn object() -> ObjectRef {
        ObjectRef {
            kind: super::super::events::ObjectKind::Target,
            namespace: "default".into(),
            name: "t".into(),
        }
    }

    fn report(round: u32, applied: usize) -> RoundReport {
        RoundReport {
            round,
            at_seconds: 0,
            remove: false,
            dry_run: false,
            get_plan: Vec::new(),
            plan: Vec::new(),
            steps: Vec::new(),
            applied,
            skipped: 1 - applied.min(1),
            failure: None,
            state: StateOutcome::Saved,
            summary: Summary::default(),
            noop: None,
        }
    }

    fn transcript(round: u32, instance: u32, call: CallKind) -> RoundTranscript {
        RoundTranscript {
            round,
            at_seconds: 0,
            remove: false,
            dry_run: false,
            events: vec![TranscriptEntry::Call(CallEntry {
                call,
                phase: Phase::Get,
                step: 0,
                target: "t".into(),
                role: "w".into(),
                instance,
                components: vec![SentComponent {
                    name: "c".into(),
                    delete: false,
                }],
                outcome: Outcome::Ok,
                message: None,
                returned: None,
                printed: BTreeMap::new(),
                deployment: None,
            })],
            failure: None,
            state: StateOutcome::Saved,
            stored: None,
            stored_keys: None,
            noop: None,
            summary: Summary::default(),
            deployments: Vec::new(),
        }
    }

    fn objects() -> Objects {
        let mut config = BindingConfig::default();
        config.insert("libFile", "/extensions/libp.so");
        config.insert("libHash", "abc");
        Objects {
            targets: vec![TargetState {
                spec: Some(TargetSpec {
                    topologies: vec![TopologySpec {
                        bindings: vec![BindingSpec {
                            role: "w".into(),
                            provider: RUST_PROVIDER.into(),
                            config,
                        }],
                        ..TopologySpec::default()
                    }],
                    ..TargetSpec::default()
                }),
                ..TargetState::default()
            }],
            solution_and_instance: None,
        }
    }

    #[test]
    fn polls_that_repeat_the_last_are_counted_not_kept_and_replay_as_rounds() {
        let mut record = Record::new(object());
        record.objects(&objects());
        let ok = Provisioning::Succeeded;
        record.round(Trigger::Post, &report(1, 1), ok, transcript(1, 1, APPLY));
        record.round(
            Trigger::Poll,
            &report(2, 0),
            ok,
            transcript(2, 2, CallKind::Get),
        );
        record.round(
            Trigger::Poll,
            &report(3, 0),
            ok,
            transcript(3, 3, CallKind::Get),
        );
        record.round(
            Trigger::Poll,
            &report(4, 0),
            ok,
            transcript(4, 4, CallKind::Get),
        );
        record.round(Trigger::Poll, &report(5, 1), ok, transcript(5, 5, APPLY));
        let repeats: Vec<u32> = record.rounds.iter().map(|r| r.repeats).collect();
        assert_eq!(repeats, [1, 3, 1]);
        assert_eq!(
            record.rounds[1].transcript.round, 4,
            "the last of the repeats is kept"
        );
        let mut resolve = crate::load::resolve::extensions_into(std::path::Path::new("/x"));
        let scenario = record.to_scenario(Symphony::V049, &mut resolve).unwrap();
        let rounds: Vec<Option<u32>> = scenario
            .steps
            .iter()
            .map(|step| match &step.action {
                Action::Reconcile(r) => r.rounds,
                _ => None,
            })
            .collect();
        assert_eq!(rounds, [None, Some(3), None]);
        assert_eq!(scenario.provider.library, Some(PathBuf::from("/x/libp.so")));
        assert_eq!(scenario.provider.hash.as_deref(), Some("abc"));
        assert_eq!(record.recent(2).earlier, 1);
    }

    #[test]
    fn a_record_without_rounds_or_rust_bindings_is_no_scenario() {
        let mut resolve = crate::load::resolve::as_given();
        let mut record = Record::new(object());
        record.objects(&objects());
        assert!(matches!(
            record.to_scenario(Symphony::V049, &mut resolve),
            Err(ExportError::NoRound { .. })
        ));
        let mut unbound = Record::new(object());
        unbound.objects(&Objects {
            targets: vec![TargetState::default()],
            solution_and_instance: None,
        });
        let ok = Provisioning::Succeeded;
        unbound.round(
            Trigger::Post,
            &report(1, 0),
            ok,
            transcript(1, 1, CallKind::Get),
        );
        assert!(matches!(
            unbound.to_scenario(Symphony::V049, &mut resolve),
            Err(ExportError::NoRustBinding { .. })
        ));
    }
}
