//! Symphony's JSON types, as Go sends and receives them across the provider boundary.
//!
//! Owns the shapes only: components, steps, results and the validation rule, with Go's field
//! names and omission rules, plus [`go_json`], which marshals a value the way Go's
//! `encoding/json` does. Pure data: no I/O and no decisions (the engine makes those).
//!
//! Maps are `BTreeMap` so that every rendering is in Go's sorted key order.

mod component;
pub mod go_json;
mod rule;

pub use binding::BindingConfig;
pub use component::{
    ComponentAction, ComponentResult, ComponentSpec, ComponentStep, DeploymentStep, SidecarSpec,
};
pub use rule::{ComponentValidationRule, PropertyDesc, ValidationRule};
mod binding;
