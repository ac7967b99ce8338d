//! Turning results into output: what a person reads, and the documents machines read.
//!
//! Owns every rendering of a run: the human text (styled, see [`style`]) and the typed JSON
//! documents. Reporters write to any [`std::io::Write`]; they never decide exit codes and never
//! touch the process's streams themselves (the command line hands them its stdout). A write
//! that fails stops the reporter's output and is handed back by its `finish`, so a reader that
//! went away (`| head -1`) does not change the verdict.
//!
//! - [`hash`]: `sha256sum`'s line format.
//! - [`json`]: the JSON documents, each named by its schema.
//! - [`reconcile`]: the engine's events as they come, the verdict of a run, and its JSON
//!   document.
//!
//! - [`run`]: the scenarios of `run` and `replay`: human, JSON (with transcripts), JUnit.
//!
//! Check and explore reports arrive with later work.

pub mod check;
pub mod hash;
pub mod json;
pub mod reconcile;
pub mod run;
pub mod style;
