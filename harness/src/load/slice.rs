//! A short scheduler time slice for the threads that hand calls to a worker, and for the
//! workers: the fix for isolated runs slowing down far more than in-process ones on a busy
//! machine.
//!
//! Why: every isolated call is two hand-offs between processes (the request wakes the worker,
//! the answer wakes the harness). Linux's scheduler (EEVDF, 6.6 on) lets the task running on a
//! CPU finish its time slice (about 3 ms) before a woken task gets that CPU, unless the woken
//! one asked for a shorter slice. On a machine whose CPUs are all busy (a build beside the
//! tests), each hand-off then waits a slice: a 301-round scenario with 4 busy loops on 2 CPUs
//! took 6–8.5 s isolated against 0.4 s in-process, and 0.6–1.0 s once both sides asked for a
//! 100 µs slice (`docs/performance.md`). A custom slice changes when a task runs, not how much
//! CPU it gets: its share stays what its nice value gives.
//!
//! Owns the one system call neither `std` nor `rustix` wraps (`sched_setattr`, with
//! `sched_getattr` to keep what the thread had): its `unsafe` lives here, with the crate's
//! other FFI. Kernels before 6.12 accept the request and ignore the slice.

use std::io;
use std::time::Duration;

/// The time slice asked for: the kernel's shortest (it clamps to 0.1–100 ms). A worker call
/// that runs longer is preempted sooner, and gets the CPU back as soon as it is its turn.
pub const SHORT_SLICE: Duration = Duration::from_micros(100);

/// `SCHED_OTHER` and `SCHED_BATCH`: the policies whose slice this may change. A real-time,
/// deadline or idle thread keeps what it has.
const FAIR_POLICIES: [u32; 2] = [0, 3];
/// `SCHED_FLAG_RESET_ON_FORK`: the one flag of the thread's that is passed back.
const RESET_ON_FORK: u64 = 0x01;

/// Asks for `slice` as the calling thread's scheduler time slice, keeping its policy and nice
/// value; threads and processes it starts afterwards inherit it. Does nothing for a thread
/// that is not under a fair policy. An error is the kernel's refusal (an old kernel without
/// `sched_getattr`, a seccomp filter): the thread goes on as it was.
pub fn ask_for_slice(slice: Duration) -> io::Result<()> {
    let mut attr = current_attr()?;
    let size = std::mem::size_of::<libc::sched_attr>();
    if !FAIR_POLICIES.contains(&attr.sched_policy) {
        return Ok(());
    }
    attr.size = u32::try_from(size).unwrap_or(u32::MAX);
    attr.sched_flags &= RESET_ON_FORK;
    attr.sched_runtime = u64::try_from(slice.as_nanos()).unwrap_or(u64::MAX);
    // SAFETY: `sched_setattr(0, attr, 0)` reads `attr.size` bytes of `attr`, a live,
    // initialised `sched_attr` of that size, and changes only the calling thread's
    // scheduling (its policy and nice value as they were, with the slice asked for).
    let set = unsafe {
        libc::syscall(
            libc::SYS_sched_setattr,
            0,
            &attr as *const libc::sched_attr,
            0,
        )
    };
    if set != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The calling thread's scheduling attributes, as `sched_getattr` reports them.
fn current_attr() -> io::Result<libc::sched_attr> {
    let size = std::mem::size_of::<libc::sched_attr>();
    let mut attr = libc::sched_attr {
        size: u32::try_from(size).unwrap_or(u32::MAX),
        sched_policy: 0,
        sched_flags: 0,
        sched_nice: 0,
        sched_priority: 0,
        sched_runtime: 0,
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: `sched_getattr(0, attr, size, 0)` writes at most `size` bytes into `attr` for
    // the calling thread; `attr` is a live, initialised `sched_attr` of exactly `size` bytes
    // (the kernel's first version of the struct, which every kernel with the call accepts).
    let got = unsafe {
        libc::syscall(
            libc::SYS_sched_getattr,
            0,
            &mut attr as *mut libc::sched_attr,
            size,
            0,
        )
    };
    if got != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(attr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The calling thread's `sched_attr`, read back.
    fn current() -> libc::sched_attr {
        current_attr().unwrap()
    }

    #[test]
    fn a_thread_keeps_its_policy_and_nice_value_and_gets_the_slice_where_the_kernel_has_slices() {
        std::thread::spawn(|| {
            let before = current();
            ask_for_slice(SHORT_SLICE).unwrap();
            let after = current();
            assert_eq!(after.sched_policy, before.sched_policy);
            assert_eq!(after.sched_nice, before.sched_nice);
            // A kernel with custom slices (6.12 on) reports the slice in `sched_runtime`;
            // an older one reports 0 whatever was asked.
            if before.sched_runtime != 0 {
                assert_eq!(after.sched_runtime, SHORT_SLICE.as_nanos() as u64);
            }
        })
        .join()
        .unwrap();
    }
}
