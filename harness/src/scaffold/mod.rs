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

pub mod lock;
pub mod names;
pub mod template;

use std::path::{Component, Path, PathBuf};

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

/// Where the generated crate gets symphony-harness: its test's dev-dependency and the version
/// its CI installs. No variant holds a path of the machine that ran `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HarnessSource {
    /// crates.io, exactly this version (`symphony-harness = "=0.1.0"`): any machine resolves
    /// it once the harness is published.
    Registry {
        /// The version, without `=`.
        version: String,
    },
    /// A checkout for local work: the `harness/` folder relative to the generated crate's
    /// folder (`../symphony-harness/harness`).
    Path(PathBuf),
    /// A git repository at one commit.
    Git {
        /// The repository.
        url: String,
        /// The commit, a full SHA.
        rev: String,
    },
}

impl HarnessSource {
    /// The version of the harness that runs `new`, from crates.io: the default.
    pub fn this_version() -> HarnessSource {
        HarnessSource::Registry {
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// The harness crate in folder `dir` (`dir` itself, or `dir/harness`: the repository's
    /// root), as a path relative to `crate_dir`, the folder the crate is made in. Neither needs
    /// to exist as given: both are made absolute (without resolving links) and compared.
    pub fn path(dir: &Path, crate_dir: &Path) -> Result<HarnessSource, ScaffoldError> {
        let harness = [dir.to_path_buf(), dir.join("harness")]
            .into_iter()
            .find(|candidate| is_harness_crate(candidate))
            .ok_or_else(|| ScaffoldError::NotHarness {
                dir: dir.to_path_buf(),
            })?;
        let absolute = |path: &Path| {
            std::path::absolute(path)
                .map(|path| normalized(&path))
                .map_err(|source| ScaffoldError::Io {
                    what: "resolve",
                    path: path.to_path_buf(),
                    source,
                })
        };
        Ok(HarnessSource::Path(relative(
            &absolute(&harness)?,
            &absolute(crate_dir)?,
        )))
    }

    /// A git repository at commit `rev`, which must be a full SHA (40 or 64 hex digits): a
    /// branch or tag moves, and the crate is meant to build the same tomorrow.
    pub fn git(url: &str, rev: &str) -> Result<HarnessSource, ScaffoldError> {
        let full = matches!(rev.len(), 40 | 64) && rev.chars().all(|c| c.is_ascii_hexdigit());
        if !full {
            return Err(ScaffoldError::NotACommit {
                rev: rev.to_string(),
            });
        }
        Ok(HarnessSource::Git {
            url: url.to_string(),
            rev: rev.to_ascii_lowercase(),
        })
    }

    /// The `[dev-dependencies]` line.
    fn dependency(&self) -> String {
        let source = match self {
            HarnessSource::Registry { version } => {
                format!(
                    "version = {}",
                    template::toml_string(&format!("={version}"))
                )
            }
            HarnessSource::Path(path) => {
                format!("path = {}", template::toml_string(&path_with_slashes(path)))
            }
            HarnessSource::Git { url, rev } => format!(
                "git = {}, rev = {}",
                template::toml_string(url),
                template::toml_string(rev)
            ),
        };
        format!("symphony-harness = {{ {source}, features = [\"testing\"] }}")
    }

    /// The command that installs this harness's command line.
    fn install_command(&self) -> String {
        match self {
            HarnessSource::Git { url, rev } => {
                format!("cargo install --locked --git {url} --rev {rev} symphony-harness")
            }
            HarnessSource::Registry { version } => {
                format!("cargo install --locked symphony-harness --version ={version}")
            }
            HarnessSource::Path(_) => HarnessSource::this_version().install_command(),
        }
    }

    /// The CI step that installs the same harness, indented for `ci.yml`.
    fn ci_install(&self) -> String {
        let run = format!("        run: {}", self.install_command());
        match self {
            HarnessSource::Path(_) => format!(
                "        # Cargo.toml's dev-dependency is a local checkout (`new --harness-path`), which \
                 CI does not\n        # have: before pushing, make it `{}` (README.md).\n{run}",
                HarnessSource::this_version().dependency(),
            ),
            _ => run,
        }
    }

    /// What the README says about where the harness comes from.
    fn readme_note(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self {
            HarnessSource::Registry { .. } => format!(
                "`tests/conformance.rs` uses symphony-harness {version} from crates.io, the version \
                 that made this crate, pinned with `=`; CI installs the same version. To use a \
                 checkout instead while you work on the harness, point the dev-dependency at it \
                 (`path = \"../symphony-harness/harness\"`)."
            ),
            HarnessSource::Path(path) => format!(
                "`tests/conformance.rs` uses the symphony-harness checkout at `{}` (relative to \
                 this folder), for local work: CI does not have it. Before pushing, make the \
                 dev-dependency `{}`, the version CI installs.",
                path_with_slashes(path),
                HarnessSource::this_version().dependency()
            ),
            HarnessSource::Git { url, rev } => format!(
                "`tests/conformance.rs` uses symphony-harness from `{url}` at commit `{rev}`; CI \
                 installs the same commit. To move to another commit, change `rev` in both \
                 `Cargo.toml` and `.github/workflows/ci.yml`."
            ),
        }
    }
}

/// `path` with `/` between its parts, as Cargo.toml and docs write paths.
fn path_with_slashes(path: &Path) -> String {
    path.components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` with `.` parts dropped and each `..` taking off the part before it, without looking
/// at the file system (the crate's folder may not exist yet).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to the folder `base`; both absolute and normalized.
fn relative(target: &Path, base: &Path) -> PathBuf {
    let target: Vec<_> = target.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &target[common..] {
        out.push(part);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
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
    /// `--rev` is not a full commit SHA.
    #[error(
        "`--rev {rev}` is not a full commit SHA (40 hex digits): a branch or tag moves, so the \
         crate would not build the same tomorrow\nhint: give the commit, as `git rev-parse \
         HEAD` prints it in a checkout of the harness"
    )]
    NotACommit {
        /// The revision given.
        rev: String,
    },
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

/// The lock file the harness is tested with (`build.rs` copies it; empty if it had none).
const HARNESS_LOCK: &str = include_str!(concat!(env!("OUT_DIR"), "/harness.lock"));

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
    /// Where its dev-dependency on symphony-harness comes from, and the harness its CI
    /// installs. A 0.48 crate has no such dev-dependency (its CI still installs the harness).
    pub harness: HarnessSource,
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
        let harness_dependency = self.harness.dependency();
        let install_harness = self.harness.ci_install();
        let source_note = if self.has_conformance_test() {
            self.harness.readme_note()
        } else {
            "A crate for Symphony 0.48 cannot have symphony-harness as a dev-dependency \
             (Cargo.toml says why): CI checks the built library with the command line."
                .to_string()
        };
        let harness_note = template::wrap(
            &format!(
                "Install the command line as CI does: `{}`. {source_note}",
                self.harness.install_command()
            ),
            96,
        );
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
            ("harness_note", harness_note.as_str()),
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
        let mut files = templates
            .into_iter()
            .filter_map(|t| t.path.map(|path| (path, t)))
            .map(|(path, t)| {
                Ok(GeneratedFile {
                    path,
                    text: template::render(t.name, t.text, &values)?,
                })
            })
            .collect::<Result<Vec<_>, ScaffoldError>>()?;
        if let Some(text) = lock::seed(HARNESS_LOCK) {
            files.push(GeneratedFile {
                path: "Cargo.lock",
                text,
            });
        }
        Ok(files)
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

    fn git() -> HarnessSource {
        HarnessSource::git("https://x/h.git", &"ab".repeat(20)).unwrap()
    }

    fn new_crate(symphony: Symphony, harness: HarnessSource) -> NewCrate {
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
                HarnessSource::this_version(),
                HarnessSource::Path("../symphony-harness/harness".into()),
                git(),
            ] {
                for file in new_crate(symphony, harness).files().unwrap() {
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
            let files = new_crate(symphony, git()).files().unwrap();
            let manifest = file(&files, "Cargo.toml");
            assert!(manifest.lines().any(|l| l == pin), "{manifest}");
        }
    }

    #[test]
    fn only_a_0_49_crate_has_the_harness_as_dev_dependency_and_a_conformance_test() {
        let source = HarnessSource::Path("../my \"harness\"".into());
        let files = new_crate(Symphony::V049, source).files().unwrap();
        assert!(file(&files, "Cargo.toml").contains(
            "symphony-harness = { path = \"../my \\\"harness\\\"\", features = [\"testing\"] }"
        ));
        assert!(file(&files, "tests/conformance.rs").contains("my_provider::Provider"));
        let files = new_crate(Symphony::V048, git()).files().unwrap();
        assert!(!file(&files, "Cargo.toml").contains("symphony-harness ="));
        assert!(files.iter().all(|f| f.path != "tests/conformance.rs"));
        assert!(file(&files, ".github/workflows/ci.yml").contains("--symphony 0.48"));
        let readme = file(&files, "README.md").replace('\n', " ");
        assert!(
            readme.contains("Install the command line as CI does"),
            "{readme}"
        );
    }

    #[test]
    fn the_component_type_is_the_rule_and_the_binding_role() {
        let files = new_crate(Symphony::V049, git()).files().unwrap();
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
    fn by_default_the_dev_dependency_and_ci_are_this_version_from_crates_io() {
        let version = env!("CARGO_PKG_VERSION");
        let files = new_crate(Symphony::V049, HarnessSource::this_version())
            .files()
            .unwrap();
        assert!(file(&files, "Cargo.toml").contains(&format!(
            "symphony-harness = {{ version = \"={version}\", features = [\"testing\"] }}"
        )));
        assert!(file(&files, ".github/workflows/ci.yml").contains(&format!(
            "run: cargo install --locked symphony-harness --version ={version}"
        )));
        assert!(file(&files, "README.md")
            .replace('\n', " ")
            .contains("from crates.io"));
    }

    #[test]
    fn a_git_source_pins_its_commit_in_the_dev_dependency_and_ci() {
        let rev = "ab".repeat(20);
        let files = new_crate(Symphony::V049, git()).files().unwrap();
        assert!(file(&files, "Cargo.toml").contains(&format!(
            "symphony-harness = {{ git = \"https://x/h.git\", rev = \"{rev}\", features = [\"testing\"] }}"
        )));
        assert!(file(&files, ".github/workflows/ci.yml").contains(&format!(
            "run: cargo install --locked --git https://x/h.git --rev {rev} symphony-harness"
        )));
        let readme = file(&files, "README.md").replace('\n', " ");
        assert!(readme.contains(&format!("at commit `{rev}`")), "{readme}");
        assert!(readme.contains(&format!(
            "`cargo install --locked --git https://x/h.git --rev {rev} symphony-harness`"
        )));
    }

    #[test]
    fn a_revision_that_is_not_a_full_sha_is_refused() {
        for rev in ["main", "v0.1.0", "abc1234", &"g".repeat(40)] {
            let err = HarnessSource::git("u", rev).unwrap_err();
            assert!(
                err.to_string().contains("git rev-parse HEAD"),
                "{rev}: {err}"
            );
        }
        assert!(HarnessSource::git("u", &"AB".repeat(20)).is_ok());
    }

    #[test]
    fn a_checkout_is_written_relative_to_the_crate() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let crate_dir = root.join("target/some/where/my-provider");
        let source = HarnessSource::path(root, &crate_dir).unwrap();
        assert_eq!(source, HarnessSource::Path("../../../../harness".into()));
        let files = new_crate(Symphony::V049, source).files().unwrap();
        let ci = file(&files, ".github/workflows/ci.yml");
        assert!(ci.contains("CI does not\n        # have"), "{ci}");
        let err = HarnessSource::path(&root.join("docs"), &crate_dir).unwrap_err();
        assert!(matches!(err, ScaffoldError::NotHarness { .. }), "{err}");
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        for (target, base, expected) in [
            ("/a/b/h", "/a/c", "../b/h"),
            ("/a/h", "/a/h", "."),
            ("/a/h", "/a", "h"),
            ("/h", "/x/y", "../../h"),
        ] {
            assert_eq!(
                relative(Path::new(target), Path::new(base)),
                Path::new(expected),
                "{target} from {base}"
            );
        }
        assert_eq!(normalized(Path::new("/a/./b/../c")), Path::new("/a/c"));
    }

    #[test]
    fn the_lock_is_seeded_and_names_no_path() {
        let files = new_crate(Symphony::V049, HarnessSource::this_version())
            .files()
            .unwrap();
        let lock = file(&files, "Cargo.lock");
        assert!(lock.contains("name = \"serde_json\""), "{lock}");
        assert!(!lock.contains(env!("CARGO_MANIFEST_DIR")));
    }

    #[test]
    fn a_folder_with_files_is_refused_and_an_empty_one_taken() {
        let dir = tempfile::tempdir().unwrap();
        let made = new_crate(Symphony::V049, git());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let written = made.create(&empty).unwrap();
        assert!(written.contains(&empty.join("src/lib.rs")));
        let err = made.create(&empty).unwrap_err();
        assert!(
            err.to_string().contains("already exists and is not empty (it holds `.github`, `.gitignore`, `Cargo.lock`, 5 more)"),
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
