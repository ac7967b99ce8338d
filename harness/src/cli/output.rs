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

/// Prints `error: …`, one `caused by:` line per source, and a hint if there is one.
pub fn error(err: &anyhow::Error) {
    let message = err.to_string();
    // A message may carry its own `hint:` line (from `bail!`); style it like the others.
    let (message, inline_hint) = match message.split_once("\nhint: ") {
        Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
        None => (message, None),
    };
    anstream::eprintln!("{ERROR}error:{ERROR:#} {message}");
    for cause in err.chain().skip(1) {
        anstream::eprintln!("  caused by: {cause}");
    }
    let hint = inline_hint
        .or_else(|| err.downcast_ref::<LoadError>().and_then(LoadError::hint))
        .or_else(|| {
            err.downcast_ref::<InspectError>()
                .and_then(InspectError::hint)
        })
        .or_else(|| err.downcast_ref::<LoadFailure>().and_then(|f| f.hint.clone()))
        .or_else(|| {
            err.downcast_ref::<CallError>()
                .filter(|call| call.process_died())
                .map(|call| {
                    format!(
                        "in Symphony this `{}` would take the whole symphony-api process down;                          run with `-vv` to see everything the provider printed",
                        call.outcome()
                    )
                })
        });
    if let Some(hint) = hint {
        anstream::eprintln!("{HINT}hint:{HINT:#} {hint}");
    }
}

/// Prints `warning: …` on stderr.
pub fn warning(text: &str) {
    anstream::eprintln!("{WARN}warning:{WARN:#} {text}");
}

/// The style for a verdict level.
pub fn verdict_style(level: VerdictLevel) -> Style {
    match level {
        VerdictLevel::Compatible => GOOD,
        VerdictLevel::Risky => WARN,
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => ERROR,
    }
}

/// Prints a `label: value` line with the label padded to a column.
pub fn field(label: &str, value: impl std::fmt::Display) {
    anstream::println!("{LABEL}{:<11}{LABEL:#}{value}", format!("{label}:"));
}
