//! `symphony-harness plan`: the steps Symphony would plan for a deployment, as JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use symphony_harness::engine::planning::plan_deployment;
use symphony_harness::engine::state::DeploymentState;
use symphony_harness::exit_code;

use super::args::StrictArgs;
use super::output;
use symphony_harness::input::{read_deployment, read_symphony, Checked};
use symphony_harness::model::ComponentSpec;
use symphony_harness::report::json::{self, Document};

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness plan --deployment deployment.json
  symphony-harness plan --deployment deployment.json --previous state.json \\
      --current get.json
  symphony-harness plan --deployment deployment.json --previous state.json \\
      --remove | jq '.plan[].components'

Reference:\n",
    super::docs_url!("docs/commands/plan.md")
);

/// Print the steps Symphony would plan for a deployment, as JSON
///
/// The engine's decisions on their own, without a provider: the deployment is evaluated, sorted
/// by dependencies and assigned; `getPlan` is the desired-only plan `get` is called for (one
/// call per step); `plan` is the apply plan after merging the previous stored state, the desired
/// state and what `get` reported (`--current`), updates first, deletions after in reverse step
/// order. `mergedState` is the state Symphony plans from (`-` roles are deletions). Whether a
/// step is then skipped depends on the provider's validation rule: see `reconcile`.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct PlanArgs {
    /// The deployment, as Go sends it to providers (0.48 or 0.49 field names)
    #[arg(long, value_name = "D.json", help_heading = "Input")]
    deployment: PathBuf,

    /// The previous stored state, as Symphony stores it: {"Components": [...], "Targets":
    /// [{"Name": ...}], "TargetComponent": {"<component>::<target>": "<role>"}} (keys in any
    /// case, as Go reads them; an unknown key is refused) [default: none, a first reconcile]
    #[arg(long, value_name = "STATE.json", help_heading = "Input")]
    previous: Option<PathBuf>,

    /// What `get` reported, per target: {"<target>": [components...]} [default: nothing]
    #[arg(long, value_name = "GET.json", help_heading = "Input")]
    current: Option<PathBuf>,

    /// Plan the removal (every key marked for deletion)
    #[arg(long, help_heading = "Input")]
    remove: bool,

    #[command(flatten)]
    input: StrictArgs,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<i32> {
    let deployment = read_deployment(&args.deployment)?;
    let previous: Option<Checked<DeploymentState>> = args
        .previous
        .as_deref()
        .map(|p| read_symphony(p, "previous state"))
        .transpose()?;
    let reported: Option<Checked<BTreeMap<String, Vec<ComponentSpec>>>> = args
        .current
        .as_deref()
        .map(|p| read_symphony(p, "current state"))
        .transpose()?;
    let mut notes = deployment.notes;
    notes.extend(previous.iter().flat_map(|p| p.notes.iter().cloned()));
    notes.extend(reported.iter().flat_map(|r| r.notes.iter().cloned()));
    args.input.check(&notes)?;
    let deployment = deployment.value;
    if deployment.components().is_empty() && deployment.targets.is_empty() {
        let said = format!(
            "deployment `{}` has no components and no targets: Symphony never sends one",
            args.deployment.display()
        );
        if previous.is_none() && reported.is_none() {
            bail!(
                "{said}, and without `--previous` or `--current` there is nothing to plan\n\
                 hint: pass the deployment `get` and `apply` receive, with \
                 `solution.spec.components` and `targets`: is `{}` that file?",
                args.deployment.display()
            );
        }
        if args.input.strict {
            bail!("{said} (`--strict`)");
        }
        output::warning(&format!(
            "{said}; the plan only deletes what `--previous` and `--current` hold"
        ));
    }
    let previous = previous.map(|p| p.value);
    let reported = reported.map(|r| r.value).unwrap_or_default();
    let document = plan_deployment(&deployment, previous.as_ref(), reported, args.remove)?;
    output::json(&Document::new(json::PLAN, &document))?;
    Ok(exit_code::SUCCESS)
}
