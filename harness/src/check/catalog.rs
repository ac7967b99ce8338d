//! Every check: its stable id, area, title, what Symphony's users see when it fails, and how
//! to fix it. `docs/checks.md`'s table is this table (a test compares them).

use super::Area;

/// What a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable id, `<area>.<name>` (`apply.idempotent`).
    pub id: &'static str,
    /// Its area.
    pub area: Area,
    /// One line: what it verifies.
    pub title: &'static str,
    /// What Symphony's users would see when it fails.
    pub symptom: &'static str,
    /// How to fix the provider.
    pub fix: &'static str,
}

const fn check(
    id: &'static str,
    area: Area,
    title: &'static str,
    symptom: &'static str,
    fix: &'static str,
) -> CheckInfo {
    CheckInfo {
        id,
        area,
        title,
        symptom,
        fix,
    }
}

/// Every check, in the order they run.
pub const CATALOG: &[CheckInfo] = &[
    check(
        "build.abi",
        Area::Build,
        "the library exports `create_provider` with the config argument Symphony passes",
        "Symphony cannot create the provider (old ABI: it calls a symbol that is not there, or one vtable slot off)",
        "build against `symphony` 0.1.4 or 0.1.5 and export `create_provider(config_json)` as the crate's template does",
    ),
    check(
        "build.models",
        Area::Build,
        "the `symphony` crate's models match the chosen Symphony release",
        "every `get` and `apply` fails to parse the deployment (`missing field solutionversion`), or reads empty fields",
        "use `symphony` 0.1.5 for Symphony 0.49 and 0.1.4 for 0.48 (pin it with `=`)",
    ),
    check(
        "build.toolchain",
        Area::Build,
        "rustc and allocator are safe to load into Symphony's process",
        "crashes or memory corruption when Symphony frees what the provider allocated",
        "build with the default global allocator and the rustc Symphony's release uses",
    ),
    check(
        "load.create",
        Area::Load,
        "`create_provider` returns a provider for the binding config",
        "every call fails with InitFailed; the reason is only in the provider's own output",
        "return a provider for every config the binding passes; report bad config through `get`/`apply` errors",
    ),
    check(
        "load.hash",
        Area::Load,
        "the binding pins the library's SHA-256",
        "with `libHash: any` Symphony loads whatever file is at `libFile`",
        "put the library's SHA-256 in the binding (`symphony-harness binding LIB`)",
    ),
    check(
        "rule.returns",
        Area::Rule,
        "`get_validation_rule` returns a rule",
        "Symphony silently uses the zero rule: nothing is ever found changed, drift is never repaired",
        "return a rule (the crate's `ValidationRule::default()` compares every property)",
    ),
    check(
        "rule.required-type",
        Area::Rule,
        "the rule's `requiredType` matches the component type used",
        "Symphony does not read it for Rust providers, so nothing stops a Target binding the provider to another type; a provider that enforces it fails every `apply` of those components",
        "set `requiredType` to the type your bindings use (the role), or leave it empty",
    ),
    check(
        "rule.compared-are-reported",
        Area::Rule,
        "every property the rule compares is one `get` reports",
        "the component is found changed on every reconcile and redeployed forever",
        "report every compared property from `get`, or mark its entry `skipIfMissing`",
    ),
    check(
        "rule.reported-are-watched",
        Area::Rule,
        "every property `get` reports is compared by some rule entry",
        "drift of that property on the device is never noticed, so never repaired",
        "add a change-detection entry for it (or `*`)",
    ),
    check(
        "get.empty-device",
        Area::Get,
        "`get` on a device without the components returns an empty list, not an error",
        "the first deployment fails in the get phase and never starts",
        "return `Ok(vec![])` for components that are not there",
    ),
    check(
        "get.only-referenced",
        Area::Get,
        "`get` reports only the components it was asked about",
        "Symphony deletes every other component it sees on the target, including other instances' workloads",
        "filter `get`'s answer by the references' names",
    ),
    check(
        "get.types-preserved",
        Area::Get,
        "`get` reports each component with the type it was applied with",
        "deletes planned from `get` get the wrong role and fail, or go to the wrong binding",
        "store and report the component's `type`",
    ),
    check(
        "get.stable",
        Area::Get,
        "`get` answers the same across calls and new provider instances",
        "counters, timestamps or reordering make Symphony find changes that are not there: endless redeploys",
        "report only what the device holds, in a stable form",
    ),
    check(
        "apply.results-complete",
        Area::Apply,
        "`apply` returns a result for every component of the step",
        "the instance status shows no result for the missing components",
        "insert a `ComponentResultSpec` for every component, success or not",
    ),
    check(
        "apply.statuses-truthful",
        Area::Apply,
        "`apply`'s statuses agree with what happened on the device",
        "Symphony reports success while the workload is missing (or failure while it runs)",
        "report `Updated`/`Deleted` only for what really changed, an error status otherwise",
    ),
    check(
        "apply.converges",
        Area::Apply,
        "after an apply, the next round skips (converged within 2 rounds)",
        "the deployment is redeployed on every poll (every 15 to 30 s), forever",
        "make `get` report what `apply` deployed, as the rule compares it",
    ),
    check(
        "apply.idempotent",
        Area::Apply,
        "applying components that are already deployed succeeds and changes nothing",
        "after a Symphony restart (its state is in memory) the redeploy fails or duplicates workloads",
        "make `apply` an upsert",
    ),
    check(
        "apply.property-change",
        Area::Apply,
        "a changed property is applied to the device",
        "updates of a deployed component are lost",
        "apply the new spec of an existing component, not only new components",
    ),
    check(
        "apply.dependencies",
        Area::Apply,
        "components with dependencies deploy and converge",
        "a solution with dependencies never finishes deploying",
        "apply the step's components in the order given",
    ),
    check(
        "delete.removes",
        Area::Delete,
        "after a removal `get` no longer reports the components",
        "Symphony forgets the components while they keep running; nothing deletes them again",
        "remove the component on `ComponentAction::Delete`",
    ),
    check(
        "delete.missing",
        Area::Delete,
        "deleting a component that is not there succeeds",
        "a removal fails forever after someone deleted the workload by hand",
        "treat a delete of a missing component as done",
    ),
    check(
        "dry-run.no-change",
        Area::DryRun,
        "a dry-run `apply` changes nothing",
        "a \"dry run\" instance deploys for real",
        "return before changing the device when `is_dry_run` is true",
    ),
    check(
        "errors.message",
        Area::Errors,
        "a failing call says why",
        "Symphony keeps only the first characters of the error in its debug log: an empty message leaves nothing",
        "return `Err` with a message that names the component and the cause",
    ),
    check(
        "errors.edge-inputs",
        Area::Errors,
        "no panic, abort or hang on edge inputs",
        "a panic in a provider aborts the whole symphony-api process, every target with it",
        "never `unwrap` input; return `Err` for what the provider cannot handle",
    ),
    check(
        "lifecycle.new-instances",
        Area::Lifecycle,
        "state survives a new provider instance per call",
        "every reconcile redeploys everything: Symphony creates a new provider for every call",
        "keep the device's state on the device (or a file), not in the provider value",
    ),
    check(
        "lifecycle.concurrent",
        Area::Lifecycle,
        "concurrent instances on several threads lose no update",
        "components reported deployed go missing when several instances reconcile one target",
        "hold a lock (or use atomic writes) for the whole read-modify-write of the device",
    ),
    check(
        "rendering.numbers-and-case",
        Area::Rendering,
        "values `get` reports compare equal under Go's `%v` to what was applied",
        "`1000000` against `\"1000000\"` (or a changed case under a strict rule) redeploys forever",
        "report property values with the JSON types and text they were applied with",
    ),
];

/// The check with `id`.
pub fn find(id: &str) -> Option<&'static CheckInfo> {
    CATALOG.iter().find(|info| info.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_start_with_their_area_and_areas_come_in_order() {
        let mut ids: Vec<&str> = CATALOG.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CATALOG.len());
        for info in CATALOG {
            assert!(
                info.id.starts_with(&format!("{}.", info.area.as_str())),
                "{}",
                info.id
            );
        }
        assert!(CATALOG.windows(2).all(|w| w[0].area <= w[1].area));
    }
}
