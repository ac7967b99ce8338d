//! Marshalling as Go's `encoding/json` does it, so the bytes a provider receives are the bytes
//! Symphony would send.
//!
//! `serde_json` already writes compact JSON with struct fields in declaration order and
//! `BTreeMap` keys sorted. What differs is string escaping: Go escapes `<`, `>` and `&` as
//! `\u003c`, `\u003e`, `\u0026`, and the line separators U+2028 and U+2029 as `\u2028`,
//! `\u2029`. Those characters can only occur inside JSON strings, so escaping them in the
//! output text is exact.

use serde::Serialize;

/// Serialises `value` to compact JSON exactly as Go's `json.Marshal` would.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    Ok(escape_like_go(&text))
}

/// Applies Go's HTML-safe escaping to already serialised JSON text.
fn escape_like_go(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn map_keys_sorted_and_compact() {
        let map: BTreeMap<&str, &str> = [("name", "x"), ("libFile", "/a.so"), ("foo", "bar")]
            .into_iter()
            .collect();
        assert_eq!(
            to_string(&map).unwrap(),
            r#"{"foo":"bar","libFile":"/a.so","name":"x"}"#
        );
    }

    #[test]
    fn html_characters_escaped_like_go() {
        let map: BTreeMap<&str, &str> = [("q", "a<b>&c\u{2028}")].into_iter().collect();
        assert_eq!(
            to_string(&map).unwrap(),
            r#"{"q":"a\u003cb\u003e\u0026c\u2028"}"#
        );
    }

    #[test]
    fn round_trips_through_a_json_parser() {
        let map: BTreeMap<&str, &str> = [("k", "<&>")].into_iter().collect();
        let text = to_string(&map).unwrap();
        let back: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back["k"], "<&>");
    }
}
