//! `symphony-harness check`: the conformance suite on provider libraries.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use symphony_harness::check::suite::{changes, known_names, selected_count, CheckOptions};
use symphony_harness::check::{run_checks, SuiteReport};
use symphony_harness::exit_code;
use symphony_harness::jobs::{default_jobs, run_parallel, Next};
use symphony_harness::report::check as report;
use symphony_harness::report::watch as watch_report;
use symphony_harness::subject::{Source, SubjectSpec, TargetBinding};
use symphony_harness::watch::{watch_loop, FileChange, FileState, Rerun, Role, Watch};
use symphony_harness::worker;

use super::args::{library_path, Deadlines, ReportArgs, RunFormat, SubjectArgs, WatchSettle};
use super::explain::Refused;
use super::output;
use super::watch;

const EXAMPLES: &str = concat!(
    "\
Examples:
  # the bundled simulated provider
  symphony-harness check
  symphony-harness check target/release/libmy_provider.so \\
      --config endpoint=http://localhost:8080
  symphony-harness check target/release/*.so --format junit --output check.xml
  symphony-harness check LIB --only apply,delete.removes \\
      --save-failures failures/
  # again after each cargo build
  symphony-harness check target/debug/libmy_provider.so --watch

Reference:\n",
    super::docs_url!("docs/commands/check.md")
);

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
    binding: SubjectArgs,

    /// The properties of the synthesized components: `@FILE.json` holding an object
    /// [default: a string, a number, a bool and a nested value]
    #[arg(long, value_name = "@FILE", help_heading = "Binding")]
    properties: Option<String>,

    /// Take the binding from your Target file: its first `providers.target.rust` binding's
    /// config (but `libFile` and `libHash`), its role as the component type, its first
    /// component's properties; `--config`, `--component-type` and `--properties` override them
    #[arg(long, value_name = "TARGET.json", help_heading = "Binding")]
    target: Option<PathBuf>,

    /// Run only these checks: an id (`apply.converges`) or an area (`apply`); repeatable, or
    /// comma-separated
    #[arg(
        long,
        value_name = "ID|AREA",
        value_delimiter = ',',
        help_heading = "Selection"
    )]
    only: Vec<String>,

    /// Skip these checks: an id or an area; repeatable, or comma-separated
    #[arg(
        long,
        value_name = "ID|AREA",
        value_delimiter = ',',
        help_heading = "Selection"
    )]
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

/// Refuses a `--only`/`--skip` name that is no check id or area (`check`, `diff`): a wrong
/// flag value (`usage`).
pub(super) fn check_names(names: &[String]) -> anyhow::Result<()> {
    let known = known_names();
    for name in names {
        if !known.contains(&name.as_str()) {
            return Err(Refused::usage(format!(
                "no check or area `{name}`\nhint: areas: {}; every id: {}",
                symphony_harness::check::Area::ALL
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                super::docs_url!("docs/checks.md")
            )));
        }
    }
    Ok(())
}

/// What the flags say to check, for `library`.
fn spec(args: &CheckArgs, library: &Path) -> anyhow::Result<SubjectSpec> {
    let mut spec = args.binding.spec(
        Source::Library(library.to_path_buf()),
        args.deadlines.backend(),
    )?;
    spec.properties = properties(args.properties.as_deref())?;
    if let Some(path) = &args.target {
        let binding = TargetBinding::read(path)?;
        for note in &binding.notes {
            output::warning(&note.to_string());
        }
        spec = binding.under(spec);
    }
    Ok(spec)
}

pub fn run(args: &CheckArgs) -> anyhow::Result<i32> {
    check_names(&args.only)?;
    check_names(&args.skip)?;
    if args.watch {
        if let Some(why) = watch::refused(&args.output) {
            return Err(Refused::usage(why));
        }
    }
    let libraries = if args.libraries.is_empty() {
        vec![library_path(None)?]
    } else {
        args.libraries.clone()
    };
    let specs: Vec<SubjectSpec> = libraries
        .iter()
        .map(|library| spec(args, library))
        .collect::<anyhow::Result<_>>()?;
    let scratch = tempfile::Builder::new()
        .prefix("symphony-harness-check-")
        .tempdir()
        .context("cannot make a scratch folder for the checks")?;
    let options = CheckOptions {
        only: args.only.clone(),
        skip: args.skip.clone(),
        scratch: scratch.path().to_path_buf(),
    };
    // Watched from before the first run, so a build that lands during it is not missed.
    let watcher = if args.watch {
        let mut watcher = args.watch_settle.watch()?;
        for library in &libraries {
            watcher.file(library)?;
        }
        Some(watcher)
    } else {
        None
    };
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let reports = check_all(&specs, &options, jobs);
    print_reports(args, &libraries, &reports)?;
    let reports: Vec<(PathBuf, SuiteReport)> = libraries.into_iter().zip(reports).collect();
    match watcher {
        // A signal during the first run ends the command as it ends any other.
        Some(mut watcher) if worker::interrupted().is_none() => {
            let libraries: Vec<PathBuf> = reports.iter().map(|(l, _)| l.clone()).collect();
            watch::start(&libraries);
            let mut rerun = CheckRerun {
                args,
                specs,
                options,
                reports,
                runs: 0,
            };
            watch_loop(&mut watcher, &mut rerun, &watch::stop)?;
            Ok(watch::stopped(verdict_code(
                &rerun.reports,
                args.deny_warnings,
            )))
        }
        _ => Ok(verdict_code(&reports, args.deny_warnings)),
    }
}

/// Prints each library's report as `--format` and `--output` say, and saves failures.
fn print_reports(
    args: &CheckArgs,
    libraries: &[PathBuf],
    reports: &[SuiteReport],
) -> anyhow::Result<()> {
    let human = args.output.human_on_stdout();
    for (index, (library, report)) in libraries.iter().zip(reports).enumerate() {
        if human {
            let mut text = Vec::new();
            report::human(&mut text, report, args.deny_warnings)?;
            if index > 0 {
                output::stdout("\n")?;
            }
            output::reader_gone_is_ok(output::stdout_bytes(&text))?;
        } else if libraries.len() == 1 {
            // (Several libraries each said so as they finished.)
            output::stderr(&format!(
                "{}: {}\n",
                library.display(),
                report::summary_line(report)
            ));
        }
        save_failures(args, report)?;
    }
    if human {
        return Ok(());
    }
    let pairs: Vec<(PathBuf, SuiteReport)> = libraries
        .iter()
        .cloned()
        .zip(reports.iter().cloned())
        .collect();
    let mut buffer = Vec::new();
    match args.output.format {
        RunFormat::Json => report::json(&mut buffer, &pairs, args.deny_warnings)?,
        RunFormat::Junit => report::junit(&mut buffer, &pairs, args.deny_warnings)?,
        RunFormat::Human => {
            for report in reports {
                report::human(&mut buffer, report, args.deny_warnings)?;
            }
        }
    }
    match &args.output.output {
        Some(path) => std::fs::write(path, &buffer)
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?,
        None => output::reader_gone_is_ok(output::stdout_bytes(&buffer))?,
    }
    Ok(())
}

/// The exit code of the verdicts on every library: a library that cannot be read first, then
/// one Symphony gets no provider from (the code `load` gives it: 4 not a provider or
/// incompatible, 5 NULL or a failed load; the first such library's, in the order given), then
/// the checks' verdict.
fn verdict_code(reports: &[(PathBuf, SuiteReport)], deny_warnings: bool) -> i32 {
    let unreadable = reports.iter().any(|(_, r)| r.unreadable.is_some());
    let no_provider = reports.iter().find_map(|(_, report)| {
        let subject = report.subject.as_ref()?;
        subject
            .probe
            .as_ref()
            .err()
            .map(|failure| failure.exit_code)
    });
    if unreadable {
        exit_code::ERROR
    } else if let Some(code) = no_provider {
        code
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

/// `--watch`: each library checked again when it changes, and what changed printed.
struct CheckRerun<'a> {
    args: &'a CheckArgs,
    specs: Vec<SubjectSpec>,
    options: CheckOptions,
    /// The last verdict on each library.
    reports: Vec<(PathBuf, SuiteReport)>,
    runs: usize,
}

impl Rerun for CheckRerun<'_> {
    type Error = anyhow::Error;

    fn last_seen(&self, path: &Path) -> (Role, FileState) {
        let state = self
            .reports
            .iter()
            .find(|(library, _)| library == path)
            .map_or(FileState::Missing, |(_, report)| checked_state(report));
        (Role::Library, state)
    }

    fn changed(&mut self, files: &[FileChange]) -> anyhow::Result<()> {
        let mut text = Vec::new();
        watch_report::header(&mut text, &watch::now(), files)?;
        Ok(output::reader_gone_is_ok(output::stdout_bytes(&text))?)
    }

    fn rerun(&mut self, files: &[FileChange], _: &mut Watch) -> anyhow::Result<Next> {
        for file in files.iter().filter(|file| file.calls_for_run()) {
            let Some(index) = self.reports.iter().position(|(l, _)| *l == file.path) else {
                continue;
            };
            self.runs += 1;
            let scratch = self.options.scratch.join(format!("{index}-{}", self.runs));
            let options = CheckOptions {
                scratch: scratch.clone(),
                ..self.options.clone()
            };
            let report = check_one(&self.specs[index], &options);
            // Its devices are of no further use; a folder left behind is the tempdir's.
            let _ = std::fs::remove_dir_all(&scratch);
            if worker::interrupted().is_some() {
                // Cut short: it proves nothing, and the last verdict stands.
                return Ok(Next::Stop);
            }
            let mut text = Vec::new();
            let deny = self.args.deny_warnings;
            if report.unreadable.is_some() {
                // `cannot check: …`, one line; the last verdict stands.
                report::human(&mut text, &report, deny)?;
                output::reader_gone_is_ok(output::stdout_bytes(&text))?;
                continue;
            }
            let changes = changes(&self.reports[index].1, &report);
            watch_report::check_changes(&mut text, &changes, &report, deny)?;
            output::reader_gone_is_ok(output::stdout_bytes(&text))?;
            save_failures(self.args, &report)?;
            self.reports[index].1 = report;
        }
        Ok(Next::Continue)
    }
}

/// Runs the suite on every subject, `jobs` at a time, each in its own folder; the reports
/// come back in the order of `specs`.
fn check_all(specs: &[SubjectSpec], options: &CheckOptions, jobs: usize) -> Vec<SuiteReport> {
    let for_index = |index: usize| CheckOptions {
        scratch: options.scratch.join(index.to_string()),
        ..options.clone()
    };
    if let [spec] = specs {
        return vec![check_one(spec, &for_index(0))];
    }
    run_parallel(specs.iter().enumerate().collect(), jobs, |(index, spec)| {
        let report = run_checks(spec, &for_index(index), &mut |_| {});
        let name = match &spec.source {
            Source::Library(path) => path.display().to_string(),
            _ => String::new(),
        };
        output::stderr(&format!(
            "checked {name}: {}\n",
            report::summary_line(&report)
        ));
        report
    })
}

/// Runs the suite on one subject with a progress bar on a terminal.
fn check_one(spec: &SubjectSpec, options: &CheckOptions) -> SuiteReport {
    // What runs: `--only apply` counts the apply checks, not the whole catalog.
    let total = selected_count(options) as u64;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{elapsed} [{bar:30}] {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = run_checks(spec, options, &mut |result| {
        bar.set_message(result.info.id.as_str());
        bar.inc(1);
    });
    bar.finish_and_clear();
    report
}

/// `--save-failures DIR`: each failed check that is a scenario, written as a scenario file.
fn save_failures(args: &CheckArgs, report: &SuiteReport) -> anyhow::Result<()> {
    let Some(dir) = &args.save_failures else {
        return Ok(());
    };
    let saved = report
        .save_failures(dir)
        .with_context(|| format!("cannot save the failed checks under `{}`", dir.display()))?;
    for (id, path) in saved {
        output::stderr(&format!(
            "saved `{id}`: `symphony-harness run {}` replays it\n",
            path.display()
        ));
    }
    Ok(())
}
