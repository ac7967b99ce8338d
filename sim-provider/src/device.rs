//! Simulated devices: component stores that outlive provider instances.
//!
//! Devices live in process memory, one per device id. Symphony creates a provider per call,
//! so state must not live in the provider; a global, locked map is shared by every instance
//! in the process, on every thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock, PoisonError};

use symphony::models::ComponentSpec;

/// The components on one device, by name.
pub type Components = BTreeMap<String, ComponentSpec>;

fn devices() -> &'static Mutex<HashMap<String, Components>> {
    static DEVICES: OnceLock<Mutex<HashMap<String, Components>>> = OnceLock::new();
    DEVICES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Runs `f` with exclusive access to the components of device `id`.
pub fn with_device<T>(id: &str, f: impl FnOnce(&mut Components) -> T) -> T {
    // A panic while holding the lock leaves a consistent map (each change is one insert or
    // remove), so a poisoned lock is still usable.
    let mut all = devices().lock().unwrap_or_else(PoisonError::into_inner);
    f(all.entry(id.to_string()).or_default())
}
