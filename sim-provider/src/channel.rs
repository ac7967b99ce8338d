//! The harness's channel to a device's true state, behind the provider's back.
//!
//! Safe Rust halves of the exported C functions in [`crate::ffi`] (`sim_device_snapshot`,
//! `sim_device_components`, `sim_device_write`, `sim_device_arm`, `sim_device_clear_faults`):
//! the device is picked by the same binding config a provider gets
//! (`sim.device`, `sim.store`; other `sim.*` keys are validated and otherwise ignored), so
//! the harness addresses exactly the device its providers talk to. Works for both stores: for
//! `memory` from any code running in the process that loaded this library image, for a
//! directory from any process.

use symphony::models::ComponentSpec;

use crate::faults;
use crate::store::Store;
use crate::SimConfig;

fn store_for(config_json: &str) -> Result<Store, String> {
    let config = SimConfig::from_json(config_json).map_err(|err| err.to_string())?;
    Ok(Store::new(&config.store, &config.device))
}

/// The device's whole state as JSON (the state file format of [`crate::device`]).
pub fn snapshot_json(config_json: &str) -> Result<String, String> {
    let state = store_for(config_json)?
        .read()
        .map_err(|err| err.to_string())?;
    serde_json::to_string(&state).map_err(|err| format!("cannot serialise device state: {err}"))
}

/// The device's components as JSON: the snapshot's `components` alone (name to stored
/// component), read without the counter and the journal (what the harness reads after every
/// step of a scenario, so it costs only what the components cost).
pub fn components_json(config_json: &str) -> Result<String, String> {
    store_for(config_json)?
        .peek(|state| serde_json::to_string(state.components()))
        .map_err(|err| err.to_string())?
        .map_err(|err| format!("cannot serialise device components: {err}"))
}

/// Replaces the device's components with `components_json`, a JSON array of components
/// (`symphony` `ComponentSpec`s; absent fields may be left out). The call counter and journal
/// are kept; every component is visible at once.
pub fn write_components(config_json: &str, components_json: &str) -> Result<(), String> {
    let store = store_for(config_json)?;
    let components: Vec<ComponentSpec> = serde_json::from_str(components_json).map_err(|err| {
        format!("components are not a JSON array of components (`[{{\"name\":…}}]`): {err}")
    })?;
    store
        .update(|state| state.replace_components(components))
        .map_err(|err| err.to_string())
}

/// Arms the faults of `faults_json`, a JSON array of faults ([`crate::faults`]), after those
/// already armed. Nothing is armed if one of them is malformed; the error names it.
pub fn arm_faults(config_json: &str, faults_json: &str) -> Result<(), String> {
    let store = store_for(config_json)?;
    let faults = faults::parse_list(faults_json)?;
    store
        .update(|state| state.faults_mut().extend(faults))
        .map_err(|err| err.to_string())
}

/// Removes every armed fault of the device.
pub fn clear_faults(config_json: &str) -> Result<(), String> {
    store_for(config_json)?
        .update(|state| {
            if !state.faults().is_empty() {
                state.faults_mut().clear();
            }
        })
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_snapshot_in_a_directory_store() {
        let dir = tempfile::tempdir().unwrap();
        let config = serde_json::json!({
            "sim.store": dir.path().to_str().unwrap(),
            "sim.device": "channel-unit",
        })
        .to_string();
        write_components(&config, r#"[{"name":"a","properties":{"n":1}}]"#).unwrap();
        let snapshot: serde_json::Value =
            serde_json::from_str(&snapshot_json(&config).unwrap()).unwrap();
        assert_eq!(snapshot["components"]["a"]["spec"]["properties"]["n"], 1);
        assert_eq!(snapshot["device"], "channel-unit");
        let components: serde_json::Value =
            serde_json::from_str(&components_json(&config).unwrap()).unwrap();
        assert_eq!(components, snapshot["components"]);
    }

    #[test]
    fn faults_are_appended_kept_in_the_state_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let config = serde_json::json!({
            "sim.store": dir.path().to_str().unwrap(),
            "sim.device": "channel-faults",
        })
        .to_string();
        arm_faults(&config, r#"[{"call":"apply","effect":"fail"}]"#).unwrap();
        arm_faults(
            &config,
            r#"[{"call":"get","effect":"omit","component":"a","times":"always"}]"#,
        )
        .unwrap();
        let snapshot: serde_json::Value =
            serde_json::from_str(&snapshot_json(&config).unwrap()).unwrap();
        assert_eq!(
            snapshot["faults"],
            serde_json::json!([
                {"call":"apply","effect":"fail","times":1},
                {"call":"get","effect":"omit","component":"a","times":"always"}
            ])
        );
        let err = arm_faults(&config, r#"[{"call":"get","effect":"omit"}]"#).unwrap_err();
        assert!(err.contains("needs a `component`"), "{err}");
        clear_faults(&config).unwrap();
        let snapshot: serde_json::Value =
            serde_json::from_str(&snapshot_json(&config).unwrap()).unwrap();
        assert_eq!(snapshot.get("faults"), None, "{snapshot}");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let err = write_components("{}", r#"{"name":"a"}"#).unwrap_err();
        assert!(err.starts_with("components are not a JSON array"), "{err}");
        let err = snapshot_json(r#"{"sim.store":"relative"}"#).unwrap_err();
        assert!(err.contains("`sim.store`"), "{err}");
    }
}
