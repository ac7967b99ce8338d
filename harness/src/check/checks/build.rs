//! Checks of what the bytes say and what the probe found: ABI, models, toolchain, creation,
//! hash, and the validation rule.

use crate::check::cause::{Cause, CauseKind, NoProvider};
use crate::check::context::Context;
use crate::check::finding::Finding;
use crate::inspect::{Abi, ModelGeneration, VerdictLevel};
use crate::scenario::format::SymphonyRelease;

/// The cause of a library Symphony gets no provider from, when the probe says so: the checks
/// of its bytes beyond the ABI are not judged then (there is no provider to build right).
fn no_provider(context: &Context<'_>) -> Option<Cause> {
    let failure = context.probe().as_ref().err()?;
    Some(crate::check::suite::no_provider(context.subject, failure))
}

/// The finding of a build check on a file that is not an ELF shared object, or a library
/// that is not a provider: not judged, for the cause the probe found (else a failure).
fn not_a_provider(context: &Context<'_>, what: &str) -> Finding {
    match no_provider(context) {
        Some(cause) => Finding::not_judged(cause),
        None => Finding::fail(format!("{what}, so not a provider library")),
    }
}

/// `build.abi`: what the dynamic exports say. An ELF shows which symbols a library exports,
/// never a function's arguments: `create_provider`'s are what `load.create` tries.
pub(in crate::check) fn abi(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        let finding = Finding::fail("the file is not an ELF shared object, so not a provider");
        return match no_provider(context) {
            Some(cause) => finding.with_cause(cause),
            None => finding,
        };
    };
    let finding = match (fingerprint.abi, fingerprint.create_provider) {
        (Abi::ConfigJson, true) => {
            return Finding::pass(
                "exports `create_provider` and no `init_provider`: the exports of `symphony` \
                 0.1.4 and 0.1.5 (an ELF does not show its arguments; `load.create` calls it \
                 with the binding config)",
            )
        }
        (Abi::Legacy, _) => {
            let kind = CauseKind::NoProvider(NoProvider::OldAbi);
            Finding::fail(
                "exports `init_provider` besides `create_provider`: the old ABI of `symphony` \
                 0.1.1 to 0.1.3, whose trait starts with `init`",
            )
            .with_advice(kind.in_symphony(), kind.fix())
        }
        _ => {
            let kind = CauseKind::NoProvider(NoProvider::NotAProvider);
            Finding::fail("exports no `create_provider`: Symphony's host has nothing to call")
                .with_advice(kind.in_symphony(), kind.fix())
        }
    };
    match no_provider(context) {
        Some(cause) => finding.with_cause(cause),
        None => finding,
    }
}

/// `build.models`: which models the provider was built with, against the host of the release
/// checked. Symphony's host parses the JSON with its own models and hands the provider Rust
/// values; 0.1.4 and 0.1.5 models have the same types in the same order (only names differ),
/// so either pairing runs (`docs/abi.md`).
pub(in crate::check) fn models(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        return not_a_provider(context, "the file is not an ELF shared object");
    };
    if !fingerprint.create_provider || fingerprint.abi == Abi::Legacy {
        return not_a_provider(
            context,
            "it exports no provider of `symphony` 0.1.4 or 0.1.5",
        );
    }
    let release = context.subject.symphony;
    let checked = release.as_str();
    let built = match fingerprint.symphony.versions.as_slice() {
        [] => "built with".to_string(),
        many => format!("built with `symphony` {}:", many.join(", ")),
    };
    let (found, host) = match (fingerprint.symphony.models, release) {
        (ModelGeneration::Unknown, _) => {
            return Finding::skip(format!(
                "the `symphony` crate's models cannot be read from the bytes (no registry path, \
                 no model field names: a path dependency, or no `symphony` crate), so nothing \
                 tells which Symphony release it was built for; checked against Symphony \
                 {checked}"
            ))
        }
        (ModelGeneration::Solution, SymphonyRelease::V048)
        | (ModelGeneration::SolutionVersion, SymphonyRelease::V049) => {
            return Finding::pass(format!(
                "{built} {}, the models Symphony {checked}'s host parses the deployment with: \
                 the provider reads the names it was written for",
                fingerprint.symphony.models.describe()
            ))
        }
        (ModelGeneration::Solution, SymphonyRelease::V049) => (
            (
                "0.1.4",
                "0.48",
                "solution_name",
                "solution",
                "solution version",
            ),
            ("0.1.5", "solutionversionName"),
        ),
        (ModelGeneration::SolutionVersion, SymphonyRelease::V048) => (
            (
                "0.1.5",
                "0.49",
                "solutionversion_name",
                "solutionversion",
                "solution",
            ),
            ("0.1.4", "solutionName"),
        ),
    };
    let ((crate_version, built_for, name_field, object_field, other), (host_crate, sent)) =
        (found, host);
    let built_for = if built_for == "0.48" {
        "Symphony 0.48.42 to 0.48.48 (0.48's releases with a Rust provider of this ABI)"
    } else {
        "Symphony 0.49.1 and later"
    };
    Finding::pass(format!(
        "{built} {}, the models of {built_for}; checked against Symphony {checked}: its host \
         parses `{sent}` with its own `symphony` {host_crate} models and hands the provider \
         values of the same layout (the two differ only in names), so it runs",
        fingerprint.symphony.models.describe()
    ))
    .with_note(format!(
        "under Symphony {checked} the provider reads the {other}'s name through \
         `deployment.{name_field}`, the {other} through `deployment.{object_field}` and the \
         instance's reference to it through `instance.spec.{object_field}`: the values are \
         right, only the field names are the other release's"
    ))
    .with_note(pin_advice(crate_version))
}

/// Why to pin the `symphony` crate with `=`, for a provider built with `crate_version`.
fn pin_advice(crate_version: &str) -> String {
    let (moves, release) = if crate_version == "0.1.4" {
        (
            "is `^0.1.4`: `cargo update` (or a fresh lock file) moves it to 0.1.5, whose renamed \
             fields stop this code compiling",
            "0.48",
        )
    } else {
        (
            "is `^0.1.5`: `cargo update` takes any later 0.1.x, which may rename fields again",
            "0.49",
        )
    };
    format!(
        "pin the crate with `=` (`symphony = \"={crate_version}\"`): a plain \
         `\"{crate_version}\"` {moves}; `--symphony {release}` checks it as the release it \
         was built for sends"
    )
}

/// What Symphony's users see for the toolchain `reasons` the inspector gave.
fn toolchain_symptom(fingerprint: &crate::inspect::Fingerprint) -> &'static str {
    if fingerprint.allocator == crate::inspect::Allocator::Custom {
        "memory the provider allocated is freed by the host with the system `malloc` (and the \
         reverse): unless the allocator hands out the system's own memory, heap corruption or \
         a crash of the whole symphony-api process"
    } else {
        "the trait object and the structs that cross the boundary may not have the layout the \
         host expects: undefined behaviour in Symphony's process (a crash, or wrong values)"
    }
}

/// `build.toolchain`.
pub(in crate::check) fn toolchain(context: &Context<'_>) -> Finding {
    let Some(fingerprint) = &context.subject.fingerprint else {
        return not_a_provider(context, "the file is not an ELF shared object");
    };
    if !fingerprint.create_provider || fingerprint.abi == Abi::Legacy {
        return not_a_provider(
            context,
            "it exports no provider of `symphony` 0.1.4 or 0.1.5",
        );
    }
    let verdict =
        crate::inspect::Verdict::judge(fingerprint, &crate::inspect::HostToolchain::current());
    let lines: Vec<String> = verdict
        .reasons
        .iter()
        .chain(&verdict.notes)
        .cloned()
        .collect();
    let first = verdict.reasons.first().cloned();
    let advice = (
        toolchain_symptom(fingerprint),
        "build with the default global allocator, the `symphony` crate from crates.io and the \
         rustc of the Symphony release you deploy to",
    );
    match verdict.level {
        VerdictLevel::Compatible => {
            Finding::pass("rustc and allocator are safe to load").with_evidence(lines)
        }
        VerdictLevel::Risky => Finding::warn(first.unwrap_or_else(|| "risky to load".into()))
            .with_advice(advice.0, advice.1)
            .with_evidence(lines),
        VerdictLevel::Incompatible | VerdictLevel::NotAProvider => {
            Finding::fail(first.unwrap_or_else(|| "incompatible".into()))
                .with_advice(advice.0, advice.1)
                .with_evidence(lines)
        }
    }
}

/// `load.create`: the probe's `create_provider`. When it gave no provider, this check found
/// the cause the other checks are not judged for.
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
        Err(failure) => {
            let cause = crate::check::suite::no_provider(context.subject, failure);
            // `create_provider` was called unless the library was refused or died loading.
            let called = failure.outcome.is_some() && !failure.loading;
            Finding::fail(format!(
                "{} (cause `{}` above says why)",
                cause.kind.summary(),
                cause.id()
            ))
            .with_evidence(vec![format!(
                "create_provider {}: {}",
                if called { "received" } else { "would receive" },
                context.binding_config().to_json()
            )])
            .with_cause(cause)
        }
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
        .with_advice(
            "Symphony's host checks the hash on every provider it creates and refuses the \
             library: InitFailed on every call, nothing deploys",
            "put the library's SHA-256 in the binding (`symphony-harness binding LIB`)",
        )
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
        // A crash or a hang is not a rule Symphony falls back from: its process goes.
        (None, error)
            if report.rule_outcome.in_symphony() != crate::engine::InSymphony::Returns =>
        {
            let seen = format!(
                "`get_validation_rule` ended `{}`: {}",
                report.rule_outcome.as_str(),
                error.as_deref().unwrap_or("")
            );
            Finding::fail(seen.clone()).with_cause(Cause::call(
                crate::check::cause::Call::GetValidationRule,
                report.rule_outcome,
                seen,
            ))
        }
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
