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

const EXAMPLES: &str = "\
Examples:
  symphony-harness new my-provider --type my_type
  symphony-harness new my-provider --symphony 0.48 --path providers/mine
  symphony-harness new my-provider --harness-git https://github.com/OWNER/symphony-harness.git";

/// Create a provider crate that builds, loads in Symphony and passes `check` as it is
///
/// The crate (folder NAME, or `--path`) holds: `Cargo.toml` (a `cdylib`, `symphony` pinned
/// with `=` to the version the chosen Symphony release loads, a release profile for a
/// provider); `src/lib.rs` (`create_provider` taking the binding config, a provider keeping its
/// components on a small file-backed device, with unit tests); `tests/conformance.rs` (the
/// conformance suite in `cargo test`, with symphony-harness as a dev-dependency: 0.49 only);
/// `target.json` (a Target binding the library, `libHash` filled by `binding
/// --update-target`); `.github/workflows/ci.yml`; and a README with the workflow.
///
/// The dev-dependency and CI use the symphony-harness source this binary was built from, if
/// that folder is still there; else give `--harness-git` (or `--harness-path`).
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

    /// The symphony-harness source of the crate's dev-dependency: a checkout (its root or its
    /// `harness/` folder) [default: the source this binary was built from, if still there]
    #[arg(long, value_name = "DIR", help_heading = "symphony-harness source")]
    harness_path: Option<PathBuf>,

    /// The git repository of symphony-harness, for the dev-dependency and CI's `cargo install`
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "harness_path",
        help_heading = "symphony-harness source"
    )]
    harness_git: Option<String>,
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
    let harness = match (&args.harness_git, &args.harness_path) {
        (Some(url), _) => Some(HarnessSource::Git(url.clone())),
        (None, Some(dir)) => Some(HarnessSource::at(dir)?),
        (None, None) => HarnessSource::built_from(),
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
    let dir = args
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
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
    match &new.harness {
        Some(HarnessSource::Path(path)) => text.push_str(&format!(
            "\nnote: the crate uses symphony-harness from `{}`, which CI cannot reach; before \
             pushing, point Cargo.toml's dev-dependency and .github/workflows/ci.yml at its git \
             URL (or run `new` with `--harness-git URL`)\n",
            path.display()
        )),
        None => text.push_str(
            "\nnote: .github/workflows/ci.yml installs symphony-harness from a URL to fill in \
             (or run `new` with `--harness-git URL`)\n",
        ),
        Some(HarnessSource::Git(_)) => {}
    }
    output::stdout(&text)?;
    Ok(exit_code::SUCCESS)
}
