//! `symphony-harness hash`: SHA-256 of libraries, printed exactly like `sha256sum`.

use std::path::PathBuf;

use clap::Args;
use symphony_harness::exit_code;
use symphony_harness::load::{open_regular, sha256_hex};
use symphony_harness::report::hash::sha256sum_line;

use super::{args, output};

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness hash target/release/libmy_provider.so
  # checkable with `sha256sum -c`
  symphony-harness hash target/release/*.so > SHA256SUMS
  # standard input, named `-`
  symphony-harness hash - < libmy_provider.so

Reference:\n",
    super::docs_url!("docs/commands/hash-and-binding.md")
);

/// Print the SHA-256 of provider libraries as `sha256sum` does: the value for `libHash`
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct HashArgs {
    /// Provider libraries (.so); `-` reads standard input [default: the bundled simulated
    /// provider]. Anything but a regular file (a FIFO, a device, a directory) is refused
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
        // `-` is standard input, asked for by name (as `sha256sum -`); a FIFO or device given
        // as a path is refused, never read until it ends.
        let hashed = if lib.as_os_str() == "-" {
            sha256_hex(std::io::stdin().lock())
        } else {
            open_regular(lib).and_then(sha256_hex)
        };
        match hashed {
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
