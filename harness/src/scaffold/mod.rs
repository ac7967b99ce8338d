//! Scaffolding: the provider crate `symphony-harness new` writes, right from the first build.
//!
//! Owns the crate's templates (files under `harness/templates/new/`, compiled in with
//! `include_str!`), filling them in for a crate name, a component type and a Symphony release
//! ([`template::render`]: `@@key@@` placeholders), the rules for names ([`names`]), and writing
//! the files into a folder that is absent or empty. Does not build or check the crate: `cargo`
//! and `check` do that. The command line turns flags into a [`NewCrate`] and prints what
//! [`NewCrate::create`] wrote and [`NewCrate::next_steps`].
//!
//! The crate pins the `symphony` version the chosen release's host is built from
//! ([`symphony_crate_version`]): docs/new.md says why, and what each file is for.

pub mod names;
pub mod template;

use std::path::{Path, PathBuf};

pub use names::{check_component_type, check_crate_name, InvalidName};
pub use template::TemplateError;

use crate::model::Symphony;

/// The `symphony` crate version the host compiled into a Symphony release is: Symphony
/// 0.48.42 to 0.48.48 build the host from `symphony` 0.1.4, 0.49.1 and later from 0.1.5 (the
/// `version` of `api/pkg/apis/v1alpha1/providers/target/rust/symphony/Cargo.toml` at each
/// release tag).
pub fn symphony_crate_version(release: Symphony) -> &'static str {
    match release {
        Symphony::V048 => "0.1.4",
        Symphony::V049 => "0.1.5",
    }
}

/// Where the generated crate's dev-dependency on symphony-harness comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HarnessSource {
    /// The folder of the `symphony-harness` crate (its `Cargo.toml`), absolute.
    Path(PathBuf),
    /// A git repository holding it.
    Git(String),
}

impl HarnessSource {
    /// The harness source this binary was built from (`CARGO_MANIFEST_DIR` at compile time),
    /// if that folder still holds the crate.
    pub fn built_from() -> Option<HarnessSource> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        is_harness_crate(dir).then(|| HarnessSource::Path(dir.to_path_buf()))
    }

    /// The harness crate in folder `dir`: `dir` itself, or `dir/harness` (the repository's
    /// root), made absolute.
    pub fn at(dir: &Path) -> Result<HarnessSource, ScaffoldError> {
        for candidate in [dir.to_path_buf(), dir.join("harness")] {
            if is_harness_crate(&candidate) {
                let absolute =
                    std::fs::canonicalize(&candidate).map_err(|source| ScaffoldError::Io {
                        what: "resolve",
                        path: candidate.clone(),
                        source,
                    })?;
                return Ok(HarnessSource::Path(absolute));
            }
        }
        Err(ScaffoldError::NotHarness {
            dir: dir.to_path_buf(),
        })
    }

    /// The `[dev-dependencies]` line.
    fn dependency(&self) -> String {
        let source = match self {
            HarnessSource::Path(path) => {
                format!("path = {}", template::toml_string(&path.to_string_lossy()))
            }
            HarnessSource::Git(url) => format!("git = {}", template::toml_string(url)),
        };
        format!("symphony-harness = {{ {source}, features = [\"testing\"] }}")
    }
}

/// Whether `dir` holds the `symphony-harness` crate.
fn is_harness_crate(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim() == "name = \"symphony-harness\"")
    })
}

/// Why `new` wrote nothing (or stopped part-way, for [`ScaffoldError::Io`]).
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The crate name or component type is refused.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// The folder exists and holds files.
    #[error(
        "`{}` already exists and is not empty (it holds {})\nhint: pick another NAME or \
         `--path DIR`; `new` never writes into a folder that holds files",
        dir.display(),
        entries.join(", ")
    )]
    NotEmpty {
        /// The folder.
        dir: PathBuf,
        /// Some of its entries, in backticks.
        entries: Vec<String>,
    },
    /// The path exists and is not a folder.
    #[error("`{}` exists and is not a folder\nhint: pick another NAME or `--path DIR`", dir.display())]
    NotAFolder {
        /// The path.
        dir: PathBuf,
    },
    /// `--harness-path` names no symphony-harness source.
    #[error(
        "`{}` holds no `symphony-harness` crate (neither `{0}/Cargo.toml` nor \
         `{0}/harness/Cargo.toml` is package `symphony-harness`)\nhint: give the harness's \
         repository or its `harness/` folder",
        dir.display()
    )]
    NotHarness {
        /// The folder given.
        dir: PathBuf,
    },
    /// The test's dev-dependency needs a source and there is none.
    #[error(
        "the crate's conformance test needs symphony-harness as a dev-dependency, and this \
         binary's source folder (`{}`) is gone\nhint: give `--harness-git URL` (its \
         repository) or `--harness-path DIR` (a checkout)",
        env!("CARGO_MANIFEST_DIR")
    )]
    NoHarnessSource,
    /// A template is broken (a bug of the harness).
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Reading or writing a file failed.
    #[error("cannot {what} `{}`", path.display())]
    Io {
        /// What was being done (`write`, `create`).
        what: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// One file of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Its path inside the crate, with `/`.
    pub path: &'static str,
    /// Its text.
    pub text: String,
}

/// A template file, with the generated file it becomes.
struct Template {
    /// Its path inside the crate (`None`: a part of another file).
    path: Option<&'static str>,
    /// Its name under `harness/templates/new/`.
    name: &'static str,
    text: &'static str,
}

macro_rules! template {
    ($path:expr, $name:literal) => {
        Template {
            path: $path,
            name: $name,
            text: include_str!(concat!("../../templates/new/", $name)),
        }
    };
}

const CARGO_TOML: Template = template!(Some("Cargo.toml"), "Cargo.toml.tmpl");
const LIB_RS: Template = template!(Some("src/lib.rs"), "lib.rs");
const CONFORMANCE_RS: Template = template!(Some("tests/conformance.rs"), "conformance.rs");
const TARGET_JSON: Template = template!(Some("target.json"), "target.json");
const CI_YML: Template = template!(Some(".github/workflows/ci.yml"), "ci.yml");
const README_MD: Template = template!(Some("README.md"), "README.md");
const GITIGNORE: Template = template!(Some(".gitignore"), "gitignore");
const DEV_DEPENDENCIES_HARNESS: Template = template!(None, "dev-dependencies-harness.toml");
const DEV_DEPENDENCIES_NONE: Template = template!(None, "dev-dependencies-none.toml");

/// The GitHub Actions step that installs the harness when its source is a local folder (or
/// unknown): CI cannot reach it, so the step names a URL to replace and fails until it is.
const INSTALL_FROM_PLACEHOLDER: &str = "        \
    # CI cannot reach the folder symphony-harness came from when this crate was made: put its\n        \
    # git URL here, and in Cargo.toml's dev-dependency (`git = \"URL\"` for `path = \"…\"`).\n        \
    run: cargo install --locked --git https://example.invalid/symphony-harness.git symphony-harness";

/// What `new` makes: a provider crate for one component type and Symphony release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrate {
    /// The package name (checked by [`check_crate_name`]).
    pub name: String,
    /// The component type the provider deploys: its binding role and its rule's
    /// `requiredType` (checked by [`check_component_type`]).
    pub component_type: String,
    /// The Symphony release it is for.
    pub symphony: Symphony,
    /// Where its dev-dependency on symphony-harness comes from. Needed for 0.49; a 0.48 crate
    /// cannot have that dev-dependency (its CI still installs the harness from here).
    pub harness: Option<HarnessSource>,
}

impl NewCrate {
    /// The crate's name in Rust code and in file names: `-` as `_`.
    pub fn crate_ident(&self) -> String {
        self.name.replace('-', "_")
    }

    /// The library `cargo build` makes: `lib<crate_ident>.so`.
    pub fn library(&self) -> String {
        format!("lib{}.so", self.crate_ident())
    }

    /// Whether the crate gets a conformance test with symphony-harness as a dev-dependency:
    /// only for 0.49, since the harness uses `symphony` 0.1.5 and Cargo allows one `symphony`
    /// 0.1.x per build.
    pub fn has_conformance_test(&self) -> bool {
        self.symphony == Symphony::V049
    }

    /// Every file of the crate, rendered, in the order they are written.
    pub fn files(&self) -> Result<Vec<GeneratedFile>, ScaffoldError> {
        check_crate_name(&self.name)?;
        check_component_type(&self.component_type)?;
        let harness_dependency = match (&self.harness, self.has_conformance_test()) {
            (Some(source), _) => source.dependency(),
            (None, true) => return Err(ScaffoldError::NoHarnessSource),
            (None, false) => String::new(),
        };
        let install_harness = match &self.harness {
            Some(HarnessSource::Git(url)) => {
                format!("        run: cargo install --locked --git {url} symphony-harness")
            }
            _ => INSTALL_FROM_PLACEHOLDER.to_string(),
        };
        let crate_ident = self.crate_ident();
        let release = self.symphony.to_string();
        let mut values = vec![
            ("name", self.name.as_str()),
            ("crate", crate_ident.as_str()),
            ("type", self.component_type.as_str()),
            ("release", release.as_str()),
            ("symphony_version", symphony_crate_version(self.symphony)),
            ("harness_dependency", harness_dependency.as_str()),
            ("install_harness", install_harness.as_str()),
        ];
        let (dev_dependencies, test_note, check_release) = if self.has_conformance_test() {
            (
                DEV_DEPENDENCIES_HARNESS,
                " (unit tests, and the conformance suite in-process and on the built library)",
                "",
            )
        } else {
            (
                DEV_DEPENDENCIES_NONE,
                " (unit tests; a 0.48 crate cannot use symphony-harness: step 3 checks it)",
                " --symphony 0.48",
            )
        };
        let dev_dependencies =
            template::render(dev_dependencies.name, dev_dependencies.text, &values)?;
        values.extend([
            ("dev_dependencies", dev_dependencies.as_str()),
            ("test_note", test_note),
            ("check_release", check_release),
        ]);
        let mut templates = vec![CARGO_TOML, LIB_RS];
        if self.has_conformance_test() {
            templates.push(CONFORMANCE_RS);
        }
        templates.extend([TARGET_JSON, CI_YML, README_MD, GITIGNORE]);
        templates
            .into_iter()
            .filter_map(|t| t.path.map(|path| (path, t)))
            .map(|(path, t)| {
                Ok(GeneratedFile {
                    path,
                    text: template::render(t.name, t.text, &values)?,
                })
            })
            .collect()
    }

    /// Writes the crate into `dir`, which must be absent or an empty folder; returns the
    /// files written.
    pub fn create(&self, dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
        let files = self.files()?;
        refuse_unless_empty(dir)?;
        let mut written = Vec::new();
        for file in files {
            let path = dir.join(file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::Io {
                    what: "create",
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&path, file.text).map_err(|source| ScaffoldError::Io {
                what: "write",
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }

    /// The commands that come next, for a crate created in `dir`, each with what it does.
    pub fn next_steps(&self, dir: &Path) -> Vec<(String, &'static str)> {
        let library = format!("target/release/{}", self.library());
        let release = match self.symphony {
            Symphony::V048 => " --symphony 0.48",
            Symphony::V049 => "",
        };
        vec![
            (format!("cd {}", shell_word(&dir.to_string_lossy())), ""),
            (
                "cargo build --release".to_string(),
                "build the library Symphony loads",
            ),
            (
                "cargo test".to_string(),
                if self.has_conformance_test() {
                    "run the unit tests and the conformance suite"
                } else {
                    "run the unit tests"
                },
            ),
            (
                format!(
                    "symphony-harness check {library} --target target.json --config \
                     root=/tmp/{}-device{release}",
                    self.name
                ),
                "check the library as Symphony would load and call it",
            ),
            (
                format!("symphony-harness binding {library} --update-target target.json"),
                "write its SHA-256 into target.json (after every build you deploy)",
            ),
        ]
    }
}

/// `text` as one shell word: as it is when that is safe, else in single quotes.
fn shell_word(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | '+' | ':'));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Refuses `dir` when it exists and is not an empty folder.
fn refuse_unless_empty(dir: &Path) -> Result<(), ScaffoldError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(ScaffoldError::NotAFolder {
                dir: dir.to_path_buf(),
            })
        }
        Err(source) => {
            return Err(ScaffoldError::Io {
                what: "read",
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| format!("`{}`", entry.file_name().to_string_lossy()))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let count = names.len();
    names.truncate(3);
    if count > names.len() {
        names.push(format!("{} more", count - names.len()));
    }
    Err(ScaffoldError::NotEmpty {
        dir: dir.to_path_buf(),
        entries: names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_crate(symphony: Symphony, harness: Option<HarnessSource>) -> NewCrate {
        NewCrate {
            name: "my-provider".to_string(),
            component_type: "my_type".to_string(),
            symphony,
            harness,
        }
    }

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
        &files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .text
    }

    #[test]
    fn every_placeholder_of_every_template_has_a_value() {
        for symphony in [Symphony::V048, Symphony::V049] {
            for harness in [
                None,
                Some(HarnessSource::Path("/src/harness".into())),
                Some(HarnessSource::Git("https://example.com/h.git".into())),
            ] {
                let made = new_crate(symphony, harness.clone());
                if symphony == Symphony::V049 && harness.is_none() {
                    assert!(matches!(made.files(), Err(ScaffoldError::NoHarnessSource)));
                    continue;
                }
                for file in made.files().unwrap() {
                    assert!(!file.text.contains("@@"), "{}:\n{}", file.path, file.text);
                }
            }
        }
    }

    #[test]
    fn symphony_is_pinned_exactly_to_the_releases_host() {
        for (symphony, pin) in [
            (Symphony::V048, "symphony = \"=0.1.4\""),
            (Symphony::V049, "symphony = \"=0.1.5\""),
        ] {
            let files = new_crate(symphony, Some(HarnessSource::Git("u".into())))
                .files()
                .unwrap();
            let manifest = file(&files, "Cargo.toml");
            assert!(manifest.lines().any(|l| l == pin), "{manifest}");
        }
    }

    #[test]
    fn only_a_0_49_crate_has_the_harness_as_dev_dependency_and_a_conformance_test() {
        let source = HarnessSource::Path("/src/my \"harness\"".into());
        let files = new_crate(Symphony::V049, Some(source)).files().unwrap();
        assert!(file(&files, "Cargo.toml").contains(
            "symphony-harness = { path = \"/src/my \\\"harness\\\"\", features = [\"testing\"] }"
        ));
        assert!(file(&files, "tests/conformance.rs").contains("my_provider::Provider"));
        let files = new_crate(Symphony::V048, Some(HarnessSource::Git("u".into())))
            .files()
            .unwrap();
        assert!(!file(&files, "Cargo.toml").contains("symphony-harness ="));
        assert!(files.iter().all(|f| f.path != "tests/conformance.rs"));
        assert!(file(&files, ".github/workflows/ci.yml").contains("--symphony 0.48"));
    }

    #[test]
    fn the_component_type_is_the_rule_and_the_binding_role() {
        let files = new_crate(Symphony::V049, Some(HarnessSource::Git("u".into())))
            .files()
            .unwrap();
        assert!(
            file(&files, "src/lib.rs").contains("pub const COMPONENT_TYPE: &str = \"my_type\";")
        );
        let target: serde_json::Value = serde_json::from_str(file(&files, "target.json")).unwrap();
        let binding = &target["spec"]["topologies"][0]["bindings"][0];
        assert_eq!(binding["role"], "my_type");
        assert_eq!(
            binding["config"]["libFile"],
            "/extensions/libmy_provider.so"
        );
        assert_eq!(target["spec"]["components"][0]["type"], "my_type");
    }

    #[test]
    fn ci_installs_the_harness_from_git_or_names_the_url_to_fill_in() {
        let git = new_crate(
            Symphony::V049,
            Some(HarnessSource::Git("https://x/h.git".into())),
        );
        let ci = file(&git.files().unwrap(), ".github/workflows/ci.yml").to_string();
        assert!(ci.contains("run: cargo install --locked --git https://x/h.git symphony-harness"));
        let path = new_crate(Symphony::V049, Some(HarnessSource::Path("/h".into())));
        let ci = file(&path.files().unwrap(), ".github/workflows/ci.yml").to_string();
        assert!(ci.contains("example.invalid"), "{ci}");
    }

    #[test]
    fn a_folder_with_files_is_refused_and_an_empty_one_taken() {
        let dir = tempfile::tempdir().unwrap();
        let made = new_crate(Symphony::V049, Some(HarnessSource::Git("u".into())));
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let written = made.create(&empty).unwrap();
        assert!(written.contains(&empty.join("src/lib.rs")));
        let err = made.create(&empty).unwrap_err();
        assert!(
            err.to_string().contains("already exists and is not empty (it holds `.github`, `.gitignore`, `Cargo.toml`, 4 more)"),
            "{err}"
        );
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(
            made.create(&file),
            Err(ScaffoldError::NotAFolder { .. })
        ));
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("a/b-c"), "a/b-c");
        assert_eq!(shell_word("my dir"), "'my dir'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
