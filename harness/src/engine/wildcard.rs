//! The two wildcard matchers Symphony uses.
//!
//! - Change detection (`model/validationrule.go: detectChanges`): the entry name is
//!   `regexp.QuoteMeta`-quoted, each `\*` becomes `.*`, and the pattern is anchored `^…$`.
//!   Every other character is literal, and Go's `.` does not match `\n`. So a `\n` in the key
//!   can only be matched by a `\n` in the name, the n-th by the n-th: [`Pattern`] matches line
//!   by line, each line a glob whose `*`s match any text. A glob is matched by finding its
//!   literal parts in order, each at its leftmost place (`memchr::memmem`), which leaves the
//!   most room for the parts after it: linear in the key and the name, where a backtracking
//!   matcher takes exponential time on names such as `*a*a*a*a*b` against a long key of `a`s
//!   (issue 21). [`Pattern::steps`] is the bound the engine budgets with.
//! - Target names and selectors (`utils/utils.go: matchString`): when the text holds `*` or
//!   `%`, `*` becomes `.*` and `%` becomes `.`, and the result is compiled as a Go regular
//!   expression (`regexp.MustCompile`, RE2 syntax) and matched *unanchored*. The `regex`
//!   crate implements the same RE2 syntax, also in linear time; a pattern that does not
//!   compile makes Go panic.

use memchr::memmem::Finder;

/// One line of a change-detection entry name: literal parts with a `*` between each two.
#[derive(Debug, Clone)]
struct Glob {
    /// The literal parts, split at `*`: one more than the stars (empty parts included).
    parts: Vec<Finder<'static>>,
}

impl Glob {
    fn new(line: &str) -> Glob {
        Glob {
            parts: line
                .split('*')
                .map(|part| Finder::new(part.as_bytes()).into_owned())
                .collect(),
        }
    }

    /// Does the whole of `text` (a line: no `\n`) match?
    fn matches(&self, text: &[u8]) -> bool {
        let (Some(first), Some(last)) = (self.parts.first(), self.parts.last()) else {
            return text.is_empty();
        };
        if self.parts.len() == 1 {
            return text == first.needle();
        }
        let (first, last) = (first.needle(), last.needle());
        if text.len() < first.len() + last.len()
            || !text.starts_with(first)
            || !text.ends_with(last)
        {
            return false;
        }
        let mut rest = &text[first.len()..text.len() - last.len()];
        for part in &self.parts[1..self.parts.len() - 1] {
            match part.find(rest) {
                Some(at) => rest = &rest[at + part.needle().len()..],
                None => return false,
            }
        }
        true
    }
}

/// A change-detection entry name, ready to match keys (the whole key, as Go anchors it).
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The name's lines, split at `\n`.
    lines: Vec<Glob>,
    /// The name's length in bytes.
    len: usize,
}

impl Pattern {
    /// A change-detection entry name: `*` matches any text (not `\n`), anchored.
    pub fn change_detection(name: &str) -> Pattern {
        Pattern {
            lines: name.split('\n').map(Glob::new).collect(),
            len: name.len(),
        }
    }

    /// A bound on the work [`Pattern::matches`] does for `key`, in steps of about a byte's
    /// scan: one per byte of the key and of the name, and [`Pattern::STEPS_PER_MATCH`].
    pub fn steps(&self, key: &str) -> u64 {
        let bytes = key.len().saturating_add(self.len);
        u64::try_from(bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(Pattern::STEPS_PER_MATCH)
    }

    /// What one match costs besides its bytes, in steps (measured in
    /// `benches/change_detection.rs`: many short keys cost this per key).
    pub const STEPS_PER_MATCH: u64 = 64;

    /// Does `text` match (the whole of it)? Linear in `text` and the name.
    pub fn matches(&self, text: &str) -> bool {
        if let [glob] = self.lines.as_slice() {
            return glob.matches(text.as_bytes()) && !text.contains('\n');
        }
        let mut lines = text.split('\n');
        for glob in &self.lines {
            match lines.next() {
                Some(line) if glob.matches(line.as_bytes()) => {}
                _ => return false,
            }
        }
        lines.next().is_none()
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
    fn more_change_detection_patterns() {
        let cases = [
            ("double_star_is_one_star", "a**b", "axyb", true),
            ("newlines_must_pair_up", "a\n*\n*", "a\nb\nc", true),
            ("a_key_with_more_lines_misses", "a\n*", "a\nb\nc", false),
            ("a_key_with_fewer_lines_misses", "a\n*\n*", "a\nb", false),
            ("each_line_is_anchored", "*a\nb*", "xa\nby", true),
            ("a_line_must_match_whole", "*a\nb", "xa\nby", false),
            ("stars_only_match_empty_key", "***", "", true),
            ("empty_name_matches_only_empty_key", "", "", true),
            ("empty_name_refuses_a_key", "", "a", false),
            ("trailing_literal_must_end_the_key", "*b", "bab", true),
            ("trailing_literal_refuses_a_longer_key", "*b", "ba", false),
            ("newline_matched_literally", "a\n*", "a\nbc", true),
            ("star_stops_at_newline_in_the_middle", "a*c", "ab\nc", false),
            (
                "unicode_literal_and_star",
                "k\u{e4}*e",
                "k\u{e4}s\u{e4}e",
                true,
            ),
            ("overlapping_repeats", "*aab", "aaab", true),
            ("prefix_and_suffix_may_not_overlap", "ab*ba", "aba", false),
            ("middle_parts_in_order", "*b*a*", "ab", false),
            ("middle_parts_leftmost", "*ab*b", "abab", true),
        ];
        for (name, pattern, key, expected) in cases {
            assert_eq!(
                Pattern::change_detection(pattern).matches(key),
                expected,
                "{name}"
            );
        }
    }

    /// The issue-21 pattern: a backtracking matcher never finished on it. The answer must be
    /// right; the time is measured in `benches/change_detection.rs`.
    #[test]
    fn twelve_star_pattern_against_a_10000_character_key_answers() {
        let pattern = Pattern::change_detection(&format!("{}b", "*a".repeat(12)));
        let only_a = "a".repeat(10_000);
        assert!(!pattern.matches(&only_a));
        assert!(pattern.matches(&format!("{only_a}b")));
        assert_eq!(
            pattern.steps(&only_a),
            10_000 + 25 + Pattern::STEPS_PER_MATCH
        );
    }

    /// Go's construction, with the `regex` crate (RE2 syntax, as Go's `regexp`) as the oracle:
    /// `^` + `QuoteMeta(name)` with `\*` as `.*` + `$`.
    fn go_regexp(name: &str) -> regex::Regex {
        let quoted: Vec<String> = name.split('*').map(regex::escape).collect();
        regex::Regex::new(&format!("^{}$", quoted.join(".*"))).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn matches_what_gos_regexp_matches(
            name in "[ab*.\n\u{e4}]{0,10}",
            key in "[ab.\n\u{e4}]{0,14}",
        ) {
            proptest::prop_assert_eq!(
                Pattern::change_detection(&name).matches(&key),
                go_regexp(&name).is_match(&key),
                "name {:?} key {:?}", name, key
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
