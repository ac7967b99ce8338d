//! An example Eclipse Symphony Rust target provider: its "device" is one JSON file.
//!
//! The binding config names a folder, `root`; the provider keeps every component it deployed
//! in `<root>/components.json`, keyed by name, exactly as `apply` received it. Small as it is,
//! it does what Symphony needs of a provider and what the harness's conformance suite checks:
//!
//! - state lives on the device (the file), never in the provider value: Symphony creates a new
//!   provider for every call;
//! - every change is a read-modify-write under an exclusive lock (`<root>/components.lock`)
//!   and lands by an atomic rename, so providers applying at once lose no update;
//! - `get` reports only the components it is asked about, with the type and property values
//!   they were applied with;
//! - `apply` returns a result for every component, deletes of missing components succeed, a
//!   dry run changes nothing, and a refused component gets a message saying why;
//! - bad input is an `Err` or a failed result, never a panic.
//!
//! Its tests (`tests/`) use `symphony_harness::testing`: the whole conformance suite on the
//! built `cdylib` and on the type in-process, and scenario files with snapshots.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{c_char, CStr};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use symphony::models::{
    ComponentAction, ComponentResultSpec, ComponentSpec, ComponentStep, DeploymentSpec,
    DeploymentStep, State, ValidationRule,
};
use symphony::{ITargetProvider, ProviderWrapper};

/// The binding config key naming the folder that holds the components file.
pub const ROOT_KEY: &str = "root";

/// The components file, inside `root`.
const COMPONENTS_FILE: &str = "components.json";

/// The lock file every read and change holds, inside `root`.
const LOCK_FILE: &str = "components.lock";

/// What the device holds: every deployed component by name.
type Components = BTreeMap<String, ComponentSpec>;

/// One provider instance: the folder it works in, or why the binding config gave none.
#[derive(Debug, Clone)]
pub struct FileProvider {
    root: Result<PathBuf, String>,
}

impl FileProvider {
    /// A provider for the binding config `config_json` (what `create_provider` receives):
    /// a JSON object of strings with `root`. A config without one still makes a provider,
    /// whose calls fail saying so (Symphony reports a NULL provider only as "InitFailed").
    pub fn new(config_json: &str) -> FileProvider {
        let config: Result<HashMap<String, String>, _> = serde_json::from_str(config_json);
        let root = match config {
            Err(err) => Err(format!(
                "the binding config is not a JSON object of strings: {err}"
            )),
            Ok(config) => match config.get(ROOT_KEY) {
                Some(root) if !root.is_empty() => Ok(PathBuf::from(root)),
                _ => Err(format!(
                    "the binding config has no `{ROOT_KEY}`: set it to the folder that holds \
                     the components file"
                )),
            },
        };
        FileProvider { root }
    }

    fn root(&self) -> Result<&Path, String> {
        self.root.as_deref().map_err(Clone::clone)
    }

    /// Runs `work` on the device's components under its lock (shared to read, exclusive to
    /// change); a change is written back when `work` returns `Some`.
    fn with_components<T>(
        &self,
        exclusive: bool,
        work: impl FnOnce(&Components) -> (T, Option<Components>),
    ) -> Result<T, String> {
        let root = self.root()?;
        std::fs::create_dir_all(root)
            .map_err(|err| format!("cannot make the folder `{}`: {err}", root.display()))?;
        let lock_path = root.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|err| format!("cannot open `{}`: {err}", lock_path.display()))?;
        let locked = if exclusive {
            lock.lock()
        } else {
            lock.lock_shared()
        };
        locked.map_err(|err| format!("cannot lock `{}`: {err}", lock_path.display()))?;
        let file = root.join(COMPONENTS_FILE);
        let components = read_components(&file)?;
        let (value, changed) = work(&components);
        if let Some(changed) = changed {
            write_components(&file, &changed)?;
        }
        // Dropping `lock` closes it, which releases the lock.
        Ok(value)
    }
}

/// The components in `file` (none when it does not exist yet).
fn read_components(file: &Path) -> Result<Components, String> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|err| format!("`{}` is not a components file: {err}", file.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Components::new()),
        Err(err) => Err(format!("cannot read `{}`: {err}", file.display())),
    }
}

/// Writes `components` to `file` through a temporary file renamed over it: a reader sees the
/// old file or the new one, never half of one.
fn write_components(file: &Path, components: &Components) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(components)
        .map_err(|err| format!("cannot encode the components: {err}"))?;
    let temporary = file.with_extension("json.new");
    let written = File::create(&temporary)
        .and_then(|mut out| out.write_all(&text).and_then(|()| out.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, file));
    written.map_err(|err| format!("cannot write `{}`: {err}", file.display()))
}

fn result(status: State, message: impl Into<String>) -> ComponentResultSpec {
    ComponentResultSpec {
        status,
        message: message.into(),
    }
}

/// Why a component cannot be deployed, if it cannot.
fn refusal(component: &ComponentSpec) -> Option<String> {
    component
        .name
        .trim()
        .is_empty()
        .then(|| "a component needs a name: the file keys components by name".to_string())
}

impl ITargetProvider for FileProvider {
    fn get_validation_rule(&self) -> Result<ValidationRule, String> {
        // Compares every property (`*`), as the provider reports them all.
        Ok(ValidationRule::default())
    }

    fn get(
        &self,
        _deployment: DeploymentSpec,
        references: Vec<ComponentStep>,
    ) -> Result<Vec<ComponentSpec>, String> {
        self.with_components(false, |components| {
            let mut seen = Vec::new();
            let found = references
                .iter()
                .filter_map(|reference| {
                    let name = &reference.component.name;
                    if seen.contains(name) {
                        return None;
                    }
                    seen.push(name.clone());
                    components.get(name).cloned()
                })
                .collect();
            (found, None)
        })
    }

    fn apply(
        &self,
        _deployment: DeploymentSpec,
        step: DeploymentStep,
        is_dry_run: bool,
    ) -> Result<HashMap<String, ComponentResultSpec>, String> {
        self.with_components(!is_dry_run, |components| {
            let mut changed = components.clone();
            let mut dirty = false;
            let mut results = HashMap::new();
            for ComponentStep { action, component } in &step.components {
                let outcome = match (action, refusal(component)) {
                    (ComponentAction::Update, Some(why)) => result(State::UpdateFailed, why),
                    (_, _) if is_dry_run => result(State::OK, "dry run: nothing changed"),
                    (ComponentAction::Update, None) => {
                        changed.insert(component.name.clone(), component.clone());
                        dirty = true;
                        result(State::Updated, "")
                    }
                    (ComponentAction::Delete, _) => {
                        // Not there is as good as deleted.
                        dirty |= changed.remove(&component.name).is_some();
                        result(State::Deleted, "")
                    }
                };
                results.insert(component.name.clone(), outcome);
            }
            (results, dirty.then_some(changed))
        })
    }
}

/// Creates the provider Symphony calls, from the binding config JSON.
///
/// # Safety
///
/// `config_json` is NULL or a NUL-terminated string that stays valid for the call, as
/// Symphony's host passes it.
#[no_mangle]
pub unsafe extern "C" fn create_provider(config_json: *const c_char) -> *mut ProviderWrapper {
    let config = if config_json.is_null() {
        String::new()
    } else {
        // SAFETY: not NULL, and the caller passes a NUL-terminated string valid for the call.
        unsafe { CStr::from_ptr(config_json) }
            .to_string_lossy()
            .into_owned()
    };
    Box::into_raw(Box::new(ProviderWrapper {
        inner: Box::new(FileProvider::new(&config)),
    }))
}
