//! Watching files for `--watch`: when a library or scenario file a command was given changes,
//! say which, once it has gone quiet.
//!
//! Owns the inotify watches (through `notify`), turning a burst of events into one
//! [`Change`] once every file in it has kept its size, modification time and inode for a
//! settle period, and what a watched file holds at a moment ([`FileState`]: missing,
//! unreadable, not a complete library yet, or its SHA-256) and whether going from one state to
//! another calls for a re-run ([`FileChange`]); and the one loop of every `--watch`
//! ([`watch_loop`]), which hands each change to the command ([`Rerun`]). Does not run anything
//! and does not print: the command re-runs its suite, diffs the verdicts
//! ([`crate::check::suite::changes`], [`crate::scenario::result::changes`]) and
//! [`crate::report::watch`] renders them.
//!
//! Main type: [`Watch`], built by [`Watch::new`] and told what to watch with [`Watch::file`]
//! and [`Watch::folder`]; [`Watch::next_change`] blocks until something changed or its `stop`
//! says so (it asks every [`POLL`], so a signal is heard while nothing changes).
//!
//! Why folders are watched, never the files themselves: cargo replaces a library by writing a
//! new file and renaming or hard-linking it over the old one, and a watch on the file would
//! follow the old inode and hear nothing more. So each file's folder is watched, and events are
//! kept by file name.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::inspect::Fingerprint;

/// How long a changed file must stay the same before it counts as written: cargo writes a
/// library, then renames it into place, in well under this.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(300);

/// How often a waiting [`Watch::next_change`] asks its `stop` whether to give up.
pub const POLL: Duration = Duration::from_millis(100);

/// Why files cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// inotify could not be set up (e.g. the per-user limit of instances is reached).
    #[error("cannot start watching files")]
    Start(#[source] notify::Error),
    /// The folder of a watched file does not exist or cannot be resolved.
    #[error("cannot watch `{}`: its folder `{}` cannot be found", path.display(), folder.display())]
    NoFolder {
        /// The file or folder to watch, as given.
        path: PathBuf,
        /// The folder that would be watched.
        folder: PathBuf,
        /// What resolving it said.
        #[source]
        source: io::Error,
    },
    /// inotify refused a watch on the folder (e.g. `fs.inotify.max_user_watches`).
    #[error("cannot watch the folder `{}`", folder.display())]
    Folder {
        /// The folder.
        folder: PathBuf,
        /// What inotify said.
        #[source]
        source: notify::Error,
    },
    /// The watcher's thread ended: no more events will come.
    #[error("the file watcher stopped")]
    Stopped,
}

impl WatchError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            WatchError::Start(_) | WatchError::Folder { .. } => Some(
                "inotify's limits may be reached: see `sysctl fs.inotify`, or run without \
                 `--watch`"
                    .to_string(),
            ),
            WatchError::NoFolder { .. } => {
                Some("create the folder (e.g. build the library once) and start again".to_string())
            }
            WatchError::Stopped => None,
        }
    }
}

/// One thing to watch for: a file, by name in its folder, or every file of a folder with an
/// extension.
#[derive(Debug, Clone)]
enum Target {
    File {
        given: PathBuf,
        folder: PathBuf,
        name: OsString,
    },
    Folder {
        given: PathBuf,
        folder: PathBuf,
        extension: OsString,
    },
}

impl Target {
    /// The path (as the user gave it, or below the folder they gave) that an event on
    /// `path` (under a canonical folder) is about, if it is about this target.
    fn matches(&self, path: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        let parent = path.parent()?;
        match self {
            Target::File {
                given,
                folder,
                name: wanted,
            } => (parent == folder && name == wanted).then(|| given.clone()),
            Target::Folder {
                given,
                folder,
                extension,
            } => (parent == folder && path.extension() == Some(extension.as_os_str()))
                .then(|| given.join(name)),
        }
    }

    /// The path a lost event (the kernel's queue overflowed) stands for.
    fn given(&self) -> PathBuf {
        match self {
            Target::File { given, .. } | Target::Folder { given, .. } => given.clone(),
        }
    }
}

/// Files that changed and have gone quiet since, each once, sorted; paths as the command was
/// given them (a file found in a watched folder: the folder joined with its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The files.
    pub paths: Vec<PathBuf>,
}

/// Watches files through their folders; see the module documentation.
pub struct Watch {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    folders: BTreeSet<PathBuf>,
    targets: Vec<Target>,
    settle: Duration,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("folders", &self.folders)
            .field("targets", &self.targets)
            .field("settle", &self.settle)
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// A watch with nothing to watch yet; a change counts once its files stayed the same for
    /// `settle` ([`DEFAULT_SETTLE`]).
    pub fn new(settle: Duration) -> Result<Watch, WatchError> {
        let (sender, events) = mpsc::channel();
        let watcher = notify::recommended_watcher(sender).map_err(WatchError::Start)?;
        Ok(Watch {
            watcher,
            events,
            folders: BTreeSet::new(),
            targets: Vec::new(),
            settle,
        })
    }

    /// Watches the file `path` (which need not exist yet; its folder must).
    pub fn file(&mut self, path: &Path) -> Result<(), WatchError> {
        let Some(name) = path.file_name() else {
            return Err(WatchError::NoFolder {
                path: path.to_path_buf(),
                folder: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
            });
        };
        let folder = self.watch_folder(path, parent_of(path))?;
        self.targets.push(Target::File {
            given: path.to_path_buf(),
            folder,
            name: name.to_os_string(),
        });
        Ok(())
    }

    /// Watches the files of the folder `path` whose names end in `.extension` (not those in
    /// its subfolders): written, added or removed.
    pub fn folder(&mut self, path: &Path, extension: &str) -> Result<(), WatchError> {
        let folder = self.watch_folder(path, path)?;
        self.targets.push(Target::Folder {
            given: path.to_path_buf(),
            folder,
            extension: extension.into(),
        });
        Ok(())
    }

    /// Forgets every file and folder given so far (their folders stay watched, and events
    /// there are ignored), to be told again what to watch.
    pub fn clear(&mut self) {
        self.targets.clear();
    }

    /// Watches `folder` (once), returning its canonical path, as events name it.
    fn watch_folder(&mut self, given: &Path, folder: &Path) -> Result<PathBuf, WatchError> {
        let canonical = folder
            .canonicalize()
            .map_err(|source| WatchError::NoFolder {
                path: given.to_path_buf(),
                folder: folder.to_path_buf(),
                source,
            })?;
        if !self.folders.contains(&canonical) {
            self.watcher
                .watch(&canonical, RecursiveMode::NonRecursive)
                .map_err(|source| WatchError::Folder {
                    folder: folder.to_path_buf(),
                    source,
                })?;
            self.folders.insert(canonical.clone());
        }
        Ok(canonical)
    }

    /// Waits until a watched file changes and then stays the same for the settle period,
    /// and returns every file that changed meanwhile; `None` as soon as `stop` says so
    /// (asked every [`POLL`]). Events that came before this call count: nothing written
    /// while the command was busy is missed.
    pub fn next_change(&mut self, stop: &dyn Fn() -> bool) -> Result<Option<Change>, WatchError> {
        let mut pending = BTreeSet::new();
        while pending.is_empty() {
            if stop() {
                return Ok(None);
            }
            match self.events.recv_timeout(POLL) {
                Ok(event) => self.collect(event, &mut pending),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(WatchError::Stopped),
            }
        }
        // Quiet: no event on these files, and each one's size, time and inode kept, for a
        // whole settle period.
        let mut last = samples(&pending);
        loop {
            let deadline = Instant::now() + self.settle;
            loop {
                if stop() {
                    return Ok(None);
                }
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                match self.events.recv_timeout((deadline - now).min(POLL)) {
                    Ok(event) => self.collect(event, &mut pending),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Err(WatchError::Stopped),
                }
            }
            let now = samples(&pending);
            if now == last {
                return Ok(Some(Change {
                    paths: pending.into_iter().collect(),
                }));
            }
            last = now;
        }
    }

    /// Adds the watched files `event` is about to `pending`.
    fn collect(&self, event: notify::Result<Event>, pending: &mut BTreeSet<PathBuf>) {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                // Whatever was lost, a look at every file tells.
                tracing::warn!("file watcher: {err}");
                pending.extend(self.targets.iter().map(Target::given));
                return;
            }
        };
        if event.need_rescan() {
            pending.extend(self.targets.iter().map(Target::given));
            return;
        }
        if !writes(&event.kind) {
            return;
        }
        for path in &event.paths {
            pending.extend(self.targets.iter().filter_map(|t| t.matches(path)));
        }
    }
}

/// Whether an event of `kind` may have changed what a file holds: anything but opening and
/// reading it (which the command itself does, to hash and load it).
fn writes(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The folder of `path`: its parent, or `.` for a bare file name.
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Size, modification time and inode of a file, or `None` while it is missing.
type Sample = Option<(u64, Option<SystemTime>, u64)>;

fn samples(paths: &BTreeSet<PathBuf>) -> BTreeMap<PathBuf, Sample> {
    paths
        .iter()
        .map(|path| {
            let sample = std::fs::metadata(path)
                .ok()
                .map(|m| (m.len(), m.modified().ok(), m.ino()));
            (path.clone(), sample)
        })
        .collect()
}

/// What a watched file holds at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// There is no such file.
    Missing,
    /// It cannot be read: why.
    Unreadable(String),
    /// A library whose bytes are not a complete ELF library (yet): what the parser said.
    Incomplete(String),
    /// Readable, with the SHA-256 of its bytes (lowercase hex).
    Present {
        /// The SHA-256.
        sha256: String,
    },
}

impl FileState {
    /// What the file at `path` holds, read as a scenario file (any bytes).
    pub fn of_file(path: &Path) -> FileState {
        match std::fs::read(path) {
            Ok(bytes) => FileState::Present {
                sha256: sha256_of(&bytes),
            },
            Err(err) => FileState::from_error(&err),
        }
    }

    /// What the file at `path` holds, read as a library: bytes that are no ELF library are
    /// [`FileState::Incomplete`] (a library still being written, usually).
    pub fn of_library(path: &Path) -> FileState {
        match std::fs::read(path) {
            Ok(bytes) => match Fingerprint::from_bytes(&bytes) {
                Ok(_) => FileState::Present {
                    sha256: sha256_of(&bytes),
                },
                Err(err) => FileState::Incomplete(err.to_string()),
            },
            Err(err) => FileState::from_error(&err),
        }
    }

    fn from_error(err: &io::Error) -> FileState {
        if err.kind() == io::ErrorKind::NotFound {
            FileState::Missing
        } else {
            FileState::Unreadable(err.to_string())
        }
    }

    /// The SHA-256, when the file is present.
    pub fn sha256(&self) -> Option<&str> {
        match self {
            FileState::Present { sha256 } => Some(sha256),
            _ => None,
        }
    }
}

fn sha256_of(bytes: &[u8]) -> String {
    // Reading from memory cannot fail.
    crate::load::sha256_hex(bytes).unwrap_or_default()
}

/// What a watched file is to the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A provider library: checked, or loaded by scenarios.
    Library,
    /// A scenario file.
    Scenario,
}

/// A watched file, before and after a [`Change`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file, as the command was given it.
    pub path: PathBuf,
    /// What it is to the command.
    pub role: Role,
    /// What it held when the last verdict was made.
    pub before: FileState,
    /// What it holds now.
    pub after: FileState,
}

impl FileChange {
    /// Whether the verdict may differ now, so the command should run again: a library with
    /// new bytes, complete; a scenario file with new bytes, added or removed. A library that
    /// is missing or half-written is only reported (running would judge a file that is not
    /// there yet), and so is a file that came back with the bytes it had.
    pub fn calls_for_run(&self) -> bool {
        if self.before == self.after {
            return false;
        }
        match (self.role, &self.after) {
            (Role::Library, FileState::Present { .. }) => true,
            (Role::Library, _) => false,
            (Role::Scenario, FileState::Present { .. } | FileState::Missing) => true,
            (Role::Scenario, _) => false,
        }
    }
}

impl Role {
    /// What the file at `path` holds now, read as this role reads it.
    pub fn state_of(self, path: &Path) -> FileState {
        match self {
            Role::Library => FileState::of_library(path),
            Role::Scenario => FileState::of_file(path),
        }
    }
}

/// What a command that `--watch` runs again does: it knows what each watched file held when
/// its last verdict was made, says what changed, and runs again.
pub trait Rerun {
    /// What stops the loop: the command's own errors (a watch error among them).
    type Error: From<WatchError>;

    /// What `path` held when the last verdict was made, and what it is to the command.
    fn last_seen(&self, path: &Path) -> (Role, FileState);

    /// The files that changed, before anything runs (to say so).
    fn changed(&mut self, files: &[FileChange]) -> Result<(), Self::Error>;

    /// Runs again for `files` (one at least calls for a run); may watch other files from now
    /// on. [`Next::Stop`](crate::jobs::Next::Stop) ends the loop (a run cut short by a signal).
    fn rerun(
        &mut self,
        files: &[FileChange],
        watch: &mut Watch,
    ) -> Result<crate::jobs::Next, Self::Error>;
}

/// `--watch`: waits for the watched files to change and hands each change to `command`, until
/// `stop` says so or the command stops.
pub fn watch_loop<C: Rerun>(
    watch: &mut Watch,
    command: &mut C,
    stop: &dyn Fn() -> bool,
) -> Result<(), C::Error> {
    while let Some(change) = watch.next_change(stop)? {
        let files: Vec<FileChange> = change
            .paths
            .into_iter()
            .map(|path| {
                let (role, before) = command.last_seen(&path);
                let after = role.state_of(&path);
                FileChange {
                    path,
                    role,
                    before,
                    after,
                }
            })
            .collect();
        command.changed(&files)?;
        if !files.iter().any(FileChange::calls_for_run) {
            continue;
        }
        if command.rerun(&files, watch)? == crate::jobs::Next::Stop {
            break;
        }
    }
    Ok(())
}

impl crate::errors::Explain for WatchError {
    fn hint(&self) -> Option<String> {
        WatchError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long a test waits for an event before it fails.
    const LIMIT: Duration = Duration::from_secs(20);

    /// Waits for the next change, failing the test after [`LIMIT`].
    fn next(watch: &mut Watch) -> Change {
        let deadline = Instant::now() + LIMIT;
        watch
            .next_change(&|| Instant::now() > deadline)
            .expect("the watcher runs")
            .unwrap_or_else(|| panic!("no change within {LIMIT:?}"))
    }

    /// Writes `bytes` next to `path` and renames it over `path`, as cargo replaces a library.
    fn replace(path: &Path, bytes: &[u8]) {
        let temp = path.with_extension("tmp-new");
        std::fs::write(&temp, bytes).unwrap();
        std::fs::rename(&temp, path).unwrap();
    }

    #[test]
    fn a_file_replaced_by_rename_is_one_change_and_its_neighbours_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("libwatched.so");
        std::fs::write(&library, b"first").unwrap();
        let mut watch = Watch::new(Duration::from_millis(20)).unwrap();
        watch.file(&library).unwrap();
        // A neighbour written first, then the burst on the watched file: write, rename, touch.
        std::fs::write(dir.path().join("libother.so"), b"other").unwrap();
        replace(&library, b"second");
        std::fs::write(&library, b"third").unwrap();
        assert_eq!(
            next(&mut watch),
            Change {
                paths: vec![library.clone()]
            }
        );
        // The watch survives the rename: the new file is watched by its name.
        replace(&library, b"fourth");
        assert_eq!(next(&mut watch).paths, vec![library]);
    }

    #[test]
    fn a_watched_folder_reports_its_files_with_the_extension_added_edited_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let scenarios = dir.path().join("scenarios");
        std::fs::create_dir(&scenarios).unwrap();
        let old = scenarios.join("old.json");
        std::fs::write(&old, b"{}").unwrap();
        let mut watch = Watch::new(Duration::from_millis(20)).unwrap();
        watch.folder(&scenarios, "json").unwrap();
        std::fs::write(scenarios.join("notes.txt"), b"not a scenario").unwrap();
        std::fs::write(scenarios.join("new.json"), b"{}").unwrap();
        std::fs::remove_file(&old).unwrap();
        let mut seen = BTreeSet::new();
        while seen.len() < 2 {
            seen.extend(next(&mut watch).paths);
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            vec![scenarios.join("new.json"), old]
        );
    }

    #[test]
    fn reading_a_watched_file_is_no_change() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("libread.so");
        std::fs::write(&library, b"bytes").unwrap();
        let mut watch = Watch::new(Duration::from_millis(20)).unwrap();
        watch.file(&library).unwrap();
        let marker = dir.path().join("marker");
        watch.file(&marker).unwrap();
        // Reads (as hashing and loading do), then a write to another watched file: the
        // first change names only the written one.
        let _ = std::fs::read(&library).unwrap();
        let _ = FileState::of_library(&library);
        std::fs::write(&marker, b"written").unwrap();
        assert_eq!(next(&mut watch).paths, vec![marker]);
    }

    #[test]
    fn waiting_ends_when_stop_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut watch = Watch::new(DEFAULT_SETTLE).unwrap();
        watch.file(&dir.path().join("libnothing.so")).unwrap();
        assert_eq!(watch.next_change(&|| true).unwrap(), None);
    }

    #[test]
    fn a_file_in_a_missing_folder_cannot_be_watched_and_says_which_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut watch = Watch::new(DEFAULT_SETTLE).unwrap();
        let err = watch
            .file(&dir.path().join("no-such-folder/libx.so"))
            .unwrap_err();
        assert!(
            err.to_string().contains("no-such-folder` cannot be found"),
            "{err}"
        );
        assert!(err.hint().is_some());
    }

    #[test]
    fn states_tell_missing_incomplete_and_present_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("libstate.so");
        assert_eq!(FileState::of_library(&path), FileState::Missing);
        std::fs::write(&path, b"\x7fELF half").unwrap();
        assert!(
            matches!(FileState::of_library(&path), FileState::Incomplete(_)),
            "{:?}",
            FileState::of_library(&path)
        );
        assert_eq!(
            FileState::of_file(&path).sha256().map(str::len),
            Some(64),
            "any bytes are a scenario file's"
        );
        assert!(matches!(
            FileState::of_file(dir.path()),
            FileState::Unreadable(_)
        ));
    }

    #[test]
    fn a_run_is_called_for_by_new_bytes_and_removed_scenarios_only() {
        let present = |sha: &str| FileState::Present { sha256: sha.into() };
        let cases = [
            (
                "library rebuilt",
                Role::Library,
                present("a"),
                present("b"),
                true,
            ),
            (
                "library same bytes",
                Role::Library,
                present("a"),
                present("a"),
                false,
            ),
            (
                "library missing",
                Role::Library,
                present("a"),
                FileState::Missing,
                false,
            ),
            (
                "library half-written",
                Role::Library,
                present("a"),
                FileState::Incomplete("truncated".into()),
                false,
            ),
            (
                "library back",
                Role::Library,
                FileState::Missing,
                present("a"),
                true,
            ),
            (
                "scenario edited",
                Role::Scenario,
                present("a"),
                present("b"),
                true,
            ),
            (
                "scenario added",
                Role::Scenario,
                FileState::Missing,
                present("b"),
                true,
            ),
            (
                "scenario removed",
                Role::Scenario,
                present("a"),
                FileState::Missing,
                true,
            ),
            (
                "scenario unreadable",
                Role::Scenario,
                present("a"),
                FileState::Unreadable("denied".into()),
                false,
            ),
        ];
        for (name, role, before, after, expected) in cases {
            let change = FileChange {
                path: PathBuf::from("x"),
                role,
                before,
                after,
            };
            assert_eq!(change.calls_for_run(), expected, "{name}");
        }
    }
}
