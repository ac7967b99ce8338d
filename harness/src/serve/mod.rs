//! `serve`: Symphony's REST API on this machine, reconciling through the real engine, so the
//! tutorial's own scripts (sign in, `POST` the Target, wait, `DELETE` it) run unchanged
//! without Docker, and a provider that panics does not take the server down.
//!
//! Owns the HTTP side and the job threads; plays rounds through the same engine, supervised
//! workers and loader every command uses, and has no reconcile logic of its own. The flow:
//! [`http`] reads a request → [`routes`] checks the token ([`auth`]), stores the object
//! ([`store`]) and publishes a job → [`jobs`] runs the round on the object's own thread
//! ([`play`]: its providers and stored state) → the status ([`status`], Symphony's shape) goes
//! into the store and the round into the object's [`record`], which `GET` and the [`page`]
//! show and which is written out as a scenario file on request. What happens is reported as
//! [`events::ServeEvent`]s to a [`events::ServeSink`] (the command line prints them).
//!
//! Main type: [`Server`], made by [`Server::bind`] and run by [`Server::run`] until its stop
//! condition holds (Ctrl-C at the command line). `docs/serve.md` is the user's guide; the
//! routes and shapes are Symphony's, read from its source (paths in each file).

pub mod auth;
pub mod events;
pub mod http;
pub mod jobs;
pub mod page;
pub mod play;
pub mod record;
pub mod routes;
pub mod status;
pub mod store;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use events::{ObjectRef, ServeEvent, ServeSink};
use jobs::Jobs;
use record::Record;
use store::Store;

use crate::model::Symphony;
use crate::worker::Backend;

/// The port Symphony's API listens on in the tutorial's `docker compose` setup.
pub const DEFAULT_PORT: u16 = 8082;

/// How many threads answer requests (a slow client holds only one of them).
const HTTP_THREADS: usize = 4;

/// How often the threads look whether the server should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// How long stopping waits for rounds that are running.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// How the server reconciles.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Symphony release whose routes and JSON the server speaks.
    pub release: Symphony,
    /// How providers run.
    pub backend: Backend,
    /// Where a binding's `libFile` under `/extensions/` is found.
    pub extensions: PathBuf,
    /// The jobs manager's poll interval (Symphony: 15 s); `None`: rounds run only when an
    /// object is written or deleted.
    pub poll: Option<Duration>,
}

/// Where the server listens, and how it reconciles.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to bind (`127.0.0.1` unless told otherwise).
    pub listen: IpAddr,
    /// The port (0: any free port; the bound one is reported).
    pub port: u16,
    /// How it reconciles.
    pub settings: Settings,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be bound.
    #[error("cannot listen on `{address}`")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server cannot start on the bound socket.
    #[error("cannot serve HTTP on `{address}`: {message}")]
    Start {
        /// The address.
        address: SocketAddr,
        /// Why.
        message: String,
    },
}

impl ServeError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        let ServeError::Bind { address, source } = self else {
            return None;
        };
        let port = address.port();
        match source.kind() {
            std::io::ErrorKind::AddrInUse => Some(format!(
                "another program listens on port {port} (a `symphony-api` container? stop it with \
                 `docker compose down`), or pick another port: `symphony-harness serve --port {}`",
                port.wrapping_add(1)
            )),
            std::io::ErrorKind::PermissionDenied => Some(format!(
                "ports below 1024 need privileges: `symphony-harness serve --port {DEFAULT_PORT}`"
            )),
            std::io::ErrorKind::AddrNotAvailable => Some(
                "`--listen` must be an address of this machine: `--listen 127.0.0.1` (this \
                 machine only) or `--listen 0.0.0.0` (every interface)"
                    .to_string(),
            ),
            _ => None,
        }
    }
}

/// What the request threads and the job threads share.
pub struct Shared {
    /// How the server reconciles.
    pub settings: Settings,
    /// The objects.
    pub store: Mutex<Store>,
    /// What happened to each reconciled object.
    pub records: Mutex<BTreeMap<ObjectRef, Record>>,
    /// Where events go.
    pub sink: Arc<dyn ServeSink>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// `mutex`, locked; a thread that panicked holding it left whole values (every change under
/// these locks is one insert, remove or assignment).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A bound server, ready to run.
pub struct Server {
    http: Arc<tiny_http::Server>,
    shared: Arc<Shared>,
    jobs: Arc<Jobs>,
    address: SocketAddr,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Binds `options.listen:options.port`; events go to `sink`.
    pub fn bind(options: ServeOptions, sink: Arc<dyn ServeSink>) -> Result<Server, ServeError> {
        let wanted = SocketAddr::new(options.listen, options.port);
        let listener = TcpListener::bind(wanted).map_err(|source| ServeError::Bind {
            address: wanted,
            source,
        })?;
        let address = listener.local_addr().map_err(|source| ServeError::Bind {
            address: wanted,
            source,
        })?;
        let http =
            tiny_http::Server::from_listener(listener, None).map_err(|err| ServeError::Start {
                address,
                message: err.to_string(),
            })?;
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(options.settings.release)),
            records: Mutex::new(BTreeMap::new()),
            settings: options.settings,
            sink,
        });
        Ok(Server {
            http: Arc::new(http),
            jobs: Arc::new(Jobs::new(Arc::clone(&shared))),
            shared,
            address,
        })
    }

    /// The address the server is bound to (with the port chosen for port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers requests until `stop()` gives a reason (it is asked ten times a second), then
    /// stops the job threads (their workers with them).
    pub fn run(self, stop: impl Fn() -> Option<String>) {
        let settings = &self.shared.settings;
        self.shared.sink.event(&ServeEvent::Listening {
            address: self.address,
            release: settings.release,
            extensions: &settings.extensions,
            poll: settings.poll,
        });
        if !self.address.ip().is_loopback() {
            self.shared.sink.event(&ServeEvent::Warning {
                object: None,
                message: &format!(
                    "listening on `{}`, beyond this machine: anyone who reaches it can sign in \
                     with Symphony's public test users and make this machine load any library \
                     a Target names",
                    self.address.ip()
                ),
            });
        }
        let done = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..HTTP_THREADS)
            .filter_map(|n| {
                let http = Arc::clone(&self.http);
                let shared = Arc::clone(&self.shared);
                let jobs = Arc::clone(&self.jobs);
                let done = Arc::clone(&done);
                std::thread::Builder::new()
                    .name(format!("http {n}"))
                    .spawn(move || answer_until(&http, &shared, &jobs, &done))
                    .ok()
            })
            .collect();
        let reason = loop {
            if let Some(reason) = stop() {
                break reason;
            }
            std::thread::sleep(STOP_CHECK);
        };
        done.store(true, Ordering::SeqCst);
        for thread in threads {
            let _ = thread.join();
        }
        self.jobs.shutdown(SHUTDOWN_WAIT);
        self.shared
            .sink
            .event(&ServeEvent::Stopped { reason: &reason });
    }
}

/// One request thread: answers requests until `done`.
fn answer_until(http: &tiny_http::Server, shared: &Shared, jobs: &Jobs, done: &AtomicBool) {
    while !done.load(Ordering::SeqCst) {
        let mut incoming = match http.recv_timeout(STOP_CHECK) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            Err(err) => {
                tracing::debug!("accepting a connection failed: {err}");
                continue;
            }
        };
        let (request, answer) = match http::read(&mut incoming) {
            Ok(request) => {
                let answer = routes::handle(shared, &request);
                (request, answer)
            }
            Err(response) => (
                http::Request::new(incoming.method().as_str(), incoming.url()),
                response.into(),
            ),
        };
        let response = answer.response;
        if routes::is_logged(shared.settings.release, &request.method, &request.path) {
            shared.sink.event(&ServeEvent::Answered {
                method: &request.method,
                path: &request.path,
                status: response.status,
                note: response.note.as_deref(),
            });
        }
        if let Some((object, command)) = answer.publish {
            jobs.publish(&object, command);
        }
        http::respond(incoming, &response);
    }
}
