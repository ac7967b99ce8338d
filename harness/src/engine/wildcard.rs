//! The two wildcard matchers Symphony uses, without a regex engine.
//!
//! - Change detection (`model/validationrule.go: detectChanges`): the entry name is
//!   `regexp.QuoteMeta`-quoted, each `\*` becomes `.*`, and the pattern is anchored `^…$`.
//!   Every other character is literal. Go's `.` does not match `\n`.
//! - Target names and selectors (`utils/utils.go: matchString`): when the text holds `*` or
//!   `%`, `*` becomes `.*` and `%` becomes `.`, and the result is an *unanchored* regular
//!   expression. Only the regex syntax that target names use in practice is supported here:
//!   literals and `.`; any other regex metacharacter is reported as unsupported.

/// One piece of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// `.*`: any run of characters except `\n`.
    AnyRun,
    /// `.`: one character except `\n`.
    AnyOne,
    /// A literal character.
    Literal(char),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
    anchored: bool,
}

impl Pattern {
    /// A change-detection entry name: `*` matches any text (not `\n`), anchored.
    pub fn change_detection(name: &str) -> Pattern {
        Pattern {
            pieces: name
                .chars()
                .map(|c| {
                    if c == '*' {
                        Piece::AnyRun
                    } else {
                        Piece::Literal(c)
                    }
                })
                .collect(),
            anchored: true,
        }
    }

    /// A target name or selector value as `matchString` reads it; `Err` names a regex
    /// metacharacter the harness does not interpret.
    pub fn match_string(text: &str) -> Result<Pattern, char> {
        let mut pieces = Vec::new();
        for c in text.chars() {
            pieces.push(match c {
                '*' => Piece::AnyRun,
                '%' | '.' => Piece::AnyOne,
                '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | '$' | '|' | '\\' => {
                    return Err(c)
                }
                other => Piece::Literal(other),
            });
        }
        Ok(Pattern {
            pieces,
            anchored: false,
        })
    }

    /// Does `text` match (anywhere in it, for an unanchored pattern)?
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        if self.anchored {
            return match_here(&self.pieces, &chars, true);
        }
        (0..=chars.len()).any(|start| match_here(&self.pieces, &chars[start..], false))
    }
}

/// Matches `pieces` at the start of `text`; with `to_end`, the match must consume `text`.
fn match_here(pieces: &[Piece], text: &[char], to_end: bool) -> bool {
    match pieces.split_first() {
        None => !to_end || text.is_empty(),
        Some((Piece::AnyRun, rest)) => {
            let mut i = 0;
            loop {
                if match_here(rest, &text[i..], to_end) {
                    return true;
                }
                if i == text.len() || text[i] == '\n' {
                    return false;
                }
                i += 1;
            }
        }
        Some((Piece::AnyOne, rest)) => {
            matches!(text.first(), Some(c) if *c != '\n') && match_here(rest, &text[1..], to_end)
        }
        Some((Piece::Literal(l), rest)) => {
            text.first() == Some(l) && match_here(rest, &text[1..], to_end)
        }
    }
}

/// Go's `matchString(src, target)`: exact equality unless `src` holds `*` or `%`.
pub fn match_string(src: &str, target: &str) -> Result<bool, char> {
    if src.contains('*') || src.contains('%') {
        Ok(Pattern::match_string(src)?.matches(target))
    } else {
        Ok(src == target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_detection_patterns() {
        let cases = [
            ("star_matches_every_key", "*", "anything", true),
            ("star_matches_empty_key", "*", "", true),
            ("prefix_star_matches_prefix", "env.*", "env.PATH", true),
            (
                "prefix_star_needs_the_dot_literally",
                "env.*",
                "envXPATH",
                false,
            ),
            (
                "pattern_is_anchored_at_the_start",
                "env.*",
                "my.env.x",
                false,
            ),
            ("middle_star", "a*z", "abcz", true),
            ("regex_metacharacters_are_literal", "a+(b)*", "a+(b)c", true),
            ("star_does_not_match_newline_in_key", "*", "a\nb", false),
        ];
        for (name, pattern, key, expected) in cases {
            assert_eq!(
                Pattern::change_detection(pattern).matches(key),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn match_string_table() {
        let cases = [
            ("plain_name_is_exact", "edge", "edge-1", Ok(false)),
            ("star_is_unanchored_prefix", "edge*", "edge-1", Ok(true)),
            (
                "star_is_unanchored_anywhere",
                "edge*",
                "my-edge-1",
                Ok(true),
            ),
            ("percent_is_one_character", "edge-%", "edge-1", Ok(true)),
            ("regex_syntax_is_refused", "edge-[0-9]*", "edge-1", Err('[')),
        ];
        for (name, src, target, expected) in cases {
            assert_eq!(match_string(src, target), expected, "{name}");
        }
    }
}
