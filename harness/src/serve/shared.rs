//! What the request threads and the job threads of `serve` share: the settings, the objects,
//! the records and the sink; one lock each.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::events::{ObjectRef, ServeSink};
use super::record::Record;
use super::store::Store;
use crate::model::Symphony;
use crate::worker::Backend;

/// How the server reconciles.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Symphony release whose routes and JSON the server speaks.
    pub release: Symphony,
    /// How providers run.
    pub backend: Backend,
    /// Where a binding's `libFile` under `/extensions/` is found.
    pub extensions: PathBuf,
    /// The jobs manager's poll interval (Symphony: 15 s); `None`: rounds run only when an
    /// object is written or deleted.
    pub poll: Option<Duration>,
}

/// What the request threads and the job threads share.
pub struct Shared {
    /// How the server reconciles.
    pub settings: Settings,
    /// The objects.
    pub store: Mutex<Store>,
    /// What happened to each reconciled object.
    pub records: Mutex<BTreeMap<ObjectRef, Record>>,
    /// Where events go.
    pub sink: Arc<dyn ServeSink>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// `mutex`, locked; a thread that panicked holding it left whole values (every change under
/// these locks is one insert, remove or assignment).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
