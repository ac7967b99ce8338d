//! The catalog of provider bugs the simulator enacts on purpose, each enabled by name in
//! `sim.bugs`. Each models a mistake real providers make; its doc says what Symphony's users
//! would see.

/// A provider bug, by its `sim.bugs` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
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
    /// `null-create`: `create_provider` returns NULL. Symphony sees: InitFailed for every call.
    NullCreate,
}

const NAMES: [(Bug, &str); 5] = [
    (Bug::PanicOnGet, "panic-on-get"),
    (Bug::PanicOnApply, "panic-on-apply"),
    (Bug::HangOnApply, "hang-on-apply"),
    (Bug::EmptyError, "empty-error"),
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
}
