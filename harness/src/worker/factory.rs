//! [`WorkerFactory`]: the engine's provider factory, backed by supervised workers.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::protocol::{InstanceId, Request, Response, WireDeployment};
use super::{LibrarySpec, Supervisor, SupervisorConfig};
use crate::engine::{CallError, CallOutput, Provider, ProviderFactory};
use crate::load::{LibFileResolver, LoadInfo, PreloadError, PreloadFactory};
use crate::model::{
    BindingConfig, CallDeployment, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep,
    ValidationRule,
};

/// How long provider instances live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstanceLifetime {
    /// A new instance for every `get` and `apply` step, never destroyed: what Symphony does.
    #[default]
    Symphony,
    /// One instance per binding config, reused for every call.
    Reuse,
}

/// Creates providers that run in supervised worker processes, one worker per library.
pub struct WorkerFactory {
    config: SupervisorConfig,
    resolve: LibFileResolver,
    force: bool,
    lifetime: InstanceLifetime,
    workers: HashMap<LibrarySpec, Rc<RefCell<Supervisor>>>,
    reused: HashMap<String, Rc<RefCell<Instance>>>,
    /// What the library printed during the last `create_provider`.
    created_output: CallOutput,
}

impl std::fmt::Debug for WorkerFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerFactory")
            .field("config", &self.config)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl WorkerFactory {
    /// A factory that starts workers as `config` says and maps `libFile` through `resolve`.
    pub fn new(config: SupervisorConfig, resolve: LibFileResolver) -> WorkerFactory {
        WorkerFactory {
            config,
            resolve,
            force: false,
            lifetime: InstanceLifetime::Symphony,
            workers: HashMap::new(),
            reused: HashMap::new(),
            created_output: CallOutput::default(),
        }
    }

    /// Load libraries the inspector judges incompatible, too.
    pub fn force(mut self, force: bool) -> WorkerFactory {
        self.force = force;
        self
    }

    /// How long instances live.
    pub fn lifetime(mut self, lifetime: InstanceLifetime) -> WorkerFactory {
        self.lifetime = lifetime;
        self
    }

    /// The supervisors started so far, for reporting (restarts, output).
    pub fn supervisors(&self) -> impl Iterator<Item = &Rc<RefCell<Supervisor>>> {
        self.workers.values()
    }
}

impl WorkerFactory {
    /// The supervisor of the library `config` names (one per path, hash and force).
    fn supervisor(&mut self, config: &BindingConfig) -> Rc<RefCell<Supervisor>> {
        let spec = LibrarySpec {
            path: (self.resolve)(config.get("libFile").unwrap_or("")),
            lib_hash: config.get("libHash").unwrap_or("").to_string(),
            force: self.force,
        };
        Rc::clone(
            self.workers.entry(spec.clone()).or_insert_with(|| {
                Rc::new(RefCell::new(Supervisor::new(self.config.clone(), spec)))
            }),
        )
    }
}

impl PreloadFactory for WorkerFactory {
    fn preload(&mut self, config: &BindingConfig) -> Result<LoadInfo, PreloadError> {
        self.supervisor(config).borrow_mut().load_detailed()
    }
}

impl ProviderFactory for WorkerFactory {
    fn restart(&mut self) {
        // Dropping a supervisor stops its worker; the next call starts a new one.
        self.workers.clear();
        self.reused.clear();
        self.created_output = CallOutput::default();
    }

    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        self.created_output = CallOutput::default();
        let supervisor = self.supervisor(config);
        if self.lifetime == InstanceLifetime::Reuse {
            if let Some(instance) = self.reused.get(&config.to_json()) {
                return Ok(Box::new(WorkerProvider(Rc::clone(instance))));
            }
        }
        let instance = Instance::create(Rc::clone(&supervisor), config.clone());
        self.created_output = supervisor.borrow_mut().take_output();
        let instance = Rc::new(RefCell::new(instance?));
        if self.lifetime == InstanceLifetime::Reuse {
            self.reused.insert(config.to_json(), Rc::clone(&instance));
        }
        Ok(Box::new(WorkerProvider(instance)))
    }

    fn take_output(&mut self) -> CallOutput {
        std::mem::take(&mut self.created_output)
    }
}

/// A provider instance inside a worker. If the worker was restarted since the instance was
/// created (a crash or timeout killed it), the instance is created again, with the same
/// config, in the new worker before the next call.
struct Instance {
    supervisor: Rc<RefCell<Supervisor>>,
    config: BindingConfig,
    id: InstanceId,
    /// The worker's start count when the instance was created: a restart since loses it.
    starts: u64,
}

impl Instance {
    fn create(
        supervisor: Rc<RefCell<Supervisor>>,
        config: BindingConfig,
    ) -> Result<Self, CallError> {
        let (id, starts) = {
            let mut worker = supervisor.borrow_mut();
            let id = worker.create(&config)?;
            (id, worker.starts())
        };
        Ok(Instance {
            supervisor,
            config,
            id,
            starts,
        })
    }

    /// The instance's id in the running worker, re-creating the instance first if the worker
    /// was restarted since.
    fn current(&mut self, worker: &mut Supervisor) -> Result<InstanceId, CallError> {
        if worker.starts() != self.starts {
            tracing::debug!("worker restarted: re-creating the provider instance");
            self.id = worker.create(&self.config)?;
            self.starts = worker.starts();
        }
        Ok(self.id)
    }

    fn call(&mut self, make: impl FnOnce(InstanceId) -> Request) -> Result<Response, CallError> {
        let supervisor = Rc::clone(&self.supervisor);
        let mut worker = supervisor.borrow_mut();
        let id = self.current(&mut worker)?;
        worker.call(make(id))
    }

    fn call_with_deployment(
        &mut self,
        deployment: &CallDeployment<'_>,
        make: impl FnOnce(InstanceId, WireDeployment) -> Request,
    ) -> Result<Response, CallError> {
        let supervisor = Rc::clone(&self.supervisor);
        let mut worker = supervisor.borrow_mut();
        let id = self.current(&mut worker)?;
        worker.call_with_deployment(deployment, |wire| make(id, wire))
    }
}

struct WorkerProvider(Rc<RefCell<Instance>>);

fn unexpected(response: Response) -> CallError {
    CallError::Protocol {
        detail: format!("unexpected response {response:?}"),
    }
}

impl Provider for WorkerProvider {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        match self
            .0
            .borrow_mut()
            .call(|instance| Request::ValidationRule { instance })?
        {
            Response::Rule(rule) => Ok(*rule),
            other => Err(unexpected(other)),
        }
    }

    fn get(
        &mut self,
        deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        let request = |instance, deployment| Request::Get {
            instance,
            deployment,
            references: references.to_vec(),
        };
        match self
            .0
            .borrow_mut()
            .call_with_deployment(deployment, request)?
        {
            Response::Components(components) => Ok(components),
            other => Err(unexpected(other)),
        }
    }

    fn apply(
        &mut self,
        deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        let request = |instance, deployment| Request::Apply {
            instance,
            deployment,
            step: step.clone(),
            dry_run,
        };
        match self
            .0
            .borrow_mut()
            .call_with_deployment(deployment, request)?
        {
            Response::Results(results) => Ok(results),
            other => Err(unexpected(other)),
        }
    }

    fn take_output(&mut self) -> CallOutput {
        self.0.borrow().supervisor.borrow_mut().take_output()
    }
}
