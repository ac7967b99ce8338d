//! [`Redactions`]: the volatile text of a run (its scratch folder, the library's path,
//! process ids, a panic's thread id and backtrace) replaced by named placeholders, so that
//! two runs of the same scenario give the same bytes.

use serde_json::Value;

/// Volatile text replaced in a transcript, longest first, so that two runs compare equal.
#[derive(Debug, Clone, Default)]
pub struct Redactions {
    replacements: Vec<(String, String)>,
}

impl Redactions {
    /// No redactions.
    pub fn new() -> Redactions {
        Redactions::default()
    }

    /// Replaces every occurrence of `text` by `[label]`.
    pub fn replace(mut self, text: impl Into<String>, label: &str) -> Redactions {
        let text = text.into();
        if !text.is_empty() {
            self.replacements.push((text, format!("[{label}]")));
            self.replacements
                .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        self
    }

    /// Adds every replacement of `other`.
    pub fn extend(&mut self, other: &Redactions) {
        for (text, label) in &other.replacements {
            self.replacements.push((text.clone(), label.clone()));
        }
        self.replacements
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    }

    /// `value` with every string (and map key) redacted, process ids (`pid 1234`) replaced by
    /// `pid [pid]`, and a Rust panic's thread id and backtrace note replaced
    /// ([`redact_panics`]).
    pub fn apply(&self, value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(&text)),
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, v)| (self.text(&key), self.apply(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    /// `text` redacted.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.replacements {
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        redact_panics(&redact_pids(&out))
    }
}

/// What a Rust panic prints that differs from run to run or with the environment: the thread
/// id in `thread 'main' (1234) panicked` becomes `([tid])`, and the backtrace, or the note
/// saying how to get one (which of the two depends on `RUST_BACKTRACE`), becomes
/// `[backtrace]`.
fn redact_panics(text: &str) -> String {
    if !text.contains("thread '") {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    let mut in_backtrace = false;
    for line in text.split('\n') {
        if in_backtrace {
            if line.starts_with(' ') {
                continue;
            }
            in_backtrace = false;
            if line.starts_with("note: Some details are omitted") {
                continue;
            }
        }
        if line == "stack backtrace:" {
            in_backtrace = true;
            out.push("[backtrace]".to_string());
        } else if line.starts_with("note: run with `RUST_BACKTRACE=1`") {
            out.push("[backtrace]".to_string());
        } else {
            out.push(redact_thread_id(line));
        }
    }
    out.join("\n")
}

/// `thread 'name' (1234) panicked` → `thread 'name' ([tid]) panicked`.
fn redact_thread_id(line: &str) -> String {
    let Some(start) = line.find("thread '") else {
        return line.to_string();
    };
    let after_name = line[start + 8..].find("' (").map(|at| start + 8 + at + 3);
    let Some(open) = after_name else {
        return line.to_string();
    };
    let digits = line[open..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !line[open + digits..].starts_with(") panicked") {
        return line.to_string();
    }
    format!("{}[tid]{}", &line[..open], &line[open + digits..])
}

/// `pid 1234` → `pid [pid]` (process ids differ from run to run).
fn redact_pids(text: &str) -> String {
    if !text.contains("pid ") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("pid ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("[pid]");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redactions_replace_the_longest_text_first_and_pids() {
        let redactions = Redactions::new()
            .replace("/tmp/run", "scratch")
            .replace("/tmp/run/lib.so", "library");
        let value = json!({"a": "loaded /tmp/run/lib.so in pid 42", "/tmp/run/x": ["pid x", 3]});
        assert_eq!(
            redactions.apply(value),
            json!({"a": "loaded [library] in pid [pid]", "[scratch]/x": ["pid x", 3]})
        );
    }

    #[test]
    fn a_panics_thread_id_and_backtrace_are_redacted_whatever_rust_backtrace_says() {
        let without = "\nthread '<unnamed>' (1894) panicked at src/p.rs:2:3:\nboom\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let with = "\nthread '<unnamed>' (32574) panicked at src/p.rs:2:3:\nboom\n\
            stack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /rustc/x/panicking.rs:689:5\n\
            note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let full = "\nthread '<unnamed>' (7) panicked at src/p.rs:2:3:\nboom\n\
            stack backtrace:\n   0: __rustc::rust_begin_unwind\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let expected =
            "\nthread '<unnamed>' ([tid]) panicked at src/p.rs:2:3:\nboom\n[backtrace]\n\
            fatal runtime error: Rust cannot catch foreign exceptions, aborting\n";
        let redactions = Redactions::new();
        for text in [without, with, full] {
            assert_eq!(redactions.text(text), expected, "{text}");
        }
        let untouched = "thread 'main' (x) panicked; thread ' (12) done";
        assert_eq!(redactions.text(untouched), untouched);
    }
}
