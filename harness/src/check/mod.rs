//! The conformance suite: everything about a provider that would go wrong in Symphony, learnt
//! before deploying it, with no Target file to write.
//!
//! A check is one row of [`CATALOG`]: a stable id ([`CheckId`], `apply.converges`), its area,
//! a title, what Symphony's users see when it fails, how to fix it, and the function that
//! judges a settled [`crate::subject::Subject`]. Most checks are small scenarios played by the
//! scenario runner, so their evidence is the calls they made and a failing one can be saved as
//! a scenario file; the rest read the library's bytes, the probe, or make direct calls.
//!
//! - [`catalog`]: the table of checks, in the order they run.
//! - [`suite`]: running the table on a subject: every check isolated (its own worker processes
//!   and device), `--only`/`--skip`, verdict changes between two runs.
//! - [`finding`]: what a check found ([`Finding`], [`Status`], [`finding::Advice`]).
//! - [`cause`]: one fact that decides several checks (a panic, no provider, …), stated once.
//! - [`status`]: how a check ended ([`Status`]).
//! - [`context`]: what a check function gets ([`Context`]).
//! - [`judge`]: a finding from a played scenario, and its evidence lines.
//! - [`direct`]: calls made outside a reconcile, for what Symphony's loop cannot reach.
//! - `checks`: the check functions, by area.

pub mod catalog;
pub mod cause;
mod checks;
pub mod context;
pub mod direct;
pub mod finding;
pub mod judge;
pub mod status;
pub mod suite;

pub use catalog::{Area, CheckId, CheckInfo, CATALOG};
pub use cause::{Cause, CauseKind};
pub use finding::{Advice, Finding, OwnAdvice, Status};
pub use suite::{run_checks, CauseEntry, CheckOptions, CheckResult, SuiteReport};
