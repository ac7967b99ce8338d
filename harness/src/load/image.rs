//! A library image judged once and loaded by many worker processes.
//!
//! Owns [`SharedImage`], the sealed memory file of an accepted library that a supervisor keeps
//! open, and [`ImageHandoff`], what a worker is told about it: instead of reading, hashing and
//! inspecting the file again (most of a worker start: about 6 ms of a 3.7 MB simulator's 10),
//! the worker opens that same sealed file through `/proc/<supervisor>/fd/<n>` and `dlopen`s it
//! ([`LoadedLibrary::open_handoff`]). The seals make the file immutable for good, so the bytes
//! the worker maps are the bytes the supervisor hashed and judged, as with a load by path.
//!
//! A handoff is an optimisation only: a worker that cannot open it (no `/proc`, another owner)
//! loads by path, and a supervisor whose file changed on disk ([`SharedImage::is_current`])
//! judges the new file again, as a worker loading by path would.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::file::{FileKey, SEALS};
use super::library::AcceptedLibrary;
use super::{HashCheck, LibraryFile, LoadError, LoadOptions, LoadedLibrary};
use crate::inspect::{Fingerprint, Verdict};

/// A judged, sealed library image kept open to be handed to workers.
#[derive(Debug)]
pub struct SharedImage {
    /// The sealed memory file; workers open it through `/proc/<this process>/fd/<n>`.
    sealed: File,
    /// The file on disk when it was read.
    key: FileKey,
    handoff: ImageHandoff,
}

/// What a worker needs to load a [`SharedImage`] without judging it again: where the sealed
/// file is, and what the judgement found.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImageHandoff {
    /// The library's path (for messages, and the fallback load).
    pub path: PathBuf,
    /// The process holding the sealed file open (the worker's supervisor).
    pub owner: u32,
    /// Its descriptor of the sealed file.
    pub fd: i32,
    /// The sealed file's inode: what the worker opened is that very file, not another one
    /// given the descriptor's number since.
    pub inode: u64,
    /// The image's size in bytes.
    pub size: u64,
    /// The SHA-256 of the bytes sealed.
    pub sha256: String,
    /// Whether the hash was checked against `libHash` (`false`: `any`).
    pub hash_checked: bool,
    /// What the inspector read from the bytes.
    pub fingerprint: Fingerprint,
    /// The inspector's verdict.
    pub verdict: Verdict,
    /// The refusals `force` overrode.
    pub forced: Vec<String>,
}

impl SharedImage {
    /// Reads, hashes, judges and seals the library at `path` as a worker's loader does
    /// ([`LibraryFile::accept`] with `options`); runs none of its code.
    pub fn judge(path: &Path, options: &LoadOptions) -> Result<SharedImage, LoadError> {
        let read_error = |source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        };
        // The key is taken before the read: a file replaced during it shows as changed at the
        // next look, never the other way round.
        let key = FileKey::of(path).map_err(read_error)?;
        let accepted = LibraryFile::open(path)?.accept(options)?;
        let inode = accepted.sealed().metadata().map_err(read_error)?.ino();
        let handoff = ImageHandoff {
            path: accepted.path().to_path_buf(),
            owner: std::process::id(),
            fd: accepted.sealed().as_raw_fd(),
            inode,
            size: accepted.size(),
            sha256: accepted.sha256().to_string(),
            hash_checked: accepted.hash_check() == HashCheck::Matched,
            fingerprint: accepted.fingerprint().clone(),
            verdict: accepted.verdict().clone(),
            forced: accepted.forced().to_vec(),
        };
        Ok(SharedImage {
            sealed: accepted.into_sealed(),
            key,
            handoff,
        })
    }

    /// Whether the file on disk is still the one read (one `stat`): a rebuilt library must be
    /// judged again.
    pub fn is_current(&self) -> bool {
        FileKey::of(&self.handoff.path).is_ok_and(|key| key == self.key)
    }

    /// The SHA-256 of the image.
    pub fn sha256(&self) -> &str {
        &self.handoff.sha256
    }

    /// What to send a worker of this process.
    pub fn handoff(&self) -> &ImageHandoff {
        debug_assert_eq!(self.handoff.fd, self.sealed.as_raw_fd());
        &self.handoff
    }
}

/// Why a handoff cannot be loaded (the worker then loads by path).
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// The image is held by a process other than this one's parent.
    #[error("the image is held by process {owner}, not by this worker's supervisor")]
    NotFromParent {
        /// The process named.
        owner: u32,
    },
    /// The sealed file cannot be opened through `/proc`.
    #[error("cannot open `{path}`")]
    Open {
        /// The `/proc` path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file opened is not sealed for good, or not the file (inode, size) announced.
    #[error("`{path}` is not the sealed image announced")]
    NotSealed {
        /// The `/proc` path.
        path: String,
    },
    /// The image was opened but did not load.
    #[error("the shared image did not load")]
    Load(#[source] LoadError),
}

impl LoadedLibrary {
    /// Loads the image `handoff` describes, which this process's parent (its supervisor)
    /// judged and sealed: opens the sealed file through `/proc/<owner>/fd/<fd>`, checks that
    /// it is sealed against every change and holds `size` bytes, then `dlopen`s it as
    /// [`LoadedLibrary::open`] does. The seals guarantee the bytes are those the parent
    /// hashed and inspected.
    pub fn open_handoff(handoff: &ImageHandoff) -> Result<Arc<LoadedLibrary>, HandoffError> {
        let parent = rustix::process::getppid().map_or(0, |pid| pid.as_raw_nonzero().get());
        if i64::from(handoff.owner) != i64::from(parent) {
            return Err(HandoffError::NotFromParent {
                owner: handoff.owner,
            });
        }
        let proc_path = format!("/proc/{}/fd/{}", handoff.owner, handoff.fd);
        let sealed = File::open(&proc_path).map_err(|source| HandoffError::Open {
            path: proc_path.clone(),
            source,
        })?;
        let sealed_for_good = rustix::fs::fcntl_get_seals(&sealed).is_ok_and(|s| s.contains(SEALS));
        let announced = sealed
            .metadata()
            .is_ok_and(|meta| meta.len() == handoff.size && meta.ino() == handoff.inode);
        if !sealed_for_good || !announced {
            return Err(HandoffError::NotSealed { path: proc_path });
        }
        let accepted = AcceptedLibrary::judged_elsewhere(
            LibraryFile::judged_elsewhere(
                handoff.path.clone(),
                handoff.size,
                handoff.sha256.clone(),
            ),
            sealed,
            if handoff.hash_checked {
                HashCheck::Matched
            } else {
                HashCheck::Skipped
            },
            handoff.fingerprint.clone(),
            handoff.verdict.clone(),
            handoff.forced.clone(),
        );
        LoadedLibrary::open(accepted).map_err(HandoffError::Load)
    }
}
