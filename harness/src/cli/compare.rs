//! `symphony-harness compare`: would Symphony consider a component changed, and why.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use symphony_harness::engine::change::{compare_within, compares_nothing, MATCH_BUDGET};
use symphony_harness::engine::evaluate::evaluate_component;
use symphony_harness::engine::EngineError;
use symphony_harness::exit_code;
use symphony_harness::input::{read_symphony, Checked};
use symphony_harness::model::{ComponentSpec, ValidationRule};
use symphony_harness::report::compare::write_compare;
use symphony_harness::report::json::{self, Document};

use super::args::{Format, StrictArgs};
use super::output;

const EXAMPLES: &str = concat!(
    "\
Examples:
  symphony-harness compare --rule rule.json got.json desired.json
  symphony-harness compare got.json desired.json --format json | jq .reasons
  symphony-harness compare --raw stored.json evaluated.json

Reference:\n",
    super::docs_url!("docs/commands/compare.md")
);

/// Tell whether Symphony would consider a component changed, and print every deciding entry
///
/// Runs Symphony's `IsComponentChanged(OLD, NEW)`: the rule's `changeDetection` entries over the
/// properties, `changeDetectionMetadata` over the metadata, and sidecars by name when
/// `allowSidecar`. Values are compared as Go's `%v` text (`1000000` is `1e+06`, `{"a":1}` is
/// `map[a:1]`, `null` is `<nil>`).
///
/// OLD is what `get` reported (or the previous desired spec), NEW the desired component as
/// written in the solution; NEW is evaluated first, as Symphony does (JSON-looking strings
/// re-rendered compactly, `""` becomes null), unless `--raw` says both are already as
/// Symphony's comparison sees them. The answer to "why does Symphony keep redeploying my
/// component?": exit status 8 when it is changed.
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES, after_long_help = super::with_exit_status(EXAMPLES))]
pub struct CompareArgs {
    /// The old component: what `get` reported, a JSON component spec
    #[arg(value_name = "OLD.json")]
    old: PathBuf,

    /// The new component: the desired spec, as written in the solution or target
    #[arg(value_name = "NEW.json")]
    new: PathBuf,

    /// The provider's validation rule (as `get_validation_rule` returns it) [default: the
    /// `symphony` crate's `ValidationRule::default()`]
    #[arg(long, value_name = "RULE.json", help_heading = "Rule")]
    rule: Option<PathBuf>,

    /// Compare NEW as written, without evaluating it first: both values as
    /// `IsComponentChanged` receives them (e.g. NEW copied from a deployment Symphony already
    /// evaluated, or from its stored state)
    #[arg(long, help_heading = "Rule")]
    raw: bool,

    #[command(flatten)]
    input: StrictArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    format: Format,
}

pub fn run(args: &CompareArgs) -> anyhow::Result<i32> {
    let rule = match &args.rule {
        Some(path) => read_symphony(path, "validation rule")?,
        None => Checked {
            value: ValidationRule::default(),
            notes: Vec::new(),
        },
    };
    let old: Checked<ComponentSpec> = read_symphony(&args.old, "component")?;
    let new: Checked<ComponentSpec> = read_symphony(&args.new, "component")?;
    let notes: Vec<_> = [rule.notes, old.notes, new.notes].concat();
    args.input.check(&notes)?;
    let (rule, old, new) = (rule.value, old.value, new.value);
    for (component, path) in [(&old, &args.old), (&new, &args.new)] {
        if component.name.is_empty() {
            bail!(
                "component `{}` has no `name`: Symphony pairs the old and new component by \
                 name, so a nameless one is never compared\nhint: give it the `name` of the \
                 component in the solution, e.g. {{\"name\": \"web\", \"properties\": {{…}}}}",
                path.display()
            );
        }
    }
    if let Some(path) = args.rule.as_deref().filter(|_| compares_nothing(&rule)) {
        let said = format!(
            "the rule `{}` compares nothing (no `changeDetection` or \
             `changeDetectionMetadata` entries, `allowSidecar` false): under it Symphony \
             counts every component as unchanged, as it does when `get_validation_rule` fails",
            path.display()
        );
        if args.input.strict {
            bail!("{said} (`--strict`)");
        }
        output::warning(&said);
    }
    let new = if args.raw {
        new
    } else {
        evaluate_component(&new)?
    };
    let report = compare_within(&rule, &old, &new, MATCH_BUDGET).map_err(EngineError::from)?;
    match args.format {
        Format::Json => output::json(&Document::new(json::COMPARE, &report))?,
        Format::Human => {
            let mut text = Vec::new();
            write_compare(&mut text, &new.name, &report)?;
            output::stdout_bytes(&text)?;
        }
    }
    Ok(if report.changed {
        exit_code::CHANGED
    } else {
        exit_code::SUCCESS
    })
}
