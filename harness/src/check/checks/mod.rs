//! The check functions, by area; [`run`] dispatches a check by its id.

mod build;
mod lifecycle;
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
        "get.empty-device" => scenarios::get_empty_device(context),
        "apply.converges" => scenarios::apply_converges(context),
        "delete.removes" => scenarios::delete_removes(context),
        "dry-run.no-change" => scenarios::dry_run_no_change(context),
        "lifecycle.new-instances" => lifecycle::new_instances(context),
        "lifecycle.concurrent" => lifecycle::concurrent(context),
        other => Finding::skip(format!("`{other}` is not built yet")),
    }
}
