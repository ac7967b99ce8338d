//! [`Player`]: what the runner keeps between the steps of one scenario, and playing each
//! step: its rounds through the engine, its changes to the desired state and the device,
//! and the facts its expectations are checked against.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::describe::{describe_action, describe_restart};
use super::session::Session;
use super::tally::Tally;
use super::RunError;
use crate::engine::events::EventSink;
use crate::engine::objects::Objects;
use crate::engine::planning;
use crate::engine::reconcile::{
    Reconciler, RoundReport, StoredState, NEXT_AFTER_SUCCESS, POLL_INTERVAL,
};
use crate::engine::InSymphony;
use crate::model::{ComponentSpec, DeploymentSpec, Symphony, TargetState, RUST_PROVIDER};
use crate::scenario::expect::StepFacts;
use crate::scenario::format::{
    Action, ReconcileStep, Scenario, StateStore, Step, StoredStart, SymphonyRelease,
};
use crate::transcript::{StepTranscript, TranscriptSink};

/// What the runner keeps between steps.
pub(super) struct Player<'s> {
    pub(super) scenario: &'s Scenario,
    pub(super) session: &'s mut Session,
    pub(super) hash: String,
    pub(super) store: PathBuf,
    pub(super) generation: Symphony,
    pub(super) objects: Objects,
    pub(super) reconciler: Reconciler,
    pub(super) sink: TranscriptSink,
    pub(super) tally: Tally,
    /// Whether the last round of the run failed (`None`: no round yet): Symphony's next
    /// reconcile comes after the wait that follows it.
    pub(super) last_failed: Option<bool>,
}

impl<'s> Player<'s> {
    /// Ready to play `scenario` on `session`, its simulated devices in `store`: its objects
    /// bound to the session's library, its stored state (if it starts from one) in place.
    pub(super) fn start(
        session: &'s mut Session,
        scenario: &'s Scenario,
        store: PathBuf,
    ) -> Result<Player<'s>, RunError> {
        let generation = match scenario.provider.symphony {
            SymphonyRelease::V048 => Symphony::V048,
            SymphonyRelease::V049 => Symphony::V049,
        };
        let mut player = Player {
            scenario,
            hash: scenario
                .provider
                .hash
                .clone()
                .unwrap_or_else(|| "any".to_string()),
            store,
            generation,
            objects: Objects::default(),
            reconciler: Reconciler::new(generation),
            sink: TranscriptSink::new(),
            tally: Tally::default(),
            last_failed: None,
            session,
        };
        player.objects = player.bound(&scenario.objects)?;
        // A deployment the objects do not make is reported by the step that needs it.
        if let Ok(deployment) = player.objects.deployment() {
            crate::engine::binding::undriven(&deployment)?;
        }
        if let Some(stored) = &scenario.stored {
            let stored = player.stored_start(stored)?;
            player.reconciler = Reconciler::new(generation).with_previous(stored);
        }
        Ok(player)
    }
}

impl Player<'_> {
    /// `objects` with every Rust binding pointed at the scenario's library.
    pub(super) fn bound(&self, objects: &Objects) -> Result<Objects, RunError> {
        let mut objects = objects.clone();
        for target in &mut objects.targets {
            self.bind(target)?;
        }
        Ok(objects)
    }

    pub(super) fn bind(&self, target: &mut TargetState) -> Result<(), RunError> {
        let Some(spec) = target.spec.as_mut() else {
            return Ok(());
        };
        for topology in &mut spec.topologies {
            for binding in &mut topology.bindings {
                if binding.provider != RUST_PROVIDER {
                    continue;
                }
                let config = &mut binding.config;
                config.insert("libFile", &self.session.library.to_string_lossy());
                config.insert("libHash", &self.hash);
                for (key, value) in &self.scenario.provider.config {
                    config.insert(key, value);
                }
                if self.session.simulated {
                    config.insert_default("sim.store", &self.store.to_string_lossy());
                    config.insert_default("sim.seed", &self.scenario.seed.to_string());
                    self.confined(config.get("sim.store").unwrap_or_default())?;
                }
            }
        }
        Ok(())
    }

    /// `Ok` when the simulator's `sim.store` is `memory`, or a folder inside this run's
    /// scratch folder or one the session allows (`run --sim-store-dir`): a scenario file
    /// cannot make the harness write anywhere else.
    pub(super) fn confined(&self, store: &str) -> Result<(), RunError> {
        if store == "memory" {
            return Ok(());
        }
        let path = normalized(Path::new(store));
        let scratch = self.store.parent().map(normalized);
        let allowed = scratch
            .iter()
            .chain(self.session.store_dirs.iter())
            .any(|root| path.is_absolute() && path.starts_with(normalized(root)));
        if allowed {
            return Ok(());
        }
        Err(RunError::StoreOutside {
            store: store.to_string(),
        })
    }

    /// The deployment of the current objects.
    pub(super) fn deployment(&self, step: usize) -> Result<DeploymentSpec, RunError> {
        self.objects
            .deployment()
            .map_err(|source| RunError::Objects {
                step,
                source: Box::new(source),
            })
    }

    /// The stored state the scenario starts from.
    pub(super) fn stored_start(&self, stored: &StoredStart) -> Result<StoredState, RunError> {
        match stored {
            StoredStart::Symphony(state) => Ok(state.clone()),
            StoredStart::Deployed {
                objects,
                components,
            } => {
                let objects = match objects {
                    Some(objects) => self.bound(objects)?,
                    None => self.objects.clone(),
                };
                let deployment = objects.deployment().map_err(|source| RunError::Objects {
                    step: 0,
                    source: Box::new(source),
                })?;
                let desired =
                    planning::desired(&deployment).map_err(|source| RunError::Engine {
                        step: 0,
                        source: Box::new(source),
                    })?;
                let mut state = desired.state;
                if let Some(keep) = components {
                    let keep: BTreeSet<&str> = keep.iter().map(String::as_str).collect();
                    state.components.retain(|c| keep.contains(c.name.as_str()));
                    state.target_component.retain(|key, _| {
                        key.split_once("::")
                            .is_some_and(|(name, _)| keep.contains(name))
                    });
                }
                Ok(StoredState {
                    spec: Arc::new(desired.evaluated),
                    state,
                })
            }
        }
    }

    /// Plays one step: its transcript, and the facts its expectations are checked against.
    pub(super) fn play(
        &mut self,
        number: usize,
        step: &Step,
    ) -> Result<(StepTranscript, StepFacts), RunError> {
        let action = match step.action {
            Action::RestartSymphony => describe_restart(self.scenario.provider.state_store),
            _ => describe_action(step),
        };
        let mut transcript = StepTranscript {
            step: number,
            action,
            note: step.note.clone(),
            ..StepTranscript::default()
        };
        let mut facts = StepFacts::default();
        let devices_before = match step.expect.device_unchanged {
            Some(_) if self.session.simulated => Some(self.devices(number)?),
            _ => None,
        };
        self.act(number, step, &mut transcript, &mut facts)?;
        facts.devices_before = devices_before;
        self.gather(number, step, &mut transcript, &mut facts)?;
        Ok((transcript, facts))
    }

    /// Carries out the step's action.
    fn act(
        &mut self,
        number: usize,
        step: &Step,
        transcript: &mut StepTranscript,
        facts: &mut StepFacts,
    ) -> Result<(), RunError> {
        match &step.action {
            Action::Reconcile(reconcile) => {
                self.reconcile_rounds(number, step, reconcile, transcript, facts)
            }
            Action::Remove => self.remove(number, transcript, facts),
            Action::SetObjects(objects) => {
                self.objects = self.bound(objects)?;
                self.deployment(number)?;
                Ok(())
            }
            Action::AddComponent(_) | Action::ChangeComponent(_) | Action::RemoveComponent(_) => {
                self.edit_desired(number, step)
            }
            Action::Device(_) | Action::Fault(_) | Action::ClearFaults => {
                self.on_device(number, step)
            }
            Action::RestartWorker => {
                self.session.factory.restart();
                self.tally.restarts += 1;
                Ok(())
            }
            Action::RestartSymphony => {
                self.tally.restarts += 1;
                self.restart_symphony();
                Ok(())
            }
        }
    }

    /// A reconcile step: its rounds, until the count or convergence, or until Symphony would
    /// not go on.
    fn reconcile_rounds(
        &mut self,
        number: usize,
        step: &Step,
        reconcile: &ReconcileStep,
        transcript: &mut StepTranscript,
        facts: &mut StepFacts,
    ) -> Result<(), RunError> {
        let mut deployment = self.deployment(number)?;
        if reconcile.dry_run {
            deployment.is_dry_run = true;
        }
        if let Some(name) = &reconcile.target_name {
            if !deployment.targets.contains_key(name) {
                let targets: Vec<String> = deployment
                    .targets
                    .keys()
                    .map(|t| format!("`{t}`"))
                    .collect();
                return Err(self.step_error(
                    number,
                    step,
                    format!(
                        "`targetName` `{name}` names no target of the deployment (its targets: \
                         {}): Symphony would reconcile nothing",
                        targets.join(", ")
                    ),
                ));
            }
        }
        let max = reconcile.max_rounds();
        self.reconciler
            .set_target_name(reconcile.target_name.as_deref());
        let played = self.rounds_until(number, reconcile, &deployment, max, transcript, facts);
        self.reconciler.set_target_name(None);
        played
    }

    /// Up to `max` rounds of `deployment`, until convergence when the step asks for it, or
    /// until Symphony would not go on (it restarts then, as its process would).
    fn rounds_until(
        &mut self,
        number: usize,
        reconcile: &ReconcileStep,
        deployment: &DeploymentSpec,
        max: u32,
        transcript: &mut StepTranscript,
        facts: &mut StepFacts,
    ) -> Result<(), RunError> {
        for _ in 0..max {
            let report = self.reconcile(number, deployment, false)?;
            let converged = report.converged();
            let stops = stops_symphony(&report);
            facts.rounds.push(report);
            if let Some(why) = stops {
                transcript.symphony_stops = Some(why);
                self.restart_symphony();
                break;
            }
            if reconcile.until_converged.is_some() && converged && !deployment.is_dry_run {
                break;
            }
        }
        Ok(())
    }

    /// Symphony starts again (a `restartSymphony` step, or after a round its process would
    /// not survive): with its state in memory the stored state is gone, with a persistent
    /// state provider it is kept. Rounds and the clock go on; the next round comes on the
    /// restarted Symphony's first poll, 15 s on.
    fn restart_symphony(&mut self) {
        if self.scenario.provider.state_store == StateStore::Memory {
            self.reconciler.forget_stored_state();
        }
        // A round the process did not survive leaves what the restarted Symphony has.
        self.record_stored();
        if self.last_failed.is_some() {
            self.last_failed = Some(true);
        }
    }

    /// A removal, and the harness's own look at what `get` still reports after it.
    fn remove(
        &mut self,
        number: usize,
        transcript: &mut StepTranscript,
        facts: &mut StepFacts,
    ) -> Result<(), RunError> {
        let deployment = self.deployment(number)?;
        let report = self.reconcile(number, &deployment, true)?;
        let removal_ok = report.failure.is_none() && !deployment.is_dry_run;
        transcript.symphony_stops = stops_symphony(&report);
        if transcript.symphony_stops.is_some() {
            self.restart_symphony();
        }
        if removal_ok {
            let left = self
                .reconciler
                .check_removed(
                    &deployment,
                    &report,
                    &mut self.session.factory,
                    &mut self.sink,
                )
                .map_err(|source| RunError::Engine {
                    step: number,
                    source: Box::new(source),
                })?;
            facts.left_after_removal = left.iter().map(|l| l.component.clone()).collect();
            transcript.left_after_removal = facts.left_after_removal.clone();
        }
        facts.rounds.push(report);
        Ok(())
    }

    /// A change of the desired components: one added, changed or removed.
    fn edit_desired(&mut self, number: usize, step: &Step) -> Result<(), RunError> {
        match &step.action {
            Action::AddComponent(component) => {
                let components = self.desired_components(number, step)?;
                if components.iter().any(|c| c.name == component.name) {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("component `{}` is already desired", component.name),
                    ));
                }
                components.push(Arc::new((**component).clone()));
            }
            Action::ChangeComponent(change) => {
                let names = self.desired_names();
                let components = self.desired_components(number, step)?;
                let Some(component) = components.iter_mut().find(|c| c.name == change.name) else {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("no desired component `{}` (desired: {names})", change.name),
                    ));
                };
                let component = Arc::make_mut(component);
                for (key, value) in &change.properties {
                    if value.is_null() {
                        component.properties.remove(key);
                    } else {
                        component.properties.insert(key.clone(), value.clone());
                    }
                }
                if let Some(component_type) = &change.component_type {
                    component.component_type = component_type.clone();
                }
                if let Some(dependencies) = &change.dependencies {
                    component.dependencies = dependencies.clone();
                }
            }
            Action::RemoveComponent(name) => {
                let names = self.desired_names();
                let components = self.desired_components(number, step)?;
                let before = components.len();
                components.retain(|c| &c.name != name);
                if components.len() == before {
                    return Err(self.step_error(
                        number,
                        step,
                        format!("no desired component `{name}` (desired: {names})"),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A change on the device behind the provider's back, or faults armed or cleared.
    fn on_device(&mut self, number: usize, step: &Step) -> Result<(), RunError> {
        match &step.action {
            Action::Device(edit) => {
                let config = self.device_config(number, step)?;
                self.tally.drift += 1;
                let channel = self.channel(number)?;
                channel
                    .edit(&config, edit)
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            Action::Fault(fault) => {
                let config = self.device_config(number, step)?;
                self.tally.faults += 1;
                let channel = self.channel(number)?;
                channel
                    .arm(&config, std::slice::from_ref(fault))
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            Action::ClearFaults => {
                let config = self.device_config(number, step)?;
                let channel = self.channel(number)?;
                channel
                    .clear_faults(&config)
                    .map_err(|source| RunError::Device {
                        step: number,
                        source: Box::new(source),
                    })?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The step's rounds into its transcript, and what its expectations read.
    fn gather(
        &mut self,
        number: usize,
        step: &Step,
        transcript: &mut StepTranscript,
        facts: &mut StepFacts,
    ) -> Result<(), RunError> {
        transcript.rounds = self.sink.take_rounds();
        facts.stored = self.stored_names();
        facts.calls = transcript
            .rounds
            .last()
            .map(|round| round.events.clone())
            .unwrap_or_default();
        // What only the contract expectations read is gathered when one asks for it.
        let expect = &step.expect;
        if expect.sound_calls.is_some() || expect.reports_only_referenced.is_some() {
            facts.step_calls = transcript
                .rounds
                .iter()
                .flat_map(|round| round.events.iter().cloned())
                .collect();
        }
        if expect.device_as_desired.is_some() {
            facts.desired = self.desired_list();
            facts.rule = self.sink.last_rule().cloned();
        }
        let wanted = self.session.transcripts
            || step.expect.device.is_some()
            || step.expect.applied_on_device.is_some()
            || step.expect.device_as_desired.is_some()
            || step.expect.device_unchanged.is_some();
        if self.session.simulated && wanted {
            let devices = self.devices(number)?;
            facts.devices = devices.clone();
            transcript.devices = devices;
            facts.device_for_on = self.device_id(step).ok();
        }
        Ok(())
    }

    /// The components of the stored state (`None`: nothing is stored).
    pub(super) fn stored_names(&self) -> Option<Vec<String>> {
        self.reconciler.previous().map(|stored| {
            stored
                .state
                .components
                .iter()
                .map(|c| c.name.clone())
                .collect()
        })
    }

    /// One round, with the stored state recorded after it.
    pub(super) fn reconcile(
        &mut self,
        number: usize,
        deployment: &DeploymentSpec,
        remove: bool,
    ) -> Result<RoundReport, RunError> {
        self.wait_before_round();
        let sink: &mut dyn EventSink = &mut self.sink;
        let report = self
            .reconciler
            .reconcile(deployment, remove, &mut self.session.factory, sink)
            .map_err(|source| RunError::Engine {
                step: number,
                source: Box::new(source),
            })?;
        self.record_stored();
        self.last_failed = Some(report.failure.is_some());
        self.tally.count_round(&report);
        Ok(report)
    }

    /// The stored state (its components and keys) into the last round recorded.
    fn record_stored(&mut self) {
        let stored = self.stored_names();
        let keys = self
            .reconciler
            .previous()
            .map(|stored| stored.state.target_component.clone());
        if let Some(round) = self.sink.last_round_mut() {
            round.stored = stored;
            round.stored_keys = keys;
        }
    }

    /// Symphony's wait before a round after the first: the next poll after a failure, the
    /// second poll tick after a success.
    pub(super) fn wait_before_round(&mut self) {
        let mut sink = crate::engine::events::NoSink;
        let Some(failed) = self.last_failed else {
            return;
        };
        if failed {
            self.reconciler
                .wait(POLL_INTERVAL, "the next poll", &mut sink);
        } else {
            self.reconciler
                .wait(NEXT_AFTER_SUCCESS, "the second poll tick", &mut sink);
        }
    }

    pub(super) fn step_error(&self, number: usize, step: &Step, message: String) -> RunError {
        RunError::Step {
            step: number,
            line: step.line,
            message,
        }
    }

    pub(super) fn desired_names(&self) -> String {
        let names: Vec<String> = self
            .desired_list()
            .iter()
            .map(|c| format!("`{}`", c.name))
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    }

    /// The desired components, read only: the solution's, or every target's own.
    pub(super) fn desired_list(&self) -> Vec<ComponentSpec> {
        self.objects.desired().into_iter().cloned().collect()
    }

    /// The desired components: the solution's, or the lone target's own.
    pub(super) fn desired_components(
        &mut self,
        number: usize,
        step: &Step,
    ) -> Result<&mut Vec<Arc<ComponentSpec>>, RunError> {
        if self.objects.solution_and_instance.is_some() {
            let Some((solution, _)) = self.objects.solution_and_instance.as_mut() else {
                unreachable!("checked above")
            };
            return Ok(&mut solution
                .spec
                .get_or_insert_with(Default::default)
                .components);
        }
        if self.objects.targets.len() != 1 {
            return Err(self.step_error(
                number,
                step,
                "several targets without an instance: there are no desired components to change"
                    .into(),
            ));
        }
        let target = &mut self.objects.targets[0];
        Ok(&mut target.spec.get_or_insert_with(Default::default).components)
    }
}

/// Why Symphony would not go on after `report`, if it would not.
fn stops_symphony(report: &RoundReport) -> Option<String> {
    let failure = report.failure.as_ref()?;
    match failure.in_symphony() {
        InSymphony::Returns => None,
        InSymphony::WaitsForever => Some(format!(
            "{}: Symphony sets no deadline on a provider call, so its reconcile would wait for \
             ever",
            failure.describe()
        )),
        _ => Some(format!(
            "{}: in Symphony this takes the whole symphony-api process down",
            failure.describe()
        )),
    }
}

/// `path` with `.` and `..` resolved by their names (the folder may not exist yet).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
