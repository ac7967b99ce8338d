//! Calls made directly, outside a reconcile, for checks Symphony's loop cannot reach (a
//! delete of a component that is not there, the same `get` asked twice, threads at once).
//!
//! Each call goes to a new provider, as Symphony creates one per call, from the same factory
//! the scenario runner uses (a worker process by default). The deployment each call receives
//! is the one Symphony would send for the check's target; every call and its answer is kept
//! as a line of evidence.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::CallError;
use crate::load::PreloadFactory;
use crate::model::{
    wire, BindingConfig, ComponentAction, ComponentResult, ComponentSpec, ComponentStep,
    DeploymentStep, RoundDeployment, Symphony, ValidationRule,
};
use crate::scenario::format::SymphonyRelease;
use crate::subject::Subject;

/// A session of direct calls on one check's target.
pub struct Direct {
    factory: Box<dyn PreloadFactory>,
    config: BindingConfig,
    round: RoundDeployment,
    target: String,
    role: String,
    lines: Vec<String>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

fn names(components: &[ComponentSpec]) -> String {
    components
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Direct {
    /// A session for check `id` of `subject`, whose target holds `components`, on providers
    /// of its own (the subject's factory). For the simulated provider, the device is kept in
    /// `store`.
    pub fn open(
        subject: &Subject,
        id: &str,
        components: Vec<ComponentSpec>,
        store: &std::path::Path,
    ) -> Result<Direct, String> {
        let objects = subject.objects(id, components);
        let mut deployment = objects.deployment().map_err(|err| err.to_string())?;
        let target_name = objects
            .targets
            .first()
            .map(|t| t.metadata.name.clone())
            .unwrap_or_default();
        let mut config = subject.binding_config("check");
        if subject.simulated {
            config.insert_default("sim.device", &id.replace('.', "-"));
            if config.insert_default("sim.store", &store.to_string_lossy()) {
                std::fs::create_dir_all(store).map_err(|err| err.to_string())?;
            }
        }
        // The deployment's own copy of the binding carries the same config.
        if let Some(spec) = deployment
            .targets
            .get_mut(&target_name)
            .and_then(|t| t.spec.as_mut())
        {
            for topology in &mut spec.topologies {
                for binding in &mut topology.bindings {
                    binding.config = config.clone();
                }
            }
        }
        let value = serde_json::to_value(&deployment).map_err(|err| err.to_string())?;
        let value = match subject.symphony {
            SymphonyRelease::V049 => value,
            SymphonyRelease::V048 => wire::to_generation(value, Symphony::V048),
        };
        let factory = subject.factory()?;
        Ok(Direct {
            factory,
            config,
            round: RoundDeployment::new(&value),
            target: target_name,
            role: subject.component_type.clone(),
            lines: Vec::new(),
        })
    }

    /// The binding config every provider of the session is created with.
    pub fn config(&self) -> &BindingConfig {
        &self.config
    }

    /// `get` with `references`, on a new provider.
    pub fn get(&mut self, references: &[ComponentSpec]) -> Result<Vec<ComponentSpec>, CallError> {
        let steps: Vec<ComponentStep> = references
            .iter()
            .map(|c| ComponentStep {
                action: ComponentAction::Update,
                component: Arc::new(c.clone()),
            })
            .collect();
        let mut provider = self.factory.create(&self.config)?;
        let document = self.round.whole();
        let got = provider.get(&document, &steps);
        self.lines.push(match &got {
            Ok(found) => format!("get [{}] -> ok [{}]", names(references), names(found)),
            Err(err) => format!(
                "get [{}] -> {}: {err}",
                names(references),
                err.outcome().as_str()
            ),
        });
        got
    }

    /// `apply` of one step of `components` with their actions, on a new provider.
    pub fn apply(
        &mut self,
        components: &[(ComponentSpec, ComponentAction)],
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        let step = DeploymentStep {
            target: self.target.clone(),
            role: self.role.clone(),
            components: components
                .iter()
                .map(|(component, action)| ComponentStep {
                    action: *action,
                    component: Arc::new(component.clone()),
                })
                .collect(),
            is_first: true,
        };
        let listed: Vec<String> = components
            .iter()
            .map(|(c, action)| match action {
                ComponentAction::Delete => format!("{} (delete)", c.name),
                _ => c.name.clone(),
            })
            .collect();
        let mut provider = self.factory.create(&self.config)?;
        let document = self.round.whole();
        let result = provider.apply(&document, &step, dry_run);
        let dry = if dry_run { " (dry run)" } else { "" };
        self.lines.push(match &result {
            Ok(results) => format!(
                "apply{dry} [{}] -> ok {{{}}}",
                listed.join(", "),
                results
                    .iter()
                    .map(|(name, r)| format!("{name}: {}", r.status))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(err) => format!(
                "apply{dry} [{}] -> {}: {err}",
                listed.join(", "),
                err.outcome().as_str()
            ),
        });
        result
    }

    /// `get_validation_rule`, on a new provider.
    pub fn rule(&mut self) -> Result<ValidationRule, CallError> {
        let mut provider = self.factory.create(&self.config)?;
        let rule = provider.get_validation_rule();
        self.lines.push(match &rule {
            Ok(_) => "get_validation_rule -> ok".to_string(),
            Err(err) => format!("get_validation_rule -> {}: {err}", err.outcome().as_str()),
        });
        rule
    }

    /// Every call so far, a line each.
    pub fn evidence(&self) -> Vec<String> {
        self.lines.clone()
    }
}
