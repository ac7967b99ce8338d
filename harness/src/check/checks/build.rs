//! Checks of what the bytes say and what the probe found: ABI, models, toolchain, creation,
//! hash, and the validation rule.

use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::inspect::{Abi, ModelGeneration, VerdictLevel};
use crate::scenario::format::SymphonyRelease;

fn no_fingerprint() -> Finding {
    Finding::fail("the file is not an ELF shared object, so not a provider library")
}

/// `build.abi`.
pub(in crate::check) fn abi(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        return no_fingerprint();
    };
    match (fingerprint.abi, fingerprint.create_provider) {
        (Abi::ConfigJson, true) => Finding::pass(
            "exports `create_provider(config_json)`, the ABI of `symphony` 0.1.4 and 0.1.5",
        ),
        (Abi::Legacy, _) => Finding::fail(format!(
            "exports the old ABI ({}): Symphony's host calls `create_provider(config_json)`",
            fingerprint.abi.describe()
        )),
        _ => {
            Finding::fail("exports no `create_provider`: Symphony cannot create a provider from it")
        }
    }
}

/// `build.models`.
pub(in crate::check) fn models(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        return no_fingerprint();
    };
    let wanted = match context.subject.symphony {
        SymphonyRelease::V049 => ModelGeneration::SolutionVersion,
        SymphonyRelease::V048 => ModelGeneration::Solution,
    };
    let release = match context.subject.symphony {
        SymphonyRelease::V049 => "0.49",
        SymphonyRelease::V048 => "0.48",
    };
    let versions = if fingerprint.symphony.versions.is_empty() {
        String::new()
    } else {
        format!(" (`symphony` {})", fingerprint.symphony.versions.join(", "))
    };
    match fingerprint.symphony.models {
        found if found == wanted => Finding::pass(format!(
            "its models{versions} are {}, as Symphony {release} sends",
            found.describe()
        )),
        ModelGeneration::Unknown => Finding::warn(format!(
            "the `symphony` model generation cannot be read from the bytes{versions}; Symphony \
             {release} sends {}",
            wanted.describe()
        )),
        found => Finding::fail(format!(
            "its models{versions} are {}, but Symphony {release} sends {}: every `get` and \
             `apply` fails to read the deployment",
            found.describe(),
            wanted.describe()
        )),
    }
}

/// `build.toolchain`.
pub(in crate::check) fn toolchain(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        return no_fingerprint();
    };
    let verdict =
        crate::inspect::Verdict::judge(fingerprint, &crate::inspect::HostToolchain::current());
    let lines: Vec<String> = verdict
        .reasons
        .iter()
        .chain(&verdict.notes)
        .cloned()
        .collect();
    match verdict.level {
        VerdictLevel::Compatible => {
            Finding::pass("rustc and allocator are safe to load").with_evidence(lines)
        }
        VerdictLevel::Risky => Finding::warn(
            verdict
                .reasons
                .first()
                .cloned()
                .unwrap_or_else(|| "risky to load".into()),
        )
        .with_evidence(lines),
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => Finding::fail(
            verdict
                .reasons
                .first()
                .cloned()
                .unwrap_or_else(|| "incompatible".into()),
        )
        .with_evidence(lines),
    }
}

/// `load.create`.
pub(in crate::check) fn create(context: &Context<'_>) -> Finding {
    match context.probe() {
        Ok(report) => {
            let printed: Vec<String> = report
                .output
                .create_provider
                .labelled()
                .map(|(label, text)| format!("{label}: {}", text.trim_end()))
                .collect();
            Finding::pass(format!(
                "`create_provider` returned a provider for {}",
                report.config_json
            ))
            .with_evidence(printed)
        }
        Err(why) => Finding::fail(format!("Symphony gets no provider: {}", why.with_hint()))
            .with_evidence(vec![format!(
                "create_provider received: {}",
                context.binding_config().to_json()
            )]),
    }
}

/// `load.hash`.
pub(in crate::check) fn hash(context: &Context<'_>) -> Finding {
    let subject = context.subject;
    if subject.hash == "any" {
        Finding::warn(format!(
            "`libHash: any` skips the check; pin it: `\"libHash\": \"{}\"`",
            subject.sha256
        ))
    } else if subject.hash == subject.sha256 {
        Finding::pass(format!("`libHash` {} matches the file", subject.sha256))
    } else {
        Finding::fail(format!(
            "`libHash` {} is not the file's SHA-256 {}: Symphony refuses to load it",
            subject.hash, subject.sha256
        ))
    }
}

/// `rule.returns`.
pub(in crate::check) fn rule_returns(context: &Context<'_>) -> Finding {
    let Ok(report) = context.probe() else {
        return Finding::skip("the provider could not be created");
    };
    match (&report.validation_rule, &report.error) {
        (Some(_), _) => Finding::pass("`get_validation_rule` returned a rule")
            .with_evidence(report.symphony_reads.clone().unwrap_or_default()),
        (None, error) => Finding::fail(format!(
            "`get_validation_rule` failed ({}): Symphony uses the zero rule, which finds nothing \
             changed",
            error.as_deref().unwrap_or("no rule")
        )),
    }
}

/// `rule.required-type`.
pub(in crate::check) fn required_type(context: &Context<'_>) -> Finding {
    let Ok(report) = context.probe() else {
        return Finding::skip("the provider could not be created");
    };
    let Some(rule) = &report.validation_rule else {
        return Finding::skip("`get_validation_rule` returned no rule");
    };
    let used = &context.subject.component_type;
    match rule.required_type.as_str() {
        "" => Finding::pass(format!(
            "the rule requires no type; components use `{used}`"
        )),
        required if required == used => Finding::pass(format!(
            "the rule requires `{required}`, the type components use"
        )),
        required => Finding::warn(format!(
            "the rule requires `{required}`, but components use `{used}` (`--component-type`)"
        )),
    }
}
