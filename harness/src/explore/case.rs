//! What `explore` generates: a case is a starting set of desired components and a history of
//! operations, drawn by proptest strategies whose weights and sizes the user can change.
//!
//! Operations name components by index into a small pool of names and property keys, never
//! by value, so any history that shrinking leaves is still meaningful: the model
//! ([`super::model`]) resolves each index against the state at that point, and drops an
//! operation that no longer applies.

use std::collections::BTreeMap;
use std::fmt;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The names desired components take, in pool order.
pub const COMPONENT_NAMES: [&str; 8] = [
    "web", "db", "cache", "queue", "auth", "metrics", "gateway", "worker",
];

/// The property keys generated components use.
pub const PROPERTY_KEYS: [&str; 6] = ["image", "replicas", "port", "env", "limits", "enabled"];

/// A desired component as generated: its name and properties by pool index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// Index into [`COMPONENT_NAMES`] (modulo the pool size in use).
    pub name: usize,
    /// Properties: key index into [`PROPERTY_KEYS`], and the value.
    pub properties: Vec<(usize, Value)>,
    /// Components it depends on, by name index (kept only for components earlier in the
    /// same set, so there is never a cycle).
    pub depends_on: Vec<usize>,
    /// A sidecar's properties, if it has one.
    pub sidecar: Option<Value>,
}

/// A change made to the device behind the provider's back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Drift {
    /// Sets a property of a component on the device to another value than desired.
    SetProperty {
        /// Which component (index into those the model knows are on the device).
        component: usize,
        /// Which property (index into the component's desired properties).
        key: usize,
    },
    /// Removes a component from the device.
    DeleteComponent {
        /// Which component.
        component: usize,
    },
    /// Puts a component nobody desires on the device (another solution's, say).
    AddForeign {
        /// Its properties.
        properties: Vec<(usize, Value)>,
    },
}

/// A fault armed for one reconcile round, cleared after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The next `get` returns an error.
    FailGet,
    /// The next `apply` returns an error.
    FailApply,
    /// The next `apply` naming the component reports it failed (`UpdateFailed`).
    FailComponent {
        /// Which desired component (index into the desired set).
        component: usize,
    },
    /// The next `get` takes a few milliseconds longer.
    Latency,
    /// The next `apply` panics (only with isolated workers: in-process, it would end the
    /// harness).
    PanicApply,
}

/// One operation of a history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Replace the desired components.
    SetComponents(Vec<Draft>),
    /// Set (or, with `None`, remove) one property of a desired component.
    ChangeProperty {
        /// Which desired component (index into the desired set).
        component: usize,
        /// Which key, into [`PROPERTY_KEYS`].
        key: usize,
        /// The new value; `None` removes it.
        value: Option<Value>,
    },
    /// One reconcile round.
    Reconcile,
    /// One dry-run round.
    DryRun,
    /// The deployment is deleted (Symphony's removal).
    Remove,
    /// A new provider process (providers made before it are gone).
    NewInstance,
    /// Symphony restarts: its stored state is lost.
    RestartSymphony,
    /// The device changes behind the provider's back (a provider with a device channel).
    Drift(Drift),
    /// A round with a fault armed (a provider with a device channel).
    Fault(FaultKind),
}

impl Op {
    /// The operation's kind, as the weights name it.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::SetComponents(_) => OpKind::Set,
            Op::ChangeProperty { .. } => OpKind::Change,
            Op::Reconcile => OpKind::Reconcile,
            Op::DryRun => OpKind::DryRun,
            Op::Remove => OpKind::Remove,
            Op::NewInstance => OpKind::NewInstance,
            Op::RestartSymphony => OpKind::RestartSymphony,
            Op::Drift(_) => OpKind::Drift,
            Op::Fault(_) => OpKind::Fault,
        }
    }
}

/// A generated case: where the desired state starts, and what happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The desired components at the start.
    pub initial: Vec<Draft>,
    /// The operations, in order.
    pub ops: Vec<Op>,
}

/// The kinds of operation, by the name `--weight` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// `set`: replace the desired components.
    Set,
    /// `change`: change one property of a desired component.
    Change,
    /// `reconcile`: one round.
    Reconcile,
    /// `dry-run`: one dry-run round.
    DryRun,
    /// `remove`: delete the deployment.
    Remove,
    /// `new-instance`: a new provider process.
    NewInstance,
    /// `restart-symphony`: Symphony loses its stored state.
    RestartSymphony,
    /// `drift`: the device changes behind the provider's back.
    Drift,
    /// `fault`: a round with a fault armed.
    Fault,
}

impl OpKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: [OpKind; 9] = [
        OpKind::Set,
        OpKind::Change,
        OpKind::Reconcile,
        OpKind::DryRun,
        OpKind::Remove,
        OpKind::NewInstance,
        OpKind::RestartSymphony,
        OpKind::Drift,
        OpKind::Fault,
    ];

    /// Its name in `--weight`.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Set => "set",
            OpKind::Change => "change",
            OpKind::Reconcile => "reconcile",
            OpKind::DryRun => "dry-run",
            OpKind::Remove => "remove",
            OpKind::NewInstance => "new-instance",
            OpKind::RestartSymphony => "restart-symphony",
            OpKind::Drift => "drift",
            OpKind::Fault => "fault",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Its weight unless told otherwise: reconciles dominate, as they do in Symphony.
    pub fn default_weight(self) -> u32 {
        match self {
            OpKind::Reconcile => 8,
            OpKind::Set | OpKind::Change => 3,
            OpKind::DryRun | OpKind::Remove | OpKind::Drift | OpKind::Fault => 2,
            OpKind::NewInstance | OpKind::RestartSymphony => 1,
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How cases are drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The relative weight of each kind of operation (0: never drawn).
    pub weights: BTreeMap<OpKind, u32>,
    /// At most this many operations per case.
    pub max_steps: usize,
    /// At most this many desired components (and names in the pool).
    pub max_components: usize,
    /// Whether the provider has a device channel (drift and faults need one).
    pub device_channel: bool,
    /// Whether providers run in worker processes (a panic fault needs one).
    pub isolated: bool,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            weights: OpKind::ALL
                .into_iter()
                .map(|kind| (kind, kind.default_weight()))
                .collect(),
            max_steps: 8,
            max_components: 4,
            device_channel: true,
            isolated: true,
        }
    }
}

impl Shape {
    /// The weight of `kind`, 0 when the provider cannot do it.
    pub fn weight(&self, kind: OpKind) -> u32 {
        let possible = match kind {
            OpKind::Drift | OpKind::Fault => self.device_channel,
            _ => true,
        };
        if possible {
            self.weights.get(&kind).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// The strategy drawing cases of this shape.
    pub fn cases(&self) -> BoxedStrategy<Case> {
        let initial = drafts(self.max_components);
        let ops = prop::collection::vec(self.op(), 0..=self.max_steps);
        (initial, ops)
            .prop_map(|(initial, ops)| Case { initial, ops })
            .boxed()
    }

    fn op(&self) -> BoxedStrategy<Op> {
        let components = self.max_components.max(1);
        let isolated = self.isolated;
        let mut arms: Vec<(u32, BoxedStrategy<Op>)> = Vec::new();
        for kind in OpKind::ALL {
            let weight = self.weight(kind);
            if weight == 0 {
                continue;
            }
            let strategy = match kind {
                OpKind::Set => drafts(components).prop_map(Op::SetComponents).boxed(),
                OpKind::Change => (
                    0..components,
                    0..PROPERTY_KEYS.len(),
                    prop::option::weighted(0.85, value()),
                )
                    .prop_map(|(component, key, value)| Op::ChangeProperty {
                        component,
                        key,
                        value,
                    })
                    .boxed(),
                OpKind::Reconcile => Just(Op::Reconcile).boxed(),
                OpKind::DryRun => Just(Op::DryRun).boxed(),
                OpKind::Remove => Just(Op::Remove).boxed(),
                OpKind::NewInstance => Just(Op::NewInstance).boxed(),
                OpKind::RestartSymphony => Just(Op::RestartSymphony).boxed(),
                OpKind::Drift => drift(components).prop_map(Op::Drift).boxed(),
                OpKind::Fault => fault(components, isolated).prop_map(Op::Fault).boxed(),
            };
            arms.push((weight, strategy));
        }
        if arms.is_empty() {
            return Just(Op::Reconcile).boxed();
        }
        Union::new_weighted(arms).boxed()
    }
}

/// A set of desired components: distinct names, each with a few properties.
fn drafts(max_components: usize) -> BoxedStrategy<Vec<Draft>> {
    let pool = max_components.clamp(1, COMPONENT_NAMES.len());
    prop::collection::vec(draft(pool), 0..=pool)
        .prop_map(|mut drafts| {
            // One component per name: the first drawn wins.
            let mut seen = std::collections::BTreeSet::new();
            drafts.retain(|draft| seen.insert(draft.name));
            drafts
        })
        .boxed()
}

fn draft(pool: usize) -> impl Strategy<Value = Draft> {
    (
        0..pool,
        properties(),
        prop::collection::vec(0..pool, 0..2),
        prop::option::weighted(0.1, value()),
    )
        .prop_map(|(name, properties, depends_on, sidecar)| Draft {
            name,
            properties,
            depends_on,
            sidecar,
        })
}

fn properties() -> impl Strategy<Value = Vec<(usize, Value)>> {
    prop::collection::vec((0..PROPERTY_KEYS.len(), value()), 0..4)
}

/// A property value: strings, numbers (some whose Go `%v` text differs from their JSON text,
/// as `1000000` and `1e+06`), booleans, and nested objects and arrays.
pub fn value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        3 => "[a-z][a-z0-9]{0,7}".prop_map(Value::from),
        1 => "[A-Z][a-zA-Z:.-]{0,7}".prop_map(Value::from),
        2 => (0i64..100).prop_map(Value::from),
        2 => prop::sample::select(vec![
            Value::from(1_000_000),
            Value::from(123_456_789),
            Value::from(0.5),
            Value::from(1e-5),
            Value::from(-42),
            Value::from(2.5e10),
        ]),
        1 => any::<bool>().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            prop::collection::btree_map("[a-z]{1,4}", inner.clone(), 1..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            prop::collection::vec(inner, 1..3).prop_map(Value::Array),
        ]
    })
    .boxed()
}

fn drift(components: usize) -> impl Strategy<Value = Drift> {
    prop_oneof![
        3 => (0..components, 0..PROPERTY_KEYS.len())
            .prop_map(|(component, key)| Drift::SetProperty { component, key }),
        2 => (0..components).prop_map(|component| Drift::DeleteComponent { component }),
        1 => properties().prop_map(|properties| Drift::AddForeign { properties }),
    ]
}

fn fault(components: usize, isolated: bool) -> BoxedStrategy<FaultKind> {
    let mut arms: Vec<(u32, BoxedStrategy<FaultKind>)> = vec![
        (2, Just(FaultKind::FailGet).boxed()),
        (2, Just(FaultKind::FailApply).boxed()),
        (
            3,
            (0..components)
                .prop_map(|component| FaultKind::FailComponent { component })
                .boxed(),
        ),
        (1, Just(FaultKind::Latency).boxed()),
    ];
    if isolated {
        arms.push((1, Just(FaultKind::PanicApply).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::TestRunner;

    #[test]
    fn every_kind_has_a_name_that_reads_back() {
        for kind in OpKind::ALL {
            assert_eq!(OpKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(OpKind::from_name("nope"), None);
    }

    #[test]
    fn a_provider_without_a_device_channel_is_never_drifted_nor_faulted() {
        let shape = Shape {
            device_channel: false,
            ..Shape::default()
        };
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let case = shape
                .cases()
                .new_tree(&mut runner)
                .map(|tree| tree.current())
                .unwrap_or_else(|why| panic!("no case: {why}"));
            assert!(case.ops.len() <= shape.max_steps);
            assert!(case
                .ops
                .iter()
                .all(|op| !matches!(op, Op::Drift(_) | Op::Fault(_))));
        }
    }

    #[test]
    fn in_process_cases_never_panic_the_harness_on_purpose() {
        let shape = Shape {
            isolated: false,
            ..Shape::default()
        };
        let mut runner = TestRunner::deterministic();
        for _ in 0..300 {
            let case = shape
                .cases()
                .new_tree(&mut runner)
                .map(|tree| tree.current())
                .unwrap_or_else(|why| panic!("no case: {why}"));
            assert!(!case.ops.contains(&Op::Fault(FaultKind::PanicApply)));
        }
    }
}
