//! A provider running in this process, called the way Symphony's Rust host calls it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use symphony::models as host;
use symphony::ITargetProvider;

use super::{capture, LoadError, LoadedLibrary, MarshalledConfig};
use crate::engine::{CallError, CallOutput, Provider};
use crate::model::{
    wire, BindingConfig, CallDeployment, CallPart, ComponentResult, ComponentSpec, ComponentStep,
    DeploymentStep, RoundHandle, Symphony, ValidationRule,
};

/// A provider instance in this process: fast, but a panic in it ends the process.
///
/// Inputs are converted to the `symphony` 0.1.5 models through JSON, as the host shim does with
/// Go's JSON; an input the shim would abort on is reported as [`CallError::HostWouldAbort`].
///
/// Both wire generations are accepted: a deployment in Symphony 0.48's names (`solutionName`,
/// `solution`) is what a 0.1.4 host parses, and 0.1.4 and 0.1.5 differ only in those field
/// names, not in the layouts the provider sees (`docs/abi.md`). So such a
/// deployment is translated to the 0.49 names ([`wire::to_049`]) and parsed with the 0.1.5
/// models, which gives the provider exactly the values a 0.1.4 host would.
///
/// It also adapts a provider compiled into this process ([`InProcessProvider::compiled_in`],
/// for [`super::TypeFactory`]): no library, and a panic in it is caught and reported as
/// [`CallError::Panic`] (one `std`, so unwinding out of it is sound).
pub struct InProcessProvider {
    // Field order matters: the provider is dropped before the library reference.
    inner: Box<dyn ITargetProvider>,
    /// The library it came from (`None`: compiled into this process).
    library: Option<Arc<LoadedLibrary>>,
    arguments: Option<Arc<Mutex<HostArguments>>>,
    /// Capture what it prints ([`InProcessProvider::capture_output`]).
    capture: bool,
    /// What the provider printed during its last call (see [`capture`]).
    output: CallOutput,
}

/// The host models' parse of recent `get` references and `apply` steps, and of the round's
/// deployment document and its calls' own parts. Symphony sends the same ones round after
/// round, and their conversion (marshalled, then parsed by the shim) is a function of them
/// alone, so the providers of one factory share it.
///
/// References and steps are kept by value (compared whole; their components are shared, so a
/// key costs little); the round document by its [`RoundHandle`] and a call's own part by its
/// `Arc`, both held here, so an entry is only ever served for the very document it was parsed
/// from. Errors are not kept.
///
/// Only small arguments are kept: a kept parse stays alive beside the copy each call is given
/// (Symphony's API takes them by value), so a large deployment ([`KEPT_DOCUMENT_BYTES`]) or a
/// long step ([`KEPT_COMPONENTS`]) is parsed for each call instead, and a call has at most one
/// host-side copy of it. Parsing costs about what the call's own copy would.
#[derive(Default)]
pub struct HostArguments {
    references: Vec<(Vec<ComponentStep>, Vec<host::ComponentStep>)>,
    steps: Vec<(DeploymentStep, host::DeploymentStep)>,
    /// The last round document, parsed.
    round: Option<(RoundHandle, host::DeploymentSpec)>,
    /// The instances of that round's calls' own parts, parsed (cleared with a new round).
    instances: Vec<(Arc<CallPart>, host::InstanceState)>,
}

/// How many calls' own parts [`HostArguments`] keeps per round (one per target and phase,
/// about).
const INSTANCES_KEPT: usize = 32;

/// The largest round document (JSON text) whose parse [`HostArguments`] keeps.
pub const KEPT_DOCUMENT_BYTES: usize = 1 << 20;

/// The most components of references or a step whose parse [`HostArguments`] keeps.
pub const KEPT_COMPONENTS: usize = 256;

impl HostArguments {
    /// The call's deployment in the host's models, as the shim would parse its whole JSON:
    /// the round's shared document and the call's own instance are each parsed once (while
    /// this holds them), then copied.
    fn host_deployment(
        &mut self,
        deployment: &CallDeployment<'_>,
    ) -> Result<host::DeploymentSpec, CallError> {
        let round = deployment.round();
        if round.json().get().len() > KEPT_DOCUMENT_BYTES {
            return host_parse_call(deployment);
        }
        let shared = match &mut self.round {
            Some((handle, parsed)) if round.is(handle) => parsed,
            slot => {
                let parsed = host_parse_round(round.json().get(), round.generation())?;
                self.instances.clear();
                &mut slot.insert((round.handle(), parsed)).1
            }
        };
        let Some(own) = deployment.own_shared() else {
            return Ok(shared.clone());
        };
        let known = self
            .instances
            .iter()
            .find(|(part, _)| Arc::ptr_eq(part, own));
        let instance = match known {
            Some((_, parsed)) => parsed.clone(),
            None => {
                let parsed = host_parse::<host::InstanceState>(
                    "deployment's instance",
                    &instance_as_049(&own.instance, round.generation()),
                )?;
                // Kept only if someone else holds the part too (the reconciler does, for
                // later calls); a part only this call holds (a worker's, fresh off the pipe)
                // can never be asked for again.
                if Arc::strong_count(own) > 1 {
                    if self.instances.len() >= INSTANCES_KEPT {
                        self.instances.remove(0);
                    }
                    self.instances.push((Arc::clone(own), parsed.clone()));
                }
                parsed
            }
        };
        Ok(with_own_part(shared, instance, &own.active_target))
    }
}

/// How many of each [`HostArguments`] keeps (a round has a few steps).
const ARGUMENTS_KEPT: usize = 8;

/// The host's parse of `key` from `entries`, or converted now and kept.
fn recall<K, Q: PartialEq<K> + ?Sized, V: Clone>(
    entries: &mut Vec<(K, V)>,
    key: &Q,
    owned: impl FnOnce() -> K,
    convert: impl FnOnce() -> Result<V, CallError>,
) -> Result<V, CallError> {
    if let Some((_, value)) = entries.iter().find(|(known, _)| key == known) {
        return Ok(value.clone());
    }
    let value = convert()?;
    if entries.len() >= ARGUMENTS_KEPT {
        entries.remove(0);
    }
    entries.push((owned(), value.clone()));
    Ok(value)
}

impl std::fmt::Debug for InProcessProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InProcessProvider")
            .field("library", &self.library.as_ref().map(|l| l.path()))
            .finish_non_exhaustive()
    }
}

impl InProcessProvider {
    /// A provider of `library`, from its `create_provider` called with `config` marshalled as
    /// Symphony does.
    pub fn create(
        library: &Arc<LoadedLibrary>,
        config: &BindingConfig,
    ) -> Result<InProcessProvider, LoadError> {
        InProcessProvider::create_from(library, &MarshalledConfig::new(config)?)
    }

    /// [`InProcessProvider::create`] with the config already marshalled (a caller that
    /// creates many providers from one config marshals it once).
    pub fn create_from(
        library: &Arc<LoadedLibrary>,
        config: &MarshalledConfig,
    ) -> Result<InProcessProvider, LoadError> {
        let wrapper = library.call_create_provider(config)?;
        Ok(InProcessProvider {
            inner: wrapper.inner,
            library: Some(Arc::clone(library)),
            arguments: None,
            capture: false,
            output: CallOutput::default(),
        })
    }

    /// A provider compiled into this process (no library): called as Symphony's host calls a
    /// loaded one, with a panic in a call caught and reported as [`CallError::Panic`].
    pub fn compiled_in(inner: Box<dyn ITargetProvider>) -> Self {
        InProcessProvider {
            inner,
            library: None,
            arguments: None,
            capture: false,
            output: CallOutput::default(),
        }
    }

    /// Capture what the provider prints during each call (for [`Provider::take_output`]):
    /// descriptors 1 and 2 of this process point at memory files for the call's span (see
    /// [`capture`]), and calls from several threads take turns. Off by default, so a provider
    /// used directly runs with the process's own streams and calls from threads at once.
    pub fn capture_output(mut self, capture: bool) -> Self {
        self.capture = capture;
        self
    }

    /// Runs one call into the provider with its output captured (kept for
    /// [`Provider::take_output`]). A provider compiled into this process that panics gives
    /// [`CallError::Panic`]; a loaded library's panic is not caught (it cannot unwind into
    /// this process's `std`).
    fn captured<T>(
        &mut self,
        call: impl FnOnce(&dyn ITargetProvider) -> Result<T, String>,
    ) -> Result<T, CallError> {
        let inner = &*self.inner;
        if self.library.is_none() {
            return catch_panic(|| call(inner))?.map_err(CallError::from_provider_message);
        }
        let result = if self.capture {
            let (value, output) = capture::around(|| call(inner));
            self.output = output;
            value
        } else {
            call(inner)
        };
        result.map_err(CallError::from_provider_message)
    }

    /// Shares `arguments` with the other providers of a factory.
    pub fn share_arguments(mut self, arguments: Arc<Mutex<HostArguments>>) -> Self {
        self.arguments = Some(arguments);
        self
    }

    /// The call's deployment in the host's models, through the factory's [`HostArguments`]
    /// when this provider shares them (else parsed afresh).
    fn host_deployment(
        &self,
        deployment: &CallDeployment<'_>,
    ) -> Result<host::DeploymentSpec, CallError> {
        match &self.arguments {
            None => HostArguments::default().host_deployment(deployment),
            Some(shared) => shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .host_deployment(deployment),
        }
    }

    /// `convert(key)`, from the factory's [`HostArguments`] (the list `pick` chooses) when
    /// this provider shares them and the key has at most [`KEPT_COMPONENTS`] `components`.
    fn shared_argument<K, Q: PartialEq<K> + ?Sized, V: Clone>(
        &self,
        pick: impl FnOnce(&mut HostArguments) -> &mut Vec<(K, V)>,
        (key, components): (&Q, usize),
        owned: impl FnOnce() -> K,
        convert: impl FnOnce() -> Result<V, CallError>,
    ) -> Result<V, CallError> {
        match &self.arguments {
            Some(_) if components > KEPT_COMPONENTS => convert(),
            None => convert(),
            Some(shared) => {
                let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
                recall(pick(&mut shared), key, owned, convert)
            }
        }
    }

    /// The library this provider came from (`None`: compiled into this process).
    pub fn library(&self) -> Option<&Arc<LoadedLibrary>> {
        self.library.as_ref()
    }
}

/// Runs `call`, turning a panic into [`CallError::Panic`] with the panic's message and
/// location, printed nowhere else ([`super::panics`]).
pub(super) fn catch_panic<T>(call: impl FnOnce() -> T) -> Result<T, CallError> {
    super::panics::catch(call).map_err(|message| CallError::Panic { message })
}

/// Parses a value into a host model type, as the shim's `serde_json::from_str(..).unwrap()`.
/// Reads the value in place, without copying it first.
fn host_parse<T: DeserializeOwned>(what: &str, value: &Value) -> Result<T, CallError> {
    T::deserialize(value).map_err(|err| CallError::HostWouldAbort {
        reason: format!("the {what} does not parse with the symphony 0.1.5 models: {err}"),
    })
}

/// A round's whole deployment text, parsed as the shim parses Go's JSON (a 0.48 document is
/// read in the 0.49 names first).
fn host_parse_round(json: &str, generation: Symphony) -> Result<host::DeploymentSpec, CallError> {
    let abort = |err: serde_json::Error| CallError::HostWouldAbort {
        reason: format!("the deployment does not parse with the symphony 0.1.5 models: {err}"),
    };
    match generation {
        Symphony::V049 => serde_json::from_str(json).map_err(abort),
        Symphony::V048 => {
            let value: Value = serde_json::from_str(json).map_err(abort)?;
            host_parse("deployment", &wire::to_049(value))
        }
    }
}

/// A call's whole deployment, parsed for this call alone (a document too large to keep parsed):
/// the round's document, with the call's own instance and active target put in the parse.
fn host_parse_call(deployment: &CallDeployment<'_>) -> Result<host::DeploymentSpec, CallError> {
    let round = deployment.round();
    let mut parsed = host_parse_round(round.json().get(), round.generation())?;
    if let Some(own) = deployment.own() {
        parsed.instance = host_parse(
            "deployment's instance",
            &instance_as_049(&own.instance, round.generation()),
        )?;
        parsed.active_target = Some(own.active_target.clone()).filter(|t| !t.is_empty());
    }
    Ok(parsed)
}

/// An instance of a `generation` deployment, in the 0.49 names.
fn instance_as_049(instance: &Value, generation: Symphony) -> Cow<'_, Value> {
    match generation {
        Symphony::V048 => Cow::Owned(wire::instance_to_049(instance.clone(), generation)),
        Symphony::V049 => Cow::Borrowed(instance),
    }
}

/// The round's parsed document with a call's own instance and active target: every field
/// but those two, copied.
fn with_own_part(
    shared: &host::DeploymentSpec,
    instance: host::InstanceState,
    active_target: &str,
) -> host::DeploymentSpec {
    // A struct literal, so that a field added to the models cannot be missed.
    host::DeploymentSpec {
        solutionversion_name: shared.solutionversion_name.clone(),
        solutionversion: shared.solutionversion.clone(),
        instance,
        targets: shared.targets.clone(),
        devices: shared.devices.clone(),
        assignments: shared.assignments.clone(),
        component_start_index: shared.component_start_index,
        component_end_index: shared.component_end_index,
        // An empty `activeTarget` is omitted from the JSON (`omitempty`): the models read None.
        active_target: Some(active_target.to_string()).filter(|t| !t.is_empty()),
        generation: shared.generation.clone(),
        object_namespace: shared.object_namespace.clone(),
        hash: shared.hash.clone(),
    }
}

/// Hands an argument to the host's models the way it travels: as Go's JSON text, parsed by
/// the shim (whose `unwrap` would abort on a parse failure).
fn host_argument<T: Serialize, U: DeserializeOwned>(what: &str, value: &T) -> Result<U, CallError> {
    let abort = |err: serde_json::Error| CallError::HostWouldAbort {
        reason: format!("the {what} does not parse with the symphony 0.1.5 models: {err}"),
    };
    let json = serde_json::to_vec(value).map_err(abort)?;
    serde_json::from_slice(&json).map_err(abort)
}

/// Reads a provider's result back the way Go decodes the host's JSON.
fn decode_result<T: Serialize, U: DeserializeOwned>(result: &T) -> Result<U, CallError> {
    let invalid = |err: serde_json::Error| CallError::InvalidResult {
        reason: err.to_string(),
    };
    let json = serde_json::to_vec(result).map_err(invalid)?;
    serde_json::from_slice(&json).map_err(invalid)
}

impl Provider for InProcessProvider {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        self.output = CallOutput::default();
        let rule = self.captured(|inner| inner.get_validation_rule())?;
        decode_result(&rule)
    }

    fn get(
        &mut self,
        deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        self.output = CallOutput::default();
        let deployment = self.host_deployment(deployment)?;
        let references = self.shared_argument(
            |shared| &mut shared.references,
            (references, references.len()),
            || references.to_vec(),
            || host_argument("references", &references),
        )?;
        let components = self.captured(|inner| inner.get(deployment, references))?;
        decode_result(&components)
    }

    fn apply(
        &mut self,
        deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        self.output = CallOutput::default();
        let deployment = self.host_deployment(deployment)?;
        let step = self.shared_argument(
            |shared| &mut shared.steps,
            (step, step.components.len()),
            || step.clone(),
            || host_argument("step", step),
        )?;
        let results = self.captured(|inner| inner.apply(deployment, step, dry_run))?;
        decode_result(&results)
    }

    fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RoundDeployment;
    use serde_json::json;

    /// The deployment Symphony 0.49 sent in the tutorial, written in 0.48's names.
    fn round_048() -> Value {
        let sample: Value =
            serde_json::from_str(include_str!("../../tests/data/wire-0.49/deployment.json"))
                .unwrap();
        wire::to_generation(sample, Symphony::V048)
    }

    /// The sample's instance (0.48 names) with a call's own scope and metadata.
    fn call_instance() -> Value {
        let mut instance = round_048()["instance"].clone();
        instance["spec"]["scope"] = json!("s1");
        instance["spec"]["metadata"] = json!({"owner": "me"});
        instance
    }

    /// A whole deployment in the 0.49 names, as the shim's models read it.
    fn as_049(deployment: &Value) -> Value {
        wire::to_049(deployment.clone())
    }

    /// The host models have no `PartialEq`; their JSON compares them.
    fn as_json(deployment: &host::DeploymentSpec) -> Value {
        serde_json::to_value(deployment).unwrap()
    }

    #[test]
    fn per_call_parse_equals_parsing_the_whole_document() {
        let mut arguments = HostArguments::default();
        for generation in [Symphony::V048, Symphony::V049] {
            let base = wire::to_generation(wire::to_049(round_048()), generation);
            let instance = wire::instance_to_generation(
                wire::instance_to_049(call_instance(), Symphony::V048),
                generation,
            );
            let round = RoundDeployment::new(&base);
            for target in ["t1", ""] {
                let call = round.for_call(target, instance.clone());
                let whole: host::DeploymentSpec =
                    host_parse("deployment", &as_049(&call.to_value().unwrap())).unwrap();
                // Twice: the second call reads the cached round document.
                for _ in 0..2 {
                    assert_eq!(
                        as_json(&arguments.host_deployment(&call).unwrap()),
                        as_json(&whole),
                        "{generation} activeTarget {target:?}"
                    );
                }
            }
            let whole = round.whole();
            assert_eq!(
                as_json(&arguments.host_deployment(&whole).unwrap()),
                as_json(&host_parse("deployment", &as_049(&whole.to_value().unwrap())).unwrap())
            );
        }
    }

    #[test]
    fn recalled_arguments_are_converted_once_failures_are_not_kept_and_old_ones_go() {
        let mut entries: Vec<(String, usize)> = Vec::new();
        let conversions = std::cell::Cell::new(0);
        let convert = |text: &str| {
            conversions.set(conversions.get() + 1);
            Ok::<_, CallError>(text.len())
        };
        let fail = || {
            Err(CallError::HostWouldAbort {
                reason: "no".into(),
            })
        };
        assert!(recall(&mut entries, "bad", || "bad".to_string(), fail).is_err());
        assert!(entries.is_empty(), "a failure is not kept");
        for _ in 0..2 {
            let got = recall(&mut entries, "abc", || "abc".to_string(), || convert("abc"));
            assert_eq!(got.unwrap(), 3);
        }
        assert_eq!(conversions.get(), 1);
        for n in 0..ARGUMENTS_KEPT {
            let key = "x".repeat(n + 1);
            let value = recall(&mut entries, key.as_str(), || key.clone(), || convert(&key));
            assert_eq!(value.unwrap(), n + 1);
        }
        assert_eq!(entries.len(), ARGUMENTS_KEPT);
        assert!(
            entries.iter().all(|(key, _)| key != "abc"),
            "the oldest entry made room"
        );
    }

    #[test]
    fn a_large_document_is_parsed_for_each_call_and_never_kept() {
        let mut large = round_048();
        large["solutionName"] = json!("x".repeat(KEPT_DOCUMENT_BYTES));
        let round = RoundDeployment::new(&large);
        let mut arguments = HostArguments::default();
        for target in ["t1", ""] {
            let call = round.for_call(target, call_instance());
            let whole: host::DeploymentSpec =
                host_parse("deployment", &as_049(&call.to_value().unwrap())).unwrap();
            let got = arguments.host_deployment(&call).unwrap();
            assert_eq!(as_json(&got), as_json(&whole), "activeTarget {target:?}");
            assert!(arguments.round.is_none() && arguments.instances.is_empty());
        }
    }

    #[test]
    fn an_instance_the_host_cannot_parse_is_host_abort() {
        let round = RoundDeployment::new(&round_048());
        let mut instance = call_instance();
        instance["spec"]["scope"] = json!(7);
        let call = round.for_call("t1", instance);
        let err = HostArguments::default().host_deployment(&call).unwrap_err();
        assert_eq!(err.outcome(), "host-abort", "{err}");
    }

    #[test]
    fn a_factorys_parse_is_never_served_for_another_document_or_call_part() {
        let mut arguments = HostArguments::default();
        let good = round_048();
        let mut changed = good.clone();
        changed["solutionName"] = json!("other-solution");
        let mut bad = good.clone();
        bad["instance"]["spec"]["scope"] = json!(7);
        let parse_whole = |call: &CallDeployment<'_>| {
            as_json(&host_parse("deployment", &as_049(&call.to_value().unwrap())).unwrap())
        };
        for document in [&good, &changed, &bad, &good] {
            let round = RoundDeployment::new(document);
            let got = arguments.host_deployment(&round.whole());
            if document == &bad {
                assert_eq!(got.unwrap_err().outcome(), "host-abort");
                continue;
            }
            assert_eq!(as_json(&got.unwrap()), parse_whole(&round.whole()));
            // Three calls' own parts of one round, each asked for twice, alternating: two
            // differ only in the instance's scope, two only in the active target.
            let mut other = call_instance();
            other["spec"]["scope"] = json!("s2");
            // The parts are held here too, as the reconciler holds its parts.
            let parts = [
                Arc::new(CallPart::new("t1", call_instance())),
                Arc::new(CallPart::new("t1", other)),
                Arc::new(CallPart::new("t2", call_instance())),
            ];
            let calls = parts
                .each_ref()
                .map(|part| round.with_part(Arc::clone(part)));
            for call in calls.iter().chain(calls.iter()) {
                let got = arguments.host_deployment(call).unwrap();
                assert_eq!(as_json(&got), parse_whole(call));
            }
            assert_eq!(arguments.instances.len(), 3, "one parse per held part");
            // A part only its call holds (as a worker's) is parsed but never kept.
            let once = round.for_call("t3", call_instance());
            let got = arguments.host_deployment(&once).unwrap();
            assert_eq!(as_json(&got), parse_whole(&once));
            assert_eq!(arguments.instances.len(), 3);
        }
    }
}
