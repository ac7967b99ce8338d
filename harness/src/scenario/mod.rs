//! Scenarios: a provider, Symphony's objects and a history of steps (reconcile, change the
//! desired state, change the device, arm faults, restart), with what must hold after each
//! step. Users write one down once to reproduce a reconciliation bug and replay it forever.
//!
//! - [`format`]: the resolved scenario ([`Scenario`]) and its parts.
//! - [`parse`]: reading scenario files, with `file:line:col` errors.
//! - [`run`]: playing a scenario against a real provider, recording a transcript.
//! - [`expect`]: checking each step's expectations.
//! - [`invariants`]: the expectations that state the provider's contract (`explore` writes
//!   them on every step it generates).
//! - [`summary_expect`]: `expect.summary`, Symphony's summary of a round.
//! - [`suite`]: many scenarios: jobs, the determinism check.
//! - [`result`]: a scenario's result in a suite, and verdict changes between two runs.
//! - [`bundle`]: reproduction bundles of failures, for `replay`.
//! - [`snapshot`]: a scenario's transcript held to its snapshot (`run --snapshots`).
//! - [`scratch`]: the folder a run keeps its simulated devices in (in memory where it can).
//!
//! `docs/scenarios.md` documents the file format; `docs/schemas/scenario.v1.json` is its
//! JSON Schema.

pub mod bundle;
pub mod expect;
pub mod format;
pub mod invariants;
pub mod parse;
pub mod result;
pub mod run;
pub mod scratch;
pub mod snapshot;
pub mod suite;
pub mod summary_expect;

pub use expect::{Mismatch, StepFacts};
pub use format::{Action, Expect, ProviderSpec, Scenario, Step, StoredStart};
pub use parse::{parse_scenario, read_scenario, Loaded, ScenarioError};
pub use result::{changes, ScenarioChange, ScenarioResult};
pub use run::{run_scenario, scenario_files, RunError, RunSettings, ScenarioRun, Session, Tally};
pub use scratch::scratch_folder;
pub use suite::{run_suite, SuiteOptions};
