//! Inputs that would make Symphony's Rust host shim abort the whole process, found before any
//! call, so they are reported as findings instead of crashes.
//!
//! The host (`symphony` 0.1.4/0.1.5) `unwrap`s its parse of Go's JSON into the Rust models
//! (`docs/outcomes.md`, `host-abort`). Go sends a route filter as
//! `{"direction","type","parameters"}`, but the Rust `FilterSpec` requires `filterType`: any
//! route with a filter anywhere in the deployment aborts every `get` and `apply`.

use serde::Serialize;
use serde_json::Value;

use crate::model::{ComponentSpec, DeploymentSpec};

/// One finding.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A stable kebab-case id.
    pub id: &'static str,
    /// What and where.
    pub message: String,
    /// What Symphony's users would see.
    pub symphony_sees: &'static str,
}

fn route_filters(component: &ComponentSpec, place: &str, out: &mut Vec<Finding>) {
    for (i, route) in component.routes.iter().enumerate() {
        let filters = route.get("filters").and_then(Value::as_array);
        let without = filters.map_or(0, |f| {
            f.iter().filter(|f| f.get("filterType").is_none()).count()
        });
        if without > 0 {
            out.push(Finding {
                id: "route-filter-without-filter-type",
                message: format!(
                    "{place} component `{}`, route {i}: {without} filter(s) without `filterType` \
                     (Go sends `type`; the Rust model requires `filterType`)",
                    component.name
                ),
                symphony_sees: "the Rust host panics parsing the deployment: symphony-api aborts on every get and apply",
            });
        }
    }
}

/// Every finding in `deployment` (evaluated or not).
pub fn host_findings(deployment: &DeploymentSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    for component in deployment.components() {
        route_filters(component, "solution", &mut out);
    }
    for (name, target) in &deployment.targets {
        if let Some(spec) = &target.spec {
            for component in &spec.components {
                route_filters(component, &format!("target `{name}`"), &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn route_filter_with_go_type_field_is_a_finding() {
        let mut d = DeploymentSpec::default();
        d.solution.spec = Some(crate::model::SolutionSpec {
            components: vec![std::sync::Arc::new(ComponentSpec {
                name: "c".into(),
                routes: vec![
                    json!({"route": "r", "type": "t", "filters": [{"direction": "in", "type": "f"}]}),
                ],
                ..ComponentSpec::default()
            })],
            ..Default::default()
        });
        let findings = host_findings(&d);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].id, "route-filter-without-filter-type");
        std::sync::Arc::make_mut(&mut d.solution.spec.as_mut().unwrap().components[0]).routes =
            vec![json!({"route": "r", "type": "t"})];
        assert!(
            host_findings(&d).is_empty(),
            "a route without filters parses"
        );
    }
}
