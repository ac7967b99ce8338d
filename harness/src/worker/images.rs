//! The library images this process's workers load, judged once and handed to each later
//! worker start (`load::image`): a worker restarted for a new provider process, or after a
//! crash, then maps the sealed image its supervisor keeps instead of reading, hashing and
//! inspecting the file again.
//!
//! Owns the one process-wide list of libraries workers loaded and their images. A library's
//! first worker loads it by path, as before (its failures are reported as they always were);
//! the image is judged at its second start, and only handed over while it has the hash that
//! worker loaded and the file on disk has not changed since it was read.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::errors::error_chain;
use crate::load::{ExpectedHash, LoadOptions, Placement, SharedImage};

/// A library as a supervisor names it: its path here, the binding's `libHash`, and whether
/// an incompatible one is loaded anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Library<'a> {
    pub(super) path: &'a Path,
    pub(super) lib_hash: &'a str,
    pub(super) force: bool,
}

/// A library a worker of this process loaded.
struct Known {
    path: PathBuf,
    lib_hash: String,
    force: bool,
    /// The SHA-256 its last worker reported.
    sha256: String,
    /// Its judged image, once a second worker start asked for it.
    image: Option<Arc<SharedImage>>,
}

/// The libraries kept (each image holds a sealed copy of its library).
const KEPT: usize = 8;

impl Known {
    fn is(&self, spec: &Library<'_>) -> bool {
        self.path == spec.path && self.lib_hash == spec.lib_hash && self.force == spec.force
    }
}

static KNOWN: Mutex<Vec<Known>> = Mutex::new(Vec::new());

fn known() -> MutexGuard<'static, Vec<Known>> {
    KNOWN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The image to hand the next worker of `spec`, if a worker of this process loaded it before
/// and it is unchanged (judged now, the first time); `None`: load by path. The caller keeps it
/// until the worker has loaded it: its descriptor must not close (and its number be given to
/// another file) before the worker opened it.
pub(super) fn image_for(spec: &Library<'_>) -> Option<Arc<SharedImage>> {
    let mut known = known();
    let entry = known.iter_mut().find(|k| k.is(spec))?;
    let usable = |image: &SharedImage, sha256: &str| image.sha256() == sha256 && image.is_current();
    if let Some(image) = &entry.image {
        if usable(image, &entry.sha256) {
            return Some(Arc::clone(image));
        }
    }
    let options = LoadOptions {
        expected_hash: ExpectedHash::parse(spec.lib_hash),
        force: spec.force,
        placement: Placement::Worker,
    };
    entry.image = match SharedImage::judge(spec.path, &options) {
        Ok(image) if usable(&image, &entry.sha256) => Some(Arc::new(image)),
        Ok(_) => None,
        Err(err) => {
            tracing::debug!("no shared image of the library: {}", error_chain(&err));
            None
        }
    };
    entry.image.clone()
}

/// Records that a worker loaded `spec`, whose bytes have `sha256`.
pub(super) fn loaded(spec: &Library<'_>, sha256: &str) {
    let mut known = known();
    match known.iter().position(|k| k.is(spec)) {
        Some(at) => {
            let mut entry = known.remove(at);
            if entry.sha256 != sha256 {
                entry.sha256 = sha256.to_string();
                entry.image = None;
            }
            known.push(entry);
        }
        None => {
            if known.len() >= KEPT {
                known.remove(0);
            }
            known.push(Known {
                path: spec.path.to_path_buf(),
                lib_hash: spec.lib_hash.to_string(),
                force: spec.force,
                sha256: sha256.to_string(),
                image: None,
            });
        }
    }
}
