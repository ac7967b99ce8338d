//! `explore` against the simulated provider: each catalog bug that breaks an invariant is
//! found with a fixed seed and the default budget, shrunk to a short history, and the
//! scenario written for it fails the same way under `run`; the clean provider passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use symphony_harness::explore::{explore, ExploreOptions, ExploreReport};
use symphony_harness::worker::Backend;

use crate::support::{lib, Lib};

/// Options exploring the simulated provider with `config` (`k=v` pairs).
pub fn options(config: &[(&str, &str)], scratch: &Path) -> ExploreOptions {
    ExploreOptions {
        seed: 1,
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        backend: Backend {
            worker_program: Some(PathBuf::from(env!("CARGO_BIN_EXE_symphony-harness"))),
            ..Backend::default()
        },
        scratch: scratch.to_path_buf(),
        failures: Some(scratch.join("failures")),
        ..ExploreOptions::default()
    }
}

pub fn explore_sim(options: &ExploreOptions) -> ExploreReport {
    explore(&lib(Lib::Sim), options, &|_| {}).unwrap_or_else(|err| panic!("explore: {err}"))
}

#[test]
fn probe_each_bug() {
    for (bug, extra) in [
        ("lying-get", None),
        ("ignore-delete", None),
        ("unstable-property", Some(("sim.changeDetection", "*"))),
        ("drop-property", None),
        ("dry-run-mutates", None),
        ("instance-state", None),
        ("extra-components", None),
        ("stringify-numbers", None),
        ("panic-on-apply", None),
        ("status-lies", None),
    ] {
        let scratch = tempfile::tempdir().expect("scratch");
        let mut config = vec![("sim.bugs", bug)];
        config.extend(extra);
        let start = std::time::Instant::now();
        let report = explore_sim(&options(&config, scratch.path()));
        let failure = report.failure.as_ref();
        eprintln!(
            "{bug}: played {} in {:?}; failure case {:?} ops {:?} drawn {:?} reproduced {:?}\n  {:?}\n  {}",
            report.played,
            start.elapsed(),
            failure.map(|f| f.case),
            failure.map(|f| f.operations),
            failure.map(|f| f.drawn_operations),
            failure.map(|f| f.reproduced),
            failure.map(|f| f.mismatches.iter().map(|m| m.describe()).collect::<Vec<_>>()),
            failure.map(|f| f.history.join("\n  ")).unwrap_or_default(),
        );
    }
}
