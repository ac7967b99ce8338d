//! A scenario, resolved: what [`super::parse`] makes of a scenario file and what the runner
//! ([`super::run`]) plays. Every object is parsed, every path resolved; nothing here reads a
//! file.
//!
//! The file format (`docs/scenarios.md`, `docs/schemas/scenario.v1.json`) is the same shape
//! with objects inline or by path; [`Scenario::to_file_json`] writes a resolved scenario back
//! as a self-contained file (objects inline), so a generated or failing history can be
//! replayed with `run`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::engine::objects::Objects;
use crate::engine::reconcile::StoredState;
use crate::load::{DeviceEdit, Fault};
use crate::model::ComponentSpec;

/// The `format` a scenario file may name in `$schema`; the schema's file name.
pub const SCHEMA_FILE: &str = "scenario.v1.json";

/// A scenario: a provider, the objects Symphony holds, and the history to play.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The scenario's name: its file name without `.json` (snapshots are named after it).
    pub name: String,
    /// The file it was read from (messages name it).
    pub path: PathBuf,
    /// One line: what Symphony behaviour it pins.
    pub description: String,
    /// The seed of every random decision (the simulated provider's `sim.seed`).
    pub seed: u64,
    /// Which provider runs, and how.
    pub provider: ProviderSpec,
    /// The objects at the start, as Symphony's API stores them.
    pub objects: Objects,
    /// The state Symphony had saved before the scenario starts, if any.
    pub stored: Option<StoredStart>,
    /// The history.
    pub steps: Vec<Step>,
}

/// Which provider the scenario's bindings load, and how it runs.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProviderSpec {
    /// The provider library; absent: the bundled simulated provider. A relative path starts
    /// from the scenario file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<PathBuf>,
    /// The `libHash` every binding gets: a SHA-256 in hex, or `any` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Keys added to every binding's `config` (the simulated provider's `sim.*` keys, or what
    /// a real provider needs); they replace keys of the same name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
    /// The Symphony release whose JSON the provider receives.
    #[serde(default)]
    pub symphony: SymphonyRelease,
    /// How long provider instances live.
    #[serde(default)]
    pub instances: Instances,
    /// Which host code calls the provider.
    #[serde(default)]
    pub host: Host,
    /// Where providers run.
    #[serde(default)]
    pub isolation: Isolation,
    /// Where Symphony keeps its stored state, which decides what a restart or a crash of
    /// Symphony loses.
    #[serde(default)]
    pub state_store: StateStore,
}

/// `provider.stateStore`: the state provider of Symphony's solution-version manager.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StateStore {
    /// In memory (`providers.state.memory`, the standalone `symphony-api-no-k8s.json`): a
    /// restart or a crash of Symphony loses the stored state.
    #[default]
    Memory,
    /// Kept outside the process (Redis in the Helm chart's `symphony-api.json`): a restart
    /// or a crash keeps it.
    Persistent,
}

/// `provider.symphony`.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SymphonyRelease {
    /// Symphony 0.48 (`solution*` names).
    #[serde(rename = "0.48")]
    V048,
    /// Symphony 0.49 (`solutionversion*` names).
    #[default]
    #[serde(rename = "0.49")]
    V049,
}

impl SymphonyRelease {
    /// The release as written in scenario files and `--symphony`: `0.48`, `0.49`.
    pub fn as_str(self) -> &'static str {
        match self {
            SymphonyRelease::V048 => "0.48",
            SymphonyRelease::V049 => "0.49",
        }
    }
}

/// `provider.instances`.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Instances {
    /// A new provider for every call, as Symphony makes them.
    #[default]
    Symphony,
    /// One provider per binding config, reused (needs a worker).
    Reuse,
}

/// `provider.host`.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Host {
    /// The harness's loader.
    #[default]
    Harness,
    /// The `symphony` crate's own host functions.
    Symphony,
}

/// `provider.isolation`.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// A supervised worker process (a panic is caught and classified).
    #[default]
    Worker,
    /// This process (a panic ends the run).
    InProcess,
}

/// The stored state a scenario starts from.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredStart {
    /// Symphony's own shape (`spec` and `state`), as copied from a live Symphony.
    Symphony(StoredState),
    /// What a successful reconcile of `objects` (the scenario's own when absent) would have
    /// saved, keeping only `components` (all when absent).
    Deployed {
        /// The objects that were reconciled.
        objects: Option<Box<Objects>>,
        /// The components that were deployed.
        components: Option<Vec<String>>,
    },
}

/// One step of the history, with what must hold after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The line of the scenario file the step starts on.
    pub line: usize,
    /// Free text shown in reports.
    pub note: Option<String>,
    /// What the step does.
    pub action: Action,
    /// The target whose device a device or fault step addresses (optional with one target).
    pub on: Option<String>,
    /// What must hold after it.
    pub expect: Expect,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Reconcile rounds.
    Reconcile(ReconcileStep),
    /// The removal (the instance, or the lone target, deleted).
    Remove,
    /// Replace the desired objects.
    SetObjects(Box<Objects>),
    /// Add a component to the desired state.
    AddComponent(Box<ComponentSpec>),
    /// Change a desired component.
    ChangeComponent(ComponentChange),
    /// Remove a component from the desired state.
    RemoveComponent(String),
    /// Change the device behind the provider's back.
    Device(DeviceEdit),
    /// Arm a fault for the next calls.
    Fault(Fault),
    /// Disarm every fault left.
    ClearFaults,
    /// Stop every worker process; the next call starts a new one (and a new provider
    /// instance).
    RestartWorker,
    /// Symphony restarts: with `provider.stateStore` `memory` (the default) its stored state
    /// is gone, so the next round has no previous state and applies every step again; with
    /// `persistent` it is kept. Rounds and the clock go on.
    RestartSymphony,
}

impl Action {
    /// The step's key in the file (`reconcile`, `remove`, …).
    pub fn key(&self) -> &'static str {
        match self {
            Action::Reconcile(_) => "reconcile",
            Action::Remove => "remove",
            Action::SetObjects(_) => "setObjects",
            Action::AddComponent(_) => "addComponent",
            Action::ChangeComponent(_) => "changeComponent",
            Action::RemoveComponent(_) => "removeComponent",
            Action::Device(_) => "device",
            Action::Fault(_) => "fault",
            Action::ClearFaults => "clearFaults",
            Action::RestartWorker => "restartWorker",
            Action::RestartSymphony => "restartSymphony",
        }
    }
}

/// `reconcile`: how many rounds.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReconcileStep {
    /// Exactly this many rounds (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u32>,
    /// Rounds until one applies nothing, at most this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_converged: Option<u32>,
    /// Rounds with `isDryRun` set on the deployment (state is never saved).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    /// Reconcile's `targetName`: only this target's steps are reconciled (the stored state is
    /// saved whole, as Symphony saves it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
}

impl ReconcileStep {
    /// The most rounds the step runs.
    pub fn max_rounds(&self) -> u32 {
        self.until_converged.or(self.rounds).unwrap_or(1).max(1)
    }
}

/// `changeComponent`: a desired component's new fields.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentChange {
    /// The component.
    pub name: String,
    /// Properties to set; a `null` value removes the property.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Value>,
    /// A new type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub component_type: Option<String>,
    /// New dependencies (replacing the old).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<String>>,
}

/// What must hold after a step. Absent fields are not checked. Round facts are about the
/// step's last round.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    /// How many rounds the step ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<u32>,
    /// Whether the last round succeeded and applied nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converged: Option<bool>,
    /// Some round of the step applied nothing, at most this many rounds in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converged_within: Option<u32>,
    /// The last round still changed this component, for this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub never_converges: Option<NeverConverges>,
    /// The components the last round's applied steps updated, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Vec<String>>,
    /// The components the last round's applied steps deleted, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletes: Option<Vec<String>>,
    /// The components of the last round's skipped steps, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skips: Option<Vec<String>>,
    /// Why a component's step was applied, by the reason's kind (`no-previous-state`,
    /// `changed`, `not-reported-by-get`, `delete-of-reported-only`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<BTreeMap<String, String>>,
    /// The last round's `get` and `apply` calls, in order: Symphony's calls only (not
    /// `create_provider`, `get_validation_rule`, nor the harness's own `get` after a removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<Vec<CallExpect>>,
    /// How the last round ended: `ok`, `symphony`, or the failing call's outcome (`error`,
    /// `panic`, `timeout`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The last round's failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureExpect>,
    /// Entries of the last round's `apply` result maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<BTreeMap<String, ResultExpect>>,
    /// The device's true state after the step: exactly these components (with these
    /// properties, where given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<BTreeMap<String, DeviceComponentExpect>>,
    /// The stored state after the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<StoredExpect>,
    /// The components `get` still reported after a removal that said it deleted them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_after_removal: Option<Vec<String>>,
    /// Every provider call of the step ended `ok` or as an error that says why: no panic,
    /// abort, signal or timeout, and no empty error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_calls: Option<bool>,
    /// Every `apply` of the step returned a result for each component of its step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_complete: Option<bool>,
    /// What the last round's applies reported `Updated` is on the device exactly as sent
    /// (type and properties); what they reported `Deleted` is gone from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_on_device: Option<bool>,
    /// After the step the device holds every desired component, its properties equal to the
    /// desired ones under the provider's validation rule as Symphony compares them (the rule
    /// the provider last returned; none yet: only presence counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_as_desired: Option<bool>,
    /// The device is the same after the step as before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_unchanged: Option<bool>,
    /// Every `get` of the step reported only components it was asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports_only_referenced: Option<bool>,
    /// Symphony's summary of the last round (`SummarySpec`), the fields given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SummaryExpect>,
}

/// `summary`: the fields of Symphony's summary to compare, each exactly (absent: not
/// compared).
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SummaryExpect {
    /// `targetCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_count: Option<usize>,
    /// `successCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_count: Option<usize>,
    /// `plannedDeployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_deployment: Option<usize>,
    /// `currentDeployed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_deployed: Option<usize>,
    /// `allAssignedDeployed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_assigned_deployed: Option<bool>,
    /// `skipped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<bool>,
    /// `isRemoval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_removal: Option<bool>,
    /// `message` (`""`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `targets`: exactly these targets have a result, each with the fields given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<BTreeMap<String, TargetResultExpect>>,
}

/// One target's result in `summary.targets`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetResultExpect {
    /// `status`: `OK`, `Target Update Failed`, `Target Delete Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `message`, exactly (`""`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `components`: exactly these components have a result, each with the fields given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<BTreeMap<String, ResultExpect>>,
}

impl Expect {
    /// True when nothing is expected.
    pub fn is_empty(&self) -> bool {
        *self == Expect::default()
    }
}

/// `neverConverges`: the component the last round applied, and optionally the deciding rule
/// entry and key.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NeverConverges {
    /// The component.
    pub component: String,
    /// The deciding rule entry's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The property key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One expected call.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CallExpect {
    /// `get` or `apply`.
    pub call: String,
    /// The step's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The components sent, in order; a delete is written `name (delete)`, as in transcripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
    /// The `is_dry_run` argument of an `apply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The call's outcome (`ok`, `error`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// `failure`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FailureExpect {
    /// `plan`, `create-provider`, `get`, `apply` or `symphony-panic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Text the message holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_contains: Option<String>,
    /// Whether the device may or may not have changed (an `apply` whose process died).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indeterminate: Option<bool>,
}

/// One `results` entry.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResultExpect {
    /// The status code (`8004` updated, `8005` deleted, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Text the message holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_contains: Option<String>,
}

/// One component expected on the device.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceComponentExpect {
    /// Its properties, exactly (absent: not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, Value>>,
}

/// `stored`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StoredExpect {
    /// What the last round did with it: `saved`, `dropped`, `not-saved-dry-run`,
    /// `not-saved-failed`, `untouched`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The stored state's components (none: there is no stored state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

/// The file form of `objects` (inline).
fn objects_json(objects: &Objects) -> Value {
    let mut out = serde_json::Map::new();
    match objects.targets.as_slice() {
        [one] => {
            out.insert("target".into(), json!(one));
        }
        many => {
            out.insert("targets".into(), json!(many));
        }
    }
    if let Some((solution, instance)) = &objects.solution_and_instance {
        out.insert("solution".into(), json!(solution));
        out.insert("instance".into(), json!(instance));
    }
    Value::Object(out)
}

impl Scenario {
    /// The scenario as a self-contained scenario file (objects inline, the library path
    /// absolute): what a reproduction bundle and `explore` write.
    pub fn to_file_json(&self) -> Value {
        let mut file = serde_json::Map::new();
        file.insert("description".into(), json!(self.description));
        if self.seed != 0 {
            file.insert("seed".into(), json!(self.seed));
        }
        file.insert("provider".into(), json!(self.provider));
        file.insert("objects".into(), objects_json(&self.objects));
        match &self.stored {
            None => {}
            Some(StoredStart::Symphony(state)) => {
                file.insert("stored".into(), json!(state));
            }
            Some(StoredStart::Deployed {
                objects,
                components,
            }) => {
                let mut stored = serde_json::Map::new();
                if let Some(objects) = objects {
                    stored.insert("objects".into(), objects_json(objects));
                }
                if let Some(components) = components {
                    stored.insert("deployed".into(), json!(components));
                }
                file.insert("stored".into(), Value::Object(stored));
            }
        }
        let steps: Vec<Value> = self.steps.iter().map(Step::to_file_json).collect();
        file.insert("steps".into(), Value::Array(steps));
        Value::Object(file)
    }
}

impl Step {
    /// The step as it is written in a scenario file.
    pub fn to_file_json(&self) -> Value {
        let mut step = serde_json::Map::new();
        if let Some(note) = &self.note {
            step.insert("note".into(), json!(note));
        }
        let action = match &self.action {
            Action::Reconcile(reconcile) => json!(reconcile),
            Action::Remove => json!({}),
            Action::SetObjects(objects) => objects_json(objects),
            Action::AddComponent(component) => json!(component),
            Action::ChangeComponent(change) => json!(change),
            Action::RemoveComponent(name) => json!(name),
            Action::Device(edit) => json!(edit),
            Action::Fault(fault) => json!(fault),
            Action::ClearFaults | Action::RestartWorker | Action::RestartSymphony => json!(true),
        };
        step.insert(self.action.key().into(), action);
        if let Some(on) = &self.on {
            step.insert("on".into(), json!(on));
        }
        if !self.expect.is_empty() {
            step.insert("expect".into(), json!(self.expect));
        }
        Value::Object(step)
    }
}
