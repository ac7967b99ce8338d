//! The simulated provider's device channel, mapped into this process once per library.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::load::{
    DeviceChannel, DeviceError, ExpectedHash, LibraryFile, LoadError, LoadOptions, LoadedLibrary,
    Placement,
};

/// The device channel of `file` (the simulated provider), loaded into this process once per
/// library: a library is never unloaded (as in Symphony), so each distinct one (by SHA-256)
/// is mapped once however many scenarios, and threads, read its devices.
pub(super) fn open_channel(file: LibraryFile) -> Result<DeviceChannel, LoadedOrChannel> {
    static LOADED: OnceLock<Mutex<HashMap<String, Arc<LoadedLibrary>>>> = OnceLock::new();
    let mut loaded = LOADED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let library = match loaded.get(file.sha256()) {
        Some(library) => Arc::clone(library),
        None => {
            let sha256 = file.sha256().to_string();
            let options = LoadOptions {
                expected_hash: ExpectedHash::Any,
                force: false,
                placement: Placement::InProcess,
            };
            let library = file.load(&options).map_err(LoadedOrChannel::Load)?;
            loaded.insert(sha256, Arc::clone(&library));
            library
        }
    };
    DeviceChannel::open(&library).map_err(LoadedOrChannel::Channel)
}

/// Why [`open_channel`] failed.
pub(super) enum LoadedOrChannel {
    /// The library did not load into this process.
    Load(LoadError),
    /// It loaded, but its device channel could not be opened.
    Channel(DeviceError),
}
