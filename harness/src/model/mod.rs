//! Symphony's JSON types, as Go sends and receives them across the provider boundary.
//!
//! Owns the shapes only: components, steps, results, the validation rule, and the targets,
//! solutions, instances and deployments in both wire generations ([`wire`]), with Go's field
//! names and omission rules, plus [`go_json`], which marshals a value the way Go's
//! `encoding/json` does. Pure data: no I/O and no decisions (the engine makes those).
//!
//! Maps are `BTreeMap` so that every rendering is in Go's sorted key order.

mod component;
mod deployment;
pub mod go_json;
pub mod payload;
mod rule;
pub mod wire;

pub use binding::{BindingConfig, RUST_PROVIDER};
pub use component::{
    ComponentAction, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, SidecarSpec,
};
pub use deployment::{
    zero_status, BindingSpec, DeploymentSpec, InstanceSpec, InstanceState, ObjectMeta,
    SolutionSpec, SolutionState, TargetSelector, TargetSpec, TargetState, TopologySpec, GUID_KEY,
};
pub use payload::{CallDeployment, CallPart, RoundDeployment, RoundHandle, SentDeployment};
pub use rule::{ComponentValidationRule, PropertyDesc, ValidationRule};
pub use wire::Symphony;
mod binding;
