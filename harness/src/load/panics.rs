//! Panics of a provider compiled into this process, caught and reported once: in the call's
//! outcome (`panic`, with the message and where it was raised), not also by the panic hook.
//!
//! Rust's default hook prints every panic to stderr, with a backtrace under
//! `RUST_BACKTRACE=1`, even one that is caught: a provider that panics on each of a suite's
//! calls buried a test's report under thousands of lines. [`catch`] installs, once, a hook
//! that stays silent for the panics it catches (a flag of the calling thread says so) and
//! keeps their location; every other panic goes to the hook that was there before.
//! The message is trimmed to [`MAX_LINES`] lines and [`MAX_CHARS`] characters.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

/// The most lines of a panic message kept.
pub const MAX_LINES: usize = 12;
/// The most characters of a panic message kept.
pub const MAX_CHARS: usize = 1_000;

thread_local! {
    /// Whether this thread is inside [`catch`].
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic caught on this thread was raised.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `call`; a panic comes back as its message (trimmed, ending with ` (at file:line:col)`
/// when known), and prints nothing.
pub fn catch<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let outer = CATCHING.with(|catching| catching.replace(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(call));
    CATCHING.with(|catching| catching.set(outer));
    let location = LOCATION.with(|location| location.borrow_mut().take());
    result.map_err(|payload| {
        let message = match (
            payload.downcast_ref::<&str>(),
            payload.downcast_ref::<String>(),
        ) {
            (Some(text), _) => (*text).to_string(),
            (None, Some(text)) => text.clone(),
            (None, None) => "a panic without a message".to_string(),
        };
        let message = trimmed(&message);
        match location {
            Some(location) => format!("{message} (at {location})"),
            None => message,
        }
    })
}

fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if CATCHING.with(Cell::get) {
                let location = info.location().map(ToString::to_string);
                LOCATION.with(|kept| *kept.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// `message` without surrounding blank space, cut to [`MAX_LINES`] lines and [`MAX_CHARS`]
/// characters, saying how much was left out.
pub fn trimmed(message: &str) -> String {
    let message = message.trim();
    let lines: Vec<&str> = message.lines().collect();
    let mut kept = lines[..lines.len().min(MAX_LINES)].join("\n");
    let mut cut = lines.len() > MAX_LINES;
    if let Some((index, _)) = kept.char_indices().nth(MAX_CHARS) {
        kept.truncate(index);
        cut = true;
    }
    if cut {
        kept.push_str(&format!(
            " … ({} characters of {} shown)",
            kept.chars().count(),
            message.chars().count()
        ));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_gives_its_message_and_location() {
        let err = catch(|| -> u8 { panic!("device `d` is gone") }).unwrap_err();
        assert!(err.starts_with("device `d` is gone (at "), "{err}");
        assert!(err.contains("panics.rs:"), "{err}");
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn a_long_message_is_cut_and_says_so() {
        let long = (0..100)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let cut = trimmed(&long);
        assert_eq!(cut.lines().count(), MAX_LINES);
        assert!(cut.ends_with("shown)"), "{cut}");
        let wide = "x".repeat(5_000);
        assert!(trimmed(&wide).contains(&format!("{MAX_CHARS} characters of 5000 shown")));
        assert_eq!(trimmed("  short\n"), "short");
    }

    #[test]
    fn panics_outside_catch_still_reach_the_previous_hook() {
        install_hook();
        let outside = std::thread::spawn(|| panic!("not a provider's")).join();
        assert!(outside.is_err());
        assert!(!CATCHING.with(Cell::get));
    }
}
