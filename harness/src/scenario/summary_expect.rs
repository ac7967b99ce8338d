//! `expect.summary`: Symphony's summary of a step's last round (`SummarySpec`, computed by
//! [`crate::engine::summary`]) against the fields a scenario pins, each compared exactly.
//! `targets` and a target's `components` name exactly the entries there are.

use std::collections::BTreeMap;

use super::expect::Checker;
use super::format::{SummaryExpect, TargetResultExpect};
use crate::engine::reconcile::{Summary, TargetResult};

/// `a`, `b` or `none`.
fn listed<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

impl Checker {
    /// Compares one summary field, when the scenario gives it.
    fn summary_field<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        want: Option<&T>,
        have: &T,
    ) {
        if let Some(want) = want {
            if want != have {
                self.mismatch(
                    &format!("summary.{what}"),
                    format!("{want:?}"),
                    format!("{have:?}"),
                );
            }
        }
    }

    /// `summary`: the last round's summary.
    pub(super) fn summary(&mut self, want: &SummaryExpect, have: &Summary) {
        self.summary_field(
            "targetCount",
            want.target_count.as_ref(),
            &have.target_count,
        );
        self.summary_field(
            "successCount",
            want.success_count.as_ref(),
            &have.success_count,
        );
        self.summary_field(
            "plannedDeployment",
            want.planned_deployment.as_ref(),
            &have.planned_deployment,
        );
        self.summary_field(
            "currentDeployed",
            want.current_deployed.as_ref(),
            &have.current_deployed,
        );
        self.summary_field(
            "allAssignedDeployed",
            want.all_assigned_deployed.as_ref(),
            &have.all_assigned_deployed,
        );
        self.summary_field("skipped", want.skipped.as_ref(), &have.skipped);
        self.summary_field("isRemoval", want.is_removal.as_ref(), &have.is_removal);
        self.summary_field("message", want.message.as_ref(), &have.summary_message);
        if let Some(targets) = &want.targets {
            self.summary_targets(targets, &have.target_results);
        }
    }

    fn summary_targets(
        &mut self,
        want: &BTreeMap<String, TargetResultExpect>,
        have: &BTreeMap<String, TargetResult>,
    ) {
        if !want.keys().eq(have.keys()) {
            self.mismatch("summary.targets", listed(want.keys()), listed(have.keys()));
        }
        for (target, expected) in want {
            let Some(actual) = have.get(target) else {
                continue;
            };
            let at = format!("targets.{target}");
            self.summary_field(
                &format!("{at}.status"),
                expected.status.as_ref(),
                &actual.status,
            );
            self.summary_field(
                &format!("{at}.message"),
                expected.message.as_ref(),
                &actual.message,
            );
            let Some(components) = &expected.components else {
                continue;
            };
            if !components.keys().eq(actual.components.keys()) {
                self.mismatch(
                    &format!("summary.{at}.components"),
                    listed(components.keys()),
                    listed(actual.components.keys()),
                );
            }
            for (name, result) in components {
                let Some(got) = actual.components.get(name) else {
                    continue;
                };
                self.summary_field(
                    &format!("{at}.components.{name}.status"),
                    result.status.as_ref(),
                    &got.status,
                );
                if let Some(text) = &result.message_contains {
                    if !got.message.contains(text.as_str()) {
                        self.mismatch(
                            &format!("summary.{at}.components.{name}.messageContains"),
                            format!("{text:?}"),
                            format!("{:?}", got.message),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reconcile::RoundReport;
    use crate::engine::reconcile::StateOutcome;
    use crate::model::ComponentResult;
    use crate::scenario::expect::{check_step, StepFacts};
    use crate::scenario::format::{Action, Expect, ResultExpect, Step};

    fn facts(summary: Summary) -> StepFacts {
        StepFacts {
            rounds: vec![RoundReport {
                round: 4,
                at_seconds: 60,
                remove: false,
                dry_run: false,
                get_plan: Vec::new(),
                plan: Vec::new(),
                steps: Vec::new(),
                applied: 0,
                skipped: 0,
                failure: None,
                state: StateOutcome::Saved,
                summary,
                noop: None,
            }],
            ..StepFacts::default()
        }
    }

    fn step(summary: SummaryExpect) -> Step {
        Step {
            line: 9,
            note: None,
            action: Action::Reconcile(Default::default()),
            on: None,
            expect: Expect {
                summary: Some(summary),
                ..Expect::default()
            },
        }
    }

    fn have() -> Summary {
        Summary {
            target_count: 1,
            success_count: 1,
            planned_deployment: 2,
            current_deployed: 2,
            target_results: [(
                "edge".to_string(),
                TargetResult {
                    status: "OK".into(),
                    message: String::new(),
                    components: [(
                        "web".to_string(),
                        ComponentResult {
                            status: 8004,
                            message: "deployed".into(),
                        },
                    )]
                    .into(),
                },
            )]
            .into(),
            all_assigned_deployed: true,
            ..Summary::default()
        }
    }

    #[test]
    fn a_summary_holding_every_pinned_field_passes() {
        let want = SummaryExpect {
            target_count: Some(1),
            success_count: Some(1),
            planned_deployment: Some(2),
            current_deployed: Some(2),
            all_assigned_deployed: Some(true),
            skipped: Some(false),
            is_removal: Some(false),
            message: Some(String::new()),
            targets: Some(
                [(
                    "edge".to_string(),
                    TargetResultExpect {
                        status: Some("OK".into()),
                        message: Some(String::new()),
                        components: Some(
                            [(
                                "web".to_string(),
                                ResultExpect {
                                    status: Some(8004),
                                    message_contains: Some("deploy".into()),
                                },
                            )]
                            .into(),
                        ),
                    },
                )]
                .into(),
            ),
        };
        assert_eq!(check_step(2, &step(want), &facts(have())), []);
    }

    #[test]
    fn each_field_that_differs_is_named_with_both_values() {
        let want = SummaryExpect {
            success_count: Some(0),
            skipped: Some(true),
            message: Some("failed".into()),
            targets: Some(
                [(
                    "edge".to_string(),
                    TargetResultExpect {
                        status: Some("Target Update Failed".into()),
                        components: Some(BTreeMap::new()),
                        ..TargetResultExpect::default()
                    },
                )]
                .into(),
            ),
            ..SummaryExpect::default()
        };
        let found = check_step(2, &step(want), &facts(have()));
        let lines: Vec<String> = found.iter().map(|m| m.describe()).collect();
        assert_eq!(
            lines,
            [
                "step 2 (line 9, round 4): expect.summary.successCount: expected 0, got 1",
                "step 2 (line 9, round 4): expect.summary.skipped: expected true, got false",
                "step 2 (line 9, round 4): expect.summary.message: expected \"failed\", got \"\"",
                "step 2 (line 9, round 4): expect.summary.targets.edge.status: expected \
                 \"Target Update Failed\", got \"OK\"",
                "step 2 (line 9, round 4): expect.summary.targets.edge.components: expected \
                 none, got `web`",
            ]
        );
        let other = SummaryExpect {
            targets: Some(BTreeMap::new()),
            ..SummaryExpect::default()
        };
        let found = check_step(2, &step(other), &facts(have()));
        assert_eq!(found[0].what, "expect.summary.targets");
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("none", "`edge`")
        );
    }
}
