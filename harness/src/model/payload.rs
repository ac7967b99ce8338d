//! The deployment a provider call receives, with the part every call of a round shares.
//!
//! Symphony marshals a whole deployment for every `get` and every `apply`. Within one
//! reconcile those documents differ only in `activeTarget` and in the instance (its scope,
//! and for `apply` its metadata). So the engine builds the round's document once, a
//! [`RoundDeployment`], and each call carries only what is its own, a [`CallDeployment`].
//!
//! A consumer that needs the whole document materializes it ([`CallDeployment::to_value`]);
//! one that parses it into other types may keep its parse of the shared part for as long as
//! it holds the document's [`RoundHandle`], and of a call's own part for as long as it holds
//! that part's `Arc` ([`CallDeployment::own_shared`]). This module keeps no cache and no
//! global state: each cache is a value its owner holds (the reconciler, a factory, a
//! supervisor). Either way the provider sees exactly the document Symphony would have sent.

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::wire::Symphony;

/// One round's deployment document, shared by all of the round's calls. It is kept as JSON
/// text: that is what crosses every boundary (a worker's pipe, Symphony's host shim), and a
/// consumer parses it straight into its own types.
pub struct RoundDeployment {
    json: Arc<RawValue>,
    generation: Symphony,
}

impl std::fmt::Debug for RoundDeployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoundDeployment")
            .field("generation", &self.generation)
            .field("json", &self.json.get())
            .finish()
    }
}

/// Names one [`RoundDeployment`]'s document for as long as it is held: two handles are equal
/// only when they name the same document. Holding a handle keeps that document's text alive,
/// so it can never be confused with a later document built in its place; a cache that keys on
/// a handle (a supervisor's "this worker holds it", a factory's parse) can never serve an
/// entry for a different document.
#[derive(Clone)]
pub struct RoundHandle(Arc<RawValue>);

impl PartialEq for RoundHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RoundHandle {}

impl std::fmt::Debug for RoundHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("RoundHandle")
            .field(&Arc::as_ptr(&self.0))
            .finish()
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
            json: Arc::from(json),
            generation,
        }
    }

    /// A handle naming this document (see [`RoundHandle`]).
    pub fn handle(&self) -> RoundHandle {
        RoundHandle(Arc::clone(&self.json))
    }

    /// True when `handle` names this document.
    pub fn is(&self, handle: &RoundHandle) -> bool {
        Arc::ptr_eq(&self.json, &handle.0)
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
}

/// What one call has of its own: the instance and the active target. The engine shares one
/// (`Arc`) between the calls that have the same, such as one step's calls in round after round.
#[derive(serde::Serialize, serde::Deserialize, Clone, PartialEq, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CallPart {
    /// `activeTarget`; empty means omitted.
    pub active_target: String,
    /// `instance`, in the round document's wire generation.
    pub instance: Value,
}

impl CallPart {
    /// A call's own part.
    pub fn new(active_target: &str, instance: Value) -> CallPart {
        CallPart {
            active_target: active_target.to_string(),
            instance,
        }
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

    /// What this call has of its own, as shared with other calls: a consumer may keep its
    /// parse of the part for as long as it holds this `Arc` (compared with `Arc::ptr_eq`).
    pub fn own_shared(&self) -> Option<&Arc<CallPart>> {
        self.own.as_ref()
    }

    /// The whole document, exactly as Symphony would send it.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        whole_value(&self.round.json, self.own.as_deref())
    }

    /// The document kept for later ([`SentDeployment`]): both parts shared, nothing copied.
    pub fn sent(&self) -> SentDeployment {
        SentDeployment {
            json: Arc::clone(&self.round.json),
            own: self.own.clone(),
        }
    }

    /// The whole document as JSON text.
    pub fn to_json(&self) -> serde_json::Result<Cow<'a, str>> {
        match &self.own {
            None => Ok(Cow::Borrowed(self.round.json.get())),
            Some(_) => serde_json::to_string(&self.to_value()?).map(Cow::Owned),
        }
    }
}

/// The document made of the round's shared `json` and a call's `own` part.
fn whole_value(json: &RawValue, own: Option<&CallPart>) -> serde_json::Result<Value> {
    let mut value: Value = serde_json::from_str(json.get())?;
    if let (Some(own), Some(map)) = (own, value.as_object_mut()) {
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

/// A call's deployment document, kept after the call (in a transcript): the round's shared
/// text and the call's own part, both shared, so keeping one copies nothing; the whole
/// document is made only when it is written ([`SentDeployment::to_value`], or serialized).
#[derive(Clone, Debug)]
pub struct SentDeployment {
    json: Arc<RawValue>,
    own: Option<Arc<CallPart>>,
}

impl SentDeployment {
    /// The whole document, exactly as the call received it.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        whole_value(&self.json, self.own.as_deref())
    }
}

/// The same document: the same shared text (the same `Arc`, or equal text) and an equal
/// own part.
impl PartialEq for SentDeployment {
    fn eq(&self, other: &Self) -> bool {
        let same_round =
            Arc::ptr_eq(&self.json, &other.json) || self.json.get() == other.json.get();
        let same_own = match (&self.own, &other.own) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            _ => false,
        };
        same_round && same_own
    }
}

impl serde::Serialize for SentDeployment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
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
    fn a_handle_names_one_document_and_never_a_later_one_with_the_same_text() {
        let first = RoundDeployment::new(&json!({"activeTarget": "t"}));
        let handle = first.handle();
        assert!(first.is(&handle));
        assert_eq!(handle, first.handle());
        drop(first);
        // The same text, built after the first document was dropped: the handle still holds
        // the first one's text, so the new one cannot take its place.
        let second = RoundDeployment::new(&json!({"activeTarget": "t"}));
        assert!(!second.is(&handle));
        assert_ne!(second.handle(), handle);
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
    }
}
