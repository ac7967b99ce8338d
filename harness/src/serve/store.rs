//! The objects `serve` holds, as Symphony's standalone API stores them in memory: Targets,
//! Instances, Solutions (0.48) or SolutionVersions (0.49), and their containers.
//!
//! Owns reading a POSTed body as Go reads it ([`crate::input::parse_symphony`]: keys in
//! another case taken, unknown keys noted), the names Symphony fixes on write (`FixNames`: the
//! URL's name, namespace `default`), the ETag every write bumps (the memory state store's
//! counter, which becomes a deployment's `generation`), the checks Symphony's validators make
//! on write and delete (`api/pkg/apis/v1alpha1/validation/`), and the answers for a missing
//! object (404 with the memory store's text). Objects are kept typed; JSON in the chosen
//! release's names is made only when one is sent. Does not reconcile ([`super::jobs`] does).

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{CoaError, CoaState};
use crate::engine::deployment::reference_to_object_name;
use crate::engine::objects::DEFAULT_NAMESPACE;
use crate::input::{parse_symphony, KeyNote};
use crate::model::{
    wire, zero_status, InstanceState, ObjectMeta, SolutionState, Symphony, TargetState,
};

/// An object's namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl Key {
    /// `name` in `namespace` (`default` when `None` or empty).
    pub fn new(namespace: Option<&str>, name: &str) -> Key {
        Key {
            namespace: namespace
                .filter(|n| !n.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_string(),
            name: name.to_string(),
        }
    }
}

/// A solution container (`SolutionContainerState`): a name the versions hang under.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct ContainerState {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The spec (empty in Symphony's model).
    #[serde(default = "empty_object")]
    pub spec: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// The kinds of object the API stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// Targets.
    Targets,
    /// Instances.
    Instances,
    /// Solutions (0.48) or SolutionVersions (0.49): versioned, with components.
    Solutions,
    /// Solution containers: `solutioncontainers` (0.48), `solutions` (0.49).
    Containers,
}

impl Collection {
    /// What one object is called in messages.
    pub fn what(self, release: Symphony) -> &'static str {
        match (self, release) {
            (Collection::Targets, _) => "target",
            (Collection::Instances, _) => "instance",
            (Collection::Solutions, Symphony::V048) => "solution",
            (Collection::Solutions, Symphony::V049) => "solutionversion",
            (Collection::Containers, Symphony::V048) => "solutioncontainer",
            (Collection::Containers, Symphony::V049) => "solution",
        }
    }
}

/// What a write stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The object's key.
    pub key: Key,
    /// Keys of the body Symphony would read differently or drop.
    pub notes: Vec<KeyNote>,
}

/// Every object the API holds.
#[derive(Debug, Default)]
pub struct Store {
    release: Symphony,
    targets: BTreeMap<Key, TargetState>,
    instances: BTreeMap<Key, InstanceState>,
    solutions: BTreeMap<Key, SolutionState>,
    containers: BTreeMap<Key, ContainerState>,
}

/// The key an object POSTed as `name` is stored under: the namespace its `metadata` names,
/// else the query's, else `default` (`FixNames`).
fn key_of(metadata: &ObjectMeta, name: &str, namespace: Option<&str>) -> Key {
    let own = Some(metadata.namespace.as_str()).filter(|n| !n.is_empty());
    Key::new(own.or(namespace), name)
}

/// `metadata` fixed as Symphony fixes it on write: the URL's name, the namespace, the ETag of
/// the stored object plus one. A body naming another object is refused (400).
fn fix_names(
    metadata: &mut ObjectMeta,
    key: &Key,
    old: Option<&ObjectMeta>,
) -> Result<(), CoaError> {
    if !metadata.name.is_empty() && metadata.name != key.name {
        return Err(CoaError::new(
            CoaState::BadRequest,
            format!(
                "Name in metadata ({}) does not match name in request ({})",
                metadata.name, key.name
            ),
        ));
    }
    metadata.name = key.name.clone();
    metadata.namespace = key.namespace.clone();
    let etag = old
        .and_then(|meta| meta.etag.parse::<u64>().ok())
        .map_or(1, |n| n + 1);
    metadata.etag = etag.to_string();
    Ok(())
}

/// `body`, read as Go reads a `what`; a body Go cannot read answers 500 with the decoder's
/// text, as Symphony's vendors do.
fn parse<T: DeserializeOwned>(
    body: &[u8],
    what: &'static str,
) -> Result<(T, Vec<KeyNote>), CoaError> {
    let text = std::str::from_utf8(body).map_err(|err| {
        CoaError::new(
            CoaState::InternalError,
            format!("the body is not UTF-8: {err}"),
        )
    })?;
    let checked = parse_symphony::<T>(text, Path::new("request body"), what)
        .map_err(|err| CoaError::new(CoaState::InternalError, err.to_string()))?;
    Ok((checked.value, checked.notes))
}

/// `ValidateRootObjectName`: the name after its last `-v-` is 1 to 61 characters.
fn check_name_length(name: &str) -> Result<(), CoaError> {
    let actual = name.rsplit("-v-").next().unwrap_or(name);
    if actual.is_empty() || actual.len() > 61 {
        return Err(invalid(
            "metadata.name",
            actual,
            "Name length should be between 1 and 61 characters",
        ));
    }
    Ok(())
}

/// A validator's refusal, in `ConvertErrorFieldsToString`'s words.
fn invalid(field: &str, value: &str, message: &str) -> CoaError {
    CoaError::new(
        CoaState::BadRequest,
        format!("Failed to create or update object: {field}: Invalid value: {value}: {message}\n"),
    )
}

/// A delete validator's refusal (`ValidateDeleteWrapper` says "instance" for every kind).
fn undeletable(value: &str, message: &str) -> CoaError {
    CoaError::new(
        CoaState::BadRequest,
        format!("Failed to delete instance: metadata.name: Invalid value: {value}: {message}\n"),
    )
}

impl Store {
    /// An empty store answering in `release`'s names.
    pub fn new(release: Symphony) -> Store {
        Store {
            release,
            ..Store::default()
        }
    }

    /// Stores the Target `body` POSTed as `key` (the target validator's checks first).
    pub fn put_target(
        &mut self,
        name: &str,
        namespace: Option<&str>,
        body: &[u8],
    ) -> Result<Written, CoaError> {
        let (mut target, notes) = parse::<TargetState>(body, "target")?;
        let key = &key_of(&target.metadata, name, namespace);
        let old = self.targets.get(key);
        fix_names(&mut target.metadata, key, old.map(|o| &o.metadata))?;
        let new_spec = target.spec.clone().unwrap_or_default();
        match old.map(|o| o.spec.clone().unwrap_or_default()) {
            None => check_name_length(&key.name)?,
            Some(old_spec) => {
                if old_spec.scope != new_spec.scope {
                    return Err(invalid(
                        "spec.Scope",
                        &new_spec.scope,
                        "The target is already created. Cannot change Scope of the target.",
                    ));
                }
                if !old_spec.is_dry_run && new_spec.is_dry_run {
                    return Err(invalid(
                        "spec.isDryRun",
                        "true",
                        "The target is already deployed. Cannot change isDryRun from false to true.",
                    ));
                }
            }
        }
        // Symphony stores `metadata` and `spec` only: a posted status is dropped; the status
        // the jobs wrote stays until the next round writes another.
        target.status = old.map_or_else(zero_status, |old| old.status.clone());
        self.targets.insert(key.clone(), target);
        Ok(Written {
            key: key.clone(),
            notes,
        })
    }

    /// Stores the Instance `body` POSTed as `key`: its solution must exist, and the target it
    /// names (without wildcards) too.
    pub fn put_instance(
        &mut self,
        name: &str,
        namespace: Option<&str>,
        body: &[u8],
    ) -> Result<Written, CoaError> {
        let (mut instance, notes) = parse::<InstanceState>(body, "instance")?;
        let key = &key_of(&instance.metadata, name, namespace);
        let old = self.instances.get(key);
        fix_names(&mut instance.metadata, key, old.map(|o| &o.metadata))?;
        let spec = instance.spec.clone().unwrap_or_default();
        let solution_field = match self.release {
            Symphony::V048 => "spec.solution",
            Symphony::V049 => "spec.solutionversion",
        };
        if old.is_none() {
            check_name_length(&key.name)?;
        }
        let solution_key = Key::new(
            Some(&key.namespace),
            &reference_to_object_name(&spec.solution),
        );
        if !self.solutions.contains_key(&solution_key) {
            let what = Collection::Solutions.what(self.release);
            return Err(invalid(
                solution_field,
                &spec.solution,
                &format!("{what} does not exist"),
            ));
        }
        let target = &spec.target.name;
        let wildcard = target.contains('*') || target.contains('%');
        if !target.is_empty() && !wildcard {
            let target_key = Key::new(Some(&key.namespace), &reference_to_object_name(target));
            if !self.targets.contains_key(&target_key) {
                return Err(invalid("spec.target.name", target, "target does not exist"));
            }
        }
        instance.status = old.map_or_else(zero_status, |old| old.status.clone());
        self.instances.insert(key.clone(), instance);
        Ok(Written {
            key: key.clone(),
            notes,
        })
    }

    /// Stores the versioned Solution `body` POSTed as `key`: its `rootResource` names an
    /// existing container and its name is `<rootResource>-v-<version>`.
    pub fn put_solution(
        &mut self,
        name: &str,
        namespace: Option<&str>,
        body: &[u8],
    ) -> Result<Written, CoaError> {
        let what = Collection::Solutions.what(self.release);
        let (mut solution, notes) = parse::<SolutionState>(body, what)?;
        let key = &key_of(&solution.metadata, name, namespace);
        let old = self.solutions.get(key);
        fix_names(&mut solution.metadata, key, old.map(|o| &o.metadata))?;
        let root = solution
            .spec
            .as_ref()
            .map(|spec| spec.root_resource.clone())
            .unwrap_or_default();
        if old.is_none() {
            check_version_name(&key.name, &root)?;
            if !self
                .containers
                .contains_key(&Key::new(Some(&key.namespace), &root))
            {
                return Err(invalid(
                    "spec.rootResource",
                    &root,
                    "rootResource must be a valid container",
                ));
            }
        }
        self.solutions.insert(key.clone(), solution);
        Ok(Written {
            key: key.clone(),
            notes,
        })
    }

    /// Stores the solution container `body` POSTed as `key`.
    pub fn put_container(
        &mut self,
        name: &str,
        namespace: Option<&str>,
        body: &[u8],
    ) -> Result<Written, CoaError> {
        let what = Collection::Containers.what(self.release);
        let (mut container, notes) = if body.iter().all(u8::is_ascii_whitespace) {
            (ContainerState::default(), Vec::new())
        } else {
            parse::<ContainerState>(body, what)?
        };
        let key = &key_of(&container.metadata, name, namespace);
        let old = self.containers.get(key);
        fix_names(&mut container.metadata, key, old.map(|o| &o.metadata))?;
        if old.is_none() {
            check_name_length(&key.name)?;
        }
        self.containers.insert(key.clone(), container);
        Ok(Written {
            key: key.clone(),
            notes,
        })
    }

    /// The object `key` of `collection`, as JSON in the release's names.
    pub fn get(&self, collection: Collection, key: &Key) -> Result<Value, CoaError> {
        let found = match collection {
            Collection::Targets => self.targets.get(key).map(|t| self.target_json(t)),
            Collection::Instances => self.instances.get(key).map(|i| self.instance_json(i)),
            Collection::Solutions => self.solutions.get(key).map(json),
            Collection::Containers => self.containers.get(key).map(json),
        };
        found.ok_or_else(|| CoaError::not_found(&key.name, &key.namespace))
    }

    /// Every object of `collection` (in `namespace`, or in all), sorted by namespace and name.
    pub fn list(&self, collection: Collection, namespace: Option<&str>) -> Value {
        let wanted = |key: &Key| namespace.is_none_or(|n| key.namespace == n);
        let items: Vec<Value> = match collection {
            Collection::Targets => self
                .targets
                .iter()
                .filter(|(k, _)| wanted(k))
                .map(|(_, t)| self.target_json(t))
                .collect(),
            Collection::Instances => self
                .instances
                .iter()
                .filter(|(k, _)| wanted(k))
                .map(|(_, i)| self.instance_json(i))
                .collect(),
            Collection::Solutions => self
                .solutions
                .iter()
                .filter(|(k, _)| wanted(k))
                .map(|(_, s)| json(s))
                .collect(),
            Collection::Containers => self
                .containers
                .iter()
                .filter(|(k, _)| wanted(k))
                .map(|(_, c)| json(c))
                .collect(),
        };
        Value::Array(items)
    }

    /// Deletes `key` of `collection` at once (a `direct` delete, or an object without
    /// reconcile), after the delete validators' checks.
    pub fn delete(&mut self, collection: Collection, key: &Key) -> Result<(), CoaError> {
        match collection {
            Collection::Targets => {
                if self.instances_selecting(key).next().is_some() {
                    return Err(undeletable(
                        &key.name,
                        "Target has one or more associated instances. Deletion is not allowed.",
                    ));
                }
                self.targets.remove(key).map(drop)
            }
            Collection::Instances => self.instances.remove(key).map(drop),
            Collection::Solutions => {
                let used = self.instances.iter().any(|(k, i)| {
                    k.namespace == key.namespace
                        && i.spec
                            .as_ref()
                            .is_some_and(|s| reference_to_object_name(&s.solution) == key.name)
                });
                if used {
                    let what = Collection::Solutions.what(self.release);
                    return Err(undeletable(
                        &key.name,
                        &format!(
                            "{} has one or more associated instances. Deletion is not allowed.",
                            capitalised(what)
                        ),
                    ));
                }
                self.solutions.remove(key).map(drop)
            }
            Collection::Containers => self.containers.remove(key).map(drop),
        }
        .ok_or_else(|| CoaError::not_found(&key.name, &key.namespace))
    }

    /// Whether `key` of `collection` exists.
    pub fn contains(&self, collection: Collection, key: &Key) -> bool {
        match collection {
            Collection::Targets => self.targets.contains_key(key),
            Collection::Instances => self.instances.contains_key(key),
            Collection::Solutions => self.solutions.contains_key(key),
            Collection::Containers => self.containers.contains_key(key),
        }
    }

    /// The instances whose `spec.target.name` names the target `key` (the target validator's
    /// label lookup).
    fn instances_selecting<'s>(&'s self, key: &'s Key) -> impl Iterator<Item = &'s Key> + 's {
        self.instances.iter().filter_map(move |(k, instance)| {
            let named = instance
                .spec
                .as_ref()
                .is_some_and(|s| reference_to_object_name(&s.target.name) == key.name);
            (k.namespace == key.namespace && named).then_some(k)
        })
    }

    /// The Target `key`, as stored.
    pub fn target(&self, key: &Key) -> Option<&TargetState> {
        self.targets.get(key)
    }

    /// The Instance `key`, as stored.
    pub fn instance(&self, key: &Key) -> Option<&InstanceState> {
        self.instances.get(key)
    }

    /// The versioned solution `key`, as stored.
    pub fn solution(&self, key: &Key) -> Option<&SolutionState> {
        self.solutions.get(key)
    }

    /// Every Target in `namespace`.
    pub fn targets_in(&self, namespace: &str) -> Vec<TargetState> {
        self.targets
            .iter()
            .filter(|(k, _)| k.namespace == namespace)
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// Sets the status the Target or Instance `key` shows (the jobs write it after each round).
    pub fn set_status(&mut self, collection: Collection, key: &Key, status: Value) {
        match collection {
            Collection::Targets => {
                if let Some(target) = self.targets.get_mut(key) {
                    target.status = status;
                }
            }
            Collection::Instances => {
                if let Some(instance) = self.instances.get_mut(key) {
                    instance.status = status;
                }
            }
            Collection::Solutions | Collection::Containers => {}
        }
    }

    fn target_json(&self, target: &TargetState) -> Value {
        let mut value = json(target);
        if self.release == Symphony::V048 {
            if let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) {
                if let Some(scope) = spec.remove("solutionversionScope") {
                    spec.insert("solutionScope".to_string(), scope);
                }
            }
        }
        value
    }

    fn instance_json(&self, instance: &InstanceState) -> Value {
        wire::instance_to_generation(json(instance), self.release)
    }
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `ValidateObjectName`: a versioned object's name is `<root>-v-<version>`, the version
/// neither holding `-v-` nor starting with `v-`, 1 to 61 characters.
fn check_version_name(name: &str, root: &str) -> Result<(), CoaError> {
    if root.is_empty() {
        return Err(invalid(
            "spec.rootResource",
            root,
            "rootResource must be a non-empty string",
        ));
    }
    let Some(version) = name
        .strip_prefix(root)
        .and_then(|rest| rest.strip_prefix("-v-"))
    else {
        return Err(invalid(
            "metadata.name",
            name,
            "name should be in the format '<rootResource>-v-<version>'",
        ));
    };
    if version.contains("-v-") || version.starts_with("v-") {
        return Err(invalid(
            "metadata.name",
            name,
            "name should be in the format <rootResource>-v-<version> where <version> does not \
             contain '-v-' or starts with 'v-'",
        ));
    }
    if version.is_empty() || version.len() > 61 {
        return Err(invalid(
            "metadata.name",
            name,
            "Name length without root resource and seperator should be between 1 and 61 \
             characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = r#"{"metadata":{"name":"t"},"spec":{"components":[{"name":"c","type":"w"}],
        "topologies":[{"bindings":[{"role":"w","provider":"providers.target.rust","config":{"libFile":"/extensions/l.so"}}]}]}}"#;

    fn key(name: &str) -> Key {
        Key::new(None, name)
    }

    #[test]
    fn a_posted_target_is_named_namespaced_and_its_etag_counts_writes() {
        let mut store = Store::new(Symphony::V049);
        store.put_target("t", None, TARGET.as_bytes()).unwrap();
        let first = store.get(Collection::Targets, &key("t")).unwrap();
        assert_eq!(first["metadata"]["namespace"], "default");
        assert_eq!(first["metadata"]["etag"], "1");
        assert_eq!(
            first["status"],
            zero_status(),
            "Symphony shows no status before a job"
        );
        store.put_target("t", None, TARGET.as_bytes()).unwrap();
        let second = store.get(Collection::Targets, &key("t")).unwrap();
        assert_eq!(second["metadata"]["etag"], "2");
        assert_eq!(
            store
                .list(Collection::Targets, None)
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn a_body_naming_another_target_is_a_bad_request_as_in_symphony() {
        let mut store = Store::new(Symphony::V049);
        let err = store
            .put_target("other", None, TARGET.as_bytes())
            .unwrap_err();
        assert_eq!(err.state, CoaState::BadRequest);
        assert_eq!(
            err.to_string(),
            "Bad Request: Name in metadata (t) does not match name in request (other)"
        );
    }

    #[test]
    fn a_missing_object_answers_the_memory_stores_404() {
        let store = Store::new(Symphony::V049);
        let err = store.get(Collection::Targets, &key("gone")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Not Found: entry 'gone' is not found in namespace default"
        );
    }

    #[test]
    fn unknown_keys_are_noted_and_json_that_go_cannot_read_is_an_internal_error() {
        let mut store = Store::new(Symphony::V049);
        let body = TARGET.replace(r#""spec":{"#, r#""spec":{"componets":[],"#);
        let written = store.put_target("t", None, body.as_bytes()).unwrap();
        assert!(
            written.notes.iter().any(|n| n.path.contains("componets")),
            "{:?}",
            written.notes
        );
        let err = store.put_target("t", None, b"{not json").unwrap_err();
        assert_eq!(err.state, CoaState::InternalError);
    }

    #[test]
    fn a_solution_version_needs_its_container_and_an_instance_its_solution() {
        let mut store = Store::new(Symphony::V049);
        let version =
            br#"{"metadata":{"name":"app-v-v1"},"spec":{"rootResource":"app","components":[]}}"#;
        let err = store.put_solution("app-v-v1", None, version).unwrap_err();
        assert!(
            err.message
                .contains("rootResource must be a valid container"),
            "{err}"
        );
        let instance = br#"{"metadata":{"name":"i"},"spec":{"solutionversion":"app:v1","target":{"name":"t"}}}"#;
        let err = store.put_instance("i", None, instance).unwrap_err();
        assert!(
            err.message.contains("solutionversion does not exist"),
            "{err}"
        );
        store.put_container("app", None, b"").unwrap();
        store.put_solution("app-v-v1", None, version).unwrap();
        let err = store.put_instance("i", None, instance).unwrap_err();
        assert!(err.message.contains("target does not exist"), "{err}");
        store.put_target("t", None, TARGET.as_bytes()).unwrap();
        store.put_instance("i", None, instance).unwrap();
        let err = store
            .delete(Collection::Solutions, &key("app-v-v1"))
            .unwrap_err();
        assert!(err.message.contains("associated instances"), "{err}");
        let err = store.delete(Collection::Targets, &key("t")).unwrap_err();
        assert!(err.message.contains("associated instances"), "{err}");
    }

    #[test]
    fn symphony_048_names_are_written_for_a_048_server() {
        let mut store = Store::new(Symphony::V048);
        let body = TARGET.replace(r#""spec":{"#, r#""spec":{"solutionScope":"s","#);
        store.put_target("t", None, body.as_bytes()).unwrap();
        let target = store.get(Collection::Targets, &key("t")).unwrap();
        assert_eq!(target["spec"]["solutionScope"], "s");
        assert!(target["spec"].get("solutionversionScope").is_none());
    }

    #[test]
    fn version_names_follow_the_root_resource() {
        assert!(check_version_name("app-v-v1", "app").is_ok());
        for (name, root) in [("app-v-v1", ""), ("other-v-1", "app"), ("app-v-v-1", "app")] {
            assert!(check_version_name(name, root).is_err(), "{name} {root}");
        }
    }
}
