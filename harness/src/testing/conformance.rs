//! [`Conformance`]: the conformance suite (`symphony-harness check`) from a test.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use symphony::ITargetProvider;

use super::{built, plain, worker_for, SymphonyRelease, TestingError};
use crate::check::suite::{known_names, CheckOptions};
use crate::check::{run_checks, Status, SuiteReport};
use crate::load::TypeFactory;
use crate::subject::{Source, SubjectSpec};

/// The conformance suite on one provider, set up like `symphony-harness check` and run from a
/// test: [`Conformance::assert_passes`] panics with the report `check` prints.
///
/// ```no_run
/// use symphony_harness::testing::Conformance;
///
/// Conformance::this_crate()
///     .config("endpoint", "http://localhost:8080")
///     .component_type("container")
///     .skip("lifecycle.concurrent")
///     .assert_passes();
/// ```
#[derive(Debug, Clone)]
pub struct Conformance {
    /// What is checked, and how its bindings look (`check`'s binding flags).
    spec: SubjectSpec,
    /// `--only`, `--skip`.
    only: Vec<String>,
    skip: Vec<String>,
    deny_warnings: bool,
    worker: Option<PathBuf>,
}

impl Conformance {
    fn new(source: Source) -> Conformance {
        Conformance {
            spec: SubjectSpec::new(source),
            only: Vec::new(),
            skip: Vec::new(),
            deny_warnings: false,
            worker: None,
        }
    }

    /// The suite on the library at `path` (`.so`), through the real loader and worker.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::library("target/release/libmy_provider.so").assert_passes();
    /// ```
    pub fn library(path: impl Into<PathBuf>) -> Conformance {
        Conformance::new(Source::Library(path.into()))
    }

    /// The suite on this crate's `cdylib` (the crate at `CARGO_MANIFEST_DIR`, which
    /// `cargo test` sets), through the real loader and worker. The library is taken from a
    /// `cargo build --lib` in the target folder and profile of the running test: what `cargo
    /// test` built already, built again only when stale.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().assert_passes();
    /// ```
    pub fn this_crate() -> Conformance {
        Conformance::new(Source::ThisCrate)
    }

    /// The suite on a provider type compiled into the test: `construct` makes each provider
    /// from the binding config JSON, as `create_provider` would. No library, no worker: fast,
    /// and a panic fails its check as a `panic` outcome, but the `build` and `load` checks
    /// skip (run [`Conformance::this_crate`] for those), and a hang is not cut short.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// # struct MyProvider;
    /// # impl MyProvider { fn new(_: &str) -> Self { MyProvider } }
    /// # impl symphony::ITargetProvider for MyProvider {
    /// #     fn get_validation_rule(&self) -> Result<symphony::models::ValidationRule, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// #     fn get(&self, _: symphony::models::DeploymentSpec, _: Vec<symphony::models::ComponentStep>)
    /// #         -> Result<Vec<symphony::models::ComponentSpec>, String> { Ok(vec![]) }
    /// #     fn apply(&self, _: symphony::models::DeploymentSpec, _: symphony::models::DeploymentStep, _: bool)
    /// #         -> Result<std::collections::HashMap<String, symphony::models::ComponentResultSpec>, String> {
    /// #         Ok(Default::default())
    /// #     }
    /// # }
    /// Conformance::in_process(|config_json: &str| -> Box<dyn symphony::ITargetProvider> {
    ///     Box::new(MyProvider::new(config_json))
    /// })
    /// .config("root", "/tmp/x")
    /// .assert_passes();
    /// ```
    pub fn in_process(
        construct: impl Fn(&str) -> Box<dyn ITargetProvider> + Send + Sync + 'static,
    ) -> Conformance {
        Conformance::new(Source::Compiled {
            name: PathBuf::from(
                std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "provider".to_string()),
            ),
            factory: TypeFactory::shared(Arc::new(construct)),
        })
    }

    /// A binding config key the provider needs (`--config KEY=VALUE`), passed to
    /// `create_provider` exactly as a binding would.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().config("endpoint", "http://localhost:8080").assert_passes();
    /// ```
    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Conformance {
        self.spec.config.insert(key.into(), value.into());
        self
    }

    /// The binding's `libHash` (`--hash`): a SHA-256, or `any` [default: the library's own
    /// SHA-256; `any` in-process].
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().hash("any").assert_passes(); // `load.hash` warns
    /// ```
    pub fn hash(mut self, hash: impl Into<String>) -> Conformance {
        self.spec.hash = Some(hash.into());
        self
    }

    /// The component type (the binding's role) of the synthesized components
    /// (`--component-type`) [default: the rule's `requiredType`, else `example_type`].
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().component_type("container").assert_passes();
    /// ```
    pub fn component_type(mut self, component_type: impl Into<String>) -> Conformance {
        self.spec.component_type = Some(component_type.into());
        self
    }

    /// The properties of the synthesized components (`--properties`) [default: a string, a
    /// number, a bool and a nested value].
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// use serde_json::json;
    /// Conformance::this_crate()
    ///     .properties([("image", json!("nginx:1.25")), ("replicas", json!(2))])
    ///     .assert_passes();
    /// ```
    pub fn properties<K: Into<String>>(
        mut self,
        properties: impl IntoIterator<Item = (K, Value)>,
    ) -> Conformance {
        self.spec.properties = Some(
            properties
                .into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        );
        self
    }

    /// The Symphony release whose JSON the provider receives (`--symphony`) [default: 0.49].
    ///
    /// ```no_run
    /// # use symphony_harness::testing::{Conformance, SymphonyRelease};
    /// Conformance::this_crate().symphony(SymphonyRelease::V048).assert_passes();
    /// ```
    pub fn symphony(mut self, release: SymphonyRelease) -> Conformance {
        self.spec.symphony = release;
        self
    }

    /// Runs only this check (`apply.converges`) or area (`apply`) (`--only`); call it again
    /// for more.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().only("apply").only("delete.removes").assert_passes();
    /// ```
    pub fn only(mut self, id_or_area: impl Into<String>) -> Conformance {
        self.only.push(id_or_area.into());
        self
    }

    /// Leaves out this check or area (`--skip`); call it again for more.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().skip("lifecycle").assert_passes();
    /// ```
    pub fn skip(mut self, id_or_area: impl Into<String>) -> Conformance {
        self.skip.push(id_or_area.into());
        self
    }

    /// A warning fails the test too (`--deny-warnings`).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().deny_warnings().assert_passes();
    /// ```
    pub fn deny_warnings(mut self) -> Conformance {
        self.deny_warnings = true;
        self
    }

    /// The deadline of every provider call in a worker (`--call-timeout`) [default: 30 s].
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// # use std::time::Duration;
    /// Conformance::this_crate().call_timeout(Duration::from_secs(5)).assert_passes();
    /// ```
    pub fn call_timeout(mut self, timeout: Duration) -> Conformance {
        self.spec.backend.call_timeout = timeout;
        self
    }

    /// The `symphony-harness` binary the worker processes run [default: built on first use
    /// against this very library, in the running test's target folder and profile]. It must
    /// be the same version as this library.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().worker("/usr/local/bin/symphony-harness").assert_passes();
    /// ```
    pub fn worker(mut self, program: impl Into<PathBuf>) -> Conformance {
        self.worker = Some(program.into());
        self
    }

    /// Runs the suite: the report, whatever the verdict; an error when it could not run
    /// (the build failed, an unknown check name).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// let report = Conformance::this_crate().run().expect("the suite runs");
    /// assert!(report.passed(), "{}", report.human());
    /// ```
    pub fn run(&self) -> Result<ConformanceReport, TestingError> {
        for name in self.only.iter().chain(&self.skip) {
            if !known_names().contains(&name.as_str()) {
                return Err(TestingError::UnknownCheck { name: name.clone() });
            }
        }
        let mut spec = self.spec.clone();
        spec.source = built(&spec.source)?;
        spec.backend.worker_program = worker_for(&spec.source, self.worker.as_ref())?;
        let scratch = tempfile::Builder::new()
            .prefix("symphony-harness-check-")
            .tempdir()
            .map_err(TestingError::Scratch)?;
        let options = CheckOptions {
            only: self.only.clone(),
            skip: self.skip.clone(),
            scratch: scratch.path().to_path_buf(),
        };
        let suite = run_checks(&spec, &options, &mut |_| {});
        Ok(ConformanceReport {
            suite,
            deny_warnings: self.deny_warnings,
        })
    }

    /// Runs the suite and panics unless it passed, with the report `symphony-harness check`
    /// prints (every failed check with what Symphony's users would see, the fix and the
    /// evidence), or with why it could not run.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// Conformance::this_crate().assert_passes();
    /// ```
    #[track_caller]
    pub fn assert_passes(self) {
        match self.run() {
            Err(err) => panic!("the conformance suite could not run\n{}", err.explain()),
            Ok(report) if !report.passed() => panic!(
                "the conformance suite failed (as `symphony-harness check` reports it):\n{}",
                report.human()
            ),
            Ok(_) => {}
        }
    }
}

/// What [`Conformance::run`] found: the suite's report, and whether warnings fail it.
///
/// ```no_run
/// # use symphony_harness::testing::Conformance;
/// use symphony_harness::check::Status;
/// let report = Conformance::this_crate().run().expect("the suite runs");
/// assert_eq!(report.status("apply.converges"), Some(Status::Pass));
/// ```
#[derive(Debug, Clone)]
pub struct ConformanceReport {
    /// The suite's report, as `check` has it.
    pub suite: SuiteReport,
    /// Whether a warning fails it.
    pub deny_warnings: bool,
}

impl ConformanceReport {
    /// True when no check failed (nor warned, with `deny_warnings`) and the library could be
    /// read.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// assert!(Conformance::this_crate().run().unwrap().passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.suite.passed(self.deny_warnings)
    }

    /// How the check `id` ended (`None`: it was not run).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// # use symphony_harness::check::Status;
    /// let report = Conformance::this_crate().run().unwrap();
    /// assert_eq!(report.status("delete.missing"), Some(Status::Pass));
    /// ```
    pub fn status(&self, id: &str) -> Option<Status> {
        self.suite
            .results
            .iter()
            .find(|result| result.info.id == id)
            .map(|result| result.finding.status)
    }

    /// The human report, exactly as `symphony-harness check` prints it to a file or pipe.
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// println!("{}", Conformance::this_crate().run().unwrap().human());
    /// ```
    pub fn human(&self) -> String {
        let mut text = Vec::new();
        // Writing into memory cannot fail.
        let _ = crate::report::check::human(&mut text, &self.suite, self.deny_warnings);
        plain(&text)
    }

    /// The library checked (`None` when it could not be read; a name only, in-process).
    ///
    /// ```no_run
    /// # use symphony_harness::testing::Conformance;
    /// let report = Conformance::this_crate().run().unwrap();
    /// println!("checked {}", report.library().unwrap().display());
    /// ```
    pub fn library(&self) -> Option<&Path> {
        self.suite
            .subject
            .as_ref()
            .map(|subject| subject.library.as_path())
    }
}
