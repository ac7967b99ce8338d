//! Reconcile rounds against an in-memory fake provider (a test double of the traits).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{json, Value};

use super::*;
use crate::engine::deployment::{from_objects, from_target};
use crate::engine::skip::{first_by_name, INDEX_FROM};
use crate::model::{
    BindingSpec, ComponentResult, ComponentSpec, InstanceSpec, InstanceState, ObjectMeta,
    RoundHandle, SolutionSpec, SolutionState, TargetSelector, TargetSpec, TopologySpec,
    ValidationRule,
};

/// The fake's devices and knobs, shared by every provider it creates.
#[derive(Default)]
struct Fake {
    /// Device name -> components on it.
    devices: BTreeMap<String, BTreeMap<String, ComponentSpec>>,
    /// Components `get` reports in addition to the references found on the device.
    extras: Vec<ComponentSpec>,
    /// Rewrites what `get` reports (e.g. a provider that loses types or changes values).
    report: Option<fn(&mut ComponentSpec)>,
    fail_get: bool,
    /// `apply` fails for steps holding this component.
    fail_apply_for: Option<String>,
    /// How such an `apply` fails (default: the provider returns an error).
    apply_error: Option<CallError>,
    rule: Option<Result<ValidationRule, CallError>>,
    /// Every call, in order: `create`, `get a,b`, `rule`, `apply +a -b`.
    log: Vec<String>,
    /// Deployments `get` and `apply` received.
    deployments: Vec<Value>,
    /// The round document each `get` and `apply` received.
    documents: Vec<RoundHandle>,
}

struct FakeProvider {
    fake: Rc<RefCell<Fake>>,
    device: String,
}

impl Provider for FakeProvider {
    fn get_validation_rule(&mut self) -> Result<ValidationRule, CallError> {
        let mut fake = self.fake.borrow_mut();
        fake.log.push("rule".into());
        fake.rule
            .clone()
            .unwrap_or_else(|| Ok(ValidationRule::default()))
    }

    fn get(
        &mut self,
        deployment: &CallDeployment<'_>,
        references: &[ComponentStep],
    ) -> Result<Vec<ComponentSpec>, CallError> {
        let mut fake = self.fake.borrow_mut();
        let names: Vec<String> = references
            .iter()
            .map(|r| {
                let sign = if r.action == ComponentAction::Update {
                    ""
                } else {
                    "-"
                };
                format!("{sign}{}", r.component.name)
            })
            .collect();
        fake.log.push(format!("get {}", names.join(",")));
        fake.deployments.push(deployment.to_value().unwrap());
        fake.documents.push(deployment.round().handle());
        if fake.fail_get {
            return Err(CallError::from_provider_message(
                "device unreachable".into(),
            ));
        }
        let device = fake.devices.entry(self.device.clone()).or_default().clone();
        let mut found: Vec<ComponentSpec> = references
            .iter()
            .filter_map(|r| device.get(&r.component.name).cloned())
            .collect();
        found.extend(fake.extras.clone());
        if let Some(report) = fake.report {
            found.iter_mut().for_each(report);
        }
        Ok(found)
    }

    fn apply(
        &mut self,
        deployment: &CallDeployment<'_>,
        step: &DeploymentStep,
        dry_run: bool,
    ) -> Result<BTreeMap<String, ComponentResult>, CallError> {
        let mut fake = self.fake.borrow_mut();
        let names: Vec<String> = step
            .components
            .iter()
            .map(|c| format!("{}{}", c.action.sign(), c.component.name))
            .collect();
        fake.log.push(format!(
            "apply {}{}",
            names.join(" "),
            if dry_run { " dry" } else { "" }
        ));
        fake.deployments.push(deployment.to_value().unwrap());
        fake.documents.push(deployment.round().handle());
        if let Some(bad) = &fake.fail_apply_for {
            if step.components.iter().any(|c| &c.component.name == bad) {
                return Err(fake.apply_error.clone().unwrap_or_else(|| {
                    CallError::from_provider_message(format!("cannot deploy {bad}"))
                }));
            }
        }
        let mut results = BTreeMap::new();
        for c in &step.components {
            if !dry_run {
                let device = fake.devices.entry(self.device.clone()).or_default();
                match c.action {
                    ComponentAction::Update => {
                        device.insert(c.component.name.clone(), (*c.component).clone());
                    }
                    ComponentAction::Delete => {
                        device.remove(&c.component.name);
                        fake.extras.retain(|e| e.name != c.component.name);
                    }
                }
            }
            // A status that would mean failure if Symphony looked at it: it does not.
            results.insert(
                c.component.name.clone(),
                ComponentResult {
                    status: 500,
                    message: "internal".into(),
                },
            );
        }
        Ok(results)
    }
}

#[derive(Clone)]
struct FakeFactory(Rc<RefCell<Fake>>);

impl ProviderFactory for FakeFactory {
    fn create(&mut self, config: &BindingConfig) -> Result<Box<dyn Provider>, CallError> {
        self.0.borrow_mut().log.push("create".into());
        Ok(Box::new(FakeProvider {
            fake: Rc::clone(&self.0),
            device: config.get("device").unwrap_or("default").to_string(),
        }))
    }
}

fn component(name: &str, ty: &str, properties: Value) -> ComponentSpec {
    ComponentSpec {
        name: name.into(),
        component_type: ty.into(),
        properties: serde_json::from_value(properties).unwrap(),
        ..ComponentSpec::default()
    }
}

fn bindings(roles: &[&str], device: &str) -> Vec<TopologySpec> {
    vec![TopologySpec {
        bindings: roles
            .iter()
            .map(|role| {
                let mut config = BindingConfig::new("/extensions/libfake.so", "any", "fake");
                config.insert("device", device);
                BindingSpec {
                    role: role.to_string(),
                    provider: "providers.target.rust".into(),
                    config,
                }
            })
            .collect(),
        ..TopologySpec::default()
    }]
}

fn target(name: &str, components: Vec<ComponentSpec>, roles: &[&str]) -> TargetState {
    TargetState {
        metadata: ObjectMeta {
            name: name.into(),
            namespace: "default".into(),
            ..ObjectMeta::default()
        },
        status: crate::model::zero_status(),
        spec: Some(TargetSpec {
            components: components.into_iter().map(Arc::new).collect(),
            topologies: bindings(roles, name),
            ..TargetSpec::default()
        }),
    }
}

fn deployment(components: Vec<ComponentSpec>, roles: &[&str]) -> DeploymentSpec {
    from_target(&target("t", components, roles), "default").unwrap()
}

struct World {
    fake: Rc<RefCell<Fake>>,
    factory: FakeFactory,
    reconciler: Reconciler,
    events: Vec<Event>,
}

impl World {
    fn new() -> World {
        let fake = Rc::new(RefCell::new(Fake::default()));
        World {
            factory: FakeFactory(Rc::clone(&fake)),
            fake,
            reconciler: Reconciler::new(Symphony::V049),
            events: Vec::new(),
        }
    }

    fn round(&mut self, d: &DeploymentSpec, remove: bool) -> RoundReport {
        self.fake.borrow_mut().log.clear();
        self.reconciler
            .reconcile(d, remove, &mut self.factory, &mut self.events)
            .unwrap()
    }

    /// Rounds until convergence, at most `rounds`, without the removal.
    fn run(&mut self, d: &DeploymentSpec, rounds: u32) -> RunReport {
        self.fake.borrow_mut().log.clear();
        let options = RunOptions {
            rounds,
            remove: false,
        };
        run(
            &mut self.reconciler,
            d,
            options,
            &mut self.factory,
            &mut self.events,
        )
        .unwrap()
    }

    fn log(&self) -> Vec<String> {
        self.fake.borrow().log.clone()
    }

    fn device(&self, name: &str) -> Vec<String> {
        self.fake
            .borrow()
            .devices
            .get(name)
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn apply_reason(report: &RoundReport, index: usize) -> ApplyReason {
    match &report.steps[index].decision {
        StepDecision::Apply { reason } => reason.clone(),
        StepDecision::Skip => panic!("step {index} was skipped"),
    }
}

#[test]
fn first_round_applies_every_step_and_saves_state() {
    let mut w = World::new();
    let d = deployment(
        vec![
            component("a", "w", json!({})),
            component("b", "w", json!({})),
        ],
        &["w"],
    );
    let r = w.round(&d, false);
    assert_eq!(w.log(), ["create", "get a,b", "create", "apply +a +b"]);
    assert_eq!(apply_reason(&r, 0), ApplyReason::NoPreviousState);
    assert_eq!((r.applied, r.state), (1, StateOutcome::Saved));
    assert_eq!(w.device("t"), ["a", "b"]);
    assert!(w.reconciler.previous().is_some());
}

#[test]
fn second_round_skips_unchanged_step_and_converges() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({"image": "x:1"}))], &["w"]);
    let report = w.run(&d, 5);
    assert_eq!(report.verdict, RunEnd::Converged { rounds: 2 });
    assert_eq!(report.rounds[1].skipped, 1);
    assert_eq!(report.waited_seconds, NEXT_AFTER_SUCCESS);
    assert!(w.events.iter().any(|e| matches!(
        e,
        Event::StepDecided {
            decision: StepDecision::Skip,
            ..
        }
    )));
}

#[test]
fn typeless_components_get_one_get_each_on_a_fresh_provider() {
    let mut w = World::new();
    let d = deployment(
        vec![component("a", "", json!({})), component("b", "", json!({}))],
        &["instance"],
    );
    w.round(&d, false);
    assert_eq!(
        w.log(),
        ["create", "get a", "create", "get b", "create", "apply +a", "create", "apply +b"]
    );
}

#[test]
fn get_references_are_all_updates_even_on_removal() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    let r = w.round(&d, true);
    assert_eq!(w.log()[1], "get a", "references are updates");
    assert_eq!(r.plan[0].components[0].action, ComponentAction::Delete);
    assert_eq!(r.state, StateOutcome::Dropped);
    assert!(w.device("t").is_empty());
    assert!(w.reconciler.previous().is_none());
}

#[test]
fn one_failing_get_fails_the_round_before_any_apply() {
    let mut w = World::new();
    w.fake.borrow_mut().fail_get = true;
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let r = w.round(&d, false);
    assert_eq!(w.log(), ["create", "get a"]);
    let failure = r.failure.unwrap();
    assert_eq!(
        (failure.stage, failure.outcome.as_str()),
        (Stage::Get, "error")
    );
    assert_eq!(r.state, StateOutcome::NotSavedFailed);
}

#[test]
fn failed_apply_stops_later_steps_and_does_not_save_state() {
    let mut w = World::new();
    w.fake.borrow_mut().fail_apply_for = Some("a".into());
    let d = deployment(
        vec![
            component("a", "w", json!({})),
            component("b", "v", json!({})),
        ],
        &["w", "v"],
    );
    let r = w.round(&d, false);
    assert_eq!(
        w.log(),
        ["create", "get a", "create", "get b", "create", "apply +a"]
    );
    assert_eq!(r.failure.as_ref().unwrap().stage, Stage::Apply);
    assert_eq!(r.steps.len(), 1, "the second step is not reached");
    assert!(w.reconciler.previous().is_none(), "state is not saved");
    assert_eq!(w.reconciler.clock(), WAIT_AFTER_FAILED_APPLY);
}

#[test]
fn failed_round_then_next_poll_after_15_seconds() {
    let mut w = World::new();
    w.fake.borrow_mut().fail_apply_for = Some("a".into());
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let report = w.run(&d, 2);
    assert_eq!(report.verdict, RunEnd::Failed { rounds: 2 });
    assert_eq!(
        report.waited_seconds,
        2 * WAIT_AFTER_FAILED_APPLY + POLL_INTERVAL
    );
}

#[test]
fn result_map_never_decides_success() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let r = w.round(&d, false);
    assert!(r.failure.is_none());
    assert_eq!(
        r.steps[0].results.as_ref().unwrap()["a"].status,
        500,
        "recorded anyway"
    );
    assert_eq!(r.summary.success_count, 1);
}

#[test]
fn dry_run_applies_with_the_flag_and_never_saves_state() {
    let mut w = World::new();
    let mut d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    d.is_dry_run = true;
    let report = w.run(&d, 3);
    assert_eq!(report.verdict, RunEnd::DryRun { rounds: 3 });
    let round = ["create", "get a", "create", "apply +a dry"];
    assert_eq!(
        w.log(),
        [round, round, round].concat(),
        "repeated, as every poll does"
    );
    assert_eq!(report.rounds[0].state, StateOutcome::NotSavedDryRun);
    assert_eq!(report.rounds[0].summary.success_count, 0);
    assert!(w.reconciler.previous().is_none());
    assert!(w.device("t").is_empty(), "the fake honours dry runs");
}

#[test]
fn extra_from_get_deleted_at_once_without_previous_state() {
    let mut w = World::new();
    w.fake.borrow_mut().extras = vec![component("stray", "w", json!({}))];
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let r = w.round(&d, false);
    assert_eq!(
        w.log(),
        [
            "create",
            "get a",
            "create",
            "apply +a",
            "create",
            "apply -stray"
        ],
        "the mixed step is split: the delete part runs after all updates"
    );
    assert_eq!(r.plan.len(), 2);
}

#[test]
fn extra_from_get_deleted_next_round_when_previous_exists() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    w.fake.borrow_mut().extras = vec![component("stray", "x", json!({}))];
    let mut with_x = d.clone();
    with_x
        .targets
        .get_mut("t")
        .unwrap()
        .spec
        .as_mut()
        .unwrap()
        .topologies = bindings(&["w", "x"], "t");
    let r = w.round(&with_x, false);
    assert_eq!(
        r.skipped, 2,
        "the update step and the extra's pure-delete step are skipped"
    );
    assert!(!w.log().iter().any(|l| l.starts_with("apply")));
    let r = w.round(&with_x, false);
    assert_eq!(w.log().last().unwrap(), "apply -stray");
    assert_eq!(
        apply_reason(&r, 1),
        ApplyReason::DeleteOfReportedOnly {
            component: "stray".into()
        },
        "never desired: only `get` reported it"
    );
    assert_eq!(
        apply_reason(&r, 1).describe(),
        "`stray` is reported by `get` but not desired: Symphony deletes it"
    );
}

#[test]
fn extra_with_unbound_role_fails_the_reconcile() {
    let mut w = World::new();
    w.fake.borrow_mut().extras = vec![component("stray", "", json!({}))];
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let r = w.round(&d, false);
    let failure = r.failure.unwrap();
    assert_eq!(failure.stage, Stage::CreateProvider);
    assert!(
        failure
            .message
            .starts_with("target doesn't have a 'instance' role defined (Symphony's error: "),
        "{}",
        failure.message
    );
}

#[test]
fn component_removed_from_solution_is_deleted_with_its_previous_spec() {
    let mut w = World::new();
    let d1 = deployment(
        vec![
            component("a", "w", json!({})),
            component("b", "w", json!({"k": "old"})),
        ],
        &["w"],
    );
    w.round(&d1, false);
    let d2 = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let r = w.round(&d2, false);
    assert_eq!(
        w.log()[1],
        "get a",
        "the removed component is not a reference"
    );
    let deleted = &r.plan.last().unwrap().components[0];
    assert_eq!(
        (deleted.action, deleted.component.properties["k"].clone()),
        (ComponentAction::Delete, json!("old"))
    );
    assert_eq!(w.device("t"), ["a"]);
}

#[test]
fn changed_property_reapplies_the_whole_step() {
    let mut w = World::new();
    let d1 = deployment(
        vec![
            component("a", "w", json!({"v": "1"})),
            component("b", "w", json!({})),
        ],
        &["w"],
    );
    w.round(&d1, false);
    let d2 = deployment(
        vec![
            component("a", "w", json!({"v": "2"})),
            component("b", "w", json!({})),
        ],
        &["w"],
    );
    let r = w.round(&d2, false);
    assert_eq!(w.log().last().unwrap(), "apply +a +b");
    let ApplyReason::Changed {
        component,
        against,
        reasons,
    } = apply_reason(&r, 0)
    else {
        panic!("expected a change");
    };
    assert_eq!(
        (component.as_str(), against),
        ("a", Against::PreviousDesired)
    );
    assert_eq!(
        (reasons[0].old.as_deref(), reasons[0].new.as_deref()),
        (Some("1"), Some("2"))
    );
}

#[test]
fn component_missing_from_get_reapplies_its_step() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    w.fake.borrow_mut().devices.clear();
    let r = w.round(&d, false);
    assert_eq!(
        apply_reason(&r, 0),
        ApplyReason::NotReportedByGet {
            component: "a".into()
        }
    );
}

#[test]
fn never_converges_when_get_reports_a_number_for_a_string() {
    let mut w = World::new();
    w.fake.borrow_mut().report = Some(|c| {
        c.properties.insert("replicas".into(), json!(1000000));
    });
    let d = deployment(
        vec![component("a", "w", json!({"replicas": "1000000"}))],
        &["w"],
    );
    let report = w.run(&d, 3);
    assert_eq!(report.verdict, RunEnd::NotConverged { rounds: 3 });
    let ApplyReason::Changed {
        against, reasons, ..
    } = apply_reason(&report.rounds[2], 0)
    else {
        panic!("expected a change");
    };
    assert_eq!(against, Against::Current);
    assert_eq!(
        (reasons[0].old.as_deref(), reasons[0].new.as_deref()),
        (Some("1e+06"), Some("1000000"))
    );
}

#[test]
fn failing_validation_rule_silently_uses_the_zero_rule() {
    let mut w = World::new();
    let d1 = deployment(vec![component("a", "w", json!({"v": "1"}))], &["w"]);
    w.round(&d1, false);
    w.fake.borrow_mut().rule = Some(Err(CallError::from_provider_message("no".into())));
    let d2 = deployment(vec![component("a", "w", json!({"v": "2"}))], &["w"]);
    let r = w.round(&d2, false);
    assert_eq!(r.skipped, 1, "the zero rule compares nothing");
}

#[test]
fn validation_rule_is_asked_per_reported_component_until_the_first_change() {
    let mut w = World::new();
    let names = ["a", "b", "c"];
    let d1 = deployment(
        names
            .iter()
            .map(|n| component(n, "w", json!({"v": "1"})))
            .collect(),
        &["w"],
    );
    w.round(&d1, false);
    w.round(&d1, false);
    assert_eq!(w.log().iter().filter(|l| *l == "rule").count(), 3);
    let mut d2 = d1.clone();
    Arc::make_mut(&mut d2.solution.spec.as_mut().unwrap().components[1])
        .properties
        .insert("v".into(), json!("2"));
    w.round(&d2, false);
    assert_eq!(
        w.log().iter().filter(|l| *l == "rule").count(),
        2,
        "stops at `b`"
    );
}

#[test]
fn removal_deletes_dependents_first() {
    let mut w = World::new();
    let mut b = component("b", "w", json!({}));
    b.dependencies = vec!["a".into()];
    let d = deployment(vec![b, component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    assert_eq!(w.log().last().unwrap(), "apply +a +b");
    w.round(&d, true);
    let applies: Vec<String> = w
        .log()
        .into_iter()
        .filter(|l| l.starts_with("apply"))
        .collect();
    assert_eq!(applies, ["apply -b", "apply -a"]);
}

#[test]
fn inactive_instance_forces_removal() {
    let mut w = World::new();
    let mut d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    d.is_in_active = true;
    let r = w.round(&d, false);
    assert!(r.remove);
    assert_eq!(w.log().last().unwrap(), "apply -a");
    assert_eq!(r.summary.success_count, 0);
}

#[test]
fn instance_without_name_or_guid_does_nothing() {
    let mut w = World::new();
    let mut d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    d.instance.metadata = ObjectMeta::default();
    let r = w.round(&d, false);
    assert!(r.noop.is_some());
    assert!(w.log().is_empty());
}

#[test]
fn unsupported_expression_fails_before_any_call() {
    let mut w = World::new();
    let d = deployment(
        vec![component("a", "w", json!({"v": "${{$property(x)}}"}))],
        &["w"],
    );
    let err = w
        .reconciler
        .reconcile(&d, false, &mut w.factory, &mut w.events)
        .unwrap_err();
    assert!(matches!(err, EngineError::UnsupportedExpression { .. }));
    assert!(w.log().is_empty());
}

#[test]
fn deployments_sent_carry_active_target_scope_and_evaluated_properties() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({"v": "1.0"}))], &["w"]);
    w.round(&d, false);
    let sent = w.fake.borrow().deployments.clone();
    for dep in &sent {
        assert_eq!(dep["activeTarget"], "t");
        assert_eq!(dep["instance"]["spec"]["scope"], "default");
        assert_eq!(dep["solutionversionName"], "target-runtime-t");
        assert_eq!(
            dep["solutionversion"]["spec"]["components"][0]["properties"]["v"],
            "1"
        );
    }
}

#[test]
fn generation_048_sends_solution_names() {
    let mut w = World::new();
    w.reconciler = Reconciler::new(Symphony::V048);
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    let sent = w.fake.borrow().deployments[0].clone();
    assert_eq!(sent["solutionName"], "target-runtime-t");
    assert!(sent.get("solutionversionName").is_none());
    assert_eq!(sent["instance"]["spec"]["solution"], "target-runtime-t");
}

fn two_target_instance_deployment() -> DeploymentSpec {
    let mut t1 = target("t1", vec![], &["w"]);
    t1.spec.as_mut().unwrap().solution_scope = "s1".into();
    let mut t2 = target("t2", vec![], &["w"]);
    t2.spec.as_mut().unwrap().solution_scope = "s2".into();
    let instance = InstanceState {
        metadata: ObjectMeta {
            name: "inst".into(),
            ..ObjectMeta::default()
        },
        spec: Some(InstanceSpec {
            solution: "app:v1".into(),
            target: TargetSelector {
                name: "t*".into(),
                ..TargetSelector::default()
            },
            metadata: [("k".to_string(), "instance".to_string())].into(),
            ..InstanceSpec::default()
        }),
        status: crate::model::zero_status(),
    };
    let solution = SolutionState {
        metadata: ObjectMeta {
            name: "app-v-v1".into(),
            ..ObjectMeta::default()
        },
        spec: Some(SolutionSpec {
            components: vec![Arc::new(component("a", "w", json!({})))],
            metadata: [
                ("k".to_string(), "solution".to_string()),
                ("s".to_string(), "solution".to_string()),
            ]
            .into(),
            ..SolutionSpec::default()
        }),
    };
    from_objects(&instance, &solution, &[t1, t2], "default").unwrap()
}

#[test]
fn scope_of_last_successful_apply_leaks_into_later_steps() {
    let mut w = World::new();
    w.round(&two_target_instance_deployment(), false);
    let scopes: Vec<(String, String)> = w
        .fake
        .borrow()
        .deployments
        .iter()
        .map(|d| {
            (
                d["activeTarget"].as_str().unwrap().to_string(),
                d["instance"]["spec"]["scope"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [("t1", "s1"), ("t2", "s2"), ("t1", "s1"), ("t2", "s1")];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(scopes, expected, "get restores the scope, apply does not");
}

#[test]
fn apply_gets_instance_metadata_merged_over_solution_metadata_get_does_not() {
    let mut w = World::new();
    w.round(&two_target_instance_deployment(), false);
    let sent = w.fake.borrow().deployments.clone();
    assert_eq!(
        sent[0]["instance"]["spec"]["metadata"],
        json!({"k": "instance"}),
        "get: instance metadata only"
    );
    assert_eq!(
        sent[2]["instance"]["spec"]["metadata"],
        json!({"k": "instance", "s": "solution"}),
        "apply: merged, instance wins"
    );
}

#[test]
fn target_no_longer_selected_crashes_symphony_when_deleting() {
    let mut w = World::new();
    let d = two_target_instance_deployment();
    w.round(&d, false);
    let mut only_t1 = d.clone();
    only_t1.targets.remove("t2");
    only_t1.assignments.remove("t2");
    let r = w.round(&only_t1, false);
    let failure = r.failure.unwrap();
    assert_eq!(
        (failure.stage, failure.target.as_str()),
        (Stage::SymphonyPanic, "t2")
    );
}

#[test]
fn a_call_document_is_the_whole_deployment_as_go_marshals_it() {
    // What a call receives (the round's shared document with the call's own instance and
    // active target) must be exactly the patched deployment marshalled whole.
    for generation in [Symphony::V048, Symphony::V049] {
        let mut reconciler = Reconciler::new(generation);
        let prepared = reconciler
            .prepare(&two_target_instance_deployment())
            .unwrap();
        for (target, scope, metadata) in [
            ("t1", "s1", None),
            (
                "t2",
                "",
                Some(BTreeMap::from([("k".to_string(), "v".to_string())])),
            ),
            ("", "x", Some(BTreeMap::new())),
        ] {
            let mut whole = (*prepared.evaluated).clone();
            whole.active_target = target.to_string();
            let spec = whole.instance.spec.as_mut().unwrap();
            spec.scope = scope.to_string();
            if let Some(metadata) = &metadata {
                spec.metadata = metadata.clone();
            }
            let expected = wire::to_generation(serde_json::to_value(&whole).unwrap(), generation);
            // Twice: the second time the call part is the one made the first time.
            for _ in 0..2 {
                let call = reconciler
                    .for_call(&prepared, target, scope, metadata.as_ref())
                    .unwrap();
                assert_eq!(
                    call.to_value().unwrap(),
                    expected,
                    "{generation} {target:?} {scope:?}"
                );
            }
        }
        assert_eq!(
            reconciler.call_parts.0.len(),
            3,
            "one part per distinct call"
        );
    }
}

#[test]
fn rounds_of_the_same_deployment_share_one_document_a_changed_one_gets_a_new_one() {
    let mut w = World::new();
    let d1 = deployment(vec![component("a", "w", json!({"v": "1"}))], &["w"]);
    w.round(&d1, false);
    w.round(&d1, false);
    let mut d2 = d1.clone();
    Arc::make_mut(&mut d2.solution.spec.as_mut().unwrap().components[0])
        .properties
        .insert("v".into(), json!("2"));
    w.round(&d2, false);
    let documents = w.fake.borrow().documents.clone();
    // Round 1: get + apply; round 2: get (the step is skipped); round 3: get + apply.
    assert_eq!(documents.len(), 5, "{documents:?}");
    assert!(
        documents[..3].iter().all(|id| *id == documents[0]),
        "{documents:?}"
    );
    assert!(
        documents[3..].iter().all(|id| *id == documents[3]),
        "{documents:?}"
    );
    assert_ne!(
        documents[0], documents[3],
        "a changed deployment is marshalled anew"
    );
    let sent = w.fake.borrow().deployments.clone();
    assert_eq!(
        sent[4]["solutionversion"]["spec"]["components"][0]["properties"]["v"],
        "2"
    );
}

#[test]
fn the_stored_deployment_keeps_the_metadata_of_the_last_apply_not_the_evaluated_one() {
    let mut w = World::new();
    let d = two_target_instance_deployment();
    w.round(&d, false);
    let stored = w.reconciler.previous().unwrap();
    let metadata = &stored.spec.instance.spec.as_ref().unwrap().metadata;
    assert_eq!(
        serde_json::to_value(metadata).unwrap(),
        json!({"k": "instance", "s": "solution"})
    );
    // The next round still starts from the deployment's own instance metadata.
    w.round(&d, false);
    let sent = w.fake.borrow().deployments.clone();
    let first_get_of_round_2 = sent
        .iter()
        .rposition(|dep| dep["instance"]["spec"]["metadata"] == json!({"k": "instance"}))
        .unwrap();
    assert!(first_get_of_round_2 >= 4, "{sent:?}");
}

#[test]
fn a_container_component_is_deployed_through_the_instance_binding() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "container", json!({}))], &["instance"]);
    let r = w.round(&d, false);
    assert!(r.failure.is_none(), "{:?}", r.failure);
    assert_eq!(r.plan[0].role, "container");
    assert_eq!(w.log(), ["create", "get a", "create", "apply +a"]);
    assert_eq!(w.device("t"), ["a"]);
}

#[test]
fn a_round_that_leaves_no_keys_saves_its_state_unless_it_is_a_removal() {
    // An empty deployment.
    let mut w = World::new();
    let r = w.round(&deployment(vec![], &["w"]), false);
    assert_eq!((r.plan.len(), r.state), (0, StateOutcome::Saved));
    assert!(w.reconciler.previous().is_some());

    // Every component removed from the desired state: deleted, and the state is saved.
    let mut w = World::new();
    w.round(
        &deployment(vec![component("a", "w", json!({}))], &["w"]),
        false,
    );
    let r = w.round(&deployment(vec![], &["w"]), false);
    assert_eq!(w.log().last().unwrap(), "apply -a");
    assert_eq!(r.state, StateOutcome::Saved);
    let stored = w.reconciler.previous().unwrap();
    assert!(stored.state.target_component.is_empty());
}

#[test]
fn a_removal_skips_the_delete_of_a_previously_desired_component_that_is_on_no_target() {
    let mut w = World::new();
    let both = deployment(
        vec![
            component("a", "w", json!({})),
            component("b", "v", json!({})),
        ],
        &["w", "v"],
    );
    w.round(&both, false);
    // `b` leaves the solution: it is deleted, and stays in the stored components (without a
    // key).
    let only_a = deployment(vec![component("a", "w", json!({}))], &["w", "v"]);
    w.round(&only_a, false);
    assert_eq!(w.device("t"), ["a"]);
    // The removal of the deployment with `b`: `get` does not report `b`, nothing stored has
    // its key, so its delete step is skipped; `a`'s is applied.
    let r = w.round(&both, true);
    let decisions: Vec<(String, &StepDecision)> = r
        .steps
        .iter()
        .map(|s| (s.step.components[0].component.name.clone(), &s.decision))
        .collect();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert!(
        decisions.contains(&("b".to_string(), &StepDecision::Skip)),
        "{decisions:?}"
    );
    assert!(w.log().contains(&"apply -a".to_string()), "{:?}", w.log());
    assert!(!w.log().contains(&"apply -b".to_string()), "{:?}", w.log());
    assert_eq!(r.state, StateOutcome::Dropped);
}

#[test]
fn a_call_part_is_never_reused_for_another_target_scope_metadata_or_deployment() {
    let mut reconciler = Reconciler::new(Symphony::V049);
    let d1 = two_target_instance_deployment();
    let mut d2 = d1.clone();
    d2.instance.spec.as_mut().unwrap().metadata = [("k".to_string(), "changed".to_string())].into();
    let m = BTreeMap::from([("m".to_string(), "1".to_string())]);
    let calls = [
        ("t1", "s1", None),
        ("t2", "s1", None),
        ("t1", "s2", None),
        ("t1", "s1", Some(&m)),
        ("t1", "s1", None),
    ];
    // Alternating deployments: each change of deployment starts the parts afresh.
    for d in [&d1, &d2, &d1] {
        let prepared = reconciler.prepare(d).unwrap();
        for (target, scope, metadata) in calls {
            let sent = reconciler
                .for_call(&prepared, target, scope, metadata)
                .unwrap()
                .to_value()
                .unwrap();
            let expected_metadata = match metadata {
                Some(m) => serde_json::to_value(m).unwrap(),
                None => serde_json::to_value(&d.instance.spec.as_ref().unwrap().metadata).unwrap(),
            };
            let call = format!("{target} {scope} {metadata:?}");
            assert_eq!(sent["activeTarget"], target, "{call}");
            assert_eq!(sent["instance"]["spec"]["scope"], scope, "{call}");
            assert_eq!(
                sent["instance"]["spec"]["metadata"], expected_metadata,
                "{call}"
            );
        }
        assert_eq!(
            reconciler.call_parts.0.len(),
            4,
            "the repeated call shares its part"
        );
    }
}

#[test]
fn a_failed_apply_is_indeterminate_only_when_the_providers_process_died() {
    let cases = [
        (
            "harness",
            CallError::Harness {
                detail: "cannot start the worker".into(),
            },
            false,
        ),
        (
            "error",
            CallError::from_provider_message("no".into()),
            false,
        ),
        (
            "panic",
            CallError::Panic {
                message: "boom".into(),
            },
            true,
        ),
        ("timeout", CallError::Timeout { after_ms: 10 }, true),
    ];
    for (name, error, indeterminate) in cases {
        let mut w = World::new();
        w.fake.borrow_mut().fail_apply_for = Some("a".into());
        w.fake.borrow_mut().apply_error = Some(error);
        let r = w.round(
            &deployment(vec![component("a", "w", json!({}))], &["w"]),
            false,
        );
        let failure = r.failure.unwrap();
        assert_eq!(failure.stage, Stage::Apply, "{name}");
        assert_eq!(
            failure.outcome,
            FailedBy::Call(name_to_outcome(name)),
            "{name}"
        );
        assert_eq!(failure.indeterminate, indeterminate, "{name}");
    }
}

fn name_to_outcome(name: &str) -> crate::engine::Outcome {
    crate::engine::Outcome::ALL
        .into_iter()
        .find(|o| o.as_str() == name)
        .unwrap()
}

#[test]
fn rounds_are_numbered_and_the_next_after_a_success_comes_30_seconds_later() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let first = w.run(&d, 5);
    let numbers: Vec<u32> = first.rounds.iter().map(|r| r.round).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(first.rounds[1].at_seconds, 30);
    assert_eq!(first.waited_seconds, 30);
    // A second run on the same reconciler counts only its own waits.
    let second = w.run(&d, 5);
    assert_eq!(second.rounds[0].round, 3);
    assert_eq!(second.verdict, RunEnd::Converged { rounds: 1 });
    assert_eq!(second.waited_seconds, 0);
}

#[test]
fn the_summary_counts_planned_and_succeeded_steps_and_whether_any_ran() {
    let mut w = World::new();
    let d = deployment(
        vec![
            component("a", "w", json!({})),
            component("b", "v", json!({})),
        ],
        &["w", "v"],
    );
    let applied = w.round(&d, false).summary;
    assert_eq!(
        applied,
        Summary {
            target_count: 1,
            success_count: 1,
            planned_deployment: 2,
            current_deployed: 2,
            target_results: [(
                "t".to_string(),
                TargetResult {
                    status: "OK".into(),
                    message: String::new(),
                    // One result per step, merged (the fake answers 500 `internal`).
                    components: ["a", "b"]
                        .into_iter()
                        .map(|name| (
                            name.to_string(),
                            ComponentResult {
                                status: 500,
                                message: "internal".into()
                            }
                        ))
                        .collect(),
                }
            )]
            .into(),
            planned_count: 2,
            plan_success_count: 2,
            all_assigned_deployed: true,
            skipped: false,
            ..Summary::default()
        }
    );
    let skipped = w.round(&d, false).summary;
    assert_eq!((skipped.plan_success_count, skipped.skipped), (2, true));
    assert!(skipped.all_assigned_deployed);

    let mut w = World::new();
    w.fake.borrow_mut().fail_apply_for = Some("a".into());
    let failed = w.round(&d, false).summary;
    assert_eq!(
        (failed.planned_count, failed.plan_success_count),
        (1, 0),
        "the failing first step ends the round"
    );
    assert!(!failed.all_assigned_deployed);
    assert_eq!(failed.planned_deployment, 2);
    assert_eq!(failed.current_deployed, 0);
    let t = &failed.target_results["t"];
    assert_eq!(t.status, "Target Update Failed");
    assert_eq!(
        t.message,
        "An error occurred in Target Update, err: Apply Resource Failed: failed to apply \
         deployment ste"
    );
}

#[test]
fn a_binding_to_another_provider_fails_the_providers_creation() {
    let mut w = World::new();
    let mut d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    let spec = d.targets.get_mut("t").unwrap().spec.as_mut().unwrap();
    spec.topologies[0].bindings[0].provider = "providers.target.docker".into();
    let failure = w.round(&d, false).failure.unwrap();
    assert_eq!(failure.stage, Stage::CreateProvider);
    assert_eq!(failure.outcome, FailedBy::Symphony);
    assert!(
        failure.message.contains("`providers.target.docker`"),
        "{}",
        failure.message
    );
    assert!(w.log().is_empty(), "no provider was created");
}

#[test]
fn call_events_list_the_components_sent_with_their_actions() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    w.round(&deployment(vec![], &["w"]), false);
    let sent: Vec<(CallKind, Vec<(String, ComponentAction)>)> = w
        .events
        .iter()
        .filter_map(|e| match e {
            Event::CallStarted {
                call, components, ..
            } if *call != CallKind::Create => Some((call.clone(), components.clone())),
            _ => None,
        })
        .collect();
    let a = |action| vec![("a".to_string(), action)];
    assert_eq!(
        sent,
        [
            (CallKind::Get, a(ComponentAction::Update)),
            (
                CallKind::Apply { dry_run: false },
                a(ComponentAction::Update)
            ),
            (
                CallKind::Apply { dry_run: false },
                a(ComponentAction::Delete)
            ),
        ]
    );
}

#[test]
fn apply_on_a_target_running_a_symphony_agent_names_it_in_the_instance_metadata() {
    let mut d = two_target_instance_deployment();
    let t1 = d.targets.get_mut("t1").unwrap().spec.as_mut().unwrap();
    t1.components = vec![Arc::new(component(
        "agent-x",
        "",
        json!({"container.image": "ghcr.io/eclipse-symphony/symphony-agent:0.48"}),
    ))];
    let mut w = World::new();
    w.round(&d, false);
    let sent = w.fake.borrow().deployments.clone();
    let agent = |i: usize| {
        (
            sent[i]["activeTarget"].clone(),
            sent[i]["instance"]["spec"]["metadata"]["SYMPHONY_AGENT_ADDRESS"].clone(),
        )
    };
    // get t1, get t2, apply t1, apply t2.
    assert_eq!(agent(0), (json!("t1"), Value::Null), "get: never");
    assert_eq!(agent(2), (json!("t1"), json!("agent-x")));
    assert_eq!(
        agent(3),
        (json!("t2"), Value::Null),
        "only on the agent's target"
    );
}

#[test]
fn a_reconciler_started_from_a_stored_state_skips_what_it_already_deployed() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    let stored = w.reconciler.previous().unwrap().clone();
    // A new reconciler (as after a restart with a persistent store), on the same device.
    w.reconciler = Reconciler::new(Symphony::V049).with_previous(stored);
    let r = w.round(&d, false);
    assert_eq!((r.skipped, r.applied), (1, 0));
    assert!(!w.log().iter().any(|l| l.starts_with("apply")));
}

#[test]
fn a_name_index_finds_the_first_component_of_a_name_short_list_or_long() {
    for len in [3, INDEX_FROM + 5] {
        let mut components: Vec<Arc<ComponentSpec>> = (0..len)
            .map(|i| Arc::new(component(&format!("c{i}"), "w", json!({"i": i}))))
            .collect();
        // A second component named like the first: the first one wins, as in Go's search.
        components.push(Arc::new(component("c0", "w", json!({"i": "second"}))));
        let index = first_by_name(&components);
        assert_eq!(index.0.is_some(), len >= INDEX_FROM, "{len}");
        let found = index.find(&components, "c0").unwrap();
        assert_eq!(found.properties["i"], json!(0), "{len}: the first c0");
        assert_eq!(index.find(&components, "c2").unwrap().name, "c2");
        assert!(index.find(&components, "absent").is_none());
    }
}

#[test]
fn an_unresolvable_dependency_fails_every_round_before_any_call_and_keeps_the_state() {
    let mut w = World::new();
    let mut web = component("web", "w", json!({}));
    web.dependencies = vec!["db".into()];
    let both = deployment(vec![component("db", "w", json!({})), web.clone()], &["w"]);
    assert!(w.round(&both, false).failure.is_none());
    let stored = w.reconciler.previous().cloned();
    let only_web = deployment(vec![web], &["w"]);
    for _ in 0..2 {
        let r = w.round(&only_web, false);
        let failure = r.failure.clone().unwrap();
        assert_eq!(failure.stage, Stage::Plan);
        assert_eq!(failure.outcome, FailedBy::Symphony);
        assert!(failure.message.starts_with(GO_DEPENDENCIES), "{failure:?}");
        assert_eq!(failure.components, ["web"]);
        assert!(w.log().is_empty(), "no provider call: {:?}", w.log());
        assert_eq!(r.state, StateOutcome::NotSavedFailed);
        assert_eq!(w.reconciler.previous().cloned(), stored, "state kept");
        assert_eq!(
            r.summary.summary_message,
            "failed to create target manager state from deployment spec: circular \
             dependencies or unresolved dependencies detected in components"
        );
        assert_eq!((r.summary.success_count, r.summary.target_count), (0, 1));
        assert_eq!(
            r.failure.as_ref().map(Failure::in_symphony),
            Some(InSymphony::Returns)
        );
    }
    assert_eq!(w.device("t"), ["db", "web"], "the device is untouched");
    let report = w.run(&only_web, 5);
    assert_eq!(report.verdict, RunEnd::Failed { rounds: 1 });
    assert!(
        report
            .stopped
            .as_deref()
            .unwrap()
            .contains("before any provider call"),
        "{:?}",
        report.stopped
    );
}

#[test]
fn a_target_name_reconciles_only_that_targets_steps_and_saves_the_whole_state() {
    let mut w = World::new();
    let d = two_target_instance_deployment();
    w.reconciler.set_target_name(Some("t2"));
    let r = w.round(&d, false);
    assert_eq!(
        w.log(),
        ["create", "get a", "create", "apply +a"],
        "t1 is neither read nor applied"
    );
    let sent = w.fake.borrow().deployments.clone();
    assert!(sent.iter().all(|d| d["activeTarget"] == "t2"));
    assert_eq!(w.device("t1"), Vec::<String>::new());
    assert_eq!(w.device("t2"), ["a"]);
    assert_eq!(
        (r.summary.planned_count, r.summary.plan_success_count),
        (1, 1)
    );
    assert_eq!(
        r.summary.planned_deployment, 2,
        "Go counts every planned step"
    );
    assert_eq!(r.summary.success_count, 1);
    assert_eq!(r.summary.target_count, 2);
    let stored = w.reconciler.previous().unwrap();
    assert_eq!(
        stored.state.target_component.keys().collect::<Vec<_>>(),
        ["a::t1", "a::t2"],
        "saved as if t1 were deployed too"
    );
    w.reconciler.set_target_name(None);
    let r = w.round(&d, false);
    assert_eq!(r.steps.len(), 2, "both targets again");
}

#[test]
fn forgetting_the_stored_state_keeps_the_clock_and_the_round_numbers() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    w.reconciler
        .wait(30, "poll", &mut crate::engine::events::NoSink);
    w.reconciler.forget_stored_state();
    assert!(w.reconciler.previous().is_none());
    let r = w.round(&d, false);
    assert_eq!((r.round, r.at_seconds), (2, 30));
    assert_eq!(
        apply_reason(&r, 0),
        ApplyReason::NoPreviousState,
        "the stored state is gone"
    );
}

#[test]
fn a_state_stored_by_symphony_in_gos_names_makes_the_next_round_skip() {
    let d = deployment(
        vec![component("web", "w", json!({"image": "nginx:1.25"}))],
        &["w"],
    );
    let state: DeploymentState = serde_json::from_value(json!({
        "Components": [{"name": "web", "type": "w", "properties": {"image": "nginx:1.25"}}],
        "Targets": [{"Name": "t", "Spec": {}}],
        "TargetComponent": {"web::t": "w"}
    }))
    .unwrap();
    let mut w = World::new();
    w.fake
        .borrow_mut()
        .devices
        .entry("t".into())
        .or_default()
        .insert("web".into(), (*d.components()[0]).clone());
    w.reconciler = Reconciler::new(Symphony::V049).with_previous(StoredState {
        spec: Arc::new(d.clone()),
        state,
    });
    let r = w.round(&d, false);
    assert_eq!(r.skipped, 1, "{:?}", w.log());
    assert!(r.summary.skipped);
    assert_eq!(r.summary.current_deployed, 1);
    assert_eq!(r.summary.target_results["t"].status, "OK");
}

#[test]
fn an_apply_is_sent_with_its_document_and_the_event_carries_it() {
    let mut w = World::new();
    let d = deployment(vec![component("a", "w", json!({}))], &["w"]);
    w.round(&d, false);
    let documents: Vec<Value> = w
        .events
        .iter()
        .filter_map(|e| match e {
            Event::CallStarted {
                call: CallKind::Apply { .. },
                deployment: Some(sent),
                ..
            } => Some(sent.to_value().unwrap()),
            Event::CallStarted {
                deployment: Some(_),
                call,
                ..
            } => panic!("only apply carries its document, not {call:?}"),
            _ => None,
        })
        .collect();
    let applied = w.fake.borrow().deployments.last().cloned().unwrap();
    assert_eq!(
        documents,
        [applied],
        "the very document the provider received"
    );
}
