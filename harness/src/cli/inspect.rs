//! `symphony-harness inspect`: fingerprint a library without running it, and judge it.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::exit_code;
use symphony_harness::inspect::{Inspection, VerdictLevel};
use symphony_harness::load::LibraryFile;
use symphony_harness::report::inspect::write_inspection;
use symphony_harness::report::json::{self, Document, InspectDocument};

use super::args::{self, Format};
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness inspect target/release/libmy_provider.so
  symphony-harness inspect target/release/libmy_provider.so --format json \\
      | jq .verdict

Reference:\n",
    super::docs_url!("docs/commands/inspect.md")
);

/// Tell, without running any of its code, whether Symphony can safely load a provider library
///
/// Reads the ELF: architecture, the rustc that built it (`.comment`), the `symphony` crate
/// version (registry paths, else the model field names), the ABI generation, the exports and
/// the global allocator. Judges them against this harness's host (its own rustc and symphony
/// 0.1.5): compatible, risky or incompatible.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct InspectArgs {
    /// Provider library (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    lib: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

pub fn run(args: &InspectArgs) -> anyhow::Result<i32> {
    let path = args::library_path(args.lib.as_deref())?;
    let file = LibraryFile::open(&path)?;
    let inspected = Inspection::new(file.bytes(), file.sha256().to_string());
    if args.format == Format::Json {
        let shown = path.display().to_string();
        let (document, level) = match &inspected {
            Ok(inspection) => (
                InspectDocument::of(shown, inspection),
                inspection.verdict.level,
            ),
            Err(err) => (
                InspectDocument::not_elf(shown, file.size(), file.sha256(), err.to_string()),
                VerdictLevel::NotAProvider,
            ),
        };
        output::json(&Document::new(json::INSPECT, &document))?;
        return Ok(verdict_exit_code(level));
    }
    let inspection = inspected?;
    match args.format {
        Format::Json => {}
        Format::Human => {
            let mut text = Vec::new();
            write_inspection(&mut text, &path, &inspection)?;
            output::stdout_bytes(&text)?;
        }
    }
    Ok(verdict_exit_code(inspection.verdict.level))
}

/// The exit code of a verdict.
pub fn verdict_exit_code(level: VerdictLevel) -> i32 {
    match level {
        VerdictLevel::Compatible => exit_code::SUCCESS,
        VerdictLevel::Risky => exit_code::RISKY,
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => exit_code::INCOMPATIBLE,
    }
}
