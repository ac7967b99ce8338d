//! Faults armed on a device for its next calls: a call that fails, panics, hangs or is slow,
//! one component that fails or is not reported, the zero validation rule.
//!
//! Owns the fault's JSON shape, its validation and which faults a call consumes. Faults are
//! armed through the device channel (`sim_device_arm`, cleared by `sim_device_clear_faults`)
//! and kept in the device's state ([`crate::device::DeviceState::faults`]), so they reach a
//! provider in whatever process it runs (every process, for a directory store). A call consumes
//! the faults it matches in its first transaction on the device, under the store's lock, so
//! two calls never consume the same one; its journal entry names them ([`Fault::label`]).
//!
//! ```json
//! {"call":"apply","effect":"fail","message":"disk full","times":1}
//! {"call":"get","effect":"omit","component":"web"}
//! {"call":"apply","effect":"latency","ms":50,"times":"always"}
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The provider call a fault is armed for.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultCall {
    /// `get`.
    #[serde(rename = "get")]
    Get,
    /// `apply`, a dry run too.
    #[serde(rename = "apply")]
    Apply,
    /// `get_validation_rule`.
    #[serde(rename = "get_validation_rule")]
    GetValidationRule,
}

impl FaultCall {
    /// Its JSON name, which is the call's name.
    pub fn name(self) -> &'static str {
        match self {
            FaultCall::Get => "get",
            FaultCall::Apply => "apply",
            FaultCall::GetValidationRule => "get_validation_rule",
        }
    }
}

/// What a fault does to the call that consumes it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The call returns `Err(message)` and leaves the device's components alone.
    Fail,
    /// `apply` only: `component` gets `UpdateFailed`/`DeleteFailed` with the message and is
    /// neither stored nor deleted; the rest of the step proceeds (as `sim.failComponents`).
    FailComponent,
    /// The call first sleeps `ms` milliseconds.
    Latency,
    /// The call panics with the message.
    Panic,
    /// The call never returns (it says so on stderr first).
    Hang,
    /// `get` only: `component` is not reported.
    Omit,
    /// `get_validation_rule` only: the zero rule (what Go uses when the call fails): no
    /// required type, no change detection.
    ZeroRule,
}

impl Effect {
    /// Its JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Fail => "fail",
            Effect::FailComponent => "fail-component",
            Effect::Latency => "latency",
            Effect::Panic => "panic",
            Effect::Hang => "hang",
            Effect::Omit => "omit",
            Effect::ZeroRule => "zero-rule",
        }
    }

    /// Whether the effect ends the call (so a call consumes at most one of them).
    fn ends_call(self) -> bool {
        matches!(self, Effect::Fail | Effect::Panic | Effect::Hang)
    }
}

/// How many matching calls consume a fault: a count (JSON number, at least 1), or `"always"`:
/// every matching call, until the faults are cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// This many more calls.
    Count(u32),
    /// Every call until cleared.
    Always,
}

impl Default for Times {
    fn default() -> Self {
        Times::Count(1)
    }
}

impl Serialize for Times {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Times::Count(count) => serializer.serialize_u32(*count),
            Times::Always => serializer.serialize_str("always"),
        }
    }
}

struct TimesVisitor;

impl Visitor<'_> for TimesVisitor {
    type Value = Times;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of calls from 1, or \"always\"")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Times, E> {
        match u32::try_from(value) {
            Ok(count) if count > 0 => Ok(Times::Count(count)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(value), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Times, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Times, E> {
        if value == "always" {
            Ok(Times::Always)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }
}

impl<'de> Deserialize<'de> for Times {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Times, D::Error> {
        deserializer.deserialize_any(TimesVisitor)
    }
}

/// One armed fault.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// The call it is armed for.
    pub call: FaultCall,
    /// What it does.
    pub effect: Effect,
    /// For `fail-component` and `omit` (required): the component. For the other effects of
    /// `get` and `apply` (optional): the fault only matches a call whose references or step
    /// name this component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// For `fail`, `fail-component`, `panic` and `hang`: the text; each has a default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For `latency` (required): milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// How many more matching calls consume it (default 1).
    #[serde(default)]
    pub times: Times,
}

impl Fault {
    /// Refuses a fault whose fields do not fit its call and effect.
    pub fn check(&self) -> Result<(), String> {
        let (call, effect) = (self.call, self.effect);
        let only = |wanted: FaultCall| {
            if call == wanted {
                Ok(())
            } else {
                Err(format!(
                    "effect `{}` is only for `{}` calls, not `{}`",
                    effect.name(),
                    wanted.name(),
                    call.name()
                ))
            }
        };
        match effect {
            Effect::FailComponent => only(FaultCall::Apply)?,
            Effect::Omit => only(FaultCall::Get)?,
            Effect::ZeroRule => only(FaultCall::GetValidationRule)?,
            _ => {}
        }
        match (&self.component, effect) {
            (None, Effect::FailComponent | Effect::Omit) => {
                return Err(format!("effect `{}` needs a `component`", effect.name()))
            }
            (Some(name), _) if name.is_empty() => return Err("`component` is empty".to_string()),
            (Some(_), _) if call == FaultCall::GetValidationRule => {
                return Err("`get_validation_rule` has no components: drop `component`".into())
            }
            _ => {}
        }
        match (self.ms, effect) {
            (None, Effect::Latency) => return Err("effect `latency` needs `ms`".to_string()),
            (Some(_), effect) if effect != Effect::Latency => {
                return Err(format!(
                    "`ms` is only for effect `latency`, not `{}`",
                    effect.name()
                ))
            }
            _ => {}
        }
        let takes_message = matches!(
            effect,
            Effect::Fail | Effect::FailComponent | Effect::Panic | Effect::Hang
        );
        if self.message.is_some() && !takes_message {
            return Err(format!(
                "`message` is only for effects fail, fail-component, panic and hang, not `{}`",
                effect.name()
            ));
        }
        Ok(())
    }

    /// How the journal names it: `<call> <effect>`, then ` <component>` if it has one, e.g.
    /// `apply fail`, `get omit web`.
    pub fn label(&self) -> String {
        let mut label = format!("{} {}", self.call.name(), self.effect.name());
        if let Some(component) = &self.component {
            label.push(' ');
            label.push_str(component);
        }
        label
    }

    fn matches(&self, call: FaultCall, components: &[&str]) -> bool {
        self.call == call
            && self
                .component
                .as_deref()
                .is_none_or(|wanted| components.contains(&wanted))
    }

    fn message_or(&self, default: impl FnOnce() -> String) -> String {
        self.message.clone().unwrap_or_else(default)
    }
}

/// How a consumed fault ends its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Return `Err` with this message.
    Fail(String),
    /// Panic with this message.
    Panic(String),
    /// Never return; say this on stderr first.
    Hang(String),
}

/// What the faults one call consumed make it do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triggered {
    /// The consumed faults' labels, in arming order (for the journal).
    pub labels: Vec<String>,
    /// Milliseconds to sleep first.
    pub latency_ms: u64,
    /// How the call ends, if a fault ends it.
    pub end: Option<End>,
    /// `apply`: components that fail, with their messages (`None`: the default message).
    pub fail_components: BTreeMap<String, Option<String>>,
    /// `get`: components not reported.
    pub omit: BTreeSet<String>,
    /// `get_validation_rule`: return the zero rule.
    pub zero_rule: bool,
}

/// Whether any of `faults` matches a `call` on `components` (then [`consume`] takes some).
pub fn armed_for(faults: &[Fault], call: FaultCall, components: &[&str]) -> bool {
    faults.iter().any(|fault| fault.matches(call, components))
}

/// Consumes, in arming order, the faults that match a `call` on `components` (the names in its
/// references or step): at most one per effect (per effect and component for `fail-component`
/// and `omit`), and at most one of `fail`, `panic` and `hang`, which end the call. A counted
/// fault is removed when its count runs out.
pub fn consume(faults: &mut Vec<Fault>, call: FaultCall, components: &[&str]) -> Triggered {
    let mut triggered = Triggered::default();
    let mut taken: BTreeSet<(Effect, Option<String>)> = BTreeSet::new();
    for fault in faults.iter_mut() {
        if !fault.matches(call, components) {
            continue;
        }
        let key = match fault.effect {
            Effect::FailComponent | Effect::Omit => (fault.effect, fault.component.clone()),
            effect if effect.ends_call() => (Effect::Fail, None),
            effect => (effect, None),
        };
        if !taken.insert(key) {
            continue;
        }
        triggered.labels.push(fault.label());
        match fault.effect {
            Effect::Fail => {
                let message = fault.message_or(|| format!("sim fault: {} failed", call.name()));
                triggered.end = Some(End::Fail(message));
            }
            Effect::Panic => {
                let message = fault.message_or(|| format!("sim fault: {} panicked", call.name()));
                triggered.end = Some(End::Panic(message));
            }
            Effect::Hang => {
                let message = fault.message_or(|| format!("sim fault: {} hangs", call.name()));
                triggered.end = Some(End::Hang(message));
            }
            Effect::Latency => triggered.latency_ms = fault.ms.unwrap_or_default(),
            Effect::FailComponent | Effect::Omit => {
                let component = fault.component.clone().unwrap_or_default();
                if fault.effect == Effect::Omit {
                    triggered.omit.insert(component);
                } else {
                    triggered
                        .fail_components
                        .insert(component, fault.message.clone());
                }
            }
            Effect::ZeroRule => triggered.zero_rule = true,
        }
        if let Times::Count(count) = &mut fault.times {
            *count = count.saturating_sub(1);
        }
    }
    faults.retain(|fault| fault.times != Times::Count(0));
    triggered
}

/// Parses a JSON array of faults and checks each; the error names the fault by its index.
pub fn parse_list(json: &str) -> Result<Vec<Fault>, String> {
    let faults: Vec<Fault> = serde_json::from_str(json).map_err(|err| {
        format!(
            "faults are not a JSON array of faults \
             (`[{{\"call\":\"apply\",\"effect\":\"fail\"}}]`): {err}"
        )
    })?;
    for (index, fault) in faults.iter().enumerate() {
        fault
            .check()
            .map_err(|reason| format!("fault {index} (`{}`): {reason}", fault.label()))?;
    }
    Ok(faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(json: &str) -> Fault {
        let fault: Fault = serde_json::from_str(json).unwrap();
        fault.check().unwrap();
        fault
    }

    #[test]
    fn a_counted_fault_is_consumed_that_many_times_then_removed() {
        let mut faults = vec![fault(r#"{"call":"apply","effect":"fail","times":2}"#)];
        for _ in 0..2 {
            let triggered = consume(&mut faults, FaultCall::Apply, &[]);
            assert_eq!(
                triggered.end,
                Some(End::Fail("sim fault: apply failed".into()))
            );
            assert_eq!(triggered.labels, ["apply fail"]);
        }
        assert!(faults.is_empty());
        assert_eq!(
            consume(&mut faults, FaultCall::Apply, &[]),
            Triggered::default()
        );
    }

    #[test]
    fn always_stays_and_other_calls_do_not_consume() {
        let mut faults = vec![fault(
            r#"{"call":"get","effect":"latency","ms":3,"times":"always"}"#,
        )];
        for _ in 0..3 {
            assert_eq!(consume(&mut faults, FaultCall::Get, &[]).latency_ms, 3);
        }
        assert_eq!(consume(&mut faults, FaultCall::Apply, &[]).latency_ms, 0);
        assert_eq!(faults.len(), 1);
        assert_eq!(serde_json::to_value(&faults[0]).unwrap()["times"], "always");
    }

    #[test]
    fn a_component_fault_only_matches_calls_naming_the_component() {
        let mut faults = vec![fault(
            r#"{"call":"apply","effect":"fail","component":"x","message":"no x"}"#,
        )];
        assert_eq!(consume(&mut faults, FaultCall::Apply, &["y"]).end, None);
        let triggered = consume(&mut faults, FaultCall::Apply, &["y", "x"]);
        assert_eq!(triggered.end, Some(End::Fail("no x".into())));
        assert_eq!(triggered.labels, ["apply fail x"]);
        assert!(faults.is_empty());
    }

    #[test]
    fn one_call_ends_once_and_takes_one_fault_per_effect_and_component() {
        let mut faults = vec![
            fault(r#"{"call":"apply","effect":"panic"}"#),
            fault(r#"{"call":"apply","effect":"fail"}"#),
            fault(r#"{"call":"apply","effect":"fail-component","component":"a"}"#),
            fault(r#"{"call":"apply","effect":"fail-component","component":"b"}"#),
            fault(r#"{"call":"apply","effect":"fail-component","component":"a"}"#),
        ];
        let first = consume(&mut faults, FaultCall::Apply, &["a", "b"]);
        assert_eq!(
            first.end,
            Some(End::Panic("sim fault: apply panicked".into()))
        );
        assert_eq!(first.fail_components.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(faults.len(), 2, "{faults:?}");
        let second = consume(&mut faults, FaultCall::Apply, &["a"]);
        assert_eq!(second.labels, ["apply fail", "apply fail-component a"]);
        assert!(faults.is_empty());
    }

    #[test]
    fn faults_that_do_not_fit_their_call_and_effect_are_refused_with_the_reason() {
        let cases = [
            (
                r#"{"call":"get","effect":"fail-component","component":"a"}"#,
                "only for `apply`",
            ),
            (
                r#"{"call":"apply","effect":"omit","component":"a"}"#,
                "only for `get`",
            ),
            (
                r#"{"call":"get","effect":"zero-rule"}"#,
                "only for `get_validation_rule`",
            ),
            (r#"{"call":"get","effect":"omit"}"#, "needs a `component`"),
            (r#"{"call":"apply","effect":"latency"}"#, "needs `ms`"),
            (
                r#"{"call":"apply","effect":"fail","ms":3}"#,
                "`ms` is only for",
            ),
            (
                r#"{"call":"get","effect":"omit","component":"a","message":"m"}"#,
                "`message`",
            ),
            (
                r#"{"call":"get_validation_rule","effect":"fail","component":"a"}"#,
                "no components",
            ),
            (
                r#"{"call":"apply","effect":"fail","component":""}"#,
                "empty",
            ),
        ];
        for (json, needle) in cases {
            let err = parse_list(&format!("[{json}]")).unwrap_err();
            assert!(err.starts_with("fault 0 (`"), "{json}: {err}");
            assert!(err.contains(needle), "{json}: {err}");
        }
        for (json, needle) in [
            (r#"{"call":"apply","effect":"fial"}"#, "fail-component"),
            (
                r#"{"call":"apply","effect":"fail","times":0}"#,
                "\"always\"",
            ),
            (
                r#"{"call":"apply","effect":"fail","times":"twice"}"#,
                "\"always\"",
            ),
            (
                r#"{"call":"apply","effect":"fail","extra":1}"#,
                "unknown field `extra`",
            ),
            (r#"{"call":"put","effect":"fail"}"#, "get_validation_rule"),
        ] {
            let err = parse_list(&format!("[{json}]")).unwrap_err();
            assert!(
                err.starts_with("faults are not a JSON array"),
                "{json}: {err}"
            );
            assert!(err.contains(needle), "{json}: {err}");
        }
    }
}
