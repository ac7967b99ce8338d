//! The check functions, by area; [`run`] dispatches a check by its id.

mod apply;
mod build;
mod delete;
mod errors;
mod get;
mod lifecycle;
mod rendering;
mod rule;
mod scenarios;

use super::run::Context;
use super::Finding;

/// A check's function.
type CheckFn = fn(&Context<'_>) -> Finding;

/// Every check's function, by id: one for each entry of [`crate::check::CATALOG`] (a test
/// holds the two together).
const FUNCTIONS: &[(&str, CheckFn)] = &[
    ("build.abi", build::abi),
    ("build.models", build::models),
    ("build.toolchain", build::toolchain),
    ("load.create", build::create),
    ("load.hash", build::hash),
    ("rule.returns", build::rule_returns),
    ("rule.required-type", build::required_type),
    ("rule.compared-are-reported", rule::compared_are_reported),
    ("rule.reported-are-watched", rule::reported_are_watched),
    ("get.empty-device", scenarios::get_empty_device),
    ("get.only-referenced", get::only_referenced),
    ("get.types-preserved", get::types_preserved),
    ("get.stable", get::stable),
    ("apply.results-complete", apply::results_complete),
    ("apply.statuses-truthful", apply::statuses_truthful),
    ("apply.converges", scenarios::apply_converges),
    ("apply.idempotent", apply::idempotent),
    ("apply.property-change", apply::property_change),
    ("apply.dependencies", apply::dependencies),
    ("delete.removes", scenarios::delete_removes),
    ("delete.missing", delete::missing),
    ("dry-run.no-change", scenarios::dry_run_no_change),
    ("errors.message", errors::message),
    ("errors.edge-inputs", errors::edge_inputs),
    ("lifecycle.new-instances", lifecycle::new_instances),
    ("lifecycle.concurrent", lifecycle::concurrent),
    ("rendering.numbers-and-case", rendering::numbers_and_case),
];

/// Runs the check `context.info` names.
pub(super) fn run(context: &Context<'_>) -> Finding {
    match FUNCTIONS.iter().find(|(id, _)| *id == context.info.id) {
        Some((_, check)) => check(context),
        None => Finding::fail(format!(
            "the harness has no function for check `{}` (a harness bug: please report it)",
            context.info.id
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_check_has_exactly_one_function_and_every_function_a_check() {
        let catalog: Vec<&str> = crate::check::CATALOG.iter().map(|c| c.id).collect();
        let functions: Vec<&str> = FUNCTIONS.iter().map(|(id, _)| *id).collect();
        assert_eq!(functions, catalog, "same ids, in catalog order");
    }
}
