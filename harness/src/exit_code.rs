//! Every exit code of `symphony-harness`, in one place: [`ALL`] names and explains each one;
//! `symphony-harness help exit-codes` and the table of `docs/exit-codes.md` are made from it (a
//! test holds the page to it). [`BY_FAILURE`] gives each failure of the input its one code and
//! the commands that meet it; the `exit_codes` integration tests run every pair.
//!
//! Verdicts take the low codes, so CI can branch on them; the harness's own failure is always
//! [`ERROR`]. Clap exits with [`USAGE`] on a bad command line. A signal that stops the harness
//! gives the shell's code for it, 128 + the signal's number ([`for_signal`]).

/// An exit code with its stable name and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitCode {
    /// The process exit status.
    pub code: i32,
    /// Its stable kebab-case name.
    pub name: &'static str,
    /// What it means, in one line.
    pub meaning: &'static str,
}

/// `success`: see [`ALL`].
pub const SUCCESS: i32 = 0;
/// `error`: see [`ALL`].
pub const ERROR: i32 = 1;
/// `usage`: see [`ALL`].
pub const USAGE: i32 = 2;
/// `risky`: see [`ALL`].
pub const RISKY: i32 = 3;
/// `incompatible`: see [`ALL`].
pub const INCOMPATIBLE: i32 = 4;
/// `load-failed`: see [`ALL`].
pub const LOAD_FAILED: i32 = 5;
/// `call-failed`: see [`ALL`].
pub const CALL_FAILED: i32 = 6;
/// `not-converged`: see [`ALL`].
pub const NOT_CONVERGED: i32 = 7;
/// `changed`: see [`ALL`].
pub const CHANGED: i32 = 8;

/// `scenario-failed`: see [`ALL`].
pub const SCENARIO_FAILED: i32 = 9;

/// `check-failed`: see [`ALL`].
pub const CHECK_FAILED: i32 = 10;

/// `invariant-broken`: see [`ALL`].
pub const INVARIANT_BROKEN: i32 = 11;

/// `differs`: see [`ALL`].
pub const DIFFERS: i32 = 12;

/// `hangup`: see [`ALL`].
pub const HANGUP: i32 = 129;
/// `interrupted`: see [`ALL`].
pub const INTERRUPTED: i32 = 130;
/// `terminated`: see [`ALL`].
pub const TERMINATED: i32 = 143;

/// The exit code after the harness stopped on `signal` (its number): 128 + the number, as a
/// shell reports a process the signal killed.
pub fn for_signal(signal: i32) -> i32 {
    128 + signal
}

/// Every code, its name and its meaning: the one definition.
pub const ALL: [ExitCode; 16] = [
    ExitCode {
        code: SUCCESS,
        name: "success",
        meaning: "done; `inspect`: compatible",
    },
    ExitCode {
        code: ERROR,
        name: "error",
        meaning: "the harness itself failed (unreadable file, bad input, I/O, a worker it could not start)",
    },
    ExitCode {
        code: USAGE,
        name: "usage",
        meaning: "the command line is wrong",
    },
    ExitCode {
        code: RISKY,
        name: "risky",
        meaning: "the library may work: see the reasons",
    },
    ExitCode {
        code: INCOMPATIBLE,
        name: "incompatible",
        meaning: "incompatible with the host, or not a provider",
    },
    ExitCode {
        code: LOAD_FAILED,
        name: "load-failed",
        meaning: "Symphony would fail to create the provider: hash mismatch, `dlopen` failure, NULL from `create_provider`",
    },
    ExitCode {
        code: CALL_FAILED,
        name: "call-failed",
        meaning: "a provider call failed (`load`: `get_validation_rule`; `reconcile`: the last round, or the removal)",
    },
    ExitCode {
        code: NOT_CONVERGED,
        name: "not-converged",
        meaning: "`reconcile`: every round still applied something, up to `--rounds`, or `get` still reports what the removal deleted",
    },
    ExitCode {
        code: CHANGED,
        name: "changed",
        meaning: "`compare`: Symphony would consider the component changed",
    },
    ExitCode {
        code: SCENARIO_FAILED,
        name: "scenario-failed",
        meaning: "`run`, `replay`: a scenario's expectation did not hold, it stopped before its end, or its transcript was not deterministic",
    },
    ExitCode {
        code: CHECK_FAILED,
        name: "check-failed",
        meaning: "`check`: a check failed (or warned, with `--deny-warnings`)",
    },
    ExitCode {
        code: INVARIANT_BROKEN,
        name: "invariant-broken",
        meaning: "`explore`: a generated history broke an invariant (or a saved failure still does); the shrunk scenario was written",
    },
    ExitCode {
        code: DIFFERS,
        name: "differs",
        meaning: "`diff`: Symphony would observe the two builds differently (with `--fail-on regressed`: something regressed)",
    },
    ExitCode {
        code: HANGUP,
        name: "hangup",
        meaning: "SIGHUP: every worker killed, what was done so far printed",
    },
    ExitCode {
        code: INTERRUPTED,
        name: "interrupted",
        meaning: "SIGINT (Ctrl-C): every worker killed, what was done so far printed",
    },
    ExitCode {
        code: TERMINATED,
        name: "terminated",
        meaning: "SIGTERM: every worker killed, what was done so far printed",
    },
];

/// A failure of the input (or of the harness), the one exit code it gives, and the commands
/// that meet it: every one of them gives that code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// A stable id, for tests to name the row.
    pub id: &'static str,
    /// What failed, in words.
    pub what: &'static str,
    /// Its exit code.
    pub code: i32,
    /// The commands that meet it (`docs/exit-codes.md` lists them; a test runs each).
    pub commands: &'static [&'static str],
}

/// Every command that calls a provider library.
const PROVIDER_COMMANDS: &[&str] = &["load", "check", "explore", "run", "diff", "reconcile"];

/// The code of each failure, the same in every command that meets it: the one definition,
/// mirrored by `docs/exit-codes.md` and run command by command by the `exit_codes` tests.
pub const BY_FAILURE: [Failure; 11] = [
    Failure {
        id: "unreadable-library",
        what: "the library file cannot be read (missing, a directory)",
        code: ERROR,
        commands: &[
            "inspect",
            "load",
            "hash",
            "binding",
            "check",
            "explore",
            "run",
            "replay",
            "diff",
            "reconcile",
        ],
    },
    Failure {
        id: "not-a-provider",
        what: "the library is not a provider (not ELF, no `create_provider`)",
        code: INCOMPATIBLE,
        commands: &[
            "inspect",
            "load",
            "binding",
            "check",
            "explore",
            "run",
            "diff",
            "reconcile",
        ],
    },
    Failure {
        id: "incompatible",
        what: "the library is incompatible (old ABI, other architecture)",
        code: INCOMPATIBLE,
        commands: &[
            "inspect",
            "load",
            "binding",
            "check",
            "explore",
            "run",
            "diff",
            "reconcile",
        ],
    },
    Failure {
        id: "hash-mismatch",
        what: "the hash differs from `libHash`",
        code: LOAD_FAILED,
        commands: PROVIDER_COMMANDS,
    },
    Failure {
        id: "no-provider",
        what: "`create_provider` returned NULL, or loading or creating it crashed",
        code: LOAD_FAILED,
        commands: PROVIDER_COMMANDS,
    },
    Failure {
        id: "load-timeout",
        what: "loading the library does not finish within `--load-timeout` (else \
               `--call-timeout`), `--in-process` too",
        code: LOAD_FAILED,
        commands: PROVIDER_COMMANDS,
    },
    Failure {
        id: "worker",
        what: "the harness could not start its worker",
        code: ERROR,
        commands: PROVIDER_COMMANDS,
    },
    Failure {
        id: "bad-input-file",
        what: "an input file cannot be read or is not what it must be (a Target, scenario, \
               deployment, component, bundle)",
        code: ERROR,
        commands: &[
            "check",
            "run",
            "replay",
            "diff",
            "reconcile",
            "plan",
            "compare",
        ],
    },
    Failure {
        id: "undriven-binding",
        what: "a Target binds a role a component needs to a provider the harness cannot drive \
               (`providers.target.k8s`)",
        code: ERROR,
        commands: &["run", "reconcile"],
    },
    Failure {
        id: "cannot-listen",
        what: "`serve` cannot listen on its address (the port is in use)",
        code: ERROR,
        commands: &["serve"],
    },
    Failure {
        id: "usage",
        what: "a flag or its value is wrong (`--config novalue`, an unknown flag or check id)",
        code: USAGE,
        commands: &[
            "inspect",
            "load",
            "hash",
            "binding",
            "check",
            "explore",
            "run",
            "replay",
            "diff",
            "reconcile",
            "plan",
            "compare",
            "serve",
            "sim",
            "completions",
            "new",
        ],
    },
];

/// The entry of `code`, if it is one of ours.
pub fn describe(code: i32) -> Option<&'static ExitCode> {
    ALL.iter().find(|entry| entry.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_in_order_and_names_unique() {
        for (index, entry) in ALL.iter().enumerate().take(CHECK_FAILED as usize + 1) {
            assert_eq!(entry.code, index as i32, "{entry:?}");
        }
        assert!(ALL.windows(2).all(|pair| pair[0].code < pair[1].code));
        let mut names: Vec<&str> = ALL.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        assert_eq!(describe(CALL_FAILED).map(|e| e.name), Some("call-failed"));
        assert_eq!(describe(99), None);
    }

    /// The row of `failure` in the second table of `docs/exit-codes.md`.
    fn failure_row(failure: &Failure) -> String {
        let name = describe(failure.code).map_or("?", |e| e.name);
        let commands: Vec<String> = failure
            .commands
            .iter()
            .map(|command| format!("`{command}`"))
            .collect();
        format!(
            "| {} | {} ({name}) | {} |",
            failure.what,
            failure.code,
            commands.join(", ")
        )
    }

    #[test]
    fn the_exit_codes_page_lists_the_code_of_every_failure_and_its_commands() {
        let page = include_str!("../../docs/exit-codes.md");
        let rows: Vec<String> = BY_FAILURE.iter().map(failure_row).collect();
        let table: Vec<&str> = page
            .lines()
            .skip_while(|line| !line.starts_with("| failure |"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .collect();
        assert_eq!(
            table,
            rows,
            "the failure table of docs/exit-codes.md differs from exit_code::BY_FAILURE; it is:\n{}",
            rows.join("\n")
        );
        let mut ids: Vec<&str> = BY_FAILURE.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), BY_FAILURE.len(), "failure ids are unique");
    }

    #[test]
    fn a_signal_gives_the_shells_code_and_each_has_an_entry() {
        for (signal, code, name) in [
            (1, HANGUP, "hangup"),
            (2, INTERRUPTED, "interrupted"),
            (15, TERMINATED, "terminated"),
        ] {
            assert_eq!(for_signal(signal), code, "{name}");
            assert_eq!(describe(code).map(|e| e.name), Some(name));
        }
    }

    #[test]
    fn the_exit_codes_page_table_is_this_table() {
        let page = include_str!("../../docs/exit-codes.md");
        let section = page
            .split("# Exit codes")
            .nth(1)
            .expect("docs/exit-codes.md has an `Exit codes` heading");
        let rows: Vec<String> = section
            .lines()
            .skip_while(|line| !line.starts_with("|---"))
            .skip(1)
            .take_while(|line| line.starts_with('|'))
            .map(str::to_string)
            .collect();
        let expected: Vec<String> = ALL
            .iter()
            .map(|e| format!("| {} | {} | {} |", e.code, e.name, e.meaning))
            .collect();
        assert_eq!(
            rows, expected,
            "the table of docs/exit-codes.md differs from exit_code::ALL"
        );
    }
}
