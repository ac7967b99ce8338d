//! The worker side: the hidden `__worker` subcommand's serve loop.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::Arc;

use super::protocol::{read_frame, write_frame, InstanceId, Request, Response};
use super::{HostMode, WorkerError};
use crate::engine::{CallError, Provider};
use crate::load::{ExpectedHash, HashCheck, LoadOptions, LoadedLibrary, SymphonyHost};
use crate::load::{LoadFailure, LoadFailureClass};

/// The library a worker serves.
enum Loaded {
    Harness(Arc<LoadedLibrary>),
    Symphony { path: PathBuf, lib_hash: String },
}

struct Worker {
    loaded: Option<Loaded>,
    instances: HashMap<InstanceId, Box<dyn Provider>>,
    next_instance: InstanceId,
}

/// Serves requests on this process's stdin/stdout until stdin closes.
///
/// First moves the protocol off the standard streams: the original stdin and stdout are kept
/// on new descriptors for frames, stdout is pointed at stderr (so a provider's `println!`
/// lands in the captured stderr and can never corrupt a frame) and stdin at `/dev/null`.
pub fn serve() -> Result<(), WorkerError> {
    let requests = std::io::stdin().as_fd().try_clone_to_owned()?;
    let responses = std::io::stdout().as_fd().try_clone_to_owned()?;
    rustix::stdio::dup2_stdout(std::io::stderr()).map_err(std::io::Error::from)?;
    let null = File::open("/dev/null")?;
    rustix::stdio::dup2_stdin(&null).map_err(std::io::Error::from)?;

    let mut input = BufReader::new(File::from(requests));
    let mut output = BufWriter::new(File::from(responses));
    let mut worker = Worker {
        loaded: None,
        instances: HashMap::new(),
        next_instance: 1,
    };
    while let Some(request) = read_frame::<Request>(&mut input)? {
        // Whatever the provider wrote to stderr during the call is in the pipe before the
        // response is: the supervisor drains stderr once the response has arrived.
        let response = worker.handle(request);
        write_frame(&mut output, &response)?;
    }
    Ok(())
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
            } => self.load(path, lib_hash, force, host),
            Request::Create { config } => {
                let provider: Result<Box<dyn Provider>, CallError> = match &self.loaded {
                    None => Err(CallError::Protocol {
                        detail: "create before load".into(),
                    }),
                    Some(Loaded::Harness(library)) => library
                        .create_provider(&config)
                        .map(|p| Box::new(p) as Box<dyn Provider>)
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
            } => match self.instance(instance) {
                Ok(provider) => provider
                    .get(&deployment, &references)
                    .map_or_else(failed, Response::Components),
                Err(err) => failed(err),
            },
            Request::Apply {
                instance,
                deployment,
                step,
                dry_run,
            } => match self.instance(instance) {
                Ok(provider) => provider
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

    fn instance(&mut self, id: InstanceId) -> Result<&mut Box<dyn Provider>, CallError> {
        self.instances
            .get_mut(&id)
            .ok_or_else(|| CallError::Protocol {
                detail: format!("no provider instance {id} in this worker"),
            })
    }

    fn load(&mut self, path: PathBuf, lib_hash: String, force: bool, host: HostMode) -> Response {
        if self.loaded.is_some() {
            return failed(CallError::Protocol {
                detail: "a worker loads one library".into(),
            });
        }
        match host {
            HostMode::Symphony => {
                // Symphony hashes and loads on every `create_provider_instance`.
                if !path.is_file() {
                    return Response::LoadFailed(LoadFailure {
                        class: LoadFailureClass::Unreadable,
                        message: format!("cannot read `{}`", path.display()),
                        hint: None,
                    });
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
                };
                match LoadedLibrary::open(&path, &options) {
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
