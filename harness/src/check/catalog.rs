//! The check table: every check in one row (its id, area, title, what Symphony's users see
//! when it fails, how to fix it, and the function that judges it), in the order they run.
//! [`CheckId`] names each row. `docs/checks.md`'s table is this table (a test compares them).

use serde::Serialize;

use super::checks;
use super::context::Context;
use super::finding::Finding;

/// The area a check belongs to.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// What the library's bytes say (no code run).
    Build,
    /// Loading it as Symphony does.
    Load,
    /// Its validation rule.
    Rule,
    /// `get`.
    Get,
    /// `apply`.
    Apply,
    /// Deletes.
    Delete,
    /// Dry runs.
    DryRun,
    /// Errors and edge inputs.
    Errors,
    /// Provider instances and concurrency.
    Lifecycle,
    /// Values Go's `%v` renders differently from how they look.
    Rendering,
}

impl Area {
    /// Every area, in the order checks run and reports group them.
    pub const ALL: [Area; 10] = [
        Area::Build,
        Area::Load,
        Area::Rule,
        Area::Get,
        Area::Apply,
        Area::Delete,
        Area::DryRun,
        Area::Errors,
        Area::Lifecycle,
        Area::Rendering,
    ];

    /// The area's name, as ids start with it (`dry-run.no-change`).
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Build => "build",
            Area::Load => "load",
            Area::Rule => "rule",
            Area::Get => "get",
            Area::Apply => "apply",
            Area::Delete => "delete",
            Area::DryRun => "dry-run",
            Area::Errors => "errors",
            Area::Lifecycle => "lifecycle",
            Area::Rendering => "rendering",
        }
    }
}

/// A check's function: judges the subject in the context it is given.
pub type CheckFn = fn(&Context<'_>) -> Finding;

/// A check: one row of [`CATALOG`].
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Its id.
    pub id: CheckId,
    /// Its area.
    pub area: Area,
    /// One line: what it verifies.
    pub title: &'static str,
    /// What Symphony's users would see when it fails.
    pub symptom: &'static str,
    /// How to fix the provider.
    pub fix: &'static str,
    /// The function that judges it.
    pub judge: CheckFn,
}

impl PartialEq for CheckInfo {
    fn eq(&self, other: &CheckInfo) -> bool {
        self.id == other.id
    }
}

impl Eq for CheckInfo {}

/// Makes [`CheckId`] (a variant per row, its stable text id) and [`CATALOG`] from one list of
/// rows, so the two cannot disagree.
macro_rules! catalog {
    ($($variant:ident {
        id: $id:literal,
        area: $area:ident,
        title: $title:expr,
        symptom: $symptom:expr,
        fix: $fix:expr,
        judge: $judge:path,
    }),* $(,)?) => {
        /// A check's stable id: `apply.converges` is [`CheckId::ApplyConverges`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $(
                #[doc = concat!("`", $id, "`: ", $title)]
                $variant,
            )*
        }

        impl CheckId {
            /// The id as text: `<area>.<name>`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)*
                }
            }
        }

        /// Every check, in the order they run.
        pub const CATALOG: &[CheckInfo] = &[
            $(CheckInfo {
                id: CheckId::$variant,
                area: Area::$area,
                title: $title,
                symptom: $symptom,
                fix: $fix,
                judge: $judge,
            },)*
        ];
    };
}

catalog! {
    BuildAbi {
        id: "build.abi",
        area: Build,
        title: "the library exports `create_provider` and not the old ABI's `init_provider`",
        symptom: "Symphony's host finds no `create_provider` (no provider, nothing deploys), or calls the old ABI one trait slot off (a crash of the whole symphony-api process)",
        fix: "build against `symphony` 0.1.4 or 0.1.5 and export `create_provider(config_json)` as the crate's template does",
        judge: checks::build::abi,
    },
    BuildModels {
        id: "build.models",
        area: Build,
        title: "which Symphony release the `symphony` crate's models were built for, against the one checked",
        symptom: "nothing at run time: Symphony's host parses the deployment with its own models and hands over values of the same layout; a provider built for the other release reads them through that release's field names (a note, never a failure)",
        fix: "pin the crate with `=`: `symphony = \"=0.1.4\"` for Symphony 0.48, `\"=0.1.5\"` for 0.49",
        judge: checks::build::models,
    },
    BuildToolchain {
        id: "build.toolchain",
        area: Build,
        title: "rustc and allocator are safe to load into Symphony's process",
        symptom: "heap corruption or a crash of the whole symphony-api process: memory crosses the boundary and is freed by the other side, and structs cross without a stable layout",
        fix: "build with the default global allocator, the `symphony` crate from crates.io and the rustc of the Symphony release you deploy to",
        judge: checks::build::toolchain,
    },
    LoadCreate {
        id: "load.create",
        area: Load,
        title: "`create_provider` returns a provider for the binding config",
        symptom: "Symphony creates no provider: every call of the binding fails (InitFailed), on every poll, and nothing deploys",
        fix: "return a provider for every config the binding passes; report bad config through `get`/`apply` errors",
        judge: checks::build::create,
    },
    LoadHash {
        id: "load.hash",
        area: Load,
        title: "the binding pins the library's SHA-256",
        symptom: "with `libHash: any` Symphony loads whatever file is at `libFile`",
        fix: "put the library's SHA-256 in the binding (`symphony-harness binding LIB`)",
        judge: checks::build::hash,
    },
    RuleReturns {
        id: "rule.returns",
        area: Rule,
        title: "`get_validation_rule` returns a rule",
        symptom: "Symphony silently uses the zero rule: nothing is ever found changed, drift is never repaired",
        fix: "return a rule (the crate's `ValidationRule::default()` compares every property)",
        judge: checks::build::rule_returns,
    },
    RuleRequiredType {
        id: "rule.required-type",
        area: Rule,
        title: "the rule's `requiredType` matches the component type used",
        symptom: "Symphony does not read it for Rust providers, so nothing stops a Target binding the provider to another type; a provider that enforces it fails every `apply` of those components",
        fix: "set `requiredType` to the type your bindings use (the role), or leave it empty",
        judge: checks::build::required_type,
    },
    RuleComparedAreReported {
        id: "rule.compared-are-reported",
        area: Rule,
        title: "every property the rule compares is one `get` reports",
        symptom: "the component is found changed on every reconcile and redeployed forever",
        fix: "report every compared property from `get`, or mark its entry `skipIfMissing`",
        judge: checks::rule::compared_are_reported,
    },
    RuleReportedAreWatched {
        id: "rule.reported-are-watched",
        area: Rule,
        title: "every property `get` reports is compared by some rule entry",
        symptom: "drift of that property on the device is never noticed, so never repaired",
        fix: "add a change-detection entry for it (or `*`)",
        judge: checks::rule::reported_are_watched,
    },
    GetEmptyDevice {
        id: "get.empty-device",
        area: Get,
        title: "`get` on a device without the components returns an empty list, not an error",
        symptom: "the first deployment fails in the get phase and never starts",
        fix: "return `Ok(vec![])` for components that are not there",
        judge: checks::scenarios::get_empty_device,
    },
    GetOnlyReferenced {
        id: "get.only-referenced",
        area: Get,
        title: "`get` reports only the components it was asked about",
        symptom: "Symphony deletes every other component it sees on the target, including other instances' workloads",
        fix: "filter `get`'s answer by the references' names",
        judge: checks::get::only_referenced,
    },
    GetTypesPreserved {
        id: "get.types-preserved",
        area: Get,
        title: "`get` reports each component with the type it was applied with",
        symptom: "deletes planned from `get` get the wrong role and fail, or go to the wrong binding",
        fix: "store and report the component's `type`",
        judge: checks::get::types_preserved,
    },
    GetStable {
        id: "get.stable",
        area: Get,
        title: "`get` answers the same across calls and new provider instances",
        symptom: "counters, timestamps or reordering make Symphony find changes that are not there: endless redeploys",
        fix: "report only what the device holds, in a stable form",
        judge: checks::get::stable,
    },
    GetRoundTrip {
        id: "get.round-trip",
        area: Get,
        title: "every property `apply` was given comes back from `get`",
        symptom: "either the device runs without that setting or `get` cannot see it, and Symphony cannot tell which: under a rule that skips missing keys (the default) nobody ever notices a device without it, under a strict one the component is redeployed forever",
        fix: "apply every property of the component, and report from `get` what the device holds for each",
        judge: checks::round_trip::round_trip,
    },
    ApplyResultsComplete {
        id: "apply.results-complete",
        area: Apply,
        title: "`apply` returns a result for every component of the step",
        symptom: "the instance status shows no result for the missing components",
        fix: "insert a `ComponentResultSpec` for every component, success or not",
        judge: checks::apply::results_complete,
    },
    ApplyStatusesTruthful {
        id: "apply.statuses-truthful",
        area: Apply,
        title: "`apply`'s statuses agree with what happened on the device",
        symptom: "Symphony reports success while the workload is missing (or failure while it runs)",
        fix: "report `Updated`/`Deleted` only for what really changed, an error status otherwise",
        judge: checks::apply::statuses_truthful,
    },
    ApplyConverges {
        id: "apply.converges",
        area: Apply,
        title: "after an apply, the next round skips (converged within 2 rounds)",
        symptom: "the deployment is redeployed on every poll (every 15 to 30 s), forever",
        fix: "make `get` report what `apply` deployed, as the rule compares it",
        judge: checks::scenarios::apply_converges,
    },
    ApplyIdempotent {
        id: "apply.idempotent",
        area: Apply,
        title: "applying components that are already deployed succeeds and changes nothing",
        symptom: "after a Symphony restart (its state is in memory) the redeploy fails or duplicates workloads",
        fix: "make `apply` an upsert",
        judge: checks::apply::idempotent,
    },
    ApplyPropertyChange {
        id: "apply.property-change",
        area: Apply,
        title: "a changed property is applied to the device",
        symptom: "updates of a deployed component are lost",
        fix: "apply the new spec of an existing component, not only new components",
        judge: checks::apply::property_change,
    },
    ApplyDependencies {
        id: "apply.dependencies",
        area: Apply,
        title: "components with dependencies deploy and converge",
        symptom: "a solution with dependencies never finishes deploying",
        fix: "apply the step's components in the order given",
        judge: checks::apply::dependencies,
    },
    DeleteRemoves {
        id: "delete.removes",
        area: Delete,
        title: "after a removal `get` no longer reports the components",
        symptom: "Symphony forgets the components while they keep running; nothing deletes them again",
        fix: "remove the component on `ComponentAction::Delete`",
        judge: checks::scenarios::delete_removes,
    },
    DeleteMissing {
        id: "delete.missing",
        area: Delete,
        title: "deleting a component that is not there succeeds",
        symptom: "the removal fails after someone deleted the workload by hand: Symphony keeps the instance, does not retry the delete (standalone) and its next poll deploys the instance again",
        fix: "treat a delete of a missing component as done",
        judge: checks::delete::missing,
    },
    DryRunNoChange {
        id: "dry-run.no-change",
        area: DryRun,
        title: "a dry-run `apply` changes nothing",
        symptom: "a \"dry run\" instance deploys for real",
        fix: "return before changing the device when `is_dry_run` is true",
        judge: checks::scenarios::dry_run_no_change,
    },
    ErrorsMessage {
        id: "errors.message",
        area: Errors,
        title: "a failing call says why",
        symptom: "Symphony reports only its own fixed text (`failed to apply deployment ste`); the provider's message is only in the host's debug log, and an empty one leaves nothing there either",
        fix: "return `Err` with a message that names the component and the cause",
        judge: checks::errors::message,
    },
    ErrorsEdgeInputs {
        id: "errors.edge-inputs",
        area: Errors,
        title: "no panic, abort or hang on edge inputs",
        symptom: "on such an input Symphony's reconcile fails, never returns, or its whole process dies, as the call ended (a panic, an abort or a crash takes every target with it)",
        fix: "never `unwrap` input; return `Err` with a message for what the provider cannot handle",
        judge: checks::errors::edge_inputs,
    },
    LifecycleNewInstances {
        id: "lifecycle.new-instances",
        area: Lifecycle,
        title: "state survives a new provider instance per call",
        symptom: "every reconcile redeploys everything: Symphony creates a new provider for every call",
        fix: "keep the device's state on the device (or a file), not in the provider value",
        judge: checks::lifecycle::new_instances,
    },
    LifecycleConcurrent {
        id: "lifecycle.concurrent",
        area: Lifecycle,
        title: "concurrent instances on several threads lose no update",
        symptom: "components reported deployed go missing when several instances reconcile one target",
        fix: "hold a lock (or use atomic writes) for the whole read-modify-write of the device",
        judge: checks::lifecycle::concurrent,
    },
    RenderingNumbersAndCase {
        id: "rendering.numbers-and-case",
        area: Rendering,
        title: "values `get` reports compare equal under Go's `%v` to what was applied",
        symptom: "`1000000` against `\"1000000\"` (or a changed case under a strict rule) redeploys forever",
        fix: "report property values with the JSON types and text they were applied with",
        judge: checks::rendering::numbers_and_case,
    }
}

impl CheckId {
    /// Its row of the table.
    pub fn info(self) -> &'static CheckInfo {
        // The table has a row per variant, in the variants' order (the macro makes both).
        &CATALOG[self as usize]
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The check with the text id `id`.
pub fn find(id: &str) -> Option<&'static CheckInfo> {
    CATALOG.iter().find(|info| info.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_start_with_their_area_and_areas_come_in_order() {
        let mut ids: Vec<&str> = CATALOG.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOG.len());
        for info in CATALOG {
            assert!(
                info.id
                    .as_str()
                    .starts_with(&format!("{}.", info.area.as_str())),
                "{}",
                info.id
            );
        }
        assert!(CATALOG.windows(2).all(|w| w[0].area <= w[1].area));
    }

    #[test]
    fn each_id_finds_its_own_row() {
        for (index, info) in CATALOG.iter().enumerate() {
            assert_eq!(info.id as usize, index, "{}", info.id);
            assert_eq!(info.id.info().id, info.id);
            assert_eq!(find(info.id.as_str()).map(|found| found.id), Some(info.id));
        }
        assert!(find("apply.nothing").is_none());
    }
}
