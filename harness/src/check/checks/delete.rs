//! Checks of deletes made directly, outside a reconcile: a delete of a component that is not
//! there (someone removed the workload by hand) must succeed.

use super::apply::{is_failure_status, status_text};
use crate::check::context::Context;
use crate::check::finding::Finding;
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
                Finding::fail(format!(
                    "`apply` answered {} for a delete of `{name}`, which is not on the device{why}",
                    status_text(u64::from(result.status))
                ))
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
