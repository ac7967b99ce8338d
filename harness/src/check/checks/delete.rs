//! Checks of deletes made directly, outside a reconcile: a delete of a component that is not
//! there (someone removed the workload by hand) must succeed. An `Err` fails the removal in
//! Symphony; a failure status in an `Ok` map does not (Symphony never reads statuses), so it
//! only warns.

use super::apply::{is_failure_status, status_text};
use super::get::call_failed;
use crate::check::cause::Call;
use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::engine::InSymphony;
use crate::model::ComponentAction;

/// `delete.missing`.
pub(in crate::check) fn missing(context: &Context<'_>) -> Finding {
    let id = context.id;
    let component = context.subject.component(id, 1);
    let name = component.name.clone();
    let mut direct = match context.direct(vec![component.clone()]) {
        Ok(direct) => direct,
        Err(why) => return Finding::fail(format!("the check's calls could not start: {why}")),
    };
    let answer = direct.apply(&[(component, ComponentAction::Delete)], false);
    let evidence = direct.evidence();
    let finding = match answer {
        // A crash or a hang is how every `apply` may end: the cause decides, not this check.
        Err(err) if err.outcome().in_symphony() != InSymphony::Returns => call_failed(
            Call::Apply,
            &format!("`apply` of a delete of `{name}`"),
            &err,
        ),
        Err(err) => Finding::fail(format!(
            "`apply` of a delete of `{name}`, which is not on the device, failed ({}): {err}",
            err.outcome().as_str()
        )),
        Ok(results) => match results.get(&name) {
            Some(result) if is_failure_status(u64::from(result.status)) => {
                let why = match result.message.trim() {
                    "" => String::new(),
                    message => format!(": {message}"),
                };
                Finding::warn(format!(
                    "`apply` answered {} for a delete of `{name}`, which is not on the device{why}",
                    status_text(u64::from(result.status))
                ))
                .with_advice(
                    "Symphony never reads the statuses: the removal counts as done, but the \
                     instance status shows the component as failed to delete",
                    "answer `Deleted` (or `OK`) for a delete of a component that is not there",
                )
            }
            Some(result) => Finding::pass(format!(
                "a delete of a component that is not on the device succeeded ({})",
                status_text(u64::from(result.status))
            )),
            None => Finding::pass(
                "a delete of a component that is not on the device succeeded (with no result \
                 for it: see `apply.results-complete`)",
            ),
        },
    };
    finding.with_evidence(evidence)
}
