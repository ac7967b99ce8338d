//! Reading a library's facts from its ELF bytes.

use memchr::memmem;
use object::{Object, ObjectKind, ObjectSection, ObjectSymbol, ObjectSymbolTable};
use serde::{Deserialize, Serialize};

use super::InspectError;

/// The dynamic exports of the `symphony` crate's host shim. They leak into every provider
/// built against the crate, so `dlsym("get")` never reaches the provider's own code.
const SHIM_EXPORTS: [&str; 5] = [
    "create_provider_instance",
    "destroy_provider_instance",
    "get_validation_rule",
    "get",
    "apply",
];

/// The exported functions of the simulated provider's device channel, in the order the loader
/// looks them up (`sim-provider/src/ffi.rs`).
pub const DEVICE_CHANNEL_FUNCTIONS: [&str; 6] = [
    "sim_device_snapshot",
    "sim_device_write",
    "sim_device_arm",
    "sim_device_clear_faults",
    "sim_string_free",
    "sim_device_components",
];

/// The exported static whose bytes name the device channel's ABI (`sim-provider/src/ffi.rs`).
pub const DEVICE_CHANNEL_MARKER: &str = "SIM_DEVICE_CHANNEL";

/// Which provider ABI a library implements.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Abi {
    /// `symphony` 0.1.4 and later: `extern "C" fn create_provider(config_json)`, no `init`.
    ConfigJson,
    /// `symphony` 0.1.1–0.1.3: exports `init_provider`; the trait starts with `init`.
    Legacy,
    /// No `create_provider` export: not a provider.
    None,
}

impl Abi {
    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            Abi::ConfigJson => "symphony 0.1.4+ (create_provider(config_json))",
            Abi::Legacy => "symphony 0.1.1-0.1.3 (exports init_provider)",
            Abi::None => "none (no create_provider export)",
        }
    }
}

/// Which JSON model names the library's `symphony` crate was built with.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ModelGeneration {
    /// `solutionversionName` / `solutionversion`: crate 0.1.5, Symphony >= 0.49.1.
    SolutionVersion,
    /// `solutionName` / `solution`: crate <= 0.1.4, Symphony <= 0.48.
    Solution,
    /// Neither name found.
    Unknown,
}

impl ModelGeneration {
    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            ModelGeneration::SolutionVersion => "0.1.5 models (solutionversionName)",
            ModelGeneration::Solution => "0.1.4 models (solutionName)",
            ModelGeneration::Unknown => "unknown",
        }
    }
}

/// The `symphony` crate the library was built against.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SymphonyCrate {
    /// Versions named by embedded registry paths (`…/symphony-0.1.5/src/lib.rs`); empty for a
    /// path dependency or a build with remapped paths.
    pub versions: Vec<String>,
    /// The model generation, from the serde field names compiled in.
    pub models: ModelGeneration,
}

impl SymphonyCrate {
    /// The best single description: the registry version if there is exactly one, else the
    /// model generation.
    pub fn describe(&self) -> String {
        match self.versions.as_slice() {
            [one] => format!("{one}; {}", self.models.describe()),
            [] => self.models.describe().to_string(),
            many => format!("several: {}; {}", many.join(", "), self.models.describe()),
        }
    }
}

/// Which global allocator the library uses. Memory crosses the boundary in both directions, so
/// host and provider must both use the system `malloc`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Allocator {
    /// Rust's default allocator (`__rdl_alloc`): the system `malloc`.
    Default,
    /// A `#[global_allocator]` (`__rg_alloc`).
    Custom,
    /// The symbol table is stripped (or holds no Rust allocator): cannot be told.
    Unknown,
}

/// Everything `inspect` reads from a library, without running any of its code.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Machine architecture, e.g. `x86_64`.
    pub architecture: String,
    /// True for a shared object (`ET_DYN`), the only kind `dlopen` loads.
    pub shared_object: bool,
    /// rustc versions named in `.comment` (`1.95.0 (59807616e 2026-04-14)`), usually one.
    pub rustc: Vec<String>,
    /// The `symphony` crate it was built against.
    pub symphony: SymphonyCrate,
    /// The provider ABI.
    pub abi: Abi,
    /// Whether `create_provider` is a dynamic export.
    pub create_provider: bool,
    /// Which of the `symphony` host shim's functions are exported too.
    pub shim_exports: Vec<String>,
    /// The global allocator.
    pub allocator: Allocator,
    /// True when the full symbol table (`.symtab`) is absent.
    pub stripped: bool,
    /// Which of the simulated provider's device channel functions
    /// ([`DEVICE_CHANNEL_FUNCTIONS`]) are exported; empty for any other library.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_exports: Vec<String>,
    /// The device channel's ABI as the library's exported `SIM_DEVICE_CHANNEL` marker states
    /// it (`symphony-sim-device-channel/3`), read from the bytes; `None` without the marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_channel: Option<String>,
}

impl Fingerprint {
    /// Reads a library's fingerprint from its bytes. Fails only when the bytes are not ELF.
    pub fn from_bytes(bytes: &[u8]) -> Result<Fingerprint, InspectError> {
        let file = object::File::parse(bytes).map_err(|err| InspectError::NotElf {
            reason: err.to_string(),
        })?;
        if file.format() != object::BinaryFormat::Elf {
            return Err(InspectError::NotElf {
                reason: format!("it is a {:?} object", file.format()),
            });
        }

        let exports: Vec<String> = file
            .exports()
            .map(|list| {
                list.filter_map(Result::ok)
                    .filter_map(|export| match export.name() {
                        object::read::NameOrOrdinal::Name(name) => {
                            Some(String::from_utf8_lossy(name).into_owned())
                        }
                        object::read::NameOrOrdinal::Ordinal(_) => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let exported = |name: &str| exports.iter().any(|export| export == name);
        let create_provider = exported("create_provider");
        let abi = if exported("init_provider") {
            Abi::Legacy
        } else if create_provider {
            Abi::ConfigJson
        } else {
            Abi::None
        };

        let symtab_names: Option<Vec<String>> = file.symbol_table().map(|table| {
            table
                .symbols()
                .filter_map(|symbol| symbol.name().ok().map(str::to_string))
                .collect()
        });

        Ok(Fingerprint {
            architecture: format!("{:?}", file.architecture()).to_lowercase(),
            shared_object: file.kind() == ObjectKind::Dynamic,
            rustc: rustc_versions(&file),
            symphony: symphony_crate(bytes),
            abi,
            create_provider,
            shim_exports: SHIM_EXPORTS
                .iter()
                .filter(|name| exported(name))
                .map(|name| name.to_string())
                .collect(),
            allocator: allocator(symtab_names.as_deref()),
            stripped: symtab_names.is_none(),
            channel_exports: DEVICE_CHANNEL_FUNCTIONS
                .iter()
                .filter(|name| exported(name))
                .map(|name| name.to_string())
                .collect(),
            device_channel: exported_text(&file, DEVICE_CHANNEL_MARKER),
        })
    }
}

/// The text held by the exported data symbol `name` (up to its first NUL), read from the
/// section that holds it; `None` if there is no such export or its bytes are not UTF-8 text.
fn exported_text(file: &object::File<'_>, name: &str) -> Option<String> {
    let symbol = file
        .dynamic_symbols()
        .find(|symbol| symbol.is_definition() && symbol.name() == Ok(name))?;
    let section = file.section_by_index(symbol.section_index()?).ok()?;
    let bytes = section
        .data_range(symbol.address(), symbol.size())
        .ok()
        .flatten()?;
    let text = bytes.split(|&byte| byte == 0).next().unwrap_or_default();
    std::str::from_utf8(text).ok().map(str::to_string)
}

/// The rustc versions in `.comment`: NUL-separated strings such as
/// `rustc version 1.95.0 (59807616e 2026-04-14)`. The section survives `strip`.
fn rustc_versions(file: &object::File<'_>) -> Vec<String> {
    let Some(data) = file
        .section_by_name(".comment")
        .and_then(|section| section.data().ok())
    else {
        return Vec::new();
    };
    let mut versions: Vec<String> = data
        .split(|&byte| byte == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .filter_map(|entry| entry.trim().strip_prefix("rustc version "))
        .map(str::to_string)
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

/// Finds `/symphony-<version>/` registry paths and the model field names.
fn symphony_crate(bytes: &[u8]) -> SymphonyCrate {
    let mut versions: Vec<String> = memmem::find_iter(bytes, b"/symphony-")
        .filter_map(|start| {
            let rest = &bytes[start + b"/symphony-".len()..];
            let len = rest
                .iter()
                .take(32)
                .position(|&byte| !(byte.is_ascii_digit() || byte == b'.'))?;
            let (version, after) = rest.split_at(len);
            let looks_like_semver =
                version.first().is_some_and(u8::is_ascii_digit) && version.contains(&b'.');
            (looks_like_semver && after.first() == Some(&b'/'))
                .then(|| String::from_utf8_lossy(version).into_owned())
        })
        .collect();
    versions.sort();
    versions.dedup();

    // `solutionversionName` does not contain `solutionName`, so the two tests are independent.
    let models = if memmem::find(bytes, b"solutionversionName").is_some() {
        ModelGeneration::SolutionVersion
    } else if memmem::find(bytes, b"solutionName").is_some() {
        ModelGeneration::Solution
    } else {
        ModelGeneration::Unknown
    };
    SymphonyCrate { versions, models }
}

/// Tells the allocator from the full symbol table. Mangled names in new rustc look like
/// `_RNvCs…_7___rustc11___rdl_alloc`, so match by substring. The default allocator's shim is
/// `__rdl_alloc`; a `#[global_allocator]` replaces it (named `__rg_alloc` by older rustc, with
/// no name of its own behind `__rust_alloc` by newer ones).
fn allocator(symtab: Option<&[String]>) -> Allocator {
    let Some(names) = symtab else {
        return Allocator::Unknown;
    };
    let has = |needle: &str| names.iter().any(|name| name.contains(needle));
    if has("__rg_alloc") {
        Allocator::Custom
    } else if has("__rdl_alloc") {
        Allocator::Default
    } else if has("__rust_alloc") {
        Allocator::Custom
    } else {
        Allocator::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_each_abi_and_model_generation() {
        assert_eq!(
            [Abi::ConfigJson, Abi::Legacy, Abi::None].map(Abi::describe),
            [
                "symphony 0.1.4+ (create_provider(config_json))",
                "symphony 0.1.1-0.1.3 (exports init_provider)",
                "none (no create_provider export)",
            ]
        );
        let models = [
            ModelGeneration::SolutionVersion,
            ModelGeneration::Solution,
            ModelGeneration::Unknown,
        ]
        .map(ModelGeneration::describe);
        assert!(models[0].contains("solutionversionName"), "{models:?}");
        assert!(models[1].contains("solutionName"), "{models:?}");
        assert_eq!(models[2], "unknown");
    }

    #[test]
    fn symphony_crate_description_prefers_a_single_registry_version() {
        let crate_with = |versions: &[&str]| SymphonyCrate {
            versions: versions.iter().map(|v| v.to_string()).collect(),
            models: ModelGeneration::Unknown,
        };
        assert_eq!(crate_with(&["0.1.5"]).describe(), "0.1.5; unknown");
        assert_eq!(crate_with(&[]).describe(), "unknown");
        assert_eq!(
            crate_with(&["0.1.4", "0.1.5"]).describe(),
            "several: 0.1.4, 0.1.5; unknown"
        );
    }

    #[test]
    fn text_is_not_elf() {
        let err = Fingerprint::from_bytes(b"#!/bin/sh\necho hi\n").unwrap_err();
        assert!(matches!(err, InspectError::NotElf { .. }));
    }

    #[test]
    fn registry_path_versions_are_found_and_deduplicated() {
        let bytes = b"x/root/.cargo/registry/src/i/symphony-0.1.5/src/lib.rs\0\
                      y/symphony-0.1.5/src/models.rs\0solutionversionName";
        let found = symphony_crate(bytes);
        assert_eq!(found.versions, vec!["0.1.5".to_string()]);
        assert_eq!(found.models, ModelGeneration::SolutionVersion);
    }

    #[test]
    fn crate_names_that_merely_start_with_symphony_are_not_versions() {
        let found = symphony_crate(b"/symphony-sim-provider/src/lib.rs /symphony-1/x solutionName");
        assert!(found.versions.is_empty());
        assert_eq!(found.models, ModelGeneration::Solution);
    }

    #[test]
    fn allocator_from_symbols() {
        let default = vec!["_RNvCs1_7___rustc12___rdl_alloc".to_string()];
        let custom_old = vec!["__rg_alloc".to_string(), "__rdl_alloc".to_string()];
        let custom_new = vec!["_RNvCs1_7___rustc12___rust_alloc".to_string()];
        assert_eq!(allocator(Some(&default)), Allocator::Default);
        assert_eq!(allocator(Some(&custom_old)), Allocator::Custom);
        assert_eq!(allocator(Some(&custom_new)), Allocator::Custom);
        assert_eq!(allocator(None), Allocator::Unknown);
        assert_eq!(allocator(Some(&[])), Allocator::Unknown);
    }
}
