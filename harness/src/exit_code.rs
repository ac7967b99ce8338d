//! Every exit code of `symphony-harness`, in one place.
//!
//! Verdicts take the low codes, so CI can branch on them; the harness's own failure is always
//! [`ERROR`]. Clap exits with [`USAGE`] on a bad command line.
//!
//! | code | name | meaning |
//! |---|---|---|
//! | 0 | `SUCCESS` | done; `inspect`: compatible |
//! | 1 | `ERROR` | the harness itself failed (unreadable file, bad input, I/O) |
//! | 2 | `USAGE` | the command line is wrong (clap) |
//! | 3 | `RISKY` | `inspect`/`load`: the library may work, see the reasons |
//! | 4 | `INCOMPATIBLE` | the library is incompatible with the host, or not a provider at all |
//! | 5 | `LOAD_FAILED` | Symphony would fail to create the provider: hash mismatch, `dlopen` failure, NULL from `create_provider` |
//! | 6 | `CALL_FAILED` | a provider call failed (`load`: `get_validation_rule` returned an error; `reconcile`: the last round, or the removal, failed) |
//! | 7 | `NOT_CONVERGED` | `reconcile`: every round still applied something, up to `--rounds` |
//! | 8 | `CHANGED` | `compare`: Symphony would consider the component changed |

/// Done; `inspect`: the library is compatible.
pub const SUCCESS: i32 = 0;
/// The harness itself failed: unreadable file, bad input, I/O.
pub const ERROR: i32 = 1;
/// The command line is wrong (clap's own code).
pub const USAGE: i32 = 2;
/// The library may work, but see the reasons.
pub const RISKY: i32 = 3;
/// The library is incompatible with the host, or is not a provider.
pub const INCOMPATIBLE: i32 = 4;
/// Symphony would fail to create the provider: hash mismatch, `dlopen` failure, NULL provider.
pub const LOAD_FAILED: i32 = 5;
/// A provider call failed.
pub const CALL_FAILED: i32 = 6;

/// `reconcile` did not converge within `--rounds`: Symphony would redeploy forever.
pub const NOT_CONVERGED: i32 = 7;
/// `compare`: Symphony would consider the component changed.
pub const CHANGED: i32 = 8;

/// Every code with its name, for `--help` and the README.
pub const ALL: [(i32, &str, &str); 9] = [
    (SUCCESS, "success", "done; inspect: compatible"),
    (
        ERROR,
        "error",
        "the harness itself failed (unreadable file, bad input, I/O)",
    ),
    (USAGE, "usage", "the command line is wrong"),
    (RISKY, "risky", "the library may work: see the reasons"),
    (
        INCOMPATIBLE,
        "incompatible",
        "incompatible with the host, or not a provider",
    ),
    (
        LOAD_FAILED,
        "load-failed",
        "Symphony would fail to create the provider (hash, dlopen, NULL)",
    ),
    (CALL_FAILED, "call-failed", "a provider call failed"),
    (
        NOT_CONVERGED,
        "not-converged",
        "reconcile: still applying after --rounds rounds",
    ),
    (
        CHANGED,
        "changed",
        "compare: Symphony would consider the component changed",
    ),
];
