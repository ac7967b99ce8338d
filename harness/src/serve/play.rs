//! Where `serve` gets its providers and plays a round: the two seams between the HTTP side
//! and the engine.
//!
//! Owns one object's [`Player`]: the provider factory for its bindings (made once, by
//! [`crate::worker::provider_factory`], `libFile` under `/extensions/` found in the
//! `--extensions` folder, Symphony's hash check in the loader) and the [`Reconciler`] that
//! keeps what Symphony stores between reconciles of that object. [`Player::round`] plays one
//! reconcile through the real engine; a provider that panics, aborts or hangs is contained by
//! its supervised worker and ends the round as a failure with its outcome. Does not decide
//! when rounds run ([`super::jobs`] does) nor what the status says ([`super::status`]).

use std::path::Path;
use std::time::Instant;

use crate::engine::events::{EventSink, NoSink};
use crate::engine::reconcile::{Reconciler, RoundReport};
use crate::engine::EngineError;
use crate::load::probe::preload_deployment;
use crate::load::{resolve, LoadFailure, PreloadError, PreloadFactory};
use crate::model::{DeploymentSpec, Symphony};
use crate::worker::{provider_factory, Backend, BackendError};

/// One object's providers and stored state.
pub struct Player {
    factory: Box<dyn PreloadFactory>,
    reconciler: Reconciler,
    extensions: std::path::PathBuf,
    /// When the last round started: the logical clock follows the wall clock.
    last: Option<Instant>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

impl Player {
    /// A player whose providers run as `backend` says, finding `/extensions/` libraries in
    /// `extensions`, sending `release`'s JSON. The one place `serve` makes a factory.
    pub fn new(
        backend: &Backend,
        extensions: &Path,
        release: Symphony,
    ) -> Result<Player, BackendError> {
        Ok(Player {
            factory: provider_factory(backend, resolve::extensions_into(extensions))?,
            reconciler: Reconciler::new(release),
            extensions: extensions.to_path_buf(),
            last: None,
        })
    }

    /// What `load` warns about each binding the deployment's first phase loads (a skipped
    /// hash check, a risky library), and why a library cannot load; the rounds report the
    /// failure again, as Symphony does on every poll.
    pub fn warnings(&mut self, deployment: &DeploymentSpec) -> Vec<String> {
        let mut resolve_here = resolve::extensions_into(&self.extensions);
        match preload_deployment(deployment, self.factory.as_mut(), &mut resolve_here) {
            Ok(bindings) => bindings
                .into_iter()
                .flat_map(|binding| {
                    let lib_file = binding
                        .config
                        .get("libFile")
                        .unwrap_or_default()
                        .to_string();
                    binding
                        .warnings
                        .into_iter()
                        .map(move |warning| format!("`{lib_file}`: {warning}"))
                })
                .collect(),
            Err(err) => {
                let looked_at = resolve::extensions_into(&self.extensions)(&err.lib_file);
                let mut text = format!(
                    "{} (looked for at `{}`)",
                    crate::errors::error_chain(&*err),
                    looked_at.display()
                );
                if let PreloadError::Load(LoadFailure {
                    hint: Some(hint), ..
                }) = &err.failure
                {
                    text.push_str(&format!("\nhint: {hint}"));
                }
                vec![text]
            }
        }
    }

    /// Plays one reconcile of `deployment` (`remove`: the removal), its events to `sink`.
    /// The logical clock advances by the seconds since the last round, so a transcript's
    /// times are the server's.
    pub fn round(
        &mut self,
        deployment: &DeploymentSpec,
        remove: bool,
        sink: &mut dyn EventSink,
    ) -> Result<RoundReport, EngineError> {
        let now = Instant::now();
        if let Some(last) = self.last {
            let seconds = now.duration_since(last).as_secs();
            self.reconciler
                .wait(seconds, "time passed between jobs", &mut NoSink);
        }
        self.last = Some(now);
        self.reconciler
            .reconcile(deployment, remove, &mut self.factory, sink)
    }
}
