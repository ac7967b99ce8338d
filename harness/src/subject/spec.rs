//! [`SubjectSpec`]: what to test and how its bindings look, before anything is read.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::load::TypeFactory;
use crate::scenario::format::SymphonyRelease;
use crate::worker::Backend;

/// The provider under test.
#[derive(Debug, Clone)]
pub enum Source {
    /// A provider library (`.so`), loaded as Symphony loads it.
    Library(PathBuf),
    /// The `cdylib` of the crate whose tests run (`CARGO_MANIFEST_DIR`): the test API builds
    /// it and settles the library it built.
    ThisCrate,
    /// A provider type compiled into this process: no library, its providers made by
    /// `factory`; `name` stands for the library in reports and bindings.
    Compiled {
        /// What reports and bindings call it.
        name: PathBuf,
        /// Makes its providers.
        factory: TypeFactory,
    },
}

/// What is tested, and how its bindings look.
#[derive(Debug, Clone)]
pub struct SubjectSpec {
    /// The provider.
    pub source: Source,
    /// The `libHash` bindings give (`None`: the file's own SHA-256, as a pinned binding has;
    /// `any` for a compiled-in type).
    pub hash: Option<String>,
    /// The provider's own binding config keys (see [`super::parse_config`]).
    pub config: BTreeMap<String, String>,
    /// Binding config keys that get a fresh empty folder for every scenario played (a
    /// provider keeping its device in a folder starts each from a clean device).
    pub config_temp_dirs: Vec<String>,
    /// The component type (`None`: the rule's `requiredType`, else
    /// [`super::DEFAULT_COMPONENT_TYPE`]).
    pub component_type: Option<String>,
    /// The properties of synthesized components (`None`: [`super::generated_properties`]).
    pub properties: Option<BTreeMap<String, Value>>,
    /// The Symphony release whose JSON the provider receives.
    pub symphony: SymphonyRelease,
    /// How providers run (worker processes by default; deadlines).
    pub backend: Backend,
}

impl SubjectSpec {
    /// The library at `path`, with every other setting at its default.
    pub fn library(path: impl Into<PathBuf>) -> SubjectSpec {
        SubjectSpec::new(Source::Library(path.into()))
    }

    /// `source`, with every other setting at its default.
    pub fn new(source: Source) -> SubjectSpec {
        SubjectSpec {
            source,
            hash: None,
            config: BTreeMap::new(),
            config_temp_dirs: Vec::new(),
            component_type: None,
            properties: None,
            symphony: SymphonyRelease::default(),
            backend: Backend::default(),
        }
    }
}

/// The component type used when neither `--component-type` nor the rule's `requiredType`
/// names one: the tutorial's.
pub const DEFAULT_COMPONENT_TYPE: &str = "example_type";

/// The generated property set: a string, a number, a bool and a nested value.
pub fn generated_properties() -> BTreeMap<String, Value> {
    [
        ("image", json!("registry.example/app:1.0")),
        ("replicas", json!(2)),
        ("enabled", json!(true)),
        ("env", json!({"MODE": "test"})),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
