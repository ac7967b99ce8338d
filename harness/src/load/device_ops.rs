//! What a scenario does to a simulated device between calls: faults armed for the next calls,
//! and edits of the components behind the provider's back.
//!
//! Owns the typed, serde-ready forms ([`Fault`], [`DeviceEdit`]) that scenario files embed as
//! they are, the checks a fault must pass, and how an edit changes a set of components. The
//! calls into the library are [`super::DeviceChannel::arm`], [`super::DeviceChannel::clear_faults`]
//! and [`super::DeviceChannel::edit`]. [`Fault`] mirrors the simulator's JSON
//! (`sim-provider/src/faults.rs`; "Armed faults" in `docs/simulator.md`): the simulator checks the same
//! rules again, so the harness only adds errors that say what is wrong before any call.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::device_error::DeviceError;
use crate::model::ComponentSpec;

/// The provider call a fault is armed for.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCall {
    /// `get`.
    #[serde(rename = "get")]
    Get,
    /// `apply`, dry runs included.
    #[serde(rename = "apply")]
    Apply,
    /// `get_validation_rule`.
    #[serde(rename = "get_validation_rule")]
    GetValidationRule,
}

impl FaultCall {
    /// Its JSON name, the call's own name.
    pub fn name(self) -> &'static str {
        match self {
            FaultCall::Get => "get",
            FaultCall::Apply => "apply",
            FaultCall::GetValidationRule => "get_validation_rule",
        }
    }
}

/// What a fault does to the call that consumes it.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FaultEffect {
    /// The call returns `Err(message)` (default `sim fault: <call> failed`); the device's
    /// components are untouched.
    Fail,
    /// `apply` only: `component` gets `UpdateFailed`/`DeleteFailed` with the message and is
    /// neither stored nor deleted; the rest of the step proceeds. Shows in a dry run too.
    FailComponent,
    /// The call first sleeps `ms` milliseconds.
    Latency,
    /// The call panics with the message (default `sim fault: <call> panicked`).
    Panic,
    /// The call never returns; it says so on stderr first.
    Hang,
    /// `get` only: `component` is not reported.
    Omit,
    /// `get_validation_rule` only: the zero rule, what Go uses when the call fails: no
    /// required type, no change detection.
    ZeroRule,
}

impl FaultEffect {
    /// Its JSON name.
    pub fn name(self) -> &'static str {
        match self {
            FaultEffect::Fail => "fail",
            FaultEffect::FailComponent => "fail-component",
            FaultEffect::Latency => "latency",
            FaultEffect::Panic => "panic",
            FaultEffect::Hang => "hang",
            FaultEffect::Omit => "omit",
            FaultEffect::ZeroRule => "zero-rule",
        }
    }
}

/// How many matching calls consume a fault: a JSON number from 1, or `"always"` (every
/// matching call until [`super::DeviceChannel::clear_faults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTimes {
    /// This many more calls.
    Count(u32),
    /// Every matching call until cleared.
    Always,
}

impl Serialize for FaultTimes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FaultTimes::Count(count) => serializer.serialize_u32(*count),
            FaultTimes::Always => serializer.serialize_str("always"),
        }
    }
}

struct TimesVisitor;

impl Visitor<'_> for TimesVisitor {
    type Value = FaultTimes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of calls from 1, or \"always\"")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<FaultTimes, E> {
        match u32::try_from(value) {
            Ok(count) if count > 0 => Ok(FaultTimes::Count(count)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(value), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<FaultTimes, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<FaultTimes, E> {
        if value == "always" {
            Ok(FaultTimes::Always)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }
}

impl<'de> Deserialize<'de> for FaultTimes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FaultTimes, D::Error> {
        deserializer.deserialize_any(TimesVisitor)
    }
}

/// A fault armed on a simulated device for its next calls, e.g.
/// `{"call":"apply","effect":"fail","message":"disk full","times":1}`.
///
/// A call consumes, in arming order, the faults it matches: at most one per effect (per effect
/// and component for `fail-component` and `omit`), and one of `fail`, `panic` and `hang`,
/// which end the call. The call's journal entry lists them ([`Fault::label`]).
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// The call it is armed for.
    pub call: FaultCall,
    /// What it does.
    pub effect: FaultEffect,
    /// `fail-component` and `omit` (required): the component. Other effects of `get` and
    /// `apply` (optional): the fault only matches a call whose references or step name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// `fail`, `fail-component`, `panic` and `hang`: the text (each has a default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `latency` (required): milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// How many matching calls consume it; absent means once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<FaultTimes>,
}

impl Fault {
    /// A fault of `effect` for the next `call`, once, with no other field.
    pub fn new(call: FaultCall, effect: FaultEffect) -> Fault {
        Fault {
            call,
            effect,
            component: None,
            message: None,
            ms: None,
            times: None,
        }
    }

    /// How the simulator's journal names it once consumed: `<call> <effect>`, then
    /// ` <component>` if it has one (`apply fail`, `get omit web`).
    pub fn label(&self) -> String {
        match &self.component {
            Some(component) => {
                format!("{} {} {component}", self.call.name(), self.effect.name())
            }
            None => format!("{} {}", self.call.name(), self.effect.name()),
        }
    }

    /// Refuses a fault whose fields do not fit its call and effect; the reason says which.
    pub fn check(&self) -> Result<(), String> {
        let (call, effect) = (self.call, self.effect);
        let only = match effect {
            FaultEffect::FailComponent => Some(FaultCall::Apply),
            FaultEffect::Omit => Some(FaultCall::Get),
            FaultEffect::ZeroRule => Some(FaultCall::GetValidationRule),
            _ => None,
        };
        if let Some(wanted) = only.filter(|wanted| *wanted != call) {
            return Err(format!(
                "effect `{}` is only for `{}` calls, not `{}`",
                effect.name(),
                wanted.name(),
                call.name()
            ));
        }
        let needs_component = matches!(effect, FaultEffect::FailComponent | FaultEffect::Omit);
        match self.component.as_deref() {
            None if needs_component => {
                return Err(format!("effect `{}` needs a `component`", effect.name()))
            }
            Some("") => return Err("`component` is empty".to_string()),
            Some(_) if call == FaultCall::GetValidationRule => {
                return Err("`get_validation_rule` has no components: drop `component`".into())
            }
            _ => {}
        }
        match (self.ms, effect) {
            (None, FaultEffect::Latency) => return Err("effect `latency` needs `ms`".to_string()),
            (Some(_), effect) if effect != FaultEffect::Latency => {
                return Err(format!(
                    "`ms` is only for effect `latency`, not `{}`",
                    effect.name()
                ))
            }
            _ => {}
        }
        let takes_message = matches!(
            effect,
            FaultEffect::Fail | FaultEffect::FailComponent | FaultEffect::Panic | FaultEffect::Hang
        );
        if self.message.is_some() && !takes_message {
            return Err(format!(
                "`message` is only for effects fail, fail-component, panic and hang, not `{}`",
                effect.name()
            ));
        }
        Ok(())
    }
}

/// A change to a simulated device's components behind the provider's back. Externally tagged
/// in JSON, e.g. `{"setProperty":{"component":"web","property":"image","value":"nginx:1.26"}}`
/// or `{"deleteComponent":{"component":"web"}}`.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum DeviceEdit {
    /// Sets one property of a component on the device (added if it has none).
    SetProperty {
        /// The component; it must be on the device.
        component: String,
        /// The property.
        property: String,
        /// Its new value, any JSON.
        value: Value,
    },
    /// Removes one property of a component on the device; both must exist.
    DeleteProperty {
        /// The component.
        component: String,
        /// The property.
        property: String,
    },
    /// Removes a component from the device; it must be there.
    DeleteComponent {
        /// The component.
        component: String,
    },
    /// Puts a component no deployment made on the device (a foreign component); no component
    /// of that name may be there yet.
    AddComponent {
        /// The component as the device will hold it.
        component: ComponentSpec,
    },
    /// Replaces every component on the device.
    Replace {
        /// The device's new components.
        components: Vec<ComponentSpec>,
    },
}

impl DeviceEdit {
    /// Makes the edit on `components` (by name), or says why it cannot.
    pub fn apply_to(
        &self,
        components: &mut BTreeMap<String, ComponentSpec>,
    ) -> Result<(), DeviceError> {
        let missing = |components: &BTreeMap<String, ComponentSpec>, name: &str| {
            DeviceError::MissingComponent {
                component: name.to_string(),
                found: components.keys().cloned().collect(),
            }
        };
        match self {
            DeviceEdit::SetProperty {
                component,
                property,
                value,
            } => {
                let Some(spec) = components.get_mut(component) else {
                    return Err(missing(components, component));
                };
                spec.properties.insert(property.clone(), value.clone());
            }
            DeviceEdit::DeleteProperty {
                component,
                property,
            } => {
                let Some(spec) = components.get_mut(component) else {
                    return Err(missing(components, component));
                };
                if spec.properties.remove(property).is_none() {
                    return Err(DeviceError::MissingProperty {
                        component: component.clone(),
                        property: property.clone(),
                        found: spec.properties.keys().cloned().collect(),
                    });
                }
            }
            DeviceEdit::DeleteComponent { component } => {
                if components.remove(component).is_none() {
                    return Err(missing(components, component));
                }
            }
            DeviceEdit::AddComponent { component } => {
                if components.contains_key(&component.name) {
                    return Err(DeviceError::ComponentExists {
                        component: component.name.clone(),
                    });
                }
                components.insert(component.name.clone(), component.clone());
            }
            DeviceEdit::Replace { components: new } => {
                *components = new
                    .iter()
                    .map(|spec| (spec.name.clone(), spec.clone()))
                    .collect();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fault_reads_the_simulators_json_and_writes_it_back_the_same() {
        for text in [
            json!({"call":"apply","effect":"fail","message":"disk full","times":1}),
            json!({"call":"get","effect":"omit","component":"web","times":"always"}),
            json!({"call":"get_validation_rule","effect":"zero-rule"}),
            json!({"call":"apply","effect":"latency","ms":5}),
        ] {
            let fault: Fault = serde_json::from_value(text.clone()).unwrap();
            assert_eq!(fault.check(), Ok(()), "{text}");
            assert_eq!(serde_json::to_value(&fault).unwrap(), text);
        }
    }

    #[test]
    fn malformed_faults_are_refused_by_serde_or_by_check() {
        for (text, needle) in [
            (
                json!({"call":"apply","effect":"fail","time":1}),
                "unknown field `time`",
            ),
            (
                json!({"call":"apply","effect":"fail","times":0}),
                "\"always\"",
            ),
            (json!({"call":"apply","effect":"explode"}), "fail-component"),
        ] {
            let err = serde_json::from_value::<Fault>(text.clone()).unwrap_err();
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
        let cases = [
            (
                json!({"call":"get","effect":"fail-component","component":"a"}),
                "only for `apply`",
            ),
            (
                json!({"call":"apply","effect":"omit","component":"a"}),
                "only for `get`",
            ),
            (
                json!({"call":"apply","effect":"zero-rule"}),
                "`get_validation_rule`",
            ),
            (json!({"call":"get","effect":"omit"}), "needs a `component`"),
            (json!({"call":"get","effect":"latency"}), "needs `ms`"),
            (
                json!({"call":"get","effect":"panic","ms":1}),
                "`ms` is only",
            ),
            (
                json!({"call":"get","effect":"latency","ms":1,"message":"m"}),
                "`message`",
            ),
            (
                json!({"call":"apply","effect":"fail","component":""}),
                "empty",
            ),
            (
                json!({"call":"get_validation_rule","effect":"fail","component":"a"}),
                "no components",
            ),
        ];
        for (text, needle) in cases {
            let fault: Fault = serde_json::from_value(text.clone()).unwrap();
            let err = fault.check().unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn edits_are_externally_tagged_camel_case_and_strict() {
        let edit: DeviceEdit = serde_json::from_value(json!(
            {"setProperty":{"component":"web","property":"image","value":"nginx:1.26"}}
        ))
        .unwrap();
        assert_eq!(
            edit,
            DeviceEdit::SetProperty {
                component: "web".into(),
                property: "image".into(),
                value: json!("nginx:1.26"),
            }
        );
        let err = serde_json::from_value::<DeviceEdit>(
            json!({"deleteComponent":{"component":"web","why":"x"}}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `why`"), "{err}");
        let err = serde_json::from_value::<DeviceEdit>(json!({"dropComponent":{}})).unwrap_err();
        assert!(err.to_string().contains("deleteComponent"), "{err}");
    }
}
