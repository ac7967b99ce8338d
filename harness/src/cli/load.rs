//! `symphony-harness load`: load a library as Symphony does and ask for its validation rule.

use std::path::{Path, PathBuf};

use clap::Args;
use symphony_harness::exit_code;
use symphony_harness::jobs::{default_jobs, run_parallel};
use symphony_harness::load::probe::{probe, ProbeError, ProbeRequest};
use symphony_harness::load::{resolve, ExpectedHash};
use symphony_harness::model::BindingConfig;
use symphony_harness::report::json::{self, Document};
use symphony_harness::report::load::{write_load, LoadDocument, LoadEntry};
use symphony_harness::worker::provider_factory;

use super::args::ProviderArgs;
use super::args::{self, ConfigArgs, Format};
use super::inspect::verdict_exit_code;
use super::output::{self, Printed};

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness load target/release/libmy_provider.so
  symphony-harness load target/release/libmy_provider.so --hash any \\
      --config region=eu
  symphony-harness load target/release/libmy_provider.so --host symphony \\
      --call-timeout 2s
  symphony-harness load target/release/*.so --jobs 4 --format json

Reference:\n",
    super::docs_url!("docs/commands/load.md")
);

/// Load a provider library exactly as Symphony does, and print its validation rule
///
/// In Symphony's order: SHA-256 of the file against `--hash` (`any` skips the check, with a
/// warning), then `dlopen` of that same open file, then `create_provider` with the binding
/// config as JSON (sorted keys: `libFile`, `libHash`, `name` and every `--config` key), then
/// `get_validation_rule`. Prints the rule and how Symphony will use it to decide what changed.
///
/// The provider runs in a supervised worker process: a panic, crash or hang is reported with
/// its outcome class instead of taking the harness down. Several libraries are loaded in
/// parallel, one worker each; the exit status is the highest of theirs.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct LoadArgs {
    /// Provider libraries (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    libs: Vec<PathBuf>,

    /// Expected SHA-256, as in the binding's `libHash`, or `any` to skip the check
    /// [default: the file's own hash, printed]
    #[arg(long, value_name = "SHA256|any", help_heading = "Provider")]
    hash: Option<String>,

    /// Binding `name` [default: derived from the file name]
    #[arg(long, help_heading = "Provider")]
    name: Option<String>,

    #[command(flatten)]
    config: ConfigArgs,

    #[command(flatten)]
    isolation: ProviderArgs,

    /// How many libraries to load at once [default: the number of cores]
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..),
        help_heading = "Isolation"
    )]
    jobs: Option<usize>,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

pub fn run(args: &LoadArgs) -> anyhow::Result<i32> {
    let libs = if args.libs.is_empty() {
        vec![args::library_path(None)?]
    } else {
        args.libs.clone()
    };
    if libs.len() > 1 && args.hash.as_deref().is_some_and(|hash| hash != "any") {
        anyhow::bail!(
            "`--hash` is one library's hash, but {} libraries are given\nhint: load them one \
             at a time with their own `--hash`, or use `--hash any`",
            libs.len()
        );
    }
    let many = libs.len() > 1;
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let results = run_parallel(libs, jobs, |lib| load_one(&lib, args));
    let mut documents = Vec::new();
    let mut code = exit_code::SUCCESS;
    for (index, mut result) in results.into_iter().enumerate() {
        code = code.max(result.code);
        if args.format == Format::Json {
            documents.push(result.document);
            result.printed.out.clear();
        } else if many && index > 0 {
            result.printed.out.insert(0, b'\n');
        }
        output::reader_gone_is_ok(result.printed.flush())?;
    }
    if args.format == Format::Json {
        output::json(&Document::new(
            json::LOAD,
            &LoadDocument {
                libraries: documents,
            },
        ))?;
    }
    Ok(code)
}

/// One library's load, rendered: what to print, its JSON document, its exit code.
struct LoadResult {
    printed: Printed,
    document: LoadEntry,
    code: i32,
}

fn load_one(path: &Path, args: &LoadArgs) -> LoadResult {
    let mut printed = Printed::default();
    let result = request(path, args).and_then(|request| {
        let mut factory = provider_factory(&args.isolation.backend(), resolve::as_given())?;
        probe(path, &request, factory.as_mut()).map_err(probe_error)
    });
    match result {
        Ok(report) => {
            let code = match report.validation_rule {
                Some(_) => verdict_exit_code(report.inspection.verdict.level),
                None => exit_code::CALL_FAILED,
            };
            // Writing to memory cannot fail.
            let _ = write_load(
                &mut printed.out,
                &mut printed.err,
                &report,
                args.hash.is_some(),
            );
            LoadResult {
                printed,
                document: LoadEntry::Report {
                    exit_code: code,
                    report: Box::new(report),
                },
                code,
            }
        }
        Err(err) => {
            printed.error(&err);
            let code = super::explain::exit_code_for(&err);
            LoadResult {
                printed,
                document: LoadEntry::Error {
                    path: path.display().to_string(),
                    error: format!("{err:#}"),
                    exit_code: code,
                },
                code,
            }
        }
    }
}

/// A probe error as the command line reports it: its own type, so exit codes and hints apply.
fn probe_error(err: ProbeError) -> anyhow::Error {
    match err {
        ProbeError::Load(err) => err.into(),
        ProbeError::Failure(failure) => failure.into(),
        created @ ProbeError::Create(_) => created.into(),
        died @ ProbeError::LoadDied { .. } => died.into(),
    }
}

/// The binding and hash check the flags ask for.
fn request(path: &Path, args: &LoadArgs) -> anyhow::Result<ProbeRequest> {
    let lib_file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut extra = BindingConfig::default();
    args.config.extend(&mut extra)?;
    Ok(ProbeRequest {
        hash: args.hash.as_deref().map(ExpectedHash::parse),
        lib_file: lib_file.display().to_string(),
        name: args
            .name
            .clone()
            .unwrap_or_else(|| args::default_binding_name(path)),
        extra,
        force: args.isolation.force,
    })
}
