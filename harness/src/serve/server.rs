//! The server: binding the address, the request threads, and stopping.
//!
//! Owns [`Server`]: [`Server::bind`] binds the address (an address taken is a [`ServeError`]
//! with a hint), [`Server::run`] answers requests on a few threads until told to stop, then
//! stops the job threads, whose workers end with them.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::events::{ServeEvent, ServeSink};
use super::jobs::Jobs;
use super::shared::{Settings, Shared};
use super::store::Store;
use super::{http, routes};

/// The port Symphony's API listens on in the tutorial's `docker compose` setup.
pub const DEFAULT_PORT: u16 = 8082;

/// How many threads answer requests (a slow client holds only one of them).
const HTTP_THREADS: usize = 4;

/// How often the threads look whether the server should stop.
const STOP_CHECK: Duration = Duration::from_millis(100);

/// How long stopping waits for rounds that are running.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

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

impl crate::errors::Explain for ServeError {
    /// What the user can do about it.
    fn hint(&self) -> Option<String> {
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
