//! The `symphony-harness` command. All the work is in the library; `cli` turns flags into
//! library calls and results into output and exit codes.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
