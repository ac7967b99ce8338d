//! [`Explore`]: property-based exploration (`symphony-harness explore`) from a test, with a
//! case budget.

use std::path::PathBuf;

use super::{built, plain, worker_for, SymphonyRelease, TestingError};
use crate::explore::{explore, ExploreOptions, ExploreReport, OpKind};
use crate::subject::{Source, Subject, SubjectSpec};

/// Random reconciliation histories against one provider library, set up like
/// `symphony-harness explore` and run from a test: [`Explore::assert_passes`] panics with the
/// report `explore` prints (the shrunk history, the broken invariants).
///
/// ```no_run
/// use symphony_harness::testing::Explore;
///
/// Explore::this_crate()
///     .config("root", "/tmp/x")
///     .seed(1)
///     .cases(64)
///     .assert_passes();
/// ```
#[derive(Debug, Clone)]
pub struct Explore {
    /// What is explored, and how its bindings look (`explore`'s binding flags).
    spec: SubjectSpec,
    options: ExploreOptions,
    worker: Option<PathBuf>,
}

impl Explore {
    fn new(source: Source) -> Explore {
        Explore {
            spec: SubjectSpec::new(source),
            options: ExploreOptions {
                cases: 64,
                ..ExploreOptions::default()
            },
            worker: None,
        }
    }

    /// Explores the library at `path` (`.so`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::library("target/release/libmy_provider.so").cases(32).assert_passes();
    /// ```
    pub fn library(path: impl Into<PathBuf>) -> Explore {
        Explore::new(Source::Library(path.into()))
    }

    /// Explores this crate's `cdylib`, built by cargo when missing or stale (as
    /// [`super::Conformance::this_crate`]).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().assert_passes();
    /// ```
    pub fn this_crate() -> Explore {
        Explore::new(Source::ThisCrate)
    }

    /// A binding config key the provider needs (`--config KEY=VALUE`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().config("root", "/tmp/x").assert_passes();
    /// ```
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Explore {
        self.spec.config.insert(key.into(), value.into());
        self
    }

    /// Gives the binding config key `key` a fresh empty folder for every history, so a
    /// provider keeping its device in a folder starts each history from a clean device
    /// (`--config-temp-dir`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().config_temp_dir("root").assert_passes();
    /// ```
    pub fn config_temp_dir(mut self, key: impl Into<String>) -> Explore {
        self.spec.config_temp_dirs.push(key.into());
        self
    }

    /// The component type of the generated components (`--component-type`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().component_type("container").assert_passes();
    /// ```
    pub fn component_type(mut self, component_type: impl Into<String>) -> Explore {
        self.spec.component_type = Some(component_type.into());
        self
    }

    /// The Symphony release whose JSON the provider receives (`--symphony`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::{Explore, SymphonyRelease};
    /// Explore::this_crate().symphony(SymphonyRelease::V048).assert_passes();
    /// ```
    pub fn symphony(mut self, release: SymphonyRelease) -> Explore {
        self.spec.symphony = release;
        self
    }

    /// The run's seed (`--seed`; default 0): the same seed plays the same histories.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().seed(42).assert_passes();
    /// ```
    pub fn seed(mut self, seed: u64) -> Explore {
        self.options.seed = seed;
        self
    }

    /// How many histories to play (`--cases`; default 64 in a test).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().cases(256).assert_passes();
    /// ```
    pub fn cases(mut self, cases: usize) -> Explore {
        self.options.cases = cases;
        self
    }

    /// At most this many operations per history (`--max-steps`; default 8).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().max_steps(12).assert_passes();
    /// ```
    pub fn max_steps(mut self, steps: usize) -> Explore {
        self.options.shape.max_steps = steps;
        self
    }

    /// The weight of a kind of operation (`--weight KIND=N`; 0: never).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// use symphony_harness::explore::OpKind;
    /// Explore::this_crate().weight(OpKind::Remove, 0).assert_passes();
    /// ```
    pub fn weight(mut self, kind: OpKind, weight: u32) -> Explore {
        self.options.shape.weights.insert(kind, weight);
        self
    }

    /// Histories played at once (`--jobs`; default 1).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().jobs(2).assert_passes();
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Explore {
        self.options.jobs = jobs.max(1);
        self
    }

    /// Keeps failures in `dir` and tries the saved ones first (`--failures`; default: none
    /// kept).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().save_failures("tests/explore-failures").assert_passes();
    /// ```
    pub fn save_failures(mut self, dir: impl Into<PathBuf>) -> Explore {
        self.options.failures = Some(dir.into());
        self
    }

    /// Calls the library in the test process (`--in-process`): no worker binary to build and
    /// faster, but a panic ends the test binary and no panic faults are drawn.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().in_this_process().assert_passes();
    /// ```
    pub fn in_this_process(mut self) -> Explore {
        self.spec.backend.in_process = true;
        self
    }

    /// The `symphony-harness` binary whose workers run the calls (default: built from this
    /// library's source by cargo, as [`super::Conformance`] does).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().worker("/usr/local/bin/symphony-harness").assert_passes();
    /// ```
    pub fn worker(mut self, program: impl Into<PathBuf>) -> Explore {
        self.worker = Some(program.into());
        self
    }

    /// Explores: the report, whatever it found; an error when it could not run.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// let report = Explore::this_crate().run().expect("explore runs");
    /// assert!(report.passed());
    /// ```
    pub fn run(&self) -> Result<ExploreReport, TestingError> {
        let mut spec = self.spec.clone();
        spec.source = built(&spec.source)?;
        if !spec.backend.in_process {
            spec.backend.worker_program = worker_for(&spec.source, self.worker.as_ref())?;
        }
        let scratch = tempfile::Builder::new()
            .prefix("symphony-harness-explore-")
            .tempdir()
            .map_err(TestingError::Scratch)?;
        let options = ExploreOptions {
            scratch: scratch.path().to_path_buf(),
            ..self.options.clone()
        };
        let subject = Subject::settle(&spec).map_err(TestingError::Subject)?;
        explore(&subject, &options, &|_| {}).map_err(TestingError::Explore)
    }

    /// Explores and panics unless no invariant broke, with the report `symphony-harness
    /// explore` prints: the shrunk history and the broken invariants.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Explore;
    /// Explore::this_crate().cases(128).assert_passes();
    /// ```
    #[track_caller]
    pub fn assert_passes(self) {
        match self.run() {
            Err(err) => panic!("explore could not run\n{}", err.explain()),
            Ok(report) if !report.passed() => {
                let mut text = Vec::new();
                // Writing into memory cannot fail.
                let _ = crate::report::explore::human(&mut text, &report);
                panic!(
                    "a history broke an invariant (as `symphony-harness explore` reports it):\n{}",
                    plain(&text)
                )
            }
            Ok(_) => {}
        }
    }
}
