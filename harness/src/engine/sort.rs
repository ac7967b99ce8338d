//! Symphony's dependency sort (`sortByDepedencies` in `solutionversion-manager.go`).
//!
//! Kahn's algorithm as Go runs it: a component's in-degree is the length of its
//! `dependencies` list; the queue starts with the components without dependencies, in
//! declaration order; after emitting a component, the components naming it (each counted once,
//! however often it is listed) are scanned in declaration order and queued when their in-degree
//! reaches zero. Whatever is not emitted (a cycle, an unknown name, a name listed twice) fails
//! the reconcile.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::model::ComponentSpec;

use super::EngineError;

/// Sorts `components` by their dependencies, exactly in Symphony's order.
///
/// Go scans every component after each emission; here an index from a name to the components
/// naming it (in declaration order) visits the same components in the same order, so the sort
/// costs the number of components plus the number of dependencies, not their product.
pub fn sort_by_dependencies(
    components: &[Arc<ComponentSpec>],
) -> Result<Vec<Arc<ComponentSpec>>, EngineError> {
    let mut dependents: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, component) in components.iter().enumerate() {
        for dependency in &component.dependencies {
            let named_by = dependents.entry(dependency.as_str()).or_default();
            // Each component once per name, however often it lists it.
            if named_by.last() != Some(&i) {
                named_by.push(i);
            }
        }
    }
    let mut in_degrees: Vec<usize> = components.iter().map(|c| c.dependencies.len()).collect();
    let mut queue: VecDeque<usize> = (0..components.len())
        .filter(|&i| in_degrees[i] == 0)
        .collect();
    let mut sorted: Vec<Arc<ComponentSpec>> = Vec::with_capacity(components.len());
    while let Some(index) = queue.pop_front() {
        let emitted = components[index].name.as_str();
        sorted.push(Arc::clone(&components[index]));
        for &i in dependents.get(emitted).map_or(&[][..], Vec::as_slice) {
            // Go decrements an int; a component depending on a duplicated name can go
            // below zero and is then never queued again.
            if in_degrees[i] == 0 {
                in_degrees[i] = usize::MAX;
                continue;
            }
            if in_degrees[i] != usize::MAX {
                in_degrees[i] -= 1;
                if in_degrees[i] == 0 {
                    queue.push_back(i);
                }
            }
        }
    }
    if sorted.len() != components.len() {
        let emitted: HashSet<&str> = sorted.iter().map(|s| s.name.as_str()).collect();
        let unsorted: Vec<String> = components
            .iter()
            .filter(|c| !emitted.contains(c.name.as_str()))
            .map(|c| c.name.clone())
            .collect();
        return Err(EngineError::Dependencies { unsorted });
    }
    Ok(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, deps: &[&str]) -> Arc<ComponentSpec> {
        Arc::new(ComponentSpec {
            name: name.into(),
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            ..ComponentSpec::default()
        })
    }

    fn names(components: &[Arc<ComponentSpec>]) -> Vec<&str> {
        components.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn sort_table() {
        type Case = (
            &'static str,
            Vec<Arc<ComponentSpec>>,
            Option<Vec<&'static str>>,
        );
        let cases: Vec<Case> = vec![
            (
                "independent_components_keep_declaration_order",
                vec![c("b", &[]), c("a", &[])],
                Some(vec!["b", "a"]),
            ),
            (
                "dependency_moves_before_dependent",
                vec![c("b", &["a"]), c("a", &[])],
                Some(vec!["a", "b"]),
            ),
            (
                "roots_first_then_dependents_in_emission_order",
                vec![c("x", &["a"]), c("a", &[]), c("b", &[]), c("y", &["b"])],
                Some(vec!["a", "b", "x", "y"]),
            ),
            (
                "dependent_queued_after_its_last_dependency",
                vec![c("c", &["a", "b"]), c("b", &[]), c("a", &[])],
                Some(vec!["b", "a", "c"]),
            ),
            (
                "chain_in_reverse_declaration",
                vec![c("c", &["b"]), c("b", &["a"]), c("a", &[])],
                Some(vec!["a", "b", "c"]),
            ),
            (
                "circular_dependency_is_an_error",
                vec![c("a", &["b"]), c("b", &["a"])],
                None,
            ),
            (
                "unknown_dependency_is_an_error",
                vec![c("a", &["ghost"])],
                None,
            ),
            (
                "dependency_listed_twice_is_an_error",
                vec![c("a", &[]), c("b", &["a", "a"])],
                None,
            ),
            ("self_dependency_is_an_error", vec![c("a", &["a"])], None),
            ("empty_list_sorts", vec![], Some(vec![])),
        ];
        for (name, input, expected) in cases {
            let result = sort_by_dependencies(&input);
            match expected {
                Some(order) => assert_eq!(names(&result.unwrap()), order, "{name}"),
                None => assert!(
                    matches!(result, Err(EngineError::Dependencies { .. })),
                    "{name}"
                ),
            }
        }
    }

    #[test]
    fn duplicate_names_are_both_emitted() {
        let sorted = sort_by_dependencies(&[c("a", &[]), c("a", &[]), c("b", &["a"])]).unwrap();
        assert_eq!(names(&sorted), ["a", "a", "b"]);
    }
}
