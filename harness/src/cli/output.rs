//! Printing: styled text that loses its color off a terminal (via `anstream`), errors with
//! their causes and hints, and warnings.
//!
//! Nothing here panics on a closed stream. A closed stdout (`… | head -1`) ends the output
//! quietly and the command keeps its exit code (the verdict); a closed stderr drops what was
//! meant for it. Any other failure to write stdout is the harness's own error.

use std::io::{self, Write};

use anstyle::Style;
use symphony_harness::engine::objects::ObjectError;
use symphony_harness::engine::{CallError, EngineError};
use symphony_harness::input::InputError;
use symphony_harness::inspect::{InspectError, VerdictLevel};
use symphony_harness::load::probe::ProbeError;
use symphony_harness::load::{LoadError, LoadFailure};
use symphony_harness::worker::BackendError;

pub use symphony_harness::report::style::{ERROR, GOOD, HINT, LABEL, WARN};

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
    let mut err = anstream::stderr();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
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
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(stdout(&text)?)
}

/// Text for stdout and stderr with styles embedded, printed in one go (so parallel jobs never
/// interleave); `anstream` drops the styles when the stream is not a terminal.
#[derive(Debug, Default)]
pub struct Printed {
    /// For stdout.
    pub out: String,
    /// For stderr.
    pub err: String,
}

impl Printed {
    /// A line on stdout.
    pub fn line(&mut self, text: impl std::fmt::Display) {
        self.out.push_str(&format!("{text}\n"));
    }

    /// A `label: value` line on stdout, the label padded to a column.
    pub fn field(&mut self, label: &str, value: impl std::fmt::Display) {
        self.line(format!(
            "{LABEL}{:<11}{LABEL:#}{value}",
            format!("{label}:")
        ));
    }

    /// `warning: …` on stderr.
    pub fn warning(&mut self, text: &str) {
        self.err
            .push_str(&format!("{WARN}warning:{WARN:#} {text}\n"));
    }

    /// `error: …`, one `caused by:` line per source, and a hint if there is one, on stderr.
    pub fn error(&mut self, err: &anyhow::Error) {
        let message = err.to_string();
        // A message may carry its own `hint:` line (from `bail!`); style it like the others.
        let (message, inline_hint) = match message.split_once("\nhint: ") {
            Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
            None => (message, None),
        };
        self.err
            .push_str(&format!("{ERROR}error:{ERROR:#} {message}\n"));
        for cause in err.chain().skip(1) {
            self.err.push_str(&format!("  caused by: {cause}\n"));
        }
        if let Some(hint) = inline_hint.or_else(|| hint_for(err)) {
            self.err.push_str(&format!("{HINT}hint:{HINT:#} {hint}\n"));
        }
    }

    /// Prints everything and empties the buffers.
    pub fn flush(&mut self) -> io::Result<()> {
        let written = stdout(&std::mem::take(&mut self.out));
        stderr(&std::mem::take(&mut self.err));
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
}

/// Prints `error: …` with causes and hint on stderr, at once.
pub fn error(err: &anyhow::Error) {
    let mut printed = Printed::default();
    printed.error(err);
    stderr(&printed.err);
}

/// Prints `warning: …` on stderr, at once.
pub fn warning(text: &str) {
    let mut printed = Printed::default();
    printed.warning(text);
    stderr(&printed.err);
}

/// The style for a verdict level.
pub fn verdict_style(level: VerdictLevel) -> Style {
    match level {
        VerdictLevel::Compatible => GOOD,
        VerdictLevel::Risky => WARN,
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => ERROR,
    }
}
