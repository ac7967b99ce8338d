//! Symphony's jobs manager, for `serve`: one thread per reconciled object that runs a round
//! when the object is written, the removal when it is deleted, and rounds on the poll
//! schedule in between.
//!
//! Owns when rounds run (Symphony's schedule, `docs/serve.md` "When rounds run"): a `POST`
//! publishes a job at once; a `DELETE` publishes the removal, and the object is deleted only
//! when the removal succeeds; the poller reconciles again one poll interval after a failed
//! round and two after a successful one (the success stamp must be older than the interval:
//! the second tick). Rounds of one object never overlap (Symphony's key lock); different
//! objects reconcile at the same time, each with its own providers, as Symphony runs one
//! goroutine per job. After each round the thread writes the object's status into the store
//! and its round into the record. Does not answer HTTP ([`super::routes`] does).

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::events::{ObjectKind, ObjectRef, Provisioning, ServeEvent, Trigger};
use super::play::Player;
use super::record::{now, same_objects, Record};
use super::shared::{lock, Shared};
use super::status::{provisioning_after, status_json, Observed};
use super::store::{Collection, Key};
use crate::engine::deployment::reference_to_object_name;
use crate::engine::events::{Event, EventSink};
use crate::engine::objects::Objects;
use crate::engine::reconcile::RoundReport;
use crate::errors::error_chain;
use crate::model::{DeploymentSpec, ObjectMeta, SolutionSpec, SolutionState};
use crate::transcript::TranscriptSink;

/// What a job thread is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Reconcile now (the object was written).
    Reconcile,
    /// Run the removal, then delete the object.
    Remove,
    /// End the thread.
    Stop,
}

/// The running job threads, one per object.
pub struct Jobs {
    shared: Arc<Shared>,
    running: Mutex<HashMap<ObjectRef, Job>>,
}

struct Job {
    commands: Sender<Command>,
    thread: JoinHandle<()>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl Jobs {
    /// No jobs yet.
    pub fn new(shared: Arc<Shared>) -> Jobs {
        Jobs {
            shared,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Hands `command` to `object`'s thread, starting one if it has none (its last ended after
    /// a removal).
    pub fn publish(&self, object: &ObjectRef, command: Command) {
        let mut running = lock(&self.running);
        if let Some(job) = running.get(object) {
            if !job.thread.is_finished() && job.commands.send(command).is_ok() {
                return;
            }
        }
        if command == Command::Stop {
            running.remove(object);
            return;
        }
        let (sender, receiver) = mpsc::channel();
        // The receiver is alive: the thread starts after this send.
        let _ = sender.send(command);
        let shared = Arc::clone(&self.shared);
        let owned = object.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("job {object}"))
            .spawn(move || run(&shared, &owned, &receiver));
        match spawned {
            Ok(thread) => {
                running.insert(
                    object.clone(),
                    Job {
                        commands: sender,
                        thread,
                    },
                );
            }
            Err(err) => self.shared.sink.event(&ServeEvent::Warning {
                object: Some(object),
                message: &format!("cannot start a job thread: {err}"),
            }),
        }
    }

    /// Stops every thread and waits for them, for at most `within` (a call still running in
    /// a provider past it is left to its worker's deadline).
    pub fn shutdown(&self, within: Duration) {
        let jobs: Vec<Job> = lock(&self.running).drain().map(|(_, job)| job).collect();
        for job in &jobs {
            let _ = job.commands.send(Command::Stop);
        }
        let deadline = Instant::now() + within;
        for job in jobs {
            while !job.thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if job.thread.is_finished() {
                let _ = job.thread.join();
            }
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobEnd {
    /// The round deployed everything assigned.
    Succeeded,
    /// The round or the job failed.
    Failed,
    /// The removal succeeded and the object is deleted.
    Deleted,
    /// The object is gone (deleted directly).
    Gone,
}

/// The next thing to do: a command, or the poll when `due` passes; `None` to stop. Queued
/// writes are one job: the next round reads the objects as they are then.
fn next_trigger(commands: &Receiver<Command>, due: Option<Instant>) -> Option<Trigger> {
    let first = match due {
        Some(due) => match commands.recv_timeout(due.saturating_duration_since(Instant::now())) {
            Ok(command) => command,
            Err(RecvTimeoutError::Timeout) => return Some(Trigger::Poll),
            Err(RecvTimeoutError::Disconnected) => return None,
        },
        None => commands.recv().ok()?,
    };
    let mut trigger = match first {
        Command::Reconcile => Trigger::Post,
        Command::Remove => Trigger::Delete,
        Command::Stop => return None,
    };
    while trigger == Trigger::Post {
        match commands.try_recv() {
            Ok(Command::Reconcile) => {}
            Ok(Command::Remove) => trigger = Trigger::Delete,
            Ok(Command::Stop) => return None,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    Some(trigger)
}

/// The thread of one object.
fn run(shared: &Shared, object: &ObjectRef, commands: &Receiver<Command>) {
    let settings = &shared.settings;
    let mut player = match Player::new(&settings.backend, &settings.extensions, settings.release) {
        Ok(player) => player,
        Err(err) => {
            shared.sink.event(&ServeEvent::Warning {
                object: Some(object),
                message: &format!("cannot run providers: {}", error_chain(&err)),
            });
            return;
        }
    };
    lock(&shared.records).insert(object.clone(), Record::new(object.clone()));
    let mut round = RoundContext {
        shared,
        object,
        console: shared.sink.rounds_of(object),
        transcripts: TranscriptSink::new(),
        warned: None,
    };
    let mut due = None;
    while let Some(trigger) = next_trigger(commands, due) {
        if crate::worker::interrupted().is_some() {
            break;
        }
        let end = round.play(&mut player, trigger);
        // Calls cut short by a signal prove nothing: the server is stopping.
        if crate::worker::interrupted().is_some() {
            break;
        }
        let interval = settings.poll;
        due = match end {
            JobEnd::Deleted | JobEnd::Gone => break,
            JobEnd::Succeeded => interval.map(|poll| Instant::now() + 2 * poll),
            JobEnd::Failed => interval.map(|poll| Instant::now() + poll),
        };
    }
}

/// Sends every engine event to two sinks.
struct Tee<'a>(&'a mut dyn EventSink, &'a mut dyn EventSink);

impl EventSink for Tee<'_> {
    fn event(&mut self, event: &Event) {
        self.0.event(event);
        self.1.event(event);
    }
}

/// What one object's thread keeps between rounds.
struct RoundContext<'a> {
    shared: &'a Shared,
    object: &'a ObjectRef,
    console: Box<dyn EventSink>,
    transcripts: TranscriptSink,
    /// The objects the last warnings were about.
    warned: Option<Objects>,
}

impl RoundContext<'_> {
    /// One job: the objects as they are now, their deployment, one round, the status.
    fn play(&mut self, player: &mut Player, trigger: Trigger) -> JobEnd {
        let Some(objects) = snapshot(self.shared, self.object) else {
            return JobEnd::Gone;
        };
        lock(&self.shared.records)
            .entry(self.object.clone())
            .or_insert_with(|| Record::new(self.object.clone()))
            .objects(&objects);
        let mut deployment = match objects.deployment() {
            Ok(deployment) => deployment,
            Err(err) => {
                let mut message = error_chain(&err);
                if let Some(hint) = err.hint() {
                    message.push_str(&format!("\nhint: {hint}"));
                }
                return self.job_failed(trigger, &message);
            }
        };
        deployment.object_namespace = self.object.namespace.clone();
        let remove = trigger == Trigger::Delete;
        // A poll leaves the status as it is until its round ends (no flicker every 30 s).
        match trigger {
            Trigger::Post => {
                self.set_status(Provisioning::Reconciling, None, None, trigger, &deployment)
            }
            Trigger::Delete => {
                self.set_status(Provisioning::Deleting, None, None, trigger, &deployment)
            }
            Trigger::Poll => {}
        }
        self.shared.sink.event(&ServeEvent::RoundStarted {
            object: self.object,
            trigger,
        });
        if !self
            .warned
            .as_ref()
            .is_some_and(|w| same_objects(w, &objects))
        {
            for warning in player.warnings(&deployment) {
                self.shared.sink.event(&ServeEvent::Warning {
                    object: Some(self.object),
                    message: &warning,
                });
            }
            self.warned = Some(objects);
        }
        let mut tee = Tee(&mut self.transcripts, self.console.as_mut());
        let report = match player.round(&deployment, remove, &mut tee) {
            Ok(report) => report,
            Err(err) => {
                let mut message = error_chain(&err);
                if let Some(hint) = err.hint() {
                    message.push_str(&format!("\nhint: {hint}"));
                }
                return self.job_failed(trigger, &message);
            }
        };
        self.finish(trigger, &deployment, &report)
    }

    /// After a round: the status, the record, the deletion after a successful removal.
    fn finish(
        &mut self,
        trigger: Trigger,
        deployment: &DeploymentSpec,
        report: &RoundReport,
    ) -> JobEnd {
        let provisioning = provisioning_after(report);
        self.set_status(provisioning, Some(report), None, trigger, deployment);
        let transcript = self.transcripts.take_rounds().pop();
        if let Some(transcript) = transcript {
            lock(&self.shared.records)
                .entry(self.object.clone())
                .or_insert_with(|| Record::new(self.object.clone()))
                .round(trigger, report, provisioning, transcript);
        }
        let removed = trigger == Trigger::Delete && report.failure.is_none();
        if removed {
            let key = key_of(self.object);
            let deleted = lock(&self.shared.store).delete(collection_of(self.object), &key);
            match deleted {
                Ok(()) => {
                    if let Some(record) = lock(&self.shared.records).get_mut(self.object) {
                        record.deleted = true;
                    }
                    self.shared.sink.event(&ServeEvent::RoundFinished {
                        object: self.object,
                        trigger,
                        report,
                        status: provisioning,
                        next: None,
                    });
                    self.shared.sink.event(&ServeEvent::Deleted {
                        object: self.object,
                    });
                    return JobEnd::Deleted;
                }
                Err(err) => self.shared.sink.event(&ServeEvent::Warning {
                    object: Some(self.object),
                    message: &format!("the removal succeeded, but the object stays: {err}"),
                }),
            }
        }
        let failed = provisioning != Provisioning::Succeeded;
        let next = self
            .shared
            .settings
            .poll
            .map(|poll| if failed { poll } else { 2 * poll });
        self.shared.sink.event(&ServeEvent::RoundFinished {
            object: self.object,
            trigger,
            report,
            status: provisioning,
            next,
        });
        if failed {
            JobEnd::Failed
        } else {
            JobEnd::Succeeded
        }
    }

    /// A job that could not reconcile: Symphony's job fails the same way on every poll.
    fn job_failed(&mut self, trigger: Trigger, message: &str) -> JobEnd {
        let observed = Observed {
            provisioning: Provisioning::Failed,
            report: None,
            job_error: Some(message),
            trigger: Some(trigger),
            targets: 0,
            generation: "",
            at: &now(),
        };
        let status = status_json(&observed);
        lock(&self.shared.store).set_status(
            collection_of(self.object),
            &key_of(self.object),
            status,
        );
        if let Some(record) = lock(&self.shared.records).get_mut(self.object) {
            record.job_failed(message);
        }
        self.shared.sink.event(&ServeEvent::JobFailed {
            object: self.object,
            trigger,
            message,
        });
        JobEnd::Failed
    }

    fn set_status(
        &self,
        provisioning: Provisioning,
        report: Option<&RoundReport>,
        job_error: Option<&str>,
        trigger: Trigger,
        deployment: &DeploymentSpec,
    ) {
        let observed = Observed {
            provisioning,
            report,
            job_error,
            trigger: Some(trigger),
            targets: deployment.targets.len(),
            generation: &deployment.generation,
            at: &now(),
        };
        let status = status_json(&observed);
        lock(&self.shared.store).set_status(
            collection_of(self.object),
            &key_of(self.object),
            status,
        );
        if let Some(record) = lock(&self.shared.records).get_mut(self.object) {
            record.status = provisioning;
        }
    }
}

fn key_of(object: &ObjectRef) -> Key {
    Key::new(Some(&object.namespace), &object.name)
}

fn collection_of(object: &ObjectRef) -> Collection {
    match object.kind {
        ObjectKind::Target => Collection::Targets,
        ObjectKind::Instance => Collection::Instances,
    }
}

/// The objects `object`'s job reconciles, as they are now (`None`: it is gone). An instance
/// whose solution is gone gets Symphony's stand-in without components (which deletes
/// everything it deployed).
fn snapshot(shared: &Shared, object: &ObjectRef) -> Option<Objects> {
    let store = lock(&shared.store);
    let key = key_of(object);
    match object.kind {
        ObjectKind::Target => Some(Objects {
            targets: vec![store.target(&key)?.clone()],
            solution_and_instance: None,
        }),
        ObjectKind::Instance => {
            let instance = store.instance(&key)?.clone();
            let reference = instance
                .spec
                .as_ref()
                .map(|s| s.solution.clone())
                .unwrap_or_default();
            let name = reference_to_object_name(&reference);
            let solution = store
                .solution(&Key::new(Some(&key.namespace), &name))
                .cloned()
                .unwrap_or_else(|| SolutionState {
                    metadata: ObjectMeta {
                        name,
                        namespace: key.namespace.clone(),
                        ..ObjectMeta::default()
                    },
                    spec: Some(SolutionSpec::default()),
                });
            Some(Objects {
                targets: store.targets_in(&key.namespace),
                solution_and_instance: Some((solution, instance)),
            })
        }
    }
}
