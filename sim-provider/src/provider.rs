//! The simulated provider's `ITargetProvider` implementation: a well-behaved device provider,
//! plus the environmental faults and provider bugs its config asks for.
//!
//! Each `get` and `apply` begins with a short transaction on the device ([`Store::update`])
//! that counts the call, takes its seeded fault decisions (latency, transient failure,
//! slowness, drift), consumes the armed faults it matches ([`crate::faults`]) and journals all
//! of it. Then the call sleeps its latency outside the lock (and fails, panics or hangs if an
//! armed fault says so), and a second transaction does the work. When nothing makes the call
//! wait or end early (no latency, no transient failure, no armed fault that sleeps or ends it),
//! the work is done in the first transaction instead: there is nothing between the two that
//! another call could see, so one transaction gives the same device and the same journal.
//! The work reaches for a change of the device only when it makes one (storing a component as
//! it is, or a `get` with nothing hidden, changes nothing), so that a store writes the device
//! only then.
//!
//! A slow call does its work first and then takes `sim.slowMs` more, as a device that applied
//! the change but answered too late. `get_validation_rule` only reads the device (under a
//! shared lock) to see whether a fault is armed for it, and takes the lock to consume one only
//! then.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use symphony::models::{
    ComponentAction, ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec,
    DeploymentStep, PropertyDesc, State, ValidationRule,
};
use symphony::ITargetProvider;

use crate::bugs::Bug;
use crate::device::{DeviceState, Drift, JournalEntry, Op, StoredComponent};
use crate::faults::{self, End, FaultCall, Triggered};
use crate::rng;
use crate::store::Store;
use crate::SimConfig;

/// How long the `racy` bug holds its stale copy of the device before writing it back.
pub const RACE_WINDOW: Duration = Duration::from_millis(20);

/// The property the `unstable-property` bug adds to every component `get` reports.
pub const UNSTABLE_PROPERTY: &str = "observedAt";

/// One provider instance. The device's state is in its [`Store`], never in this value (except
/// under the `instance-state` bug).
#[derive(Debug)]
pub struct SimProvider {
    config: Arc<SimConfig>,
    store: Store,
    /// Only for the `instance-state` bug: what this instance applied.
    local: Mutex<BTreeMap<String, StoredComponent>>,
}

/// The fault decisions of one call, taken in its first transaction.
#[derive(Debug, Clone, Copy)]
struct CallPlan {
    call: u64,
    latency_ms: u64,
    failed: bool,
    slow: bool,
}

fn sleep_ms(ms: u64) {
    if ms > 0 {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

fn fault_call(op: Op) -> FaultCall {
    match op {
        Op::Get => FaultCall::Get,
        Op::Apply => FaultCall::Apply,
        Op::GetValidationRule => FaultCall::GetValidationRule,
    }
}

fn op_name(op: Op) -> &'static str {
    fault_call(op).name()
}

/// The rule Go uses when `get_validation_rule` fails: every field its zero value, so no
/// required type, no change detection and every flag false (unlike
/// `ValidationRule::default()`, which compares `*` and allows sidecars).
pub fn zero_rule() -> ValidationRule {
    let mut rule = ValidationRule::default();
    rule.component_validation_rule
        .change_detection_properties
        .clear();
    rule.allow_sidecar = false;
    rule.scope_isolation = false;
    rule.instance_isolation = false;
    rule
}

/// The names of the components a call is about (its references or its step).
fn names_of(steps: &[ComponentStep]) -> Vec<&str> {
    steps.iter().map(|s| s.component.name.as_str()).collect()
}

/// The failure result of a component an armed `fail-component` fault (`Some(message)`) or
/// `sim.failComponents` names, `None` if neither does.
fn component_failure(
    config: &SimConfig,
    armed: &BTreeMap<String, Option<String>>,
    name: &str,
    action: &ComponentAction,
) -> Option<ComponentResultSpec> {
    let (status, verb) = match action {
        ComponentAction::Update => (State::UpdateFailed, "update"),
        ComponentAction::Delete => (State::DeleteFailed, "delete"),
    };
    let message = match armed.get(name) {
        Some(Some(message)) => message.clone(),
        Some(None) => format!("sim fault: `{name}` failed to {verb} (armed fault)"),
        None if config.fail_components.contains(name) => {
            format!("sim fault: `{name}` failed to {verb} (sim.failComponents)")
        }
        None => return None,
    };
    Some(result(status, message))
}

/// A new value for a drifting property: numbers count up, strings get a suffix.
fn drifted(old: Option<&Value>, call: u64) -> Value {
    match old {
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i.wrapping_add(1)),
            (None, Some(f)) => Value::from(f + 1.0),
            (None, None) => Value::from(format!("drift-{call}")),
        },
        Some(Value::String(s)) => Value::from(format!("{s}-drift-{call}")),
        _ => Value::from(format!("drift-{call}")),
    }
}

fn map_strings(value: &mut Value, f: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|item| map_strings(item, f)),
        Value::Object(map) => map.values_mut().for_each(|item| map_strings(item, f)),
        _ => {}
    }
}

fn stringify_numbers(value: &mut Value) {
    match value {
        Value::Number(n) => *value = Value::String(n.to_string()),
        Value::Array(items) => items.iter_mut().for_each(stringify_numbers),
        Value::Object(map) => map.values_mut().for_each(stringify_numbers),
        _ => {}
    }
}

fn result(status: State, message: impl Into<String>) -> ComponentResultSpec {
    ComponentResultSpec {
        status,
        message: message.into(),
    }
}

impl SimProvider {
    /// A provider for the device named in `config`.
    pub fn new(config: Arc<SimConfig>) -> SimProvider {
        let store = Store::new(&config.store, &config.device);
        SimProvider {
            config,
            store,
            local: Mutex::new(BTreeMap::new()),
        }
    }

    fn has(&self, bug: Bug) -> bool {
        self.config.has(bug)
    }

    fn device_error(&self, err: impl std::fmt::Display) -> String {
        format!("sim device `{}`: {err}", self.config.device)
    }

    /// Counts the call, takes its seeded fault decisions, drifts the device if it must,
    /// consumes the armed faults that match the call on `components`, and journals all of it.
    /// Then sleeps the latency, enacts the armed faults that end the call, and returns the
    /// transient failure, if any.
    ///
    /// When nothing makes the call wait or end before its work (no latency, no transient
    /// failure, no armed fault that sleeps or ends it), `work` runs in the same transaction:
    /// one transaction on the device instead of two. Returns `Some` of what `work` returned if
    /// it ran; the caller does the work itself otherwise (a second transaction, or the work of
    /// a bug that keeps its components elsewhere).
    fn begin<T>(
        &self,
        op: Op,
        components: &[&str],
        work: impl FnOnce(&mut DeviceState, &Triggered) -> T,
    ) -> Result<(CallPlan, Triggered, Option<T>), String> {
        let config = &self.config;
        let (plan, triggered, done) = self
            .store
            .update(|state| {
                let (plan, triggered) = self.decide(state, op, components);
                let at_once = plan.latency_ms == 0
                    && !plan.failed
                    && triggered.latency_ms == 0
                    && triggered.end.is_none();
                let done = at_once.then(|| work(state, &triggered));
                (plan, triggered, done)
            })
            .map_err(|err| self.device_error(err))?;
        sleep_ms(plan.latency_ms);
        self.enact(op, &triggered)?;
        if plan.failed {
            return Err(format!(
                "sim fault: transient failure of {} call {} on device `{}` (sim.failRate {}, \
                 sim.seed {}); nothing was changed",
                op_name(op),
                plan.call,
                config.device,
                config.fail_rate,
                config.seed
            ));
        }
        Ok((plan, triggered, done))
    }

    /// Sleeps a consumed `latency` fault, then ends the call as a consumed `fail`, `panic` or
    /// `hang` fault says. It runs after the call's first transaction, outside the lock: a call
    /// that panics or hangs leaves its device counted, journaled and unlocked.
    fn enact(&self, op: Op, triggered: &Triggered) -> Result<(), String> {
        sleep_ms(triggered.latency_ms);
        match &triggered.end {
            None => Ok(()),
            Some(End::Fail(message)) => Err(message.clone()),
            Some(End::Panic(message)) => {
                #[allow(clippy::panic, reason = "an armed `panic` fault, on purpose")]
                {
                    panic!("{message}");
                    // The transcript snapshot `panic-mid-apply` shows where this panics
                    // (provider.rs:237:21): moving the line changes that snapshot.
                }
            }
            Some(End::Hang(message)) => {
                eprintln!(
                    "symphony-sim-provider: fault `hang`: {} on device `{}` never returns: \
                     {message}",
                    op_name(op),
                    self.config.device
                );
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
        }
    }

    /// The decisions of [`SimProvider::begin`], taken on the device in its transaction.
    fn decide(
        &self,
        state: &mut DeviceState,
        op: Op,
        components: &[&str],
    ) -> (CallPlan, Triggered) {
        let config = &self.config;
        state.calls += 1;
        let call = state.calls;
        let seed = config.seed;
        let (low, high) = config.latency_ms;
        let plan = CallPlan {
            call,
            latency_ms: rng::between(seed, call, "latency", low, high),
            failed: rng::chance(seed, call, "fail", config.fail_rate),
            slow: rng::chance(seed, call, "slow", config.slow_rate),
        };
        let drift = if op == Op::Get && rng::chance(seed, call, "drift", config.drift_rate) {
            self.drift(state, call)
        } else {
            None
        };
        let triggered = if faults::armed_for(state.faults(), fault_call(op), components) {
            faults::consume(state.faults_mut(), fault_call(op), components)
        } else {
            Triggered::default()
        };
        state.record(JournalEntry {
            call,
            op,
            latency_ms: plan.latency_ms,
            failed: plan.failed,
            slow: plan.slow,
            drift,
            faults: triggered.labels.clone(),
        });
        (plan, triggered)
    }

    /// Consumes the armed faults for `get_validation_rule` and enacts them; the device is
    /// locked for writing only when one is armed.
    fn rule_faults(&self) -> Result<Triggered, String> {
        let armed = self
            .store
            .peek(|state| faults::armed_for(state.faults(), FaultCall::GetValidationRule, &[]))
            .map_err(|err| self.device_error(err))?;
        if !armed {
            return Ok(Triggered::default());
        }
        let triggered = self
            .store
            .update(|state| {
                let triggered =
                    faults::consume(state.faults_mut(), FaultCall::GetValidationRule, &[]);
                if !triggered.labels.is_empty() {
                    state.record(JournalEntry {
                        call: state.calls,
                        op: Op::GetValidationRule,
                        latency_ms: 0,
                        failed: false,
                        slow: false,
                        drift: None,
                        faults: triggered.labels.clone(),
                    });
                }
                triggered
            })
            .map_err(|err| self.device_error(err))?;
        self.enact(Op::GetValidationRule, &triggered)?;
        Ok(triggered)
    }

    /// Changes one property of one stored component (seeded picks), behind the provider's back.
    fn drift(&self, state: &mut DeviceState, call: u64) -> Option<Drift> {
        let seed = self.config.seed;
        let components = state.components();
        let last = u64::try_from(components.len()).ok()?.checked_sub(1)?;
        let index = usize::try_from(rng::between(seed, call, "drift-component", 0, last)).ok()?;
        let name = components.keys().nth(index)?.clone();
        let spec = &mut state.components_mut().get_mut(&name)?.spec;
        let properties = spec.properties.get_or_insert_with(HashMap::new);
        let property = match &self.config.drift_property {
            Some(property) => property.clone(),
            None => {
                let mut keys: Vec<&String> = properties.keys().collect();
                keys.sort();
                let last = u64::try_from(keys.len()).ok()?.checked_sub(1)?;
                let index =
                    usize::try_from(rng::between(seed, call, "drift-property", 0, last)).ok()?;
                (*keys.get(index)?).clone()
            }
        };
        let from = properties.get(&property).cloned();
        let to = drifted(from.as_ref(), call);
        properties.insert(property.clone(), to.clone());
        Some(Drift {
            component: name,
            property,
            from: from.unwrap_or(Value::Null),
            to,
        })
    }

    fn finish(&self, plan: CallPlan) {
        if plan.slow {
            sleep_ms(self.config.slow_ms);
        }
    }

    /// Checks the update components of a step against this provider's rule.
    fn validate(&self, step: &DeploymentStep) -> Result<(), String> {
        let mut problems = Vec::new();
        for component_step in &step.components {
            if component_step.action != ComponentAction::Update {
                continue;
            }
            let component = &component_step.component;
            let found_type = component.component_type.as_deref().unwrap_or("");
            let wanted_type = &self.config.component_type;
            if !wanted_type.is_empty() && found_type != wanted_type {
                problems.push(format!(
                    "component `{}` has type `{found_type}`, expected `{wanted_type}` \
                     (sim.componentType)",
                    component.name
                ));
            }
            for required in &self.config.required_properties {
                let present = component
                    .properties
                    .as_ref()
                    .is_some_and(|properties| properties.contains_key(required));
                if !present {
                    problems.push(format!(
                        "component `{}` misses required property `{required}` \
                         (sim.requiredProperties)",
                        component.name
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "validation failed on device `{}`: {}; nothing was changed",
                self.config.device,
                problems.join("; ")
            ))
        }
    }

    /// Carries out a step on `components`; one result per component, in step order. The
    /// components `failing` (armed `fail-component` faults) or `sim.failComponents` names
    /// fail and are left as they are. A component stored as it already is, or a delete of one
    /// that is not there, changes nothing.
    fn apply_to(
        &self,
        components: &mut impl Components,
        step: DeploymentStep,
        failing: &BTreeMap<String, Option<String>>,
    ) -> Vec<(String, ComponentResultSpec)> {
        let config = &self.config;
        let mut results = Vec::new();
        for component_step in step.components {
            let name = component_step.component.name.clone();
            let action = &component_step.action;
            let outcome = match (component_failure(config, failing, &name, action), action) {
                (Some(failure), _) => failure,
                (None, ComponentAction::Update) => {
                    let held = components.held();
                    let full = config
                        .capacity
                        .is_some_and(|cap| !held.contains_key(&name) && held.len() >= cap);
                    if full {
                        result(
                            State::UpdateFailed,
                            format!(
                                "device `{}` is full: it holds {} of at most {} components \
                                 (sim.capacity)",
                                config.device,
                                held.len(),
                                config.capacity.unwrap_or_default()
                            ),
                        )
                    } else {
                        self.store_one(components, component_step.component);
                        result(State::Updated, "")
                    }
                }
                (None, ComponentAction::Delete) => {
                    if !self.has(Bug::IgnoreDelete) && components.held().contains_key(&name) {
                        components.change().remove(&name);
                    }
                    result(State::Deleted, "")
                }
            };
            results.push((name, outcome));
        }
        results
    }

    /// Stores `spec` (after the `drop-property` bug), unless it is stored so already.
    fn store_one(&self, components: &mut impl Components, mut spec: ComponentSpec) {
        if self.has(Bug::DropProperty) {
            if let Some(properties) = spec.properties.as_mut() {
                if let Some(last) = properties.keys().max().cloned() {
                    properties.remove(&last);
                }
            }
        }
        let stored = StoredComponent {
            spec,
            hidden_for_gets: self.config.visible_after_gets,
        };
        let same = components
            .held()
            .get(&stored.spec.name)
            .is_some_and(|old| old.same_as(&stored));
        if !same {
            components.change().insert(stored.spec.name.clone(), stored);
        }
    }

    /// The results as reported, after the reporting bugs.
    fn report(
        &self,
        mut results: Vec<(String, ComponentResultSpec)>,
    ) -> HashMap<String, ComponentResultSpec> {
        if self.has(Bug::StatusLies) {
            for (_, outcome) in &mut results {
                let lie = match outcome.status {
                    State::UpdateFailed => Some(State::Updated),
                    State::DeleteFailed => Some(State::Deleted),
                    _ => None,
                };
                if let Some(status) = lie {
                    *outcome = result(status, "");
                }
            }
        }
        if self.has(Bug::IncompleteResults) {
            results.pop();
        }
        results.into_iter().collect()
    }

    /// The stored components a `get` reports: the referenced ones that are visible (each
    /// asking `get` uncovers a hidden one by one step), plus, under `extra-components`, every
    /// other visible component.
    fn read_components(
        &self,
        components: &mut impl Components,
        references: &[ComponentStep],
    ) -> Vec<ComponentSpec> {
        let mut found = Vec::new();
        for reference in references {
            let name = &reference.component.name;
            match components.held().get(name) {
                None => {}
                Some(stored) if stored.hidden_for_gets == 0 => found.push(stored.spec.clone()),
                Some(_) => {
                    if let Some(stored) = components.change().get_mut(name) {
                        stored.hidden_for_gets -= 1;
                    }
                }
            }
        }
        let components = components.held();
        if self.has(Bug::ExtraComponents) {
            let referenced: HashSet<&str> = references
                .iter()
                .map(|r| r.component.name.as_str())
                .collect();
            for (name, stored) in components.iter() {
                if !referenced.contains(name.as_str()) && stored.hidden_for_gets == 0 {
                    found.push(stored.spec.clone());
                }
            }
        }
        found
    }

    /// Applies the reporting bugs of `get` to what it found.
    fn misreport(&self, components: &mut [ComponentSpec], call: u64) {
        for component in components {
            if self.has(Bug::WrongType) {
                component.component_type = Some(match component.component_type.as_deref() {
                    Some(found) if !found.is_empty() => format!("{found}-wrong"),
                    _ => "wrong".to_string(),
                });
            }
            if let Some(properties) = component.properties.as_mut() {
                if self.has(Bug::StringifyNumbers) {
                    properties.values_mut().for_each(stringify_numbers);
                }
                if self.has(Bug::CaseChange) {
                    properties
                        .values_mut()
                        .for_each(|value| map_strings(value, &|s: &str| s.to_uppercase()));
                }
            }
            if self.has(Bug::UnstableProperty) {
                component
                    .properties
                    .get_or_insert_with(HashMap::new)
                    .insert(UNSTABLE_PROPERTY.to_string(), Value::from(call));
            }
        }
    }

    /// The work of an `apply` that its first transaction did not do: validation, then the
    /// dry run, the `instance-state` or `racy` bug, or a transaction of its own.
    fn apply_later(
        &self,
        step: DeploymentStep,
        failing: &BTreeMap<String, Option<String>>,
        dry: bool,
    ) -> Result<Vec<(String, ComponentResultSpec)>, String> {
        self.validate(&step)?;
        let results = if dry {
            // An armed `fail-component` fault shows in a dry run too (`sim.failComponents`
            // does not: it models the device, which a dry run does not reach).
            step.components
                .iter()
                .map(|c| {
                    let name = c.component.name.clone();
                    let outcome = failing
                        .contains_key(&name)
                        .then(|| component_failure(&self.config, failing, &name, &c.action))
                        .flatten()
                        .unwrap_or_else(|| result(State::OK, "dry run: valid; nothing changed"));
                    (name, outcome)
                })
                .collect()
        } else if self.has(Bug::InstanceState) {
            self.apply_to(&mut *self.local(), step, failing)
        } else if self.has(Bug::Racy) {
            // Read, work on a copy outside the lock, write the whole copy back: a concurrent
            // apply's changes made in between are overwritten.
            let mut components = self
                .store
                .read()
                .map_err(|err| self.device_error(err))?
                .into_components();
            std::thread::sleep(RACE_WINDOW);
            let results = self.apply_to(&mut components, step, failing);
            self.store
                .update(|state| *state.components_mut() = components)
                .map_err(|err| self.device_error(err))?;
            results
        } else {
            self.store
                .update(|state| self.apply_to(state, step, failing))
                .map_err(|err| self.device_error(err))?
        };
        Ok(results)
    }

    fn local(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, StoredComponent>> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ITargetProvider for SimProvider {
    fn get_validation_rule(&self) -> Result<ValidationRule, String> {
        let config = &self.config;
        config.print("get_validation_rule");
        if self.rule_faults()?.zero_rule {
            return Ok(zero_rule());
        }
        let mut rule = ValidationRule {
            required_component_type: config.component_type.clone(),
            ..ValidationRule::default()
        };
        let component_rule = &mut rule.component_validation_rule;
        component_rule.required_component_type = config.component_type.clone();
        component_rule.required_properties = config.required_properties.clone();
        if let Some(detection) = &config.change_detection {
            component_rule.change_detection_properties = detection
                .iter()
                .map(|d| PropertyDesc {
                    name: d.name.clone(),
                    ignore_case: d.ignore_case,
                    skip_if_missing: d.skip_if_missing,
                    prefix_match: d.prefix_match,
                    is_component_name: d.is_component_name,
                })
                .collect();
        }
        Ok(rule)
    }

    fn get(
        &self,
        _deployment: DeploymentSpec,
        references: Vec<ComponentStep>,
    ) -> Result<Vec<ComponentSpec>, String> {
        self.config.print("get");
        if self.has(Bug::PanicOnGet) {
            #[allow(clippy::panic, reason = "the `panic-on-get` bug, on purpose")]
            {
                panic!("sim bug panic-on-get: device `{}`", self.config.device);
            }
        }
        let on_device = !self.has(Bug::LyingGet) && !self.has(Bug::InstanceState);
        let (plan, triggered, read) = self.begin(Op::Get, &names_of(&references), |state, _| {
            on_device.then(|| self.read_components(state, &references))
        })?;
        let mut components: Vec<ComponentSpec> = if let Some(found) = read.flatten() {
            found
        } else if self.has(Bug::LyingGet) {
            references.iter().map(|r| r.component.clone()).collect()
        } else if self.has(Bug::InstanceState) {
            self.read_components(&mut *self.local(), &references)
        } else {
            self.store
                .update(|state| self.read_components(state, &references))
                .map_err(|err| self.device_error(err))?
        };
        components.retain(|component| !triggered.omit.contains(&component.name));
        self.misreport(&mut components, plan.call);
        self.finish(plan);
        Ok(components)
    }

    fn apply(
        &self,
        _deployment: DeploymentSpec,
        step: DeploymentStep,
        is_dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        self.config.print("apply");
        if self.has(Bug::PanicOnApply) {
            #[allow(clippy::panic, reason = "the `panic-on-apply` bug, on purpose")]
            {
                panic!("sim bug panic-on-apply: device `{}`", self.config.device);
            }
        }
        if self.has(Bug::HangOnApply) {
            eprintln!(
                "symphony-sim-provider: bug `hang-on-apply`: apply on device `{}` never returns",
                self.config.device
            );
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        if self.has(Bug::EmptyError) {
            return Err(String::new());
        }
        let dry = is_dry_run && !self.has(Bug::DryRunMutates);
        let on_device = !dry && !self.has(Bug::InstanceState) && !self.has(Bug::Racy);
        // The names are owned: the step itself moves into the device when the work is done at
        // once (its components are stored, not copied).
        let names: Vec<String> = step
            .components
            .iter()
            .map(|c| c.component.name.clone())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut step = Some(step);
        let (plan, triggered, applied) = self.begin(Op::Apply, &names, |state, triggered| {
            if !on_device {
                return None;
            }
            let step = step.take()?;
            Some(
                self.validate(&step)
                    .map(|()| self.apply_to(state, step, &triggered.fail_components)),
            )
        })?;
        let failing = &triggered.fail_components;
        let results = match (applied.flatten(), step) {
            (Some(results), _) => results?,
            (None, Some(step)) => self.apply_later(step, failing, dry)?,
            (None, None) => {
                return Err(format!(
                    "sim device `{}`: the step was neither applied nor kept",
                    self.config.device
                ))
            }
        };
        self.finish(plan);
        Ok(self.report(results))
    }
}

/// The components a call works on: the device's, through its change tracking, or a map the
/// provider holds itself (the `instance-state` bug's, the `racy` bug's copy). A call reaches
/// for a change only when it makes one, so a store writes the device only then.
trait Components {
    /// The components, to read.
    fn held(&self) -> &BTreeMap<String, StoredComponent>;
    /// The components, to change.
    fn change(&mut self) -> &mut BTreeMap<String, StoredComponent>;
}

impl Components for BTreeMap<String, StoredComponent> {
    fn held(&self) -> &BTreeMap<String, StoredComponent> {
        self
    }

    fn change(&mut self) -> &mut BTreeMap<String, StoredComponent> {
        self
    }
}

impl Components for DeviceState {
    fn held(&self) -> &BTreeMap<String, StoredComponent> {
        self.components()
    }

    fn change(&mut self) -> &mut BTreeMap<String, StoredComponent> {
        self.components_mut()
    }
}
