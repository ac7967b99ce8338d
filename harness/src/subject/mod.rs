//! What is tested: a provider, settled once, that every command and the test API share.
//!
//! A [`SubjectSpec`] says what to test and how its bindings look: the provider ([`Source`]:
//! a library file, the crate whose tests run, or a provider type compiled into this process),
//! the `libHash` bindings give, the binding config (one parser for every `--config`:
//! [`config`]), folders each history gets fresh, the component type and properties of the
//! components made for it, the Symphony release and the backend providers run on.
//!
//! [`Subject::settle`] reads it once: the library read, hashed and fingerprinted, probed as
//! `load` does (loaded, `create_provider` with the binding config, `get_validation_rule`),
//! and the component type settled from the rule. A [`Subject`] then opens scenario sessions
//! and provider factories, and synthesizes the Targets and scenarios the checks and
//! histories play ([`synth`]). `check` and `explore` are siblings over it; neither knows the
//! other.
//!
//! - [`spec`]: [`SubjectSpec`] and [`Source`].
//! - [`config`]: binding config entries (`KEY=VALUE`, `@FILE.json`), with the keys other flags
//!   own refused.
//! - [`settled`]: [`Subject`], [`Probed`] and settling.
//! - [`synth`]: component names, Targets and scenarios made for a subject.
//! - [`target`]: a subject's bindings taken from the user's own Target file.

pub mod config;
pub mod settled;
pub mod spec;
pub mod synth;
pub mod target;

pub use config::{parse_config, ConfigError, Reserved};
pub use settled::{Probe, ProbeFailure, Probed, Subject, SubjectError};
pub use spec::{generated_properties, Source, SubjectSpec, DEFAULT_COMPONENT_TYPE};
pub use synth::step;
pub use target::{TargetBinding, TargetBindingError};
