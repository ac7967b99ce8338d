//! The two wildcard matchers Symphony uses.
//!
//! - Change detection (`model/validationrule.go: detectChanges`): the entry name is
//!   `regexp.QuoteMeta`-quoted, each `\*` becomes `.*`, and the pattern is anchored `^…$`.
//!   Every other character is literal, so a small matcher here does it without compiling a
//!   regular expression per key. Go's `.` does not match `\n`.
//! - Target names and selectors (`utils/utils.go: matchString`): when the text holds `*` or
//!   `%`, `*` becomes `.*` and `%` becomes `.`, and the result is compiled as a Go regular
//!   expression (`regexp.MustCompile`, RE2 syntax) and matched *unanchored*. The `regex`
//!   crate implements the same RE2 syntax; a pattern that does not compile makes Go panic.

/// One piece of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// `.*`: any run of characters except `\n`.
    AnyRun,
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

    /// Does `text` match (the whole of it)?
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_here(&self.pieces, &chars, self.anchored)
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
        Some((Piece::Literal(l), rest)) => {
            text.first() == Some(l) && match_here(rest, &text[1..], to_end)
        }
    }
}

/// Go's `matchString(src, target)`: exact equality unless `src` holds `*` or `%`; then `*`
/// becomes `.*`, `%` becomes `.`, and the result is a regular expression matched anywhere in
/// `target`. `Err` is the compile error of a pattern Go's `regexp.MustCompile` panics on.
pub fn match_string(src: &str, target: &str) -> Result<bool, String> {
    if src.contains('*') || src.contains('%') {
        let pattern = src.replace('*', ".*").replace('%', ".");
        let regex = regex::Regex::new(&pattern).map_err(|err| err.to_string())?;
        Ok(regex.is_match(target))
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
            ("percent_needs_a_character", "edge-%", "edge-", Ok(false)),
            ("class_and_star", "edge-[0-9]*", "edge-1", Ok(true)),
            (
                "star_after_a_class_is_dot_star",
                "edge-[0-9]*",
                "edge-x",
                Ok(false),
            ),
            (
                "anchored_by_the_author",
                "^edge-[0-9]+$*",
                "edge-12",
                Ok(true),
            ),
            ("anchor_refuses_a_prefix", "^edge*", "my-edge", Ok(false)),
            ("alternation", "(eu|us)-edge-%", "us-edge-7", Ok(true)),
            (
                "alternation_misses",
                "(eu|us)-edge-%",
                "ap-edge-7",
                Ok(false),
            ),
            ("dot_is_any_character", "edge.1*", "edgeX1", Ok(true)),
            ("dot_does_not_match_newline", "a.b*", "a\nb", Ok(false)),
            ("unicode_names", "k\u{e4}se-*", "k\u{e4}se-1", Ok(true)),
        ];
        for (name, src, target, expected) in cases {
            assert_eq!(match_string(src, target), expected, "{name}");
        }
        let broken = match_string("edge-[0-9*", "edge-1");
        assert!(broken.is_err(), "Go's MustCompile panics: {broken:?}");
    }
}
