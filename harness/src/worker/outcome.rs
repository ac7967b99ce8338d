//! Turning how a worker process ended into an outcome class.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use crate::engine::CallError;

const SIGBUS: i32 = 7;
const SIGABRT: i32 = 6;
const SIGSEGV: i32 = 11;

/// Classifies a worker that died during a call, from its exit status and what it wrote to
/// stderr during that call.
pub fn classify_death(status: ExitStatus, stderr: &str) -> CallError {
    let panic = panic_message(stderr);
    match (status.signal(), panic) {
        (Some(SIGSEGV | SIGBUS), _) => CallError::Segfault,
        (_, Some(message)) => CallError::Panic { message },
        (Some(SIGABRT), None) => CallError::Abort {
            detail: last_line(stderr),
        },
        (Some(signal), None) => CallError::Signal { signal },
        (None, None) => CallError::Protocol {
            detail: format!(
                "the worker exited with status {} without answering{}",
                status.code().unwrap_or(-1),
                match last_line(stderr) {
                    line if line.is_empty() => String::new(),
                    line => format!(" (stderr: {line})"),
                }
            ),
        },
    }
}

/// The last non-empty line, trimmed.
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Messages of the panics Rust raises *because of* an earlier panic; never the cause.
const CONSEQUENTIAL_PANICS: [&str; 2] = [
    "panic in a function that cannot unwind",
    "panic in a destructor during cleanup",
];

/// Extracts the message of the last panic printed by Rust's default panic hook, skipping the
/// panics Rust raises as a consequence of an earlier one (e.g. a panic crossing Symphony's
/// `extern "C"` host functions): `thread 'x' panicked at src/lib.rs:1:2:\nmessage`
/// (rustc >= 1.73) or `thread 'x' panicked at 'message', src/lib.rs:1:2` (older).
pub fn panic_message(stderr: &str) -> Option<String> {
    let mut found = None;
    for (start, _) in stderr.match_indices("panicked at ") {
        let rest = &stderr[start + "panicked at ".len()..];
        let (message, location) = parse_panic(rest);
        if !CONSEQUENTIAL_PANICS.contains(&message.as_str()) {
            found = Some(if message.is_empty() {
                format!("(no message) (at {location})")
            } else {
                format!("{message} (at {location})")
            });
        }
    }
    found
}

/// Splits the text after `panicked at ` into (message, location).
fn parse_panic(rest: &str) -> (String, String) {
    let (head, tail) = rest.split_once('\n').unwrap_or((rest, ""));
    if let Some(quoted) = head.strip_prefix('\'') {
        if let Some((message, location)) = quoted.rsplit_once("', ") {
            return (message.to_string(), location.trim().to_string());
        }
    }
    let location = head.trim_end_matches(':').to_string();
    let message: Vec<&str> = tail
        .lines()
        .take_while(|line| {
            !line.starts_with("note: ")
                && !line.starts_with("stack backtrace:")
                && !line.starts_with("thread '")
                && !line.starts_with("fatal runtime error")
        })
        .collect();
    (message.join("\n").trim().to_string(), location)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signalled(signal: i32) -> ExitStatus {
        ExitStatus::from_raw(signal)
    }

    fn exited(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    const NEW_PANIC: &str = "thread 'main' (123) panicked at sim-provider/src/provider.rs:40:13:\n\
        sim bug panic-on-get: device `d`\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
        thread 'main' (123) panicked at library/core/src/panicking.rs:225:5:\n\
        panic in a function that cannot unwind\n";

    #[test]
    fn abort_after_panic_is_a_panic_with_the_providers_message() {
        // The last panic is the "cannot unwind" one; the provider's own message is earlier.
        let err = classify_death(signalled(SIGABRT), NEW_PANIC);
        assert_eq!(
            err,
            CallError::Panic {
                message: "sim bug panic-on-get: device `d` (at sim-provider/src/provider.rs:40:13)"
                    .into()
            }
        );
    }

    #[test]
    fn foreign_exception_abort_after_a_panic_is_still_that_panic() {
        let text = "thread 'main' (9) panicked at src/p.rs:1:1:\nboom\nnote: run with\n\
                    fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        assert_eq!(
            classify_death(signalled(SIGABRT), text),
            CallError::Panic {
                message: "boom (at src/p.rs:1:1)".into()
            }
        );
    }

    #[test]
    fn old_rustc_panic_format_is_understood() {
        let text = "thread 'main' panicked at 'boom', src/lib.rs:3:5\nnote: run with\n";
        assert_eq!(panic_message(text).unwrap(), "boom (at src/lib.rs:3:5)");
    }

    #[test]
    fn abort_without_panic_keeps_the_last_stderr_line() {
        let err = classify_death(signalled(SIGABRT), "free(): invalid pointer\n");
        assert_eq!(
            err,
            CallError::Abort {
                detail: "free(): invalid pointer".into()
            }
        );
    }

    #[test]
    fn segfault_and_other_signals() {
        assert_eq!(classify_death(signalled(SIGSEGV), ""), CallError::Segfault);
        assert_eq!(classify_death(signalled(SIGBUS), ""), CallError::Segfault);
        assert_eq!(
            classify_death(signalled(15), ""),
            CallError::Signal { signal: 15 }
        );
    }

    #[test]
    fn a_panic_message_then_sigsegv_is_a_segfault_not_a_panic() {
        // A provider that panicked, and whose unwinding then crashed the process: the signal
        // decides, the message is not taken as the cause.
        let text = "thread 'main' (7) panicked at src/p.rs:1:1:\nboom\n";
        assert_eq!(
            classify_death(signalled(SIGSEGV), text),
            CallError::Segfault
        );
        assert_eq!(classify_death(signalled(SIGBUS), text), CallError::Segfault);
    }

    #[test]
    fn a_crash_with_several_stderr_lines_reports_the_last_one() {
        let text = "starting provider\nconnecting to backend\n\
                    double free or corruption (out)\n  \n";
        assert_eq!(
            classify_death(signalled(SIGABRT), text),
            CallError::Abort {
                detail: "double free or corruption (out)".into()
            }
        );
        let err = classify_death(exited(101), "first line\nsecond line\nlast words\n");
        let CallError::Protocol { detail } = &err else {
            panic!("expected protocol, got {err:?}");
        };
        assert!(detail.ends_with("(stderr: last words)"), "{detail}");
        assert!(!detail.contains("first line"), "{detail}");
    }

    #[test]
    fn a_signal_after_a_panic_message_is_that_panic() {
        // SIGKILL (e.g. the OOM killer) after a panic was printed: the panic is the cause.
        assert_eq!(
            classify_death(
                signalled(9),
                "thread 'main' panicked at src/p.rs:2:3:\nboom\n"
            ),
            CallError::Panic {
                message: "boom (at src/p.rs:2:3)".into()
            }
        );
    }

    #[test]
    fn a_plain_exit_with_empty_stderr_says_only_the_status() {
        let err = classify_death(exited(0), "\n  \n");
        let CallError::Protocol { detail } = &err else {
            panic!("expected protocol, got {err:?}");
        };
        assert_eq!(detail, "the worker exited with status 0 without answering");
    }

    #[test]
    fn plain_exit_without_answer_is_a_protocol_error() {
        let err = classify_death(exited(3), "bye\n");
        assert_eq!(err.outcome(), "protocol");
        assert!(err.to_string().contains("status 3"), "{err}");
        assert!(err.to_string().contains("bye"), "{err}");
    }
}
