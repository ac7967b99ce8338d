//! Device steps, through the simulated provider's device channel (placeholder until the
//! channel's typed edits land).

use super::format::{DeviceEdit, Fault};
use crate::load::{DeviceChannel, DeviceError};
use crate::model::BindingConfig;

pub(super) fn edit(
    _channel: &DeviceChannel,
    _config: &BindingConfig,
    _edit: &DeviceEdit,
) -> Result<(), DeviceError> {
    Err(DeviceError::Nul {
        what: "edit (not yet supported)",
    })
}

pub(super) fn arm(
    _channel: &DeviceChannel,
    _config: &BindingConfig,
    _faults: &[Fault],
) -> Result<(), DeviceError> {
    Err(DeviceError::Nul {
        what: "fault (not yet supported)",
    })
}

pub(super) fn clear_faults(
    _channel: &DeviceChannel,
    _config: &BindingConfig,
) -> Result<(), DeviceError> {
    Err(DeviceError::Nul {
        what: "fault (not yet supported)",
    })
}
