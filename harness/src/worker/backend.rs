//! Which code runs a provider: a supervised worker (the default) or this process, with the
//! harness's loader or Symphony's own host functions. [`provider_factory`] is the one place
//! every command, scenario and test gets its providers from.

use std::path::PathBuf;
use std::time::Duration;

use super::supervisor::DEFAULT_CALL_TIMEOUT;
use super::{HostMode, InstanceLifetime, SupervisorConfig, WorkerFactory};
use crate::load::{InProcessFactory, LibFileResolver, PreloadFactory, SymphonyHostFactory};

/// How providers run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// Call providers in this process instead of a supervised worker: faster, but a panic
    /// ends the process and deadlines cannot be enforced.
    pub in_process: bool,
    /// Which host code calls the provider.
    pub host: HostMode,
    /// How long provider instances live (a worker is needed for anything but Symphony's).
    pub lifetime: InstanceLifetime,
    /// The deadline of every call in a worker.
    pub call_timeout: Duration,
    /// The deadline of loading a library (reading, hashing, `dlopen` with the library's
    /// initialisers), in a worker or in this process; `None`: `call_timeout`.
    pub load_timeout: Option<Duration>,
    /// How long supervisor and worker poll for each other before sleeping; `None`: the
    /// default for this machine ([`super::default_spin`]).
    pub poll_spin: Option<Duration>,
    /// Load libraries the inspector judges incompatible (or risky in this process), too.
    pub force: bool,
    /// The program workers run as (`<program> __worker`); `None`: this executable.
    pub worker_program: Option<PathBuf>,
}

impl Default for Backend {
    fn default() -> Backend {
        Backend {
            in_process: false,
            host: HostMode::Harness,
            lifetime: InstanceLifetime::Symphony,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            load_timeout: None,
            poll_spin: None,
            force: false,
            worker_program: None,
        }
    }
}

/// Why no provider factory could be made.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Reusing instances needs a worker to keep them in.
    #[error("`--instances reuse` needs a worker")]
    ReuseNeedsWorker,
    /// The program to start workers from is unknown.
    #[error("cannot find this executable to start workers")]
    NoProgram(#[source] std::io::Error),
}

impl BackendError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            BackendError::ReuseNeedsWorker => Some("drop `--in-process`".into()),
            BackendError::NoProgram(_) => None,
        }
    }
}

/// The factory that runs providers as `backend` says, mapping each `libFile` through
/// `resolve`.
pub fn provider_factory(
    backend: &Backend,
    resolve: LibFileResolver,
) -> Result<Box<dyn PreloadFactory>, BackendError> {
    if backend.in_process {
        if backend.lifetime == InstanceLifetime::Reuse {
            return Err(BackendError::ReuseNeedsWorker);
        }
        // A load in this process cannot be killed; past its deadline it is given up on.
        let load_timeout = backend.load_timeout.unwrap_or(backend.call_timeout);
        return Ok(match backend.host {
            HostMode::Harness => Box::new(
                InProcessFactory::with_resolver(resolve)
                    .force(backend.force)
                    .load_timeout(load_timeout),
            ),
            HostMode::Symphony => Box::new(
                SymphonyHostFactory::with_resolver(resolve)
                    .force(backend.force)
                    .load_timeout(load_timeout),
            ),
        });
    }
    let program = match &backend.worker_program {
        Some(program) => program.clone(),
        None => std::env::current_exe().map_err(BackendError::NoProgram)?,
    };
    let mut config = SupervisorConfig::new(program);
    config.call_timeout = backend.call_timeout;
    config.load_timeout = backend.load_timeout.unwrap_or(backend.call_timeout);
    if let Some(spin) = backend.poll_spin {
        config.spin = spin;
    }
    config.host = backend.host;
    Ok(Box::new(
        WorkerFactory::new(config, resolve)
            .force(backend.force)
            .lifetime(backend.lifetime),
    ))
}

impl crate::errors::Explain for BackendError {
    fn hint(&self) -> Option<String> {
        BackendError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::resolve;

    #[test]
    fn reuse_in_process_is_refused_with_a_hint() {
        let backend = Backend {
            in_process: true,
            lifetime: InstanceLifetime::Reuse,
            ..Backend::default()
        };
        let err = provider_factory(&backend, resolve::as_given())
            .err()
            .expect("refused");
        assert!(matches!(err, BackendError::ReuseNeedsWorker));
        assert_eq!(err.hint().as_deref(), Some("drop `--in-process`"));
    }

    #[test]
    fn the_default_backend_is_a_worker_with_symphonys_lifetime() {
        let backend = Backend::default();
        assert!(!backend.in_process);
        assert_eq!(backend.lifetime, InstanceLifetime::Symphony);
        assert_eq!(backend.call_timeout, DEFAULT_CALL_TIMEOUT);
    }
}
