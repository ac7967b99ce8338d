//! Loading in this process under a deadline (`--in-process --load-timeout`).
//!
//! A worker that overruns its load is killed; a load in this process cannot be. So
//! [`within`] runs the `dlopen` (where the library's initialisers run) on a loader thread of
//! its own and waits for it at most the deadline. A load that overruns leaves that thread
//! inside the dynamic loader for good, holding the loader's lock, and glibc takes that lock
//! for more than loading: every later `dlopen` and `dlsym`, `exit` (its `_dl_fini`), and a
//! thread's first thread-local with a destructor (`__cxa_thread_atexit_impl`: a new thread,
//! a channel) would wait for it for ever. The process can no longer be trusted to finish
//! anything, so:
//!
//! - a program says what to do about it with [`on_overrun`]: the command line reports the
//!   load's failure and ends the process with `_exit` and the load verdict's code;
//! - without one, the overrun is [`LoadError::LoadTimedOut`], it is remembered
//!   ([`stuck_load`]), and later loads are refused at once ([`LoadError::LoaderStuck`]).
//!
//! The wait itself uses only a mutex and a condition variable, no thread-local state, so the
//! waiting thread is never caught by the lock.
//!
//! Owns the loader thread and the record of a stuck load; does not decide the deadline (the
//! backend does).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use super::LoadError;

/// The record of a load that overran its deadline: the library whose initialisers still run.
struct Stuck(Mutex<Option<PathBuf>>);

impl Stuck {
    fn get(&self) -> Option<PathBuf> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, path: &Path) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(path.to_path_buf());
    }
}

/// This process's record.
static STUCK: Stuck = Stuck(Mutex::new(None));

/// What this process does when a load overruns its deadline ([`on_overrun`]).
static ON_OVERRUN: OnceLock<fn(&LoadError) -> !> = OnceLock::new();

/// Has `end` called with the error of a load in this process that overruns its deadline,
/// instead of returning it: `end` reports it and ends the process (`_exit`; `exit` would wait
/// for the stuck load). The first call wins.
pub fn on_overrun(end: fn(&LoadError) -> !) {
    let _ = ON_OVERRUN.set(end);
}

/// The library whose load in this process overran its deadline and never finished, if any.
/// While one is stuck, the process cannot load another library nor `exit` normally.
pub fn stuck_load() -> Option<PathBuf> {
    STUCK.get()
}

/// Runs `load` (a `dlopen` of `path`) and gives its result, on a loader thread waited for at
/// most `limit` when there is one. An overrun goes to [`on_overrun`]'s function, or gives
/// [`LoadError::LoadTimedOut`] and leaves the thread running; a load after one gives
/// [`LoadError::LoaderStuck`] without starting.
pub(super) fn within<T: Send + 'static>(
    path: &Path,
    limit: Option<Duration>,
    load: impl FnOnce() -> Result<T, LoadError> + Send + 'static,
) -> Result<T, LoadError> {
    let result = within_recorded(&STUCK, path, limit, load);
    if let (Err(err @ LoadError::LoadTimedOut { .. }), Some(end)) = (&result, ON_OVERRUN.get()) {
        end(err);
    }
    result
}

/// A loader thread's answer, and the signal that it is there.
type Answer<T> = (Mutex<Option<Result<T, LoadError>>>, Condvar);

/// [`within`], recording an overrun in `record`.
fn within_recorded<T: Send + 'static>(
    record: &Stuck,
    path: &Path,
    limit: Option<Duration>,
    load: impl FnOnce() -> Result<T, LoadError> + Send + 'static,
) -> Result<T, LoadError> {
    if let Some(stuck) = record.get() {
        return Err(LoadError::LoaderStuck {
            path: path.to_path_buf(),
            stuck,
        });
    }
    let Some(limit) = limit else {
        return load();
    };
    let answer: Arc<Answer<T>> = Arc::new((Mutex::new(None), Condvar::new()));
    let theirs = Arc::clone(&answer);
    let file = path.to_path_buf();
    std::thread::Builder::new()
        .name("loader".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(load)).unwrap_or_else(|_| {
                Err(LoadError::Dlopen {
                    path: file,
                    message: "the loader thread panicked".to_string(),
                })
            });
            let (slot, ready) = &*theirs;
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            ready.notify_one();
        })
        .map_err(|source| LoadError::LoaderThread {
            path: path.to_path_buf(),
            source,
        })?;
    let (slot, ready) = &*answer;
    let waiting = slot.lock().unwrap_or_else(PoisonError::into_inner);
    let (mut answered, _) = ready
        .wait_timeout_while(waiting, limit, |answer| answer.is_none())
        .unwrap_or_else(PoisonError::into_inner);
    match answered.take() {
        Some(result) => result,
        None => {
            record.set(path);
            Err(LoadError::LoadTimedOut {
                path: path.to_path_buf(),
                limit,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_within_its_deadline_answers_an_overrun_is_remembered_and_refuses_the_next() {
        // A record of its own: this process's must stay clear for the other tests.
        let record = Stuck(Mutex::new(None));
        let path = Path::new("/lib/quick.so");
        let long = Some(Duration::from_secs(30));
        assert_eq!(within_recorded(&record, path, long, || Ok(7)).ok(), Some(7));
        assert_eq!(within_recorded(&record, path, None, || Ok(8)).ok(), Some(8));
        let failed = within_recorded::<()>(&record, path, long, || Err(LoadError::ConfigHasNul));
        assert!(matches!(failed, Err(LoadError::ConfigHasNul)), "{failed:?}");
        let panicked = within_recorded::<()>(&record, path, long, || panic!("in a constructor"));
        let Err(err) = panicked else {
            panic!("a panicking load is an error: {panicked:?}")
        };
        assert!(
            err.to_string().contains("the loader thread panicked"),
            "{err}"
        );
        assert_eq!(record.get(), None);

        let slow = Path::new("/lib/slow.so");
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let overrun = within_recorded(&record, slow, Some(Duration::from_millis(50)), move || {
            let _ = wait.recv();
            Ok(())
        });
        let Err(err) = overrun else {
            panic!("a load that waits for ever overran 50 ms: {overrun:?}")
        };
        assert!(matches!(err, LoadError::LoadTimedOut { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "loading `/lib/slow.so` did not finish within 50 ms"
        );
        assert!(err
            .hint()
            .is_some_and(|hint| hint.contains("--load-timeout")));
        assert_eq!(record.get().as_deref(), Some(slow));
        assert_eq!(stuck_load(), None, "the process's own record is untouched");

        let refused = within_recorded(&record, path, None, || Ok(9));
        let Err(err) = refused else {
            panic!("a load after a stuck one is refused: {refused:?}")
        };
        assert!(
            err.to_string().contains("`/lib/slow.so` never finished"),
            "{err}"
        );
        // Let the "stuck" thread end, so the test process leaves nothing running.
        let _ = release.send(());
    }
}
