//! `symphony-harness new`: a provider crate that is right from the first build.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::exit_code;
use symphony_harness::model::Symphony;
use symphony_harness::scaffold::{
    check_component_type, check_crate_name, symphony_crate_version, HarnessSource, NewCrate,
};

use super::args::SymphonyArg;
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness new my-provider --type my_type
  symphony-harness new my-provider --symphony 0.48 --path providers/mine
  symphony-harness new my-provider --harness-path ../symphony-harness
  symphony-harness new my-provider \\
      --harness-git https://github.com/OWNER/symphony-harness.git \\
      --rev 0123456789abcdef0123456789abcdef01234567

Reference:\n",
    super::docs_url!("docs/new.md")
);

/// Create a provider crate that builds, loads in Symphony and passes `check` as it is
///
/// The crate (folder NAME, or `--path`) holds: `Cargo.toml` (a `cdylib`, `symphony` pinned
/// with `=` to the version the chosen Symphony release loads, a release profile for a
/// provider); `Cargo.lock` (seeded with the versions this harness is tested with);
/// `src/lib.rs` (`create_provider` taking the binding config, a provider keeping its
/// components on a small file-backed device, with unit tests); `tests/conformance.rs` (the
/// conformance suite in `cargo test`, with symphony-harness as a dev-dependency: 0.49 only);
/// `target.json` (a Target binding the library, `libHash` filled by `binding
/// --update-target`); `.github/workflows/ci.yml`; and a README with the workflow.
///
/// The dev-dependency is this version of symphony-harness from crates.io, pinned with `=`, and
/// CI installs the same; `--harness-path` points it at a checkout for local work, and
/// `--harness-git URL --rev SHA` at a commit of a repository. No file names a path of this
/// machine.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct NewArgs {
    /// The crate's name: its package and folder; the library is `lib<NAME>.so` with `-` as `_`
    #[arg(value_name = "NAME", value_parser = parse_name)]
    name: String,

    /// The component type the provider deploys: its binding's role and its rule's
    /// `requiredType` [default: NAME]
    #[arg(long = "type", value_name = "COMPONENT_TYPE", value_parser = parse_type, help_heading = "Provider")]
    component_type: Option<String>,

    /// The Symphony release to build for: pins `symphony` to `=0.1.4` (0.48) or `=0.1.5` (0.49)
    #[arg(long, value_enum, default_value_t = SymphonyArg::V049, help_heading = "Provider")]
    symphony: SymphonyArg,

    /// The folder to create the crate in; it must not exist or be empty [default: ./NAME]
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    path: Option<PathBuf>,

    /// A checkout of symphony-harness for the dev-dependency, for local work: its root or its
    /// `harness/` folder, written as a path relative to the crate [default: this version from
    /// crates.io]
    #[arg(long, value_name = "DIR", help_heading = "symphony-harness source")]
    harness_path: Option<PathBuf>,

    /// The git repository of symphony-harness, for the dev-dependency and CI's `cargo install`
    /// (with `--rev`)
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "harness_path",
        requires = "rev",
        help_heading = "symphony-harness source"
    )]
    harness_git: Option<String>,

    /// The commit of `--harness-git` to pin, a full SHA (`git rev-parse HEAD`)
    #[arg(
        long,
        value_name = "SHA",
        requires = "harness_git",
        help_heading = "symphony-harness source"
    )]
    rev: Option<String>,
}

fn parse_name(text: &str) -> Result<String, String> {
    check_crate_name(text)
        .map(|()| text.to_string())
        .map_err(|err| err.problem)
}

fn parse_type(text: &str) -> Result<String, String> {
    check_component_type(text)
        .map(|()| text.to_string())
        .map_err(|err| err.problem)
}

pub fn run(args: &NewArgs) -> anyhow::Result<i32> {
    let dir = args
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    let harness = match (&args.harness_git, &args.rev, &args.harness_path) {
        (Some(url), Some(rev), _) => HarnessSource::git(url, rev)?,
        (_, _, Some(harness_dir)) => HarnessSource::path(harness_dir, &dir)?,
        _ => HarnessSource::this_version(),
    };
    let symphony = Symphony::from(args.symphony);
    let new = NewCrate {
        name: args.name.clone(),
        component_type: args
            .component_type
            .clone()
            .unwrap_or_else(|| args.name.clone()),
        symphony,
        harness,
    };
    let written = new.create(&dir)?;

    let mut text = format!(
        "Created provider crate `{}` in `{}`: component type `{}`, for Symphony {symphony} \
         (`symphony = \"={}\"`)\n",
        new.name,
        dir.display(),
        new.component_type,
        symphony_crate_version(symphony)
    );
    for path in &written {
        let shown = path.strip_prefix(&dir).unwrap_or(path);
        text.push_str(&format!("  {}\n", shown.display()));
    }
    text.push_str("\nNext:\n");
    for (command, what) in new.next_steps(&dir) {
        if !what.is_empty() {
            text.push_str(&format!("  # {what}\n"));
        }
        text.push_str(&format!("  {command}\n"));
    }
    if let HarnessSource::Path(path) = &new.harness {
        text.push_str(&format!(
            "\nnote: the dev-dependency is the checkout at `{}` (relative to the crate), which CI \
             does not have; before pushing, make it symphony-harness {} from crates.io (the \
             crate's README says how)\n",
            path.display(),
            env!("CARGO_PKG_VERSION")
        ));
    }
    output::stdout(&text)?;
    Ok(exit_code::SUCCESS)
}
