//! Transcripts: the normalised record of a scenario run, made from the engine's events.
//!
//! A transcript lists, step by step and round by round, every provider call in order (kind,
//! phase, step, target, role, the provider instance it went to, the components sent, the
//! dry-run flag), its outcome, what it returned and what the provider printed; the engine's
//! decision for every step (skip or apply, and why); how each round ended and what Symphony
//! stored; and, for the simulated provider, the device's true state after each step.
//!
//! The record is typed ([`Transcript`] and its parts): `check`, `explore` and the scenario
//! expectations read its fields. It becomes JSON only where it is written (a snapshot, a
//! bundle, `--format json`), normalised so that two runs of the same scenario and seed give
//! the same bytes: maps are sorted, durations are never recorded (Symphony's waits are on the
//! logical clock), and volatile text (this run's scratch folder, the library's path, process
//! ids) is replaced by [`Redactions`]. `docs/scenarios.md` lists the rules.
//!
//! - [`record`]: the record's types.
//! - [`sink`]: [`TranscriptSink`], the [`crate::engine::events::EventSink`] that records rounds.
//! - [`redact`]: the volatile text of a run, replaced ([`Redactions`]).
//! - [`snapshot`]: a transcript held to a reviewed file in insta's format (`run
//!   --snapshots`, the test API).

pub mod record;
pub mod redact;
pub mod sink;
pub mod snapshot;

pub use record::{
    CallEntry, DecisionEntry, DeviceComponent, Entry, Returned, RoundTranscript, SentComponent,
    StepTranscript, Transcript,
};
pub use redact::Redactions;
pub use sink::TranscriptSink;
