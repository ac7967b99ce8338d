//! `symphony-harness binding`: the Target binding for a library, ready to paste, or written
//! into a Target file (`--update-target`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use symphony_harness::engine::binding::binding_role;
use symphony_harness::exit_code;
use symphony_harness::input::target_edit::{update_target, TargetEdit};
use symphony_harness::inspect::{Inspection, VerdictLevel};
use symphony_harness::load::{resolve, LibraryFile, LoadError};
use symphony_harness::model::BindingConfig;
use symphony_harness::report::binding::{risky_warning, Binding};

use super::args::{self, ConfigArgs};
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness binding target/release/libmy_provider.so --role my-role
  symphony-harness binding target/release/libmy_provider.so --role my-role \\
      --lib-file /extensions/libmy_provider.so --name my-lib --config region=eu
  symphony-harness binding target/release/libmy_provider.so \\
      --update-target target.json

Reference:\n",
    super::docs_url!("docs/commands/hash-and-binding.md")
);

/// Print the Target binding for a provider library, `libHash` filled in, ready to paste
///
/// The output goes into a Target's `spec.topologies[].bindings[]`. Symphony loads the library
/// from `libFile` inside its container (the tutorial mounts providers at `/extensions/`), so
/// copy the library there and keep the hash in step with every rebuild: `--update-target`
/// writes the hash into your Target file.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct BindingArgs {
    /// Provider library (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    lib: Option<PathBuf>,

    /// Binding role: the component type this provider handles (`instance` for components
    /// without a type). With `--update-target`: update the binding with this role
    #[arg(long, value_parser = parse_role, required_unless_present = "update_target", help_heading = "Binding")]
    role: Option<String>,

    /// `libFile`: where Symphony will find the library, an absolute path inside its container
    /// [default: /extensions/<file name>]
    #[arg(long, value_name = "PATH", value_parser = parse_lib_file, help_heading = "Binding")]
    lib_file: Option<String>,

    /// Binding `name` [default: derived from the file name, e.g. `my-provider-lib`]
    #[arg(long, conflicts_with = "update_target", help_heading = "Binding")]
    name: Option<String>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Print the binding even for a library that is incompatible or not a provider
    #[arg(long, help_heading = "Binding")]
    force: bool,

    /// Write `libHash` (and `--lib-file`, if given) into this Target file's
    /// `providers.target.rust` binding that loads a file of LIB's name (or has `--role`),
    /// keeping every other byte of the file
    #[arg(
        long,
        value_name = "TARGET.json",
        conflicts_with = "entries",
        help_heading = "Target file"
    )]
    update_target: Option<PathBuf>,
}

/// `--lib-file`: an absolute path. Symphony's host (`symphony` crate, `create_provider_instance`)
/// takes `libFile` as one: it hashes the path from symphony-api's working directory, but
/// `dlopen` looks a name without `/` up in the library search path, so a relative `libFile`
/// loads another file than the one hashed, or none.
fn parse_lib_file(text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        return Ok(text.to_string());
    }
    let name = std::path::Path::new(text)
        .file_name()
        .map_or_else(|| "libmy_provider.so".into(), |n| n.to_string_lossy());
    Err(format!(
        "`{text}` is not an absolute path: Symphony hashes a relative `libFile` from \
         symphony-api's working directory, but `dlopen` looks it up in the library search \
         path, so it loads another file or none; give the path inside Symphony's container, \
         e.g. `--lib-file /extensions/{name}`"
    ))
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
    if let Some(target) = &args.update_target {
        let edit = TargetEdit {
            file_name: &file_name,
            role: args.role.as_deref(),
            lib_hash: file.sha256(),
            lib_file: args.lib_file.as_deref(),
            default_lib_file: &lib_file,
        };
        return write_target(target, &edit);
    }
    let Some(role) = args.role.as_deref() else {
        // Clap requires `--role` without `--update-target`.
        anyhow::bail!("`--role` is required (or `--update-target`)");
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args::default_binding_name(&path));
    let mut config = BindingConfig::new(&lib_file, file.sha256(), &name);
    args.config.extend(&mut config)?;
    output::json(&Binding::rust(role, &config))?;
    Ok(exit_code::SUCCESS)
}

/// `--update-target`: rewrites the Target file `path` with `edit`, atomically (a temporary
/// file in the same folder, renamed over it), and says what changed.
fn write_target(path: &Path, edit: &TargetEdit<'_>) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the Target file `{}`", path.display()))?;
    let updated = update_target(&text, edit)
        .with_context(|| format!("cannot update the Target file `{}`", path.display()))?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot write a file in `{}`", folder.display()))?;
    file.write_all(updated.text.as_bytes())
        .with_context(|| format!("cannot write `{}`", file.path().display()))?;
    if let Ok(metadata) = std::fs::metadata(path) {
        // Keep the file's permissions; a failure leaves the temporary file's.
        let _ = file.as_file().set_permissions(metadata.permissions());
    }
    file.persist(path)
        .with_context(|| format!("cannot replace `{}`", path.display()))?;
    let mut lines = String::new();
    for binding in &updated.bindings {
        let was = match &binding.old_hash {
            Some(old) if old == edit.lib_hash => "unchanged".to_string(),
            Some(old) => format!("was `{old}`"),
            None => "was missing".to_string(),
        };
        lines.push_str(&format!(
            "updated `{}`: binding `{}`: libHash `{}` ({was}), libFile `{}`\n",
            path.display(),
            binding.role,
            edit.lib_hash,
            binding.lib_file
        ));
    }
    output::stdout(&lines)?;
    Ok(exit_code::SUCCESS)
}
