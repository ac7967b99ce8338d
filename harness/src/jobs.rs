//! Running independent jobs in parallel, at most `jobs` at a time (`--jobs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The default number of parallel jobs: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `job` on every item with at most `jobs` threads, and returns the results in the
/// items' order. Each job builds its own factory, so each gets its own workers (one library
/// per worker).
pub fn run_parallel<T, R, F>(items: Vec<T>, jobs: usize, job: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let count = items.len();
    let queue: Vec<Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| Mutex::new(Some(item)))
        .collect();
    let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, count.max(1)) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = queue.get(index) else { return };
                let item = slot.lock().ok().and_then(|mut item| item.take());
                if let Some(item) = item {
                    let result = job(item);
                    if let Ok(mut out) = results[index].lock() {
                        *out = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order() {
        let out = run_parallel((0..50).collect(), 4, |n: u32| n * 2);
        assert_eq!(out, (0..50).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn never_more_than_jobs_at_once() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        run_parallel((0..40).collect(), 3, |_: u32| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn no_items_no_results() {
        let out: Vec<u8> = run_parallel(Vec::<u8>::new(), 4, |n| n);
        assert!(out.is_empty());
    }
}
