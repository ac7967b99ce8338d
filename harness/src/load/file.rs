//! Opening a library file once, and hashing exactly the bytes read from it.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

/// What identifies the file's content on disk, to notice a rewrite in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(file: &File) -> io::Result<Stamp> {
        let meta = file.metadata()?;
        Ok(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// A library file, opened once: its bytes, their SHA-256, and the open file they came from.
#[derive(Debug)]
pub struct LibraryFile {
    pub(super) path: PathBuf,
    pub(super) file: File,
    bytes: Vec<u8>,
    sha256: String,
    stamp: Stamp,
}

impl LibraryFile {
    /// Opens `path` and reads it through, hashing the bytes as they are read.
    pub fn open(path: &Path) -> Result<LibraryFile, LoadError> {
        let read_error = |source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(read_error)?;
        let stamp = Stamp::of(&file).map_err(read_error)?;
        if !file.metadata().map_err(read_error)?.is_file() {
            return Err(read_error(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(stamp.len).unwrap_or(0));
        let mut hasher = Sha256::new();
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(read_error(err)),
            };
            hasher.update(&chunk[..n]);
            bytes.extend_from_slice(&chunk[..n]);
        }
        Ok(LibraryFile {
            path: path.to_path_buf(),
            file,
            bytes,
            sha256: to_hex(&hasher.finalize()),
            stamp,
        })
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bytes read.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
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

    /// Fails if the open file's length or modification time changed since it was read.
    pub(super) fn ensure_unchanged(&self) -> Result<(), LoadError> {
        match Stamp::of(&self.file) {
            Ok(now) if now == self.stamp => Ok(()),
            _ => Err(LoadError::ChangedWhileLoading {
                path: self.path.clone(),
            }),
        }
    }
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
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            LibraryFile::open(dir.path()),
            Err(LoadError::Read { .. })
        ));
    }
}
