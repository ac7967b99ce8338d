//! The simulated provider's device channel: the device's true state, read and changed behind
//! the provider's back.
//!
//! Owns calling the simulator's extra exports (`sim_device_snapshot`, `sim_device_components`,
//! `sim_device_write`, `sim_device_arm`, `sim_device_clear_faults`, `sim_string_free`) safely
//! and reading their JSON. Scenarios and checks use it as ground truth: what is really on the device, whatever
//! `get` says; drift made on purpose ([`DeviceEdit`]); and faults armed for the next calls
//! ([`Fault`]; their types live in `device_ops.rs`).
//! Does not know how the simulator keeps devices (memory or a directory; "The device
//! channel" in `docs/simulator.md` documents both).
//!
//! Main type: [`DeviceChannel`], opened on a [`LoadedLibrary`]; a device is picked by the same
//! [`BindingConfig`] its providers get (`sim.device`, `sim.store`). For the `memory` store it
//! reaches the devices of the library image loaded in this process.

use std::collections::BTreeMap;
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::device_error::DeviceError;
use super::device_ops::{DeviceEdit, Fault};
use super::LoadedLibrary;
use crate::inspect::{Fingerprint, DEVICE_CHANNEL_FUNCTIONS};
use crate::model::{BindingConfig, ComponentSpec};

/// The device channel ABI this harness calls: the text the simulator's `SIM_DEVICE_CHANNEL`
/// marker must hold. Version 3: `sim_device_snapshot(config_json: *const c_char) -> *mut
/// c_char`, `sim_device_components(config_json: *const c_char) -> *mut c_char`,
/// `sim_device_write(config_json, components_json: *const c_char) -> i32`,
/// `sim_device_arm(config_json, faults_json: *const c_char) -> i32`,
/// `sim_device_clear_faults(config_json: *const c_char) -> i32`, `sim_string_free(ptr: *mut
/// c_char)`, all `extern "C"`; the types below. (Version 2 had no `sim_device_components`,
/// version 1 no fault functions.)
pub const DEVICE_CHANNEL_ABI: &str = "symphony-sim-device-channel/3";

type SnapshotFn = unsafe extern "C" fn(config_json: *const c_char) -> *mut c_char;
type WriteFn =
    unsafe extern "C" fn(config_json: *const c_char, components_json: *const c_char) -> i32;
type ArmFn = unsafe extern "C" fn(config_json: *const c_char, faults_json: *const c_char) -> i32;
type ClearFn = unsafe extern "C" fn(config_json: *const c_char) -> i32;
type FreeFn = unsafe extern "C" fn(ptr: *mut c_char);

/// One component on the device.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceComponent {
    /// The component as stored.
    pub spec: ComponentSpec,
    /// How many more `get`s asking for it will not report it (`sim.visibleAfterGets`).
    #[serde(default)]
    pub hidden_for_gets: u32,
}

/// A drift the simulator made before a `get`.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceDrift {
    /// The component.
    pub component: String,
    /// The property.
    pub property: String,
    /// Its value before (`null` if it had none).
    pub from: Value,
    /// Its value after.
    pub to: Value,
}

/// The fault decisions the simulator took for one call.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCall {
    /// The device's call number, from 1.
    pub call: u64,
    /// `get`, `apply`, or `get_validation_rule` (journaled only when it consumed a fault; it
    /// is not counted, so `call` is then the number of the last `get`/`apply`).
    pub op: String,
    /// The latency it was given.
    pub latency_ms: u64,
    /// Whether it returned a transient error.
    pub failed: bool,
    /// Whether it was slow.
    pub slow: bool,
    /// The drift made before it.
    pub drift: Option<DeviceDrift>,
    /// The armed faults it consumed, by label ([`Fault::label`]), in arming order.
    #[serde(default)]
    pub faults: Vec<String>,
}

/// The true state of a simulated device.
#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSnapshot {
    /// The device id.
    pub device: String,
    /// How many `get`/`apply` calls reached it.
    #[serde(default)]
    pub calls: u64,
    /// Its components, by name.
    #[serde(default)]
    pub components: BTreeMap<String, DeviceComponent>,
    /// Its last calls, oldest first.
    #[serde(default)]
    pub journal: Vec<DeviceCall>,
    /// The faults still armed (a counted fault with what is left of its count), in arming
    /// order; a consumed fault is gone.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

impl DeviceSnapshot {
    /// One component's stored spec.
    pub fn component(&self, name: &str) -> Option<&ComponentSpec> {
        self.components.get(name).map(|stored| &stored.spec)
    }

    /// The names of the components on the device, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.components.keys().map(String::as_str).collect()
    }
}

/// The device channel of a loaded simulated provider.
pub struct DeviceChannel {
    library: Arc<LoadedLibrary>,
    snapshot: SnapshotFn,
    components: SnapshotFn,
    write: WriteFn,
    arm: ArmFn,
    clear: ClearFn,
    free: FreeFn,
}

impl std::fmt::Debug for DeviceChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceChannel")
            .field("library", &self.library.path())
            .finish_non_exhaustive()
    }
}

/// Refuses a library whose inspection does not show the channel: one of its functions is not
/// exported, or the `SIM_DEVICE_CHANNEL` marker does not name [`DEVICE_CHANNEL_ABI`].
fn check_evidence(path: &Path, fingerprint: &Fingerprint) -> Result<(), DeviceError> {
    let exported = |name: &str| {
        fingerprint
            .channel_exports
            .iter()
            .any(|found| found == name)
    };
    if let Some(symbol) = DEVICE_CHANNEL_FUNCTIONS
        .into_iter()
        .find(|name| !exported(name))
    {
        return Err(DeviceError::NoChannel {
            path: path.to_path_buf(),
            symbol,
            message: "the inspection found no such export".to_string(),
        });
    }
    if fingerprint.device_channel.as_deref() != Some(DEVICE_CHANNEL_ABI) {
        return Err(DeviceError::UnknownChannel {
            path: path.to_path_buf(),
            found: fingerprint.device_channel.clone(),
            expected: DEVICE_CHANNEL_ABI,
        });
    }
    Ok(())
}

impl DeviceChannel {
    /// Finds the channel's exports in `library`, once its inspection (the bytes, no code run)
    /// showed that it carries the channel: its five functions are exported and the
    /// `SIM_DEVICE_CHANNEL` marker names [`DEVICE_CHANNEL_ABI`], the ABI this harness calls
    /// them with. Any other library is refused before a symbol is looked up.
    pub fn open(library: &Arc<LoadedLibrary>) -> Result<DeviceChannel, DeviceError> {
        check_evidence(library.path(), library.fingerprint())?;
        let missing = |symbol: &'static str| {
            move |message: String| DeviceError::NoChannel {
                path: library.path().to_path_buf(),
                symbol,
                message,
            }
        };
        // SAFETY: each type is the signature that the channel ABI named by the library's
        // `SIM_DEVICE_CHANNEL` marker, read from its bytes above, gives that name
        // (`sim-provider/src/ffi.rs`, `symphony-sim-device-channel/3`). The library is an
        // `AcceptedLibrary` that was loaded, so these bytes are the ones mapped.
        let snapshot = unsafe { library.function::<SnapshotFn>("sim_device_snapshot") }
            .map_err(missing("sim_device_snapshot"))?;
        // SAFETY: as above.
        let components = unsafe { library.function::<SnapshotFn>("sim_device_components") }
            .map_err(missing("sim_device_components"))?;
        // SAFETY: as above.
        let write = unsafe { library.function::<WriteFn>("sim_device_write") }
            .map_err(missing("sim_device_write"))?;
        // SAFETY: as above.
        let arm = unsafe { library.function::<ArmFn>("sim_device_arm") }
            .map_err(missing("sim_device_arm"))?;
        // SAFETY: as above.
        let clear = unsafe { library.function::<ClearFn>("sim_device_clear_faults") }
            .map_err(missing("sim_device_clear_faults"))?;
        // SAFETY: as above.
        let free = unsafe { library.function::<FreeFn>("sim_string_free") }
            .map_err(missing("sim_string_free"))?;
        Ok(DeviceChannel {
            library: Arc::clone(library),
            snapshot,
            components,
            write,
            arm,
            clear,
            free,
        })
    }

    /// The device's state as the simulator's JSON.
    pub fn snapshot_json(&self, config: &BindingConfig) -> Result<String, DeviceError> {
        self.read_json(self.snapshot, config, |path, config_json| {
            DeviceError::SnapshotFailed { path, config_json }
        })
    }

    /// The device's state.
    pub fn snapshot(&self, config: &BindingConfig) -> Result<DeviceSnapshot, DeviceError> {
        let text = self.snapshot_json(config)?;
        serde_json::from_str(&text).map_err(|source| DeviceError::BadSnapshot { source })
    }

    /// The device's components alone, by name: what [`Self::snapshot`] holds under
    /// `components`, read without the call counter and the journal (a scenario reads them
    /// after every step; the journal would cost more than they do).
    pub fn components(
        &self,
        config: &BindingConfig,
    ) -> Result<BTreeMap<String, DeviceComponent>, DeviceError> {
        let text = self.read_json(self.components, config, |path, config_json| {
            DeviceError::ComponentsFailed { path, config_json }
        })?;
        serde_json::from_str(&text).map_err(|source| DeviceError::BadSnapshot { source })
    }

    /// The text one of the channel's reading functions returns for `config`; `failed` makes
    /// the error (from the library path and the config sent) when it returns NULL.
    fn read_json(
        &self,
        read: SnapshotFn,
        config: &BindingConfig,
        failed: impl FnOnce(PathBuf, String) -> DeviceError,
    ) -> Result<String, DeviceError> {
        let config_json = config.to_json();
        let c_config = c_config(&config_json)?;
        // SAFETY: `c_config` is a valid NUL-terminated string that outlives the call; the
        // simulator copies it at once.
        let ptr = unsafe { read(c_config.as_ptr()) };
        if ptr.is_null() {
            return Err(failed(self.library.path().to_path_buf(), config_json));
        }
        // SAFETY: a non-NULL result is a NUL-terminated string made by the simulator's
        // `CString::into_raw`, valid until freed; it is copied here and then freed exactly once
        // by the simulator's own `sim_string_free`, with the allocator that made it.
        let text = unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: see above: `ptr` came from the channel's reading function and is freed once.
        unsafe { (self.free)(ptr) };
        Ok(text)
    }

    /// Replaces the device's components behind the provider's back (its call counter and
    /// journal are kept; the components are visible at once).
    pub fn write(
        &self,
        config: &BindingConfig,
        components: &[ComponentSpec],
    ) -> Result<(), DeviceError> {
        let config_json = config.to_json();
        let components_json = serde_json::to_string(components)
            .map_err(|source| DeviceError::Serialise { source })?;
        let c_config = c_config(&config_json)?;
        let c_components =
            CString::new(components_json).map_err(|_| DeviceError::Nul { what: "components" })?;
        // SAFETY: two valid NUL-terminated strings that outlive the call; the simulator copies
        // them at once.
        let status = unsafe { (self.write)(c_config.as_ptr(), c_components.as_ptr()) };
        if status == 0 {
            Ok(())
        } else {
            Err(DeviceError::WriteFailed {
                path: self.library.path().to_path_buf(),
                config_json,
            })
        }
    }

    /// Arms `faults` for the device's next calls, after those already armed. Each is checked
    /// first ([`Fault::check`]): if one is refused, nothing is armed.
    pub fn arm(&self, config: &BindingConfig, faults: &[Fault]) -> Result<(), DeviceError> {
        for (index, fault) in faults.iter().enumerate() {
            fault.check().map_err(|reason| DeviceError::BadFault {
                index,
                label: fault.label(),
                reason,
            })?;
        }
        let faults_json =
            serde_json::to_string(faults).map_err(|source| DeviceError::Serialise { source })?;
        self.arm_json(config, &faults_json)
    }

    /// Arms faults given as the simulator's JSON (an array of faults), unchecked here: the
    /// simulator refuses a malformed list whole, saying why on stderr.
    pub fn arm_json(&self, config: &BindingConfig, faults_json: &str) -> Result<(), DeviceError> {
        let config_json = config.to_json();
        let c_config = c_config(&config_json)?;
        let c_faults =
            CString::new(faults_json).map_err(|_| DeviceError::Nul { what: "faults" })?;
        // SAFETY: two valid NUL-terminated strings that outlive the call; the simulator copies
        // them at once.
        let status = unsafe { (self.arm)(c_config.as_ptr(), c_faults.as_ptr()) };
        if status == 0 {
            Ok(())
        } else {
            Err(DeviceError::ArmFailed {
                path: self.library.path().to_path_buf(),
                config_json,
            })
        }
    }

    /// Removes every fault armed on the device.
    pub fn clear_faults(&self, config: &BindingConfig) -> Result<(), DeviceError> {
        let config_json = config.to_json();
        let c_config = c_config(&config_json)?;
        // SAFETY: a valid NUL-terminated string that outlives the call; the simulator copies it
        // at once.
        let status = unsafe { (self.clear)(c_config.as_ptr()) };
        if status == 0 {
            Ok(())
        } else {
            Err(DeviceError::ClearFailed {
                path: self.library.path().to_path_buf(),
                config_json,
            })
        }
    }

    /// Changes the device's components as `edit` says: reads them, makes the edit and writes
    /// them all back (the harness is the only writer between calls). Like [`Self::write`], it
    /// leaves the call counter, journal and armed faults alone and makes every component visible
    /// at once (a pending `sim.visibleAfterGets` count is dropped). An edit of a component or
    /// property that is not there changes nothing and names what is there.
    pub fn edit(&self, config: &BindingConfig, edit: &DeviceEdit) -> Result<(), DeviceError> {
        let mut components: BTreeMap<String, ComponentSpec> = self
            .components(config)?
            .into_iter()
            .map(|(name, stored)| (name, stored.spec))
            .collect();
        edit.apply_to(&mut components)?;
        let components: Vec<ComponentSpec> = components.into_values().collect();
        self.write(config, &components)
    }
}

/// The binding config as a C string.
fn c_config(config_json: &str) -> Result<CString, DeviceError> {
    CString::new(config_json).map_err(|_| DeviceError::Nul {
        what: "binding config",
    })
}

impl crate::errors::Explain for DeviceError {
    fn hint(&self) -> Option<String> {
        DeviceError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{Abi, Allocator, ModelGeneration, SymphonyCrate};

    fn sim_like(exports: &[&str], marker: Option<&str>) -> Fingerprint {
        Fingerprint {
            architecture: "x86_64".into(),
            shared_object: true,
            rustc: vec![],
            symphony: SymphonyCrate {
                versions: vec![],
                models: ModelGeneration::Unknown,
            },
            abi: Abi::ConfigJson,
            create_provider: true,
            shim_exports: vec![],
            allocator: Allocator::Default,
            stripped: false,
            channel_exports: exports.iter().map(|name| name.to_string()).collect(),
            device_channel: marker.map(str::to_string),
        }
    }

    #[test]
    fn the_channel_needs_every_export_and_the_known_marker() {
        let path = Path::new("/x.so");
        let all = DEVICE_CHANNEL_FUNCTIONS;
        assert!(check_evidence(path, &sim_like(&all, Some(DEVICE_CHANNEL_ABI))).is_ok());
        for (name, exports, missing) in [
            ("none", &[][..], "sim_device_snapshot"),
            (
                "no write",
                &[all[0], all[2], all[3], all[4]][..],
                "sim_device_write",
            ),
            (
                "no arm (channel/1)",
                &[all[0], all[1], all[4]][..],
                "sim_device_arm",
            ),
            (
                "no clear",
                &[all[0], all[1], all[2], all[4]][..],
                "sim_device_clear_faults",
            ),
            (
                "no free",
                &[all[0], all[1], all[2], all[3]][..],
                "sim_string_free",
            ),
            (
                "no components (channel/2)",
                &[all[0], all[1], all[2], all[3], all[4]][..],
                "sim_device_components",
            ),
        ] {
            let err = check_evidence(path, &sim_like(exports, Some(DEVICE_CHANNEL_ABI)));
            assert!(
                matches!(err, Err(DeviceError::NoChannel { symbol, .. }) if symbol == missing),
                "{name}: {err:?}"
            );
        }
        for marker in [
            None,
            Some("symphony-sim-device-channel/2"),
            Some("symphony-sim-device-channel/4"),
        ] {
            let err = check_evidence(path, &sim_like(&all, marker));
            assert!(
                matches!(&err, Err(DeviceError::UnknownChannel { found, .. }) if found.as_deref() == marker),
                "{marker:?}: {err:?}"
            );
        }
    }
}
