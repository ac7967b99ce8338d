//! What `new` accepts as a crate name and as a component type, and why it refuses the rest.

use crate::engine::binding::binding_role;

/// A name `new` refuses, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}: {problem}")]
pub struct InvalidName {
    /// The name given.
    pub value: String,
    /// `crate name` or `component type`.
    pub what: &'static str,
    /// What is wrong, and what would do.
    pub problem: String,
}

/// Rust's keywords, strict and reserved: Cargo refuses them as package names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names Cargo gives a meaning of its own: Rust's libraries and folders of the target dir.
const RESERVED: &[&str] = &[
    "alloc",
    "build",
    "core",
    "deps",
    "examples",
    "incremental",
    "proc_macro",
    "std",
    "test",
];

/// The generated crate's own dependencies: a crate of the same name cannot use them.
const DEPENDENCIES: &[&str] = &["serde_json", "symphony", "symphony_harness", "tempfile"];

/// The longest name crates.io takes.
const MAX_LEN: usize = 64;

/// Checks `name` as the name of a new provider crate: ASCII letters, digits, `-` and `_`,
/// starting with a letter, at most 64 characters, not a keyword, not a name Cargo reserves,
/// not one of the crate's dependencies.
pub fn check_crate_name(name: &str) -> Result<(), InvalidName> {
    let invalid = |problem: String| InvalidName {
        value: name.to_string(),
        what: "crate name",
        problem,
    };
    let Some(first) = name.chars().next() else {
        return Err(invalid("it is empty".to_string()));
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        let hint = if bad == '/' || bad == '\\' || bad == '.' {
            "; to create the crate in another folder, give `--path DIR`"
        } else {
            ""
        };
        return Err(invalid(format!(
            "it contains `{bad}`; use ASCII letters, digits, `-` and `_`{hint}"
        )));
    }
    if !first.is_ascii_alphabetic() {
        return Err(invalid(format!(
            "it starts with `{first}`; a crate name starts with a letter"
        )));
    }
    if name.len() > MAX_LEN {
        return Err(invalid(format!(
            "it has {} characters; crates.io takes at most {MAX_LEN}",
            name.len()
        )));
    }
    let underscored = name.replace('-', "_");
    if KEYWORDS.contains(&underscored.as_str()) {
        return Err(invalid("it is a Rust keyword".to_string()));
    }
    if RESERVED.contains(&underscored.as_str()) {
        return Err(invalid(
            "Cargo reserves it (a Rust library or a folder of the target directory)".to_string(),
        ));
    }
    if DEPENDENCIES.contains(&underscored.as_str()) {
        return Err(invalid(format!(
            "the crate depends on `{underscored}`, and a crate cannot use one of its own name"
        )));
    }
    Ok(())
}

/// Checks `value` as the component type the provider handles (its binding's role): ASCII
/// letters, digits, `.`, `-` and `_`, and a role Symphony looks up as it is (not `container`,
/// whose components use the `instance` binding).
pub fn check_component_type(value: &str) -> Result<(), InvalidName> {
    let invalid = |problem: String| InvalidName {
        value: value.to_string(),
        what: "component type",
        problem,
    };
    if value.is_empty() {
        return Err(invalid(
            "it is empty; components without a type go to the `instance` binding, so name a type \
             of your own"
                .to_string(),
        ));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(format!(
            "it contains `{bad}`; use ASCII letters, digits, `.`, `-` and `_`"
        )));
    }
    if binding_role(value) != value {
        return Err(invalid(format!(
            "Symphony looks up the binding role `{}` for components of type `{value}`, so a \
             binding with role `{value}` is never used; name a type of your own",
            binding_role(value)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_cargo_takes_are_accepted() {
        for name in ["my-provider", "my_provider", "p", "Provider2", "a-b_c-9"] {
            assert_eq!(check_crate_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn bad_crate_names_say_what_is_wrong() {
        for (name, problem) in [
            ("", "it is empty"),
            ("1provider", "it starts with `1`"),
            ("-provider", "it starts with `-`"),
            ("my provider", "it contains ` `"),
            ("dir/provider", "give `--path DIR`"),
            ("prövider", "it contains `ö`"),
            ("fn", "a Rust keyword"),
            ("self", "a Rust keyword"),
            ("test", "Cargo reserves it"),
            ("proc-macro", "Cargo reserves it"),
            ("symphony", "depends on `symphony`"),
            ("symphony-harness", "depends on `symphony_harness`"),
        ] {
            let err = check_crate_name(name).expect_err(name);
            assert!(err.to_string().contains(problem), "{name}: {err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("`{name}` is not a valid crate name: ")),
                "{err}"
            );
        }
        let long = "a".repeat(65);
        assert!(check_crate_name(&long).is_err());
        assert!(check_crate_name(&long[..64]).is_ok());
    }

    #[test]
    fn component_types_are_roles_symphony_looks_up_as_written() {
        for value in ["my_type", "ankaios-workload", "example.v1", "instance"] {
            assert_eq!(check_component_type(value), Ok(()), "{value}");
        }
        for (value, problem) in [
            ("", "it is empty"),
            ("container", "binding role `instance`"),
            ("my type", "it contains ` `"),
            ("a\"b", "it contains `\"`"),
        ] {
            let err = check_component_type(value).expect_err(value);
            assert!(err.to_string().contains(problem), "{value}: {err}");
        }
    }
}
