//! `symphony-harness load`: load a library as Symphony does and ask for its validation rule.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use symphony_harness::engine::{rule, Provider};
use symphony_harness::exit_code;
use symphony_harness::inspect::{Inspection, VerdictLevel};
use symphony_harness::load::{ExpectedHash, HashCheck, LibraryFile, LoadOptions};
use symphony_harness::model::BindingConfig;

use super::args::{self, ConfigArgs, Format};
use super::inspect::{print_fingerprint, print_verdict, verdict_exit_code};
use super::output::{self, field, LABEL};

const EXAMPLES: &str = "\
Examples:
  symphony-harness load target/release/libmy_provider.so
  symphony-harness load target/release/libmy_provider.so --hash any --config region=eu
  symphony-harness load target/release/libmy_provider.so --config @binding-config.json";

/// Load a provider library exactly as Symphony does, and print its validation rule
///
/// In Symphony's order: SHA-256 of the file against `--hash` (`any` skips the check, with a
/// warning), then `dlopen` of that same open file, then `create_provider` with the binding
/// config as JSON (sorted keys: `libFile`, `libHash`, `name` and every `--config` key), then
/// `get_validation_rule`. Prints the rule and how Symphony will use it to decide what changed.
///
/// The provider runs inside this process: a panic in it ends the harness.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct LoadArgs {
    /// Provider library (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    lib: Option<PathBuf>,

    /// Expected SHA-256, as in the binding's `libHash`, or `any` to skip the check
    /// [default: the file's own hash, printed]
    #[arg(long, value_name = "SHA256|any", help_heading = "Provider")]
    hash: Option<String>,

    /// Binding `name` [default: derived from the file name]
    #[arg(long, help_heading = "Provider")]
    name: Option<String>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Load even a library the inspector judges incompatible (it may crash the harness)
    #[arg(long, help_heading = "Provider")]
    force: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

pub fn run(args: &LoadArgs) -> anyhow::Result<i32> {
    let path = args::library_path(args.lib.as_deref())?;
    let file = LibraryFile::open(&path)?;
    let expected = match &args.hash {
        Some(text) => ExpectedHash::parse(text),
        None => ExpectedHash::Sha256(file.sha256().to_string()),
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args::default_binding_name(&path));
    let mut config = BindingConfig::new(
        &absolute(&path).display().to_string(),
        expected.as_lib_hash(),
        &name,
    );
    args.config.extend(&mut config)?;

    let sha256 = file.sha256().to_string();
    let file_size = file.bytes().len() as u64;
    let library = file.load(&LoadOptions {
        expected_hash: expected,
        force: args.force,
    })?;
    if library.hash_check() == HashCheck::Skipped {
        output::warning(
            "hash check skipped (`libHash: any`): Symphony logs the same warning; make sure \
             the library is what you expect",
        );
    }
    let verdict = library.verdict().clone();
    let inspection = Inspection {
        size: file_size,
        sha256: sha256.clone(),
        fingerprint: library.fingerprint().clone(),
        host: symphony_harness::inspect::Host::current(),
        verdict: verdict.clone(),
    };
    if verdict.level == VerdictLevel::Incompatible {
        output::warning("loading an incompatible library because of `--force`");
    }
    let mut provider = library.create_provider(&config)?;
    let rule = provider.get_validation_rule();
    let verdict_code = verdict_exit_code(verdict.level);

    if args.format == Format::Json {
        let document = json!({
            "path": path.display().to_string(),
            "sha256": sha256,
            "hashCheck": match library.hash_check() {
                HashCheck::Matched => "matched",
                HashCheck::Skipped => "skipped",
            },
            "inspection": inspection,
            "configJson": config.to_json(),
            "validationRule": rule.as_ref().ok(),
            "symphonyReads": rule.as_ref().ok().map(rule::explain),
            "error": rule.as_ref().err().map(ToString::to_string),
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else {
        field("library", path.display());
        field(
            "sha256",
            match (&args.hash, library.hash_check()) {
                (None, _) => format!("{sha256} (computed; pass --hash to check a pinned libHash)"),
                (Some(_), HashCheck::Matched) => format!("{sha256} (matches --hash)"),
                (Some(_), HashCheck::Skipped) => format!("{sha256} (not checked: any)"),
            },
        );
        print_fingerprint(&inspection);
        field("config", config.to_json());
        println!();
        print_verdict(&verdict);
        println!();
        match &rule {
            Ok(rule) => {
                anstream::println!("{LABEL}validation rule:{LABEL:#}");
                println!("{}", serde_json::to_string_pretty(rule)?);
                println!();
                anstream::println!("{LABEL}what Symphony makes of it:{LABEL:#}");
                for line in rule::explain(rule) {
                    println!("  - {line}");
                }
            }
            Err(err) => output::error(&anyhow::anyhow!(
                "`get_validation_rule` failed: {err}\nhint: Symphony silently uses the zero \
                 rule then: no change detection, no sidecars; return Ok(ValidationRule::default()) \
                 at least"
            )),
        }
    }
    Ok(if rule.is_err() {
        exit_code::CALL_FAILED
    } else {
        verdict_code
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
