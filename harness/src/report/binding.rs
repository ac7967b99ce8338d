//! `binding`'s output: the Target binding for a library, as JSON ready to paste into a
//! Target's `spec.topologies[].bindings[]`, and the warning for a risky library. Editing a
//! Target file in place (`--update-target`) is input handling: [`crate::input::target_edit`].

use serde::Serialize;

use crate::model::{BindingConfig, RUST_PROVIDER};

/// One binding of a Target.
#[derive(Serialize, Debug)]
pub struct Binding<'a> {
    /// The component type it handles (`instance` for components without a type).
    pub role: &'a str,
    /// Symphony's provider name for a Rust library ([`RUST_PROVIDER`]).
    pub provider: &'static str,
    /// `libFile`, `libHash`, `name` and every other key.
    pub config: &'a BindingConfig,
}

impl<'a> Binding<'a> {
    /// The binding of a Rust provider library for `role`.
    pub fn rust(role: &'a str, config: &'a BindingConfig) -> Binding<'a> {
        Binding {
            role,
            provider: RUST_PROVIDER,
            config,
        }
    }
}

/// The warning `binding` gives for a risky library, with the verdict's reasons.
pub fn risky_warning(reasons: &[String]) -> String {
    format!("the library is risky: {}", reasons.join("; "))
}
