//! The exported C functions: Symphony's entry point `create_provider`, and the harness's
//! channel to the device (`sim_device_snapshot`, `sim_device_components`, `sim_device_write`,
//! `sim_device_arm`, `sim_device_clear_faults`, `sim_string_free`, and the
//! `SIM_DEVICE_CHANNEL` marker that names their ABI).
//!
//! The only `unsafe` code of the crate: each function copies its C strings at once and hands
//! over to safe Rust ([`crate::channel`], [`SimConfig`]). None of them panics on bad input (a
//! panic here would abort the host process); they return NULL or `-1` and say why on stderr.

use std::ffi::{c_char, CStr, CString};

use symphony::ProviderWrapper;

use crate::bugs::Bug;
use crate::{channel, SimConfig, SimProvider};

/// The device channel's marker: names the ABI of `sim_device_snapshot`,
/// `sim_device_components`, `sim_device_write`, `sim_device_arm`, `sim_device_clear_faults`
/// and `sim_string_free` below. The harness reads it from the library's bytes, without running
/// any code, before it calls them; change the version when a function or a signature changes.
///
/// `symphony-sim-device-channel/3`: `sim_device_snapshot(config_json: *const c_char) -> *mut
/// c_char`, `sim_device_components(config_json: *const c_char) -> *mut c_char`,
/// `sim_device_write(config_json: *const c_char, components_json: *const c_char) -> i32`,
/// `sim_device_arm(config_json: *const c_char, faults_json: *const c_char) -> i32`,
/// `sim_device_clear_faults(config_json: *const c_char) -> i32`, `sim_string_free(ptr: *mut
/// c_char)`, all `extern "C"`. (Version 2 lacked `sim_device_components`, version 1 the two
/// fault functions too.)
#[no_mangle]
pub static SIM_DEVICE_CHANNEL: [u8; 30] = *b"symphony-sim-device-channel/3\0";

/// Copies a C string argument; `None` for NULL.
///
/// # Safety
///
/// `ptr` must be NULL or point to a NUL-terminated string valid for the duration of the call.
unsafe fn copy_arg(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: not NULL, and per this function's contract NUL-terminated and valid during the
    // call; the bytes are copied before returning and the pointer is not kept.
    let text = unsafe { CStr::from_ptr(ptr) };
    Some(text.to_string_lossy().into_owned())
}

/// Symphony's entry point: builds a provider from the binding config JSON.
///
/// Returns NULL, with the reason on stderr, when the config is not a JSON object of strings or
/// names an unknown `sim.*` key or a bad value (or under the `null-create` bug).
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string that stays valid for the
/// duration of the call (Symphony frees it right after).
#[no_mangle]
pub unsafe extern "C" fn create_provider(config_json: *const c_char) -> *mut ProviderWrapper {
    // SAFETY: forwarded contract: NULL or a valid NUL-terminated string for this call.
    // The zero-argument call of the tutorial's era passes no config.
    let text = unsafe { copy_arg(config_json) }.unwrap_or_else(|| String::from("{}"));
    match SimConfig::shared(&text) {
        Ok(config) if config.has(Bug::NullCreate) => {
            eprintln!("symphony-sim-provider: bug `null-create`: returning NULL");
            std::ptr::null_mut()
        }
        Ok(config) => {
            config.print("create_provider");
            let wrapper = ProviderWrapper {
                inner: Box::new(SimProvider::new(config)),
            };
            Box::into_raw(Box::new(wrapper))
        }
        Err(err) => {
            eprintln!("symphony-sim-provider: create_provider refused its config: {err}");
            std::ptr::null_mut()
        }
    }
}

/// The true state of the device that `config_json` (a binding config) names, as JSON (see
/// [`crate::device`] for the format). Free the result with [`sim_string_free`]. NULL, with the
/// reason on stderr, for a bad config or an unreadable store.
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string valid during the call.
#[no_mangle]
pub unsafe extern "C" fn sim_device_snapshot(config_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded contract: NULL or a valid NUL-terminated string for this call.
    let Some(config) = (unsafe { copy_arg(config_json) }) else {
        eprintln!("symphony-sim-provider: sim_device_snapshot: config_json is NULL");
        return std::ptr::null_mut();
    };
    let snapshot = channel::snapshot_json(&config).and_then(|json| {
        CString::new(json).map_err(|_| "the snapshot holds a NUL byte".to_string())
    });
    match snapshot {
        Ok(json) => json.into_raw(),
        Err(err) => {
            eprintln!("symphony-sim-provider: sim_device_snapshot: {err}");
            std::ptr::null_mut()
        }
    }
}

/// The components of the device that `config_json` names, as JSON (name to stored component,
/// as in the snapshot), read without its counter and journal; free it with
/// [`sim_string_free`]. NULL, with the reason on stderr, for a bad config or an unreadable
/// store.
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string valid during the call.
#[no_mangle]
pub unsafe extern "C" fn sim_device_components(config_json: *const c_char) -> *mut c_char {
    // SAFETY: forwarded contract: NULL or a valid NUL-terminated string for this call.
    let Some(config) = (unsafe { copy_arg(config_json) }) else {
        eprintln!("symphony-sim-provider: sim_device_components: config_json is NULL");
        return std::ptr::null_mut();
    };
    let components = channel::components_json(&config).and_then(|json| {
        CString::new(json).map_err(|_| "the components hold a NUL byte".to_string())
    });
    match components {
        Ok(json) => json.into_raw(),
        Err(err) => {
            eprintln!("symphony-sim-provider: sim_device_components: {err}");
            std::ptr::null_mut()
        }
    }
}

/// Replaces the components of the device that `config_json` names with `components_json`, a
/// JSON array of components; calls and journal are kept. Returns 0, or -1 with the reason on
/// stderr.
///
/// # Safety
///
/// Both arguments must be NULL or point to NUL-terminated strings valid during the call.
#[no_mangle]
pub unsafe extern "C" fn sim_device_write(
    config_json: *const c_char,
    components_json: *const c_char,
) -> i32 {
    // SAFETY: forwarded contract: each is NULL or a valid NUL-terminated string for this call.
    let (config, components) = unsafe { (copy_arg(config_json), copy_arg(components_json)) };
    let (Some(config), Some(components)) = (config, components) else {
        eprintln!("symphony-sim-provider: sim_device_write: an argument is NULL");
        return -1;
    };
    match channel::write_components(&config, &components) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("symphony-sim-provider: sim_device_write: {err}");
            -1
        }
    }
}

/// Arms faults on the device that `config_json` names: `faults_json` is a JSON array of faults
/// ([`crate::faults`]), appended to those already armed. Returns 0, or -1 with the reason on
/// stderr (then nothing is armed).
///
/// # Safety
///
/// Both arguments must be NULL or point to NUL-terminated strings valid during the call.
#[no_mangle]
pub unsafe extern "C" fn sim_device_arm(
    config_json: *const c_char,
    faults_json: *const c_char,
) -> i32 {
    // SAFETY: forwarded contract: each is NULL or a valid NUL-terminated string for this call.
    let (config, faults) = unsafe { (copy_arg(config_json), copy_arg(faults_json)) };
    let (Some(config), Some(faults)) = (config, faults) else {
        eprintln!("symphony-sim-provider: sim_device_arm: an argument is NULL");
        return -1;
    };
    match channel::arm_faults(&config, &faults) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("symphony-sim-provider: sim_device_arm: {err}");
            -1
        }
    }
}

/// Removes every fault armed on the device that `config_json` names. Returns 0, or -1 with the
/// reason on stderr.
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string valid during the call.
#[no_mangle]
pub unsafe extern "C" fn sim_device_clear_faults(config_json: *const c_char) -> i32 {
    // SAFETY: forwarded contract: NULL or a valid NUL-terminated string for this call.
    let Some(config) = (unsafe { copy_arg(config_json) }) else {
        eprintln!("symphony-sim-provider: sim_device_clear_faults: config_json is NULL");
        return -1;
    };
    match channel::clear_faults(&config) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("symphony-sim-provider: sim_device_clear_faults: {err}");
            -1
        }
    }
}

/// Frees a string returned by [`sim_device_snapshot`] or [`sim_device_components`]. NULL is a
/// no-op.
///
/// # Safety
///
/// `ptr` must be NULL or a pointer returned by `sim_device_snapshot` or
/// `sim_device_components` of this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn sim_string_free(ptr: *mut c_char) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per the contract the pointer came from `CString::into_raw` in this library, so
    // `from_raw` frees it with the allocator that made it, exactly once.
    drop(unsafe { CString::from_raw(ptr) });
}
