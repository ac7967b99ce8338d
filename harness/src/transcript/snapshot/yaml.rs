//! A JSON value as YAML, byte for byte as insta writes it (`assert_yaml_snapshot!`), so that
//! a snapshot written here and one written by insta compare equal.
//!
//! insta renders YAML with its own emitter (a copy of yaml-rust's, in insta's
//! `src/content/yaml/vendored/emitter.rs`): two-space indents, compact sequences of maps,
//! `~` for null, strings quoted (JSON escapes) only where YAML would read them as something
//! else, and, under `INSTA_YAML_BLOCK_STYLE=1`, multi-line strings as literal blocks. This
//! file follows its rules for the values JSON has; a test in `tests` compares the two on
//! generated values.

use std::fmt::Write as _;

use serde_json::Value;

/// `value` as insta's YAML, without the leading `---` line and with a final newline.
/// `literal_blocks`: multi-line strings as `|` blocks (`INSTA_YAML_BLOCK_STYLE=1`).
pub fn to_yaml(value: &Value, literal_blocks: bool) -> String {
    let mut emitter = Emitter {
        out: String::new(),
        level: -1,
        literal_blocks,
    };
    emitter.node(value);
    if !emitter.out.ends_with('\n') {
        emitter.out.push('\n');
    }
    emitter.out
}

struct Emitter {
    out: String,
    /// The nesting level; -1 outside the document's top value.
    level: isize,
    literal_blocks: bool,
}

impl Emitter {
    fn indent(&mut self) {
        for _ in 0..self.level.max(0) {
            self.out.push_str("  ");
        }
    }

    fn node(&mut self, value: &Value) {
        match value {
            Value::Null => self.out.push('~'),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            // insta writes every number with its `Display` text (an `f64` as Rust prints it).
            Value::Number(number) => match (number.as_u64(), number.as_i64(), number.as_f64()) {
                (Some(n), _, _) => self.write(n),
                (None, Some(n), _) => self.write(n),
                (None, None, Some(n)) => self.write(n),
                (None, None, None) => self.write(number),
            },
            Value::String(text) => self.scalar(text),
            Value::Array(items) => self.sequence(items),
            Value::Object(map) => self.mapping(map),
        }
    }

    fn write(&mut self, value: impl std::fmt::Display) {
        // Writing into a `String` cannot fail.
        let _ = write!(self.out, "{value}");
    }

    fn scalar(&mut self, text: &str) {
        if needs_quotes(text) {
            escape_into(&mut self.out, text);
        } else {
            self.out.push_str(text);
        }
    }

    fn sequence(&mut self, items: &[Value]) {
        if items.is_empty() {
            self.out.push_str("[]");
            return;
        }
        self.level += 1;
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.out.push('\n');
                self.indent();
            }
            self.out.push('-');
            self.value_after(true, item);
        }
        self.level -= 1;
    }

    fn mapping(&mut self, map: &serde_json::Map<String, Value>) {
        if map.is_empty() {
            self.out.push_str("{}");
            return;
        }
        self.level += 1;
        for (index, (key, value)) in map.iter().enumerate() {
            if index > 0 {
                self.out.push('\n');
                self.indent();
            }
            self.scalar(key);
            self.out.push(':');
            self.value_after(false, value);
        }
        self.level -= 1;
    }

    /// A value after `-` (`inline`) or after `key:`.
    fn value_after(&mut self, inline: bool, value: &Value) {
        let nested_empty = match value {
            Value::Array(items) => Some(items.is_empty()),
            Value::Object(map) => Some(map.is_empty()),
            _ => None,
        };
        match (value, nested_empty) {
            (_, Some(empty)) => {
                if inline || empty {
                    self.out.push(' ');
                } else {
                    self.out.push('\n');
                    self.level += 1;
                    self.indent();
                    self.level -= 1;
                }
                self.node(value);
            }
            (Value::String(text), _) if self.literal_blocks && text.contains('\n') => {
                self.literal_block(text)
            }
            _ => {
                self.out.push(' ');
                self.node(value);
            }
        }
    }

    /// `text` as a literal block: `|-`, `|` or `|+` by its trailing newlines, then each line
    /// indented.
    fn literal_block(&mut self, text: &str) {
        let content = text.trim_end_matches('\n');
        let trailing = text.len() - content.len();
        self.out.push_str(match trailing {
            0 => " |-\n",
            1 => " |\n",
            _ => " |+\n",
        });
        let indent = ((self.level + 1) * 2).max(2) as usize;
        for line in content.split('\n') {
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(line);
            self.out.push('\n');
        }
        for _ in 1..trailing.max(1) {
            self.out.push('\n');
        }
    }
}

/// Whether YAML would read `text`, unquoted, as something other than this string (insta's
/// `need_quotes`, rule for rule).
fn needs_quotes(text: &str) -> bool {
    const KEYWORDS: [&str; 22] = [
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    text.is_empty()
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@'])
        || text.contains(|c: char| {
            matches!(c, ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
                | '\0'..='\x06' | '\t' | '\n' | '\r' | '\x0e'..='\x1a' | '\x1c'..='\x1f')
        })
        || KEYWORDS.contains(&text)
        || text.starts_with('.')
        || text.starts_with("0x")
        || text.parse::<i64>().is_ok()
        || text.parse::<f64>().is_ok()
}

/// `text` in double quotes with JSON's escapes for `"`, `\` and the ASCII control characters.
fn escape_into(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\0'..='\x1f' | '\x7f' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use insta::_macro_support::{serialize_value, SerializationFormat};
    use proptest::prelude::*;
    use serde_json::json;

    /// What insta writes for `value` (its YAML without the `---` line).
    fn insta(value: &Value) -> String {
        serialize_value(value, SerializationFormat::Yaml)
    }

    #[test]
    fn nested_maps_and_sequences_indent_as_insta_does() {
        let value = json!({
            "scenario": "first-deploy",
            "steps": [{"action": "reconcile", "rounds": [{"calls": [], "n": 1}], "map": {}}],
            "empty": [],
            "nested": {"a": {"b": [1, -2, 2.5, null, true]}},
            "list of lists": [[1, 2], [], [{"x": "y"}]],
        });
        assert_eq!(to_yaml(&value, false), insta(&value));
    }

    #[test]
    fn strings_yaml_would_misread_are_quoted_with_json_escapes() {
        let texts = [
            "",
            " lead",
            "trail ",
            "-dash",
            "a: b",
            "yes",
            "No",
            "~",
            "null",
            "12",
            "1.5",
            "1e5",
            "inf",
            "NaN",
            ".hidden",
            "0x1f",
            "{}",
            "a#b",
            "quote\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "bell\x07",
            "esc\x1b",
            "del\x7f",
            "cr\r",
            "\u{1}",
            "plain words",
            "日本語",
            "[x]",
            "%v",
            "`code`",
            "it's",
        ];
        for text in texts {
            let mut map = serde_json::Map::new();
            map.insert(text.to_string(), json!(text));
            map.insert("list".to_string(), json!([text]));
            let value = Value::Object(map);
            assert_eq!(to_yaml(&value, false), insta(&value), "{text:?}");
        }
    }

    #[test]
    fn large_and_fractional_numbers_print_as_insta_prints_them() {
        let value = json!([0, u64::MAX, i64::MIN, 0.1, 1e300, -0.0, 1.0]);
        assert_eq!(to_yaml(&value, false), insta(&value));
    }

    #[test]
    fn literal_blocks_follow_insta_under_its_block_style() {
        let value = json!({"a": "one\ntwo", "b": ["x\n", "y\n\n\n"], "c": {"d": "p\nq"}});
        let ours = to_yaml(&value, true);
        assert!(ours.contains("a: |-\n  one\n  two\n"), "{ours}");
        assert!(ours.contains("- |+\n"), "{ours}");
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let text = || prop::string::string_regex("[ -~\t\n\x07\x1b\u{e9}:#-]{0,12}").unwrap();
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|n| json!(n)),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..5)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn any_json_value_renders_as_insta_renders_it(value in json_value()) {
            prop_assert_eq!(to_yaml(&value, false), insta(&value));
        }
    }
}
