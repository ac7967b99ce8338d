//! A subject's bindings taken from the user's own Target file (`check --target`): its first
//! Rust binding's config (but `libFile` and `libHash`, which the subject sets), its role as
//! the component type, its first component's properties.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::spec::SubjectSpec;
use crate::input::{read_target, InputError, KeyNote};
use crate::model::{TargetState, RUST_PROVIDER};

/// Why a Target file gives no binding.
#[derive(Debug, thiserror::Error)]
pub enum TargetBindingError {
    /// The file cannot be read as a Target.
    #[error(transparent)]
    Read(#[from] InputError),
    /// It binds no Rust provider.
    #[error("`{}` has no `{RUST_PROVIDER}` binding to take the binding from", path.display())]
    NoRustBinding {
        /// The file.
        path: PathBuf,
    },
}

impl crate::errors::Explain for TargetBindingError {
    fn hint(&self) -> Option<String> {
        match self {
            TargetBindingError::Read(err) => InputError::hint(err),
            TargetBindingError::NoRustBinding { .. } => Some(
                "give a Target that binds your provider, or leave `--target` out to use a \
                 synthesized one"
                    .to_string(),
            ),
        }
    }
}

/// What a Target's binding gives a subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetBinding {
    /// The binding config, without `libFile` and `libHash`.
    pub config: BTreeMap<String, String>,
    /// The binding's role: the component type.
    pub role: String,
    /// The first component's properties (`None`: it has none, or no component).
    pub properties: Option<BTreeMap<String, Value>>,
    /// Keys Symphony would read differently from how they are written.
    pub notes: Vec<KeyNote>,
}

impl TargetBinding {
    /// Reads the Target file at `path`.
    pub fn read(path: &Path) -> Result<TargetBinding, TargetBindingError> {
        let target = read_target(path)?;
        let mut binding =
            TargetBinding::of(&target.value).ok_or_else(|| TargetBindingError::NoRustBinding {
                path: path.to_path_buf(),
            })?;
        binding.notes = target.notes;
        Ok(binding)
    }

    /// The binding of `target`'s first Rust provider, if it has one.
    pub fn of(target: &TargetState) -> Option<TargetBinding> {
        let spec = target.spec.as_ref()?;
        let binding = spec
            .topologies
            .iter()
            .flat_map(|t| &t.bindings)
            .find(|b| b.provider == RUST_PROVIDER)?;
        Some(TargetBinding {
            config: binding
                .config
                .iter()
                .filter(|(key, _)| !matches!(*key, "libFile" | "libHash"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            role: binding.role.clone(),
            properties: spec
                .components
                .first()
                .map(|c| c.properties.clone())
                .filter(|p| !p.is_empty()),
            notes: Vec::new(),
        })
    }

    /// `spec` with this binding under it: what `spec` already says (from flags) wins.
    pub fn under(self, mut spec: SubjectSpec) -> SubjectSpec {
        let mut config = self.config;
        config.append(&mut spec.config);
        spec.config = config;
        spec.component_type = spec.component_type.or(Some(self.role));
        spec.properties = spec.properties.or(self.properties);
        spec
    }
}
