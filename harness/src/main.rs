//! The `symphony-harness` command. All the work is in the library; `cli` turns flags into
//! library calls and results into output and exit codes.
//!
//! Output never panics: a closed stdout (`symphony-harness reconcile … | head -1`) ends the
//! output quietly and the command still exits with its verdict's code (`cli::output`).

mod cli;

fn main() {
    cli::exit(cli::run());
}
