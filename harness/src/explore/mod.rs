//! Property-based exploration: random reconciliation histories played against a provider,
//! the provider's contract checked after every step, and the first history that breaks it
//! shrunk to the smallest one that still does and written out as a scenario file.
//!
//! - [`case`]: what is generated (operations, components, property values) and the proptest
//!   strategies that draw it.
//! - [`model`]: the reference model that turns a case into a scenario whose expectations are
//!   the invariants ([`crate::scenario::invariants`]).
//! - [`run`]: seeds, jobs, partitions, shrinking, writing failures out.
//! - [`given`]: case `n` of a seed drawn as the search draws it, and given cases played as
//!   they are (no search, no shrinking): what `diff` plays on two builds.
//! - [`persist`]: failures kept for the next run to try first.
//!
//! `docs/explore.md` says what is generated and which invariants are checked.

pub mod case;
pub mod given;
pub mod model;
pub mod persist;
pub mod run;

pub use case::{Case, Op, OpKind, Shape};
pub use given::{draw, CasePlayer, PlayedCase};
pub use model::{scenario_for, Frame};
pub use run::{explore, ExploreError, ExploreFailure, ExploreOptions, ExploreReport, Progress};
