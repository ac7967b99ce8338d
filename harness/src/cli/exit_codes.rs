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

/// The topic's help: the table, and its page.
fn help_text() -> String {
    format!(
        "{}\nReference:\n{}",
        table(),
        super::docs_url!("docs/exit-codes.md")
    )
}

/// The table: code, name, meaning; a long meaning continues under itself.
pub fn table() -> String {
    let name_width = exit_code::ALL
        .iter()
        .map(|entry| entry.name.len())
        .max()
        .unwrap_or(0);
    let indent = 2 + 3 + 2 + name_width + 1;
    let mut text = String::from("Exit status:\n");
    for entry in exit_code::ALL {
        let mut line = format!("  {:>3}  {:<name_width$} ", entry.code, entry.name);
        let mut width = line.len();
        for word in entry.meaning.split(' ') {
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
        text.push_str(&line);
        text.push('\n');
    }
    text
}

pub fn run(_: &ExitCodesArgs) -> anyhow::Result<i32> {
    output::reader_gone_is_ok(output::stdout(&table()))?;
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
}
