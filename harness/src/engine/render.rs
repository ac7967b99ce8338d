//! Go's `%v` text of a value decoded from JSON: what Symphony compares properties by.
//!
//! Go decodes a provider's JSON into `interface{}` (numbers become float64, objects
//! `map[string]interface{}`, arrays `[]interface{}`) and `IsComponentChanged` compares
//! `fmt.Sprintf("%v", value)` texts. The JSON type is therefore lost: `1` equals `"1"`,
//! `{"a":1}` equals `"map[a:1]"` (`docs/change-detection.md`).

use serde_json::Value;

use crate::model::go_json::Decimal;

/// A float64 as `%v` prints it: the shortest `%g`, with exponent notation below 1e-4 and from
/// 1e+06 up (`1e+06`, `1.234567e+06`, `1e-05`).
pub fn go_float(value: f64) -> String {
    let decimal = Decimal::of(value);
    if value != 0.0 && (decimal.exponent < -4 || decimal.exponent >= 6) {
        decimal.scientific()
    } else {
        decimal.fixed()
    }
}

/// The `%v` text of a JSON value, as Go prints the `interface{}` it decoded: `<nil>`,
/// `true`, numbers as [`go_float`], strings unquoted, `[a b]`, `map[k:v …]` (keys sorted).
pub fn go_v(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&go_float(number.as_f64().unwrap_or(0.0))),
        Value::String(text) => out.push_str(text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write(&map[key], out);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> String {
        go_v(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn go_percent_v_table() {
        let cases = [
            ("go_percent_v_renders_small_integer", "2", "2"),
            ("go_percent_v_renders_fraction", "2.5", "2.5"),
            ("go_percent_v_renders_123456_fixed", "123456", "123456"),
            ("go_percent_v_renders_1e6", "1000000", "1e+06"),
            (
                "go_percent_v_renders_1234567_as_exponent",
                "1234567",
                "1.234567e+06",
            ),
            ("go_percent_v_renders_0_00001_as_1e_05", "0.00001", "1e-05"),
            ("go_percent_v_renders_0_0001_fixed", "0.0001", "0.0001"),
            ("go_percent_v_renders_float_one_as_1", "1.0", "1"),
            ("go_percent_v_renders_negative_zero", "-0.0", "-0"),
            ("go_percent_v_renders_1e100", "1e100", "1e+100"),
            (
                "go_percent_v_collapses_integers_above_2_pow_53",
                "9007199254740993",
                "9.007199254740992e+15",
            ),
            ("go_percent_v_renders_null_as_nil", "null", "<nil>"),
            ("go_percent_v_renders_bools", "[true,false]", "[true false]"),
            ("go_percent_v_renders_strings_unquoted", r#""a b""#, "a b"),
            (
                "go_percent_v_renders_arrays_with_spaces",
                r#"["a b","c"]"#,
                "[a b c]",
            ),
            (
                "go_percent_v_renders_maps_with_sorted_keys",
                r#"{"b":1,"a":"x"}"#,
                "map[a:x b:1]",
            ),
            (
                "go_percent_v_sorts_uppercase_before_lowercase",
                r#"{"a":2,"B":1}"#,
                "map[B:1 a:2]",
            ),
            (
                "go_percent_v_renders_nested_nil",
                r#"{"a":null,"b":[null]}"#,
                "map[a:<nil> b:[<nil>]]",
            ),
            (
                "go_percent_v_renders_empty_containers",
                r#"[{},[]]"#,
                "[map[] []]",
            ),
        ];
        for (name, json, expected) in cases {
            assert_eq!(v(json), expected, "{name}");
        }
    }

    #[test]
    fn go_percent_v_text_collisions_are_equal() {
        assert_eq!(v(r#"["a b","c"]"#), v(r#"["a","b c"]"#));
        assert_eq!(v(r#"{"a":1}"#), v(r#""map[a:1]""#));
        assert_eq!(v("null"), v(r#""<nil>""#));
        assert_ne!(v("-0.0"), v("0"));
        assert_ne!(v("1000000"), v(r#""1000000""#));
        assert_eq!(v("1000000"), v(r#""1e+06""#));
    }
}

#[cfg(test)]
mod go_reference {
    //! Differential check against Go's own output, recorded in
    //! `harness/tests/data/go-fmt/` (see its README).

    use super::go_v;
    use crate::model::go_json;
    use serde_json::Value;

    #[test]
    fn renderings_match_go_recorded_output() {
        let inputs = include_str!("../../tests/data/go-fmt/inputs.txt");
        let expected = include_str!("../../tests/data/go-fmt/expected.tsv");
        let mut checked = 0;
        for (input, line) in inputs.lines().zip(expected.lines()) {
            let mut fields = line.split('\t');
            let (percent_v, marshal, fixed) = (fields.next(), fields.next(), fields.next());
            let value: Value = serde_json::from_str(input).unwrap();
            assert_eq!(Some(go_v(&value).as_str()), percent_v, "%v of {input}");
            assert_eq!(
                Some(go_json::marshal_value(&value).as_str()),
                marshal,
                "json.Marshal of {input}"
            );
            if let Some(number) = value.as_f64() {
                let decimal = go_json::Decimal::of(number);
                assert_eq!(
                    Some(decimal.fixed().as_str()),
                    fixed,
                    "FormatFloat 'f' of {input}"
                );
            }
            checked += 1;
        }
        assert_eq!(checked, inputs.lines().count(), "one Go line per input");
        assert!(checked >= 40);
    }
}
