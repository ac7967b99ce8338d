//! The framed protocol between supervisor and worker.
//!
//! Each frame is a 4-byte little-endian length followed by that many bytes of JSON. Requests
//! go down the worker's stdin, replies come up its stdout; the worker points its own stdout
//! at a memory file before loading anything, so a provider's `println!` can never corrupt a
//! frame: what it printed travels in the [`Reply`] of the call it printed in.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{HostMode, WorkerError};
use crate::engine::CallError;
use crate::load::{ImageHandoff, LoadFailure};
use crate::model::{
    BindingConfig, CallPart, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep,
    ValidationRule,
};

/// The largest frame accepted (a deployment is kilobytes; this is a corruption guard).
pub const MAX_FRAME: u32 = 256 * 1024 * 1024;

/// A provider instance inside one worker.
pub type InstanceId = u64;

/// What the supervisor asks of a worker.
///
/// Tag and body are separate fields (tag first), so a body is read in one pass: an
/// internally tagged enum would buffer it, and the round document's raw JSON text cannot be
/// read from a buffer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", content = "body", rename_all = "kebab-case")]
pub enum Request {
    /// Load the library (once per worker).
    Load {
        /// The library path.
        path: PathBuf,
        /// The binding's `libHash` (`any` or hex).
        lib_hash: String,
        /// Load even an incompatible library.
        force: bool,
        /// Which host code to run it with.
        host: HostMode,
        /// How long the worker waits for its next request without sleeping, in µs (see
        /// `SupervisorConfig::spin`).
        #[serde(default)]
        spin_us: u64,
        /// The image the supervisor already judged and sealed, to load instead of reading
        /// the path again (`load::image`); the path is the fallback.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<Box<ImageHandoff>>,
    },
    /// `create_provider` with this binding config.
    Create {
        /// The binding config.
        config: BindingConfig,
    },
    /// `get_validation_rule`.
    ValidationRule {
        /// The instance.
        instance: InstanceId,
    },
    /// `get`.
    Get {
        /// The instance.
        instance: InstanceId,
        /// The deployment.
        deployment: WireDeployment,
        /// The references.
        references: Vec<ComponentStep>,
    },
    /// `apply`.
    Apply {
        /// The instance.
        instance: InstanceId,
        /// The deployment.
        deployment: WireDeployment,
        /// The step.
        step: DeploymentStep,
        /// Dry run.
        dry_run: bool,
    },
    /// Drop an instance (Symphony never does; for `reuse`-style hosts).
    Drop {
        /// The instance.
        instance: InstanceId,
    },
}

/// A call's deployment on its way to the worker: the round's shared document travels once
/// per worker process and is then named by its id; the call's own part travels every time
/// (see [`crate::model::payload`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireDeployment {
    /// The supervisor's id of the round's document.
    pub round: u64,
    /// The round's document, when this worker process has not been sent it yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Box<RawValue>>,
    /// The call's own part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own: Option<CallPart>,
}

impl PartialEq for WireDeployment {
    fn eq(&self, other: &Self) -> bool {
        self.round == other.round
            && self.own == other.own
            && self.shared.as_ref().map(|json| json.get())
                == other.shared.as_ref().map(|json| json.get())
    }
}

/// What a worker answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response", content = "body", rename_all = "kebab-case")]
pub enum Response {
    /// The library is loaded.
    Loaded {
        /// SHA-256 of the bytes loaded (empty in `symphony` host mode, which hashes per create).
        sha256: String,
        /// True when the hash was actually checked (not `any`).
        hash_checked: bool,
    },
    /// The library did not load.
    LoadFailed(LoadFailure),
    /// A new instance.
    Created {
        /// Its id.
        instance: InstanceId,
    },
    /// A validation rule.
    Rule(Box<ValidationRule>),
    /// `get`'s components.
    Components(Vec<ComponentSpec>),
    /// `apply`'s results.
    Results(BTreeMap<String, ComponentResult>),
    /// The instance was dropped.
    Dropped,
    /// The call failed without killing the worker.
    Failed(CallError),
}

/// A [`Response`], and what the provider wrote to its stdout while the worker handled the
/// request. (Its stderr is the worker's, read by the supervisor from the pipe: a dying
/// provider's panic message must arrive even when no reply does.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The answer.
    pub response: Response,
    /// The provider's stdout during the request (empty when nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout: String,
}

/// Writes one frame.
pub fn write_frame<T: Serialize>(out: &mut impl Write, message: &T) -> Result<(), WorkerError> {
    let body = serde_json::to_vec(message).map_err(|err| WorkerError::Frame(err.to_string()))?;
    let len = u32::try_from(body.len())
        .ok()
        .filter(|len| *len <= MAX_FRAME)
        .ok_or_else(|| WorkerError::Frame(format!("frame of {} bytes is too large", body.len())))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&body)?;
    out.flush()?;
    Ok(())
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub fn read_frame<T: for<'de> Deserialize<'de>>(
    input: &mut impl Read,
) -> Result<Option<T>, WorkerError> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(err) => return Err(err.into()),
    }
    let len = u32::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(WorkerError::Frame(format!(
            "frame length {len} is too large"
        )));
    }
    let mut body = vec![0u8; len as usize];
    input.read_exact(&mut body)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|err| WorkerError::Frame(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let request = Request::ValidationRule { instance: 7 };
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &request).unwrap();
        assert_eq!(&buffer[..4], &(buffer.len() as u32 - 4).to_le_bytes());
        let back: Request = read_frame(&mut buffer.as_slice()).unwrap().unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn a_call_with_the_round_document_and_its_own_part_round_trips() {
        let shared =
            RawValue::from_string(r#"{"instance":{"spec":{"scope":"a"}},"targets":{}}"#.into())
                .unwrap();
        let request = Request::Get {
            instance: 1,
            deployment: WireDeployment {
                round: 9,
                shared: Some(shared),
                own: Some(CallPart::new(
                    "t1",
                    serde_json::json!({"spec": {"scope": "b"}}),
                )),
            },
            references: Vec::new(),
        };
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &request).unwrap();
        let back: Request = read_frame(&mut buffer.as_slice()).unwrap().unwrap();
        assert_eq!(back, request);
        // Without the document, only its id travels.
        let Request::Get { mut deployment, .. } = back else {
            panic!("a get came back as {back:?}");
        };
        deployment.shared = None;
        let text = serde_json::to_string(&deployment).unwrap();
        assert!(!text.contains("targets"), "{text}");
    }

    #[test]
    fn empty_stream_is_a_clean_end() {
        let none: Option<Request> = read_frame(&mut &b""[..]).unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn truncated_and_garbage_frames_are_errors() {
        assert!(read_frame::<Request>(&mut &[5u8, 0, 0, 0, b'{'][..]).is_err());
        assert!(read_frame::<Request>(&mut &[2u8, 0, 0, 0, b'h', b'i'][..]).is_err());
        assert!(read_frame::<Request>(&mut &[255u8, 255, 255, 255][..]).is_err());
    }

    #[test]
    fn every_response_shape_round_trips() {
        let responses = vec![
            Response::Components(vec![ComponentSpec {
                name: "a".into(),
                ..ComponentSpec::default()
            }]),
            Response::Results(BTreeMap::from([(
                "a".to_string(),
                ComponentResult {
                    status: 8004,
                    message: String::new(),
                },
            )])),
            Response::Rule(Box::default()),
            Response::Created { instance: 3 },
            Response::Dropped,
            Response::Failed(CallError::Timeout { after_ms: 5 }),
        ];
        for response in responses {
            let mut buffer = Vec::new();
            write_frame(&mut buffer, &response).unwrap();
            let back: Response = read_frame(&mut buffer.as_slice()).unwrap().unwrap();
            assert_eq!(back, response);
        }
    }

    #[test]
    fn a_reply_carries_the_providers_stdout_and_omits_it_when_empty() {
        let said = Reply {
            response: Response::Dropped,
            stdout: "hello\n".into(),
        };
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &said).unwrap();
        let back: Reply = read_frame(&mut buffer.as_slice()).unwrap().unwrap();
        assert_eq!(back, said);
        let quiet = Reply {
            response: Response::Dropped,
            stdout: String::new(),
        };
        let text = serde_json::to_string(&quiet).unwrap();
        assert!(!text.contains("stdout"), "{text}");
    }

    #[test]
    fn call_errors_travel_with_their_outcome_tag() {
        let response = Response::Failed(CallError::ErrorWithoutMessage);
        let text = serde_json::to_string(&response).unwrap();
        assert!(
            text.contains(r#""outcome":"error-without-message""#),
            "{text}"
        );
    }
}
