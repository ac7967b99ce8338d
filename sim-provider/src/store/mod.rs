//! Where devices live: process memory, or one JSON file per device in a directory.
//!
//! Symphony creates a provider for every call and never drops it, and a crashed call must not
//! wipe the device, so no state lives in the provider value. Every access is a locked
//! transaction on the whole device ([`Store::update`]):
//! - **memory** (`sim.store` = `memory`): a process-global map behind a mutex, shared by every
//!   provider made from this library image, on every thread. Fast; gone with the process.
//! - **directory** (`sim.store` = an absolute path): `<dir>/<device>.json` (format in
//!   [`crate::device`]). A transaction takes an exclusive `flock` on `<dir>/<device>.lock`
//!   (a separate file, because the state file's inode changes on every write), reads the
//!   state, and replaces it atomically: write `.<device>.json.<pid>.<n>.tmp`, then `rename`.
//!   `flock` locks belong to an open file description, so they exclude other threads of this
//!   process (each transaction opens its own) as well as other processes. A process that dies
//!   mid-transaction leaves the old state (and at worst a stray temp file); its lock is
//!   released by the kernel. No `fsync`: this guards against crashes and concurrent calls,
//!   not against power loss.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use rustix::fs::{flock, FlockOperation};

use crate::config::StoreKind;
use crate::device::{DeviceState, FORMAT};

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
            StoreKind::Dir(dir) => {
                let _lock = self.lock(dir, FlockOperation::LockExclusive)?;
                let mut state = self.read_file(dir)?;
                let out = f(&mut state);
                self.write_file(dir, &state)?;
                Ok(out)
            }
        }
    }

    /// Runs `f` on the device's state under its lock without changing it (a device not yet
    /// created reads as empty and is not created). Cheaper than [`Store::read`]: nothing is
    /// copied in memory, nothing written in a directory.
    pub fn peek<T>(&self, f: impl FnOnce(&DeviceState) -> T) -> Result<T, StoreError> {
        match &self.kind {
            StoreKind::Memory => {
                let devices = memory().lock().unwrap_or_else(PoisonError::into_inner);
                Ok(match devices.get(&self.device) {
                    Some(state) => f(state),
                    None => f(&DeviceState::new(&self.device)),
                })
            }
            StoreKind::Dir(dir) => {
                let _lock = self.lock(dir, FlockOperation::LockShared)?;
                Ok(f(&self.read_file(dir)?))
            }
        }
    }

    /// A copy of the device's state, read under its lock.
    pub fn read(&self) -> Result<DeviceState, StoreError> {
        match &self.kind {
            StoreKind::Memory => self.update(|state| state.clone()),
            StoreKind::Dir(dir) => {
                let _lock = self.lock(dir, FlockOperation::LockShared)?;
                self.read_file(dir)
            }
        }
    }

    fn lock(&self, dir: &Path, operation: FlockOperation) -> Result<File, StoreError> {
        fs::create_dir_all(dir).map_err(|err| store_error("cannot create store", dir, err))?;
        let path = dir.join(format!("{}.lock", self.device));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|err| store_error("cannot open lock file", &path, err))?;
        loop {
            match flock(&file, operation) {
                Ok(()) => return Ok(file),
                Err(rustix::io::Errno::INTR) => continue,
                Err(err) => return Err(store_error("cannot lock", &path, err)),
            }
        }
    }

    fn read_file(&self, dir: &Path) -> Result<DeviceState, StoreError> {
        let path = dir.join(format!("{}.json", self.device));
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == ErrorKind::NotFound => {
                return Ok(DeviceState::new(&self.device))
            }
            Err(err) => return Err(store_error("cannot read device state", &path, err)),
        };
        let state: DeviceState = serde_json::from_str(&text).map_err(|err| {
            store_error(
                "device state is not readable",
                &path,
                format!("expected a `{FORMAT}` document; {err}"),
            )
        })?;
        if state.format != FORMAT {
            return Err(store_error(
                "device state has another format",
                &path,
                format!("expected `{FORMAT}`, found `{}`", state.format),
            ));
        }
        Ok(state)
    }

    fn write_file(&self, dir: &Path, state: &DeviceState) -> Result<(), StoreError> {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let path = dir.join(format!("{}.json", self.device));
        let temp = dir.join(format!(
            ".{}.json.{}.{}.tmp",
            self.device,
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let text = serde_json::to_vec_pretty(state)
            .map_err(|err| store_error("cannot serialise device state for", &path, err))?;
        let written = File::create(&temp)
            .and_then(|mut file| file.write_all(&text))
            .and_then(|()| fs::rename(&temp, &path));
        written.map_err(|err: io::Error| {
            let _ = fs::remove_file(&temp);
            store_error("cannot write device state", &path, err)
        })
    }
}

#[cfg(test)]
mod tests {
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
                .components
                .insert("x".into(), StoredComponent::visible(component("x")));
        })
        .unwrap();
        assert_eq!(a.read().unwrap().components.len(), 1);
        assert!(b.read().unwrap().components.is_empty());
        let text = fs::read_to_string(dir.path().join("a.json")).unwrap();
        assert!(text.contains(FORMAT), "{text}");
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
                                state.components.insert(
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
        assert_eq!(state.components.len(), 80);
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
        assert!(err.contains(FORMAT), "{err}");
    }
}
