//! Integration tests: one binary, a module per command. Every test loads real `.so` files
//! built from this workspace (the simulated provider and the bad providers under
//! `tests/fixtures/`) through the same loader users get.

mod support;

// The shape of harness/src: no import circles, explore apart from check, short functions.
mod architecture;

// `symphony-harness hash`: equal to sha256sum.
mod hash;
// `symphony-harness inspect`: fingerprints and verdicts of real libraries.
mod inspect;
// The loader: hash check, fd-based dlopen, create_provider, config JSON.
mod load;
// `symphony-harness load` and `binding` from the command line: output and exit codes.
mod cli;
// One exit code per failure in every command; under `--format json` every error a document.
mod exit_codes;
// Supervised workers: crashes, hangs and aborts classified; the next call succeeds.
mod worker;
// Signals to the harness: every worker killed, 130/143/129; SIGKILL takes the worker along.
mod signals;
// `symphony-harness reconcile`: Symphony's loop end to end on the tutorial targets, real sim `.so`.
mod reconcile;
// `symphony-harness plan`: the engine's planning decisions as JSON.
mod plan;
// `symphony-harness compare`: IsComponentChanged verdicts and exit codes.
mod compare;
// Every command's JSON against its schema file in docs/schemas/.
mod schemas;
// The repository stands alone: links in README.md and docs/, docs/ paths named in the code.
mod docs;
// The simulated provider: device, stores, channel, seeded faults, the bug catalog, Symphony's host.
mod sim;
// Scenario files under scenarios/: expectations met, transcripts equal to snapshots/ (`run`).
mod scenarios;
// `symphony-harness run` and `replay` from the command line: exit codes, bundles, partitions.
mod run;
// `run --snapshots`: transcripts held to insta-format snapshots; diff, .snap.new, --accept.
mod run_snapshots;
// `symphony-harness check`: the conformance suite from the command line.
mod check;
// `symphony-harness check`: rule, get and rendering checks, each failing with its sim bug.
mod check_rule_get;
// The suite proves itself: the check designed for each bug of the simulator's catalog fails.
mod check_catalog;
// `check`'s lifecycle checks: a new provider per call, concurrent instances on one device.
mod check_lifecycle;
// `check` on the tutorial's skeleton provider: caught by get-after-apply checks only.
mod check_skeleton;
// docs/checks.md is check::CATALOG: every check's id, title, symptom and fix.
mod check_docs;
// `symphony-harness check`: the apply, delete.missing and errors checks, clean sim and sim bugs.
mod check_apply_delete;
// `explore`: property-based histories against the simulated provider.
mod explore;
// `diff OLD NEW`: two builds played the same inputs; regressed, fixed and changed.
mod diff;
// `check --watch` and `run --watch`: a rebuild or an edit re-runs; only changed verdicts print.
mod watch;
// An installed binary alone in a folder: the embedded simulator, its cache, shell completions.
mod install;
// The published package carries the simulator's sources, manifest and lock.
mod package;
// JUnit of check, run and explore: times, timestamps, failure types, stable names.
mod junit;
// Shell completions in a real bash: a subcommand's flags complete.
mod completions;
// `symphony-harness new`: the crate it writes builds, passes every check, takes its hash.
mod new;
// The test API (`symphony_harness::testing`): failures surface with the CLI's evidence.
mod testing_api;
// `symphony-harness serve`: Symphony's REST API; the tutorial's script unchanged, a panic contained,
// the page in headless Chromium, no worker left after Ctrl-C.
mod serve;
