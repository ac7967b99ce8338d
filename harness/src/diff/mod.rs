//! Diffing two builds of a provider: the same inputs played on both, and what Symphony would
//! observe differently, each difference classified as regressed, fixed or changed.
//!
//! The inputs: the library facts (`inspect`, the probe), every check of the conformance
//! suite, the given scenario files, and histories drawn from one seed as `explore` draws
//! them; each build settled as its own [`crate::subject::Subject`] and played in its own
//! thread, folder, worker processes and devices. Checks compare by id and status; scenarios
//! and histories compare their typed transcripts call by call: how each call ended, what
//! `get` reported under the provider's rule (as Symphony compares a component), what `apply`
//! returned, failed rounds, convergence, what a removal left, the devices' truth, and the
//! expectations (a history's are `explore`'s invariants).
//!
//! Does not print (the `report` module renders a [`DiffReport`]) or pick exit codes.
//!
//! - [`run`]: [`diff`], its options and error.
//! - [`sides`]: playing every input on one build.
//! - [`compared`]: the [`DiffReport`]: inputs, and the distinct [`Difference`]s.
//! - [`change`]: a [`Change`], its [`Kind`] and [`Area`].
//! - [`input`]: the inputs, and what each showed.
//! - [`facts`]: both libraries' facts side by side.
//! - [`checks`]: the suite compared check by check.
//! - [`runs`], [`rounds`], [`calls`], [`device`]: a scenario's two transcripts compared, by
//!   run, step, round, call and device.
//! - [`describe`]: the evidence lines.
//! - [`reproduce`]: the command and scenario file that show a difference again.
//!
//! `docs/commands/diff.md` says what is compared and how each kind is decided.

pub mod calls;
pub mod change;
pub mod checks;
pub mod compared;
pub mod describe;
pub mod device;
pub mod facts;
pub mod input;
pub mod reproduce;
pub mod rounds;
pub mod run;
pub mod runs;
pub mod sides;

pub use change::{Area, Change, Kind};
pub use compared::{Build, DiffReport, Difference, Played};
pub use facts::Fact;
pub use input::{Input, InputDiff, InputKind};
pub use run::{diff, DiffError, DiffOptions, DEFAULT_CASES};
pub use sides::Side;
