//! `symphony-harness load`: load a library as Symphony does and ask for its validation rule.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use symphony_harness::engine::rule;
use symphony_harness::exit_code;
use symphony_harness::inspect::{Inspection, VerdictLevel};
use symphony_harness::load::{ExpectedHash, LibraryFile, LoadError, PreloadError};
use symphony_harness::model::BindingConfig;

use serde_json::Value;
use symphony_harness::worker::{default_jobs, run_parallel};

use super::args::{self, ConfigArgs, Format};
use super::backend::{provider_factory, ProviderArgs};
use super::inspect::{print_fingerprint, print_verdict, verdict_exit_code};
use super::output::{Printed, LABEL};

const EXAMPLES: &str = "\
Examples:
  symphony-harness load target/release/libmy_provider.so
  symphony-harness load target/release/libmy_provider.so --hash any --config region=eu
  symphony-harness load target/release/libmy_provider.so --host symphony --call-timeout 2s
  symphony-harness load target/release/*.so --jobs 4 --format json";

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

    /// Load even a library the inspector judges incompatible (it may crash)
    #[arg(long, help_heading = "Provider")]
    force: bool,

    #[command(flatten)]
    isolation: ProviderArgs,

    /// How many libraries to load at once [default: the number of cores]
    #[arg(long, short = 'j', value_name = "N", help_heading = "Isolation")]
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
    if args.jobs == Some(0) {
        anyhow::bail!("`--jobs 0` would load nothing\nhint: use `--jobs 1` or more");
    }
    let many = libs.len() > 1;
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let reports = run_parallel(libs, jobs, |lib| load_one(&lib, args));
    let mut documents = Vec::new();
    let mut code = exit_code::SUCCESS;
    for (index, mut report) in reports.into_iter().enumerate() {
        code = code.max(report.code);
        if args.format == Format::Json {
            documents.push(report.json);
            report.printed.out.clear();
        } else if many && index > 0 {
            report.printed.out.insert(0, '\n');
        }
        report.printed.flush();
    }
    if args.format == Format::Json {
        let document = if many {
            Value::Array(documents)
        } else {
            documents.pop().unwrap_or(Value::Null)
        };
        println!("{}", serde_json::to_string_pretty(&document)?);
    }
    Ok(code)
}

/// One library's load, rendered: what to print, its JSON document, its exit code.
struct LoadReport {
    printed: Printed,
    json: Value,
    code: i32,
}

fn load_one(path: &Path, args: &LoadArgs) -> LoadReport {
    let mut printed = Printed::default();
    match load_and_report(path, args, &mut printed) {
        Ok((code, json)) => LoadReport {
            printed,
            json,
            code,
        },
        Err(err) => {
            printed.error(&err);
            let code = super::exit_code_for(&err);
            let json = json!({
                "path": path.display().to_string(),
                "error": format!("{err:#}"),
                "exitCode": code,
            });
            LoadReport {
                printed,
                json,
                code,
            }
        }
    }
}

fn load_and_report(
    path: &Path,
    args: &LoadArgs,
    printed: &mut Printed,
) -> anyhow::Result<(i32, Value)> {
    let path = path.to_path_buf();
    // Read and judge the bytes here; no code of the library runs in this process.
    let file = LibraryFile::open(&path)?;
    let inspection =
        Inspection::new(file.bytes(), file.sha256().to_string()).map_err(|source| {
            LoadError::NotElf {
                path: path.clone(),
                source,
            }
        })?;
    let verdict = &inspection.verdict;
    match verdict.level {
        VerdictLevel::NotAProvider => {
            return Err(LoadError::NotAProvider {
                path,
                reasons: verdict.reasons.clone(),
            }
            .into())
        }
        VerdictLevel::Incompatible if !args.force => {
            return Err(LoadError::Incompatible {
                path,
                reasons: verdict.reasons.clone(),
            }
            .into())
        }
        _ => {}
    }

    let expected = match &args.hash {
        Some(text) => ExpectedHash::parse(text),
        None => ExpectedHash::Sha256(file.sha256().to_string()),
    };
    let lib_file = absolute(&path);
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args::default_binding_name(&path));
    let mut config = BindingConfig::new(
        &lib_file.display().to_string(),
        expected.as_lib_hash(),
        &name,
    );
    args.config.extend(&mut config)?;

    let mut factory = provider_factory(
        &args.isolation,
        Box::new(|lib_file: &str| PathBuf::from(lib_file)),
        args.force,
    )?;
    let info = factory.preload(&config).map_err(|err| match err {
        PreloadError::Load(failure) => anyhow::Error::new(failure),
        PreloadError::Call(call) => anyhow::Error::new(call).context(format!(
            "loading `{}` killed the process that tried",
            path.display()
        )),
    })?;
    if expected == ExpectedHash::Any {
        printed.warning(
            "hash check skipped (`libHash: any`): Symphony logs the same warning; make sure \
             the library is what you expect",
        );
    }
    if verdict.level == VerdictLevel::Incompatible {
        printed.warning("loading an incompatible library because of `--force`");
    }
    let mut provider = factory.create(&config)?;
    let rule = provider.get_validation_rule();

    let document = json!({
        "path": path.display().to_string(),
        "sha256": inspection.sha256,
        "hashCheck": if info.hash_checked { "matched" } else if expected == ExpectedHash::Any { "skipped" } else { "host" },
        "inspection": inspection,
        "configJson": config.to_json(),
        "calls": {
            "create_provider": "ok",
            "get_validation_rule": rule.as_ref().map_or_else(|err| err.outcome().as_str(), |_| "ok"),
        },
        "validationRule": rule.as_ref().ok(),
        "symphonyReads": rule.as_ref().ok().map(rule::explain),
        "error": rule.as_ref().err().map(ToString::to_string),
    });

    printed.field("library", path.display());
    printed.field(
        "sha256",
        match (&args.hash, info.hash_checked) {
            (None, _) => format!(
                "{} (computed; pass --hash to check a pinned libHash)",
                inspection.sha256
            ),
            (Some(_), true) => format!("{} (matches --hash)", inspection.sha256),
            (Some(_), false) => format!("{} (not checked)", inspection.sha256),
        },
    );
    print_fingerprint(printed, &inspection);
    printed.field("config", config.to_json());
    printed.line("");
    print_verdict(printed, verdict);
    printed.line("");
    printed.field("calls", "create_provider: ok");
    match &rule {
        Ok(rule) => {
            printed.line("           get_validation_rule: ok");
            printed.line("");
            printed.line(format!("{LABEL}validation rule:{LABEL:#}"));
            printed.line(serde_json::to_string_pretty(rule)?);
            printed.line("");
            printed.line(format!("{LABEL}what Symphony makes of it:{LABEL:#}"));
            for line in rule::explain(rule) {
                printed.line(format!("  - {line}"));
            }
        }
        Err(err) => {
            printed.line(format!("           get_validation_rule: {}", err.outcome()));
            printed.error(&anyhow::anyhow!(
                "`get_validation_rule` failed ({}): {err}\nhint: Symphony silently uses the \
                 zero rule then: no change detection, no sidecars; return \
                 Ok(ValidationRule::default()) at least",
                err.outcome()
            ));
        }
    }
    let code = if rule.is_err() {
        exit_code::CALL_FAILED
    } else {
        verdict_exit_code(verdict.level)
    };
    Ok((code, document))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
