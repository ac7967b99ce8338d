//! Symphony's reconcile, re-implemented (grown by the engine issue); for now, the interface
//! through which it reaches providers.
//!
//! Owns the [`Provider`] and [`ProviderFactory`] traits. The loader (in-process) and the
//! supervised worker implement them; the engine and its tests never load or spawn anything.

mod provider;

pub use provider::{CallError, Provider, ProviderFactory};
pub mod rule;
