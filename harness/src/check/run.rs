//! Running the suite on one library: read and fingerprint it, probe it as `load` does (load,
//! `create_provider` with the binding config, `get_validation_rule`), settle the component
//! type, then run every selected check, each isolated: its scenarios start their own worker
//! processes (a crash fails that check, and the suite goes on) and, for the simulated
//! provider, their own device.
//!
//! [`run_checks_on`] also checks a provider type compiled into this process ([`Checked`]):
//! its providers come from a [`TypeFactory`] instead of a library, so the checks that read
//! or load a library skip, and the rest run unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::catalog::{CheckInfo, CATALOG};
use super::checks;
use super::subject::{generated_properties, Subject, DEFAULT_COMPONENT_TYPE};
use super::{Area, CheckResult, Finding, Status};
use crate::engine::rule;
use crate::errors::error_chain;
use crate::load::probe::{probe, LoadReport, ProbeOutput, ProbeRequest};
use crate::load::{resolve, ExpectedHash, LibraryFile, PreloadFactory, TypeFactory};
use crate::model::{BindingConfig, ValidationRule};
use crate::scenario::format::SymphonyRelease;
use crate::scenario::{run_scenario, RunSettings, Scenario, ScenarioRun, Session};
use crate::worker::{provider_factory, Backend};

/// What the suite checks.
#[derive(Debug, Clone)]
pub enum Checked {
    /// A provider library (`.so`), loaded as Symphony loads it.
    Library(PathBuf),
    /// A provider type compiled into this process, its providers made by `factory`; `name`
    /// stands for the library in reports and bindings. Without a library the `build` and
    /// `load` checks skip.
    Compiled {
        /// What the report calls it.
        name: PathBuf,
        /// Makes its providers.
        factory: TypeFactory,
    },
}

/// Where a check's providers come from: each session of calls gets a factory of its own.
#[derive(Debug, Clone, Copy)]
pub enum Providers<'a> {
    /// From the library, as `backend` says (a worker process by default).
    Backend(&'a Backend),
    /// From a provider type compiled into this process.
    Compiled(&'a TypeFactory),
}

impl Providers<'_> {
    /// A new factory.
    pub fn factory(self) -> Result<Box<dyn PreloadFactory>, String> {
        match self {
            Providers::Backend(backend) => {
                provider_factory(backend, resolve::as_given()).map_err(|err| error_chain(&err))
            }
            Providers::Compiled(factory) => Ok(Box::new(factory.clone())),
        }
    }
}

/// What the probe learnt that the checks read: the provider was created with this config,
/// and what `get_validation_rule` gave.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The `config_json` the provider was created with.
    pub config_json: String,
    /// What the library printed during the probe's calls.
    pub output: ProbeOutput,
    /// The rule `get_validation_rule` returned.
    pub validation_rule: Option<ValidationRule>,
    /// What Symphony makes of that rule, line by line.
    pub symphony_reads: Option<Vec<String>>,
    /// How `get_validation_rule` failed, in words.
    pub error: Option<String>,
}

impl From<LoadReport> for Probed {
    fn from(report: LoadReport) -> Probed {
        Probed {
            config_json: report.config_json,
            output: report.output,
            validation_rule: report.validation_rule,
            symphony_reads: report.symphony_reads,
            error: report.error,
        }
    }
}

/// What to check, and how.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The `libHash` bindings give (`None`: the file's own SHA-256, as a pinned binding has).
    pub hash: Option<String>,
    /// The provider's own binding config keys.
    pub config: BTreeMap<String, String>,
    /// The component type (`None`: the rule's `requiredType`, else `example_type`).
    pub component_type: Option<String>,
    /// The properties of synthesized components (`None`: a generated set).
    pub properties: Option<BTreeMap<String, Value>>,
    /// The Symphony release.
    pub symphony: SymphonyRelease,
    /// Run only these checks (ids or areas); empty: all.
    pub only: Vec<String>,
    /// Skip these checks (ids or areas).
    pub skip: Vec<String>,
    /// How providers run (deadlines, the worker program).
    pub backend: Backend,
    /// A folder of this run; each check keeps its devices below it.
    pub scratch: PathBuf,
}

/// The suite's result for one library.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    /// What was checked (`None` when the library could not even be read).
    pub subject: Option<Subject>,
    /// Why it could not be read.
    pub unreadable: Option<String>,
    /// Every selected check's result, in catalog order.
    pub results: Vec<CheckResult>,
    /// The signal that cut the run short, by name (`SIGINT`), if one did.
    pub interrupted: Option<String>,
    /// When the suite started.
    pub started: SystemTime,
    /// How long it ran, reading the library included.
    pub duration: Duration,
}

impl SuiteReport {
    /// The number of results with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.results
            .iter()
            .filter(|r| r.finding.status == status)
            .count()
    }

    /// True when no check failed (and the library could be read, and no signal cut the run
    /// short); with `deny_warnings`, no check warned either.
    pub fn passed(&self, deny_warnings: bool) -> bool {
        self.unreadable.is_none()
            && self.interrupted.is_none()
            && self.count(Status::Fail) == 0
            && (!deny_warnings || self.count(Status::Warn) == 0)
    }
}

/// A check whose verdict differs between two runs of the suite on a library: its status
/// changed, or it ran in only one of them. `--watch` prints these after each re-run.
#[derive(Debug, Clone, Copy)]
pub struct CheckChange<'a> {
    /// Its result in the earlier run (`None`: it did not run then).
    pub before: Option<&'a CheckResult>,
    /// Its result now (`None`: it did not run now).
    pub after: Option<&'a CheckResult>,
}

impl CheckChange<'_> {
    /// The check's id.
    pub fn id(&self) -> &'static str {
        self.after
            .or(self.before)
            .map_or("", |result| result.info.id)
    }
}

/// The checks whose status differs from `before` to `after`, or that ran in only one of
/// them, in catalog order. A check that kept its status is no change, even if its message
/// or evidence differ (a verdict is its status).
pub fn changes<'a>(before: &'a SuiteReport, after: &'a SuiteReport) -> Vec<CheckChange<'a>> {
    let find = |report: &'a SuiteReport, id: &str| report.results.iter().find(|r| r.info.id == id);
    CATALOG
        .iter()
        .filter_map(|info| {
            let change = CheckChange {
                before: find(before, info.id),
                after: find(after, info.id),
            };
            match (change.before, change.after) {
                (None, None) => None,
                (Some(b), Some(a)) if b.finding.status == a.finding.status => None,
                _ => Some(change),
            }
        })
        .collect()
}

/// Whether `info` is selected by `only` and `skip` (ids or area names).
fn selected(info: &CheckInfo, options: &CheckOptions) -> bool {
    let names = |list: &[String]| {
        list.iter()
            .any(|name| name == info.id || name == info.area.as_str())
    };
    (options.only.is_empty() || names(&options.only)) && !names(&options.skip)
}

/// Every id and area name `--only` and `--skip` accept.
pub fn known_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Area::ALL.iter().map(|a| a.as_str()).collect();
    names.extend(CATALOG.iter().map(|c| c.id));
    names
}

/// What the checks get: the subject, the probe's report (or why it failed), and a way to play
/// scenarios in the check's own folder.
pub struct Context<'a> {
    /// What is checked.
    pub subject: &'a Subject,
    /// The probe: loaded, created, `get_validation_rule` called.
    pub probe: &'a Result<Probed, String>,
    /// The check being run.
    pub info: &'static CheckInfo,
    options: &'a CheckOptions,
    simulator: &'a Path,
    /// The compiled-in provider's factory (`None`: the library's, as the backend says).
    compiled: Option<&'a TypeFactory>,
}

impl Context<'_> {
    /// Plays `scenario` in this check's own folder.
    pub fn play(&self, scenario: &Scenario) -> Result<ScenarioRun, String> {
        let scratch = self.options.scratch.join(self.info.id);
        let run = match self.compiled {
            Some(factory) => Session::prepared(&self.subject.library, Box::new(factory.clone()))
                .play(scenario, &scratch),
            None => {
                let settings = RunSettings {
                    backend: self.options.backend.clone(),
                    simulator: self.simulator.to_path_buf(),
                    scratch,
                };
                run_scenario(scenario, &settings)
            }
        };
        run.map_err(|err| error_chain(&err))
    }

    /// The binding config the probe created the provider with.
    pub fn binding_config(&self) -> BindingConfig {
        let mut config = BindingConfig::new(
            &self.subject.library.to_string_lossy(),
            &self.subject.hash,
            "check",
        );
        for (key, value) in &self.subject.config {
            config.insert(key, value);
        }
        config
    }

    /// Where the checks' providers come from.
    pub fn providers(&self) -> Providers<'_> {
        match self.compiled {
            Some(factory) => Providers::Compiled(factory),
            None => Providers::Backend(&self.options.backend),
        }
    }

    /// A session of direct calls on this check's target holding `components`.
    pub fn direct(
        &self,
        components: Vec<crate::model::ComponentSpec>,
    ) -> Result<super::direct::Direct, String> {
        super::direct::Direct::open(
            self.subject,
            self.info.id,
            components,
            self.providers(),
            &self.options.scratch.join(self.info.id).join("direct"),
        )
    }

    /// This check's own folder (created on demand by what uses it).
    pub fn folder(&self) -> PathBuf {
        self.options.scratch.join(self.info.id)
    }
}

/// Checks `library`, calling `finished` after each check.
pub fn run_checks(
    library: &Path,
    options: &CheckOptions,
    finished: &mut dyn FnMut(&CheckResult),
) -> SuiteReport {
    run_checks_on(&Checked::Library(library.to_path_buf()), options, finished)
}

/// Checks a library or a compiled-in provider type, calling `finished` after each check.
pub fn run_checks_on(
    checked: &Checked,
    options: &CheckOptions,
    finished: &mut dyn FnMut(&CheckResult),
) -> SuiteReport {
    let (started, clock) = (SystemTime::now(), Instant::now());
    let (subject, probe, compiled) = match checked {
        Checked::Library(library) => match settle_subject(library, options) {
            Ok((subject, probe)) => (subject, probe.map(Probed::from), None),
            Err(unreadable) => {
                return SuiteReport {
                    subject: None,
                    unreadable: Some(unreadable),
                    results: Vec::new(),
                    interrupted: None,
                    started,
                    duration: clock.elapsed(),
                }
            }
        },
        Checked::Compiled { name, factory } => {
            let hash = options.hash.clone().unwrap_or_else(|| "any".to_string());
            let probe = probe_compiled(name, &hash, factory, options);
            let rule = probe.as_ref().ok().and_then(|p| p.validation_rule.as_ref());
            let subject = subject(name, String::new(), None, hash, rule, options, true);
            (subject, probe, Some(factory))
        }
    };
    let mut results = Vec::new();
    for info in CATALOG.iter().filter(|info| selected(info, options)) {
        let check_clock = Instant::now();
        let context = Context {
            subject: &subject,
            probe: &probe,
            info,
            options,
            simulator: &subject.library,
            compiled,
        };
        let interrupted = |when: &str| {
            crate::worker::interrupted().map(|signal| {
                Finding::skip(format!(
                    "interrupted by {} {when}",
                    crate::worker::signal_name(signal)
                ))
            })
        };
        let finding = match (info.area, &probe) {
            _ if crate::worker::interrupted().is_some() => {
                interrupted("before it ran").unwrap_or_else(|| Finding::skip("interrupted"))
            }
            (Area::Build | Area::Load, _) if compiled.is_some() => Finding::skip(IN_PROCESS_SKIP),
            (Area::Build | Area::Load, _) | (_, Ok(_)) => {
                let finding = checks::run(&context);
                // Calls cut short by the signal prove nothing about the provider.
                interrupted("while it ran: its calls were cut short").unwrap_or(finding)
            }
            (_, Err(why)) => Finding::skip(format!(
                "Symphony could not create the provider, so no call can be checked: {why}"
            )),
        };
        let result = CheckResult {
            info,
            finding,
            duration: check_clock.elapsed(),
        };
        finished(&result);
        results.push(result);
    }
    SuiteReport {
        subject: Some(subject),
        unreadable: None,
        results,
        interrupted: crate::worker::interrupted().map(crate::worker::signal_name),
        started,
        duration: clock.elapsed(),
    }
}

/// Why a `build` or `load` check skips for a compiled-in provider type.
pub const IN_PROCESS_SKIP: &str =
    "in-process: no library (check the built library for the build and load checks)";

/// Creates a provider from the compiled-in type, as the probe of a library does (without the
/// loading), and asks for its rule.
fn probe_compiled(
    name: &Path,
    hash: &str,
    factory: &TypeFactory,
    options: &CheckOptions,
) -> Result<Probed, String> {
    let mut config = BindingConfig::new(&name.to_string_lossy(), hash, "check");
    for (key, value) in &options.config {
        config.insert(key, value);
    }
    let mut factory = factory.clone();
    let mut provider =
        crate::engine::ProviderFactory::create(&mut factory, &config).map_err(|err| {
            format!(
                "the provider could not be created ({}): {err}",
                err.outcome()
            )
        })?;
    let rule = provider.get_validation_rule();
    Ok(Probed {
        config_json: config.to_json(),
        output: ProbeOutput::default(),
        symphony_reads: rule.as_ref().ok().map(rule::explain),
        error: rule.as_ref().err().map(ToString::to_string),
        validation_rule: rule.ok(),
    })
}

/// What probing a library gave: its load report, or why Symphony could not create it.
pub type Probe = Result<LoadReport, String>;

/// What is known of `library` before any check: read and fingerprinted, probed as `load`
/// does, its component type settled (the flag, else the rule's `requiredType`, else
/// [`DEFAULT_COMPONENT_TYPE`]). `Err`: the file cannot be read.
pub fn settle_subject(library: &Path, options: &CheckOptions) -> Result<(Subject, Probe), String> {
    let file = LibraryFile::open(library).map_err(|err| error_chain(&err))?;
    let fingerprint = file.fingerprint().ok();
    let sha256 = file.sha256().to_string();
    let hash = options.hash.clone().unwrap_or_else(|| sha256.clone());
    let probe = probe_library(library, &hash, options);
    let rule = probe
        .as_ref()
        .ok()
        .and_then(|report| report.validation_rule.as_ref());
    let subject = subject(library, sha256, fingerprint, hash, rule, options, false);
    Ok((subject, probe))
}

/// The subject: the library (its hash and fingerprint, when it has them) with the options,
/// the component type settled from `rule`.
fn subject(
    library: &Path,
    sha256: String,
    fingerprint: Option<crate::inspect::Fingerprint>,
    hash: String,
    rule: Option<&ValidationRule>,
    options: &CheckOptions,
    in_process: bool,
) -> Subject {
    let rule_type = rule
        .map(|rule| rule.required_type.clone())
        .filter(|t| !t.is_empty());
    Subject {
        library: library.to_path_buf(),
        sha256,
        simulated: fingerprint
            .as_ref()
            .is_some_and(|f| f.device_channel.is_some()),
        fingerprint,
        hash,
        config: options.config.clone(),
        component_type: options
            .component_type
            .clone()
            .or(rule_type)
            .unwrap_or_else(|| DEFAULT_COMPONENT_TYPE.to_string()),
        properties: options
            .properties
            .clone()
            .unwrap_or_else(generated_properties),
        symphony: options.symphony,
        in_process,
    }
}

/// Loads the library in a worker and calls `create_provider` and `get_validation_rule`.
fn probe_library(library: &Path, hash: &str, options: &CheckOptions) -> Result<LoadReport, String> {
    let mut factory =
        provider_factory(&options.backend, resolve::as_given()).map_err(|err| error_chain(&err))?;
    let mut extra = BindingConfig::default();
    for (key, value) in &options.config {
        extra.insert(key, value);
    }
    let request = ProbeRequest {
        hash: Some(if hash == "any" {
            ExpectedHash::Any
        } else {
            ExpectedHash::Sha256(hash.to_string())
        }),
        lib_file: library.to_string_lossy().into_owned(),
        name: "check".to_string(),
        extra,
        force: false,
    };
    probe(library, &request, factory.as_mut()).map_err(|err| {
        let mut text = error_chain(&err);
        if let Some(hint) = err.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        text
    })
}

/// The calls of a scenario run, a line each: `step 2 round 3: apply [a, b (delete)] -> ok
/// {a: 8004, b: 8005}`; `get` with the names it returned.
pub fn evidence(run: &ScenarioRun) -> Vec<String> {
    let mut lines = Vec::new();
    let steps = run.transcript["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for step in &steps {
        let number = step["step"].as_u64().unwrap_or(0);
        let action = step["action"].as_str().unwrap_or("");
        let rounds = step["rounds"].as_array().cloned().unwrap_or_default();
        if rounds.is_empty() {
            lines.push(format!("step {number}: {action}"));
        }
        for round in &rounds {
            let r = round["round"].as_u64().unwrap_or(0);
            for event in round["events"].as_array().into_iter().flatten() {
                let Some(call) = event.get("call") else {
                    continue;
                };
                let name = call["call"].as_str().unwrap_or("");
                if name == "create_provider" && call["outcome"] == "ok" {
                    continue;
                }
                let components: Vec<&str> = call["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let dry = if call["dryRun"] == true {
                    " (dry run)"
                } else {
                    ""
                };
                let outcome = call["outcome"].as_str().unwrap_or("");
                let detail = match (&call["returned"], call["message"].as_str()) {
                    (_, Some(message)) => format!(": {message}"),
                    (Value::Array(items), None) => format!(
                        " returned [{}]",
                        items
                            .iter()
                            .filter_map(|c| c["name"].as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    (Value::Object(map), None) if name == "apply" => format!(
                        " {{{}}}",
                        map.iter()
                            .map(|(k, v)| format!("{k}: {}", v["status"]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => String::new(),
                };
                lines.push(format!(
                    "step {number} round {r}: {name}{dry} [{}] -> {outcome}{detail}",
                    components.join(", ")
                ));
            }
        }
    }
    lines
}

/// A finding from a scenario run: pass with `passed` when every expectation held, else fail
/// with the first mismatch (and every one as evidence), or the reason it could not run.
pub fn judge_scenario(
    scenario: Scenario,
    run: Result<ScenarioRun, String>,
    passed: &str,
    failed: impl FnOnce(&ScenarioRun) -> String,
) -> Finding {
    match run {
        Err(why) => Finding::fail(format!("the check's scenario could not run: {why}"))
            .with_scenario(scenario),
        Ok(run) if run.passed() => Finding::pass(passed).with_evidence(evidence(&run)),
        Ok(run) => {
            let mut lines: Vec<String> = run.mismatches.iter().map(|m| m.describe()).collect();
            if let Some(error) = &run.error {
                lines.push(format!("stopped: {error}"));
            }
            lines.extend(evidence(&run));
            // A round that failed is the cause, whatever the check looked for after it.
            let message = first_failed_round(&run).unwrap_or_else(|| failed(&run));
            Finding::fail(message)
                .with_evidence(lines)
                .with_scenario(scenario)
        }
    }
}

/// The first round of `run` that failed, in words: `round 1 failed: apply … ended `panic`: …`.
fn first_failed_round(run: &ScenarioRun) -> Option<String> {
    let steps = run.transcript["steps"].as_array()?;
    steps
        .iter()
        .flat_map(|step| step["rounds"].as_array().into_iter().flatten())
        .find_map(|round| {
            let failure = round.get("failure")?;
            Some(format!(
                "round {} failed before the check could judge it: {} ended `{}`: {}",
                round["round"],
                failure["stage"].as_str().unwrap_or("a call"),
                failure["outcome"].as_str().unwrap_or("?"),
                failure["message"].as_str().unwrap_or("")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(results: &[(&str, Status)]) -> SuiteReport {
        SuiteReport {
            subject: None,
            unreadable: None,
            results: results
                .iter()
                .map(|(id, status)| CheckResult {
                    info: CATALOG
                        .iter()
                        .find(|info| info.id == *id)
                        .unwrap_or_else(|| panic!("no check `{id}`")),
                    finding: Finding::new(*status, format!("{id} is {}", status.as_str())),
                    duration: Duration::ZERO,
                })
                .collect(),
            interrupted: None,
            started: SystemTime::UNIX_EPOCH,
            duration: Duration::ZERO,
        }
    }

    /// `(id, before, after)` of each change.
    fn described(
        changes: &[CheckChange<'_>],
    ) -> Vec<(&'static str, Option<Status>, Option<Status>)> {
        changes
            .iter()
            .map(|c| {
                (
                    c.id(),
                    c.before.map(|r| r.finding.status),
                    c.after.map(|r| r.finding.status),
                )
            })
            .collect()
    }

    /// A row of the table: two runs and the changes expected between them.
    struct Case {
        name: &'static str,
        before: Vec<(&'static str, Status)>,
        after: Vec<(&'static str, Status)>,
        expected: Vec<(&'static str, Option<Status>, Option<Status>)>,
    }

    #[test]
    fn verdict_changes_between_two_runs() {
        use Status::{Fail, Pass, Skip, Warn};
        let cases = [
            Case {
                name: "no change",
                before: vec![("build.abi", Pass), ("apply.converges", Fail)],
                after: vec![("build.abi", Pass), ("apply.converges", Fail)],
                expected: vec![],
            },
            Case {
                name: "pass to fail, the unchanged left out",
                before: vec![("build.abi", Pass), ("apply.converges", Pass)],
                after: vec![("build.abi", Pass), ("apply.converges", Fail)],
                expected: vec![("apply.converges", Some(Pass), Some(Fail))],
            },
            Case {
                name: "fail to pass and warn to skip, in catalog order",
                before: vec![("apply.converges", Fail), ("get.stable", Warn)],
                after: vec![("apply.converges", Pass), ("get.stable", Skip)],
                expected: vec![
                    ("get.stable", Some(Warn), Some(Skip)),
                    ("apply.converges", Some(Fail), Some(Pass)),
                ],
            },
            Case {
                name: "a check added",
                before: vec![("build.abi", Pass)],
                after: vec![("build.abi", Pass), ("delete.removes", Fail)],
                expected: vec![("delete.removes", None, Some(Fail))],
            },
            Case {
                name: "a check removed",
                before: vec![("build.abi", Pass), ("delete.removes", Pass)],
                after: vec![("build.abi", Pass)],
                expected: vec![("delete.removes", Some(Pass), None)],
            },
            Case {
                name: "from an unreadable library, every check is new",
                before: vec![],
                after: vec![("build.abi", Fail)],
                expected: vec![("build.abi", None, Some(Fail))],
            },
        ];
        for case in cases {
            let (before, after) = (report(&case.before), report(&case.after));
            assert_eq!(
                described(&changes(&before, &after)),
                case.expected,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn a_new_message_with_the_same_status_is_no_change() {
        let before = report(&[("apply.converges", Status::Fail)]);
        let mut after = before.clone();
        after.results[0].finding.message = "another reason".to_string();
        assert!(changes(&before, &after).is_empty());
    }
}
