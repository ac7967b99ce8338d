//! Every flag group the commands share, defined once: verbosity and color, the library
//! path, the binding config, input strictness (here); how providers run ([`backend`]); what a
//! subject's bindings hold ([`subject`]); report format, destination and deadlines, and the
//! watch settle period ([`report`]).

mod backend;
mod report;
mod subject;

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, ValueEnum};
use symphony_harness::input::KeyNote;
use symphony_harness::model::BindingConfig;
use symphony_harness::subject::{parse_config, Reserved};

pub use backend::{parse_duration, HostArg, ProviderArgs};
pub use report::{Deadlines, ReportArgs, RunFormat, WatchSettle};
pub use subject::{SubjectArgs, SymphonyArg};

/// Flags every command takes.
#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// More log output on stderr: -v info, -vv debug, -vvv trace (or set RUST_LOG)
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = "Global options")]
    verbose: u8,

    /// When to color output
    #[arg(
        long,
        value_enum,
        default_value_t = ColorWhen::Auto,
        global = true,
        env = "SYMPHONY_HARNESS_COLOR",
        hide_env_values = true,
        help_heading = "Global options"
    )]
    color: ColorWhen,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorWhen {
    /// Color when writing to a terminal (and NO_COLOR is unset)
    Auto,
    Always,
    Never,
}

impl GlobalArgs {
    /// Sets up colors and logging.
    pub fn apply(&self) {
        let choice = match self.color {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();

        let default_level = match self.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        };
        let filter = match std::env::var("RUST_LOG") {
            Ok(text) if self.verbose == 0 && !text.is_empty() => text,
            _ => default_level.to_string(),
        };
        // The choice every other line on stderr gets: `--color`, else `NO_COLOR`,
        // `CLICOLOR_FORCE`, `CLICOLOR`, `TERM` and whether stderr is a terminal.
        let ansi = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_target(false)
            .try_init();
    }
}

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Text for people
    #[default]
    Human,
    /// One JSON document on stdout, for machines
    Json,
}

/// The library argument: the given path, or the bundled simulated provider (next to this
/// executable, else the copy embedded in it; see [`symphony_harness::sim::find`]).
pub fn library_path(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    Ok(symphony_harness::sim::find(given)?.path)
}

/// `--strict`: input Symphony would read differently from how it is written is an error.
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct StrictArgs {
    /// Fail (exit 1) when an input file has a key Symphony ignores, or reads only because Go
    /// matches keys ignoring case; without it these are warnings
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
}

impl StrictArgs {
    /// Warns about each note; under `--strict`, any note is an error.
    pub fn check(&self, notes: &[KeyNote]) -> anyhow::Result<()> {
        for note in notes {
            super::output::warning(&note.to_string());
        }
        if self.strict && !notes.is_empty() {
            bail!(
                "{} key(s) in the input are read differently from how they are written, or not \
                 at all (`--strict`)\nhint: fix the keys the warnings name",
                notes.len()
            );
        }
        Ok(())
    }
}

/// `--config` values: repeatable `key=value`, or `@file.json` holding a flat object of strings.
#[derive(Args, Debug, Default)]
pub struct ConfigArgs {
    /// Extra binding config key passed to `create_provider`: `key=value`, or `@file.json` with
    /// a flat JSON object of strings (repeatable; later values win)
    #[arg(
        long = "config",
        value_name = "KEY=VALUE|@FILE",
        help_heading = "Provider"
    )]
    pub entries: Vec<String>,
}

impl ConfigArgs {
    /// Adds the `--config` entries to `config`, refusing the keys other flags set (`libFile`,
    /// `libHash`, `name`).
    pub fn extend(&self, config: &mut BindingConfig) -> anyhow::Result<()> {
        let reserved = [Reserved::LIB_FILE, Reserved::LIB_HASH, Reserved::NAME];
        for (key, value) in parse_config(&self.entries, &reserved)? {
            config.insert(&key, &value);
        }
        Ok(())
    }
}

/// A binding name derived from the library file: `libmy_provider.so` -> `my-provider-lib`.
pub fn default_binding_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "provider".to_string());
    let stem = stem.strip_prefix("lib").unwrap_or(&stem);
    format!("{}-lib", stem.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_entries_are_added_and_reserved_keys_refused() {
        let args = ConfigArgs {
            entries: vec!["a=1".into(), "a=2".into()],
        };
        let mut config = BindingConfig::default();
        args.extend(&mut config).unwrap();
        assert_eq!(config.get("a"), Some("2"));
        for reserved in ["libFile=x", "libHash=abc", "name=n"] {
            let args = ConfigArgs {
                entries: vec![reserved.into()],
            };
            assert!(
                args.extend(&mut BindingConfig::default()).is_err(),
                "{reserved}"
            );
        }
    }

    #[test]
    fn binding_name_from_file_name() {
        assert_eq!(
            default_binding_name(Path::new("/x/libmy_provider.so")),
            "my-provider-lib"
        );
    }
}
