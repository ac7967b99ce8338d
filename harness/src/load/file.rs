//! Opening a library file once, hashing exactly the bytes read from it, and copying those
//! bytes into a sealed memory file for `dlopen`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, MemfdFlags, Mode, OFlags, SealFlags};

use sha2::{Digest, Sha256};

use super::LoadError;
use crate::inspect::{Fingerprint, InspectError};

/// The expected hash of a binding's `libHash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedHash {
    /// `any`: Symphony skips the check and logs a warning.
    Any,
    /// A SHA-256 as hex text; Symphony compares it case-sensitively with lowercase hex.
    Sha256(String),
}

impl ExpectedHash {
    /// Reads a `libHash` value: `any`, or anything else as a hash to compare.
    pub fn parse(text: &str) -> ExpectedHash {
        if text == "any" {
            ExpectedHash::Any
        } else {
            ExpectedHash::Sha256(text.to_string())
        }
    }

    /// The value as written in a binding.
    pub fn as_lib_hash(&self) -> &str {
        match self {
            ExpectedHash::Any => "any",
            ExpectedHash::Sha256(hex) => hex,
        }
    }
}

/// The outcome of a successful hash check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCheck {
    /// The file's SHA-256 equals the expected one.
    Matched,
    /// `libHash` was `any`: nothing was checked. Symphony logs a warning; so should callers.
    Skipped,
}

/// Identifies a file's content on disk: a rebuilt (or replaced) library gets a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileKey {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileKey {
    /// The key of the file at `path` now (one `stat`).
    pub(super) fn of(path: &Path) -> io::Result<FileKey> {
        let meta = std::fs::metadata(path)?;
        Ok(FileKey {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        })
    }
}

/// The seals that make a memory file immutable for good: no write, no resize, no unsealing.
pub(super) const SEALS: SealFlags = SealFlags::WRITE
    .union(SealFlags::SHRINK)
    .union(SealFlags::GROW)
    .union(SealFlags::SEAL);

/// The first bytes of every ELF file.
const ELF_MAGIC: &[u8] = b"\x7fELF";

/// How much of a file that is not ELF is kept: plenty for the inspector to say what it is
/// not, and nothing like the gigabyte a wrong path may name.
const NOT_ELF_KEPT: usize = 4096;

/// A library file, read once: its bytes and their SHA-256. The bytes are owned and never
/// change; [`LibraryFile::accept`] copies them into a sealed memory file to load. Of a file
/// that does not start as ELF files do, only the first [`NOT_ELF_KEPT`] bytes are kept (it
/// is never loaded; the inspector refuses it from those); it is still hashed whole.
#[derive(Debug)]
pub struct LibraryFile {
    pub(super) path: PathBuf,
    bytes: Vec<u8>,
    size: u64,
    sha256: String,
}

impl LibraryFile {
    /// Opens `path` and reads it through once, hashing the bytes as they are read. Whatever
    /// happens to the file on disk afterwards (a rename over it, a rewrite in place) changes
    /// nothing here.
    pub fn open(path: &Path) -> Result<LibraryFile, LoadError> {
        let read_error = |source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = open_regular(path).map_err(read_error)?;
        let meta = file.metadata().map_err(read_error)?;
        let mut bytes = Vec::new();
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut chunk = vec![0u8; 256 * 1024];
        let mut keep = true;
        loop {
            let n = match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(read_error(err)),
            };
            hasher.update(&chunk[..n]);
            size += n as u64;
            if !keep {
                continue;
            }
            if bytes.is_empty() && chunk[..n].starts_with(ELF_MAGIC) {
                bytes.reserve_exact(usize::try_from(meta.len()).unwrap_or(0));
            }
            bytes.extend_from_slice(&chunk[..n]);
            if bytes.len() >= ELF_MAGIC.len() && !bytes.starts_with(ELF_MAGIC) {
                bytes.truncate(NOT_ELF_KEPT);
                keep = false;
            }
        }
        Ok(LibraryFile {
            path: path.to_path_buf(),
            bytes,
            size,
            sha256: to_hex(&hasher.finalize()),
        })
    }

    /// A file read, hashed and sealed by another process ([`super::ImageHandoff`]): its
    /// path, size and hash as that process read them, without the bytes (they are in the
    /// sealed memory file).
    pub(super) fn judged_elsewhere(path: PathBuf, size: u64, sha256: String) -> LibraryFile {
        LibraryFile {
            path,
            bytes: Vec::new(),
            size,
            sha256,
        }
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes read (of a file that is not ELF, the first [`NOT_ELF_KEPT`] only).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many bytes the file held when read.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The SHA-256 of those bytes, lowercase hex (what `sha256sum` prints).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Checks the hash as Symphony does: `any` passes, else a case-sensitive comparison.
    pub fn verify(&self, expected: &ExpectedHash) -> Result<HashCheck, LoadError> {
        match expected {
            ExpectedHash::Any => Ok(HashCheck::Skipped),
            ExpectedHash::Sha256(hex) if *hex == self.sha256 => Ok(HashCheck::Matched),
            ExpectedHash::Sha256(hex) => Err(LoadError::HashMismatch {
                path: self.path.clone(),
                expected: hex.clone(),
                found: self.sha256.clone(),
            }),
        }
    }

    /// Reads the fingerprint of these same bytes.
    pub fn fingerprint(&self) -> Result<Fingerprint, InspectError> {
        Fingerprint::from_bytes(&self.bytes)
    }
}

/// Opens `path` for reading, refusing anything but a regular file without ever blocking: a
/// FIFO with no writer would block `open` forever, and a device or FIFO would never end.
///
/// Opens with `O_NONBLOCK`, checks the open file's type (`fstat`, so no rename in between can
/// swap it), then clears `O_NONBLOCK` for reading. A refusal's message names the path and
/// the kind of file: "`x` is a FIFO, not a library file".
pub fn open_regular(path: &Path) -> io::Result<File> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let kind = FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode);
    let what = match kind {
        FileType::RegularFile => {
            let flags = rustix::fs::fcntl_getfl(&fd)?;
            rustix::fs::fcntl_setfl(&fd, flags.difference(OFlags::NONBLOCK))?;
            return Ok(File::from(fd));
        }
        FileType::Fifo => "a FIFO",
        FileType::Directory => "a directory",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Socket => "a socket",
        FileType::Symlink | FileType::Unknown => "not a regular file",
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("`{}` is {what}, not a library file", path.display()),
    ))
}

/// A new `memfd` named after `path`'s file name, holding `bytes`, sealed so that nobody (this
/// process included) can change, grow, shrink or unseal it.
pub(super) fn sealed_copy(path: &Path, bytes: &[u8]) -> io::Result<File> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The name only shows in `/proc/<pid>/maps` (`/memfd:symphony-harness:libx.so`); the
    // kernel limits it to 249 bytes.
    let name: String = format!("symphony-harness:{file_name}")
        .chars()
        .filter(|&c| c != '\0')
        .take(200)
        .collect();
    let fd = rustix::fs::memfd_create(name, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)?;
    let mut sealed = File::from(fd);
    sealed.write_all(bytes)?;
    rustix::fs::fcntl_add_seals(&sealed, SEALS)?;
    Ok(sealed)
}

/// Streams `reader` through SHA-256 and returns lowercase hex.
pub fn sha256_hex(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => hasher.update(&chunk[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    Ok(to_hex(&hasher.finalize()))
}

fn to_hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest
        .iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A reader that fails once with `kind`, then yields `abc`.
    struct FailsOnce {
        kind: Option<io::ErrorKind>,
        data: &'static [u8],
    }

    impl Read for FailsOnce {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if let Some(kind) = self.kind.take() {
                return Err(io::Error::from(kind));
            }
            let n = self.data.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn hashing_retries_an_interrupted_read_and_stops_at_any_other_error() {
        let interrupted = FailsOnce {
            kind: Some(io::ErrorKind::Interrupted),
            data: b"abc",
        };
        assert_eq!(
            sha256_hex(interrupted).unwrap(),
            sha256_hex(&b"abc"[..]).unwrap()
        );
        let broken = FailsOnce {
            kind: Some(io::ErrorKind::BrokenPipe),
            data: b"abc",
        };
        assert_eq!(
            sha256_hex(broken).unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
    }

    #[test]
    fn any_skips_and_uppercase_hash_mismatches_like_symphony() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.so");
        std::fs::write(&path, b"abc").unwrap();
        let file = LibraryFile::open(&path).unwrap();
        assert_eq!(file.verify(&ExpectedHash::Any).unwrap(), HashCheck::Skipped);
        let upper = file.sha256().to_uppercase();
        assert!(matches!(
            file.verify(&ExpectedHash::parse(&upper)),
            Err(LoadError::HashMismatch { .. })
        ));
        let lower = file.sha256().to_string();
        assert_eq!(
            file.verify(&ExpectedHash::parse(&lower)).unwrap(),
            HashCheck::Matched
        );
    }

    #[test]
    fn the_memory_file_holds_the_hashed_bytes_and_is_sealed_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.so");
        std::fs::write(&path, b"hashed bytes").unwrap();
        let file = LibraryFile::open(&path).unwrap();
        std::fs::write(&path, b"other bytes!").unwrap();
        let mut sealed = sealed_copy(file.path(), file.bytes()).unwrap();

        let seals = rustix::fs::fcntl_get_seals(&sealed).unwrap();
        assert!(seals.contains(SEALS), "{seals:?}");
        let mut held = Vec::new();
        let mut reader = &sealed;
        std::io::Seek::rewind(&mut reader).unwrap();
        reader.read_to_end(&mut held).unwrap();
        assert_eq!(held, b"hashed bytes");
        assert_eq!(file.sha256(), sha256_hex(&held[..]).unwrap());
        assert!(sealed.write_all(b"x").is_err(), "a write must be refused");
        assert!(sealed.set_len(1).is_err(), "a shrink must be refused");
        assert!(sealed.set_len(100).is_err(), "a growth must be refused");
    }

    #[test]
    fn of_a_file_that_is_not_elf_only_the_start_is_kept_but_all_of_it_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.so");
        // 256 MiB, sparse: a tarball given by mistake, say.
        let file = File::create(&path).unwrap();
        file.set_len(256 << 20).unwrap();
        drop(file);
        let read = LibraryFile::open(&path).unwrap();
        assert_eq!(read.bytes().len(), NOT_ELF_KEPT);
        assert_eq!(read.size(), 256 << 20);
        let whole = sha256_hex(File::open(&path).unwrap()).unwrap();
        assert_eq!(read.sha256(), whole);
        let refused = read.fingerprint().unwrap_err().to_string();
        assert!(
            refused.starts_with("not an ELF shared library"),
            "{refused}"
        );

        // A short text file is kept whole (it is shorter than what is kept).
        std::fs::write(&path, b"not a library\n").unwrap();
        let read = LibraryFile::open(&path).unwrap();
        assert_eq!(read.bytes(), b"not a library\n");
        assert_eq!(read.size(), 14);
    }

    #[test]
    fn an_elf_file_is_kept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.so");
        let mut bytes = b"\x7fELF".to_vec();
        bytes.resize(3 * NOT_ELF_KEPT + 7, 0xab);
        std::fs::write(&path, &bytes).unwrap();
        let read = LibraryFile::open(&path).unwrap();
        assert_eq!(read.bytes(), &bytes[..]);
        assert_eq!(read.size(), bytes.len() as u64);
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            LibraryFile::open(dir.path()),
            Err(LoadError::Read { .. })
        ));
        let err = open_regular(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a directory, not a library file"),
            "{err}"
        );
    }

    #[test]
    fn a_fifo_is_refused_at_once_and_a_device_too() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("lib.so");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            FileType::Fifo,
            Mode::RUSR | Mode::WUSR,
            0,
        )
        .unwrap();
        let err = open_regular(&fifo).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("`{}` is a FIFO, not a library file", fifo.display())
        );
        assert!(matches!(
            LibraryFile::open(&fifo),
            Err(LoadError::Read { .. })
        ));
        let err = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("is a character device"), "{err}");
    }

    #[test]
    fn a_regular_file_reads_blocking_after_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib.so");
        std::fs::write(&path, b"abc").unwrap();
        let file = open_regular(&path).unwrap();
        let flags = rustix::fs::fcntl_getfl(&file).unwrap();
        assert!(!flags.contains(OFlags::NONBLOCK), "{flags:?}");
        assert_eq!(sha256_hex(file).unwrap(), sha256_hex(&b"abc"[..]).unwrap());
    }
}
