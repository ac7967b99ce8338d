//! The two libraries side by side as `inspect` and `load` see them: the inspect verdict,
//! architecture, toolchain, `symphony` crate, ABI, exports and allocator from the bytes; and
//! from the probe, whether Symphony could create the provider and the rule it returns.

use serde::Serialize;

use super::change::{Area, Change, Changes, Kind};
use crate::inspect::{Allocator, Fingerprint, HostToolchain, Verdict, VerdictLevel};
use crate::subject::Subject;

/// One fact of both libraries.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Fact {
    /// What it is: `rustc`, `symphony crate`, …
    pub name: &'static str,
    /// The old library's.
    pub old: String,
    /// The new library's.
    pub new: String,
}

impl Fact {
    /// Whether both libraries have the same.
    pub fn same(&self) -> bool {
        self.old == self.new
    }
}

/// What one library says about itself, fact by fact, in [`FACTS`] order.
fn facts_of(subject: &Subject) -> Vec<(&'static str, String)> {
    let mut facts = match &subject.fingerprint {
        Some(fingerprint) => fingerprint_facts(fingerprint),
        None if subject.in_process() => vec![("inspect verdict", "in-process: no library".into())],
        None => vec![(
            "inspect verdict",
            VerdictLevel::NotAProvider.as_str().into(),
        )],
    };
    facts.push(("provider created", created(subject)));
    facts.push(("validation rule", rule(subject)));
    facts.push(("component type", subject.component_type.clone()));
    facts
}

fn fingerprint_facts(fingerprint: &Fingerprint) -> Vec<(&'static str, String)> {
    let verdict = Verdict::judge(fingerprint, &HostToolchain::current());
    let yes_no = |flag: bool| if flag { "yes" } else { "no" }.to_string();
    let list = |items: &[String]| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    vec![
        ("inspect verdict", verdict.level.as_str().to_string()),
        ("architecture", fingerprint.architecture.clone()),
        ("rustc", list(&fingerprint.rustc)),
        ("symphony crate", fingerprint.symphony.describe()),
        ("ABI", fingerprint.abi.describe().to_string()),
        (
            "create_provider exported",
            yes_no(fingerprint.create_provider),
        ),
        ("host shim exports", list(&fingerprint.shim_exports)),
        ("allocator", allocator(fingerprint.allocator).to_string()),
        ("stripped", yes_no(fingerprint.stripped)),
        (
            "device channel",
            fingerprint
                .device_channel
                .clone()
                .unwrap_or_else(|| "none".to_string()),
        ),
    ]
}

fn allocator(allocator: Allocator) -> &'static str {
    match allocator {
        Allocator::Default => "default (system malloc)",
        Allocator::Custom => "custom #[global_allocator]",
        Allocator::Unknown => "unknown",
    }
}

fn created(subject: &Subject) -> String {
    match &subject.probe {
        Ok(_) => "yes".to_string(),
        // The path is each library's own: the reason is what compares.
        Err(why) => format!(
            "no: {}",
            why.with_hint()
                .replace(&*subject.library.to_string_lossy(), "[library]")
        ),
    }
}

fn rule(subject: &Subject) -> String {
    match &subject.probe {
        Err(_) => "none (no provider)".to_string(),
        Ok(probed) => match (&probed.validation_rule, &probed.error) {
            (Some(rule), _) => serde_json::to_string(rule).unwrap_or_default(),
            (None, Some(error)) => format!("none: {error}"),
            (None, None) => "none".to_string(),
        },
    }
}

/// Both libraries' facts, side by side; a fact only one of them has shows `-` on the other.
pub fn facts(old: &Subject, new: &Subject) -> Vec<Fact> {
    let (old, new) = (facts_of(old), facts_of(new));
    let mut names: Vec<&'static str> = old.iter().map(|(name, _)| *name).collect();
    for (name, _) in &new {
        if !names.contains(name) {
            names.push(name);
        }
    }
    let value = |list: &[(&'static str, String)], name: &str| {
        list.iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| "-".to_string(), |(_, v)| v.clone())
    };
    names
        .into_iter()
        .map(|name| Fact {
            name,
            old: value(&old, name),
            new: value(&new, name),
        })
        .collect()
}

/// How bad an inspect verdict is (higher is worse).
fn verdict_rank(text: &str) -> Option<u8> {
    [
        VerdictLevel::Compatible,
        VerdictLevel::Risky,
        VerdictLevel::Incompatible,
        VerdictLevel::NotAProvider,
    ]
    .iter()
    .position(|level| level.as_str() == text)
    .and_then(|rank| u8::try_from(rank).ok())
}

/// The changes the facts show: a worse inspect verdict, or a provider Symphony can no longer
/// create, regresses; a new rule changes what Symphony compares; any other fact changed.
pub fn fact_changes(facts: &[Fact]) -> Vec<Change> {
    let mut changes = Changes::default();
    for fact in facts.iter().filter(|fact| !fact.same()) {
        let evidence = (vec![fact.old.clone()], vec![fact.new.clone()]);
        let change = match fact.name {
            "inspect verdict" => Change::new(
                Kind::by_rank(verdict_rank(&fact.old), verdict_rank(&fact.new)),
                Area::Inspect,
                format!("the inspect verdict is `{}`, was `{}`", fact.new, fact.old),
            ),
            "provider created" => Change::new(
                Kind::by_rank(
                    Some(u8::from(fact.old != "yes")),
                    Some(u8::from(fact.new != "yes")),
                ),
                Area::Inspect,
                if fact.new == "yes" {
                    "Symphony can create the provider again"
                } else {
                    "Symphony cannot create the provider"
                },
            ),
            "validation rule" => Change::new(
                Kind::Changed,
                Area::Rule,
                "`get_validation_rule` returns another rule",
            ),
            name => Change::new(Kind::Changed, Area::Inspect, format!("the {name} differs")),
        };
        changes.push(change.evidence(evidence.0, evidence.1));
    }
    changes.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(name: &'static str, old: &str, new: &str) -> Fact {
        Fact {
            name,
            old: old.into(),
            new: new.into(),
        }
    }

    #[test]
    fn a_worse_verdict_or_a_provider_no_longer_created_regresses_and_the_rest_changes() {
        let changes = fact_changes(&[
            fact("inspect verdict", "compatible", "incompatible"),
            fact("provider created", "yes", "no: NULL"),
            fact("rustc", "1.94.0", "1.95.0"),
            fact("validation rule", "{}", "{\"requiredType\":\"x\"}"),
            fact("architecture", "x86_64", "x86_64"),
        ]);
        let kinds: Vec<(Kind, Area)> = changes.iter().map(|c| (c.kind, c.area)).collect();
        assert_eq!(
            kinds,
            [
                (Kind::Regressed, Area::Inspect),
                (Kind::Regressed, Area::Inspect),
                (Kind::Changed, Area::Inspect),
                (Kind::Changed, Area::Rule),
            ]
        );
        assert_eq!(changes[2].what, "the rustc differs");
        assert_eq!(changes[2].old, ["1.94.0"]);
        let back = fact_changes(&[
            fact("inspect verdict", "risky", "compatible"),
            fact("provider created", "no: NULL", "yes"),
        ]);
        assert!(back.iter().all(|c| c.kind == Kind::Fixed), "{back:?}");
    }
}
