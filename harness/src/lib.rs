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
//! **inspect → load → worker → engine → (scenario / check / explore) → (transcript → report)**
//!
//! - [`inspect`]: reads a library's bytes (ELF) without running them and gives a verdict.
//! - [`load`]: hashes the open file, `dlopen`s that same file, calls `create_provider`; its
//!   [`load::DeviceChannel`] reads the simulated provider's true device state. The only
//!   `unsafe` code.
//! - [`worker`]: runs every provider call in a supervised child process: framed protocol,
//!   per-call deadlines, kill and restart, and the outcome class of every call.
//! - [`engine`]: Symphony's reconcile, re-implemented (`%v` rendering, change detection,
//!   evaluation, planning, rounds on a logical clock); reaches providers only through its
//!   [`engine::Provider`] and [`engine::ProviderFactory`] traits and reports through events.
//! - [`model`]: Symphony's JSON types in Go's shape, in both wire generations. Pure data.
//! - [`exit_code`]: every exit code of the command-line tool.
//!
//! The modules in parentheses arrive with later work: scenario files, the conformance checks,
//! property-based exploration, transcripts and reports.
//!
//! # Words
//!
//! One word per thing, Symphony's where it has one:
//! - *library*: the provider's `.so` file; *provider*: what its `create_provider` returns.
//! - *binding config*: the Target binding's `config` map, passed to `create_provider` as JSON.
//! - *call*: one of `get_validation_rule`, `get`, `apply`; *step*: the components one `apply`
//!   handles; *round*: one reconcile; *outcome*: how a call ended.
//! - *outcome*: how a call ended, by class: `ok`, `error`, `error-without-message`,
//!   `null-provider`, `panic`, `abort`, `segfault`, `signal`, `timeout`, `protocol`; an `apply`
//!   whose process died is *indeterminate*.
//! - *verdict*: what `inspect` concludes about a library, or how a `reconcile` ended.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs)]

pub mod engine;
pub mod exit_code;
pub mod input;
pub mod inspect;
pub mod load;
pub mod model;
pub mod report;
pub mod worker;
