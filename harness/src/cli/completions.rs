//! `symphony-harness completions`: the shell completion script, generated from the flags.

use clap::{Args, Command, CommandFactory};
use clap_complete::Shell;
use symphony_harness::exit_code;

use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness completions bash \\
      > ~/.local/share/bash-completion/completions/symphony-harness
  # with fpath+=(~/.zfunc) in ~/.zshrc
  symphony-harness completions zsh > ~/.zfunc/_symphony-harness
  symphony-harness completions fish \\
      > ~/.config/fish/completions/symphony-harness.fish

Reference:\n",
    super::docs_url!("docs/install.md#shell-completions")
);

/// Print the shell completion script for bash, zsh or fish (and elvish, powershell)
///
/// The script completes commands, flags and their values; save it where your shell loads
/// completions from (see the examples), then start a new shell.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<i32> {
    let mut command = visible(super::Cli::command());
    let name = command.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name.as_str(), &mut script);
    if args.shell == Shell::Bash {
        script = fix_bash_states(&String::from_utf8_lossy(&script), &name).into_bytes();
    }
    output::stdout_bytes(&script)?;
    Ok(exit_code::SUCCESS)
}

/// The bash script with its `case` arms named as its word loop names them.
///
/// clap_complete's bash script walks the words typed so far and names the state it reaches
/// `symphony__harness__subcmd__check` (the binary's `-` as `__`), but spells the `case` arm of
/// each subcommand `symphony__subcmd__harness__subcmd__check` (the binary's `-` as the
/// subcommand separator), so no arm matches and nothing after a subcommand completes
/// (clap-rs/clap#6421, https://github.com/clap-rs/clap/issues/6421). The arms are renamed; a
/// script without the mismatch is left as it is.
fn fix_bash_states(script: &str, bin_name: &str) -> String {
    const SEPARATOR: &str = "__subcmd__";
    let wrong = format!("{}{SEPARATOR}", bin_name.replace('-', SEPARATOR));
    let right = format!("{}{SEPARATOR}", bin_name.replace('-', "__"));
    script.replace(&wrong, &right)
}

/// `root` without its hidden subcommands (the internal `__worker`), which clap_complete's
/// scripts would otherwise offer: clap has no way to remove a subcommand, so this is a new
/// root with the same flags and the visible subcommands.
fn visible(root: Command) -> Command {
    let mut visible = Command::new("symphony-harness")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true);
    if let Some(about) = root.get_about() {
        visible = visible.about(about.clone());
    }
    for arg in root.get_arguments() {
        visible = visible.arg(arg.clone());
    }
    for subcommand in root.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        visible = visible.subcommand(subcommand.clone());
    }
    visible
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_case_arms_are_renamed_to_the_states_the_word_loop_reaches() {
        let script = "cmd=\"symphony__harness__subcmd__check\"\n        \
                      symphony__subcmd__harness__subcmd__check)\n";
        let fixed = fix_bash_states(script, "symphony-harness");
        assert_eq!(
            fixed,
            "cmd=\"symphony__harness__subcmd__check\"\n        \
             symphony__harness__subcmd__check)\n"
        );
    }

    #[test]
    fn a_name_without_a_hyphen_is_left_alone() {
        let script = "tool__subcmd__check)";
        assert_eq!(fix_bash_states(script, "tool"), script);
    }
}
