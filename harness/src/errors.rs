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
