//! The catalog of provider bugs the simulator enacts on purpose, each enabled by name in
//! `sim.bugs`. Each models a mistake real providers make; its doc says what Symphony's users
//! would see. `docs/simulator.md` lists the same catalog.

/// A provider bug, by its `sim.bugs` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// `lying-get`: `get` echoes the references it was given instead of reading the device.
    /// Symphony sees: every component "deployed and unchanged" from the first reconcile on, so
    /// it skips applies; a component that is missing or drifted on the device is never repaired.
    LyingGet,
    /// `ignore-delete`: `apply` reports `Deleted` but leaves the component on the device.
    /// Symphony sees: removal succeeds, yet the workload keeps running; after the instance is
    /// gone nothing ever deletes it again.
    IgnoreDelete,
    /// `unstable-property`: `get` adds a property `observedAt` holding a counter that changes
    /// on every call. Symphony sees: under a rule that compares it (a rule naming it, or `*`
    /// without `skipIfMissing`) every reconcile finds the component changed and redeploys it,
    /// forever.
    UnstableProperty,
    /// `drop-property`: `apply` stores every property but the alphabetically last one (and
    /// `get` honestly reports what is stored). Symphony sees: success, but the device runs
    /// without that setting; under the default rule (`skipIfMissing`) nobody notices, under a
    /// strict rule the component is redeployed forever.
    DropProperty,
    /// `dry-run-mutates`: a dry-run `apply` changes the device. Symphony sees: a "dry run"
    /// instance deploys for real.
    DryRunMutates,
    /// `panic-on-get`: `get` panics. Symphony sees: the whole symphony-api process aborts
    /// ("panic in a function that cannot unwind"), on every reconcile of the target.
    PanicOnGet,
    /// `panic-on-apply`: `apply` panics. Symphony sees: symphony-api aborts mid-deployment;
    /// the device may be half changed.
    PanicOnApply,
    /// `hang-on-apply`: `apply` never returns. Symphony sees: the reconcile never finishes;
    /// the instance stays "Reconciling" and its key lock is held forever.
    HangOnApply,
    /// `empty-error`: `apply` returns `Err("")`. Symphony sees: "failed to apply deployment
    /// ste" and nothing else, even in the debug log.
    EmptyError,
    /// `incomplete-results`: the result map of `apply` misses the step's last component.
    /// Symphony sees: success (it never checks the map), but the instance status shows no
    /// result for that component.
    IncompleteResults,
    /// `status-lies`: `apply` reports `Updated`/`Deleted` for a component that failed.
    /// Symphony sees: the instance is Succeeded while the device lacks the component; the
    /// failure is only found when `get` is compared with the desired state.
    StatusLies,
    /// `instance-state`: the provider keeps the components it applied in the provider value
    /// instead of on the device. Symphony sees: `get` on the next (new) provider reports
    /// nothing, so every reconcile redeploys everything, and the device never changes.
    InstanceState,
    /// `wrong-type`: `get` reports the component with another type (`<type>-wrong`, or
    /// `wrong` for an empty type). Symphony sees: its state records the wrong type (it keys
    /// components by name and target, so a desired component is still updated as usual); a
    /// delete planned from `get`'s answer alone (a component nobody desires, e.g. with
    /// `extra-components`) gets the wrong role, and with no binding for it the whole reconcile
    /// fails (`target doesn't have a '<type>-wrong' role defined`).
    WrongType,
    /// `extra-components`: `get` reports every component on the device, not just the
    /// referenced ones. Symphony sees: it deletes the components it does not desire on that
    /// target, including those deployed by other instances or solutions.
    ExtraComponents,
    /// `stringify-numbers`: `get` returns numbers in properties as strings (`1000000` becomes
    /// `"1000000"`). Symphony sees: Go's `%v` renders the desired number `1e+06` but the string
    /// as it is, so such a component (any number whose `%v` text differs from its JSON text) is
    /// found changed and redeployed on every reconcile; small integers compare equal.
    StringifyNumbers,
    /// `case-change`: `get` returns string property values in upper case. Symphony sees:
    /// nothing under an `ignoreCase` rule (the default); under a strict rule, endless
    /// redeploys.
    CaseChange,
    /// `racy`: `apply` reads the device, works, then writes the whole device back without
    /// holding the lock in between. Symphony sees: under concurrent reconciles (different
    /// instances on one target), some applied components are lost although reported `Updated`.
    Racy,
    /// `null-create`: `create_provider` returns NULL. Symphony sees: InitFailed for every call.
    NullCreate,
}

const NAMES: [(Bug, &str); 18] = [
    (Bug::LyingGet, "lying-get"),
    (Bug::IgnoreDelete, "ignore-delete"),
    (Bug::UnstableProperty, "unstable-property"),
    (Bug::DropProperty, "drop-property"),
    (Bug::DryRunMutates, "dry-run-mutates"),
    (Bug::PanicOnGet, "panic-on-get"),
    (Bug::PanicOnApply, "panic-on-apply"),
    (Bug::HangOnApply, "hang-on-apply"),
    (Bug::EmptyError, "empty-error"),
    (Bug::IncompleteResults, "incomplete-results"),
    (Bug::StatusLies, "status-lies"),
    (Bug::InstanceState, "instance-state"),
    (Bug::WrongType, "wrong-type"),
    (Bug::ExtraComponents, "extra-components"),
    (Bug::StringifyNumbers, "stringify-numbers"),
    (Bug::CaseChange, "case-change"),
    (Bug::Racy, "racy"),
    (Bug::NullCreate, "null-create"),
];

impl Bug {
    /// Looks a bug up by its `sim.bugs` name.
    pub fn from_name(name: &str) -> Option<Bug> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(bug, _)| *bug)
    }

    /// Its `sim.bugs` name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(bug, _)| *bug == self)
            .map_or("unknown", |(_, name)| name)
    }

    /// Every name, in catalog order.
    pub fn names() -> Vec<&'static str> {
        NAMES.iter().map(|(_, name)| *name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Bug::names() {
            assert_eq!(Bug::from_name(name).map(Bug::name), Some(name));
        }
    }

    #[test]
    fn the_catalog_is_the_one_of_issue_4() {
        let mut names = Bug::names();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "case-change",
                "drop-property",
                "dry-run-mutates",
                "empty-error",
                "extra-components",
                "hang-on-apply",
                "ignore-delete",
                "incomplete-results",
                "instance-state",
                "lying-get",
                "null-create",
                "panic-on-apply",
                "panic-on-get",
                "racy",
                "status-lies",
                "stringify-numbers",
                "unstable-property",
                "wrong-type",
            ]
        );
    }
}
