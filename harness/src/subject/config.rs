//! Binding config entries, as every command's `--config` and the test API's `.config` give
//! them: `KEY=VALUE`, or `@FILE.json` holding a flat object of strings (Go's
//! `map[string]string`). Later entries win. Keys another flag owns (`libFile`, `libHash`,
//! `name`) are refused with the flag to use, the same in every command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::input::InputError;

/// A binding config key that a flag of the command sets instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// The key.
    pub key: &'static str,
    /// What sets it: `` `--hash` ``, `LIB`.
    pub flag: &'static str,
}

impl Reserved {
    /// `libFile`, set from the library argument.
    pub const LIB_FILE: Reserved = Reserved {
        key: "libFile",
        flag: "LIB",
    };
    /// `libHash`, set with `--hash`.
    pub const LIB_HASH: Reserved = Reserved {
        key: "libHash",
        flag: "`--hash`",
    };
    /// `name`, set with `--name`.
    pub const NAME: Reserved = Reserved {
        key: "name",
        flag: "`--name`",
    };
}

/// Why a config entry was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither `KEY=VALUE` nor `@FILE`, or an empty key.
    #[error("`--config {entry}` is not `KEY=VALUE` or `@FILE.json`")]
    Malformed {
        /// The entry as given.
        entry: String,
    },
    /// A key that a flag sets.
    #[error("`--config {key}=…` is not allowed: {flag} sets `{owned}`, and Symphony reads keys ignoring case")]
    Reserved {
        /// The key, as given.
        key: String,
        /// The key the flag sets.
        owned: &'static str,
        /// The flag that sets it.
        flag: &'static str,
    },
    /// The file cannot be read as JSON.
    #[error(transparent)]
    File(InputError),
    /// The file holds something other than an object.
    #[error("config file `{}` must hold a JSON object of strings, like {{\"key\": \"value\"}}", path.display())]
    NotAnObject {
        /// The file.
        path: PathBuf,
    },
    /// A value in the file is not a string.
    #[error(
        "config file `{}`: `{key}` is {value}, but binding config values are strings (Go's \
         map[string]string)",
        path.display()
    )]
    NotAString {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// Its value, as JSON.
        value: String,
    },
}

impl ConfigError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::Malformed { .. } => {
                Some("write `--config key=value`, or `--config @config.json`".to_string())
            }
            ConfigError::Reserved { owned, flag, .. } => Some(format!("set `{owned}` with {flag}")),
            ConfigError::NotAString { key, value, .. } => Some(format!(
                "quote it: \"{key}\": \"{}\"",
                value.trim_matches('"')
            )),
            ConfigError::File(_) | ConfigError::NotAnObject { .. } => None,
        }
    }
}

/// The binding config `entries` give, in order (later entries win), refusing the `reserved`
/// keys.
pub fn parse_config(
    entries: &[String],
    reserved: &[Reserved],
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut config = BTreeMap::new();
    for entry in entries {
        for (key, value) in parse_entry(entry)? {
            // Go matches a binding's keys ignoring case: `LibHash` is `libHash` to Symphony.
            if let Some(owned) = reserved.iter().find(|r| r.key.eq_ignore_ascii_case(&key)) {
                return Err(ConfigError::Reserved {
                    key,
                    owned: owned.key,
                    flag: owned.flag,
                });
            }
            config.insert(key, value);
        }
    }
    Ok(config)
}

fn parse_entry(entry: &str) -> Result<Vec<(String, String)>, ConfigError> {
    if let Some(file) = entry.strip_prefix('@') {
        return read_file(Path::new(file));
    }
    match entry.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok(vec![(key.to_string(), value.to_string())])
        }
        _ => Err(ConfigError::Malformed {
            entry: entry.to_string(),
        }),
    }
}

fn read_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let value: Value = crate::input::read_json(path, "config file").map_err(ConfigError::File)?;
    let Some(object) = value.as_object() else {
        return Err(ConfigError::NotAnObject {
            path: path.to_path_buf(),
        });
    };
    object
        .iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.clone(), text.clone())),
            other => Err(ConfigError::NotAString {
                path: path.to_path_buf(),
                key: key.clone(),
                value: other.to_string(),
            }),
        })
        .collect()
}

impl crate::errors::Explain for ConfigError {
    fn exit_code(&self) -> i32 {
        crate::exit_code::USAGE
    }

    fn hint(&self) -> Option<String> {
        ConfigError::hint(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Reserved; 3] = [Reserved::LIB_FILE, Reserved::LIB_HASH, Reserved::NAME];

    fn entries(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn key_value_entries_are_kept_and_a_later_one_wins() {
        let config = parse_config(&entries(&["a=1", "b=x=y", "a=2", "c="]), &ALL).unwrap();
        assert_eq!(config.get("a").map(String::as_str), Some("2"));
        assert_eq!(config.get("b").map(String::as_str), Some("x=y"));
        assert_eq!(config.get("c").map(String::as_str), Some(""));
    }

    #[test]
    fn a_reserved_key_is_refused_naming_the_flag_that_sets_it() {
        let err = parse_config(&entries(&["libHash=abc"]), &ALL).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Reserved {
                    flag: "`--hash`",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(err.hint().as_deref(), Some("set `libHash` with `--hash`"));
        // Go reads keys ignoring case, so another case of a reserved key is that key.
        for key in ["LibHash=abc", "NAME=x", "libfile=/x.so"] {
            let err = parse_config(&entries(&[key]), &ALL).unwrap_err();
            assert!(matches!(err, ConfigError::Reserved { .. }), "{key}: {err}");
        }
        // A key no flag of the command owns is the provider's.
        let config = parse_config(&entries(&["name=x"]), &[Reserved::LIB_HASH]).unwrap();
        assert_eq!(config.get("name").map(String::as_str), Some("x"));
    }

    #[test]
    fn an_entry_without_a_key_or_an_equals_sign_is_refused() {
        for entry in ["novalue", "=x", " =x", ""] {
            let err = parse_config(&entries(&[entry]), &ALL).unwrap_err();
            assert!(
                matches!(err, ConfigError::Malformed { .. }),
                "{entry}: {err}"
            );
        }
    }

    #[test]
    fn a_config_file_must_hold_an_object_of_strings() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        std::fs::write(&good, r#"{"region": "eu", "libFile2": "x"}"#).unwrap();
        let config = parse_config(&[format!("@{}", good.display())], &ALL).unwrap();
        assert_eq!(config.len(), 2);
        let number = dir.path().join("number.json");
        std::fs::write(&number, r#"{"port": 8080}"#).unwrap();
        let err = parse_config(&[format!("@{}", number.display())], &ALL).unwrap_err();
        assert!(matches!(err, ConfigError::NotAString { .. }), "{err}");
        assert_eq!(err.hint().as_deref(), Some("quote it: \"port\": \"8080\""));
        let list = dir.path().join("list.json");
        std::fs::write(&list, "[1]").unwrap();
        let err = parse_config(&[format!("@{}", list.display())], &ALL).unwrap_err();
        assert!(matches!(err, ConfigError::NotAnObject { .. }), "{err}");
        let reserved = dir.path().join("reserved.json");
        std::fs::write(&reserved, r#"{"libFile": "/x.so"}"#).unwrap();
        let err = parse_config(&[format!("@{}", reserved.display())], &ALL).unwrap_err();
        assert!(matches!(err, ConfigError::Reserved { .. }), "{err}");
        let missing = parse_config(&["@/no/such/file.json".to_string()], &ALL).unwrap_err();
        assert!(matches!(missing, ConfigError::File(_)), "{missing}");
    }
}
