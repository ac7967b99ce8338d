//! The provider inspector: what a library is, read from its bytes without running any of it.
//!
//! Owns reading the ELF ([`Fingerprint::from_bytes`]: architecture, the rustc in `.comment`,
//! the `symphony` crate version, the ABI generation, exports, the global allocator) and judging
//! it against the host this harness stands in for ([`Verdict`]: compatible, risky,
//! incompatible, or not a provider; and [`in_process_hazards`], what makes it unsafe to load
//! into the harness's own process). Does not open files (callers pass bytes, so the loader
//! inspects the very bytes it hashed and loads) and does not print.
//!
//! Why this matters: a Rust provider crosses the `.so` boundary with Rust trait objects and
//! structs, which work only when host and provider agree on rustc, `symphony` layouts and the
//! allocator (`docs/abi.md`).

mod fingerprint;
mod verdict;

pub use fingerprint::{
    Abi, Allocator, Fingerprint, ModelGeneration, SymphonyCrate, DEVICE_CHANNEL_FUNCTIONS,
    DEVICE_CHANNEL_MARKER,
};
pub use verdict::{in_process_hazards, HostToolchain, Verdict, VerdictLevel};

/// Why a file could not be fingerprinted.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The bytes are not an ELF object at all.
    #[error("not an ELF shared library ({reason})")]
    NotElf {
        /// What the ELF parser said.
        reason: String,
    },
}

impl InspectError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            InspectError::NotElf { .. } => Some(
                "a provider is the `.so` that `cargo build` writes for a `cdylib` crate, \
                 e.g. `target/release/libmy_provider.so`"
                    .to_string(),
            ),
        }
    }
}

/// A full inspection: the fingerprint, the host it was judged against, and the verdict.
#[derive(serde::Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// What the bytes say.
    pub fingerprint: Fingerprint,
    /// The host judged against.
    pub host: HostToolchain,
    /// The verdict.
    pub verdict: Verdict,
}

impl Inspection {
    /// Inspects `bytes` (whose SHA-256 the caller computed while reading them) against this
    /// harness's host.
    pub fn new(bytes: &[u8], sha256: String) -> Result<Inspection, InspectError> {
        let fingerprint = Fingerprint::from_bytes(bytes)?;
        let host = HostToolchain::current();
        let verdict = Verdict::judge(&fingerprint, &host);
        Ok(Inspection {
            size: bytes.len() as u64,
            sha256,
            fingerprint,
            host,
            verdict,
        })
    }
}

impl crate::errors::Explain for InspectError {
    fn exit_code(&self) -> i32 {
        crate::exit_code::INCOMPATIBLE
    }

    fn hint(&self) -> Option<String> {
        InspectError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf_hints_at_the_cdylib_a_provider_build_writes() {
        let hint = InspectError::NotElf {
            reason: "bad magic".into(),
        }
        .hint()
        .unwrap();
        assert!(hint.contains("cdylib") && hint.contains(".so"), "{hint}");
    }
}
