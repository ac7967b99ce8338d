//! The `symphony-harness` command. All the work is in the library; `cli` turns flags into
//! library calls and results into output and exit codes.

mod cli;

fn main() {
    exit_quietly_on_broken_pipe();
    std::process::exit(cli::run());
}

/// `symphony-harness plan … | head` closes stdout early; Rust ignores SIGPIPE, so the next
/// `println!` panics. Like ripgrep, treat that as success: the reader has what it wanted.
fn exit_quietly_on_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if payload.contains("failed printing to stdout") && payload.contains("Broken pipe") {
            std::process::exit(symphony_harness::exit_code::SUCCESS);
        }
        default_hook(info);
    }));
}
