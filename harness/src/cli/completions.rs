//! `symphony-harness completions`: the shell completion script, generated from the flags.

use clap::{Args, Command, CommandFactory};
use clap_complete::Shell;
use symphony_harness::exit_code;

use super::output;

const EXAMPLES: &str = "\
Examples:
  symphony-harness completions bash > ~/.local/share/bash-completion/completions/symphony-harness
  symphony-harness completions zsh > ~/.zfunc/_symphony-harness   # with fpath+=(~/.zfunc) in ~/.zshrc
  symphony-harness completions fish > ~/.config/fish/completions/symphony-harness.fish";

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
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    output::stdout_bytes(&script)?;
    Ok(exit_code::SUCCESS)
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
