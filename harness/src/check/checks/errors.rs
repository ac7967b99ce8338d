//! Checks of how calls fail: a refused `apply` says why, and edge inputs (an empty step,
//! unicode and long names, many components, large, nested and typed property values,
//! metadata, sidecars) end in `ok` or an error with a message, never in a panic, an abort or
//! a hang. Both call the provider directly, each call on a new provider in a worker, so a
//! crash ends one call and is classified.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::apply::{is_failure_status, status_text};
use super::get::call_failed;
use crate::check::cause::{Call, Cause};
use crate::check::context::Context;
use crate::check::direct::Direct;
use crate::check::finding::Finding;
use crate::engine::{CallError, InSymphony};
use crate::model::{ComponentAction, ComponentSpec, SidecarSpec};
use crate::subject::Subject;

/// At most this many characters of a provider's message go into a finding's one line.
const SHOWN_MESSAGE: usize = 160;

/// `message`, cut to [`SHOWN_MESSAGE`] characters.
fn short(message: &str) -> String {
    let message = message.trim();
    match message.char_indices().nth(SHOWN_MESSAGE) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_string(),
    }
}

/// An input the provider must refuse, and the subject whose binding makes it refuse it.
struct Provocation {
    /// What is wrong with the component, in words.
    what: String,
    /// The component.
    component: ComponentSpec,
    /// The subject to bind the provider as (the check's own, or with extra config).
    subject: Subject,
}

/// The input the provider's own rule says it refuses: a component of another type than the
/// required one, or one without the required properties; for the simulated provider without
/// either, the rule is made to require the component type (`sim.componentType`); otherwise a
/// component with no name.
fn provocation(context: &Context<'_>) -> Provocation {
    let id = context.id;
    let subject = context.subject;
    let mut component = subject.component(id, 1);
    let rule = context
        .probe()
        .as_ref()
        .ok()
        .and_then(|report| report.validation_rule.clone())
        .unwrap_or_default();
    let required_type = [
        &rule.required_type,
        &rule.component_validation_rule.required_type,
    ]
    .into_iter()
    .find(|t| !t.is_empty())
    .cloned();
    let required_properties = &rule.component_validation_rule.required_properties;
    if let Some(required) = required_type {
        component.component_type = format!("not-{required}");
        return Provocation {
            what: format!(
                "a component of type `{}` (the rule requires `{required}`)",
                component.component_type
            ),
            component,
            subject: subject.clone(),
        };
    }
    if !required_properties.is_empty() {
        component.properties.clear();
        return Provocation {
            what: format!(
                "a component without the required properties ({})",
                required_properties.join(", ")
            ),
            component,
            subject: subject.clone(),
        };
    }
    if subject.simulated {
        let mut bound = subject.clone();
        bound
            .config
            .insert("sim.componentType".into(), subject.component_type.clone());
        component.component_type = format!("not-{}", subject.component_type);
        return Provocation {
            what: format!(
                "a component of type `{}` (bound with `sim.componentType={}`)",
                component.component_type, subject.component_type
            ),
            component,
            subject: bound,
        };
    }
    component.name = String::new();
    Provocation {
        what: "a component with an empty name".to_string(),
        component,
        subject: subject.clone(),
    }
}

/// `errors.message`.
pub(in crate::check) fn message(context: &Context<'_>) -> Finding {
    let Provocation {
        what,
        component,
        subject,
    } = provocation(context);
    let mut direct = match Direct::open(
        &subject,
        context.id,
        vec![component.clone()],
        &context.folder().join("direct"),
    ) {
        Ok(direct) => direct,
        Err(why) => return Finding::fail(format!("the check's calls could not start: {why}")),
    };
    let answer = direct.apply(&[(component.clone(), ComponentAction::Update)], false);
    let finding = match answer {
        Err(CallError::Error { message }) => Finding::pass(format!(
            "`apply` of {what} failed with a message: {}",
            short(&message)
        )),
        Err(CallError::ErrorWithoutMessage) => Finding::fail(format!(
            "`apply` of {what} returned an error with an empty message: Symphony's log shows \
             only \"failed to apply deployment ste\", nobody learns why"
        )),
        // A crash or a hang says nothing about messages: the cause decides.
        Err(err) if err.outcome().in_symphony() != InSymphony::Returns => {
            call_failed(Call::Apply, &format!("`apply` of {what}"), &err)
        }
        Err(err) => Finding::fail(format!(
            "`apply` of {what} ended in `{}` instead of an error: {err}",
            err.outcome().as_str()
        )),
        Ok(results) => {
            let failures: Vec<(&String, u16, &str)> = results
                .iter()
                .filter(|(_, r)| is_failure_status(u64::from(r.status)))
                .map(|(name, r)| (name, r.status, r.message.trim()))
                .collect();
            match failures.first() {
                Some((name, status, "")) => Finding::fail(format!(
                    "`apply` of {what} reported {} for `{name}` with an empty message",
                    status_text(u64::from(*status))
                )),
                Some((name, status, message)) => Finding::pass(format!(
                    "`apply` of {what} reported {} for `{name}`: {}",
                    status_text(u64::from(*status)),
                    short(message)
                )),
                None => {
                    // Accepted: take it away again.
                    let _ = direct.apply(&[(component, ComponentAction::Delete)], false);
                    Finding::skip(format!(
                        "the provider accepted {what}, so no error could be provoked; its \
                         messages were not checked"
                    ))
                }
            }
        }
    };
    finding.with_evidence(direct.evidence())
}

/// One edge input: its name in findings, and the components of its step.
struct EdgeCase {
    what: &'static str,
    components: Vec<ComponentSpec>,
}

/// A value nested `depth` levels deep, objects and arrays in turn.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("bottom"), |inner, level| {
        if level % 2 == 0 {
            json!({ "level": level, "inner": inner })
        } else {
            json!([level, inner])
        }
    })
}

/// The edge inputs, each a step of components derived from the subject's.
fn edge_cases(subject: &Subject, id: &str) -> Vec<EdgeCase> {
    let base = id.replace('.', "-");
    let named = |suffix: &str| {
        let mut component = subject.component(id, 0);
        component.name = format!("{base}-{suffix}");
        component
    };
    let with = |suffix: &str, properties: Vec<(&str, Value)>| {
        let mut component = named(suffix);
        for (key, value) in properties {
            component.properties.insert(key.to_string(), value);
        }
        component
    };
    let long = {
        let mut component = named("long-");
        let pad = 200usize.saturating_sub(component.name.chars().count());
        component.name.push_str(&"x".repeat(pad));
        component
    };
    let mut decorated = named("decorated");
    decorated.metadata = BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), "edge".to_string()),
        ("empty".to_string(), String::new()),
        ("ünïcødé".to_string(), "名前".to_string()),
    ]);
    decorated.sidecars = vec![SidecarSpec {
        name: "log-shipper".to_string(),
        sidecar_type: "sidecar".to_string(),
        properties: BTreeMap::from([("image".to_string(), json!("shipper:1"))]),
    }];
    vec![
        EdgeCase {
            what: "an empty step",
            components: Vec::new(),
        },
        EdgeCase {
            what: "a unicode name",
            components: vec![named("ünïcødé-名前-🚀")],
        },
        EdgeCase {
            what: "a 200-character name",
            components: vec![long],
        },
        EdgeCase {
            what: "100 components",
            components: (1..=100).map(|n| named(&format!("many-{n}"))).collect(),
        },
        EdgeCase {
            what: "a 100 KB property value",
            components: vec![with(
                "large",
                vec![("large", json!("x".repeat(100 * 1024)))],
            )],
        },
        EdgeCase {
            what: "nested property values",
            components: vec![with("nested", vec![("nested", nested(24))])],
        },
        EdgeCase {
            what: "numbers, bools and nulls in properties",
            components: vec![with(
                "typed",
                vec![
                    ("zero", json!(0)),
                    ("negative", json!(-42)),
                    ("fraction", json!(1.5)),
                    ("million", json!(1_000_000)),
                    ("huge", json!(u64::MAX)),
                    ("tiny", json!(1e-300)),
                    ("flag", json!(false)),
                    ("nothing", Value::Null),
                    ("mixed", json!([1, "two", true, null, {"five": 5.0}])),
                ],
            )],
        },
        EdgeCase {
            what: "metadata and sidecars",
            components: vec![decorated],
        },
    ]
}

/// How a call ended, judged: `Ok(None)` acceptable, `Ok(Some(note))` acceptable but worth a
/// line (Symphony's own host would abort on the input), `Err(finding)` the provider failed (a
/// crash or a hang is a cause: it is how every such call may end).
fn judge_call<T>(
    call: Call,
    what: &str,
    answer: &Result<T, CallError>,
) -> Result<Option<String>, Finding> {
    let name = call.name();
    match answer {
        Ok(_) | Err(CallError::Error { .. }) => Ok(None),
        Err(CallError::HostWouldAbort { reason }) => Ok(Some(format!(
            "note: for {what}, Symphony's own host would abort before calling `{name}`: {reason}"
        ))),
        Err(CallError::ErrorWithoutMessage) => Err(Finding::fail(format!(
            "`{name}` of {what} returned an error with an empty message"
        ))
        .with_advice(
            "Symphony reports only its own fixed text for the failed step; nobody learns why",
            "return `Err` with a message that names the component and the cause",
        )),
        Err(CallError::Harness { detail }) => Err(Finding::fail(format!(
            "the harness could not call `{name}` for {what}: {detail}"
        ))),
        Err(err) => {
            let problem = format!(
                "`{name}` of {what} ended in `{}`: {err}",
                err.outcome().as_str()
            );
            let finding = Finding::fail(problem.clone());
            Err(if err.outcome().in_symphony() == InSymphony::Returns {
                finding
            } else {
                finding.with_cause(Cause::call(call, err.outcome(), problem))
            })
        }
    }
}

/// `errors.edge-inputs`.
pub(in crate::check) fn edge_inputs(context: &Context<'_>) -> Finding {
    let id = context.id;
    let cases = edge_cases(context.subject, id);
    let count = cases.len();
    let mut evidence = Vec::new();
    let mut notes = Vec::new();
    let mut refused = 0usize;
    for case in cases {
        let mut direct = match context.direct(case.components.clone()) {
            Ok(direct) => direct,
            Err(why) => {
                return Finding::fail(format!(
                    "the check's calls for {} could not start: {why}",
                    case.what
                ))
                .with_evidence(evidence)
            }
        };
        let update: Vec<_> = case
            .components
            .iter()
            .map(|c| (c.clone(), ComponentAction::Update))
            .collect();
        let applied = direct.apply(&update, false);
        let mut verdicts = vec![judge_call(Call::Apply, case.what, &applied)];
        if matches!(applied, Err(CallError::Error { .. })) {
            refused += 1;
        }
        if verdicts.iter().all(Result::is_ok) {
            let got = direct.get(&case.components);
            verdicts.push(judge_call(Call::Get, case.what, &got));
        }
        if verdicts.iter().all(Result::is_ok) && !case.components.is_empty() {
            let delete: Vec<_> = case
                .components
                .iter()
                .map(|c| (c.clone(), ComponentAction::Delete))
                .collect();
            let deleted = direct.apply(&delete, false);
            verdicts.push(judge_call(
                Call::Apply,
                &format!("a delete of {}", case.what),
                &deleted,
            ));
        }
        evidence.extend(direct.evidence());
        for verdict in verdicts {
            match verdict {
                Ok(None) => {}
                Ok(Some(note)) => notes.push(note),
                Err(finding) => {
                    evidence.push(
                        "stopped at the first failure: the other edge inputs were not tried"
                            .to_string(),
                    );
                    return finding.with_evidence(evidence);
                }
            }
        }
    }
    evidence.extend(notes);
    let refusals = match refused {
        0 => String::new(),
        n => format!(" ({n} refused with a message)"),
    };
    Finding::pass(format!(
        "{count} edge inputs each ended in `ok` or an error with a message{refusals}"
    ))
    .with_evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let message = "é".repeat(SHOWN_MESSAGE + 5);
        let cut = short(&message);
        assert_eq!(cut.chars().count(), SHOWN_MESSAGE + 1, "{cut}");
        assert!(cut.ends_with('…'));
        assert_eq!(short("  why  "), "why");
    }

    #[test]
    fn nested_values_are_as_deep_as_asked() {
        fn depth(value: &Value) -> usize {
            match value {
                Value::Object(map) => 1 + map.get("inner").map_or(0, depth),
                Value::Array(items) => 1 + items.get(1).map_or(0, depth),
                _ => 0,
            }
        }
        assert_eq!(depth(&nested(24)), 24);
        assert_eq!(nested(0), json!("bottom"));
    }
}
