//! `symphony-harness hash`: SHA-256 of libraries, printed exactly like `sha256sum`.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::exit_code;
use symphony_harness::load::sha256_hex;
use symphony_harness::report::hash::sha256sum_line;

use super::{args, output};

const EXAMPLES: &str = "\
Examples:
  symphony-harness hash target/release/libmy_provider.so
  symphony-harness hash target/release/*.so > SHA256SUMS   # checkable with `sha256sum -c`";

/// Print the SHA-256 of provider libraries as `sha256sum` does: the value for `libHash`
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct HashArgs {
    /// Provider libraries (.so) [default: the bundled simulated provider]
    #[arg(value_name = "LIB")]
    libs: Vec<PathBuf>,
}

pub fn run(args: &HashArgs) -> anyhow::Result<i32> {
    let libs = if args.libs.is_empty() {
        vec![args::library_path(None)?]
    } else {
        args.libs.clone()
    };
    let mut code = exit_code::SUCCESS;
    for lib in &libs {
        // Like sha256sum: report an unreadable file and go on with the others.
        match std::fs::File::open(lib).and_then(sha256_hex) {
            Ok(hex) => output::stdout_bytes(&sha256sum_line(&hex, lib))?,
            Err(err) => {
                output::error(
                    &anyhow::Error::new(err).context(format!("cannot hash `{}`", lib.display())),
                );
                code = exit_code::ERROR;
            }
        }
    }
    Ok(code)
}
