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

/// Runs the check `context.info` names.
pub(super) fn run(context: &Context<'_>) -> Finding {
    match context.info.id {
        "build.abi" => build::abi(context),
        "build.models" => build::models(context),
        "build.toolchain" => build::toolchain(context),
        "load.create" => build::create(context),
        "load.hash" => build::hash(context),
        "rule.returns" => build::rule_returns(context),
        "rule.required-type" => build::required_type(context),
        "rule.compared-are-reported" => rule::compared_are_reported(context),
        "rule.reported-are-watched" => rule::reported_are_watched(context),
        "get.empty-device" => scenarios::get_empty_device(context),
        "get.only-referenced" => get::only_referenced(context),
        "get.types-preserved" => get::types_preserved(context),
        "get.stable" => get::stable(context),
        "apply.results-complete" => apply::results_complete(context),
        "apply.statuses-truthful" => apply::statuses_truthful(context),
        "apply.converges" => scenarios::apply_converges(context),
        "apply.idempotent" => apply::idempotent(context),
        "apply.property-change" => apply::property_change(context),
        "apply.dependencies" => apply::dependencies(context),
        "delete.removes" => scenarios::delete_removes(context),
        "delete.missing" => delete::missing(context),
        "dry-run.no-change" => scenarios::dry_run_no_change(context),
        "errors.message" => errors::message(context),
        "errors.edge-inputs" => errors::edge_inputs(context),
        "lifecycle.new-instances" => lifecycle::new_instances(context),
        "lifecycle.concurrent" => lifecycle::concurrent(context),
        "rendering.numbers-and-case" => rendering::numbers_and_case(context),
        other => Finding::skip(format!("`{other}` is not built yet")),
    }
}
