//! A step's action in words, as transcripts and histories show it.

use crate::scenario::format::{Action, StateStore, Step};

/// The step's action in words, for the transcript.
pub fn describe_action(step: &Step) -> String {
    match &step.action {
        Action::Reconcile(reconcile) => {
            let dry = if reconcile.dry_run { "dry-run " } else { "" };
            let rounds = match (reconcile.rounds, reconcile.until_converged) {
                (_, Some(max)) => format!("{dry}reconcile until converged (at most {max} rounds)"),
                (Some(n), None) if n != 1 => format!("{dry}reconcile {n} rounds"),
                _ => format!("{dry}reconcile one round"),
            };
            match &reconcile.target_name {
                Some(target) => format!("{rounds}, target `{target}` only"),
                None => rounds,
            }
        }
        Action::Remove => "remove (the instance or target is deleted)".to_string(),
        Action::SetObjects(_) => "set the desired objects".to_string(),
        Action::AddComponent(component) => format!("add component `{}`", component.name),
        Action::ChangeComponent(change) => format!("change component `{}`", change.name),
        Action::RemoveComponent(name) => format!("remove component `{name}`"),
        Action::Device(edit) => format!("on the device: {}", compact(edit)),
        Action::Fault(fault) => format!("arm fault: {}", fault.label()),
        Action::ClearFaults => "clear the faults left".to_string(),
        Action::RestartWorker => "restart the worker (a new provider process)".to_string(),
        Action::RestartSymphony => describe_restart(StateStore::Memory),
    }
}

/// A restart of Symphony in words, with what it does to the stored state in `store`.
pub fn describe_restart(store: StateStore) -> String {
    match store {
        StateStore::Memory => {
            "restart Symphony (its stored state, kept in memory, is gone)".to_string()
        }
        StateStore::Persistent => {
            "restart Symphony (its stored state, kept by a persistent state provider, stays)"
                .to_string()
        }
    }
}

fn compact(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
