//! Symphony's reconcile (`SolutionVersionManager.Reconcile` and `.Get`), one round at a time,
//! and rounds on a logical clock until nothing is applied.
//!
//! A round, in Symphony's order (`docs/reconcile.md`): evaluate the
//! deployment; plan from the desired state alone and call `get` once per step, each on a
//! fresh provider (one failing `get` fails the round); merge the previous stored state, the
//! desired state and what `get` reported (get-only components are deleted); plan; for each
//! step create a provider, skip the step if `canSkipStep` allows (only with a previous state),
//! otherwise `apply` it whole; the first failing `apply` ends the round without saving state.
//! A successful round that is not a dry run saves the state, or drops it after a removal that
//! leaves nothing.
//!
//! Main type: [`Reconciler`], which holds the stored state between rounds, and what it
//! derived from the last deployment (evaluation, desired state, the deployment document the
//! calls receive), reused while the deployment is unchanged; [`run`] drives rounds. Symphony's waits (5 s after a failed `apply`, the 15 s poll) are counted on the
//! logical clock, never slept.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use super::binding::find_binding;
use super::events::{emit, CallKind, CallReturn, CallSite, Event, EventSink, Phase};
use super::planning::{self, plan_for_deployment, Reported};
pub use super::planning::{add_reported, merge_states};
use super::render::go_v;
pub use super::report::{
    Against, ApplyReason, FailedBy, Failure, LeftComponent, RoundReport, RunEnd, RunReport, Stage,
    StateOutcome, StepDecision, StepRecord, Summary, TargetResult,
};
use super::skip::SkipBasis;
use super::state::{DeploymentState, TargetDesc};
use super::summary::{self, GO_DEPENDENCIES};
use super::{CallError, EngineError, InSymphony, Outcome, Provider, ProviderFactory};
use crate::model::{
    wire, BindingConfig, CallDeployment, CallPart, ComponentAction, ComponentResult, ComponentStep,
    DeploymentSpec, DeploymentStep, InstanceSpec, RoundDeployment, Symphony, TargetState,
};

/// Seconds Symphony sleeps after a failed `apply` (`time.Sleep(5 * time.Second)`).
pub const WAIT_AFTER_FAILED_APPLY: u64 = 5;
/// Seconds between two polls of the jobs manager (`loopInterval: 15`).
pub const POLL_INTERVAL: u64 = 15;
/// Seconds until the next reconcile after a successful one: the success stamp must be older
/// than 15 s, so it is the second poll tick.
pub const NEXT_AFTER_SUCCESS: u64 = 2 * POLL_INTERVAL;

/// The instance metadata key Symphony sets when a target runs a Symphony agent.
const AGENT_KEY: &str = "SYMPHONY_AGENT_ADDRESS";

/// What Symphony stores after a successful, non-dry-run reconcile.
#[derive(Serialize, serde::Deserialize, Debug, Clone, PartialEq, Default)]
pub struct StoredState {
    /// The deployment it reconciled (its targets find bindings for targets no longer
    /// selected). Shared with the reconciler's own copy while the two are equal.
    pub spec: Arc<DeploymentSpec>,
    /// The merged state, without the deleted keys.
    pub state: DeploymentState,
}

/// Runs Symphony's reconcile for one instance, round after round; holds the stored state.
#[derive(Debug, Clone, Default)]
pub struct Reconciler {
    generation: Symphony,
    previous: Option<StoredState>,
    clock: u64,
    round: u32,
    /// What the last round derived from its input deployment alone.
    prepared: Option<Arc<Prepared>>,
    /// The calls' own parts made from `prepared`'s instance so far, to share with later
    /// calls that have the same; emptied when `prepared` is replaced.
    call_parts: CallParts,
    /// Reconcile's `targetName`: only this target's steps are reconciled.
    target_name: Option<String>,
}

// A reconciler (and the round documents it keeps) may move to, or be shared with, another
// thread: checked when this compiles.
const _: fn() = || {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Reconciler>();
    send_and_sync::<RoundDeployment>();
};

/// What a round derives from its input deployment alone, kept for the next round: rounds
/// reconcile the same deployment again and again, and only the device changes between them.
/// Reusing the round document also lets a worker keep it, and an in-process provider keep
/// it parsed.
#[derive(Debug)]
struct Prepared {
    /// The deployment as given.
    input: DeploymentSpec,
    /// The evaluated deployment (what Symphony reconciles and stores).
    evaluated: Arc<DeploymentSpec>,
    /// The desired state.
    desired: DeploymentState,
    /// The plan of the `get` phase (from the desired state alone), shared with the reports.
    get_plan: Vec<Arc<DeploymentStep>>,
    /// The round's deployment document.
    document: RoundDeployment,
}

impl Prepared {
    /// The evaluated instance's spec; Go dereferences it, so a missing one is an input error.
    fn instance_spec(&self) -> Result<&InstanceSpec, EngineError> {
        self.evaluated
            .instance
            .spec
            .as_ref()
            .ok_or(EngineError::MissingSpec { object: "instance" })
    }
}

/// Why a round stopped before its end.
enum Stop {
    /// A provider or Symphony failure: the round fails and says so in its report.
    Failed(Failure),
    /// Input Symphony cannot reconcile at all: [`Reconciler::reconcile`] returns it.
    Input(EngineError),
}

impl From<Failure> for Stop {
    fn from(failure: Failure) -> Stop {
        Stop::Failed(failure)
    }
}

impl From<EngineError> for Stop {
    fn from(err: EngineError) -> Stop {
        Stop::Input(err)
    }
}

/// What the apply loop leaves for [`Reconciler::save_state`].
struct Applied {
    /// The instance metadata of the last step (the stored spec keeps it).
    metadata: BTreeMap<String, String>,
    /// Per target, 1 when its last step succeeded (applied or skipped), else 0.
    target_results: BTreeMap<String, usize>,
    /// Did any step actually run (not skipped)?
    ran_any: bool,
}

/// A call's own part, and what it was made from besides the prepared deployment's instance:
/// the whole key, so a part is only shared by calls that would have built the same.
#[derive(Debug, Clone)]
struct CallKey {
    active_target: String,
    scope: String,
    metadata: Option<BTreeMap<String, String>>,
    part: Arc<CallPart>,
}

/// The calls' own parts made from one prepared deployment's instance, to share with later
/// calls that have the same (one step's calls, round after round); emptied when the prepared
/// deployment is replaced.
#[derive(Debug, Clone, Default)]
struct CallParts(Vec<CallKey>);

impl CallParts {
    /// The document of one call: the round's, with the call's active target and the
    /// deployment's instance with `scope` and (for `apply`) `metadata`, in `generation`'s
    /// names.
    fn document<'r>(
        &mut self,
        prepared: &'r Prepared,
        generation: Symphony,
        active_target: &str,
        scope: &str,
        metadata: Option<&BTreeMap<String, String>>,
    ) -> Result<CallDeployment<'r>, EngineError> {
        let instance = &prepared.evaluated.instance;
        let instance_metadata = instance.spec.as_ref().map(|s| &s.metadata);
        let metadata = metadata.or(instance_metadata);
        let known = self.0.iter().find(|k| {
            k.active_target == active_target && k.scope == scope && k.metadata.as_ref() == metadata
        });
        if let Some(known) = known {
            return Ok(prepared.document.with_part(Arc::clone(&known.part)));
        }
        let mut instance = instance.clone();
        if let Some(spec) = &mut instance.spec {
            spec.scope = scope.to_string();
            if let Some(metadata) = metadata {
                spec.metadata = metadata.clone();
            }
        }
        let value =
            serde_json::to_value(&instance).map_err(|err| EngineError::Encode(err.to_string()))?;
        let part = Arc::new(CallPart::new(
            active_target,
            wire::instance_to_generation(value, generation),
        ));
        self.0.push(CallKey {
            active_target: active_target.to_string(),
            scope: scope.to_string(),
            metadata: metadata.cloned(),
            part: Arc::clone(&part),
        });
        Ok(prepared.document.with_part(part))
    }
}

/// The application scope (`getCurrentApplicationScope`): the instance's, else the target's
/// `solutionversionScope`, else `default`.
fn application_scope(instance_scope: &str, target_scope: &str) -> String {
    match (instance_scope, target_scope) {
        ("", "") => "default".to_string(),
        ("", target) => target.to_string(),
        (instance, _) => instance.to_string(),
    }
}

fn site(round: u32, phase: Phase, index: usize, step: &DeploymentStep) -> CallSite {
    CallSite {
        round,
        phase,
        step: index,
        target: step.target.clone(),
        role: step.role.clone(),
    }
}

fn symphony_failure(stage: Stage, site: &CallSite, message: String) -> Failure {
    Failure {
        stage,
        step: site.step,
        target: site.target.clone(),
        role: site.role.clone(),
        outcome: FailedBy::Symphony,
        message,
        indeterminate: false,
        components: Vec::new(),
    }
}

fn call_failure(stage: Stage, site: &CallSite, err: &CallError) -> Failure {
    Failure {
        stage,
        step: site.step,
        target: site.target.clone(),
        role: site.role.clone(),
        outcome: FailedBy::Call(err.outcome()),
        message: err.to_string(),
        indeterminate: stage == Stage::Apply && err.process_died(),
        components: Vec::new(),
    }
}

/// How a round ends when its deployment cannot be planned. Symphony fails the round before
/// any provider call when the dependency sort fails (`NewDeploymentState`), and crashes on a
/// nil pointer when a component is assigned to a target without `spec`; anything else is
/// input the harness cannot reconcile at all.
fn planning_failure(err: EngineError) -> Stop {
    let failure = |stage, target: String, message: String, components: Vec<String>| Failure {
        stage,
        step: 0,
        target,
        role: String::new(),
        outcome: FailedBy::Symphony,
        message,
        indeterminate: false,
        components,
    };
    match err {
        EngineError::Dependencies { unsorted } => Stop::Failed(failure(
            Stage::Plan,
            String::new(),
            format!(
                "{GO_DEPENDENCIES} (`{}` cannot be sorted: each dependency must name another \
                 component, once, without cycles)",
                unsorted.join("`, `")
            ),
            unsorted,
        )),
        EngineError::TargetWithoutSpec { ref target, .. } => Stop::Failed(failure(
            Stage::SymphonyPanic,
            target.clone(),
            err.to_string(),
            Vec::new(),
        )),
        other => Stop::Input(other),
    }
}

/// The binding config for `role` on `target` (`CreateProviderForTargetRole`): the first
/// binding whose role matches (`""` and `container` mean `instance`): [`find_binding`].
fn binding_for<'t>(
    target: Option<&'t TargetState>,
    role: &str,
    site: &CallSite,
) -> Result<&'t BindingConfig, Failure> {
    let Some(spec) = target.and_then(|t| t.spec.as_ref()) else {
        return Err(symphony_failure(
            Stage::SymphonyPanic,
            site,
            format!(
                "target `{}` has no spec: Go dereferences a nil pointer",
                site.target
            ),
        ));
    };
    find_binding(spec, role)
        .map_err(|err| symphony_failure(Stage::CreateProvider, site, err.to_string()))
}

/// The summary's success count: the targets whose steps all succeeded, or 0 for a dry run
/// or an inactive instance.
fn success_count(evaluated: &DeploymentSpec, target_results: &BTreeMap<String, usize>) -> usize {
    if evaluated.is_dry_run || evaluated.is_in_active {
        0
    } else {
        target_results.values().sum()
    }
}

fn listed(components: &[ComponentStep]) -> Vec<(String, ComponentAction)> {
    components
        .iter()
        .map(|c| (c.component.name.clone(), c.action))
        .collect()
}

/// Creates a provider, with its events.
/// A new provider for the step at `site` (`CreateProviderForTargetRole`): its target's binding
/// for the step's role, then `create_provider_instance`; either failing fails the round.
fn provider_for(
    factory: &mut dyn ProviderFactory,
    target: Option<&TargetState>,
    site: &CallSite,
    sink: &mut dyn EventSink,
) -> Result<Box<dyn Provider>, Failure> {
    let config = binding_for(target, &site.role, site)?;
    create(factory, config, site, sink)
        .map_err(|err| call_failure(Stage::CreateProvider, site, &err))
}

fn create(
    factory: &mut dyn ProviderFactory,
    config: &BindingConfig,
    site: &CallSite,
    sink: &mut dyn EventSink,
) -> Result<Box<dyn Provider>, CallError> {
    emit(sink, || Event::CallStarted {
        site: site.clone(),
        call: CallKind::Create,
        components: Vec::new(),
        deployment: None,
    });
    let created = factory.create(config);
    emit(sink, || Event::CallFinished {
        site: site.clone(),
        call: CallKind::Create,
        outcome: created
            .as_ref()
            .map(|_| CallReturn::Created)
            .map_err(Clone::clone),
        output: factory.take_output(),
    });
    created
}

/// The agent component among a target's own components, if it has one
/// (`findAgentFromDeploymentState`).
fn agent_of(desc: &TargetDesc) -> Option<String> {
    desc.spec.as_ref()?.components.iter().find_map(|c| {
        c.properties
            .get("container.image")
            .filter(|image| go_v(image).contains("/symphony-agent:"))
            .map(|_| c.name.clone())
    })
}

/// The agent of every target of `state` ([`agent_of`]), found once per round rather than once
/// per step (a target's own components may be many, and so may its steps).
fn agents(state: &DeploymentState) -> HashMap<&str, Option<String>> {
    let mut agents = HashMap::new();
    for desc in &state.targets {
        // The first target of a name, as Go's search finds it.
        agents
            .entry(desc.name.as_str())
            .or_insert_with(|| agent_of(desc));
    }
    agents
}

/// One step's call in the apply loop: where it is, and what it is made with.
struct StepCall<'c> {
    site: CallSite,
    step: &'c Arc<DeploymentStep>,
    generation: Symphony,
    parts: &'c mut CallParts,
    factory: &'c mut dyn ProviderFactory,
    sink: &'c mut dyn EventSink,
}

/// The apply loop's state through one round: what every step reads (made once), and what
/// a step leaves for the next (Go's instance spec, shared by pointer, carries the scope and
/// metadata from step to step).
struct ApplyLoop<'r> {
    prepared: &'r Prepared,
    previous: Option<&'r StoredState>,
    /// What the skip check compares with; `None` without a stored state (every step applies).
    skip: Option<SkipBasis<'r>>,
    agents: HashMap<&'r str, Option<String>>,
    /// The instance metadata the next `apply` is sent (solution's, then instance's, then the
    /// target's agent).
    metadata: BTreeMap<String, String>,
    /// The instance scope the next `apply` starts from: restored only after a failed apply,
    /// so later steps inherit the scope of the last successful one.
    scope: String,
    applied: Applied,
}

impl<'r> ApplyLoop<'r> {
    fn new(
        prepared: &'r Prepared,
        previous: Option<&'r StoredState>,
        merged: &'r DeploymentState,
        current: DeploymentState,
    ) -> Result<ApplyLoop<'r>, EngineError> {
        let instance_spec = prepared.instance_spec()?;
        let mut metadata = prepared
            .evaluated
            .solution
            .spec
            .as_ref()
            .map(|s| s.metadata.clone())
            .unwrap_or_default();
        metadata.extend(instance_spec.metadata.clone());
        Ok(ApplyLoop {
            prepared,
            previous,
            skip: previous.map(|p| SkipBasis::new(&p.state, &p.spec, current)),
            agents: agents(merged),
            metadata,
            scope: instance_spec.scope.clone(),
            applied: Applied {
                metadata: BTreeMap::new(),
                target_results: BTreeMap::new(),
                ran_any: false,
            },
        })
    }

    /// The target of a step: the deployment's, else the one the stored deployment knew.
    fn target(&self, name: &str) -> Option<&'r TargetState> {
        self.prepared
            .evaluated
            .targets
            .get(name)
            .or_else(|| self.previous.and_then(|p| p.spec.targets.get(name)))
    }

    /// One step: a new provider, the skip check, then `apply` of the whole step, each
    /// recorded in `report`. `Ok(Err(failure))` for a failed `apply` (the loop waits before it
    /// ends the round); `Err` for any other end of the round.
    fn step(
        &mut self,
        call: &mut StepCall<'_>,
        report: &mut RoundReport,
    ) -> Result<Result<(), Failure>, Stop> {
        let step: &DeploymentStep = call.step;
        report.summary.planned_count += 1;
        match self.agents.get(step.target.as_str()).cloned().flatten() {
            Some(agent) => self.metadata.insert(AGENT_KEY.to_string(), agent),
            None => self.metadata.remove(AGENT_KEY),
        };
        let target = self.target(&step.target);
        let mut provider = provider_for(call.factory, target, &call.site, call.sink)
            .map_err(|f| f.of_step(step))?;
        let decision = match &self.skip {
            Some(basis) => basis.decide(step, provider.as_mut(), &call.site, call.sink)?,
            None => StepDecision::Apply {
                reason: ApplyReason::NoPreviousState,
            },
        };
        emit(call.sink, || Event::StepDecided {
            site: call.site.clone(),
            decision: decision.clone(),
        });
        if decision == StepDecision::Skip {
            report.skipped += 1;
            report.summary.plan_success_count += 1;
            self.applied.target_results.insert(step.target.clone(), 1);
            report
                .steps
                .push(StepRecord::new(call.step, decision, None));
            return Ok(Ok(()));
        }
        self.applied.ran_any = true;
        match self.apply(call, provider.as_mut()) {
            Ok(results) => {
                report.applied += 1;
                report.summary.plan_success_count += 1;
                self.applied.target_results.insert(step.target.clone(), 1);
                report
                    .steps
                    .push(StepRecord::new(call.step, decision, Some(results)));
                Ok(Ok(()))
            }
            Err(Stop::Failed(failure)) => {
                report
                    .steps
                    .push(StepRecord::new(call.step, decision, None));
                if failure.stage != Stage::Apply {
                    return Err(Stop::Failed(failure));
                }
                self.applied.target_results.insert(step.target.clone(), 0);
                Ok(Err(failure))
            }
            Err(end) => Err(end),
        }
    }

    /// `apply` of the whole step on `provider`, with the scope of the step's target and the
    /// loop's metadata, and its events. A target known only from the stored state has no
    /// spec in the deployment, and Go dereferences nil for its scope.
    fn apply(
        &mut self,
        call: &mut StepCall<'_>,
        provider: &mut dyn Provider,
    ) -> Result<BTreeMap<String, ComponentResult>, Stop> {
        let step: &DeploymentStep = call.step;
        let evaluated = &self.prepared.evaluated;
        let Some(target_spec) = evaluated
            .targets
            .get(&step.target)
            .and_then(|t| t.spec.as_ref())
        else {
            return Err(Stop::Failed(symphony_failure(
                Stage::SymphonyPanic,
                &call.site,
                format!(
                    "target `{}` is not in the deployment any more: Go's \
                     getCurrentApplicationScope dereferences a nil target spec and panics",
                    step.target
                ),
            )));
        };
        self.scope = application_scope(&self.scope, &target_spec.solution_scope);
        let dep = call.parts.document(
            self.prepared,
            call.generation,
            &step.target,
            &self.scope,
            Some(&self.metadata),
        )?;
        let kind = CallKind::Apply {
            dry_run: evaluated.is_dry_run,
        };
        emit(call.sink, || Event::CallStarted {
            site: call.site.clone(),
            call: kind.clone(),
            components: listed(&step.components),
            deployment: Some(dep.sent()),
        });
        let result = provider.apply(&dep, step, evaluated.is_dry_run);
        emit(call.sink, || Event::CallFinished {
            site: call.site.clone(),
            call: kind,
            outcome: result.clone().map(CallReturn::Results),
            output: provider.take_output(),
        });
        result
            .map_err(|err| Stop::Failed(call_failure(Stage::Apply, &call.site, &err).of_step(step)))
    }
}

impl Reconciler {
    /// A reconciler without stored state, sending deployments in `generation`'s names.
    pub fn new(generation: Symphony) -> Reconciler {
        Reconciler {
            generation,
            ..Reconciler::default()
        }
    }

    /// Starts from a stored state, as if an earlier reconcile had saved it.
    pub fn with_previous(mut self, previous: StoredState) -> Reconciler {
        self.previous = Some(previous);
        self
    }

    /// The stored state, if any.
    pub fn previous(&self) -> Option<&StoredState> {
        self.previous.as_ref()
    }

    /// Symphony restarted with its state kept in memory: the stored state is gone (the next
    /// round has no previous state). The clock and the round numbers go on.
    pub fn forget_stored_state(&mut self) {
        self.previous = None;
    }

    /// Reconcile's `targetName` for the next rounds: `Some(target)` reconciles only that
    /// target's steps (`get` and `apply` for the others are not called, and not counted),
    /// `None` every target. The stored state is saved whole either way, the other targets'
    /// components with it, as Symphony saves it.
    pub fn set_target_name(&mut self, target_name: Option<&str>) {
        self.target_name = target_name.map(str::to_string);
    }

    /// Whether the `targetName` filter lets `target`'s steps run.
    fn selects(&self, target: &str) -> bool {
        self.target_name
            .as_deref()
            .is_none_or(|name| name == target)
    }

    /// Logical time, in seconds.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// Advances the logical clock by what Symphony would wait, and says so.
    pub fn wait(&mut self, seconds: u64, why: &str, sink: &mut dyn EventSink) {
        self.clock += seconds;
        emit(sink, || Event::Waited {
            round: self.round,
            seconds,
            why: why.to_string(),
        });
    }

    /// What this round derives from `deployment` alone: the last round's, if it had the same
    /// deployment.
    fn prepare(&mut self, deployment: &DeploymentSpec) -> Result<Arc<Prepared>, EngineError> {
        if let Some(prepared) = &self.prepared {
            if prepared.input == *deployment {
                return Ok(Arc::clone(prepared));
            }
        }
        let desired = planning::desired(deployment)?;
        let prepared = Arc::new(Prepared {
            input: deployment.clone(),
            get_plan: desired.get_plan.into_iter().map(Arc::new).collect(),
            desired: desired.state,
            document: self.wire(&desired.evaluated)?,
            evaluated: Arc::new(desired.evaluated),
        });
        self.prepared = Some(Arc::clone(&prepared));
        self.call_parts = CallParts::default();
        Ok(prepared)
    }

    /// The round's deployment document, in this reconciler's wire generation.
    fn wire(&self, deployment: &DeploymentSpec) -> Result<RoundDeployment, EngineError> {
        let encode = |err: serde_json::Error| EngineError::Encode(err.to_string());
        let json = match self.generation {
            Symphony::V049 => serde_json::value::to_raw_value(deployment).map_err(encode)?,
            Symphony::V048 => {
                let value = serde_json::to_value(deployment).map_err(encode)?;
                serde_json::value::to_raw_value(&wire::to_generation(value, self.generation))
                    .map_err(encode)?
            }
        };
        Ok(RoundDeployment::from_json(json))
    }

    /// The document of one call: the round's, with the call's active target and the
    /// deployment's instance with `scope` and (for `apply`) `metadata` ([`CallParts`]).
    fn for_call<'r>(
        &mut self,
        prepared: &'r Prepared,
        active_target: &str,
        scope: &str,
        metadata: Option<&BTreeMap<String, String>>,
    ) -> Result<CallDeployment<'r>, EngineError> {
        self.call_parts
            .document(prepared, self.generation, active_target, scope, metadata)
    }

    /// One reconcile of `deployment` (`remove`: the removal), in Symphony's phases:
    /// `get`, [`plan_for_deployment`], the apply loop (`apply_steps`, with `can_skip_step`)
    /// and `save_state`. Provider and Symphony failures end the round and are
    /// in its report; `Err` is for input Symphony cannot reconcile at all (an unsupported
    /// expression, a dependency cycle, …).
    pub fn reconcile(
        &mut self,
        deployment: &DeploymentSpec,
        remove: bool,
        factory: &mut dyn ProviderFactory,
        sink: &mut dyn EventSink,
    ) -> Result<RoundReport, EngineError> {
        self.round += 1;
        let round = self.round;
        let remove = remove || deployment.is_in_active;
        emit(sink, || Event::RoundStarted {
            round,
            at_seconds: self.clock,
            remove,
            has_previous: self.previous.is_some(),
        });
        let mut report = RoundReport {
            round,
            at_seconds: self.clock,
            remove,
            dry_run: deployment.is_dry_run,
            get_plan: Vec::new(),
            plan: Vec::new(),
            steps: Vec::new(),
            applied: 0,
            skipped: 0,
            failure: None,
            state: StateOutcome::Untouched,
            summary: Summary {
                target_count: deployment.targets.len(),
                job_id: deployment.job_id.clone(),
                is_removal: remove,
                ..Summary::default()
            },
            noop: None,
        };
        let meta = &deployment.instance.metadata;
        if meta.name.is_empty() && meta.guid().is_empty() {
            report.noop = Some(
                "the instance has neither a name nor a `Guid` annotation: Symphony returns \
                 success at once"
                    .to_string(),
            );
            return Ok(self.finish(report, sink));
        }
        match self.reconcile_prepared(deployment, remove, &mut report, factory, sink) {
            Ok(()) => Ok(self.finish(report, sink)),
            Err(Stop::Failed(failure)) => Ok(self.fail(report, failure, sink)),
            Err(Stop::Input(err)) => Err(err),
        }
    }

    /// After a successful removal `removal` of `deployment`: calls `get` once per target and
    /// role that had deletes, with the deleted components as references, and returns those
    /// still reported. Not a Symphony call: Symphony trusts `apply`'s `Ok` and forgets them.
    pub fn check_removed(
        &mut self,
        deployment: &DeploymentSpec,
        removal: &RoundReport,
        factory: &mut dyn ProviderFactory,
        sink: &mut dyn EventSink,
    ) -> Result<Vec<LeftComponent>, EngineError> {
        let prepared = self.prepare(deployment)?;
        let instance_scope = prepared.instance_spec()?.scope.clone();
        let mut left = Vec::new();
        for (index, step) in removal.plan.iter().enumerate() {
            let deleted: Vec<ComponentStep> = step
                .components
                .iter()
                .filter(|c| c.action == ComponentAction::Delete)
                .map(|c| ComponentStep {
                    action: ComponentAction::Update,
                    component: c.component.clone(),
                })
                .collect();
            if deleted.is_empty() {
                continue;
            }
            let site = site(removal.round, Phase::Check, index, step);
            let target = prepared.evaluated.targets.get(&step.target).or_else(|| {
                self.previous
                    .as_ref()
                    .and_then(|p| p.spec.targets.get(&step.target))
            });
            let Ok(mut provider) = provider_for(factory, target, &site, sink) else {
                continue;
            };
            let target_scope = target
                .and_then(|t| t.spec.as_ref())
                .map_or("", |s| s.solution_scope.as_str());
            let scope = application_scope(&instance_scope, target_scope);
            let dep = self.for_call(&prepared, &step.target, &scope, None)?;
            emit(sink, || Event::CallStarted {
                site: site.clone(),
                call: CallKind::Get,
                components: listed(&deleted),
                deployment: None,
            });
            let got = provider.get(&dep, &deleted);
            let output = provider.take_output();
            emit(sink, || Event::CallFinished {
                site: site.clone(),
                call: CallKind::Get,
                outcome: got.clone().map(CallReturn::Components),
                output,
            });
            for component in got.unwrap_or_default() {
                if deleted.iter().any(|d| d.component.name == component.name) {
                    left.push(LeftComponent {
                        target: step.target.clone(),
                        component: component.name,
                    });
                }
            }
        }
        Ok(left)
    }

    /// The phases of a round that does something (`Reconcile` after its early return).
    fn reconcile_prepared(
        &mut self,
        deployment: &DeploymentSpec,
        remove: bool,
        report: &mut RoundReport,
        factory: &mut dyn ProviderFactory,
        sink: &mut dyn EventSink,
    ) -> Result<(), Stop> {
        let prepared = self.prepare(deployment).map_err(planning_failure)?;
        let instance_scope = prepared.instance_spec()?.scope.clone();
        factory.round_started();
        factory.output_wanted(sink.is_listening());

        report.get_plan = prepared.get_plan.clone();
        let current = self.get(&prepared, &instance_scope, report.round, factory, sink)?;

        let (merged, plan) = plan_for_deployment(
            &prepared.desired,
            self.previous.as_ref().map(|p| &p.state),
            &current,
            remove,
        );
        report.plan = plan.into_iter().map(Arc::new).collect();

        let applied = self.apply_steps(&prepared, &merged, current, report, factory, sink)?;

        self.save_state(&prepared, merged, applied, remove, report);
        Ok(())
    }

    /// `SolutionVersionManager.Get`: the desired-only plan, one fresh provider and one `get`
    /// per step, each with the step's target active and the application scope; one failing
    /// `get` fails the round. Returns what the calls reported, as a state.
    fn get(
        &mut self,
        prepared: &Prepared,
        instance_scope: &str,
        round: u32,
        factory: &mut dyn ProviderFactory,
        sink: &mut dyn EventSink,
    ) -> Result<DeploymentState, Stop> {
        let evaluated = &prepared.evaluated;
        let mut current = Reported::new(&prepared.desired);
        for (index, step) in prepared.get_plan.iter().enumerate() {
            if !self.selects(&step.target) {
                continue;
            }
            let site = site(round, Phase::Get, index, step);
            let target = evaluated.targets.get(&step.target);
            let mut provider =
                provider_for(factory, target, &site, sink).map_err(|f| f.of_step(step))?;
            let target_scope = target
                .and_then(|t| t.spec.as_ref())
                .map_or("", |s| s.solution_scope.as_str());
            let scope = application_scope(instance_scope, target_scope);
            let dep = self.for_call(prepared, &step.target, &scope, None)?;
            emit(sink, || Event::CallStarted {
                site: site.clone(),
                call: CallKind::Get,
                components: listed(&step.components),
                deployment: None,
            });
            let got = provider.get(&dep, &step.components);
            emit(sink, || Event::CallFinished {
                site: site.clone(),
                call: CallKind::Get,
                outcome: got.clone().map(CallReturn::Components),
                output: provider.take_output(),
            });
            let components =
                got.map_err(|err| call_failure(Stage::Get, &site, &err).of_step(step))?;
            current.add(&step.target, components);
        }
        Ok(current.into_state())
    }

    /// The apply loop of `Reconcile` (step 11): for each planned step a new provider, the
    /// skip check ([`SkipBasis::decide`], only with a stored state), then `apply` of the whole
    /// step ([`ApplyLoop::step`]); the first failing `apply` waits 5 s and fails the round.
    fn apply_steps(
        &mut self,
        prepared: &Prepared,
        merged: &DeploymentState,
        current: DeploymentState,
        report: &mut RoundReport,
        factory: &mut dyn ProviderFactory,
        sink: &mut dyn EventSink,
    ) -> Result<Applied, Stop> {
        let previous = self.previous.as_ref();
        let mut apply = ApplyLoop::new(prepared, previous, merged, current)?;
        let mut failed = None;
        for index in 0..report.plan.len() {
            let step = Arc::clone(&report.plan[index]);
            if !self.selects(&step.target) {
                continue;
            }
            let mut call = StepCall {
                site: site(report.round, Phase::Apply, index, &step),
                step: &step,
                generation: self.generation,
                parts: &mut self.call_parts,
                factory: &mut *factory,
                sink: &mut *sink,
            };
            if let Err(failure) = apply.step(&mut call, report)? {
                report.summary.success_count =
                    success_count(&prepared.evaluated, &apply.applied.target_results);
                failed = Some(failure);
                break;
            }
        }
        let ApplyLoop {
            metadata,
            mut applied,
            ..
        } = apply;
        if let Some(failure) = failed {
            self.wait(
                WAIT_AFTER_FAILED_APPLY,
                "Symphony sleeps 5 s after a failed apply",
                sink,
            );
            return Err(Stop::Failed(failure));
        }
        applied.metadata = metadata;
        Ok(applied)
    }

    /// The end of a successful `Reconcile` (steps 12 and 13): `ClearAllRemoved`, then
    /// `UpsertDeploymentState`, or `DeleteDeploymentState` after a removal that leaves no
    /// keys, or nothing in a dry run; and the summary.
    fn save_state(
        &mut self,
        prepared: &Prepared,
        mut merged: DeploymentState,
        applied: Applied,
        remove: bool,
        report: &mut RoundReport,
    ) {
        let evaluated = &prepared.evaluated;
        merged.clear_all_removed();
        report.summary.success_count = success_count(evaluated, &applied.target_results);
        report.state = if evaluated.is_dry_run {
            StateOutcome::NotSavedDryRun
        } else if remove && merged.target_component.is_empty() {
            self.previous = None;
            StateOutcome::Dropped
        } else {
            // Stored with the metadata of the last apply. (Its scope is the instance's own:
            // the apply loop changes only the calls' copies.)
            let mut spec = Arc::clone(&prepared.evaluated);
            let stored_instance = spec.instance.spec.as_ref();
            if stored_instance.is_some_and(|i| i.metadata != applied.metadata) {
                if let Some(instance) = &mut Arc::make_mut(&mut spec).instance.spec {
                    instance.metadata = applied.metadata;
                }
            }
            self.previous = Some(StoredState {
                spec,
                state: merged,
            });
            StateOutcome::Saved
        };
        report.summary.all_assigned_deployed =
            report.summary.planned_count == report.summary.plan_success_count;
        report.summary.skipped = !applied.ran_any;
    }

    fn fail(
        &mut self,
        mut report: RoundReport,
        failure: Failure,
        sink: &mut dyn EventSink,
    ) -> RoundReport {
        report.failure = Some(failure);
        report.state = StateOutcome::NotSavedFailed;
        report.summary.all_assigned_deployed = false;
        self.finish(report, sink)
    }

    fn finish(&mut self, mut report: RoundReport, sink: &mut dyn EventSink) -> RoundReport {
        summary::conclude(&mut report);
        emit(sink, || Event::RoundFinished {
            report: Box::new(report.clone()),
        });
        report
    }
}

/// Options of [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// At most this many rounds (at least 1).
    pub rounds: u32,
    /// Then run the removal.
    pub remove: bool,
}

/// Runs rounds of `deployment` until one applies nothing or `options.rounds` ran, each
/// separated by the poll wait Symphony would have (30 s after a success, 15 s after a
/// failure); then, with `options.remove`, the removal.
pub fn run(
    reconciler: &mut Reconciler,
    deployment: &DeploymentSpec,
    options: RunOptions,
    factory: &mut dyn ProviderFactory,
    sink: &mut dyn EventSink,
) -> Result<RunReport, EngineError> {
    let start = reconciler.clock();
    let mut rounds: Vec<RoundReport> = Vec::new();
    let mut verdict = RunEnd::NotConverged { rounds: 0 };
    let mut stopped = None;
    for n in 1..=options.rounds.max(1) {
        wait_for_next_round(reconciler, rounds.last(), sink);
        let report = reconciler.reconcile(deployment, false, factory, sink)?;
        if let Some(why) = report.failure.as_ref().and_then(|f| aborted(n, f)) {
            rounds.push(report);
            return Ok(RunReport {
                rounds,
                verdict: RunEnd::Aborted { rounds: n },
                removal: None,
                waited_seconds: reconciler.clock() - start,
                left_after_removal: Vec::new(),
                stopped: Some(why),
            });
        }
        verdict = round_end(n, &report, deployment.is_dry_run);
        let permanent = report
            .failure
            .as_ref()
            .filter(|f| f.is_permanent())
            .map(|f| permanently_failed(n, f));
        let done = report.converged() && !deployment.is_dry_run;
        rounds.push(report);
        if permanent.is_some() {
            stopped = permanent;
            break;
        }
        if done {
            break;
        }
    }
    let removal = if options.remove {
        Some(reconciler.reconcile(deployment, true, factory, sink)?)
    } else {
        None
    };
    let left_after_removal = match &removal {
        Some(removal) if removal.failure.is_none() && !deployment.is_dry_run => {
            reconciler.check_removed(deployment, removal, factory, sink)?
        }
        _ => Vec::new(),
    };
    Ok(RunReport {
        rounds,
        verdict,
        removal,
        waited_seconds: reconciler.clock() - start,
        left_after_removal,
        stopped,
    })
}

/// Symphony's wait before the round after `last` (none before the first): the next poll
/// after a failure, the second poll tick after a success.
fn wait_for_next_round(
    reconciler: &mut Reconciler,
    last: Option<&RoundReport>,
    sink: &mut dyn EventSink,
) {
    match last {
        None => {}
        Some(last) if last.failure.is_some() => reconciler.wait(
            POLL_INTERVAL,
            "the next poll re-publishes a failed job within 15 s",
            sink,
        ),
        Some(_) => reconciler.wait(
            NEXT_AFTER_SUCCESS,
            "the next reconcile after a success comes on the second 15 s poll tick",
            sink,
        ),
    }
}

/// Why the run stops at round `n` when its `failure` is one Symphony's process does not
/// return from (it dies, or waits for ever); `None` for a failure Symphony returns from.
fn aborted(n: u32, failure: &Failure) -> Option<String> {
    let what = match failure.in_symphony() {
        InSymphony::Returns => return None,
        InSymphony::WaitsForever => {
            "Symphony sets no deadline on a provider call, so its reconcile would wait \
             for this call for ever"
        }
        _ => {
            "in Symphony this takes the whole symphony-api process down, and every target \
             with it"
        }
    };
    Some(format!(
        "round {n}: {}; {what}; nothing after it would happen in Symphony",
        failure.describe()
    ))
}

/// How a run that ended with round `n` (which Symphony returned from) ended.
fn round_end(n: u32, report: &RoundReport, dry_run: bool) -> RunEnd {
    if report.failure.is_some() {
        RunEnd::Failed { rounds: n }
    } else if dry_run {
        // Never converges: state is not saved, so every poll applies everything again.
        RunEnd::DryRun { rounds: n }
    } else if report.converged() {
        RunEnd::Converged { rounds: n }
    } else {
        RunEnd::NotConverged { rounds: n }
    }
}

/// Why the run stops after round `n`, whose `failure` no later round can change.
fn permanently_failed(n: u32, failure: &Failure) -> String {
    if failure.outcome == FailedBy::Call(Outcome::Harness) {
        format!(
            "round {n}: the harness itself failed ({}), so the run stops",
            failure.message
        )
    } else if failure.stage == Stage::Plan {
        format!(
            "round {n} failed before any provider call; every later round would fail \
             the same way (Symphony retries on every poll) until the objects change"
        )
    } else {
        format!(
            "round {n} failed creating the provider for step {} `{}`/`{}` ({}); every \
             later round would fail the same way (Symphony retries on every poll) until \
             the objects or the library change",
            failure.step, failure.target, failure.role, failure.outcome
        )
    }
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
