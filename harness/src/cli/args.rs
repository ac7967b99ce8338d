//! Arguments shared by several commands: verbosity and color, the library path, the binding
//! config and the output format.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, ValueEnum};
use symphony_harness::input::KeyNote;
use symphony_harness::model::BindingConfig;

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

/// Keys that other flags own.
const RESERVED: [(&str, &str); 3] = [
    ("libFile", "LIB (or `--lib-file` for `binding`)"),
    ("libHash", "`--hash`"),
    ("name", "`--name`"),
];

impl ConfigArgs {
    /// Adds the `--config` entries to `config`, refusing keys that other flags set.
    pub fn extend(&self, config: &mut BindingConfig) -> anyhow::Result<()> {
        for entry in &self.entries {
            for (key, value) in parse_entry(entry)? {
                if let Some((_, flag)) = RESERVED.iter().find(|(name, _)| *name == key) {
                    bail!("`--config {key}=…` is not allowed\nhint: set `{key}` with {flag}");
                }
                config.insert(&key, &value);
            }
        }
        Ok(())
    }
}

fn parse_entry(entry: &str) -> anyhow::Result<Vec<(String, String)>> {
    if let Some(file) = entry.strip_prefix('@') {
        let value: serde_json::Value =
            symphony_harness::input::read_json(Path::new(file), "config file")?;
        let Some(object) = value.as_object() else {
            bail!("config file `{file}` must hold a JSON object of strings, like {{\"key\": \"value\"}}");
        };
        return object
            .iter()
            .map(|(key, value)| match value {
                serde_json::Value::String(text) => Ok((key.clone(), text.clone())),
                other => bail!(
                    "config file `{file}`: `{key}` is {other}, but binding config values are \
                     strings (Go's map[string]string)\nhint: quote it: \"{key}\": \"{}\"",
                    other.to_string().trim_matches('"')
                ),
            })
            .collect();
    }
    match entry.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok(vec![(key.to_string(), value.to_string())]),
        _ => bail!("`--config {entry}` is not `key=value` or `@file.json`"),
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
    fn key_value_entries_are_added_and_later_wins() {
        let args = ConfigArgs {
            entries: vec!["a=1".into(), "b=x=y".into(), "a=2".into()],
        };
        let mut config = BindingConfig::default();
        args.extend(&mut config).unwrap();
        assert_eq!(config.get("a"), Some("2"));
        assert_eq!(config.get("b"), Some("x=y"));
    }

    #[test]
    fn reserved_keys_are_refused_with_the_flag_to_use() {
        let args = ConfigArgs {
            entries: vec!["libHash=abc".into()],
        };
        let err = args.extend(&mut BindingConfig::default()).unwrap_err();
        assert!(err.to_string().contains("`--hash`"), "{err}");
    }

    #[test]
    fn config_file_with_a_number_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, r#"{"port": 8080}"#).unwrap();
        let args = ConfigArgs {
            entries: vec![format!("@{}", file.display())],
        };
        let err = args.extend(&mut BindingConfig::default()).unwrap_err();
        assert!(err.to_string().contains("strings"), "{err}");
    }

    #[test]
    fn entry_without_equals_is_refused() {
        assert!(parse_entry("novalue").is_err());
        assert!(parse_entry("=v").is_err());
    }

    #[test]
    fn binding_name_from_file_name() {
        assert_eq!(
            default_binding_name(Path::new("/x/libmy_provider.so")),
            "my-provider-lib"
        );
    }
}
