//! The worker side: the hidden `__worker` subcommand's serve loop.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use super::protocol::{
    read_frame, write_frame, InstanceId, Reply, Request, Response, WireDeployment,
};
use super::{HostMode, WorkerError};
use crate::engine::{CallError, Provider};
use crate::errors::error_chain;
use crate::load::{
    ask_for_slice, preload_path, ExpectedHash, HashCheck, HostArguments, ImageHandoff,
    InProcessProvider, LibraryFile, LoadOptions, LoadedLibrary, Placement, SymphonyHost,
    SHORT_SLICE,
};
use crate::load::{capture, LoadFailure};
use crate::model::{CallDeployment, RoundDeployment};

/// The library a worker serves.
enum Loaded {
    Harness(Arc<LoadedLibrary>),
    Symphony { path: PathBuf, lib_hash: String },
}

struct Worker {
    loaded: Option<Loaded>,
    /// The round document last sent, by the supervisor's id.
    round: Option<(u64, RoundDeployment)>,
    /// How long to wait for the next request without sleeping.
    spin: Duration,
    /// Shared by the instances (see [`HostArguments`]).
    arguments: Arc<Mutex<HostArguments>>,
    instances: HashMap<InstanceId, Box<dyn Provider>>,
    next_instance: InstanceId,
}

/// Serves requests on this process's stdin/stdout until stdin closes.
///
/// First ties its life to the supervisor's: it dies with SIGKILL when the supervisor does
/// (PR_SET_PDEATHSIG), or at once if the supervisor already died before that was set; and when
/// the request pipe closes during a call, the call is not finished: the worker kills itself.
///
/// Then moves the protocol off the standard streams: the original stdin and stdout are kept
/// on new descriptors for frames, stdout is pointed at a memory file (so a provider's
/// `println!` can never corrupt a frame: what it printed during a request goes back with the
/// reply, apart from its stderr, which stays the pipe the supervisor reads) and stdin at
/// `/dev/null`.
pub fn serve() -> Result<(), WorkerError> {
    die_with_parent()?;
    // Woken by every request: run at once on a busy machine (`load::slice`).
    if let Err(err) = ask_for_slice(SHORT_SLICE) {
        tracing::debug!("the worker keeps its time slice: {err}");
    }
    // This process captures for itself; the loader must not redirect again.
    capture::disable();
    let requests = std::io::stdin().as_fd().try_clone_to_owned()?;
    let responses = std::io::stdout().as_fd().try_clone_to_owned()?;
    let mut printed = File::from(
        rustix::fs::memfd_create("provider-stdout", rustix::fs::MemfdFlags::CLOEXEC)
            .map_err(std::io::Error::from)?,
    );
    rustix::stdio::dup2_stdout(&printed).map_err(std::io::Error::from)?;
    let null = File::open("/dev/null")?;
    rustix::stdio::dup2_stdin(&null).map_err(std::io::Error::from)?;

    watch_hangup(&requests)?;
    let mut input = BufReader::new(File::from(requests));
    let mut output = BufWriter::new(File::from(responses));
    let mut worker = Worker {
        loaded: None,
        round: None,
        spin: Duration::ZERO,
        arguments: Arc::default(),
        instances: HashMap::new(),
        next_instance: 1,
    };
    while let Some(request) = read_frame::<Request>(&mut input)? {
        IN_CALL.store(true, Ordering::SeqCst);
        if HUNG_UP.load(Ordering::SeqCst) {
            // Nobody is waiting for the answer.
            return Ok(());
        }
        // Whatever the provider wrote to stderr during the call is in the pipe before the
        // response is: the supervisor drains stderr once the response has arrived.
        let response = worker.handle(request);
        IN_CALL.store(false, Ordering::SeqCst);
        // The host shim's own `tracing` lines go through this binary's buffered stdout.
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let reply = Reply {
            response,
            stdout: capture::take(&mut printed),
        };
        write_frame(&mut output, &reply)?;
        await_request(&input, worker.spin);
    }
    Ok(())
}

/// Set while a request is being handled (a provider may be running).
static IN_CALL: AtomicBool = AtomicBool::new(false);
/// Set once the request pipe has no writer left: the supervisor is gone.
static HUNG_UP: AtomicBool = AtomicBool::new(false);

/// Asks the kernel for SIGKILL when the supervisor dies, then checks that it has not died
/// already: the supervisor's process id, recorded before it started this process, must still
/// be the parent's. Without the variable (run by hand) only the first part applies.
fn die_with_parent() -> Result<(), WorkerError> {
    use rustix::process::{getppid, set_parent_process_death_signal, Pid, Signal};
    set_parent_process_death_signal(Some(Signal::KILL)).map_err(std::io::Error::from)?;
    let recorded = std::env::var(super::supervisor::PARENT_PID_ENV)
        .ok()
        .and_then(|text| text.parse::<i32>().ok())
        .and_then(Pid::from_raw);
    if let Some(recorded) = recorded {
        if getppid() != Some(recorded) {
            // Re-parented: the supervisor died before the death signal was armed.
            rustix::process::kill_process(rustix::process::getpid(), Signal::KILL)
                .map_err(std::io::Error::from)?;
        }
    }
    Ok(())
}

/// Starts a thread that waits for the request pipe to lose its writer. If a call is running
/// then, nobody will read its answer: the worker kills itself (SIGKILL: no destructor or
/// `atexit` handler of the provider's gets to run, or to hang). Between calls the serve loop
/// reads the end of the pipe and returns.
fn watch_hangup(requests: &impl AsFd) -> Result<(), WorkerError> {
    let watched = requests.as_fd().try_clone_to_owned()?;
    std::thread::Builder::new()
        .name("hangup".into())
        .spawn(move || loop {
            // No events asked for: `poll` still reports the pipe's hang-up.
            let mut fds = [PollFd::new(&watched, PollFlags::empty())];
            match rustix::event::poll(&mut fds, None) {
                Ok(_) if fds[0].revents().contains(PollFlags::HUP) => {
                    HUNG_UP.store(true, Ordering::SeqCst);
                    if IN_CALL.load(Ordering::SeqCst) {
                        let me = rustix::process::getpid();
                        let _ = rustix::process::kill_process(me, rustix::process::Signal::KILL);
                    }
                    return;
                }
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(_) => return,
            }
        })?;
    Ok(())
}

/// Waits up to `spin` for the next request without sleeping (see `SupervisorConfig::spin`);
/// the blocking read that follows then finds it there.
fn await_request(input: &BufReader<File>, spin: Duration) {
    if !input.buffer().is_empty() {
        return;
    }
    let until = Instant::now() + spin;
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    while Instant::now() < until {
        let mut fds = [PollFd::new(input.get_ref(), PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&now)) {
            Ok(0) => std::thread::yield_now(),
            // Readable, closed, or poll failed: the blocking read finds out which.
            _ => return,
        }
    }
}

fn failed(err: CallError) -> Response {
    Response::Failed(err)
}

impl Worker {
    fn handle(&mut self, request: Request) -> Response {
        match request {
            Request::Load {
                path,
                lib_hash,
                force,
                host,
                spin_us,
                image,
            } => {
                self.spin = Duration::from_micros(spin_us);
                self.load(path, lib_hash, force, host, image.as_deref())
            }
            Request::Create { config } => {
                let provider: Result<Box<dyn Provider>, CallError> = match &self.loaded {
                    None => Err(CallError::Protocol {
                        detail: "create before load".into(),
                    }),
                    Some(Loaded::Harness(library)) => InProcessProvider::create(library, &config)
                        .map(|p| {
                            let shared = Arc::clone(&self.arguments);
                            Box::new(p.share_arguments(shared)) as Box<dyn Provider>
                        })
                        .map_err(|err| CallError::NullProvider {
                            reason: err.to_string(),
                        }),
                    Some(Loaded::Symphony { path, lib_hash }) => {
                        SymphonyHost::create(&path.to_string_lossy(), lib_hash, &config.to_json())
                            .map(|p| Box::new(p) as Box<dyn Provider>)
                    }
                };
                match provider {
                    Ok(provider) => {
                        let instance = self.next_instance;
                        self.next_instance += 1;
                        self.instances.insert(instance, provider);
                        Response::Created { instance }
                    }
                    Err(err) => failed(err),
                }
            }
            Request::ValidationRule { instance } => match self.instance(instance) {
                Ok(provider) => provider
                    .get_validation_rule()
                    .map_or_else(failed, |rule| Response::Rule(Box::new(rule))),
                Err(err) => failed(err),
            },
            Request::Get {
                instance,
                deployment,
                references,
            } => match self.call_parts(instance, deployment) {
                Ok((provider, deployment)) => provider
                    .get(&deployment, &references)
                    .map_or_else(failed, Response::Components),
                Err(err) => failed(err),
            },
            Request::Apply {
                instance,
                deployment,
                step,
                dry_run,
            } => match self.call_parts(instance, deployment) {
                Ok((provider, deployment)) => provider
                    .apply(&deployment, &step, dry_run)
                    .map_or_else(failed, Response::Results),
                Err(err) => failed(err),
            },
            Request::Drop { instance } => {
                self.instances.remove(&instance);
                Response::Dropped
            }
        }
    }

    /// The instance and the call's deployment, keeping a round document that came with it.
    fn call_parts(
        &mut self,
        id: InstanceId,
        deployment: WireDeployment,
    ) -> Result<(&mut Box<dyn Provider>, CallDeployment<'_>), CallError> {
        if let Some(shared) = deployment.shared {
            self.round = Some((deployment.round, RoundDeployment::from_json(shared)));
        }
        let round = match &self.round {
            Some((held, round)) if *held == deployment.round => round,
            _ => {
                return Err(CallError::Protocol {
                    detail: format!(
                        "round document {} was never sent to this worker",
                        deployment.round
                    ),
                })
            }
        };
        let provider = self
            .instances
            .get_mut(&id)
            .ok_or_else(|| CallError::Protocol {
                detail: format!("no provider instance {id} in this worker"),
            })?;
        Ok((
            provider,
            CallDeployment::new(round, deployment.own.map(Arc::new)),
        ))
    }

    fn instance(&mut self, id: InstanceId) -> Result<&mut Box<dyn Provider>, CallError> {
        self.instances
            .get_mut(&id)
            .ok_or_else(|| CallError::Protocol {
                detail: format!("no provider instance {id} in this worker"),
            })
    }

    fn load(
        &mut self,
        path: PathBuf,
        lib_hash: String,
        force: bool,
        host: HostMode,
        image: Option<&ImageHandoff>,
    ) -> Response {
        if self.loaded.is_some() {
            return failed(CallError::Protocol {
                detail: "a worker loads one library".into(),
            });
        }
        match host {
            HostMode::Symphony => {
                // Symphony hashes and loads on every `create_provider_instance`; the file is
                // judged here as the harness's own loader judges it.
                if let Err(err) = LibraryFile::judge(&path, force, Placement::Worker) {
                    return Response::LoadFailed(LoadFailure::from_load_error(&err));
                }
                // Its initialisers run now, within the supervisor's load deadline, not in the
                // first creation (whose `dlopen` of the path then finds it loaded).
                if let Err(err) = preload_path(&path, &lib_hash, None) {
                    return Response::LoadFailed(LoadFailure::from_load_error(&err));
                }
                self.loaded = Some(Loaded::Symphony { path, lib_hash });
                Response::Loaded {
                    sha256: String::new(),
                    hash_checked: false,
                }
            }
            HostMode::Harness => {
                let options = LoadOptions {
                    expected_hash: ExpectedHash::parse(&lib_hash),
                    force,
                    placement: Placement::Worker,
                };
                let shared = image.and_then(|image| {
                    LoadedLibrary::open_handoff(image)
                        .map_err(|err| {
                            tracing::debug!("loading the library by path: {}", error_chain(&err));
                        })
                        .ok()
                });
                let loaded = match shared {
                    Some(library) => Ok(library),
                    None => LoadedLibrary::open_path(&path, &options),
                };
                match loaded {
                    Ok(library) => {
                        let response = Response::Loaded {
                            sha256: library.sha256().to_string(),
                            hash_checked: library.hash_check() == HashCheck::Matched,
                        };
                        self.loaded = Some(Loaded::Harness(library));
                        response
                    }
                    Err(err) => Response::LoadFailed(LoadFailure::from_load_error(&err)),
                }
            }
        }
    }
}
