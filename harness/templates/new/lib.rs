//! `@@name@@`: an Eclipse Symphony target provider for components of type `@@type@@`.
//!
//! Symphony loads `lib@@crate@@.so` from the binding's `libFile` (after checking its SHA-256
//! against `libHash`) and calls [`create_provider`] with the binding's `config` as JSON, for
//! every `get` and every `apply`: a new provider each time, never dropped. So the provider
//! value keeps no state; the components live on the device. Here the device is a JSON file,
//! `<root>/components.json`, with `root` from the binding config. Replace [`Device`] with your
//! real device and keep what Symphony relies on:
//!
//! - `get` reports only the referenced components that exist, as they were applied (type,
//!   properties and their JSON types). Symphony deletes whatever else `get` reports, and
//!   redeploys whatever looks changed.
//! - `apply` creates or replaces on update, removes on delete (a missing component is deleted
//!   already), gives a result for every component, and changes nothing on a dry run.
//! - A failure is an `Err` naming the component and the cause. A panic in here aborts the whole
//!   Symphony process, so nothing that comes from outside is unwrapped.
//!
//! `symphony-harness check target/release/lib@@crate@@.so --target target.json --config
//! root=/tmp/@@name@@-device` checks all of this as Symphony would see it.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, CStr};
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use symphony::models::{
    ComponentAction, ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec,
    DeploymentStep, State, ValidationRule,
};
use symphony::{ITargetProvider, ProviderWrapper};

/// The component type this provider deploys: the `role` of its Target binding, and the
/// `requiredType` of its validation rule.
pub const COMPONENT_TYPE: &str = "@@type@@";

/// The binding config key naming the folder that holds the device's state.
pub const ROOT_KEY: &str = "root";

/// Symphony's entry point: a provider for the binding config `config_json`, a JSON object of
/// strings such as `{"libFile":"…","libHash":"…","name":"…","root":"/var/lib/@@name@@"}`.
///
/// Never returns NULL, which Symphony would only report as `InitFailed`: a config this
/// provider cannot use gives a provider whose calls fail with a message saying what is wrong.
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string that stays valid during the
/// call. Symphony frees it right after, so it is copied at once.
#[no_mangle]
pub unsafe extern "C" fn create_provider(config_json: *const c_char) -> *mut ProviderWrapper {
    let config = if config_json.is_null() {
        // The tutorial's zero-argument call passes nothing.
        String::from("{}")
    } else {
        // SAFETY: not NULL, and per this function's contract a NUL-terminated string that is
        // valid during the call; it is copied before returning and the pointer is not kept.
        unsafe { CStr::from_ptr(config_json) }
            .to_string_lossy()
            .into_owned()
    };
    Box::into_raw(Box::new(ProviderWrapper {
        inner: Box::new(Provider::from_config_json(&config)),
    }))
}

/// One provider, as Symphony creates them: the device it talks to, or why its binding config
/// names none.
#[derive(Debug, Clone)]
pub struct Provider {
    device: Result<Device, String>,
}

impl Provider {
    /// A provider for the binding config `config_json`. Never fails: with a config it cannot
    /// use, every call fails with the reason.
    pub fn from_config_json(config_json: &str) -> Provider {
        Provider {
            device: device_from_config(config_json),
        }
    }

    fn device(&self) -> Result<&Device, String> {
        self.device.as_ref().map_err(Clone::clone)
    }
}

/// The device the binding config names: `root`, an absolute folder path.
fn device_from_config(config_json: &str) -> Result<Device, String> {
    let config: BTreeMap<String, serde_json::Value> = serde_json::from_str(config_json)
        .map_err(|err| format!("the binding config is not a JSON object: {err}"))?;
    match config.get(ROOT_KEY) {
        Some(serde_json::Value::String(root)) if Path::new(root).is_absolute() => {
            Ok(Device::new(Path::new(root)))
        }
        Some(serde_json::Value::String(root)) => Err(format!(
            "the binding config's `{ROOT_KEY}` is `{root}`, not an absolute path; set it to \
             the folder that holds the device's state"
        )),
        Some(other) => Err(format!(
            "the binding config's `{ROOT_KEY}` is {other}, not a string (binding config \
             values are strings)"
        )),
        None => Err(format!(
            "the binding config has no `{ROOT_KEY}`: add `\"{ROOT_KEY}\": \"/var/lib/@@name@@\"` \
             (a folder Symphony's process can write) to the binding's `config` in target.json"
        )),
    }
}

fn result(status: State, message: &str) -> ComponentResultSpec {
    ComponentResultSpec {
        status,
        message: message.to_string(),
    }
}

/// Refuses a step with an update this provider cannot deploy, before anything is changed (on
/// a dry run too): a component without a name, or of another type than [`COMPONENT_TYPE`].
/// Deletes are never refused: Symphony deletes what `get` reported.
fn validate(steps: &[ComponentStep]) -> Result<(), String> {
    let mut problems = Vec::new();
    for step in steps.iter().filter(|s| s.action == ComponentAction::Update) {
        let component = &step.component;
        if component.name.is_empty() {
            problems.push("a component has an empty name".to_string());
        }
        match component.component_type.as_deref() {
            Some(COMPONENT_TYPE) => {}
            found => problems.push(format!(
                "component `{}` has type `{}`, but this provider deploys type \
                 `{COMPONENT_TYPE}` only (its binding's role)",
                component.name,
                found.unwrap_or("")
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("nothing was applied: {}", problems.join("; ")))
    }
}

impl ITargetProvider for Provider {
    fn get_validation_rule(&self) -> Result<ValidationRule, String> {
        // The default rule compares every property (`*`), ignoring case, and skips keys that
        // one side lacks. For a Rust provider Symphony reads only the change detection; the
        // required type is for people and for `symphony-harness check`.
        let mut rule = ValidationRule {
            required_component_type: COMPONENT_TYPE.to_string(),
            ..ValidationRule::default()
        };
        rule.component_validation_rule.required_component_type = COMPONENT_TYPE.to_string();
        Ok(rule)
    }

    fn get(
        &self,
        _deployment: DeploymentSpec,
        references: Vec<ComponentStep>,
    ) -> Result<Vec<ComponentSpec>, String> {
        let stored = self.device()?.read()?;
        Ok(references
            .iter()
            .filter_map(|reference| stored.get(&reference.component.name).cloned())
            .collect())
    }

    fn apply(
        &self,
        _deployment: DeploymentSpec,
        step: DeploymentStep,
        is_dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        let device = self.device()?;
        validate(&step.components)?;
        if is_dry_run {
            return Ok(step
                .components
                .into_iter()
                .map(|c| {
                    let outcome = result(State::OK, "dry run: valid; nothing was changed");
                    (c.component.name, outcome)
                })
                .collect());
        }
        device.update(|components| {
            step.components
                .into_iter()
                .map(|c| {
                    let name = c.component.name.clone();
                    let outcome = match c.action {
                        ComponentAction::Update => {
                            components.insert(name.clone(), c.component);
                            result(State::Updated, "updated")
                        }
                        ComponentAction::Delete => match components.remove(&name) {
                            Some(_) => result(State::Deleted, "deleted"),
                            None => result(State::Deleted, "deleted already: it was not there"),
                        },
                    };
                    (name, outcome)
                })
                .collect()
        })
    }
}

/// The state file, in the device's folder: the components by name, as JSON.
const STATE_FILE: &str = "components.json";
/// The lock file beside it: held for every read-modify-write of the state file.
const LOCK_FILE: &str = "components.lock";

/// The device: the components this provider deployed, in one JSON file.
///
/// Symphony creates providers in several threads at once, and `symphony-harness` in several
/// processes, all on one device: every change holds an exclusive lock on the lock file for
/// its whole read-modify-write, and replaces the state file atomically (write a temporary
/// file, then rename it), so a reader never sees half a file and no update is lost.
#[derive(Debug, Clone)]
pub struct Device {
    root: PathBuf,
}

impl Device {
    /// The device whose state is kept in folder `root` (created on the first change).
    pub fn new(root: &Path) -> Device {
        Device {
            root: root.to_path_buf(),
        }
    }

    /// Every component on the device, by name; none while nothing was ever deployed.
    pub fn read(&self) -> Result<BTreeMap<String, ComponentSpec>, String> {
        let path = self.root.join(STATE_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(err) => {
                return Err(format!(
                    "cannot read the device's state `{}`: {err}",
                    path.display()
                ))
            }
        };
        serde_json::from_str(&text).map_err(|err| {
            format!(
                "the device's state `{}` is not a JSON object of components ({err}); repair \
                 or remove it",
                path.display()
            )
        })
    }

    /// Runs `change` on the device's components under the lock, then stores the result.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, ComponentSpec>) -> T,
    ) -> Result<T, String> {
        let root = &self.root;
        let io_error = |what: &str, path: &Path, err: std::io::Error| {
            format!("cannot {what} `{}`: {err}", path.display())
        };
        fs::create_dir_all(root).map_err(|err| io_error("create the device folder", root, err))?;
        let lock_path = root.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|err| io_error("open the lock file", &lock_path, err))?;
        // Released when `lock` is dropped, after the rename.
        lock.lock()
            .map_err(|err| io_error("lock", &lock_path, err))?;
        let mut components = self.read()?;
        let answer = change(&mut components);
        let text = serde_json::to_string_pretty(&components)
            .map_err(|err| format!("cannot write the device's state as JSON: {err}"))?;
        let temporary = root.join(format!("{STATE_FILE}.tmp"));
        let mut file =
            File::create(&temporary).map_err(|err| io_error("create", &temporary, err))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| io_error("write", &temporary, err))?;
        let path = root.join(STATE_FILE);
        fs::rename(&temporary, &path).map_err(|err| io_error("replace", &path, err))?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test's device, removed at the end.
    struct Folder(PathBuf);

    impl Folder {
        fn new(test: &str) -> Folder {
            let name = format!("{}-{test}-{}", env!("CARGO_PKG_NAME"), std::process::id());
            let path = std::env::temp_dir().join(name);
            let _ = fs::remove_dir_all(&path);
            Folder(path)
        }

        /// A new provider on this device, as Symphony makes one per call.
        fn provider(&self) -> Provider {
            let config = BTreeMap::from([(ROOT_KEY, self.0.to_string_lossy())]);
            Provider::from_config_json(&serde_json::to_string(&config).unwrap())
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn component(name: &str, component_type: &str, image: &str) -> ComponentSpec {
        serde_json::from_value(serde_json::json!({
            "name": name,
            "type": component_type,
            "properties": {"image": image, "replicas": 2},
        }))
        .unwrap()
    }

    fn steps(components: &[&ComponentSpec], action: ComponentAction) -> Vec<ComponentStep> {
        components
            .iter()
            .map(|c| ComponentStep {
                action: action.clone(),
                component: (*c).clone(),
            })
            .collect()
    }

    fn apply(
        provider: &Provider,
        components: &[&ComponentSpec],
        action: ComponentAction,
        dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        let step = DeploymentStep {
            target: Some("target".to_string()),
            components: steps(components, action),
            role: COMPONENT_TYPE.to_string(),
            is_first: true,
        };
        provider.apply(DeploymentSpec::empty(), step, dry_run)
    }

    fn get(provider: &Provider, components: &[&ComponentSpec]) -> Vec<String> {
        let references = steps(components, ComponentAction::Update);
        let found = provider.get(DeploymentSpec::empty(), references).unwrap();
        found.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn get_reports_what_apply_deployed_and_only_what_it_was_asked_about() {
        let folder = Folder::new("get");
        let (a, b) = (
            component("a", COMPONENT_TYPE, "app:1"),
            component("b", COMPONENT_TYPE, "app:1"),
        );
        assert!(get(&folder.provider(), &[&a, &b]).is_empty());
        let results = apply(
            &folder.provider(),
            &[&a, &b],
            ComponentAction::Update,
            false,
        );
        assert_eq!(results.unwrap()["a"].status, State::Updated);
        assert_eq!(get(&folder.provider(), &[&a, &b]), ["a", "b"]);
        assert_eq!(get(&folder.provider(), &[&b]), ["b"]);
        let found = folder
            .provider()
            .get(
                DeploymentSpec::empty(),
                steps(&[&a], ComponentAction::Update),
            )
            .unwrap();
        assert_eq!(found[0].component_type.as_deref(), Some(COMPONENT_TYPE));
        assert_eq!(
            found[0].properties.as_ref().unwrap()["replicas"],
            serde_json::json!(2)
        );
    }

    #[test]
    fn delete_removes_and_a_missing_component_counts_as_deleted() {
        let folder = Folder::new("delete");
        let a = component("a", COMPONENT_TYPE, "app:1");
        apply(&folder.provider(), &[&a], ComponentAction::Update, false).unwrap();
        for _ in 0..2 {
            let results = apply(&folder.provider(), &[&a], ComponentAction::Delete, false);
            assert_eq!(results.unwrap()["a"].status, State::Deleted);
            assert!(get(&folder.provider(), &[&a]).is_empty());
        }
    }

    #[test]
    fn a_dry_run_changes_nothing() {
        let folder = Folder::new("dry-run");
        let a = component("a", COMPONENT_TYPE, "app:1");
        let results = apply(&folder.provider(), &[&a], ComponentAction::Update, true);
        assert_eq!(results.unwrap()["a"].status, State::OK);
        assert!(get(&folder.provider(), &[&a]).is_empty());
    }

    #[test]
    fn a_component_of_another_type_is_refused_with_its_name_and_nothing_changes() {
        let folder = Folder::new("type");
        let (good, bad) = (
            component("good", COMPONENT_TYPE, "app:1"),
            component("bad", "not-mine", "app:1"),
        );
        let err = apply(
            &folder.provider(),
            &[&good, &bad],
            ComponentAction::Update,
            false,
        )
        .unwrap_err();
        assert!(err.contains("`bad` has type `not-mine`"), "{err}");
        assert!(get(&folder.provider(), &[&good]).is_empty());
    }

    #[test]
    fn a_config_without_root_fails_every_call_with_the_reason() {
        let provider = Provider::from_config_json(r#"{"name":"x"}"#);
        let a = component("a", COMPONENT_TYPE, "app:1");
        let err = apply(&provider, &[&a], ComponentAction::Update, false).unwrap_err();
        assert!(err.contains("no `root`"), "{err}");
        let err = provider
            .get(
                DeploymentSpec::empty(),
                steps(&[&a], ComponentAction::Update),
            )
            .unwrap_err();
        assert!(err.contains("no `root`"), "{err}");
    }
}
