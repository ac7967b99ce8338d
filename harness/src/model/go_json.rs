//! Marshalling as Go's `encoding/json` does it, so the bytes a provider receives are the bytes
//! Symphony would send.
//!
//! `serde_json` already writes compact JSON with struct fields in declaration order and
//! `BTreeMap` keys sorted. What differs is string escaping: Go escapes `<`, `>` and `&` as
//! `\u003c`, `\u003e`, `\u0026`, and the line separators U+2028 and U+2029 as `\u2028`,
//! `\u2029`. Those characters can only occur inside JSON strings, so escaping them in the
//! output text is exact.

use serde::Serialize;
use serde_json::Value;

/// Serialises `value` to compact JSON exactly as Go's `json.Marshal` would.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    Ok(escape_like_go(&text))
}

/// A finite float64 as its shortest round-tripping decimal digits: the value is
/// `d1.d2d3… × 10^exponent` (Go's `strconv` and Rust's float formatting agree on the digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    /// The sign bit (so `-0` keeps its sign, as in Go).
    pub negative: bool,
    /// The significant digits, without leading or trailing zeros (`"0"` for zero).
    pub digits: String,
    /// The decimal exponent of the first digit.
    pub exponent: i32,
}

impl Decimal {
    /// The shortest decimal of `value` (finite; JSON has no NaN or infinity).
    pub fn of(value: f64) -> Decimal {
        let text = format!("{:e}", value.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text.as_str(), "0"));
        Decimal {
            negative: value.is_sign_negative(),
            digits: mantissa.replace('.', ""),
            exponent: exponent.parse().unwrap_or(0),
        }
    }

    fn sign(&self) -> &'static str {
        if self.negative {
            "-"
        } else {
            ""
        }
    }

    /// Fixed notation, as Go's `strconv.FormatFloat(f, 'f', -1, 64)`: `1e+06` is `1000000`.
    pub fn fixed(&self) -> String {
        let digits = self.digits.as_str();
        let mut out = String::from(self.sign());
        if self.exponent < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-self.exponent - 1) as usize));
            out.push_str(digits);
        } else {
            let int_len = self.exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        }
        out
    }

    /// Exponent notation, as Go's `'e'` format with the shortest precision: `1e+06`,
    /// `1.5e-07` (at least two exponent digits).
    pub fn scientific(&self) -> String {
        let mut out = String::from(self.sign());
        out.push_str(&self.digits[..1]);
        if self.digits.len() > 1 {
            out.push('.');
            out.push_str(&self.digits[1..]);
        }
        let sign = if self.exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", self.exponent.unsigned_abs()));
        out
    }
}

/// A float64 as Go's `encoding/json` writes it: fixed notation from 1e-6 up to 1e21,
/// exponent notation outside (`1e+21`, `1e-7`).
pub fn float(value: f64) -> String {
    let abs = value.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = Decimal::of(value).scientific();
        // Go cleans `e-07` up to `e-7` (but keeps `e+21`).
        match text.find("e-0") {
            Some(at) => format!("{}e-{}", &text[..at], &text[at + 3..]),
            None => text,
        }
    } else {
        Decimal::of(value).fixed()
    }
}

/// Marshals a value decoded from JSON the way Go marshals the `interface{}` it decoded:
/// numbers are float64 (`1.0` is `1`, `1e6` is `1000000`), object keys sorted, compact,
/// Go's escaping.
pub fn marshal_value(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Number(number) => out.push_str(&float(number.as_f64().unwrap_or(0.0))),
        Value::String(text) => {
            out.push_str(&escape_like_go(&Value::String(text.clone()).to_string()))
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&escape_like_go(&Value::String(key.clone()).to_string()));
                out.push(':');
                write_value(&map[key], out);
            }
            out.push('}');
        }
        Value::Null | Value::Bool(_) => out.push_str(&value.to_string()),
    }
}

/// The number Go holds after decoding JSON: a float64. Integral values below 2^63 become
/// integers (Go writes them without a fraction, so a provider reads them as integers), others
/// stay floats; integers above 2^53 lose their low bits, as in Go.
pub fn float64_number(number: &serde_json::Number) -> serde_json::Number {
    let value = number.as_f64().unwrap_or(0.0);
    if value.fract() == 0.0
        && value.abs() < 9.223_372_036_854_775e18
        && !(value == 0.0 && value.is_sign_negative())
    {
        serde_json::Number::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
    }
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
    fn json_floats_are_written_like_go() {
        let cases = [
            ("integral_float_has_no_fraction", 1.0, "1"),
            ("million_is_fixed", 1e6, "1000000"),
            ("half", 0.5, "0.5"),
            ("small_fixed_down_to_1e_6", 0.000001, "0.000001"),
            (
                "below_1e_6_is_exponent_without_leading_zero",
                1.5e-7,
                "1.5e-7",
            ),
            ("from_1e21_exponent_keeps_plus", 1e21, "1e+21"),
            ("negative_zero_keeps_sign", -0.0, "-0"),
            (
                "large_integer_rounds_to_float64",
                9007199254740993.0,
                "9007199254740992",
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(float(value), expected, "{name}");
        }
    }

    #[test]
    fn marshal_value_sorts_keys_and_writes_float64() {
        let value: Value =
            serde_json::from_str(r#"{ "b":1.0, "a":[2.50,"<x>"], "c":null }"#).unwrap();
        assert_eq!(
            marshal_value(&value),
            r#"{"a":[2.5,"\u003cx\u003e"],"b":1,"c":null}"#
        );
    }

    #[test]
    fn float64_numbers_become_integers_when_integral() {
        let n = |text: &str| float64_number(&serde_json::from_str(text).unwrap()).to_string();
        assert_eq!(n("2.0"), "2");
        assert_eq!(n("1e3"), "1000");
        assert_eq!(n("9007199254740993"), "9007199254740992");
        assert_eq!(n("0.25"), "0.25");
    }

    #[test]
    fn round_trips_through_a_json_parser() {
        let map: BTreeMap<&str, &str> = [("k", "<&>")].into_iter().collect();
        let text = to_string(&map).unwrap();
        let back: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back["k"], "<&>");
    }
}
