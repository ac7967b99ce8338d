//! `symphony-harness check`: the conformance suite on provider libraries.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use symphony_harness::check::run::{changes, known_names};
use symphony_harness::check::{run_checks, CheckOptions, Status, SuiteReport, CATALOG};
use symphony_harness::exit_code;
use symphony_harness::report::check as report;
use symphony_harness::report::watch as watch_report;
use symphony_harness::scenario::format::SymphonyRelease;
use symphony_harness::watch::{FileChange, FileState, Role, Watch};
use symphony_harness::worker::{self, Backend};

use super::args::library_path;
use super::output;
use super::reconcile::SymphonyArg;
use super::run::{Deadlines, ReportArgs, RunFormat};
use super::watch::{self, WatchSettle};

const EXAMPLES: &str = "\
Examples:
  symphony-harness check                                  # the bundled simulated provider
  symphony-harness check target/release/libmy_provider.so --config endpoint=http://localhost:8080
  symphony-harness check target/release/*.so --format junit --output check.xml
  symphony-harness check LIB --only apply --only delete.removes --save-failures failures/
  symphony-harness check target/debug/libmy_provider.so --watch   # again after each cargo build";

/// Check a provider library against everything Symphony would trip over, before deploying it
///
/// Loads LIB as Symphony does (hash check, `create_provider` with the binding config), then
/// runs the conformance suite: the library's ABI, models and toolchain; the hash; its
/// validation rule; `get`, `apply`, deletes and dry runs played through Symphony's own
/// reconcile on synthesized Targets (as the tutorial's `target.json` binds a library), edge
/// inputs, new provider instances per call, concurrent instances, and values Go's `%v` renders
/// differently. Each check has a stable id (`apply.converges`), says what Symphony's users would
/// see when it fails and how to fix it, and shows its evidence (the calls made, with inputs and
/// outputs).
///
/// Every check is isolated: its calls run in worker processes of its own, so a provider that
/// crashes fails one check and the suite goes on. Without LIB, checks the bundled simulated
/// provider. When nothing fails, prints the Target binding with the verified `libHash`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct CheckArgs {
    /// Provider libraries (`.so`) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    libraries: Vec<PathBuf>,

    #[command(flatten)]
    binding: BindingArgs,

    /// The properties of the synthesized components: `@FILE.json` holding an object
    /// [default: a string, a number, a bool and a nested value]
    #[arg(long, value_name = "@FILE", help_heading = "Binding")]
    properties: Option<String>,

    /// Take the binding from your Target file: its first `providers.target.rust` binding's
    /// config (but `libFile` and `libHash`), its role as the component type, its first
    /// component's properties; `--config`, `--component-type` and `--properties` override them
    #[arg(long, value_name = "TARGET.json", help_heading = "Binding")]
    target: Option<PathBuf>,

    /// Run only these checks: an id (`apply.converges`) or an area (`apply`); repeatable
    #[arg(long, value_name = "ID|AREA", help_heading = "Selection")]
    only: Vec<String>,

    /// Skip these checks: an id or an area; repeatable
    #[arg(long, value_name = "ID|AREA", help_heading = "Selection")]
    skip: Vec<String>,

    /// Warnings fail the run too (exit 10)
    #[arg(long, help_heading = "Selection")]
    deny_warnings: bool,

    /// Libraries checked at once, each with its own workers [default: the CPUs]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = "Selection")]
    jobs: Option<u16>,

    /// Write each failed check that is a scenario as a scenario file in DIR (`run` replays it)
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    save_failures: Option<PathBuf>,

    #[command(flatten)]
    deadlines: Deadlines,

    #[command(flatten)]
    output: ReportArgs,

    /// Keep watching: check a LIB again when it is rebuilt, and print only what changed
    ///
    /// After the first verdict, watches the folder of each LIB for a new build of it (cargo
    /// writes a new file and renames it into place). Once the file has stayed the same for a
    /// moment it is checked again, and only the checks whose verdict changed are printed
    /// (`apply.converges: pass -> FAIL`, with the evidence), or `no change: 27 passed`. A
    /// library that is missing or half-written is reported in one line, and watching goes on.
    /// Text for people only: not with `--format json|junit` or `--output`.
    ///
    /// Ctrl-C stops watching; the exit status is then the last verdict's (0 when nothing
    /// failed, 10 when a check failed). SIGTERM and SIGHUP end it as any command (143, 129).
    #[arg(long, help_heading = "Watch")]
    watch: bool,

    #[command(flatten)]
    watch_settle: WatchSettle,
}

/// The binding flags of the commands that make their own Targets (`check`, `explore`): what
/// the provider's binding would hold.
#[derive(Args, Debug)]
pub(super) struct BindingArgs {
    /// A binding config key the provider needs (`KEY=VALUE`), or `@FILE.json` holding an
    /// object of them; repeatable. Passed to `create_provider` exactly as a binding would
    #[arg(long, value_name = "KEY=VALUE|@FILE", help_heading = "Binding")]
    pub config: Vec<String>,

    /// The binding's `libHash`: a SHA-256, or `any` [default: the file's own SHA-256]
    #[arg(long, value_name = "SHA256|any", help_heading = "Binding")]
    pub hash: Option<String>,

    /// The component type (the binding's role) of the components the command makes
    /// [default: the rule's `requiredType`, else `example_type`]
    #[arg(long, value_name = "TYPE", help_heading = "Binding")]
    pub component_type: Option<String>,

    /// The Symphony release whose JSON the provider receives
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Binding")]
    pub symphony: SymphonyArg,
}

impl BindingArgs {
    /// `--symphony` as the library names it.
    pub fn release(&self) -> SymphonyRelease {
        match self.symphony {
            SymphonyArg::V048 => SymphonyRelease::V048,
            SymphonyArg::V049 => SymphonyRelease::V049,
        }
    }
}

/// `--config` values, in order: `KEY=VALUE`, or `@FILE` with an object of strings.
pub(super) fn binding_config(values: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut config = BTreeMap::new();
    for value in values {
        if let Some(file) = value.strip_prefix('@') {
            let object: BTreeMap<String, Value> =
                symphony_harness::input::read_json(Path::new(file), "binding config")?;
            for (key, value) in object {
                let text = match value {
                    Value::String(text) => text,
                    other => bail!(
                        "`{file}`: binding config values are strings (Symphony passes a map of \
                         strings), but `{key}` is {other}"
                    ),
                };
                config.insert(key, text);
            }
        } else {
            let Some((key, value)) = value.split_once('=') else {
                bail!("`--config {value}`: write KEY=VALUE, or @FILE.json");
            };
            config.insert(key.to_string(), value.to_string());
        }
    }
    Ok(config)
}

/// `--properties @FILE.json`.
fn properties(value: Option<&str>) -> anyhow::Result<Option<BTreeMap<String, Value>>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(file) = value.strip_prefix('@') else {
        bail!("`--properties {value}`: write @FILE.json (a JSON object of properties)");
    };
    Ok(Some(symphony_harness::input::read_json(
        Path::new(file),
        "properties",
    )?))
}

fn check_names(names: &[String]) -> anyhow::Result<()> {
    let known = known_names();
    for name in names {
        if !known.contains(&name.as_str()) {
            bail!(
                "no check or area `{name}`\nhint: areas: {}; ids: docs/checks.md lists them",
                symphony_harness::check::Area::ALL
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}

/// What `--target` gives: binding config, role, properties.
type FromTarget = (
    BTreeMap<String, String>,
    Option<String>,
    Option<BTreeMap<String, Value>>,
);

/// Reads the binding of `--target`.
fn from_target(path: &Path) -> anyhow::Result<FromTarget> {
    let target = symphony_harness::input::read_target(path)?;
    for note in &target.notes {
        output::warning(&note.to_string());
    }
    let spec = target.value.spec.unwrap_or_default();
    let Some(binding) = spec
        .topologies
        .iter()
        .flat_map(|t| &t.bindings)
        .find(|b| b.provider == symphony_harness::model::RUST_PROVIDER)
    else {
        bail!(
            "`{}` has no `{}` binding to check\nhint: check a Target that binds your provider, \
             or leave `--target` out to use a synthesized one",
            path.display(),
            symphony_harness::model::RUST_PROVIDER
        );
    };
    let config = binding
        .config
        .iter()
        .filter(|(key, _)| !matches!(*key, "libFile" | "libHash"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let properties = spec
        .components
        .first()
        .map(|c| c.properties.clone())
        .filter(|p| !p.is_empty());
    Ok((config, Some(binding.role.clone()), properties))
}

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    if let Err(err) = check_names(&args.only).and_then(|()| check_names(&args.skip)) {
        output::error(&err);
        return Ok(exit_code::USAGE);
    }
    if args.watch {
        if let Some(why) = watch::refused(&args.output) {
            output::error(&anyhow::anyhow!(why));
            return Ok(exit_code::USAGE);
        }
    }
    let (mut config, role, target_properties) = match &args.target {
        Some(path) => from_target(path)?,
        None => (BTreeMap::new(), None, None),
    };
    config.extend(binding_config(&args.binding.config)?);
    let libraries = if args.libraries.is_empty() {
        vec![library_path(None)?]
    } else {
        args.libraries.clone()
    };
    let scratch = tempfile::Builder::new()
        .prefix("symphony-harness-check-")
        .tempdir()
        .context("cannot make a scratch folder for the checks")?;
    let options = CheckOptions {
        hash: args.binding.hash.clone(),
        config,
        component_type: args.binding.component_type.clone().or(role),
        properties: properties(args.properties.as_deref())?.or(target_properties),
        symphony: args.binding.release(),
        only: args.only.clone(),
        skip: args.skip.clone(),
        backend: Backend {
            call_timeout: args.deadlines.call_timeout.0,
            ..Backend::default()
        },
        scratch: scratch.path().to_path_buf(),
    };
    // Watched from before the first run, so a build that lands during it is not missed.
    let watcher = if args.watch {
        let mut watcher = args.watch_settle.watch()?;
        for library in &libraries {
            watcher.file(library).map_err(|err| watch::failed(&err))?;
        }
        Some(watcher)
    } else {
        None
    };
    let human = args.output.format == RunFormat::Human && args.output.output.is_none();
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let checked = check_all(&libraries, &options, jobs);
    let mut reports = Vec::new();
    for (index, (library, report)) in libraries.iter().zip(checked).enumerate() {
        if human {
            let mut text = Vec::new();
            report::human(&mut text, &report, args.deny_warnings)?;
            if index > 0 {
                output::stdout("\n")?;
            }
            output::reader_gone_is_ok(output::stdout_bytes(&text))?;
        } else if libraries.len() == 1 {
            // (Several libraries each said so as they finished.)
            output::stderr(&format!(
                "{}: {}\n",
                library.display(),
                report::summary_line(&report)
            ));
        }
        if let Some(dir) = &args.save_failures {
            save_failures(dir, &report)?;
        }
        reports.push((library.clone(), report));
    }
    if !human {
        let mut buffer = Vec::new();
        match args.output.format {
            RunFormat::Json => report::json(&mut buffer, &reports, args.deny_warnings)?,
            RunFormat::Junit => report::junit(&mut buffer, &reports, args.deny_warnings)?,
            RunFormat::Human => {
                for (_, report) in &reports {
                    report::human(&mut buffer, report, args.deny_warnings)?;
                }
            }
        }
        match &args.output.output {
            Some(path) => std::fs::write(path, &buffer)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))?,
            None => output::reader_gone_is_ok(output::stdout_bytes(&buffer))?,
        }
    }
    match watcher {
        // A signal during the first run ends the command as it ends any other.
        Some(watcher) if worker::interrupted().is_none() => {
            watch_loop(watcher, &options, reports, args)
        }
        _ => Ok(verdict_code(&reports, args.deny_warnings)),
    }
}

/// The exit code of the verdicts on every library.
fn verdict_code(reports: &[(PathBuf, SuiteReport)], deny_warnings: bool) -> i32 {
    let unreadable = reports.iter().any(|(_, r)| r.unreadable.is_some());
    if unreadable {
        exit_code::ERROR
    } else if reports.iter().all(|(_, r)| r.passed(deny_warnings)) {
        exit_code::SUCCESS
    } else {
        exit_code::CHECK_FAILED
    }
}

/// What the last verdict on a library was made from.
fn checked_state(report: &SuiteReport) -> FileState {
    match (&report.subject, &report.unreadable) {
        (Some(subject), _) => FileState::Present {
            sha256: subject.sha256.clone(),
        },
        (None, why) => FileState::Unreadable(why.clone().unwrap_or_default()),
    }
}

/// `--watch`: checks a library again each time it changes and prints what changed, until a
/// signal; returns the exit code of the last verdicts.
fn watch_loop(
    mut watcher: Watch,
    options: &CheckOptions,
    mut reports: Vec<(PathBuf, SuiteReport)>,
    args: &CheckArgs,
) -> anyhow::Result<i32> {
    let libraries: Vec<PathBuf> = reports.iter().map(|(library, _)| library.clone()).collect();
    watch::start(&libraries);
    let mut runs = 0usize;
    'watching: while let Some(change) = watcher
        .next_change(&watch::stop)
        .map_err(|err| watch::failed(&err))?
    {
        for path in change.paths {
            let Some(index) = libraries.iter().position(|library| *library == path) else {
                continue;
            };
            let file = FileChange {
                path: path.clone(),
                role: Role::Library,
                before: checked_state(&reports[index].1),
                after: FileState::of_library(&path),
            };
            let mut text = Vec::new();
            watch_report::header(&mut text, &watch::now(), std::slice::from_ref(&file))?;
            output::reader_gone_is_ok(output::stdout_bytes(&text))?;
            if !file.calls_for_run() {
                continue;
            }
            runs += 1;
            let scratch = options.scratch.join(format!("{index}-{runs}"));
            let report = check_one(
                &path,
                &CheckOptions {
                    scratch: scratch.clone(),
                    ..options.clone()
                },
            );
            // Its devices are of no further use; a folder left behind is the tempdir's.
            let _ = std::fs::remove_dir_all(&scratch);
            if worker::interrupted().is_some() {
                // Cut short: it proves nothing, and the last verdict stands.
                break 'watching;
            }
            let mut text = Vec::new();
            if report.unreadable.is_some() {
                // `cannot check: …`, one line; the last verdict stands.
                report::human(&mut text, &report, args.deny_warnings)?;
                output::reader_gone_is_ok(output::stdout_bytes(&text))?;
                continue;
            }
            let changes = changes(&reports[index].1, &report);
            watch_report::check_changes(&mut text, &changes, &report, args.deny_warnings)?;
            output::reader_gone_is_ok(output::stdout_bytes(&text))?;
            if let Some(dir) = &args.save_failures {
                save_failures(dir, &report)?;
            }
            reports[index].1 = report;
        }
    }
    Ok(watch::stopped(verdict_code(&reports, args.deny_warnings)))
}

/// Runs the suite on every library, `jobs` at a time, each in its own folder; the reports
/// come back in the order of `libraries`.
fn check_all(libraries: &[PathBuf], options: &CheckOptions, jobs: usize) -> Vec<SuiteReport> {
    let for_library = |index: usize| CheckOptions {
        scratch: options.scratch.join(index.to_string()),
        ..options.clone()
    };
    if libraries.len() == 1 {
        return vec![check_one(&libraries[0], &for_library(0))];
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: std::sync::Mutex<Vec<Option<SuiteReport>>> =
        std::sync::Mutex::new(libraries.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, libraries.len()) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(library) = libraries.get(index) else {
                    break;
                };
                let report = run_checks(library, &for_library(index), &mut |_| {});
                output::stderr(&format!(
                    "checked {}: {}\n",
                    library.display(),
                    report::summary_line(&report)
                ));
                if let Ok(mut slots) = slots.lock() {
                    slots[index] = Some(report);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Runs the suite on `library` with a progress bar on a terminal.
fn check_one(library: &Path, options: &CheckOptions) -> SuiteReport {
    let total = CATALOG.len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{elapsed} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = run_checks(library, options, &mut |result| {
        bar.set_message(result.info.id);
        bar.inc(1);
    });
    bar.finish_and_clear();
    report
}

/// Writes each failed check's scenario into `dir` as `<id>.json`.
fn save_failures(dir: &Path, report: &SuiteReport) -> anyhow::Result<()> {
    for result in &report.results {
        if result.finding.status != Status::Fail {
            continue;
        }
        let Some(scenario) = &result.finding.scenario else {
            continue;
        };
        std::fs::create_dir_all(dir).with_context(|| format!("cannot make `{}`", dir.display()))?;
        let path = dir.join(format!("{}.json", result.info.id));
        let text = serde_json::to_string_pretty(&scenario.to_file_json())?;
        std::fs::write(&path, text + "\n")
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        output::stderr(&format!(
            "saved `{}`: `symphony-harness run {}` replays it\n",
            result.info.id,
            path.display()
        ));
    }
    Ok(())
}
