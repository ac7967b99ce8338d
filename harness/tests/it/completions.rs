//! Shell completions that complete: the bash script, sourced into a real bash, completes a
//! subcommand's flags (clap-rs/clap#6421 left them empty for a hyphenated binary name).

use std::process::Command;

use crate::support::harness;

/// What the bash completion for `words` offers: the script is sourced, the function that
/// `complete -p symphony-harness` names is called as bash's programmable completion calls it
/// (`COMP_WORDS`, `COMP_CWORD`, the command, the current word and the one before), and
/// `COMPREPLY` comes back, one word a line.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let run = harness(&["completions", "bash"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("symphony-harness.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"set -u
source "$1"
spec=$(complete -p symphony-harness) || exit 3
function=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$function" ] || exit 4
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$function" symphony-harness "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" ")
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program, "bash"])
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_check_fo_to_format() {
    assert_eq!(
        bash_completes(&["symphony-harness", "check", "--fo"]),
        ["--format"]
    );
}

#[test]
fn bash_completes_the_flags_of_a_nested_subcommand_and_the_subcommands_at_the_top() {
    let flags = bash_completes(&["symphony-harness", "sim", "path", "--"]);
    assert!(flags.iter().any(|f| f == "--embedded"), "{flags:?}");
    let commands = bash_completes(&["symphony-harness", "ch"]);
    assert_eq!(commands, ["check"]);
}
