//! A simulated device, as a real Eclipse Symphony Rust target provider.
//!
//! Symphony can load this library as it is: it exports `create_provider` with the `symphony`
//! 0.1.4+ ABI. Each provider it creates talks to a device that lives outside the provider
//! value (Symphony makes a new provider for every `get` and `apply` step and never drops
//! them), so state survives from call to call.
//!
//! Modules:
//! - [`config`]: the binding config (`sim.*` keys), validated strictly.
//! - [`bugs`]: the catalog of provider bugs the simulator can enact on purpose.
//! - [`device`]: the simulated devices and their component store.
//! - [`provider`]: the `ITargetProvider` implementation.
//!
//! The FFI entry point below is the only `unsafe` code.

use std::ffi::{c_char, CStr};

use symphony::ProviderWrapper;

pub mod bugs;
pub mod config;
pub mod device;
pub mod provider;

pub use config::SimConfig;
pub use provider::SimProvider;

/// Symphony's entry point: builds a provider from the binding config JSON.
///
/// Returns NULL, with the reason on stderr, when the config is not a JSON object of strings or
/// names an unknown `sim.*` key or a bad value.
///
/// # Safety
///
/// `config_json` must be NULL or point to a NUL-terminated string that stays valid for the
/// duration of the call (Symphony frees it right after).
#[no_mangle]
pub unsafe extern "C" fn create_provider(config_json: *const c_char) -> *mut ProviderWrapper {
    let text = if config_json.is_null() {
        // The zero-argument call of the tutorial's era passes no config.
        String::from("{}")
    } else {
        // SAFETY: the caller guarantees a valid NUL-terminated string for this call; we copy
        // it at once and never keep the pointer.
        unsafe { CStr::from_ptr(config_json) }
            .to_string_lossy()
            .into_owned()
    };
    match SimConfig::from_json(&text) {
        Ok(config) if config.bugs.contains(&bugs::Bug::NullCreate) => {
            eprintln!("symphony-sim-provider: bug `null-create`: returning NULL");
            std::ptr::null_mut()
        }
        Ok(config) => {
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
