//! The binding config of the simulated provider.
//!
//! Symphony passes the whole binding `config` as a flat JSON object of strings. Keys that do
//! not start with `sim.` belong to Symphony (`libFile`, `libHash`, `name`) or to the user and
//! are left alone; every `sim.*` key must be known and well-formed, so that a typo is an
//! error, not a silently ignored setting.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::bugs::Bug;

/// The validated settings of one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// `sim.device`: which simulated device this provider talks to. Default `default`.
    pub device: String,
    /// `sim.bugs`: comma-separated names of provider bugs to enact (see [`Bug`]).
    pub bugs: BTreeSet<Bug>,
}

/// The keys the simulated provider understands, with their help text.
pub const KEYS: [(&str, &str); 2] = [
    (
        "sim.device",
        "device id; providers with the same id share one device (default `default`)",
    ),
    (
        "sim.bugs",
        "comma-separated provider bugs to enact, e.g. `panic-on-get,empty-error` (default none)",
    ),
];

/// Why a config was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Not a JSON object of strings.
    NotAnObjectOfStrings(String),
    /// A `sim.*` key this provider does not know.
    UnknownKey(String),
    /// A known key with a value it cannot use.
    BadValue {
        /// The key.
        key: String,
        /// The value given.
        value: String,
        /// What was expected.
        expected: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotAnObjectOfStrings(err) => {
                write!(f, "config is not a JSON object of strings: {err}")
            }
            ConfigError::UnknownKey(key) => {
                let known: Vec<&str> = KEYS.iter().map(|(name, _)| *name).collect();
                write!(f, "unknown key `{key}`; known keys: {}", known.join(", "))
            }
            ConfigError::BadValue {
                key,
                value,
                expected,
            } => write!(f, "bad value `{value}` for `{key}`: expected {expected}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl SimConfig {
    /// Parses and validates a binding config.
    pub fn from_json(text: &str) -> Result<SimConfig, ConfigError> {
        let map: BTreeMap<String, String> = serde_json::from_str(text)
            .map_err(|err| ConfigError::NotAnObjectOfStrings(err.to_string()))?;
        let mut config = SimConfig {
            device: "default".to_string(),
            bugs: BTreeSet::new(),
        };
        for (key, value) in &map {
            match key.as_str() {
                "sim.device" => {
                    if value.is_empty() {
                        return Err(ConfigError::BadValue {
                            key: key.clone(),
                            value: value.clone(),
                            expected: "a non-empty device id".into(),
                        });
                    }
                    config.device = value.clone();
                }
                "sim.bugs" => {
                    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        let bug = Bug::from_name(name).ok_or_else(|| ConfigError::BadValue {
                            key: key.clone(),
                            value: name.to_string(),
                            expected: format!("one of: {}", Bug::names().join(", ")),
                        })?;
                        config.bugs.insert(bug);
                    }
                }
                other if other.starts_with("sim.") => {
                    return Err(ConfigError::UnknownKey(other.to_string()))
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symphony_keys_are_accepted_and_device_defaults() {
        let config =
            SimConfig::from_json(r#"{"libFile":"/x.so","libHash":"any","name":"n","foo":"bar"}"#)
                .unwrap();
        assert_eq!(config.device, "default");
    }

    #[test]
    fn unknown_sim_key_is_refused_with_the_known_keys() {
        let err = SimConfig::from_json(r#"{"sim.devise":"a"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown key `sim.devise`; known keys: sim.device, sim.bugs"
        );
    }

    #[test]
    fn bugs_are_parsed_by_name_and_unknown_names_refused() {
        let config = SimConfig::from_json(r#"{"sim.bugs":"panic-on-get, empty-error"}"#).unwrap();
        assert!(config.bugs.contains(&Bug::PanicOnGet));
        assert!(config.bugs.contains(&Bug::EmptyError));
        let err = SimConfig::from_json(r#"{"sim.bugs":"panic-on-gte"}"#).unwrap_err();
        assert!(err.to_string().contains("panic-on-gte"), "{err}");
        assert!(err.to_string().contains("panic-on-get"), "{err}");
    }

    #[test]
    fn non_string_values_are_refused() {
        assert!(matches!(
            SimConfig::from_json(r#"{"sim.device":1}"#),
            Err(ConfigError::NotAnObjectOfStrings(_))
        ));
    }
}
