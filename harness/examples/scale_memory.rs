//! Peak memory of reconciling one Target with N components against the simulated provider
//! in-process: two rounds (the first applies everything, the second skips it all), then the
//! peak resident set size (`VmHWM` of `/proc/self/status`) per component.
//!
//! `cargo run --release -p symphony-harness --example scale_memory -- 64000`
//! The README's "Performance" section records what it printed.

#[path = "../benches/common.rs"]
mod common;

use std::time::Instant;

use symphony_harness::engine::deployment::from_target;
use symphony_harness::engine::events::NoSink;
use symphony_harness::engine::reconcile::Reconciler;
use symphony_harness::load::InProcessFactory;
use symphony_harness::model::Symphony;

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
        let report = reconciler
            .reconcile(&deployment, false, &mut factory, &mut NoSink)
            .expect("round");
        assert!(report.failure.is_none(), "{:?}", report.failure);
        println!(
            "round {round}: {:.2} s (applied {}, skipped {})",
            start.elapsed().as_secs_f64(),
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
