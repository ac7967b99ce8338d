//! symphony-harness: load, drive and judge Eclipse Symphony Rust target providers without
//! Symphony.
//!
//! A provider is a `cdylib` built against the `symphony` crate that exports `create_provider`.
//! Symphony loads it by hash, creates a new provider for every call, asks it for the device's
//! state (`get`) and tells it to change the device (`apply`). This crate does the same, in the
//! open, so that a provider's author learns before deploying whether Symphony can load it, how
//! Symphony's reconcile loop will treat it, and what goes wrong when it misbehaves.
//!
//! # How the data flows
//!
//! **inspect → load → (worker) → engine → (scenario / check / explore) → (transcript → report)**
//!
//! - [`inspect`]: reads a library's bytes (ELF) without running them and gives a verdict.
//! - [`load`]: hashes the open file, `dlopen`s that same file, calls `create_provider`; its
//!   [`load::DeviceChannel`] reads the simulated provider's true device state. The only
//!   `unsafe` code.
//! - [`engine`]: Symphony's reconcile, re-implemented; reaches providers through its
//!   [`engine::Provider`] and [`engine::ProviderFactory`] traits.
//! - [`model`]: Symphony's JSON types in Go's shape. Pure data.
//! - [`exit_code`]: every exit code of the command-line tool.
//!
//! The modules in parentheses arrive with later work: the supervised worker process, scenario
//! files, the conformance checks, property-based exploration, transcripts and reports.
//!
//! # Words
//!
//! One word per thing, Symphony's where it has one:
//! - *library*: the provider's `.so` file; *provider*: what its `create_provider` returns.
//! - *binding config*: the Target binding's `config` map, passed to `create_provider` as JSON.
//! - *call*: one of `get_validation_rule`, `get`, `apply`; *step*: the components one `apply`
//!   handles; *round*: one reconcile; *outcome*: how a call ended.
//! - *verdict*: what `inspect` concludes about a library.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs)]

pub mod engine;
pub mod exit_code;
pub mod inspect;
pub mod load;
pub mod model;
pub mod worker;
