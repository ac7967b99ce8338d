//! The deployment a provider call receives, with the part every call of a round shares.
//!
//! Symphony marshals a whole deployment for every `get` and every `apply`. Within one
//! reconcile those documents differ only in `activeTarget` and in the instance (its scope,
//! and for `apply` its metadata). So the engine builds the round's document once, a
//! [`RoundDeployment`], and each call carries only what is its own, a [`CallDeployment`].
//!
//! A consumer that needs the whole document materializes it ([`CallDeployment::to_value`]);
//! one that parses it into other types parses the shared part once
//! ([`RoundDeployment::parsed`]) and only the call's own part per call. Either way the
//! provider sees exactly the document Symphony would have sent.

use std::any::Any;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::wire::Symphony;

/// Numbers every [`RoundDeployment`] made by this process, so that a cache elsewhere (a
/// worker process) can tell one from another.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A document parsed once into a consumer's own type: the first type asked for is kept;
/// asking for another parses afresh each time (correct, only slower). Errors are not kept.
#[derive(Default)]
struct ParsedOnce(OnceLock<Box<dyn Any + Send + Sync>>);

impl ParsedOnce {
    fn get_or_parse<S: ?Sized, T: Clone + Send + Sync + 'static, E>(
        &self,
        source: &S,
        parse: impl Fn(&S) -> Result<T, E>,
    ) -> Result<Cow<'_, T>, E> {
        let cached = match self.0.get() {
            Some(cached) => cached,
            None => {
                let parsed = parse(source)?;
                self.0.get_or_init(|| Box::new(parsed))
            }
        };
        match cached.downcast_ref::<T>() {
            Some(parsed) => Ok(Cow::Borrowed(parsed)),
            None => parse(source).map(Cow::Owned),
        }
    }
}

/// One round's deployment document, shared by all of the round's calls. It is kept as JSON
/// text: that is what crosses every boundary (a worker's pipe, Symphony's host shim), and a
/// consumer parses it straight into its own types.
pub struct RoundDeployment {
    id: u64,
    json: Box<RawValue>,
    generation: Symphony,
    /// The document parsed into a consumer's own types, once (see [`RoundDeployment::parsed`]).
    parsed: ParsedOnce,
}

impl std::fmt::Debug for RoundDeployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoundDeployment")
            .field("id", &self.id)
            .field("generation", &self.generation)
            .field("json", &self.json.get())
            .finish_non_exhaustive()
    }
}

impl From<Value> for RoundDeployment {
    fn from(value: Value) -> Self {
        RoundDeployment::new(&value)
    }
}

/// Just enough of a deployment to tell its wire generation (see [`Symphony`]).
#[derive(Deserialize)]
struct GenerationProbe {
    #[serde(rename = "solutionName")]
    solution_name: Option<IgnoredAny>,
    #[serde(rename = "solutionversionName")]
    solutionversion_name: Option<IgnoredAny>,
}

impl RoundDeployment {
    /// Wraps a deployment document written in either wire generation.
    pub fn new(value: &Value) -> RoundDeployment {
        // A `Value` always serializes (its map keys are strings).
        let json =
            serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned());
        RoundDeployment::from_json(json)
    }

    /// Wraps a deployment document given as JSON text, in either wire generation.
    pub fn from_json(json: Box<RawValue>) -> RoundDeployment {
        let generation = match serde_json::from_str::<GenerationProbe>(json.get()) {
            Ok(GenerationProbe {
                solution_name: Some(_),
                solutionversion_name: None,
            }) => Symphony::V048,
            _ => Symphony::V049,
        };
        RoundDeployment {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            json,
            generation,
            parsed: ParsedOnce::default(),
        }
    }

    /// Unique within this process.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The shared document's JSON text (with the instance and `activeTarget` it was built
    /// with).
    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// The wire generation the document is written in.
    pub fn generation(&self) -> Symphony {
        self.generation
    }

    /// The document as a call receives it when nothing is its own.
    pub fn whole(&self) -> CallDeployment<'_> {
        CallDeployment {
            round: self,
            own: None,
        }
    }

    /// The document for one call: `instance` (in this document's wire generation) and
    /// `active_target` replace the shared ones. An empty `active_target` is omitted, as Go's
    /// `omitempty` does.
    pub fn for_call(&self, active_target: &str, instance: Value) -> CallDeployment<'_> {
        self.with_part(Arc::new(CallPart::new(active_target, instance)))
    }

    /// The document for one call, with a call part that may be shared with other calls.
    pub fn with_part(&self, part: Arc<CallPart>) -> CallDeployment<'_> {
        CallDeployment {
            round: self,
            own: Some(part),
        }
    }

    /// The shared document parsed by `parse`, computed on the first call and then reused.
    ///
    /// One type is cached per document, the first one asked for; asking for another type
    /// parses afresh each time (correct, only slower). Errors are not cached.
    pub fn parsed<T: Clone + Send + Sync + 'static, E>(
        &self,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Cow<'_, T>, E> {
        self.parsed.get_or_parse(self.json.get(), parse)
    }
}

/// What one call has of its own: the instance and the active target. The engine shares one
/// (`Arc`) between the calls that have the same, such as one step's calls in round after round.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallPart {
    /// `activeTarget`; empty means omitted.
    pub active_target: String,
    /// `instance`, in the round document's wire generation.
    pub instance: Value,
    /// The instance parsed into a consumer's own type, once.
    #[serde(skip)]
    parsed: ParsedOnce,
}

impl CallPart {
    /// A call's own part.
    pub fn new(active_target: &str, instance: Value) -> CallPart {
        CallPart {
            active_target: active_target.to_string(),
            instance,
            parsed: ParsedOnce::default(),
        }
    }

    /// The instance parsed by `parse`, computed on the first call and then reused (as
    /// [`RoundDeployment::parsed`]).
    pub fn parsed_instance<T: Clone + Send + Sync + 'static, E>(
        &self,
        parse: impl Fn(&Value) -> Result<T, E>,
    ) -> Result<Cow<'_, T>, E> {
        self.parsed.get_or_parse(&self.instance, parse)
    }
}

impl Clone for CallPart {
    fn clone(&self) -> Self {
        CallPart::new(&self.active_target, self.instance.clone())
    }
}

impl PartialEq for CallPart {
    fn eq(&self, other: &Self) -> bool {
        self.active_target == other.active_target && self.instance == other.instance
    }
}

impl std::fmt::Debug for CallPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallPart")
            .field("active_target", &self.active_target)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// The deployment document of one provider call.
#[derive(Debug, Clone)]
pub struct CallDeployment<'a> {
    round: &'a RoundDeployment,
    own: Option<Arc<CallPart>>,
}

impl<'a> CallDeployment<'a> {
    /// Builds the call's document from its parts (a receiver of [`CallDeployment::own`]).
    pub fn new(round: &'a RoundDeployment, own: Option<Arc<CallPart>>) -> CallDeployment<'a> {
        CallDeployment { round, own }
    }

    /// The round's shared document.
    pub fn round(&self) -> &'a RoundDeployment {
        self.round
    }

    /// What this call has of its own, if anything.
    pub fn own(&self) -> Option<&CallPart> {
        self.own.as_deref()
    }

    /// The whole document, exactly as Symphony would send it.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        let mut value: Value = serde_json::from_str(self.round.json.get())?;
        if let (Some(own), Some(map)) = (&self.own, value.as_object_mut()) {
            map.insert("instance".to_string(), own.instance.clone());
            if own.active_target.is_empty() {
                map.remove("activeTarget");
            } else {
                map.insert(
                    "activeTarget".to_string(),
                    Value::String(own.active_target.clone()),
                );
            }
        }
        Ok(value)
    }

    /// The whole document as JSON text.
    pub fn to_json(&self) -> serde_json::Result<Cow<'a, str>> {
        match &self.own {
            None => Ok(Cow::Borrowed(self.round.json.get())),
            Some(_) => serde_json::to_string(&self.to_value()?).map(Cow::Owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;

    #[test]
    fn the_generation_is_read_from_the_top_level_names() {
        let of = |value: Value| RoundDeployment::new(&value).generation();
        assert_eq!(of(json!({"solutionName": "s"})), Symphony::V048);
        assert_eq!(of(json!({"solutionversionName": "s"})), Symphony::V049);
        assert_eq!(
            of(json!({"solutionName": "s", "solutionversionName": "s"})),
            Symphony::V049
        );
        assert_eq!(of(json!({})), Symphony::V049);
    }

    #[test]
    fn a_parse_is_cached_for_the_first_type_only_and_errors_are_not() {
        let round = RoundDeployment::new(&json!({"activeTarget": "t"}));
        let parses = Cell::new(0);
        let count = |json: &str| -> Result<usize, String> {
            parses.set(parses.get() + 1);
            Ok(json.len())
        };
        let failing = |_: &str| -> Result<u32, String> { Err("no".into()) };
        assert_eq!(round.parsed(failing), Err("no".to_string()));
        assert_eq!(
            *round.parsed(count).unwrap(),
            r#"{"activeTarget":"t"}"#.len()
        );
        assert_eq!(
            *round.parsed(count).unwrap(),
            r#"{"activeTarget":"t"}"#.len()
        );
        assert_eq!(parses.get(), 1, "the second call reads the cache");
        let text = |json: &str| -> Result<String, String> { Ok(json.to_string()) };
        assert!(matches!(round.parsed(text).unwrap(), Cow::Owned(_)));
    }

    #[test]
    fn a_call_part_replaces_the_instance_and_an_empty_target_is_omitted() {
        let round = RoundDeployment::new(&json!({
            "activeTarget": "old", "instance": {"spec": {"scope": "a"}}, "targets": {}
        }));
        assert_eq!(
            round.whole().to_json().unwrap(),
            r#"{"activeTarget":"old","instance":{"spec":{"scope":"a"}},"targets":{}}"#
        );
        let call = round.for_call("", json!({"spec": {"scope": "b"}}));
        assert_eq!(
            call.to_value().unwrap(),
            json!({"instance": {"spec": {"scope": "b"}}, "targets": {}})
        );
        let call = round.for_call("t2", json!({}));
        assert_eq!(call.to_value().unwrap()["activeTarget"], "t2");
        assert_ne!(round.id(), RoundDeployment::new(&json!({})).id());
    }
}
