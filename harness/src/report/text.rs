//! The pieces of human text every command shares: `label: value` fields, `warning: …`, and
//! `error: …` with its causes and hint. Styled with [`super::style`]; written to any
//! [`Write`].

use std::fmt::Display;
use std::io::{self, Write};

use super::style::{ERROR, HINT, LABEL, WARN};

/// A `label: value` line, the label (with its colon) padded to 11 columns.
pub fn field(out: &mut dyn Write, label: &str, value: impl Display) -> io::Result<()> {
    writeln!(out, "{LABEL}{:<11}{LABEL:#}{value}", format!("{label}:"))
}

/// `warning: text`.
pub fn warning(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{WARN}warning:{WARN:#} {text}")
}

/// `error: message`, one `caused by:` line per cause, and a `hint:` line if there is one.
///
/// A message may carry its own hint after `\nhint: ` (as `anyhow::bail!` texts do); that hint
/// is styled like the others and comes before `hint`.
pub fn error(
    out: &mut dyn Write,
    message: &str,
    causes: &[String],
    hint: Option<&str>,
) -> io::Result<()> {
    let (message, hint) = match message.split_once("\nhint: ") {
        Some((message, inline)) => (message, Some(inline)),
        None => (message, hint),
    };
    writeln!(out, "{ERROR}error:{ERROR:#} {message}")?;
    for cause in causes {
        writeln!(out, "  caused by: {cause}")?;
    }
    if let Some(hint) = hint {
        writeln!(out, "{HINT}hint:{HINT:#} {hint}")?;
    }
    Ok(())
}

/// `text` as one word of a POSIX shell command: as it is when that is safe, else in single
/// quotes, so a printed command can be pasted.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
    }

    #[test]
    fn a_field_pads_its_label_to_a_column() {
        assert_eq!(plain(|out| field(out, "abi", "v2")), "abi:       v2\n");
        assert_eq!(
            plain(|out| field(out, "a-long-label", 1)),
            "a-long-label:1\n"
        );
    }

    #[test]
    fn an_error_lists_its_causes_and_prefers_the_hint_in_its_message() {
        assert_eq!(
            plain(|out| error(out, "no", &["why".into(), "because".into()], Some("do x"))),
            "error: no\n  caused by: why\n  caused by: because\nhint: do x\n"
        );
        assert_eq!(
            plain(|out| error(out, "no\nhint: do y", &[], Some("do x"))),
            "error: no\nhint: do y\n"
        );
        assert_eq!(plain(|out| error(out, "no", &[], None)), "error: no\n");
        assert_eq!(plain(|out| warning(out, "careful")), "warning: careful\n");
    }

    #[test]
    fn shell_words_are_quoted_only_when_they_need_it() {
        assert_eq!(shell_word("snapshots/a.snap"), "snapshots/a.snap");
        assert_eq!(shell_word("my snaps/a.snap"), "'my snaps/a.snap'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
