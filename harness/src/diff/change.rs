//! What one input shows differently on the two builds: a [`Change`], its [`Kind`] (regressed,
//! fixed or changed) and its [`Area`]; and [`Changes`], the changes of one input, each said
//! once.

use serde::Serialize;

/// Which way a change goes.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The new build does worse: a verdict got worse (a check fails, an expectation or
    /// invariant breaks), a call ends worse, `get` reports less, `apply` reports a failure,
    /// a reconcile no longer converges.
    Regressed,
    /// The new build does better: the same, the other way round.
    Fixed,
    /// Symphony would observe something else, neither better nor worse by any verdict.
    Changed,
}

impl Kind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Kind; 3] = [Kind::Regressed, Kind::Fixed, Kind::Changed];

    /// `regressed`, `fixed`, `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regressed => "regressed",
            Kind::Fixed => "fixed",
            Kind::Changed => "changed",
        }
    }

    /// The kind of a move from rank `old` to rank `new` (higher is worse; `None`: not
    /// ranked, so only changed).
    pub fn by_rank(old: Option<u8>, new: Option<u8>) -> Kind {
        match (old, new) {
            (Some(old), Some(new)) if new > old => Kind::Regressed,
            (Some(old), Some(new)) if new < old => Kind::Fixed,
            _ => Kind::Changed,
        }
    }
}

/// What a change is about.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// What the library's bytes say (`inspect`): toolchain, `symphony` crate, ABI, exports.
    Inspect,
    /// The validation rule the provider returns.
    Rule,
    /// A check's status.
    Check,
    /// A scenario's expectation or a history's invariant.
    Expectation,
    /// Whether a scenario could be played to its end.
    Run,
    /// How a call ended, and its error message.
    Call,
    /// What `get` reports, compared as Symphony compares it.
    Get,
    /// What `apply` returns: a result per component, its status and message.
    Apply,
    /// What Symphony's reconcile does with the answers: convergence, skipped and applied
    /// steps, failed rounds, a process that would die, what a removal leaves.
    Reconcile,
    /// The simulated device's true state after a step.
    Device,
}

impl Area {
    /// The area's name, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Inspect => "inspect",
            Area::Rule => "rule",
            Area::Check => "check",
            Area::Expectation => "expectation",
            Area::Run => "run",
            Area::Call => "call",
            Area::Get => "get",
            Area::Apply => "apply",
            Area::Reconcile => "reconcile",
            Area::Device => "device",
        }
    }
}

/// One thing an input shows differently on the two builds.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Which way it goes.
    pub kind: Kind,
    /// What it is about.
    pub area: Area,
    /// What changed, in words that hold for every input showing it (changes of many inputs
    /// are grouped by kind, area and these words).
    pub what: String,
    /// Where in the input it shows first (`step 2, round 1`); `None`: the input as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The old build's evidence, a line each.
    pub old: Vec<String>,
    /// The new build's evidence, a line each.
    pub new: Vec<String>,
}

impl Change {
    /// A change of `kind` in `area`: `what`, with no evidence yet.
    pub fn new(kind: Kind, area: Area, what: impl Into<String>) -> Change {
        Change {
            kind,
            area,
            what: what.into(),
            at: None,
            old: Vec::new(),
            new: Vec::new(),
        }
    }

    /// Shown first at `at`.
    pub fn at(mut self, at: impl Into<String>) -> Change {
        self.at = Some(at.into());
        self
    }

    /// With each build's evidence.
    pub fn evidence(mut self, old: Vec<String>, new: Vec<String>) -> Change {
        self.old = old;
        self.new = new;
        self
    }

    /// What groups it with the same change in other inputs.
    pub fn key(&self) -> (Kind, Area, &str) {
        (self.kind, self.area, self.what.as_str())
    }
}

/// The changes one input shows, in the order found, each key once (the first occurrence
/// keeps its evidence).
#[derive(Debug, Clone, Default)]
pub struct Changes(Vec<Change>);

impl Changes {
    /// Adds `change` unless one with its key is already there.
    pub fn push(&mut self, change: Change) {
        if !self.0.iter().any(|c| c.key() == change.key()) {
            self.0.push(change);
        }
    }

    /// The changes, in the order found.
    pub fn into_vec(self) -> Vec<Change> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rank_going_up_regresses_down_fixes_and_unranked_only_changes() {
        assert_eq!(Kind::by_rank(Some(0), Some(2)), Kind::Regressed);
        assert_eq!(Kind::by_rank(Some(2), Some(1)), Kind::Fixed);
        assert_eq!(Kind::by_rank(Some(1), Some(1)), Kind::Changed);
        assert_eq!(Kind::by_rank(None, Some(0)), Kind::Changed);
        assert_eq!(Kind::by_rank(Some(3), None), Kind::Changed);
    }

    #[test]
    fn an_input_keeps_the_first_change_of_each_key() {
        let mut changes = Changes::default();
        let first = Change::new(Kind::Regressed, Area::Get, "x").at("step 1");
        changes.push(first.clone());
        changes.push(Change::new(Kind::Regressed, Area::Get, "x").at("step 2"));
        changes.push(Change::new(Kind::Changed, Area::Get, "x").at("step 3"));
        let list = changes.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0], first);
        assert_eq!(list[1].kind, Kind::Changed);
    }
}
