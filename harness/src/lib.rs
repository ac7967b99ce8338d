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
//! **input → inspect → load → worker → engine → scenario → subject → check / explore → diff → transcript → report**
//!
//! - [`input`]: reads the JSON files users give (`file:line:col` errors), Symphony's objects as
//!   Go's decoder reads them, with a note for every key Symphony would ignore.
//! - [`inspect`]: reads a library's bytes (ELF) without running them and gives a verdict.
//! - [`load`]: hashes the library, copies the hashed bytes into a sealed memory file,
//!   `dlopen`s that, calls `create_provider`; [`load::probe`] is the `load` command's whole
//!   job as a typed report; [`load::DeviceChannel`] reads the simulated provider's true device
//!   state. The only `unsafe` code.
//! - [`worker`]: runs every provider call in a supervised child process: framed protocol,
//!   per-call deadlines, kill and restart, and the outcome of every call;
//!   [`worker::provider_factory`] is where every command gets its providers.
//! - [`engine`]: Symphony's reconcile, re-implemented (`%v` rendering, change detection,
//!   evaluation, planning, rounds on a logical clock); reaches providers only through its
//!   [`engine::Provider`] and [`engine::ProviderFactory`] traits and reports through events.
//! - [`scenario`]: scenario files (a provider, Symphony's objects, a history of steps with
//!   expectations), played against a real provider through a [`scenario::Session`]; suites
//!   with partitions, jobs and reproduction bundles; the contract expectations
//!   ([`scenario::invariants`]).
//! - [`subject`]: what is tested, settled once: a library (or the crate whose tests run, or a
//!   compiled-in provider type) with its binding config, read, hashed and probed; it opens the
//!   scenario sessions and provider factories `check` and `explore` play on.
//! - [`check`]: the conformance suite: a table of checks, each a small scenario or a few
//!   direct calls, on one subject.
//! - [`explore`]: property-based exploration: random histories (proptest), the invariants after
//!   every step, the first failing history shrunk and written out as a scenario file.
//! - [`diff`]: two builds of a provider played the same inputs (checks, scenario files,
//!   histories), and what Symphony would observe differently: regressed, fixed or changed.
//! - [`transcript`]: the normalised record of a scenario run, made from the engine's events;
//!   byte-identical between runs of the same scenario.
//! - [`serve`]: Symphony's REST API on this machine (`serve`): the tutorial's scripts run
//!   unchanged; every `POST`ed Target or Instance is reconciled through the engine and
//!   supervised workers, on Symphony's schedule; its status, rounds and a page to watch them.
//! - [`report`]: turns results and events into output (human text, JSON documents, JUnit):
//!   the one place that renders, for every command; the command line only hands it values and
//!   its stdout.
//! - [`model`]: Symphony's JSON types in Go's shape, in both wire generations. Pure data.
//! - [`exit_code`]: every exit code of the command-line tool, in one table.
//! - [`errors`]: an error and its causes as one line of text.
//! - [`jobs`]: the one job pool (`--jobs`) and CI shards (`--partition`).
//! - [`watch`]: `--watch`: the files a command was given, and when they changed (once quiet).
//! - [`sim`]: where commands find the bundled simulated provider, and the copy of it embedded
//!   in the binary (written to a cache folder on first use).
//! - [`scaffold`]: the provider crate `new` writes (templates under `harness/templates/new/`).
//! - `testing` (feature `testing`): the test API, the conformance suite and scenario files in
//!   a provider author's own `cargo test`, failing with the evidence the command line prints.
//!
//! # Words
//!
//! One word per thing, Symphony's where it has one:
//! - *library*: the provider's `.so` file; *provider*: what its `create_provider` returns.
//! - *binding config*: the Target binding's `config` map, passed to `create_provider` as JSON.
//! - *call*: one of `get_validation_rule`, `get`, `apply`; *step*: the components one `apply`
//!   handles; *round*: one reconcile; *run*: rounds until convergence, and the removal.
//! - *outcome* ([`engine::Outcome`]): how a call ended, by class: `ok`, `error`,
//!   `error-without-message`, `null-provider`, `panic`, `abort`, `segfault`, `signal`,
//!   `timeout`, `protocol`, `host-abort`, `invalid-result`, and `harness` when the harness
//!   itself failed (not the provider); an `apply` whose process died is *indeterminate*.
//! - *verdict* ([`inspect::Verdict`]): what `inspect` concludes about a library. How a run
//!   ended is its *run end* ([`engine::reconcile::RunEnd`]: converged, not converged, failed,
//!   dry run), printed as the run's verdict line.
//! - *host mode* ([`worker::HostMode`]): which host code calls the provider (the harness's
//!   loader, or the `symphony` crate's own C functions); *host toolchain*
//!   ([`inspect::HostToolchain`]): the rustc, `symphony` crate and architecture a library is
//!   judged against.
//! - *wire generation* ([`model::Symphony`]): the JSON names a Symphony release sends (0.48
//!   `solution*`, 0.49 `solutionversion*`); a deployment's `generation` field is Symphony's own
//!   (the stored object's ETag); a worker counts its *starts*.
//! - *backend* ([`worker::Backend`]): how providers run (worker or in-process, host mode,
//!   instance lifetime, deadlines).
//! - *compiled-in provider* ([`load::TypeFactory`]): a provider type built into the harness's
//!   own process (a provider author's test), called without any library; the *test API*
//!   (`testing`) checks one in-process or checks the crate's built library.

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs)]

pub mod check;
pub mod diff;
pub mod engine;
pub mod errors;
pub mod exit_code;
pub mod explore;
pub mod input;
pub mod inspect;
pub mod jobs;
pub mod load;
pub mod model;
pub mod report;
pub mod scaffold;
pub mod scenario;
pub mod serve;
pub mod sim;
pub mod subject;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transcript;
pub mod watch;
pub mod worker;
