//! The directory store: each device a few files in a directory, changed in place.
//!
//! The files of device `d` in the store's directory:
//! - `d.lock`: `flock`ed around every transaction; its first line is the [`Header`] (call
//!   counter, versions and committed lengths).
//! - `d.json`: the state document, `{"format":"symphony-sim-device/2","device":"d",
//!   "components":{…},"faults":[…]}` (pretty-printed), followed by spaces where a longer
//!   document was before: the whole file is always one JSON document.
//! - `.d.next`: the next state document while it is being written.
//! - `d.journal`: the journal, one JSON entry per line ([`super::journal`]).
//!
//! A transaction, under an exclusive lock:
//! 1. reads the header, and copies in a state document a dead transaction left pending;
//! 2. reads the state document, unless this process kept the header's version of it;
//! 3. runs the change on it;
//! 4. writes the new journal entries after the committed journal bytes;
//! 5. if the components or faults changed, writes the new document to `.d.next`;
//! 6. writes the header: the new counter and journal length, and for a new document a new
//!    version with `pending` = its length. This one `pwrite` is the commit;
//! 7. for a new document, writes it over `d.json` in place, then the header with `pending` 0.
//!
//! A call that changes nothing on the device (every `get` of a converged device, an `apply`
//! of what is there) costs the lock, two reads it mostly skips, and two small writes; nothing
//! is created, renamed or truncated in a call, so no call waits on the file system's block
//! discard. (The journal is rewritten once in [`crate::device::JOURNAL_LIMIT`] calls.) A
//! process that dies before step 6 leaves the old state, since what it wrote lies beyond the
//! committed lengths; one that dies after it leaves the new state, pending, which the next
//! transaction copies in (a reader under a shared lock reads it from `.d.next`). No `fsync`:
//! this guards against crashes and concurrent calls, not against power loss.
//!
//! A process keeps its open files and the last state document it read for the 16 devices it
//! used last. Threads of one process take turns on a device through a mutex, and processes
//! through the `flock` (a lock belongs to an open file description, which the threads share).
//! The lock file is checked to be the one at its path on every transaction, so a store
//! directory removed and made again is never locked through a stale file.
//!
//! A state file of the first layout (`symphony-sim-device/1`: counter and journal inside, no
//! header) is read as it is and moved to this layout by the first transaction that writes.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustix::fs::{flock, FlockOperation};
use serde::{Deserialize, Serialize};

use super::header::{self, Header};
use super::{journal, store_error, StoreError};
use crate::device::{DeviceState, JournalEntry, StoredComponent, FORMAT, JOURNAL_LIMIT};
use crate::faults::Fault;

/// The `format` of the state document of this layout.
pub const FILE_FORMAT: &str = "symphony-sim-device/2";

/// How many devices a process keeps open.
const KEPT_OPEN: usize = 16;

/// A state document as read: this layout's, or the first layout's with counter and journal.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    format: String,
    #[serde(default)]
    calls: u64,
    #[serde(default)]
    components: BTreeMap<String, StoredComponent>,
    #[serde(default)]
    journal: VecDeque<JournalEntry>,
    #[serde(default)]
    faults: Vec<Fault>,
}

/// A state document as written.
#[derive(Serialize)]
struct StateFileRef<'a> {
    format: &'static str,
    device: &'a str,
    components: &'a BTreeMap<String, StoredComponent>,
    #[serde(skip_serializing_if = "<[Fault]>::is_empty")]
    faults: &'a [Fault],
}

/// The paths of one device's files.
#[derive(Debug)]
struct Paths {
    lock: PathBuf,
    state: PathBuf,
    next: PathBuf,
    journal: PathBuf,
}

impl Paths {
    fn new(dir: &Path, device: &str) -> Paths {
        Paths {
            lock: dir.join(format!("{device}.lock")),
            state: dir.join(format!("{device}.json")),
            next: dir.join(format!(".{device}.next")),
            journal: dir.join(format!("{device}.journal")),
        }
    }
}

/// Where a state came from, for keeping it.
enum Origin {
    /// A device with a header: kept while the header's version stays.
    Version(u64),
    /// A first-layout file (no header): read again every time, rewritten by the next write.
    FirstLayout,
    /// No file at all: a new device.
    Nothing,
}

/// One device of this process: its open files and the state document it read last.
struct OpenDevice {
    device: String,
    dir: PathBuf,
    paths: Paths,
    lock: Arc<File>,
    /// The lock file's device and inode, to tell it is still the one at its path.
    lock_id: (u64, u64),
    state: Option<File>,
    next: Option<File>,
    journal: Option<File>,
    /// The state of version `.0`, as this process last read or wrote it.
    kept: Option<(u64, DeviceState)>,
    /// The journal as this process last read it, so that a read parses only what was
    /// appended since.
    journal_read: Option<JournalRead>,
}

/// The last entries of a journal file, read up to `end`.
struct JournalRead {
    /// The file's device and inode: a compaction replaces the file.
    id: (u64, u64),
    end: u64,
    entries: VecDeque<JournalEntry>,
}

/// Holds a `flock` until dropped (also when the transaction panics).
struct Locked(Arc<File>);

impl Drop for Locked {
    fn drop(&mut self) {
        // Closing the file would release it too; the file stays open for the next call.
        let _ = flock(&*self.0, FlockOperation::Unlock);
    }
}

type Handle = Arc<Mutex<Option<OpenDevice>>>;

/// A device this process used: its directory, its id and its handle.
type Recent = (PathBuf, String, Handle);

/// The devices this process used last, the most recent last.
fn recent() -> &'static Mutex<Vec<Recent>> {
    static RECENT: OnceLock<Mutex<Vec<Recent>>> = OnceLock::new();
    RECENT.get_or_init(|| Mutex::new(Vec::new()))
}

/// This process's handle of the device `device` of `dir`. A device dropped from the list
/// while a thread still uses it stays correct: another thread opens its own files, and the
/// two exclude each other through `flock` as two processes do.
fn handle(dir: &Path, device: &str) -> Handle {
    let mut recent = recent().lock().unwrap_or_else(PoisonError::into_inner);
    let found = recent
        .iter()
        .position(|(at, id, _)| id == device && at == dir);
    if let Some(at) = found {
        let entry = recent.remove(at);
        let handle = Arc::clone(&entry.2);
        recent.push(entry);
        return handle;
    }
    if recent.len() >= KEPT_OPEN {
        recent.remove(0);
    }
    let handle: Handle = Arc::new(Mutex::new(None));
    recent.push((dir.to_path_buf(), device.to_string(), Arc::clone(&handle)));
    handle
}

/// Runs `body` on the device `device` of `dir` under its `flock` (`operation`).
fn with_device<T>(
    dir: &Path,
    device: &str,
    operation: FlockOperation,
    body: impl FnOnce(&mut OpenDevice) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let handle = handle(dir, device);
    // A transaction that panicked left no state kept (it takes the state out while it runs).
    let mut slot = handle.lock().unwrap_or_else(PoisonError::into_inner);
    let open = OpenDevice::ensure(&mut slot, dir, device)?;
    let lock_path = &open.paths.lock;
    loop {
        match flock(&*open.lock, operation) {
            Ok(()) => break,
            Err(rustix::io::Errno::INTR) => continue,
            Err(err) => return Err(store_error("cannot lock", lock_path, err)),
        }
    }
    let _locked = Locked(Arc::clone(&open.lock));
    body(open)
}

/// Runs `f` on the device's state in a transaction and keeps what it leaves.
pub(super) fn update<T>(
    dir: &Path,
    device: &str,
    f: impl FnOnce(&mut DeviceState) -> T,
) -> Result<T, StoreError> {
    with_device(dir, device, FlockOperation::LockExclusive, |open| {
        let before = open.header_for_update()?;
        let header = before.unwrap_or_default();
        let (origin, mut state) = open.take_state(before.as_ref())?;
        match origin {
            Origin::Version(_) => state.calls = header.calls,
            // Written in this layout by this transaction (its counter and journal too).
            Origin::FirstLayout => {
                state.components_mut();
            }
            Origin::Nothing => {}
        }
        let out = f(&mut state);
        let committed = open.commit(&header, &mut state)?;
        open.kept = Some((committed.version, state));
        Ok(out)
    })
}

/// Runs `f` on the device's state under a shared lock; its journal is not read.
pub(super) fn peek<T>(
    dir: &Path,
    device: &str,
    f: impl FnOnce(&DeviceState) -> T,
) -> Result<T, StoreError> {
    with_device(dir, device, FlockOperation::LockShared, |open| {
        let header = open.read_header()?;
        let (origin, mut state) = open.take_state(header.as_ref())?;
        if let (Some(header), Origin::Version(version)) = (header, origin) {
            state.calls = header.calls;
            let out = f(&state);
            open.kept = Some((version, state));
            Ok(out)
        } else {
            Ok(f(&state))
        }
    })
}

/// A copy of the device's whole state, journal included, under a shared lock.
pub(super) fn read(dir: &Path, device: &str) -> Result<DeviceState, StoreError> {
    with_device(dir, device, FlockOperation::LockShared, |open| {
        let Some(header) = open.read_header()? else {
            // No header: a first-layout file (its journal inside) or nothing.
            return Ok(open.take_state(None)?.1);
        };
        let (origin, state) = open.take_state(Some(&header))?;
        let mut copy = state.clone();
        if let Origin::Version(version) = origin {
            open.kept = Some((version, state));
        }
        copy.calls = header.calls;
        copy.journal = open.read_journal(&header)?.clone();
        Ok(copy)
    })
}

impl OpenDevice {
    /// The device's open files, opened now if `slot` holds none or holds a lock file that is
    /// no longer the one at its path.
    fn ensure<'s>(
        slot: &'s mut Option<OpenDevice>,
        dir: &Path,
        device: &str,
    ) -> Result<&'s mut OpenDevice, StoreError> {
        let current = match slot.take() {
            Some(open) => {
                let at_path = match fs::metadata(&open.paths.lock) {
                    Ok(meta) => Some((meta.dev(), meta.ino())),
                    Err(err) if err.kind() == ErrorKind::NotFound => None,
                    Err(err) => {
                        return Err(store_error("cannot read lock file", &open.paths.lock, err))
                    }
                };
                Some(open).filter(|open| Some(open.lock_id) == at_path)
            }
            None => None,
        };
        let open = match current {
            Some(open) => open,
            None => {
                let paths = Paths::new(dir, device);
                fs::create_dir_all(dir)
                    .map_err(|err| store_error("cannot create store", dir, err))?;
                let lock = OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .read(true)
                    .write(true)
                    .open(&paths.lock)
                    .map_err(|err| store_error("cannot open lock file", &paths.lock, err))?;
                let meta = lock
                    .metadata()
                    .map_err(|err| store_error("cannot read lock file", &paths.lock, err))?;
                OpenDevice {
                    device: device.to_string(),
                    dir: dir.to_path_buf(),
                    lock_id: (meta.dev(), meta.ino()),
                    lock: Arc::new(lock),
                    paths,
                    state: None,
                    next: None,
                    journal: None,
                    kept: None,
                    journal_read: None,
                }
            }
        };
        Ok(slot.insert(open))
    }

    /// The committed header; `None` for a device without one yet.
    fn read_header(&self) -> Result<Option<Header>, StoreError> {
        let mut bytes = vec![0; header::LENGTH];
        let read = read_up_to(&self.lock, &mut bytes)
            .map_err(|err| store_error("cannot read device header", &self.paths.lock, err))?;
        Header::parse(&bytes[..read]).map_err(|reason| {
            store_error("device header is not readable", &self.paths.lock, reason)
        })
    }

    fn write_header(&self, header: &Header) -> Result<(), StoreError> {
        self.lock
            .write_all_at(&header.render(), 0)
            .map_err(|err| store_error("cannot write device header", &self.paths.lock, err))
    }

    /// The header, with a state document a dead transaction left pending copied in first.
    fn header_for_update(&mut self) -> Result<Option<Header>, StoreError> {
        let Some(mut header) = self.read_header()? else {
            return Ok(None);
        };
        if header.pending > 0 {
            let document = read_from(&mut self.next, &self.paths.next, header.pending)?;
            self.copy_in(&mut header, &document)?;
        }
        Ok(Some(header))
    }

    /// The state for `header`: the one kept if it is of the header's version, else read (and
    /// taken out of the kept slot: a transaction that panics leaves nothing kept).
    fn take_state(&mut self, header: Option<&Header>) -> Result<(Origin, DeviceState), StoreError> {
        let kept = self.kept.take();
        let Some(header) = header else {
            return self.read_unversioned();
        };
        if let Some((version, state)) = kept {
            if version == header.version {
                return Ok((Origin::Version(version), state));
            }
        }
        let state = match (header.pending, header.state) {
            (0, 0) => DeviceState::new(&self.device),
            (0, length) => {
                let bytes = read_from(&mut self.state, &self.paths.state, length)?;
                self.parse_state(&self.paths.state, &bytes)?
            }
            // Committed, not copied in yet (read under a shared lock).
            (length, _) => {
                let bytes = read_from(&mut self.next, &self.paths.next, length)?;
                self.parse_state(&self.paths.next, &bytes)?
            }
        };
        Ok((Origin::Version(header.version), state))
    }

    /// The state of a device without a header: empty, or a first-layout file as it is.
    fn read_unversioned(&self) -> Result<(Origin, DeviceState), StoreError> {
        match fs::read(&self.paths.state) {
            Ok(bytes) => Ok((
                Origin::FirstLayout,
                self.parse_state(&self.paths.state, &bytes)?,
            )),
            Err(err) if err.kind() == ErrorKind::NotFound => {
                Ok((Origin::Nothing, DeviceState::new(&self.device)))
            }
            Err(err) => Err(store_error(
                "cannot read device state",
                &self.paths.state,
                err,
            )),
        }
    }

    fn parse_state(&self, path: &Path, bytes: &[u8]) -> Result<DeviceState, StoreError> {
        let file: StateFile = serde_json::from_slice(bytes).map_err(|err| {
            store_error(
                "device state is not readable",
                path,
                format!("expected a `{FILE_FORMAT}` document; {err}"),
            )
        })?;
        if file.format != FILE_FORMAT && file.format != FORMAT {
            return Err(store_error(
                "device state has another format",
                path,
                format!("expected `{FILE_FORMAT}`, found `{}`", file.format),
            ));
        }
        let mut state = DeviceState::with_parts(&self.device, file.components, file.faults);
        state.calls = file.calls;
        state.journal = file.journal;
        Ok(state)
    }

    /// Commits what `f` left in `state` after `before`: its new journal entries, its new
    /// counter, and its state document if the components or faults changed (see the module
    /// comment). Returns the header committed.
    fn commit(&mut self, before: &Header, state: &mut DeviceState) -> Result<Header, StoreError> {
        let mut next = *before;
        next.calls = state.calls;
        let entries: Vec<JournalEntry> = state.journal.drain(..).collect();
        if !entries.is_empty() {
            self.append_journal(&mut next, &entries)?;
        }
        if state.take_changed() {
            let document = serde_json::to_vec_pretty(&StateFileRef {
                format: FILE_FORMAT,
                device: &self.device,
                components: state.components(),
                faults: state.faults(),
            })
            .map_err(|err| {
                store_error("cannot serialise device state for", &self.paths.state, err)
            })?;
            let next_file = open_kept(&mut self.next, &self.paths.next)?;
            next_file
                .write_all_at(&document, 0)
                .map_err(|err| store_error("cannot write", &self.paths.next, err))?;
            next.version += 1;
            next.pending = document.len() as u64;
            self.write_header(&next)?;
            self.copy_in(&mut next, &document)?;
        } else if next != *before {
            self.write_header(&next)?;
        }
        Ok(next)
    }

    /// Writes the committed `document` over the state file (spaces over the rest of the
    /// document it replaces), then the header with nothing pending.
    fn copy_in(&mut self, header: &mut Header, document: &[u8]) -> Result<(), StoreError> {
        let path = &self.paths.state;
        let file = open_kept(&mut self.state, path)?;
        let length = document.len() as u64;
        let mut text = document.to_vec();
        if header.state > length {
            let pad = usize::try_from(header.state - length).unwrap_or(0);
            text.resize(text.len() + pad, b' ');
        }
        file.write_all_at(&text, 0)
            .map_err(|err| store_error("cannot write device state", path, err))?;
        // A document much shorter than the file it is in: the spaces go.
        if header.state > length {
            let size = file.metadata().map_or(0, |meta| meta.len());
            if size > 4 * length + (1 << 20) {
                file.set_len(length)
                    .map_err(|err| store_error("cannot shorten device state", path, err))?;
            }
        }
        header.state = length;
        header.pending = 0;
        self.write_header(header)
    }

    /// Writes `entries` after the committed journal bytes of `header` and counts them there;
    /// keeps only the last entries first when the journal is long.
    fn append_journal(
        &mut self,
        header: &mut Header,
        entries: &[JournalEntry],
    ) -> Result<(), StoreError> {
        let path = &self.paths.journal;
        let lines = journal::encode(entries)
            .map_err(|err| store_error("cannot serialise the journal for", path, err))?;
        let (_, size) = open_rw(&mut self.journal, path)?;
        // The file may be shorter than committed after a compaction by a process that died
        // before its commit: what it holds then is the compacted journal.
        let mut end = header.journal.min(size);
        let mut count = header.entries;
        let mut size = size;
        if count + entries.len() as u64 > 2 * JOURNAL_LIMIT as u64 {
            (end, count) = self.compact_journal(end)?;
            size = end;
        }
        // Open still, or opened again after the compaction replaced it.
        let file = open_kept(&mut self.journal, &self.paths.journal)?;
        let added = lines.len() as u64;
        let mut text = lines;
        let wanted = end + added;
        if wanted > size {
            // Spaces ahead of the entries, so that the next appends write over bytes the file
            // has: growing a file costs the file system more than writing in it.
            let grown = wanted.div_ceil(GROWTH) * GROWTH;
            text.resize(
                text.len() + usize::try_from(grown - wanted).unwrap_or(0),
                b' ',
            );
        }
        file.write_all_at(&text, end)
            .map_err(|err| store_error("cannot write journal", &self.paths.journal, err))?;
        header.journal = wanted;
        header.entries = count + entries.len() as u64;
        Ok(())
    }

    /// Replaces the journal with its last entries; returns its new length and entry count.
    fn compact_journal(&mut self, committed: u64) -> Result<(u64, u64), StoreError> {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let path = self.paths.journal.clone();
        let bytes = read_from(&mut self.journal, &path, committed)?;
        let (text, count) = journal::compacted(&bytes);
        let temp = self.dir.join(format!(
            ".{}.journal.{}.{}.tmp",
            self.device,
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let written = fs::write(&temp, &text).and_then(|()| fs::rename(&temp, &path));
        if let Err(err) = written {
            let _ = fs::remove_file(&temp);
            return Err(store_error("cannot rewrite journal", &path, err));
        }
        self.journal = None;
        Ok((text.len() as u64, count))
    }

    /// The last entries of the committed journal: those read before, and what was appended
    /// since (all of it again after a compaction replaced the file).
    fn read_journal(&mut self, header: &Header) -> Result<&VecDeque<JournalEntry>, StoreError> {
        let path = &self.paths.journal;
        let file = match File::open(path) {
            Ok(file) => Some(file),
            Err(err) if err.kind() == ErrorKind::NotFound => None,
            Err(err) => return Err(store_error("cannot read journal", path, err)),
        };
        let meta = file
            .as_ref()
            .map(File::metadata)
            .transpose()
            .map_err(|err| store_error("cannot read journal", path, err))?;
        let id = meta
            .as_ref()
            .map_or((0, 0), |meta| (meta.dev(), meta.ino()));
        let end = header.journal.min(meta.map_or(0, |meta| meta.len()));
        let mut read = match self.journal_read.take() {
            Some(read) if read.id == id && read.end <= end => read,
            _ => JournalRead {
                id,
                end: 0,
                entries: VecDeque::new(),
            },
        };
        if let Some(file) = file.filter(|_| end > read.end) {
            let mut bytes = vec![0; usize::try_from(end - read.end).unwrap_or(0)];
            file.read_exact_at(&mut bytes, read.end)
                .map_err(|err| store_error("cannot read journal", path, err))?;
            let added = journal::decode_last(&bytes)
                .map_err(|reason| store_error("journal is not readable", path, reason))?;
            read.entries.extend(added);
            let over = read.entries.len().saturating_sub(JOURNAL_LIMIT);
            read.entries.drain(..over);
            read.end = end;
        }
        Ok(&self.journal_read.insert(read).entries)
    }
}

/// `slot`'s file, opened for reading and writing (created if missing) when it holds none. For
/// the files a device never replaces (the state file and the next file).
fn open_kept<'s>(slot: &'s mut Option<File>, path: &Path) -> Result<&'s File, StoreError> {
    if let Some(file) = slot {
        return Ok(file);
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|err| store_error("cannot open", path, err))?;
    Ok(slot.insert(file))
}

/// The first `length` bytes of `slot`'s file ([`open_kept`]).
fn read_from(slot: &mut Option<File>, path: &Path, length: u64) -> Result<Vec<u8>, StoreError> {
    let file = open_kept(slot, path)?;
    let length =
        usize::try_from(length).map_err(|_| store_error("file is too long", path, length))?;
    let mut bytes = vec![0; length];
    file.read_exact_at(&mut bytes, 0)
        .map_err(|err| store_error("cannot read", path, err))?;
    Ok(bytes)
}

/// How much the journal grows at a time.
const GROWTH: u64 = 64 * 1024;

/// `slot`'s file and its size, opened for reading and writing (created if missing) when it
/// holds none or one whose path now names another file (the journal, replaced by a
/// compaction).
fn open_rw<'s>(slot: &'s mut Option<File>, path: &Path) -> Result<(&'s File, u64), StoreError> {
    if let Some(file) = slot.take() {
        match file.metadata() {
            Ok(meta) if meta.nlink() > 0 => return Ok((slot.insert(file), meta.len())),
            _ => {}
        }
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|err| store_error("cannot open", path, err))?;
    let size = file
        .metadata()
        .map_err(|err| store_error("cannot read", path, err))?
        .len();
    Ok((slot.insert(file), size))
}

/// Reads from offset 0 into `buf` until it is full or the file ends; how many bytes came.
fn read_up_to(file: &File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut read = 0;
    while read < buf.len() {
        match file.read_at(&mut buf[read..], read as u64) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(read)
}

/// This process's guard of a device, for tests that look at what it keeps.
#[cfg(test)]
fn slot_of(dir: &Path, device: &str) -> Handle {
    handle(dir, device)
}

#[cfg(test)]
fn kept_version(slot: &std::sync::MutexGuard<'_, Option<OpenDevice>>) -> Option<u64> {
    slot.as_ref()
        .and_then(|open| open.kept.as_ref())
        .map(|(version, _)| *version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Op, StoredComponent};
    use symphony::models::ComponentSpec;

    fn component(name: &str) -> StoredComponent {
        let spec: ComponentSpec =
            serde_json::from_value(serde_json::json!({ "name": name })).expect("a component");
        StoredComponent::visible(spec)
    }

    fn entry(call: u64) -> JournalEntry {
        JournalEntry {
            call,
            op: Op::Get,
            latency_ms: 0,
            failed: false,
            slow: false,
            drift: None,
            faults: Vec::new(),
        }
    }

    fn header_of(dir: &Path, device: &str) -> Header {
        let bytes = fs::read(dir.join(format!("{device}.lock"))).unwrap();
        Header::parse(&bytes).unwrap().unwrap()
    }

    fn count(dir: &Path, device: &str) -> u64 {
        update(dir, device, |state| {
            state.calls += 1;
            let call = state.calls;
            state.record(entry(call));
        })
        .unwrap();
        header_of(dir, device).calls
    }

    #[test]
    fn a_call_that_changes_nothing_rewrites_no_state_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        update(path, "d", |state| {
            state.components_mut().insert("a".into(), component("a"));
        })
        .unwrap();
        let state_file = path.join("d.json");
        let written = fs::metadata(&state_file).unwrap().modified().unwrap();
        let version = header_of(path, "d").version;
        for n in 1..=3 {
            assert_eq!(count(path, "d"), n);
        }
        assert_eq!(
            header_of(path, "d").version,
            version,
            "the document kept its version"
        );
        assert_eq!(
            fs::metadata(&state_file).unwrap().modified().unwrap(),
            written
        );
        let state = read(path, "d").unwrap();
        assert_eq!(state.calls, 3);
        let calls: Vec<u64> = state.journal.iter().map(|e| e.call).collect();
        assert_eq!(calls, [1, 2, 3]);
        assert!(state.components().contains_key("a"));
    }

    #[test]
    fn a_shorter_document_is_padded_and_the_file_stays_one_json_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        update(path, "d", |state| {
            for name in ["a", "b", "c"] {
                state.components_mut().insert(name.into(), component(name));
            }
        })
        .unwrap();
        update(path, "d", |state| {
            state.components_mut().retain(|name, _| name == "a");
        })
        .unwrap();
        let text = fs::read_to_string(path.join("d.json")).unwrap();
        assert!(text.ends_with(' '), "padded");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["format"], FILE_FORMAT);
        assert_eq!(value["components"].as_object().unwrap().len(), 1);
    }

    #[test]
    fn a_document_left_pending_by_a_dead_transaction_is_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        update(path, "d", |state| {
            state
                .components_mut()
                .insert("old".into(), component("old"));
        })
        .unwrap();
        // What a transaction that died after its commit, before the copy, leaves: the new
        // document in `.d.next` and a header naming it.
        let document = serde_json::to_vec(&StateFileRef {
            format: FILE_FORMAT,
            device: "d",
            components: &BTreeMap::from([("new".to_string(), component("new"))]),
            faults: &[],
        })
        .unwrap();
        fs::write(path.join(".d.next"), &document).unwrap();
        let mut header = header_of(path, "d");
        header.version += 1;
        header.pending = document.len() as u64;
        fs::OpenOptions::new()
            .write(true)
            .open(path.join("d.lock"))
            .unwrap()
            .write_all_at(&header.render(), 0)
            .unwrap();
        // A reader under a shared lock reads it where it is; a writer copies it in.
        let names = |state: &DeviceState| state.components().keys().cloned().collect::<Vec<_>>();
        assert_eq!(peek(path, "d", names).unwrap(), ["new"]);
        update(path, "d", |_| ()).unwrap();
        assert_eq!(header_of(path, "d").pending, 0);
        let text = fs::read_to_string(path.join("d.json")).unwrap();
        assert!(
            text.contains("\"new\"") && !text.contains("\"old\""),
            "{text}"
        );
    }

    #[test]
    fn what_a_transaction_wrote_before_its_commit_is_not_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        assert_eq!(count(path, "d"), 1);
        let committed = header_of(path, "d");
        // A transaction that died before writing its header: a journal line and a next
        // document beyond the committed lengths.
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(path.join("d.journal"))
            .unwrap();
        std::io::Write::write_all(&mut file, b"{\"call\":2,\"op\":\"get\",\"lat").unwrap();
        fs::write(path.join(".d.next"), b"{\"format\":").unwrap();
        let state = read(path, "d").unwrap();
        assert_eq!(state.calls, 1);
        assert_eq!(state.journal.len(), 1);
        // The next call writes over the torn line.
        assert_eq!(count(path, "d"), 2);
        assert_eq!(read(path, "d").unwrap().journal.len(), 2);
        assert_eq!(header_of(path, "d").version, committed.version);
    }

    #[test]
    fn the_journal_is_compacted_to_its_last_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let calls = 2 * JOURNAL_LIMIT as u64 + 5;
        for call in 1..=calls {
            count(path, "d");
            // Reads in between read on from where they left off, across compactions.
            if call % 100 == 0 {
                let journal = read(path, "d").unwrap().journal;
                assert_eq!(journal.back().map(|e| e.call), Some(call));
                assert_eq!(journal.len(), JOURNAL_LIMIT.min(call as usize));
            }
        }
        let header = header_of(path, "d");
        assert_eq!(header.calls, calls);
        assert!(header.entries <= 2 * JOURNAL_LIMIT as u64, "{header:?}");
        let text = fs::read_to_string(path.join("d.journal")).unwrap();
        let lines = text.lines().filter(|line| !line.trim().is_empty()).count();
        assert_eq!(lines as u64, header.entries);
        let journal = read(path, "d").unwrap().journal;
        assert_eq!(journal.len(), JOURNAL_LIMIT);
        assert_eq!(journal.back().map(|e| e.call), Some(calls));
    }

    #[test]
    fn a_first_layout_file_is_read_and_moved_to_this_layout_by_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        fs::write(
            path.join("old.json"),
            r#"{"format":"symphony-sim-device/1","device":"old","calls":7,
                "components":{"a":{"spec":{"name":"a"}}},
                "journal":[{"call":7,"op":"get","latencyMs":0,"failed":false,"slow":false,"drift":null}]}"#,
        )
        .unwrap();
        let state = read(path, "old").unwrap();
        assert_eq!((state.calls, state.journal.len()), (7, 1));
        assert_eq!(count(path, "old"), 8);
        let state = read(path, "old").unwrap();
        let calls: Vec<u64> = state.journal.iter().map(|e| e.call).collect();
        assert_eq!(calls, [7, 8]);
        assert!(state.components().contains_key("a"));
        let text = fs::read_to_string(path.join("old.json")).unwrap();
        assert!(text.contains(FILE_FORMAT), "{text}");
    }

    #[test]
    fn a_store_directory_made_again_is_not_reached_through_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        assert_eq!(count(&path, "d"), 1);
        assert!(kept_version(&slot_of(&path, "d").lock().unwrap()).is_some());
        fs::remove_dir_all(&path).unwrap();
        assert_eq!(count(&path, "d"), 1, "a new device");
        assert_eq!(read(&path, "d").unwrap().journal.len(), 1);
    }
}
