//! Why the simulated provider's device channel failed ([`DeviceError`]), with a hint for
//! each cause. Its own file so the channel (`device.rs`) and the typed edits and faults
//! (`device_ops.rs`) both use it without importing each other.

use std::path::PathBuf;

/// Why the device channel failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The library does not export the channel: it is not the simulated provider.
    #[error("`{}` has no device channel: `{symbol}` is missing ({message})", path.display())]
    NoChannel {
        /// The library path.
        path: PathBuf,
        /// The missing export.
        symbol: &'static str,
        /// What the dynamic loader said.
        message: String,
    },
    /// The library exports the channel's functions, but its marker does not name the ABI this
    /// harness calls them with (another simulator version, or a library imitating it).
    #[error(
        "`{}` has a device channel of an unknown ABI: its `SIM_DEVICE_CHANNEL` marker is {}, \
         this harness speaks `{expected}`",
        path.display(),
        found.as_deref().map_or_else(|| "missing".to_string(), |text| format!("`{text}`"))
    )]
    UnknownChannel {
        /// The library path.
        path: PathBuf,
        /// The marker's text, if any.
        found: Option<String>,
        /// The ABI this harness calls the channel with.
        expected: &'static str,
    },
    /// A string holds a NUL byte, which a C string cannot carry.
    #[error("the {what} holds a NUL byte and cannot be passed to the device channel")]
    Nul {
        /// Which argument.
        what: &'static str,
    },
    /// `sim_device_snapshot` returned NULL.
    #[error("`sim_device_snapshot` of `{}` returned NULL for config {config_json}", path.display())]
    SnapshotFailed {
        /// The library path.
        path: PathBuf,
        /// The binding config sent.
        config_json: String,
    },
    /// `sim_device_components` returned NULL.
    #[error("`sim_device_components` of `{}` returned NULL for config {config_json}", path.display())]
    ComponentsFailed {
        /// The library path.
        path: PathBuf,
        /// The binding config sent.
        config_json: String,
    },
    /// `sim_device_write` returned non-zero.
    #[error("`sim_device_write` of `{}` failed for config {config_json}", path.display())]
    WriteFailed {
        /// The library path.
        path: PathBuf,
        /// The binding config sent.
        config_json: String,
    },
    /// `sim_device_arm` returned non-zero.
    #[error("`sim_device_arm` of `{}` failed for config {config_json}", path.display())]
    ArmFailed {
        /// The library path.
        path: PathBuf,
        /// The binding config sent.
        config_json: String,
    },
    /// `sim_device_clear_faults` returned non-zero.
    #[error("`sim_device_clear_faults` of `{}` failed for config {config_json}", path.display())]
    ClearFailed {
        /// The library path.
        path: PathBuf,
        /// The binding config sent.
        config_json: String,
    },
    /// A fault does not fit its call and effect; nothing was armed.
    #[error("fault {index} (`{label}`) cannot be armed: {reason}")]
    BadFault {
        /// Its index in the list given.
        index: usize,
        /// Its label (`<call> <effect> [component]`).
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// An edit names a component that is not on the device.
    #[error(
        "the device has no component `{component}`; it holds {}",
        names_or_none(found)
    )]
    MissingComponent {
        /// The component the edit names.
        component: String,
        /// The components on the device.
        found: Vec<String>,
    },
    /// An edit deletes a property the component does not have.
    #[error(
        "component `{component}` on the device has no property `{property}`; it has {}",
        names_or_none(found)
    )]
    MissingProperty {
        /// The component.
        component: String,
        /// The property the edit names.
        property: String,
        /// The component's properties.
        found: Vec<String>,
    },
    /// An edit adds a component that is already on the device.
    #[error("the device already holds a component `{component}`")]
    ComponentExists {
        /// The component.
        component: String,
    },
    /// The snapshot (or the components) is not the documented JSON.
    #[error("the device snapshot is not a `symphony-sim-device/1` document")]
    BadSnapshot {
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// The components could not be serialised.
    #[error("the components cannot be serialised")]
    Serialise {
        /// The serialisation error.
        #[source]
        source: serde_json::Error,
    },
}

/// `` `a`, `b` `` or `none`.
fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

impl DeviceError {
    /// What the user can do about it, on a line of its own.
    pub fn hint(&self) -> Option<String> {
        match self {
            DeviceError::NoChannel { .. } => Some(
                "only the simulated provider (`libsymphony_sim_provider.so`) has a device \
                 channel; for another provider, read the device through its own means"
                    .into(),
            ),
            DeviceError::UnknownChannel { .. } => Some(
                "use the simulated provider built from this harness's workspace \
                 (`cargo build -p symphony-sim-provider`)"
                    .into(),
            ),
            DeviceError::SnapshotFailed { .. }
            | DeviceError::ComponentsFailed { .. }
            | DeviceError::WriteFailed { .. }
            | DeviceError::ArmFailed { .. }
            | DeviceError::ClearFailed { .. } => Some(
                "the simulator printed the reason on stderr (a bad `sim.*` value, an unreadable \
                 store, or components or faults it cannot parse)"
                    .into(),
            ),
            DeviceError::MissingComponent { .. } | DeviceError::MissingProperty { .. } => Some(
                "an edit changes what is on the device now: read it with a device snapshot \
                 first, or add the component with `addComponent`"
                    .into(),
            ),
            _ => None,
        }
    }
}
