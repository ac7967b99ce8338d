//! One worker process serving one library: spawn, deadline per call, kill, classify, restart.

use std::ffi::OsString;
use std::io::{BufReader, BufWriter, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use super::outcome::classify_death;
use super::protocol::{read_frame, write_frame, InstanceId, Request, Response, CALL_END_MARKER};
use super::{HostMode, WorkerError};
use crate::engine::CallError;
use crate::load::{LoadFailure, LoadInfo, PreloadError};
use crate::model::BindingConfig;

/// How long to wait, after a worker died, for the rest of its stderr (a grandchild process
/// may hold the pipe open).
const STDERR_DRAIN: Duration = Duration::from_millis(500);
/// How much of a worker's stderr is kept (at least; up to twice this).
const STDERR_KEEP: usize = 1024 * 1024;

/// How to start workers.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// The program to run (the `symphony-harness` binary).
    pub program: PathBuf,
    /// Its arguments (by default the hidden `__worker` subcommand).
    pub args: Vec<OsString>,
    /// The deadline of every provider call (`create_provider` included).
    pub call_timeout: Duration,
    /// The deadline for starting a worker and loading the library in it (hashing, `dlopen`,
    /// the library's initialisers); never shorter than `call_timeout`.
    pub load_timeout: Duration,
    /// Which host code runs the provider.
    pub host: HostMode,
}

impl SupervisorConfig {
    /// Workers run as `<program> __worker`, with a 30 s deadline per call.
    pub fn new(program: PathBuf) -> SupervisorConfig {
        SupervisorConfig {
            program,
            args: vec![OsString::from("__worker")],
            call_timeout: Duration::from_secs(30),
            load_timeout: Duration::from_secs(60),
            host: HostMode::Harness,
        }
    }
}

/// The library a supervisor's workers load.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LibrarySpec {
    /// The path on this machine.
    pub path: PathBuf,
    /// The binding's `libHash` (`any` or hex).
    pub lib_hash: String,
    /// Load even if incompatible.
    pub force: bool,
}

/// A running worker process.
struct Process {
    child: Child,
    requests: BufWriter<ChildStdin>,
    responses: Receiver<Result<Response, WorkerError>>,
    stderr: Arc<Captured>,
    stderr_closed: Receiver<()>,
}

/// A worker's stderr as read so far (the last part of it), with a condition variable
/// signalled on every read.
#[derive(Default)]
struct Captured {
    bytes: Mutex<Tail>,
    grew: Condvar,
}

/// The kept end of a stream; positions are absolute offsets into the whole stream.
#[derive(Default)]
struct Tail {
    data: Vec<u8>,
    /// How many bytes from the start of the stream were dropped.
    dropped: usize,
}

impl Tail {
    fn end(&self) -> usize {
        self.dropped + self.data.len()
    }

    /// The bytes from absolute position `offset` on (or what is left of them).
    fn since(&self, offset: usize) -> &[u8] {
        let start = offset.saturating_sub(self.dropped).min(self.data.len());
        &self.data[start..]
    }

    fn push(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
        if self.data.len() > 2 * STDERR_KEEP {
            let cut = self.data.len() - STDERR_KEEP;
            self.data.drain(..cut);
            self.dropped += cut;
        }
    }
}

impl Process {
    fn stderr_len(&self) -> usize {
        self.stderr
            .bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .end()
    }

    /// Everything written to stderr since `offset`, without call-end markers.
    fn stderr_since(&self, offset: usize) -> String {
        let buffer = self
            .stderr
            .bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let text = String::from_utf8_lossy(buffer.since(offset)).into_owned();
        text.replace(&*String::from_utf8_lossy(CALL_END_MARKER), "")
    }

    /// The output of the call that started at `offset`: waits (bounded) until the worker's
    /// call-end marker has been read, so no line the provider printed is missed.
    fn call_output(&self, offset: usize) -> String {
        let mut buffer = self
            .stderr
            .bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let deadline = std::time::Instant::now() + STDERR_DRAIN;
        loop {
            let since = buffer.since(offset);
            if let Some(end) = memchr::memmem::find(since, CALL_END_MARKER) {
                return String::from_utf8_lossy(&since[..end]).into_owned();
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return String::from_utf8_lossy(since).into_owned();
            }
            buffer = match self.stderr.grew.wait_timeout(buffer, deadline - now) {
                Ok((buffer, _)) => buffer,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Kills the worker's whole process group (it may have spawned programs) and reaps it.
    fn kill(&mut self) {
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Supervises the worker of one library: starts it on first use, runs each call under the
/// deadline, and when a call kills it (or times out), classifies the death and starts a new
/// worker on the next call.
pub struct Supervisor {
    config: SupervisorConfig,
    library: LibrarySpec,
    process: Option<Process>,
    generation: u64,
    load_info: Option<LoadInfo>,
    /// Everything the provider wrote to stdout/stderr during the last call.
    last_output: String,
    /// How many provider instances were created, over all worker processes.
    instances_created: u64,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("library", &self.library)
            .field("generation", &self.generation)
            .field("running", &self.process.is_some())
            .finish_non_exhaustive()
    }
}

impl Supervisor {
    /// A supervisor for `library`; no process runs until the first call.
    pub fn new(config: SupervisorConfig, library: LibrarySpec) -> Supervisor {
        Supervisor {
            config,
            library,
            process: None,
            generation: 0,
            load_info: None,
            last_output: String::new(),
            instances_created: 0,
        }
    }

    /// How many provider instances have been created (`create_provider` calls that succeeded).
    pub fn instances_created(&self) -> u64 {
        self.instances_created
    }

    /// How many worker processes have been started (each restart adds one).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The library.
    pub fn library(&self) -> &LibrarySpec {
        &self.library
    }

    /// What the provider printed (stdout and stderr) during the last call.
    pub fn last_output(&self) -> &str {
        &self.last_output
    }

    /// Starts the worker if needed and loads the library in it. A load failure is the
    /// `null-provider` outcome (Symphony: InitFailed).
    pub fn load(&mut self) -> Result<LoadInfo, CallError> {
        self.load_detailed().map_err(|err| match err {
            PreloadError::Load(failure) => load_failed(&failure),
            PreloadError::Call(call) => call,
        })
    }

    /// Like [`Supervisor::load`], but keeps the loader's failure whole (class, message, hint)
    /// for callers that report it themselves.
    pub fn load_detailed(&mut self) -> Result<LoadInfo, PreloadError> {
        if self.process.is_none() {
            self.spawn().map_err(PreloadError::Call)?;
            let request = Request::Load {
                path: self.library.path.clone(),
                lib_hash: self.library.lib_hash.clone(),
                force: self.library.force,
                host: self.config.host,
            };
            let deadline = self.config.load_timeout.max(self.config.call_timeout);
            match self
                .exchange(request, deadline)
                .map_err(PreloadError::Call)?
            {
                Response::Loaded {
                    sha256,
                    hash_checked,
                } => {
                    self.load_info = Some(LoadInfo {
                        sha256,
                        hash_checked,
                    })
                }
                Response::LoadFailed(failure) => {
                    self.process = None;
                    return Err(PreloadError::Load(failure));
                }
                other => return Err(PreloadError::Call(self.protocol_error(&other))),
            }
        }
        self.load_info
            .clone()
            .ok_or(PreloadError::Call(CallError::Protocol {
                detail: "the worker did not report its load".into(),
            }))
    }

    /// Creates a provider instance with `config` (`create_provider`).
    /// A NULL from `create_provider` carries what the provider wrote to stderr, usually the
    /// reason.
    pub fn create(&mut self, config: &BindingConfig) -> Result<InstanceId, CallError> {
        self.load()?;
        match self.call(Request::Create {
            config: config.clone(),
        }) {
            Ok(Response::Created { instance }) => {
                self.instances_created += 1;
                Ok(instance)
            }
            Ok(other) => Err(self.protocol_error(&other)),
            Err(CallError::NullProvider { reason }) if !self.last_output.trim().is_empty() => {
                Err(CallError::NullProvider {
                    reason: format!("{reason}; the provider said: {}", self.last_output.trim()),
                })
            }
            Err(err) => Err(err),
        }
    }

    /// Runs one request on the (loaded) worker. A `Failed` response becomes `Err`; a dead
    /// worker becomes its outcome class and is replaced on the next call.
    pub fn call(&mut self, request: Request) -> Result<Response, CallError> {
        self.load()?;
        match self.exchange(request, self.config.call_timeout)? {
            Response::Failed(err) => Err(err),
            response => Ok(response),
        }
    }

    fn protocol_error(&mut self, response: &Response) -> CallError {
        self.process = None;
        CallError::Protocol {
            detail: format!("unexpected response {response:?}"),
        }
    }

    fn spawn(&mut self) -> Result<(), CallError> {
        let mut command = Command::new(&self.config.program);
        command
            .args(&self.config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills whatever the provider spawned too.
            .process_group(0);
        let spawned = command.spawn().map_err(|source| WorkerError::Spawn {
            program: self.config.program.display().to_string(),
            source,
        });
        let mut child = spawned.map_err(|err| CallError::Protocol {
            detail: format!(
                "{err}: {}",
                std::error::Error::source(&err).map_or(String::new(), ToString::to_string)
            ),
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(CallError::Protocol {
                detail: "the worker's pipes are missing".into(),
            });
        };

        let (response_tx, responses) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                match read_frame::<Response>(&mut reader) {
                    Ok(Some(response)) => {
                        if response_tx.send(Ok(response)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(err) => {
                        let _ = response_tx.send(Err(err));
                        return;
                    }
                }
            }
        });

        let captured = Arc::new(Captured::default());
        let (closed_tx, stderr_closed) = mpsc::channel();
        let sink = Arc::clone(&captured);
        thread::spawn(move || {
            let mut stderr = stderr;
            let mut chunk = [0u8; 8192];
            loop {
                match stderr.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        tracing::debug!(target: "provider", "{}", String::from_utf8_lossy(&chunk[..n]).trim_end());
                        sink.bytes
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(&chunk[..n]);
                        sink.grew.notify_all();
                    }
                }
            }
            let _ = closed_tx.send(());
        });

        self.process = Some(Process {
            child,
            requests: BufWriter::new(stdin),
            responses,
            stderr: captured,
            stderr_closed,
        });
        self.generation += 1;
        self.load_info = None;
        tracing::debug!(generation = self.generation, library = %self.library.path.display(), "worker started");
        Ok(())
    }

    /// Sends one request and waits for its response under the deadline.
    fn exchange(&mut self, request: Request, timeout: Duration) -> Result<Response, CallError> {
        let Some(process) = self.process.as_mut() else {
            return Err(CallError::Protocol {
                detail: "no worker".into(),
            });
        };
        let offset = process.stderr_len();
        let sent = write_frame(&mut process.requests, &request);
        let received = match sent {
            Ok(()) => process.responses.recv_timeout(timeout),
            // The worker is gone (broken pipe): read how it ended.
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        let outcome = match received {
            Ok(Ok(response)) => {
                self.last_output = process.call_output(offset);
                return Ok(response);
            }
            Ok(Err(err)) => {
                process.kill();
                CallError::Protocol {
                    detail: err.to_string(),
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                process.kill();
                CallError::Timeout {
                    after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = process.child.wait();
                let _ = process.stderr_closed.recv_timeout(STDERR_DRAIN);
                let stderr = process.stderr_since(offset);
                match status {
                    Ok(status) => classify_death(status, &stderr),
                    Err(err) => CallError::Protocol {
                        detail: format!("cannot reap the worker: {err}"),
                    },
                }
            }
        };
        self.last_output = process.stderr_since(offset);
        tracing::debug!(
            outcome = outcome.outcome(),
            "worker died; the next call starts a new one"
        );
        self.process = None;
        Err(outcome)
    }
}

fn load_failed(failure: &LoadFailure) -> CallError {
    CallError::NullProvider {
        reason: failure.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_positions_stay_absolute_after_trimming() {
        let mut tail = Tail::default();
        tail.push(b"abc");
        let offset = tail.end();
        tail.push(&vec![b'x'; 2 * STDERR_KEEP]);
        tail.push(b"end");
        assert!(tail.dropped > 0);
        assert_eq!(tail.end(), 3 + 2 * STDERR_KEEP + 3);
        assert!(tail.since(offset).ends_with(b"end"));
        assert_eq!(tail.since(tail.end() - 3), b"end");
        assert!(tail.since(0).len() <= 2 * STDERR_KEEP);
    }
}
