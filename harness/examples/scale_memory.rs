//! Peak memory of reconciling one Target with N components against the simulated provider
//! in-process: two rounds (the first applies everything, the second skips it all), each with
//! its wall time and CPU time, then the peak resident set size (`VmHWM` of
//! `/proc/self/status`) per component.
//!
//! `cargo run --release -p symphony-harness --example scale_memory -- 64000`
//! `docs/performance.md` records what it printed.

#[path = "../benches/common.rs"]
mod common;

use std::time::Instant;

use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::Symphony;

/// The CPU time this process used so far, in seconds (`/proc/self/stat`: user and system
/// time, in clock ticks of 1/100 s): on a busy machine, what a round costs.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |at: usize| {
        fields
            .get(at)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the field is there")
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("N is a number"))
        .unwrap_or(64_000);
    let sim = common::release_sim();
    let mut factory = InProcessFactory::with_resolver(Box::new(move |_: &str| sim.clone()));
    let before = status_kib("VmRSS:");
    let target = common::scale_target(n, &format!("memory-{n}"));
    let deployment = from_target(&target, "default").expect("deployment");
    drop(target);
    let mut reconciler = Reconciler::new(Symphony::V049);
    for round in 1..=2 {
        let start = Instant::now();
        let cpu = cpu_seconds();
        let report = reconciler
            .reconcile(&deployment, false, &mut factory, &mut NoSink)
            .expect("round");
        assert!(report.failure.is_none(), "{:?}", report.failure);
        println!(
            "round {round}: {:.2} s, {:.2} s of CPU (applied {}, skipped {})",
            start.elapsed().as_secs_f64(),
            cpu_seconds() - cpu,
            report.applied,
            report.skipped
        );
    }
    let peak = status_kib("VmHWM:");
    let used = peak.saturating_sub(before);
    println!(
        "{n} components: peak RSS {peak} KiB, {used} KiB above the start, {:.0} bytes per component",
        used as f64 * 1024.0 / n as f64
    );
}
