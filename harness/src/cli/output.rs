//! The process's streams: stdout and stderr (styles dropped off a terminal, via `anstream`),
//! and the errors and warnings of the command line. What the text says and how it is styled
//! is [`symphony_harness::report`]'s; this module only writes it out.
//!
//! Nothing here panics on a closed stream. A closed stdout (`… | head -1`) ends the output
//! quietly and the command keeps its exit code (the verdict); a closed stderr drops what was
//! meant for it. Any other failure to write stdout is the harness's own error.

use std::io::{self, Write};

use symphony_harness::engine::objects::ObjectError;
use symphony_harness::engine::{CallError, EngineError};
use symphony_harness::input::InputError;
use symphony_harness::inspect::InspectError;
use symphony_harness::load::probe::ProbeError;
use symphony_harness::load::{LoadError, LoadFailure};
use symphony_harness::report::{json as json_text, text};
use symphony_harness::serve::ServeError;
use symphony_harness::sim::SimError;
use symphony_harness::worker::BackendError;

/// Writes `text` to stdout (styles dropped off a terminal). A reader that went away is not
/// an error: it has what it wanted.
pub fn stdout(text: &str) -> io::Result<()> {
    stdout_bytes(text.as_bytes())
}

/// Writes `bytes` to stdout, as [`stdout`] does (for file names that are not UTF-8).
pub fn stdout_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = anstream::stdout();
    reader_gone_is_ok(out.write_all(bytes).and_then(|()| out.flush()))
}

/// Writes `text` to stderr (styles dropped off a terminal); a closed stderr drops it.
pub fn stderr(text: &str) {
    stderr_bytes(text.as_bytes());
}

/// Writes `bytes` to stderr, as [`stderr`] does.
pub fn stderr_bytes(bytes: &[u8]) {
    let mut err = anstream::stderr();
    let _ = err.write_all(bytes).and_then(|()| err.flush());
}

/// `Ok` for a write that failed only because the reader closed the pipe.
pub fn reader_gone_is_ok(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `value` as pretty JSON and a newline to stdout.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    Ok(stdout(&json_text::pretty(value)?)?)
}

/// Text for stdout and stderr, rendered by [`symphony_harness::report`] with styles embedded
/// and printed in one go (so parallel jobs never interleave); `anstream` drops the styles
/// when the stream is not a terminal.
#[derive(Debug, Default)]
pub struct Printed {
    /// For stdout.
    pub out: Vec<u8>,
    /// For stderr.
    pub err: Vec<u8>,
}

impl Printed {
    /// `error: …`, one `caused by:` line per source, and a hint if there is one, on stderr.
    pub fn error(&mut self, err: &anyhow::Error) {
        let causes: Vec<String> = err.chain().skip(1).map(ToString::to_string).collect();
        let hint = hint_for(err);
        // Writing to memory cannot fail.
        let _ = text::error(&mut self.err, &err.to_string(), &causes, hint.as_deref());
    }

    /// Prints everything and empties the buffers.
    pub fn flush(&mut self) -> io::Result<()> {
        let written = stdout_bytes(&std::mem::take(&mut self.out));
        stderr_bytes(&std::mem::take(&mut self.err));
        written
    }
}

/// The hint the library attaches to an error, if any.
fn hint_for(err: &anyhow::Error) -> Option<String> {
    err.downcast_ref::<LoadError>()
        .and_then(LoadError::hint)
        .or_else(|| {
            err.downcast_ref::<InspectError>()
                .and_then(InspectError::hint)
        })
        .or_else(|| {
            err.downcast_ref::<LoadFailure>()
                .and_then(|f| f.hint.clone())
        })
        .or_else(|| {
            err.downcast_ref::<CallError>()
                .filter(|call| call.process_died())
                .map(|call| {
                    format!(
                        "in Symphony this `{}` would take the whole symphony-api process down; \
                         run with `-vv` to see everything the provider printed",
                        call.outcome()
                    )
                })
        })
        .or_else(|| {
            err.downcast_ref::<EngineError>()
                .and_then(EngineError::hint)
        })
        .or_else(|| err.downcast_ref::<InputError>().and_then(InputError::hint))
        .or_else(|| err.downcast_ref::<ProbeError>().and_then(ProbeError::hint))
        .or_else(|| {
            err.downcast_ref::<ObjectError>()
                .and_then(ObjectError::hint)
        })
        .or_else(|| {
            err.downcast_ref::<BackendError>()
                .and_then(BackendError::hint)
        })
        .or_else(|| err.downcast_ref::<SimError>().and_then(SimError::hint))
        .or_else(|| err.downcast_ref::<ServeError>().and_then(ServeError::hint))
}

/// Prints `error: …` with causes and hint on stderr, at once.
pub fn error(err: &anyhow::Error) {
    let mut printed = Printed::default();
    printed.error(err);
    stderr_bytes(&printed.err);
}

/// Prints `warning: …` on stderr, at once.
pub fn warning(warning: &str) {
    let mut err = Vec::new();
    // Writing to memory cannot fail.
    let _ = text::warning(&mut err, warning);
    stderr_bytes(&err);
}
