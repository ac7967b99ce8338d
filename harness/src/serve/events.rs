//! What `serve` reports while it runs: [`ServeEvent`]s handed to a [`ServeSink`].
//!
//! `serve` never prints. The command line hands it a sink (`report::serve` writes the console
//! `docker compose up` showed, and more); tests collect the events. Each HTTP request and its
//! answer, each job (one reconcile of a target or an instance) and its verdict are one event;
//! the calls inside a round go to the engine's own [`EventSink`], one per object, so the
//! provider's output is printed under its call and labelled as the provider's.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::engine::events::EventSink;
use crate::engine::reconcile::RoundReport;
use crate::model::Symphony;

/// Which kind of object a job reconciles.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    /// A Target: its own components (`target-runtime-<name>`).
    Target,
    /// An Instance: its solution on the targets it selects.
    Instance,
}

impl ObjectKind {
    /// `target` or `instance`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Target => "target",
            ObjectKind::Instance => "instance",
        }
    }
}

/// An object that is reconciled: its kind, namespace and name.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// Target or instance.
    pub kind: ObjectKind,
    /// Its namespace (`default` unless given).
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl fmt::Display for ObjectRef {
    /// `target my-target`, or `target edge/my-target` outside the `default` namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace == crate::engine::objects::DEFAULT_NAMESPACE {
            write!(f, "{} {}", self.kind.as_str(), self.name)
        } else {
            write!(f, "{} {}/{}", self.kind.as_str(), self.namespace, self.name)
        }
    }
}

/// Why a round ran: Symphony's job sources (`docs/serve.md`, "When rounds run").
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The object was written (`POST`): a job at once.
    Post,
    /// The jobs manager's poll.
    Poll,
    /// The object was deleted (`DELETE`): the removal.
    Delete,
}

impl Trigger {
    /// `post`, `poll` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Post => "post",
            Trigger::Poll => "poll",
            Trigger::Delete => "delete",
        }
    }
}

/// Symphony's provisioning status words (`k8s/utils/model/provisioning-states.go`).
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provisioning {
    /// The first round has not ended yet.
    Reconciling,
    /// The removal runs.
    Deleting,
    /// The last round deployed everything assigned.
    Succeeded,
    /// The last round failed.
    Failed,
}

impl Provisioning {
    /// The word Symphony writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Provisioning::Reconciling => "Reconciling",
            Provisioning::Deleting => "Deleting",
            Provisioning::Succeeded => "Succeeded",
            Provisioning::Failed => "Failed",
        }
    }
}

/// One thing `serve` did.
#[derive(Debug)]
pub enum ServeEvent<'a> {
    /// The server listens.
    Listening {
        /// The address it is bound to.
        address: SocketAddr,
        /// The Symphony release whose routes and JSON it speaks.
        release: Symphony,
        /// Where `/extensions/` libraries are found.
        extensions: &'a Path,
        /// The jobs manager's poll interval (`None`: no polling).
        poll: Option<Duration>,
    },
    /// An HTTP request was answered.
    Answered {
        /// `GET`, `POST`, …
        method: &'a str,
        /// The path, without the query.
        path: &'a str,
        /// The HTTP status sent.
        status: u16,
        /// What was done, or why it was refused (the body of an error).
        note: Option<&'a str>,
    },
    /// A round starts.
    RoundStarted {
        /// The object.
        object: &'a ObjectRef,
        /// Why it runs.
        trigger: Trigger,
    },
    /// A job could not reconcile at all: its objects give no deployment Symphony would
    /// reconcile (Symphony's job fails the same way on every poll).
    JobFailed {
        /// The object.
        object: &'a ObjectRef,
        /// Why it runs.
        trigger: Trigger,
        /// What Symphony would say.
        message: &'a str,
    },
    /// A round ended.
    RoundFinished {
        /// The object.
        object: &'a ObjectRef,
        /// Why it ran.
        trigger: Trigger,
        /// The round's report.
        report: &'a RoundReport,
        /// The status the object has now.
        status: Provisioning,
        /// When the next poll reconciles it again (`None`: not polled).
        next: Option<Duration>,
    },
    /// The object was deleted after its removal succeeded (a `GET` now answers 404).
    Deleted {
        /// The object.
        object: &'a ObjectRef,
    },
    /// The server stopped: no request is answered and every job thread (with its provider
    /// workers) has ended.
    Stopped {
        /// Why.
        reason: &'a str,
    },
    /// Something the user should know: keys Symphony ignores, a skipped hash check, ….
    Warning {
        /// The object it is about, if any.
        object: Option<&'a ObjectRef>,
        /// The warning.
        message: &'a str,
    },
}

/// Receives what `serve` does, from every thread.
pub trait ServeSink: Send + Sync {
    /// Called for every event.
    fn event(&self, event: &ServeEvent<'_>);

    /// The sink of the engine's events during `object`'s rounds: every call, the provider's
    /// output, every decision.
    fn rounds_of(&self, object: &ObjectRef) -> Box<dyn EventSink>;
}

/// A sink that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl ServeSink for Quiet {
    fn event(&self, _event: &ServeEvent<'_>) {}

    fn rounds_of(&self, _object: &ObjectRef) -> Box<dyn EventSink> {
        Box::new(crate::engine::events::NoSink)
    }
}
