//! Work spread over threads, and over machines: the one job pool every command uses (`--jobs`)
//! and CI shards (`--partition K/N`).
//!
//! - [`for_each_in_order`]: threads that each open a state of their own (a provider session,
//!   its worker processes) and take items in order until none is left or a job says stop.
//! - [`run_parallel`]: the same, mapping every item to a result kept in the items' order.
//! - [`Partition`]: which positions belong to this machine's shard.
//!
//! Jobs stop taking items after a signal ([`crate::worker::interrupted`]): what is under way
//! finishes as its own code decides.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The default number of parallel jobs: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// What a job says after an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Take the next item.
    Continue,
    /// This thread takes no more items.
    Stop,
}

/// Runs `job` on the positions `0..count` with at most `jobs` threads. Each thread first
/// opens a state of its own (`open` gets the thread's number, from 0; `None`: the thread does
/// not start), then takes positions in increasing order until none is left, a job returns
/// [`Next::Stop`], or a signal came.
pub fn for_each_in_order<S>(
    count: usize,
    jobs: usize,
    open: impl Fn(usize) -> Option<S> + Sync,
    job: impl Fn(&mut S, usize) -> Next + Sync,
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..jobs.clamp(1, count.max(1)) {
            let (next, open, job) = (&next, &open, &job);
            scope.spawn(move || {
                let Some(mut state) = open(thread) else {
                    return;
                };
                loop {
                    if crate::worker::interrupted().is_some() {
                        return;
                    }
                    let position = next.fetch_add(1, Ordering::SeqCst);
                    if position >= count || job(&mut state, position) == Next::Stop {
                        return;
                    }
                }
            });
        }
    });
}

/// Runs `job` on every item with at most `jobs` threads, and returns the results in the
/// items' order (an item not reached after a signal has none). Each job builds what it
/// needs itself, so each gets its own workers (one library per worker).
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
    for_each_in_order(
        count,
        jobs,
        |_| Some(()),
        |(), index| {
            let item = queue[index].lock().ok().and_then(|mut item| item.take());
            if let Some(item) = item {
                let result = job(item);
                if let Ok(mut out) = results[index].lock() {
                    *out = Some(result);
                }
            }
            Next::Continue
        },
    );
    results
        .into_iter()
        .filter_map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

/// A slice of a list: shard `index` of `count` (from 1), as `--partition K/N` names it.
/// Position `i` (0-based, in the list's order) belongs to shard `i % count + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// This shard, from 1.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let bad = || format!("`{text}` is not a partition: write K/N with 1 <= K <= N, e.g. 2/3");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl Partition {
    /// Whether the `position`-th item (0-based) is in this shard.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count + 1 == self.index
    }
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
    fn in_order_each_thread_opens_its_state_once_and_a_stop_ends_only_that_thread() {
        let opened = AtomicUsize::new(0);
        let taken = Mutex::new(Vec::new());
        for_each_in_order(
            20,
            3,
            |_| {
                opened.fetch_add(1, Ordering::SeqCst);
                Some(0usize)
            },
            |seen: &mut usize, position| {
                *seen += 1;
                taken.lock().unwrap().push(position);
                if position == 5 {
                    Next::Stop
                } else {
                    Next::Continue
                }
            },
        );
        assert_eq!(opened.load(Ordering::SeqCst), 3);
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(
            taken,
            (0..20).collect::<Vec<_>>(),
            "the other threads finish the list"
        );
    }

    #[test]
    fn a_thread_whose_state_cannot_open_takes_nothing() {
        let taken = AtomicUsize::new(0);
        for_each_in_order(
            10,
            2,
            |thread| (thread == 1).then_some(()),
            |(), _| {
                taken.fetch_add(1, Ordering::SeqCst);
                Next::Continue
            },
        );
        assert_eq!(
            taken.load(Ordering::SeqCst),
            10,
            "the thread that opened takes them all"
        );
    }

    #[test]
    fn partitions_parse_and_split_every_position_into_exactly_one_shard() {
        assert_eq!("2/3".parse(), Ok(Partition { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        for position in 0..10 {
            let shards = (1..=3)
                .filter(|index| {
                    Partition {
                        index: *index,
                        count: 3,
                    }
                    .holds(position)
                })
                .count();
            assert_eq!(shards, 1, "position {position}");
        }
    }

    #[test]
    fn no_items_no_results() {
        let out: Vec<u8> = run_parallel(Vec::<u8>::new(), 4, |n| n);
        assert!(out.is_empty());
    }
}
