//! Supervised workers: every call into a provider library runs in a child process.
//!
//! A provider panic aborts the process that called it, even under `catch_unwind` (each
//! `cdylib` has its own std), old-ABI providers segfault, and real providers wait on network
//! timeouts. So the harness runs providers in disposable worker processes (the hidden
//! `__worker` subcommand of the same binary, see [`serve`]) and supervises them.
//!
//! Owns the framed pipe protocol ([`protocol`]), the per-call deadline, kill and restart
//! ([`Supervisor`]), and turning how a worker died into a [`CallError`] outcome class
//! ([`outcome`]): panic (with the message from the captured stderr), abort, segfault,
//! signal, timeout, protocol. Does not decide what to call (the engine does).
//!
//! Main types: [`Supervisor`] (one worker process, one library) and [`WorkerFactory`], which
//! implements [`crate::engine::ProviderFactory`], so every command runs isolated unless
//! `--in-process`.
//!
//! [`CallError`]: crate::engine::CallError

mod backend;
mod factory;
mod groups;
mod images;
pub mod outcome;
pub mod protocol;
mod serve;
mod supervisor;

pub use backend::{provider_factory, Backend, BackendError};
pub use factory::{InstanceLifetime, WorkerFactory};
pub use groups::{interrupt, interrupted, signal_name};
pub use serve::serve;
pub use supervisor::{
    default_spin, LibrarySpec, Supervisor, SupervisorConfig, DEFAULT_CALL_TIMEOUT, DEFAULT_SPIN,
};

use serde::{Deserialize, Serialize};

/// Which host code runs the provider inside the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HostMode {
    /// This harness's loader: fd-based hash-then-load, typed errors.
    #[default]
    Harness,
    /// The `symphony` crate's own C functions, bit for bit what Symphony's Go side runs.
    Symphony,
}

/// What can go wrong running a worker, apart from a provider call's own outcome.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The worker process could not be started.
    #[error("cannot start the worker `{program}`")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The pipes to the worker failed.
    #[error("worker pipe failed")]
    Io(#[from] std::io::Error),
    /// A frame could not be encoded or decoded.
    #[error("bad worker frame: {0}")]
    Frame(String),
}
