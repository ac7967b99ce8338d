//! Printing: styled text that loses its color off a terminal (via `anstream`), errors with
//! their causes and hints, and warnings.

use anstyle::{AnsiColor, Style};
use symphony_harness::engine::CallError;
use symphony_harness::inspect::{InspectError, VerdictLevel};
use symphony_harness::load::{LoadError, LoadFailure};

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const HINT: Style = AnsiColor::Cyan.on_default();
pub const LABEL: Style = Style::new().bold();

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
    pub fn flush(&mut self) {
        anstream::print!("{}", std::mem::take(&mut self.out));
        anstream::eprint!("{}", std::mem::take(&mut self.err));
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
}

/// Prints `error: …` with causes and hint on stderr, at once.
pub fn error(err: &anyhow::Error) {
    let mut printed = Printed::default();
    printed.error(err);
    printed.flush();
}

/// Prints `warning: …` on stderr, at once.
pub fn warning(text: &str) {
    let mut printed = Printed::default();
    printed.warning(text);
    printed.flush();
}

/// The style for a verdict level.
pub fn verdict_style(level: VerdictLevel) -> Style {
    match level {
        VerdictLevel::Compatible => GOOD,
        VerdictLevel::Risky => WARN,
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => ERROR,
    }
}
