//! Where a run keeps its simulated devices: a scratch folder of its own, removed when the run
//! ends, in memory when the machine offers it.
//!
//! A scenario's directory store makes, rewrites and removes a few small files per device, and
//! `explore` a device per history. On a disk file system that is real work (on ext4, creating
//! an inode scans for recently deleted ones: a quarter of an in-process `explore`, and more
//! than the scenario layer's own share of a round); in `/dev/shm` (tmpfs) it costs next to
//! nothing. `docs/performance.md` has the figures.

use std::io;

/// A folder in memory on Linux (tmpfs), where one can be made.
const MEMORY_FOLDER: &str = "/dev/shm";

/// A new scratch folder named `<prefix>…`, removed when dropped: in `TMPDIR` when it is set
/// (the user chose), else in `/dev/shm` when a folder can be made there, else in the system's
/// temporary folder.
pub fn scratch_folder(prefix: &str) -> io::Result<tempfile::TempDir> {
    let builder = || {
        let mut builder = tempfile::Builder::new();
        builder.prefix(prefix);
        builder
    };
    if std::env::var_os("TMPDIR").is_none() {
        if let Ok(folder) = builder().tempdir_in(MEMORY_FOLDER) {
            return Ok(folder);
        }
    }
    builder().tempdir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_folder_is_made_with_its_prefix_and_removed_when_dropped() {
        let folder = scratch_folder("symphony-harness-test-").unwrap();
        let path = folder.path().to_path_buf();
        assert!(path.is_dir());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("symphony-harness-test-"), "{name}");
        if std::env::var_os("TMPDIR").is_none() && std::path::Path::new(MEMORY_FOLDER).is_dir() {
            assert!(path.starts_with(MEMORY_FOLDER), "{}", path.display());
        }
        drop(folder);
        assert!(!path.exists());
    }
}
