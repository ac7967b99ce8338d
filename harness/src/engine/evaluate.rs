//! Evaluation of the desired components, as `EvaluateDeployment` (`utils/parser.go`) does it
//! before every reconcile, so `get` and `apply` see evaluated specs.
//!
//! - A string that parses as JSON is parsed and re-marshalled by Go: compact, keys sorted,
//!   numbers as float64 (`"1.0"` becomes `"1"`, `"{ \"b\":1, \"a\":2 }"` becomes
//!   `"{\"a\":2,\"b\":1}"`). Inside it, strings that are object values go through the
//!   expression parser; strings in arrays are left alone.
//! - Any other string goes through the expression parser: plain text is unchanged, and the
//!   empty string evaluates to nothing (a property becomes `null`; a metadata value, formatted
//!   with `%v`, becomes `"<nil>"`).
//! - `${{…}}` expressions are not evaluated by the harness: [`EngineError::UnsupportedExpression`].
//! - Objects and arrays in properties are evaluated element by element; numbers become
//!   float64 (see [`go_json::float64_number`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::EngineError;
use crate::model::{go_json, ComponentSpec, DeploymentSpec};

/// Where a string is being evaluated, for error messages.
struct Place<'a> {
    component: &'a str,
    field: &'static str,
    key: &'a str,
}

/// True when Go's parser would treat part of `text` as an expression: a `${{` closed by `}}`.
fn has_expression(text: &str) -> bool {
    text.find("${{")
        .is_some_and(|start| text[start + 3..].contains("}}"))
}

/// Go's `Parser.Eval` for text without expressions: the text, or nothing for `""`.
fn parse_text(text: &str, place: &Place<'_>) -> Result<Value, EngineError> {
    if has_expression(text) {
        return Err(EngineError::UnsupportedExpression {
            component: place.component.to_string(),
            field: place.field,
            key: place.key.to_string(),
            text: text.to_string(),
        });
    }
    Ok(if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_string())
    })
}

/// Go's `enumerateProperties` over a parsed JSON string.
fn enumerate(value: Value, place: &Place<'_>) -> Result<Value, EngineError> {
    Ok(match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(text) => parse_text(&text, place)?,
                        other => enumerate(other, place)?,
                    };
                    Ok((k, v))
                })
                .collect::<Result<_, EngineError>>()?,
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| enumerate(item, place))
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
}

/// Go's `evalProperties` for one string.
fn eval_string(text: &str, place: &Place<'_>) -> Result<Value, EngineError> {
    match serde_json::from_str::<Value>(text) {
        Ok(parsed) => Ok(Value::String(go_json::marshal_value(&enumerate(
            parsed, place,
        )?))),
        Err(_) => parse_text(text, place),
    }
}

/// Go's `evalProperties` for any property value.
fn eval_value(value: &Value, place: &Place<'_>) -> Result<Value, EngineError> {
    Ok(match value {
        Value::String(text) => eval_string(text, place)?,
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), eval_value(v, place)?)))
                .collect::<Result<_, EngineError>>()?,
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| eval_value(item, place))
                .collect::<Result<_, _>>()?,
        ),
        Value::Number(number) => Value::Number(go_json::float64_number(number)),
        other => other.clone(),
    })
}

/// Numbers as Go holds them after decoding JSON (float64), everywhere in a value.
pub fn as_float64(value: &Value) -> Value {
    match value {
        Value::Number(number) => Value::Number(go_json::float64_number(number)),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), as_float64(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(as_float64).collect()),
        other => other.clone(),
    }
}

/// Evaluates one component's metadata and properties.
pub fn evaluate_component(component: &ComponentSpec) -> Result<ComponentSpec, EngineError> {
    let mut out = component.clone();
    let mut metadata = BTreeMap::new();
    for (key, value) in &component.metadata {
        let place = Place {
            component: &component.name,
            field: "metadata",
            key,
        };
        // Go's FormatAsString: strings as they are, nothing as `%v` of nil.
        let text = match eval_string(value, &place)? {
            Value::String(text) => text,
            _ => "<nil>".to_string(),
        };
        metadata.insert(key.clone(), text);
    }
    out.metadata = metadata;
    let mut properties = BTreeMap::new();
    for (key, value) in &component.properties {
        let place = Place {
            component: &component.name,
            field: "properties",
            key,
        };
        properties.insert(key.clone(), eval_value(value, &place)?);
    }
    out.properties = properties;
    Ok(out)
}

/// Go's `EvaluateDeployment`: every solution component evaluated. A component evaluation
/// leaves as it is (no JSON text, no number Go would write otherwise) stays shared with the
/// given deployment rather than copied.
pub fn evaluate_deployment(deployment: &DeploymentSpec) -> Result<DeploymentSpec, EngineError> {
    let mut out = deployment.clone();
    if let Some(spec) = &mut out.solution.spec {
        for component in &mut spec.components {
            let evaluated = evaluate_component(component)?;
            if evaluated != **component {
                *component = Arc::new(evaluated);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval_property(value: Value) -> Result<Value, EngineError> {
        let component = ComponentSpec {
            name: "c".into(),
            properties: [("p".to_string(), value)].into_iter().collect(),
            ..ComponentSpec::default()
        };
        Ok(evaluate_component(&component)?.properties["p"].clone())
    }

    #[test]
    fn property_evaluation_table() {
        let cases = [
            (
                "json_number_string_is_recompacted",
                json!("1.0"),
                json!("1"),
            ),
            (
                "json_object_string_gets_sorted_keys",
                json!("{ \"b\":1, \"a\":2 }"),
                json!("{\"a\":2,\"b\":1}"),
            ),
            (
                "json_string_numbers_become_float64_text",
                json!("[1e6, 2.50]"),
                json!("[1000000,2.5]"),
            ),
            (
                "json_string_escapes_like_go",
                json!("{\"a\":\"<b>\"}"),
                json!("{\"a\":\"\\u003cb\\u003e\"}"),
            ),
            (
                "empty_string_inside_json_object_becomes_null",
                json!("{\"a\":\"\"}"),
                json!("{\"a\":null}"),
            ),
            (
                "strings_in_json_arrays_are_left_alone",
                json!("[\"\"]"),
                json!("[\"\"]"),
            ),
            (
                "plain_text_is_unchanged",
                json!("nginx:1.25"),
                json!("nginx:1.25"),
            ),
            ("json_true_string_stays_true", json!("true"), json!("true")),
            (
                "whitespace_around_json_is_dropped",
                json!(" 7 "),
                json!("7"),
            ),
            ("empty_string_property_becomes_null", json!(""), json!(null)),
            ("numbers_pass_through_as_float64", json!(2.0), json!(2)),
            ("bools_pass_through", json!(true), json!(true)),
            (
                "nested_object_strings_are_evaluated",
                json!({"a": {"b": "1.0"}}),
                json!({"a": {"b": "1"}}),
            ),
            (
                "strings_in_real_arrays_are_evaluated",
                json!(["2.0", "x"]),
                json!(["2", "x"]),
            ),
            (
                "unmatched_expression_opener_is_plain_text",
                json!("${{ oops"),
                json!("${{ oops"),
            ),
            (
                "closer_before_the_opener_is_plain_text",
                json!("a}} b ${{ c"),
                json!("a}} b ${{ c"),
            ),
        ];
        for (name, input, expected) in cases {
            assert_eq!(eval_property(input).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn expression_is_an_unsupported_expression_error_never_a_pass() {
        let err = eval_property(json!("${{$property(x)}}")).unwrap_err();
        assert!(
            matches!(err, EngineError::UnsupportedExpression { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("unsupported expression"), "{err}");
        let nested = eval_property(json!("{\"a\":\"${{$val()}}\"}")).unwrap_err();
        assert!(matches!(nested, EngineError::UnsupportedExpression { .. }));
    }

    #[test]
    fn metadata_is_evaluated_and_empty_becomes_nil_text() {
        let component = ComponentSpec {
            name: "c".into(),
            metadata: [
                ("v".to_string(), "1.0".to_string()),
                ("e".to_string(), String::new()),
            ]
            .into_iter()
            .collect(),
            ..ComponentSpec::default()
        };
        let evaluated = evaluate_component(&component).unwrap();
        assert_eq!(evaluated.metadata["v"], "1");
        assert_eq!(evaluated.metadata["e"], "<nil>");
    }
}

#[cfg(test)]
mod go_reference {
    //! Replays random components against Symphony's own `EvaluateDeployment`, recorded in
    //! `harness/tests/data/go-eval/` (see its README).

    use serde_json::Value;

    use super::evaluate_component;
    use crate::model::ComponentSpec;

    #[test]
    fn evaluation_matches_symphony_go_code_on_400_random_components() {
        let cases = include_str!("../../tests/data/go-eval/cases.jsonl");
        let expected = include_str!("../../tests/data/go-eval/expected.jsonl");
        let mut checked = 0;
        for (line, go) in cases.lines().zip(expected.lines()) {
            let component: ComponentSpec = serde_json::from_str(line).unwrap();
            let go: Value = serde_json::from_str(go).unwrap();
            let ours = serde_json::to_value(evaluate_component(&component).unwrap()).unwrap();
            assert_eq!(ours, go, "input {line}");
            checked += 1;
        }
        assert_eq!(checked, 400);
    }
}
