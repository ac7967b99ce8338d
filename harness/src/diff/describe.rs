//! Evidence lines: a call, a component `get` reported, a result `apply` returned, a value,
//! each as one short line, with the run's volatile text redacted.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{ComponentResult, ComponentSpec};
use crate::scenario::ScenarioRun;
use crate::transcript::{CallEntry, Returned};

/// The longest value shown in full; longer ones are cut with `…`.
const VALUE_CHARS: usize = 80;

/// Where a call is: `step 2, round 1`.
pub fn at(step: usize, round: u32) -> String {
    format!("step {step}, round {round}")
}

/// A value as compact JSON, cut to a readable length.
pub fn value(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A status code with the name the `symphony` crate's `State` gives it: `8004 (Updated)`.
pub fn status(code: u16) -> String {
    match ComponentResult::state_name(code) {
        Some(name) => format!("{code} ({name})"),
        None => code.to_string(),
    }
}

/// `get [web, db] -> ok`, `apply (dry run) [web (delete)] -> error: disk full`: the call,
/// what it was sent and how it ended, its message redacted.
pub fn call(run: &ScenarioRun, call: &CallEntry) -> String {
    let dry = if call.dry_run() == Some(true) {
        " (dry run)"
    } else {
        ""
    };
    let message = call.message.as_deref().map_or(String::new(), |m| {
        format!(": {}", first_line(&run.redact(m)))
    });
    format!(
        "{}{dry} [{}] -> {}{message}",
        call.call.name(),
        call.component_names().join(", "),
        call.outcome.as_str()
    )
}

/// A call and what it returned: `get [web] -> ok, reported [web]`,
/// `apply [web] -> ok, returned {web: 8004 (Updated)}`.
pub fn call_returning(run: &ScenarioRun, entry: &CallEntry) -> String {
    let returned = match &entry.returned {
        Some(Returned::Components(components)) => format!(
            ", reported [{}]",
            components
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(Returned::Results(results)) => format!(", returned {}", results_text(results)),
        Some(Returned::Rule(_)) | None => String::new(),
    };
    format!("{}{returned}", call(run, entry))
}

/// `{web: 8004 (Updated), db: 8001 (UpdateFailed)}`.
pub fn results_text(results: &BTreeMap<String, ComponentResult>) -> String {
    let entries: Vec<String> = results
        .iter()
        .map(|(name, result)| format!("{name}: {}", status(result.status)))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// `web` with its property names: `web {enabled, image, replicas}`.
pub fn component(component: &ComponentSpec) -> String {
    let keys: Vec<&str> = component.properties.keys().map(String::as_str).collect();
    format!("`{}` {{{}}}", component.name, keys.join(", "))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_and_statuses_named() {
        let long = Value::from("x".repeat(200));
        let shown = value(&long);
        assert!(shown.ends_with('…') && shown.chars().count() == VALUE_CHARS + 1);
        assert_eq!(value(&Value::from(2)), "2");
        assert_eq!(status(8004), "8004 (Updated)");
        assert_eq!(status(8001), "8001 (UpdateFailed)");
        assert_eq!(status(12345), "12345");
    }
}
