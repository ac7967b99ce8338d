//! A Target file edited in place (`binding --update-target`): its Rust bindings' `libHash`
//! (and `libFile`) rewritten, every other byte kept. The JSON is read with the byte range of
//! every value ([`Spans`]), so only those values are replaced.

use std::ops::Range;

use crate::model::RUST_PROVIDER;

/// What `--update-target` writes into a Target's Rust bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEdit<'a> {
    /// The library's file name: bindings whose `libFile` ends in it are updated (unless
    /// `role` picks them).
    pub file_name: &'a str,
    /// Update the Rust bindings with this role instead, whatever their `libFile`.
    pub role: Option<&'a str>,
    /// The new `libHash`.
    pub lib_hash: &'a str,
    /// The new `libFile`; `None` keeps each binding's own.
    pub lib_file: Option<&'a str>,
    /// The `libFile` of a binding that has none.
    pub default_lib_file: &'a str,
}

/// One binding `--update-target` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatedBinding {
    /// Its role.
    pub role: String,
    /// Its `libHash` before (`None`: it had none).
    pub old_hash: Option<String>,
    /// Its `libFile` now.
    pub lib_file: String,
}

/// A Target file's text after `--update-target`, and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatedTarget {
    /// The new text: the old one with only the bindings' `libHash` and `libFile` values
    /// replaced (or inserted, before the first key of the binding's `config`).
    pub text: String,
    /// The bindings changed, in file order.
    pub bindings: Vec<UpdatedBinding>,
}

/// Why a Target file could not be updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateTargetError {
    /// Not JSON.
    #[error("it is not JSON: {0}")]
    NotJson(String),
    /// No binding to `providers.target.rust`.
    #[error(
        "it has no `{RUST_PROVIDER}` binding in `spec.topologies[].bindings[]`\nhint: add one: \
         `symphony-harness binding LIB --role ROLE` prints it"
    )]
    NoRustBinding,
    /// Rust bindings, but none for this library (or role).
    #[error(
        "none of its `{RUST_PROVIDER}` bindings {wanted}; it has {}\nhint: pick the \
         binding with `--role ROLE`",
        found.iter().map(|(role, file)| format!("role `{role}` with libFile `{file}`")).collect::<Vec<_>>().join(", ")
    )]
    NoMatch {
        /// What was looked for, in words.
        wanted: String,
        /// Every Rust binding's role and `libFile`.
        found: Vec<(String, String)>,
    },
    /// A chosen binding has no `config` object.
    #[error("its binding with role `{role}` has no `config` object to hold `libHash`")]
    NoConfig {
        /// The binding's role.
        role: String,
    },
}

/// A JSON value with the byte range it spans in the text it was read from.
#[derive(Debug)]
enum Node {
    Object(Vec<Member>, Range<usize>),
    Array(Vec<Node>),
    String(String, Range<usize>),
    Other,
}

/// One member of an object: its key (unescaped), where the key starts, its value.
#[derive(Debug)]
struct Member {
    key: String,
    key_start: usize,
    value: Node,
}

impl Node {
    /// The member `key`, matched as Go's decoder matches struct fields: exactly, else
    /// ignoring ASCII case.
    fn field(&self, key: &str) -> Option<&Node> {
        let Node::Object(members, _) = self else {
            return None;
        };
        members
            .iter()
            .find(|m| m.key == key)
            .or_else(|| members.iter().find(|m| m.key.eq_ignore_ascii_case(key)))
            .map(|m| &m.value)
    }

    fn items(&self) -> &[Node] {
        match self {
            Node::Array(items) => items,
            _ => &[],
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(text, _) => Some(text),
            _ => None,
        }
    }
}

/// A reader of JSON text that keeps where each value is. The text is known to be JSON
/// (`serde_json` read it first), but nothing here trusts that: any surprise is an error.
struct Spans<'t> {
    text: &'t str,
    at: usize,
}

impl Spans<'_> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.at))
        }
    }

    fn value(&mut self) -> Result<Node, String> {
        self.skip_space();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let start = self.at;
                let text = self.string()?;
                Ok(Node::String(text, start..self.at))
            }
            Some(_) => {
                // A number, `true`, `false` or `null`: up to the next delimiter.
                let rest = &self.text[self.at..];
                let end = rest
                    .find([',', '}', ']', ' ', '\t', '\n', '\r'])
                    .unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!("unexpected character at byte {}", self.at));
                }
                self.at += end;
                Ok(Node::Other)
            }
            None => Err("unexpected end of the text".to_string()),
        }
    }

    fn object(&mut self) -> Result<Node, String> {
        let start = self.at;
        self.expect(b'{')?;
        let mut members = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Node::Object(members, start..self.at));
        }
        loop {
            self.skip_space();
            let key_start = self.at;
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            members.push(Member {
                key,
                key_start,
                value,
            });
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Node::Object(members, start..self.at));
                }
                _ => return Err(format!("expected `,` or `}}` at byte {}", self.at)),
            }
        }
    }

    fn array(&mut self) -> Result<Node, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Node::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Node::Array(items));
                }
                _ => return Err(format!("expected `,` or `]` at byte {}", self.at)),
            }
        }
    }

    /// A string at the cursor, unescaped by `serde_json` from its exact text.
    fn string(&mut self) -> Result<String, String> {
        self.skip_space();
        let start = self.at;
        if self.peek() != Some(b'"') {
            return Err(format!("expected a string at byte {start}"));
        }
        let bytes = self.text.as_bytes();
        let mut at = start + 1;
        loop {
            match bytes.get(at) {
                Some(b'\\') => at += 2,
                Some(b'"') => break,
                Some(_) => at += 1,
                None => return Err("a string does not end".to_string()),
            }
        }
        self.at = at + 1;
        serde_json::from_str(&self.text[start..self.at]).map_err(|err| err.to_string())
    }
}

/// `text`, a Target file, with `edit` applied to its Rust bindings: the bindings whose
/// `libFile` names `edit.file_name` (or whose role is `edit.role`) get `libHash` and, if
/// given, `libFile`; a binding without `libFile` gets `edit.default_lib_file`. Everything
/// else, spacing and key order included, stays byte for byte.
pub fn update_target(
    text: &str,
    edit: &TargetEdit<'_>,
) -> Result<UpdatedTarget, UpdateTargetError> {
    serde_json::from_str::<serde_json::Value>(text)
        .map_err(|err| UpdateTargetError::NotJson(err.to_string()))?;
    let root = Spans { text, at: 0 }
        .value()
        .map_err(UpdateTargetError::NotJson)?;
    let rust_bindings = rust_bindings(&root);
    if rust_bindings.is_empty() {
        return Err(UpdateTargetError::NoRustBinding);
    }
    let chosen: Vec<&Node> = rust_bindings
        .iter()
        .copied()
        .filter(|binding| match edit.role {
            Some(role) => role_of(binding) == role,
            None => lib_file_of(binding).is_some_and(|file| {
                std::path::Path::new(&file)
                    .file_name()
                    .is_some_and(|name| name == edit.file_name)
            }),
        })
        .collect();
    if chosen.is_empty() {
        return Err(UpdateTargetError::NoMatch {
            wanted: match edit.role {
                Some(role) => format!("has role `{role}`"),
                None => format!("loads a file named `{}`", edit.file_name),
            },
            found: rust_bindings
                .iter()
                .map(|b| (role_of(b), lib_file_of(b).unwrap_or_default()))
                .collect(),
        });
    }
    // (start, end, replacement), applied from the end of the text backwards.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut bindings = Vec::new();
    for binding in chosen {
        bindings.push(edit_binding(text, binding, edit, &mut edits)?);
    }
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut out = text.to_string();
    for (start, end, replacement) in edits {
        out.replace_range(start..end, &replacement);
    }
    Ok(UpdatedTarget {
        text: out,
        bindings,
    })
}

/// The Target's bindings to `providers.target.rust`, in file order.
fn rust_bindings(root: &Node) -> Vec<&Node> {
    root.field("spec")
        .and_then(|spec| spec.field("topologies"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|topology| {
            topology
                .field("bindings")
                .map(Node::items)
                .unwrap_or_default()
        })
        .filter(|binding| binding.field("provider").and_then(Node::as_str) == Some(RUST_PROVIDER))
        .collect()
}

fn role_of(binding: &Node) -> String {
    binding
        .field("role")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string()
}

fn lib_file_of(binding: &Node) -> Option<String> {
    binding
        .field("config")
        .and_then(|config| config.field("libFile"))
        .and_then(Node::as_str)
        .map(str::to_string)
}

/// The edits of one chosen binding's `config` (`libFile`, `libHash` replaced, or inserted
/// before its first key), added to `edits`; what changed.
fn edit_binding(
    text: &str,
    binding: &Node,
    edit: &TargetEdit<'_>,
    edits: &mut Vec<(usize, usize, String)>,
) -> Result<UpdatedBinding, UpdateTargetError> {
    let quoted = |value: &str| serde_json::to_string(value).unwrap_or_default();
    let role = role_of(binding);
    let Some(Node::Object(members, span)) = binding.field("config") else {
        return Err(UpdateTargetError::NoConfig { role });
    };
    let member = |key: &str| members.iter().find(|m| m.key == key);
    let old_hash = member("libHash")
        .and_then(|m| m.value.as_str())
        .map(str::to_string);
    let lib_file = edit
        .lib_file
        .map(str::to_string)
        .or_else(|| {
            member("libFile")
                .and_then(|m| m.value.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| edit.default_lib_file.to_string());
    let mut missing = Vec::new();
    for (key, value, always) in [
        ("libFile", lib_file.as_str(), edit.lib_file.is_some()),
        ("libHash", edit.lib_hash, true),
    ] {
        match member(key) {
            Some(Member {
                value: Node::String(_, at),
                ..
            }) => {
                if always {
                    edits.push((at.start, at.end, quoted(value)));
                }
            }
            Some(_) => {
                return Err(UpdateTargetError::NotJson(format!(
                    "`{key}` of the binding with role `{role}` is not a string"
                )))
            }
            None => missing.push(format!("{}: {}", quoted(key), quoted(value))),
        }
    }
    if !missing.is_empty() {
        let insertion = match members.first() {
            // Before the first key, spaced as it is.
            Some(first) => {
                let space = &text[span.start + 1..first.key_start];
                missing
                    .iter()
                    .map(|pair| format!("{space}{pair},"))
                    .collect::<String>()
            }
            None => missing.join(", "),
        };
        edits.push((span.start + 1, span.start + 1, insertion));
    }
    Ok(UpdatedBinding {
        role,
        old_hash,
        lib_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET: &str = r#"{
  "metadata": {"name": "t"},
  "spec": {
    "topologies": [
      {
        "bindings": [
          {
            "role": "mine",
            "provider": "providers.target.rust",
            "config": {
              "name": "my-lib",
              "libFile": "/extensions/libmine.so",
              "libHash": "any",
              "root": "/var/lib/mine"
            }
          },
          {"role": "other", "provider": "providers.target.rust",
           "config": {"libFile": "/extensions/libother.so", "libHash": "abc"}},
          {"role": "helm", "provider": "providers.target.helm", "config": {}}
        ]
      }
    ]
  }
}
"#;

    fn edit<'a>(file_name: &'a str, role: Option<&'a str>) -> TargetEdit<'a> {
        TargetEdit {
            file_name,
            role,
            lib_hash: "0123abcd",
            lib_file: None,
            default_lib_file: "/extensions/default.so",
        }
    }

    #[test]
    fn only_the_hash_of_the_binding_loading_the_library_changes() {
        let updated = update_target(TARGET, &edit("libmine.so", None)).unwrap();
        assert_eq!(
            updated.text,
            TARGET.replace(r#""libHash": "any""#, r#""libHash": "0123abcd""#)
        );
        assert_eq!(
            updated.bindings,
            vec![UpdatedBinding {
                role: "mine".into(),
                old_hash: Some("any".into()),
                lib_file: "/extensions/libmine.so".into(),
            }]
        );
    }

    #[test]
    fn a_role_picks_the_binding_and_lib_file_is_rewritten_when_given() {
        let mut edit = edit("libnew.so", Some("other"));
        edit.lib_file = Some("/ext/libnew.so");
        let updated = update_target(TARGET, &edit).unwrap();
        assert_eq!(
            updated.text,
            TARGET.replace(
                r#"{"libFile": "/extensions/libother.so", "libHash": "abc"}"#,
                r#"{"libFile": "/ext/libnew.so", "libHash": "0123abcd"}"#
            )
        );
    }

    #[test]
    fn missing_keys_are_inserted_before_the_first_spaced_like_it() {
        let text = "{\"spec\":{\"topologies\":[{\"bindings\":[{\"role\":\"r\",\"provider\":\
                    \"providers.target.rust\",\"config\":{\n    \"name\": \"x\"\n}}]}]}}";
        let updated = update_target(text, &edit("libx.so", Some("r"))).unwrap();
        assert!(
            updated.text.contains(
                "\"config\":{\n    \"libFile\": \"/extensions/default.so\",\n    \"libHash\": \
                 \"0123abcd\",\n    \"name\": \"x\"\n}"
            ),
            "{}",
            updated.text
        );
        let empty = text.replace("{\n    \"name\": \"x\"\n}", "{}");
        let updated = update_target(&empty, &edit("libx.so", Some("r"))).unwrap();
        assert!(
            updated.text.contains(
                r#""config":{"libFile": "/extensions/default.so", "libHash": "0123abcd"}"#
            ),
            "{}",
            updated.text
        );
        let parsed: serde_json::Value = serde_json::from_str(&updated.text).unwrap();
        assert_eq!(
            parsed["spec"]["topologies"][0]["bindings"][0]["config"]["libHash"],
            "0123abcd"
        );
    }

    #[test]
    fn escaped_text_and_go_cased_keys_are_read_as_go_reads_them() {
        let text = r#"{"Spec": {"Topologies": [{"Bindings": [{"Role": "r\u0041", "Provider":
            "providers.target.rust", "config": {"libFile": "/e/lib\"q\".so", "libHash": "x"}}]}]}}"#;
        let updated = update_target(text, &edit("lib\"q\".so", None)).unwrap();
        assert_eq!(updated.bindings[0].role, "rA");
        assert!(
            updated.text.contains(r#""libHash": "0123abcd""#),
            "{}",
            updated.text
        );
    }

    #[test]
    fn no_matching_binding_names_every_rust_binding() {
        let err = update_target(TARGET, &edit("libnone.so", None)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("loads a file named `libnone.so`"), "{text}");
        assert!(
            text.contains("role `mine` with libFile `/extensions/libmine.so`, role `other`"),
            "{text}"
        );
        assert!(text.contains("--role ROLE"), "{text}");
    }

    #[test]
    fn a_target_without_a_rust_binding_or_not_json_is_refused() {
        let err = update_target(r#"{"spec": {}}"#, &edit("l.so", None)).unwrap_err();
        assert_eq!(err, UpdateTargetError::NoRustBinding);
        let err = update_target("{\"spec\": ", &edit("l.so", None)).unwrap_err();
        assert!(matches!(err, UpdateTargetError::NotJson(_)), "{err}");
    }
}
