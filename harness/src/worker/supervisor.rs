//! One worker process serving one library: spawn, deadline per call, kill, classify, restart.

use std::ffi::OsString;
use std::io::{self, BufWriter, Read};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use super::groups::{self, SpawnRefused};
use super::images;
use super::outcome::classify_death;
use super::protocol::{
    read_frame, write_frame, InstanceId, Reply, Request, Response, WireDeployment, MAX_FRAME,
};
use super::{HostMode, WorkerError};
use crate::engine::{CallError, CallOutput};
use crate::load::{ask_for_slice, split_host_lines, LoadInfo, PreloadError, SHORT_SLICE};
use crate::model::{BindingConfig, CallDeployment, RoundHandle};

/// The deadline of a provider call unless told otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait, after a worker died, for the rest of its stderr (a grandchild process
/// may hold the pipe open).
const STDERR_DRAIN: Duration = Duration::from_millis(500);
/// The most read from a worker's pipe at once.
const READ_CHUNK: usize = 64 * 1024;
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
    /// The deadline for starting a worker and loading the library in it: reading and hashing
    /// the file, `dlopen` (the library's initialisers run there) and the checks around it.
    /// `create_provider` is a call and has `call_timeout`.
    pub load_timeout: Duration,
    /// Which host code runs the provider.
    pub host: HostMode,
    /// How long each side waits for the other without sleeping: the supervisor for an
    /// answer, a worker for its next request. A quick call then costs no wake-ups, which on
    /// an idle multi-core machine are most of its cost (tens of µs each: the sleeping side's
    /// core must be woken); a longer wait falls back to sleeping in `poll`. Zero always sleeps.
    /// While polling, each side yields its CPU, so one that shares a CPU still gets to run.
    /// Default: [`default_spin`].
    pub spin: Duration,
}

/// The default [`SupervisorConfig::spin`] on a machine with more than one CPU to run on; on
/// one CPU the other side cannot run while this one polls, so the default there is zero.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(100);

/// [`DEFAULT_SPIN`] if this process may run on more than one CPU, else zero.
pub fn default_spin() -> Duration {
    match std::thread::available_parallelism() {
        Ok(cpus) if cpus.get() > 1 => DEFAULT_SPIN,
        _ => Duration::ZERO,
    }
}

impl SupervisorConfig {
    /// Workers run as `<program> __worker`, with [`DEFAULT_CALL_TIMEOUT`] per call
    /// and per load.
    pub fn new(program: PathBuf) -> SupervisorConfig {
        SupervisorConfig {
            program,
            args: vec![OsString::from("__worker")],
            call_timeout: DEFAULT_CALL_TIMEOUT,
            load_timeout: DEFAULT_CALL_TIMEOUT,
            host: HostMode::Harness,
            spin: default_spin(),
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

impl LibrarySpec {
    /// The library as the image list names it.
    fn named(&self) -> images::Library<'_> {
        images::Library {
            path: &self.path,
            lib_hash: &self.lib_hash,
            force: self.force,
        }
    }
}

/// A running worker process and what has been read from it so far.
struct Process {
    child: Child,
    requests: BufWriter<ChildStdin>,
    stdout: ChildStdout,
    stderr: ChildStderr,
    /// Bytes read from stdout that do not yet make a whole frame.
    inbox: Vec<u8>,
    /// Where each read lands first ([`READ_CHUNK`] bytes, zeroed once: a fresh buffer per
    /// look at the pipes cost a 64 KiB `memset` every time).
    chunk: Box<[u8]>,
    /// The kept end of stderr.
    errors: Tail,
    stdout_open: bool,
    stderr_open: bool,
    /// The round document this process was last sent (it keeps that one), and the id it
    /// was sent under. The handle keeps the document alive, so a later document can never be
    /// taken for it.
    round_held: Option<(RoundHandle, u64)>,
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

/// What waiting on a worker came to.
enum Waited {
    Response(Reply),
    TimedOut,
    /// Its stdout closed: it died (or broke the protocol).
    Closed,
    Broken(WorkerError),
}

impl Process {
    /// Everything written to stderr since `offset`.
    fn stderr_since(&self, offset: usize) -> String {
        String::from_utf8_lossy(self.errors.since(offset)).into_owned()
    }

    /// Reads whatever is ready on stdout and stderr without blocking.
    fn read_ready(&mut self) -> Result<(), WorkerError> {
        let chunk = &mut self.chunk;
        while self.stdout_open {
            match self.stdout.read(chunk) {
                Ok(0) => self.stdout_open = false,
                Ok(n) => self.inbox.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
        while self.stderr_open {
            match self.stderr.read(chunk) {
                Ok(0) => self.stderr_open = false,
                Ok(n) => {
                    tracing::debug!(target: "provider", "{}", String::from_utf8_lossy(&chunk[..n]).trim_end());
                    self.errors.push(&chunk[..n]);
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }

    /// Takes one whole frame off the inbox, if there is one.
    fn take_frame(&mut self) -> Result<Option<Reply>, WorkerError> {
        let Some(head) = self.inbox.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if len > MAX_FRAME {
            return Err(WorkerError::Frame(format!(
                "frame length {len} is too large"
            )));
        }
        let end = 4 + len as usize;
        if self.inbox.len() < end {
            return Ok(None);
        }
        let frame: Vec<u8> = self.inbox.drain(..end).collect();
        read_frame(&mut frame.as_slice())?
            .map(Some)
            .ok_or_else(|| WorkerError::Frame("empty frame".into()))
    }

    /// Waits for the next response until `deadline`, reading stderr all the while (so a
    /// chatty provider never blocks on a full pipe), on this one thread.
    fn wait_response(&mut self, deadline: Instant, spin: Duration) -> Waited {
        let spin_until = Instant::now() + spin;
        loop {
            match self.read_ready().and_then(|()| self.take_frame()) {
                Ok(Some(response)) => {
                    // What the provider wrote to stderr during the call went into the pipe
                    // before the response did: collect all of it now.
                    if let Err(err) = self.read_ready() {
                        return Waited::Broken(err);
                    }
                    return Waited::Response(response);
                }
                Ok(None) => {}
                Err(err) => return Waited::Broken(err),
            }
            if !self.stdout_open {
                return Waited::Closed;
            }
            let now = Instant::now();
            if now >= deadline {
                return Waited::TimedOut;
            }
            if now < spin_until {
                // Yield rather than burn: where the worker shares this CPU, it runs now.
                std::thread::yield_now();
                continue;
            }
            if let Err(err) = self.poll_until(deadline - now) {
                return Waited::Broken(err);
            }
        }
    }

    /// Blocks until a pipe is readable (or closed), or `timeout` passes.
    fn poll_until(&self, timeout: Duration) -> Result<(), WorkerError> {
        let mut fds = Vec::with_capacity(2);
        if self.stdout_open {
            fds.push(PollFd::new(&self.stdout, PollFlags::IN));
        }
        if self.stderr_open {
            fds.push(PollFd::new(&self.stderr, PollFlags::IN));
        }
        let timeout = Timespec {
            tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        match rustix::event::poll(&mut fds, Some(&timeout)) {
            Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
            Err(err) => Err(WorkerError::Io(err.into())),
        }
    }

    /// After the worker's stdout closed: reads the rest of its stderr (bounded: a program it
    /// started may hold the pipe), then reaps it, killing it if it is somehow still alive.
    fn reap(&mut self) -> io::Result<ExitStatus> {
        let deadline = Instant::now() + STDERR_DRAIN;
        while self.stderr_open {
            let _ = self.read_ready();
            let now = Instant::now();
            if !self.stderr_open || now >= deadline {
                break;
            }
            let _ = self.poll_until(deadline - now);
        }
        match groups::try_wait(&mut self.child)? {
            Some(status) => Ok(status),
            None => {
                // Give a dying process its moment, then make sure.
                let deadline = Instant::now() + STDERR_DRAIN;
                while Instant::now() < deadline {
                    if let Some(status) = groups::try_wait(&mut self.child)? {
                        return Ok(status);
                    }
                    std::thread::yield_now();
                }
                groups::kill(&mut self.child)
            }
        }
    }

    /// Kills the worker's whole process group (it may have spawned programs) and reaps it.
    fn kill(&mut self) {
        let _ = groups::kill(&mut self.child);
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
    starts: u64,
    load_info: Option<LoadInfo>,
    /// What the provider wrote to stdout and stderr during the last call.
    last_output: CallOutput,
    /// How many provider instances were created, over all worker processes.
    instances_created: u64,
    /// How many round documents were sent, over all worker processes: the next one's id.
    rounds_sent: u64,
}

impl std::fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supervisor")
            .field("library", &self.library)
            .field("starts", &self.starts)
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
            starts: 0,
            load_info: None,
            last_output: CallOutput::default(),
            instances_created: 0,
            rounds_sent: 0,
        }
    }

    /// How many provider instances have been created (`create_provider` calls that succeeded).
    pub fn instances_created(&self) -> u64 {
        self.instances_created
    }

    /// How many worker processes have been started (each restart adds one).
    pub fn starts(&self) -> u64 {
        self.starts
    }

    /// The library.
    pub fn library(&self) -> &LibrarySpec {
        &self.library
    }

    /// What the provider printed (stdout and stderr apart) during the last call.
    pub fn last_output(&self) -> &CallOutput {
        &self.last_output
    }

    /// What the provider printed during the last call, taken (a second take is empty).
    pub fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.last_output)
    }

    /// Starts the worker if needed and loads the library in it. A load failure is the
    /// `null-provider` outcome (Symphony: InitFailed).
    pub fn load(&mut self) -> Result<LoadInfo, CallError> {
        self.load_detailed().map_err(as_call_error)
    }

    /// Like [`Supervisor::load`], but keeps the loader's failure whole (class, message, hint)
    /// for callers that report it themselves.
    pub fn load_detailed(&mut self) -> Result<LoadInfo, PreloadError> {
        self.ensure_loaded()?;
        self.load_info
            .clone()
            .ok_or(PreloadError::Call(CallError::Protocol {
                detail: "the worker did not report its load".into(),
            }))
    }

    /// Starts the worker and loads the library in it, unless that is done.
    fn ensure_loaded(&mut self) -> Result<(), PreloadError> {
        if self.process.is_none() {
            // Held until the worker answers: it opens the image's descriptor while it loads.
            let image = match self.config.host {
                HostMode::Harness => images::image_for(&self.library.named()),
                HostMode::Symphony => None,
            };
            self.spawn().map_err(PreloadError::Call)?;
            let request = Request::Load {
                path: self.library.path.clone(),
                lib_hash: self.library.lib_hash.clone(),
                force: self.library.force,
                host: self.config.host,
                spin_us: u64::try_from(self.config.spin.as_micros()).unwrap_or(u64::MAX),
                image: image
                    .as_ref()
                    .map(|image| Box::new(image.handoff().clone())),
            };
            match self
                .exchange(request, self.config.load_timeout)
                .map_err(PreloadError::Call)?
            {
                Response::Loaded {
                    sha256,
                    hash_checked,
                } => {
                    if self.config.host == HostMode::Harness {
                        images::loaded(&self.library.named(), &sha256);
                    }
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
        Ok(())
    }

    /// [`Supervisor::ensure_loaded`], failing as a call does.
    fn ensure_running(&mut self) -> Result<(), CallError> {
        self.ensure_loaded().map_err(as_call_error)
    }

    /// Creates a provider instance with `config` (`create_provider`).
    /// A NULL from `create_provider` carries what the provider wrote to stderr, usually the
    /// reason.
    pub fn create(&mut self, config: &BindingConfig) -> Result<InstanceId, CallError> {
        match self.call(Request::Create {
            config: config.clone(),
        }) {
            Ok(Response::Created { instance }) => {
                self.instances_created += 1;
                Ok(instance)
            }
            Ok(other) => Err(self.protocol_error(&other)),
            Err(CallError::NullProvider { reason }) => {
                let output = &self.last_output;
                let said = format!("{}{}", output.stdout, output.stderr);
                if said.trim().is_empty() {
                    return Err(CallError::NullProvider { reason });
                }
                Err(CallError::NullProvider {
                    reason: format!("{reason}; the provider said: {}", said.trim()),
                })
            }
            Err(err) => Err(err),
        }
    }

    /// Runs one request on the (loaded) worker. A `Failed` response becomes `Err`; a dead
    /// worker becomes its outcome class and is replaced on the next call.
    pub fn call(&mut self, request: Request) -> Result<Response, CallError> {
        self.ensure_running()?;
        self.request(request)
    }

    /// Sends one request to the running worker; a `Failed` response becomes `Err`.
    fn request(&mut self, request: Request) -> Result<Response, CallError> {
        match self.exchange(request, self.config.call_timeout)? {
            Response::Failed(err) => Err(err),
            response => Ok(response),
        }
    }

    /// Runs a `get` or `apply` (`make` builds it) on the deployment of one call. The round's
    /// shared document is sent only to a worker process that does not hold it yet; every
    /// other call of the round sends just its own part.
    pub fn call_with_deployment(
        &mut self,
        deployment: &CallDeployment<'_>,
        make: impl FnOnce(WireDeployment) -> Request,
    ) -> Result<Response, CallError> {
        self.ensure_running()?;
        let round = deployment.round();
        let process = self.process.as_mut().ok_or_else(|| CallError::Harness {
            detail: "no worker".into(),
        })?;
        let (id, shared) = match &process.round_held {
            Some((handle, id)) if round.is(handle) => (*id, None),
            _ => {
                self.rounds_sent += 1;
                process.round_held = Some((round.handle(), self.rounds_sent));
                (self.rounds_sent, Some(round.json().to_owned()))
            }
        };
        let wire = WireDeployment {
            round: id,
            shared,
            own: deployment.own().cloned(),
        };
        self.request(make(wire))
    }

    fn protocol_error(&mut self, response: &Response) -> CallError {
        self.process = None;
        CallError::Protocol {
            detail: format!("unexpected response {response:?}"),
        }
    }

    fn spawn(&mut self) -> Result<(), CallError> {
        ask_for_short_slice();
        let mut command = Command::new(&self.config.program);
        command
            .args(&self.config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills whatever the provider spawned too.
            .process_group(0)
            // The worker checks that this is still its parent, then dies with it
            // (`serve`, PR_SET_PDEATHSIG).
            .env(PARENT_PID_ENV, std::process::id().to_string());
        let mut child = match groups::spawn(&mut command) {
            Ok(child) => child,
            Err(SpawnRefused::Interrupted(signal)) => return Err(interrupted_call(signal)),
            Err(SpawnRefused::Io(source)) => {
                let err = WorkerError::Spawn {
                    program: self.config.program.display().to_string(),
                    source,
                };
                return Err(CallError::Harness {
                    detail: format!(
                        "{err}: {}",
                        std::error::Error::source(&err).map_or(String::new(), ToString::to_string)
                    ),
                });
            }
        };
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = groups::kill(&mut child);
            return Err(CallError::Harness {
                detail: "the worker's pipes are missing".into(),
            });
        };
        // Both are read by `poll` on this thread, never blocking.
        for fd in [stdout.as_fd(), stderr.as_fd()] {
            if let Err(err) = rustix::io::ioctl_fionbio(fd, true) {
                let _ = groups::kill(&mut child);
                return Err(CallError::Harness {
                    detail: format!("cannot make the worker's pipes non-blocking: {err}"),
                });
            }
        }
        self.process = Some(Process {
            child,
            requests: BufWriter::new(stdin),
            stdout,
            stderr,
            inbox: Vec::new(),
            chunk: vec![0; READ_CHUNK].into_boxed_slice(),
            errors: Tail::default(),
            stdout_open: true,
            stderr_open: true,
            round_held: None,
        });
        self.starts += 1;
        self.load_info = None;
        tracing::debug!(starts = self.starts, library = %self.library.path.display(), "worker started");
        Ok(())
    }

    /// Sends one request and waits for its response under the deadline.
    fn exchange(&mut self, request: Request, timeout: Duration) -> Result<Response, CallError> {
        let Some(process) = self.process.as_mut() else {
            return Err(CallError::Harness {
                detail: "no worker".into(),
            });
        };
        let offset = process.errors.end();
        self.last_output = CallOutput::default();
        let waited = match write_frame(&mut process.requests, &request) {
            Ok(()) => process.wait_response(Instant::now() + timeout, self.config.spin),
            // The worker is gone (broken pipe): read how it ended.
            Err(_) => Waited::Closed,
        };
        let outcome = match waited {
            Waited::Response(reply) => {
                self.last_output =
                    call_output(self.config.host, reply.stdout, process.stderr_since(offset));
                return Ok(reply.response);
            }
            Waited::Broken(err) => {
                process.kill();
                CallError::Protocol {
                    detail: err.to_string(),
                }
            }
            Waited::TimedOut => {
                process.kill();
                CallError::Timeout {
                    after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                }
            }
            Waited::Closed => match process.reap() {
                Ok(status) => classify_death(status, &process.stderr_since(offset)),
                Err(err) => CallError::Protocol {
                    detail: format!("cannot reap the worker: {err}"),
                },
            },
        };
        // A worker killed because the harness was interrupted is not the provider's doing.
        let outcome = groups::interrupted().map_or(outcome, interrupted_call);
        // What it printed to stdout during the call died with it (it travels in the reply).
        self.last_output = call_output(
            self.config.host,
            String::new(),
            process.stderr_since(offset),
        );
        tracing::debug!(
            outcome = outcome.outcome().as_str(),
            "worker died; the next call starts a new one"
        );
        self.process = None;
        Err(outcome)
    }
}

/// A call's output; under `--host symphony`, with the host shim's lines apart.
fn call_output(host: HostMode, stdout: String, stderr: String) -> CallOutput {
    let output = CallOutput {
        stdout,
        stderr,
        host: String::new(),
    };
    match host {
        HostMode::Symphony => split_host_lines(output),
        HostMode::Harness => output,
    }
}

/// Asks, once per thread, for a short time slice for the thread that hands calls to workers:
/// woken by every answer, it then runs at once on a busy machine (`load::slice`; the worker
/// asks too). It changes when the thread runs, not its share of the CPU.
fn ask_for_short_slice() {
    thread_local! {
        static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if ASKED.with(|asked| asked.replace(true)) {
        return;
    }
    if let Err(err) = ask_for_slice(SHORT_SLICE) {
        tracing::debug!("the supervisor keeps its time slice: {err}");
    }
}

/// The environment variable that tells a worker its supervisor's process id.
pub(super) const PARENT_PID_ENV: &str = "SYMPHONY_HARNESS_WORKER_PARENT";

/// A call cut short because the harness was interrupted by `signal`: the harness's doing,
/// so a `harness` failure, which ends a run.
fn interrupted_call(signal: i32) -> CallError {
    CallError::Harness {
        detail: format!(
            "interrupted by {}: the worker was killed",
            groups::signal_name(signal)
        ),
    }
}

/// A failed load, as the outcome of the call that needed it: a library that does not load is
/// `null-provider` (Symphony: InitFailed).
fn as_call_error(err: PreloadError) -> CallError {
    match err {
        PreloadError::Load(failure) => CallError::NullProvider {
            reason: failure.message,
        },
        PreloadError::Call(call) => call,
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
