//! The binding config: what a Target's binding says, and what `create_provider` receives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The binding `provider` that names a Rust provider library (Symphony's
/// `providers/target/rust`), the only kind the harness drives.
pub const RUST_PROVIDER: &str = "providers.target.rust";

/// A binding's `config`: a flat map of strings. Symphony passes all of it, marshalled by Go
/// (sorted keys, compact), to the provider's `create_provider` (since Symphony #812).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[serde(transparent)]
pub struct BindingConfig(BTreeMap<String, String>);

impl BindingConfig {
    /// The three keys every Rust binding has.
    pub fn new(lib_file: &str, lib_hash: &str, name: &str) -> BindingConfig {
        let mut config = BindingConfig::default();
        config.insert("libFile", lib_file);
        config.insert("libHash", lib_hash);
        config.insert("name", name);
        config
    }

    /// Sets one key, replacing any earlier value.
    pub fn insert(&mut self, key: &str, value: &str) {
        self.0.insert(key.to_string(), value.to_string());
    }

    /// Sets one key unless it has a value already (the user's own keys win over defaults).
    /// Returns whether it was set.
    pub fn insert_default(&mut self, key: &str, value: &str) -> bool {
        if self.0.contains_key(key) {
            return false;
        }
        self.insert(key, value);
        true
    }

    /// One key's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// True when the config has no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All keys and values, in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The exact `config_json` Symphony passes to `create_provider`.
    pub fn to_json(&self) -> String {
        // A map of strings always serialises.
        super::go_json::to_string(&self.0).unwrap_or_else(|_| String::from("{}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_json_has_sorted_keys_and_keeps_extra_keys() {
        let mut config = BindingConfig::new("/extensions/libx.so", "any", "x-lib");
        config.insert("foo", "bar");
        config.insert("Zed", "1");
        assert_eq!(
            config.to_json(),
            r#"{"Zed":"1","foo":"bar","libFile":"/extensions/libx.so","libHash":"any","name":"x-lib"}"#
        );
    }
}
