//! Judging a fingerprint against the host that will load the library.

use serde::{Deserialize, Serialize};

use super::{Abi, Allocator, Fingerprint, ModelGeneration};

/// The `symphony` crate version this harness's host code is built with.
pub const HOST_SYMPHONY_VERSION: &str = "0.1.5";

/// The host a library is judged against: this harness, which loads providers exactly as a
/// Symphony built with the same rustc and `symphony` crate would.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct HostToolchain {
    /// `1.95.0 (59807616e 2026-04-14)`: the rustc that compiled this harness.
    pub rustc: String,
    /// The `symphony` crate of the host side.
    pub symphony: String,
    /// The machine architecture, in the fingerprint's spelling.
    pub architecture: String,
}

impl HostToolchain {
    /// This harness: the rustc recorded when it was built, `symphony` 0.1.5, this machine.
    pub fn current() -> HostToolchain {
        HostToolchain {
            rustc: env!("HARNESS_RUSTC_VERSION").to_string(),
            symphony: HOST_SYMPHONY_VERSION.to_string(),
            architecture: std::env::consts::ARCH.to_string(),
        }
    }
}

/// How safe it is to load a library.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictLevel {
    /// Nothing known stands in the way.
    Compatible,
    /// It may work, or may corrupt memory: see the reasons.
    Risky,
    /// Loading it would crash or misbehave.
    Incompatible,
    /// It is not a Symphony provider library.
    NotAProvider,
}

impl VerdictLevel {
    /// The stable short name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictLevel::Compatible => "compatible",
            VerdictLevel::Risky => "risky",
            VerdictLevel::Incompatible => "incompatible",
            VerdictLevel::NotAProvider => "not-a-provider",
        }
    }
}

/// The inspector's conclusion, with every reason that led to it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The overall level: the worst any reason reached.
    pub level: VerdictLevel,
    /// Why it is not compatible, worst first.
    pub reasons: Vec<String>,
    /// Facts worth knowing that do not change the level.
    pub notes: Vec<String>,
}

impl Verdict {
    /// Judges `fingerprint` against `host`.
    pub fn judge(fingerprint: &Fingerprint, host: &HostToolchain) -> Verdict {
        let mut judged = Judged::default();
        judged.shape(fingerprint, host);
        judged.rustc(fingerprint, host);
        judged.symphony(fingerprint, host);
        judged.allocator(fingerprint);
        let Judged {
            mut findings,
            notes,
        } = judged;
        findings.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
        Verdict {
            level: findings
                .first()
                .map_or(VerdictLevel::Compatible, |(level, _)| *level),
            reasons: findings.into_iter().map(|(_, text)| text).collect(),
            notes,
        }
    }
}

/// What judging found so far: reasons with their level, and notes.
#[derive(Default)]
struct Judged {
    findings: Vec<(VerdictLevel, String)>,
    notes: Vec<String>,
}

impl Judged {
    fn find(&mut self, level: VerdictLevel, text: String) {
        self.findings.push((level, text));
    }

    /// A shared object exporting `create_provider`, for the host's architecture and ABI.
    fn shape(&mut self, fingerprint: &Fingerprint, host: &HostToolchain) {
        if !fingerprint.shared_object {
            self.find(
                VerdictLevel::NotAProvider,
                "not a shared object: `dlopen` loads only `.so` files (crate-type `cdylib`)".into(),
            );
        }
        if !fingerprint.create_provider {
            let what = if fingerprint.shim_exports.is_empty() {
                "exports no `create_provider`".to_string()
            } else {
                "exports no `create_provider`, only the `symphony` host shim (this looks like \
                 Symphony's own library, not a provider)"
                    .to_string()
            };
            self.find(VerdictLevel::NotAProvider, what);
        }
        if fingerprint.architecture != host.architecture {
            self.find(
                VerdictLevel::Incompatible,
                format!(
                    "built for `{}`, the host is `{}`",
                    fingerprint.architecture, host.architecture
                ),
            );
        }
        if fingerprint.abi == Abi::Legacy {
            self.find(
                VerdictLevel::Incompatible,
                format!(
                    "old provider ABI of symphony 0.1.1-0.1.3 (exports `init_provider`): a \
                     {} host calls `get_validation_rule` through the `init` slot and crashes \
                     (SIGSEGV); rebuild against symphony {}",
                    host.symphony, host.symphony
                ),
            );
        }
    }

    /// The rustc that built it, against the host's.
    fn rustc(&mut self, fingerprint: &Fingerprint, host: &HostToolchain) {
        match fingerprint.rustc.as_slice() {
            [] => self.find(
                VerdictLevel::Risky,
                "no rustc version in `.comment`: cannot tell which compiler built it".into(),
            ),
            [one] if *one == host.rustc => {}
            [one] => self.find(
                VerdictLevel::Risky,
                format!(
                    "built by rustc {one}, the host by rustc {}: trait objects and structs cross \
                     the boundary without a stable ABI; rebuild with the host's rustc",
                    host.rustc
                ),
            ),
            many => self.find(
                VerdictLevel::Risky,
                format!(
                    "`.comment` names several rustc versions ({}); the host is {}",
                    many.join(", "),
                    host.rustc
                ),
            ),
        }
    }

    /// The `symphony` crate it was built against, and its models.
    fn symphony(&mut self, fingerprint: &Fingerprint, host: &HostToolchain) {
        let symphony = &fingerprint.symphony;
        let known = ["0.1.4", "0.1.5"];
        if symphony.versions.is_empty() && symphony.models == ModelGeneration::Unknown {
            if fingerprint.create_provider {
                self.find(
                    VerdictLevel::Risky,
                    "no sign of the `symphony` crate (no registry path, no model names): the \
                     `ProviderWrapper` it returns may not have the host's layout"
                        .into(),
                );
            }
        } else if let Some(other) = symphony
            .versions
            .iter()
            .find(|version| !known.contains(&version.as_str()))
        {
            if fingerprint.abi != Abi::Legacy {
                self.find(
                    VerdictLevel::Risky,
                    format!(
                        "built against symphony {other}; the host is {} and only 0.1.4 and \
                         0.1.5 are known to match it",
                        host.symphony
                    ),
                );
            }
        }
        if symphony.models == ModelGeneration::Solution && fingerprint.abi == Abi::ConfigJson {
            self.notes.push(
                "built against the 0.1.4 models (`solutionName`): loads with a 0.1.5 host, whose \
                 models have the same layout; the provider reads `solution_name`"
                    .to_string(),
            );
        }
    }

    /// The global allocator.
    fn allocator(&mut self, fingerprint: &Fingerprint) {
        match fingerprint.allocator {
            Allocator::Custom => self.find(
                VerdictLevel::Risky,
                "custom `#[global_allocator]`: memory allocated in the provider is freed by the \
                 host with the system `malloc`, and vice versa"
                    .into(),
            ),
            Allocator::Unknown if fingerprint.stripped => self.notes.push(
                "the symbol table is stripped: the global allocator cannot be told".to_string(),
            ),
            Allocator::Unknown => self
                .notes
                .push("no Rust allocator symbols: the global allocator cannot be told".to_string()),
            Allocator::Default => {}
        }
    }
}

/// Why loading `fingerprint`'s library into the harness's own process could corrupt the
/// harness's memory, one reason each; empty when nothing known stands in the way.
///
/// Two things make memory cross the boundary badly: a custom `#[global_allocator]` (the
/// provider frees with its allocator what the host allocated with `malloc`, and the reverse),
/// and a rustc other than the host's, or none recorded (the layouts of the trait objects and
/// structs that cross are not promised to match). Both are [`VerdictLevel::Risky`] in the
/// verdict; in a supervised worker the damage is contained, in the harness's process it is not.
pub fn in_process_hazards(fingerprint: &Fingerprint, host: &HostToolchain) -> Vec<String> {
    let mut hazards = Vec::new();
    if fingerprint.allocator == Allocator::Custom {
        hazards.push(
            "custom `#[global_allocator]`: memory would be freed across allocators in the \
             harness's own process"
                .to_string(),
        );
    }
    match fingerprint.rustc.as_slice() {
        [one] if *one == host.rustc => {}
        [] => hazards.push(
            "no rustc version in `.comment`: the layouts that cross the boundary cannot be \
             checked"
                .to_string(),
        ),
        many => hazards.push(format!(
            "built by rustc {}, the harness by rustc {}: the layouts that cross the boundary \
             may differ",
            many.join(", "),
            host.rustc
        )),
    }
    hazards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::SymphonyCrate;

    fn host() -> HostToolchain {
        HostToolchain {
            rustc: "1.95.0 (59807616e 2026-04-14)".into(),
            symphony: "0.1.5".into(),
            architecture: "x86_64".into(),
        }
    }

    fn good() -> Fingerprint {
        Fingerprint {
            architecture: "x86_64".into(),
            shared_object: true,
            rustc: vec!["1.95.0 (59807616e 2026-04-14)".into()],
            symphony: SymphonyCrate {
                versions: vec!["0.1.5".into()],
                models: ModelGeneration::SolutionVersion,
            },
            abi: Abi::ConfigJson,
            create_provider: true,
            shim_exports: vec!["get".into()],
            allocator: Allocator::Default,
            stripped: false,
            channel_exports: vec![],
            device_channel: None,
        }
    }

    #[test]
    fn matching_library_is_compatible() {
        let verdict = Verdict::judge(&good(), &host());
        assert_eq!(verdict.level, VerdictLevel::Compatible, "{verdict:?}");
        assert!(verdict.reasons.is_empty());
        assert!(verdict.notes.is_empty(), "{verdict:?}");
    }

    #[test]
    fn level_names_are_stable() {
        let names = [
            VerdictLevel::Compatible,
            VerdictLevel::Risky,
            VerdictLevel::Incompatible,
            VerdictLevel::NotAProvider,
        ]
        .map(VerdictLevel::as_str);
        assert_eq!(
            names,
            ["compatible", "risky", "incompatible", "not-a-provider"]
        );
    }

    #[test]
    fn no_sign_of_the_symphony_crate_is_risky_only_when_both_signs_are_missing() {
        let mut neither = good();
        neither.symphony = SymphonyCrate {
            versions: vec![],
            models: ModelGeneration::Unknown,
        };
        let verdict = Verdict::judge(&neither, &host());
        assert_eq!(verdict.level, VerdictLevel::Risky, "{verdict:?}");
        assert!(verdict.reasons[0].contains("no sign of the `symphony` crate"));

        for (name, symphony) in [
            (
                "a path dependency: model names, no registry path",
                SymphonyCrate {
                    versions: vec![],
                    models: ModelGeneration::SolutionVersion,
                },
            ),
            (
                "a registry path, no model names",
                SymphonyCrate {
                    versions: vec!["0.1.5".into()],
                    models: ModelGeneration::Unknown,
                },
            ),
        ] {
            let mut lib = good();
            lib.symphony = symphony;
            let verdict = Verdict::judge(&lib, &host());
            assert_eq!(
                verdict.level,
                VerdictLevel::Compatible,
                "{name}: {verdict:?}"
            );
        }
    }

    #[test]
    fn the_014_models_note_needs_the_014_models_and_the_config_json_abi() {
        let mut legacy = good();
        legacy.symphony.models = ModelGeneration::Solution;
        legacy.abi = Abi::Legacy;
        let verdict = Verdict::judge(&legacy, &host());
        assert!(
            !verdict
                .notes
                .iter()
                .any(|note| note.contains("0.1.4 models")),
            "{verdict:?}"
        );
    }

    #[test]
    fn unknown_allocator_note_says_why_it_cannot_be_told() {
        let mut unstripped = good();
        unstripped.allocator = Allocator::Unknown;
        let verdict = Verdict::judge(&unstripped, &host());
        assert_eq!(verdict.level, VerdictLevel::Compatible);
        assert_eq!(
            verdict.notes,
            ["no Rust allocator symbols: the global allocator cannot be told"]
        );
    }

    #[test]
    fn other_rustc_is_risky_and_names_both_versions() {
        let mut lib = good();
        lib.rustc = vec!["1.80.0 (051478957 2024-07-21)".into()];
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::Risky);
        assert!(verdict.reasons[0].contains("1.80.0"));
        assert!(verdict.reasons[0].contains("1.95.0"));
    }

    #[test]
    fn same_rustc_version_from_another_build_is_risky_not_compatible() {
        // Same `1.95.0`, another commit and date: a nightly or a distro rebuild. Layouts of
        // trait objects are not promised even then.
        for (name, other) in [
            ("other commit", "1.95.0 (0123456ab 2026-04-14)"),
            ("other date", "1.95.0 (59807616e 2026-04-15)"),
            ("no build info", "1.95.0"),
        ] {
            let mut lib = good();
            lib.rustc = vec![other.into()];
            let verdict = Verdict::judge(&lib, &host());
            assert_eq!(verdict.level, VerdictLevel::Risky, "{name}: {verdict:?}");
            assert!(verdict.reasons[0].contains(other), "{name}: {verdict:?}");
        }
    }

    #[test]
    fn several_rustc_versions_are_risky_even_if_one_is_the_hosts() {
        let mut lib = good();
        lib.rustc = vec![host().rustc, "1.80.0 (051478957 2024-07-21)".into()];
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::Risky, "{verdict:?}");
        assert!(verdict.reasons[0].contains("several"), "{verdict:?}");
    }

    #[test]
    fn no_rustc_in_comment_is_risky() {
        let mut lib = good();
        lib.rustc = vec![];
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::Risky, "{verdict:?}");
        assert!(verdict.reasons[0].contains(".comment"), "{verdict:?}");
    }

    #[test]
    fn legacy_abi_is_incompatible_even_when_rustc_also_differs() {
        let mut lib = good();
        lib.abi = Abi::Legacy;
        lib.rustc = vec![];
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::Incompatible);
        assert!(verdict.reasons[0].contains("init_provider"));
        assert_eq!(verdict.reasons.len(), 2, "{verdict:?}");
    }

    #[test]
    fn missing_create_provider_is_not_a_provider() {
        let mut lib = good();
        lib.create_provider = false;
        lib.abi = Abi::None;
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::NotAProvider);
        assert!(verdict.reasons[0].contains("Symphony's own library"));
    }

    #[test]
    fn custom_allocator_is_risky_stripped_is_only_a_note() {
        let mut custom = good();
        custom.allocator = Allocator::Custom;
        assert_eq!(Verdict::judge(&custom, &host()).level, VerdictLevel::Risky);

        let mut stripped = good();
        stripped.allocator = Allocator::Unknown;
        stripped.stripped = true;
        let verdict = Verdict::judge(&stripped, &host());
        assert_eq!(verdict.level, VerdictLevel::Compatible);
        assert!(verdict.notes[0].contains("stripped"));
    }

    #[test]
    fn in_process_hazards_are_the_allocator_and_the_rustc() {
        assert!(in_process_hazards(&good(), &host()).is_empty());

        let mut custom = good();
        custom.allocator = Allocator::Custom;
        let found = in_process_hazards(&custom, &host());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("global_allocator"), "{found:?}");

        for (name, rustc) in [
            (
                "other build",
                vec!["1.95.0 (0123456ab 2026-04-14)".to_string()],
            ),
            ("none", vec![]),
            (
                "several",
                vec![host().rustc, "1.80.0 (051478957 2024-07-21)".into()],
            ),
        ] {
            let mut lib = good();
            lib.rustc = rustc;
            let found = in_process_hazards(&lib, &host());
            assert_eq!(found.len(), 1, "{name}: {found:?}");
            assert!(found[0].contains("rustc"), "{name}: {found:?}");
        }

        // Risky for other reasons (an unknown `symphony`), or stripped: no in-process hazard.
        let mut other = good();
        other.symphony.versions = vec!["0.2.0".into()];
        other.allocator = Allocator::Unknown;
        other.stripped = true;
        assert_eq!(Verdict::judge(&other, &host()).level, VerdictLevel::Risky);
        assert!(in_process_hazards(&other, &host()).is_empty());
    }

    #[test]
    fn other_architecture_is_incompatible() {
        let mut lib = good();
        lib.architecture = "aarch64".into();
        assert_eq!(
            Verdict::judge(&lib, &host()).level,
            VerdictLevel::Incompatible
        );
    }

    #[test]
    fn symphony_014_models_are_compatible_with_a_note() {
        let mut lib = good();
        lib.symphony = SymphonyCrate {
            versions: vec!["0.1.4".into()],
            models: ModelGeneration::Solution,
        };
        let verdict = Verdict::judge(&lib, &host());
        assert_eq!(verdict.level, VerdictLevel::Compatible);
        assert!(verdict.notes[0].contains("0.1.4 models"));
    }
}
