//! Errors as one line of text: what reports, transcripts and bundles carry when the typed
//! error is not kept.

/// An error and its sources, joined with `: `.
///
/// ```
/// let err = std::io::Error::other("disk full");
/// assert_eq!(symphony_harness::errors::error_chain(&err), "disk full");
/// ```
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What the command line needs to know about an error of this crate: the exit code it gives
/// (the same in every command: `docs/exit-codes.md`), and what to do about it. Each error type
/// implements it beside its definition; the command line asks the first error of a chain that
/// implements it.
pub trait Explain {
    /// The process exit code this error gives ([`crate::exit_code`]).
    fn exit_code(&self) -> i32 {
        crate::exit_code::ERROR
    }

    /// What to do about it, with a runnable command where there is one.
    fn hint(&self) -> Option<String> {
        None
    }
}
