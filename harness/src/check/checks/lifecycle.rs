//! Checks of provider instances as Symphony makes them: a new provider for every call, and
//! several of them at once on one device (concurrent reconciles of one target).
//!
//! Both use direct calls (`check::direct`): Symphony's loop never runs two applies of one
//! target at once, and whether state survives a new instance is only visible by asking a new
//! instance right after an apply.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Barrier;

use super::get::call_failed;
use crate::check::cause::{Call, Cause, CauseKind};
use crate::check::context::Context;
use crate::check::direct::Direct;
use crate::check::finding::Finding;
use crate::engine::CallError;
use crate::model::{ComponentAction, ComponentSpec};

/// How many sessions apply at once in `lifecycle.concurrent`.
const THREADS: usize = 4;

/// How many times `lifecycle.concurrent` races its sessions before it trusts the provider: a
/// lost update needs the applies to overlap, which one round may not show.
const ROUNDS: usize = 5;

fn names(components: &[ComponentSpec]) -> String {
    components
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deletes `components` on a new provider; the device is left clean where the provider can.
fn remove(direct: &mut Direct, components: &[ComponentSpec]) {
    if components.is_empty() {
        return;
    }
    let deletes: Vec<(ComponentSpec, ComponentAction)> = components
        .iter()
        .map(|c| (c.clone(), ComponentAction::Delete))
        .collect();
    // A failing clean-up is not this check's finding: the delete checks judge deletes.
    let _ = direct.apply(&deletes, false);
}

/// The components of `wanted` that `found` does not name.
fn missing<'a>(wanted: &'a [ComponentSpec], found: &[ComponentSpec]) -> Vec<&'a ComponentSpec> {
    let found: BTreeSet<&str> = found.iter().map(|c| c.name.as_str()).collect();
    wanted
        .iter()
        .filter(|c| !found.contains(c.name.as_str()))
        .collect()
}

/// `lifecycle.new-instances`.
pub(in crate::check) fn new_instances(context: &Context<'_>) -> Finding {
    let id = context.id;
    let components = vec![
        context.subject.component(id, 1),
        context.subject.component(id, 2),
    ];
    let mut direct = match context.direct(components.clone()) {
        Ok(direct) => direct,
        Err(why) => return Finding::fail(format!("the check could not start: {why}")),
    };
    let updates: Vec<(ComponentSpec, ComponentAction)> = components
        .iter()
        .map(|c| (c.clone(), ComponentAction::Update))
        .collect();
    if let Err(err) = direct.apply(&updates, false) {
        let evidence = direct.evidence();
        remove(&mut direct, &components);
        let what = format!("`apply` of {}", names(&components));
        return call_failed(Call::Apply, &what, &err).with_evidence(evidence);
    }
    let finding = match direct.get(&components) {
        Err(err) => call_failed(Call::Get, "`get` on a new provider after `apply`", &err),
        Ok(found) => {
            let lost = missing(&components, &found);
            if lost.is_empty() {
                Finding::pass(
                    "a new provider's `get` reported every component the previous provider \
                     applied",
                )
            } else {
                let lost = lost
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                let seen = format!(
                    "`get` on a new provider does not report {lost}, which `apply` had just \
                     deployed (`ok`)"
                );
                Finding::fail(seen.clone())
                    .with_cause(Cause::new(CauseKind::GetMissesApplied, seen))
            }
        }
    };
    let finding = finding.with_evidence(direct.evidence());
    remove(&mut direct, &components);
    finding
}

/// What one session of a race did: its calls, and how its apply ended.
struct Racer {
    lines: Vec<String>,
    applied: bool,
    /// How its apply failed, when a call failed.
    error: Option<CallError>,
}

/// One racer per batch, each on a thread of its own, all starting their `apply` at once.
fn race_all(context: &Context<'_>, store: &Path, batches: &[Vec<ComponentSpec>]) -> Vec<Racer> {
    let start = Barrier::new(batches.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .iter()
            .enumerate()
            .map(|(t, batch)| {
                let start = &start;
                scope.spawn(move || race(context, store, t + 1, batch.clone(), start))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| Racer {
                    lines: vec!["a racing thread panicked".to_string()],
                    applied: false,
                    error: None,
                })
            })
            .collect()
    })
}

/// One session: opens its own worker, loads the library (`get_validation_rule`), waits for
/// the others at `start`, then applies `components`.
fn race(
    context: &Context<'_>,
    store: &Path,
    thread: usize,
    components: Vec<ComponentSpec>,
    start: &Barrier,
) -> Racer {
    let opened = Direct::open(context.subject, context.id, components.clone(), store);
    let mut direct = match opened {
        Ok(direct) => direct,
        Err(why) => {
            // Still meet the others, or they would wait forever.
            start.wait();
            return Racer {
                lines: vec![format!("thread {thread}: could not start: {why}")],
                applied: false,
                error: None,
            };
        }
    };
    // Warm: the worker is running and the library loaded before the race starts.
    let _ = direct.rule();
    let warm = direct.evidence().len();
    let updates: Vec<(ComponentSpec, ComponentAction)> = components
        .iter()
        .map(|c| (c.clone(), ComponentAction::Update))
        .collect();
    start.wait();
    let error = direct.apply(&updates, false).err();
    Racer {
        lines: direct
            .evidence()
            .into_iter()
            .skip(warm)
            .map(|line| format!("thread {thread}: {line}"))
            .collect(),
        applied: error.is_none(),
        error,
    }
}

/// `lifecycle.concurrent`.
pub(in crate::check) fn concurrent(context: &Context<'_>) -> Finding {
    let id = context.id;
    let subject = context.subject;
    // Every session shares one device: the same `sim.device` (from the check id) and, for the
    // simulated provider, the same store folder.
    let store = context.folder().join("direct");
    let mut applied: Vec<ComponentSpec> = Vec::new();
    let all: Vec<ComponentSpec> = (1..=THREADS * ROUNDS)
        .map(|n| subject.component(id, n))
        .collect();
    let mut checker = match context.direct(all.clone()) {
        Ok(direct) => direct,
        Err(why) => return Finding::fail(format!("the check could not start: {why}")),
    };
    let mut finding = None;
    let mut last_round = Vec::new();
    for round in 0..ROUNDS {
        let batches: Vec<Vec<ComponentSpec>> = (0..THREADS)
            .map(|t| vec![all[round * THREADS + t].clone()])
            .collect();
        let racers = race_all(context, &store, &batches);
        let mut lines: Vec<String> = racers.iter().flat_map(|r| r.lines.clone()).collect();
        let succeeded: Vec<ComponentSpec> = batches
            .iter()
            .zip(&racers)
            .filter(|(_, racer)| racer.applied)
            .flat_map(|(batch, _)| batch.clone())
            .collect();
        applied.extend(succeeded.iter().cloned());
        if succeeded.is_empty() {
            let unjudged = match racers.iter().find_map(|r| r.error.as_ref()) {
                Some(err) => call_failed(Call::Apply, "every concurrent `apply`", err),
                None => {
                    Finding::skip("every concurrent `apply` failed, so no update could be lost")
                }
            };
            finding = Some(unjudged.with_evidence(lines));
            break;
        }
        let before = checker.evidence().len();
        let got = checker.get(&succeeded);
        lines.extend(checker.evidence().into_iter().skip(before));
        match got {
            Err(err) => {
                let what = format!("`get` after {THREADS} concurrent applies");
                finding = Some(call_failed(Call::Get, &what, &err).with_evidence(lines));
                break;
            }
            Ok(found) => {
                let lost = missing(&succeeded, &found);
                if lost.len() == succeeded.len() {
                    finding = Some(
                        Finding::not_judged(Cause::new(
                            CauseKind::GetMissesApplied,
                            format!(
                                "after {} concurrent applies, `get` on a new provider reports \
                                 none of the components",
                                succeeded.len()
                            ),
                        ))
                        .with_evidence(lines),
                    );
                    break;
                }
                if !lost.is_empty() {
                    finding = Some(
                        Finding::fail(format!(
                            "{} concurrent applies each reported success, but `get` does not \
                             report {} (round {} of {ROUNDS}): an apply overwrote another's \
                             update",
                            succeeded.len(),
                            lost.iter()
                                .map(|c| format!("`{}`", c.name))
                                .collect::<Vec<_>>()
                                .join(", "),
                            round + 1
                        ))
                        .with_evidence(lines),
                    );
                    break;
                }
                last_round = lines;
            }
        }
    }
    remove(&mut checker, &applied);
    finding.unwrap_or_else(|| {
        Finding::pass(format!(
            "{ROUNDS} rounds of {THREADS} concurrent applies on one device lost no update"
        ))
        .with_evidence(last_round)
    })
}
