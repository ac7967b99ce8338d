//! `symphony-harness binding`: the Target binding for a library, ready to paste.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::engine::binding::binding_role;
use symphony_harness::exit_code;
use symphony_harness::inspect::{Inspection, VerdictLevel};
use symphony_harness::load::{resolve, LibraryFile, LoadError};
use symphony_harness::model::BindingConfig;
use symphony_harness::report::binding::{risky_warning, Binding};

use super::args::{self, ConfigArgs};
use super::output;

const EXAMPLES: &str = "\
Examples:
  symphony-harness binding target/release/libmy_provider.so --role my-role
  symphony-harness binding target/release/libmy_provider.so --role my-role \\
      --lib-file /extensions/libmy_provider.so --name my-lib --config region=eu";

/// Print the Target binding for a provider library, `libHash` filled in, ready to paste
///
/// The output goes into a Target's `spec.topologies[].bindings[]`. Symphony loads the library
/// from `libFile` inside its container (the tutorial mounts providers at `/extensions/`), so
/// copy the library there and keep the hash in step with every rebuild.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct BindingArgs {
    /// Provider library (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    lib: Option<PathBuf>,

    /// Binding role: the component type this provider handles (`instance` for components
    /// without a type)
    #[arg(long, value_parser = parse_role, help_heading = "Binding")]
    role: String,

    /// `libFile`: where Symphony will find the library [default: /extensions/<file name>]
    #[arg(long, value_name = "PATH", help_heading = "Binding")]
    lib_file: Option<String>,

    /// Binding `name` [default: derived from the file name, e.g. `my-provider-lib`]
    #[arg(long, help_heading = "Binding")]
    name: Option<String>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Print the binding even for a library that is incompatible or not a provider
    #[arg(long, help_heading = "Binding")]
    force: bool,
}

/// `--role`: a role Symphony can look up. Symphony maps a step role of `""` or `container` to
/// the binding role `instance` ([`binding_role`]), so a binding with either role is never used.
fn parse_role(text: &str) -> Result<String, String> {
    let role = text.trim();
    if role.is_empty() || binding_role(role) != role {
        return Err(format!(
            "a binding with role `{role}` is never used: Symphony looks up the binding role \
             `{}` for components of type `{role}` (and for components without a type); use \
             `--role {}`",
            binding_role(role),
            binding_role(role)
        ));
    }
    Ok(role.to_string())
}

pub fn run(args: &BindingArgs) -> anyhow::Result<i32> {
    let path = args::library_path(args.lib.as_deref())?;
    let file = LibraryFile::open(&path)?;
    let inspection = Inspection::new(file.bytes(), file.sha256().to_string())?;
    let level = inspection.verdict.level;
    let reasons = inspection.verdict.reasons.clone();
    match level {
        VerdictLevel::NotAProvider if !args.force => {
            return Err(LoadError::NotAProvider { path, reasons }.into())
        }
        VerdictLevel::Incompatible if !args.force => {
            return Err(LoadError::Incompatible { path, reasons }.into())
        }
        _ => {}
    }
    if level == VerdictLevel::Risky {
        output::warning(&risky_warning(&inspection.verdict.reasons));
    }

    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lib_file = args
        .lib_file
        .clone()
        .unwrap_or_else(|| resolve::mounted_lib_file(&file_name));
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args::default_binding_name(&path));
    let mut config = BindingConfig::new(&lib_file, file.sha256(), &name);
    args.config.extend(&mut config)?;
    output::json(&Binding::rust(&args.role, &config))?;
    Ok(exit_code::SUCCESS)
}
