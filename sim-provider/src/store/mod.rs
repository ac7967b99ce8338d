//! Where devices live: process memory, or files in a directory.
//!
//! Symphony creates a provider for every call and never drops it, and a crashed call must not
//! wipe the device, so no state lives in the provider value. Every access is a locked
//! transaction on the whole device ([`Store::update`]):
//! - **memory** (`sim.store` = `memory`): a process-global map behind a mutex, shared by every
//!   provider made from this library image, on every thread. Fast; gone with the process.
//! - **directory** (`sim.store` = an absolute path): a few files per device, changed in place
//!   under a `flock`, shared by processes and safe against a process dying at any point
//!   ([`dir`] has the layout and the protocol). A call costs about what it changes: the counter
//!   and the journal on every call, the device's state document only when the components or
//!   the armed faults change.

mod dir;
mod header;
mod journal;

pub use dir::FILE_FORMAT;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::config::StoreKind;
use crate::device::DeviceState;

/// Why the device could not be read or written.
#[derive(Debug)]
pub struct StoreError {
    what: &'static str,
    path: PathBuf,
    detail: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}`: {}",
            self.what,
            self.path.display(),
            self.detail
        )
    }
}

impl std::error::Error for StoreError {}

fn store_error(what: &'static str, path: &Path, detail: impl fmt::Display) -> StoreError {
    StoreError {
        what,
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// One device in one store.
#[derive(Debug, Clone)]
pub struct Store {
    kind: StoreKind,
    device: String,
}

fn memory() -> &'static Mutex<HashMap<String, DeviceState>> {
    static DEVICES: OnceLock<Mutex<HashMap<String, DeviceState>>> = OnceLock::new();
    DEVICES.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Store {
    /// The device `device` in the store `kind`.
    pub fn new(kind: &StoreKind, device: &str) -> Store {
        Store {
            kind: kind.clone(),
            device: device.to_string(),
        }
    }

    /// The state file of a directory store, `None` for memory.
    pub fn state_path(&self) -> Option<PathBuf> {
        match &self.kind {
            StoreKind::Memory => None,
            StoreKind::Dir(dir) => Some(dir.join(format!("{}.json", self.device))),
        }
    }

    /// Runs `f` on the device's state under the device's lock and keeps what it leaves.
    pub fn update<T>(&self, f: impl FnOnce(&mut DeviceState) -> T) -> Result<T, StoreError> {
        match &self.kind {
            StoreKind::Memory => {
                // Every change is made on the map in place by `f`; a panic in `f` (a bug of
                // the simulator itself) leaves a usable map, so a poisoned lock is taken over.
                let mut devices = memory().lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(state) = devices.get_mut(&self.device) {
                    return Ok(f(state));
                }
                let state = devices
                    .entry(self.device.clone())
                    .or_insert_with(|| DeviceState::new(&self.device));
                Ok(f(state))
            }
            StoreKind::Dir(dir) => dir::update(dir, &self.device, f),
        }
    }

    /// Runs `f` on the device's state under its lock without changing it (a device not yet
    /// created reads as empty and is not created). Cheaper than [`Store::read`]: nothing is
    /// copied, and a directory store does not read the journal (`f` sees it empty).
    pub fn peek<T>(&self, f: impl FnOnce(&DeviceState) -> T) -> Result<T, StoreError> {
        match &self.kind {
            StoreKind::Memory => {
                let devices = memory().lock().unwrap_or_else(PoisonError::into_inner);
                Ok(match devices.get(&self.device) {
                    Some(state) => f(state),
                    None => f(&DeviceState::new(&self.device)),
                })
            }
            StoreKind::Dir(dir) => dir::peek(dir, &self.device, f),
        }
    }

    /// A copy of the device's whole state (journal included), read under its lock.
    pub fn read(&self) -> Result<DeviceState, StoreError> {
        match &self.kind {
            StoreKind::Memory => self.update(|state| state.clone()),
            StoreKind::Dir(dir) => dir::read(dir, &self.device),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::device::StoredComponent;
    use symphony::models::ComponentSpec;

    fn component(name: &str) -> ComponentSpec {
        serde_json::from_value(serde_json::json!({ "name": name })).unwrap()
    }

    fn dir_store(dir: &Path, device: &str) -> Store {
        Store::new(&StoreKind::Dir(dir.to_path_buf()), device)
    }

    #[test]
    fn directory_store_round_trips_and_keeps_devices_apart() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir_store(dir.path(), "a");
        let b = dir_store(dir.path(), "b");
        a.update(|state| {
            state
                .components_mut()
                .insert("x".into(), StoredComponent::visible(component("x")));
        })
        .unwrap();
        assert_eq!(a.read().unwrap().components().len(), 1);
        assert!(b.read().unwrap().components().is_empty());
        let text = fs::read_to_string(dir.path().join("a.json")).unwrap();
        assert!(text.contains(FILE_FORMAT), "{text}");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn concurrent_updates_from_threads_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let store = dir_store(dir.path(), "shared");
                scope.spawn(move || {
                    for i in 0..10 {
                        store
                            .update(|state| {
                                let name = format!("t{thread}-{i}");
                                state.components_mut().insert(
                                    name.clone(),
                                    StoredComponent::visible(component(&name)),
                                );
                                state.calls += 1;
                            })
                            .unwrap();
                    }
                });
            }
        });
        let state = dir_store(dir.path(), "shared").read().unwrap();
        assert_eq!(state.components().len(), 80);
        assert_eq!(state.calls, 80);
    }

    #[test]
    fn peek_reads_without_creating_or_writing_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir_store(dir.path(), "peeked");
        assert_eq!(store.peek(|state| state.calls).unwrap(), 0);
        assert!(!dir.path().join("peeked.json").exists());
        let memory = Store::new(&StoreKind::Memory, "store-unit-peeked");
        assert_eq!(
            memory.peek(|state| state.device.clone()).unwrap(),
            "store-unit-peeked"
        );
        memory.update(|state| state.calls = 7).unwrap();
        assert_eq!(memory.peek(|state| state.calls).unwrap(), 7);
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("bad.json"), "{not json").unwrap();
        let err = dir_store(dir.path(), "bad").read().unwrap_err().to_string();
        assert!(err.starts_with("device state is not readable `"), "{err}");
        assert!(err.contains("bad.json"), "{err}");
        assert!(err.contains(FILE_FORMAT), "{err}");
        fs::write(dir.path().join("other.json"), r#"{"format":"x"}"#).unwrap();
        let err = dir_store(dir.path(), "other")
            .read()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("device state has another format"), "{err}");
    }
}
