//! The process's streams: stdout and stderr (styles dropped off a terminal, via `anstream`),
//! and the errors and warnings of the command line. What the text says and how it is styled
//! is [`symphony_harness::report`]'s; this module only writes it out.
//!
//! Nothing here panics on a closed stream. A closed stdout (`… | head -1`) ends the output
//! quietly and the command keeps its exit code (the verdict); a closed stderr drops what was
//! meant for it. Any other failure to write stdout is the harness's own error.
//!
//! An error that ends a command ([`failed`]) is text on stderr, and under `--format json`
//! ([`errors_as_json`]) also one error document on stdout (`docs/json-output.md`), unless the
//! command's own document is already there.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use symphony_harness::report::json::{self as json_doc, Document, ErrorDocument, ErrorText};
use symphony_harness::report::{json as json_text, text};

use super::explain::{self, Summed};

/// Set under `--format json`: the subcommand an error document names (`None`: the command
/// line names none).
static JSON_ERRORS: OnceLock<Option<String>> = OnceLock::new();

/// Whether anything was written to stdout: under `--format json`, the command's document.
static STDOUT_USED: AtomicBool = AtomicBool::new(false);

/// From now on, an error that ends the command is also an error document on stdout, naming
/// `command`.
pub fn errors_as_json(command: Option<&str>) {
    let _ = JSON_ERRORS.set(command.map(str::to_string));
}

/// Reports `err`, which ends the command, and returns its exit code: `error: …` with causes
/// and hint on stderr (each error a [`Summed`] sums up first); under `--format json` also the
/// error document on stdout, unless the command already printed its own document there.
pub fn failed(err: &anyhow::Error) -> i32 {
    let code = explain::exit_code_for(err);
    let mut printed = Printed::default();
    for inner in Summed::errors(err) {
        printed.error(inner);
    }
    printed.error(err);
    stderr_bytes(&printed.err);
    if let Some(command) = JSON_ERRORS.get() {
        if !STDOUT_USED.load(Ordering::SeqCst) {
            let mut document = ErrorDocument::new(command.clone(), code, error_text(err));
            document.errors = Summed::errors(err).iter().map(error_text).collect();
            // A closed stdout drops the document; the code stands.
            let _ = json(&Document::new(json_doc::ERROR, &document));
        }
    }
    code
}

/// `err` as words: its message, each cause, and the hint.
fn error_text(err: &anyhow::Error) -> ErrorText {
    let causes = err.chain().skip(1).map(ToString::to_string).collect();
    ErrorText::new(&err.to_string(), causes, explain::hint_for(err))
}

/// Writes `text` to stdout (styles dropped off a terminal). A reader that went away is not
/// an error: it has what it wanted.
pub fn stdout(text: &str) -> io::Result<()> {
    stdout_bytes(text.as_bytes())
}

/// Writes `bytes` to stdout, as [`stdout`] does (for file names that are not UTF-8).
pub fn stdout_bytes(bytes: &[u8]) -> io::Result<()> {
    if !bytes.is_empty() {
        STDOUT_USED.store(true, Ordering::SeqCst);
    }
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
        let hint = explain::hint_for(err);
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
