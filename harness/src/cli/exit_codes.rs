//! `symphony-harness help exit-codes` (and `symphony-harness exit-codes`): the table of exit
//! codes, shown in this one place; every other command's `--help` points here.

use clap::Args;
use symphony_harness::exit_code;

use super::output;

/// Columns the table fits in, so a terminal of 80 shows it unwrapped.
const WIDTH: usize = 79;

/// The exit codes of every command, and what each means
///
/// The same code means the same thing in every command. Verdicts take the low codes, so CI
/// can branch on them; the harness's own failure is always 1, and a bad command line 2.
#[derive(Args, Debug)]
#[command(
    override_usage = "symphony-harness help exit-codes",
    after_help = help_text(),
    after_long_help = help_text()
)]
pub struct ExitCodesArgs {}

/// The topic's help: the tables, and their page.
fn help_text() -> String {
    format!(
        "{}\n{}\nReference:\n{}",
        table(),
        failures(),
        super::docs_url!("docs/exit-codes.md")
    )
}

/// `head` followed by `text`, its words wrapped at [`WIDTH`] and continued under the first.
fn wrapped(head: String, text: &str) -> String {
    let indent = head.chars().count();
    let mut line = head;
    let mut width = indent;
    for word in text.split(' ') {
        if width > indent && width + 1 + word.chars().count() > WIDTH {
            line.push('\n');
            line.push_str(&" ".repeat(indent));
            width = indent;
        }
        if width > indent {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += word.chars().count();
    }
    line.push('\n');
    line
}

/// The table: code, name, meaning; a long meaning continues under itself.
pub fn table() -> String {
    let name_width = exit_code::ALL
        .iter()
        .map(|entry| entry.name.len())
        .max()
        .unwrap_or(0);
    let mut text = String::from("Exit status:\n");
    for entry in exit_code::ALL {
        let head = format!("  {:>3}  {:<name_width$} ", entry.code, entry.name);
        text.push_str(&wrapped(head, entry.meaning));
    }
    text
}

/// The code of each failure, whichever command meets it ([`exit_code::BY_FAILURE`]; the
/// page lists the commands).
pub fn failures() -> String {
    let mut text = String::from("One code per failure, in every command that meets it:\n");
    for failure in exit_code::BY_FAILURE {
        text.push_str(&wrapped(format!("  {:>3}  ", failure.code), failure.what));
    }
    text
}

pub fn run(_: &ExitCodesArgs) -> anyhow::Result<i32> {
    let text = format!("{}\n{}", table(), failures());
    output::reader_gone_is_ok(output::stdout(&text))?;
    Ok(exit_code::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_code_once_within_79_columns() {
        let text = table();
        for entry in exit_code::ALL {
            let row = format!("  {:>3}  {} ", entry.code, entry.name);
            assert_eq!(text.matches(&row).count(), 1, "{row:?} in\n{text}");
        }
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
        // A meaning's words are all there, in order.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for entry in exit_code::ALL {
            assert!(flat.contains(entry.meaning), "{}", entry.meaning);
        }
    }

    #[test]
    fn every_failure_is_listed_with_its_code_within_79_columns() {
        let text = failures();
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for failure in exit_code::BY_FAILURE {
            let row = format!("{} {}", failure.code, failure.what);
            assert!(flat.contains(&row), "{row:?} in\n{text}");
        }
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
        }
    }
}
