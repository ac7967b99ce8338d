//! Placeholder replacement: `@@key@@` in a template becomes the value of `key`. Nothing else
//! is special, so templates of Rust (`{}`), TOML, JSON and GitHub workflows (`${{ … }}`) are
//! written as they will read.

/// A template named `name` holds `@@key@@` for a key it was not given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template `{template}` has placeholder `@@{key}@@`, which has no value")]
pub struct TemplateError {
    /// The template's name.
    pub template: &'static str,
    /// The placeholder's key.
    pub key: String,
}

/// `text` with every `@@key@@` replaced by `values`' value for `key`. An `@@` without a
/// closing `@@` is kept as it is.
pub fn render(
    template: &'static str,
    text: &str,
    values: &[(&str, &str)],
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@@") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("@@") else {
            break;
        };
        let key = &after[..end];
        let value = values
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| *value)
            .ok_or_else(|| TemplateError {
                template,
                key: key.to_string(),
            })?;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `text` as a TOML basic string, quotes included.
pub fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` as lines of at most `width` characters, broken between words but never inside a
/// `code span` (a longer word or span stands on a line of its own), so a command in backticks
/// stays whole for copying.
pub fn wrap(text: &str, width: usize) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut in_code = false;
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if in_code => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            in_code = !in_code;
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_other_braces_kept() {
        let text = "name = \"@@name@@\" ${{ runner.temp }} format!(\"{x}\") @@name@@";
        assert_eq!(
            render("t", text, &[("name", "abc")]).unwrap(),
            "name = \"abc\" ${{ runner.temp }} format!(\"{x}\") abc"
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error_naming_it() {
        let err = render("Cargo.toml", "a @@missing@@ b", &[("name", "x")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "template `Cargo.toml` has placeholder `@@missing@@`, which has no value"
        );
    }

    #[test]
    fn an_unclosed_marker_is_text() {
        assert_eq!(render("t", "a @@ b", &[]).unwrap(), "a @@ b");
    }

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(toml_string(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
        assert_eq!(toml_string("a\u{1}"), "\"a\\u0001\"");
    }

    #[test]
    fn text_wraps_between_words_and_a_long_word_stands_alone() {
        assert_eq!(wrap("a bb ccc dddd", 6), "a bb\nccc\ndddd");
        assert_eq!(
            wrap("tiny x-very-long-word y", 5),
            "tiny\nx-very-long-word\ny"
        );
        assert_eq!(wrap("", 10), "");
        assert_eq!(wrap("run `a b c d` now", 6), "run\n`a b c d`\nnow");
    }
}
