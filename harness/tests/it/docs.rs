//! The repository stands alone: every relative link in `README.md` and `docs/**/*.md`, and
//! every `docs/…` path the code names (comments and `--help` texts), is a file or directory of
//! this repository; a link's `#heading` into Markdown names a heading that exists. The README
//! stays a front door (at most 250 lines); the reference lives in `docs/`, whose index links
//! every page, and `docs/commands/` has a page for every command.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::support::{harness, workspace_root};

/// A link that does not resolve.
#[derive(Debug, PartialEq, Eq)]
struct BrokenLink {
    /// 1-based line of the Markdown text.
    line: usize,
    /// The link target as written.
    target: String,
    /// Why it does not resolve.
    reason: &'static str,
}

/// The link targets of a Markdown text with their 1-based lines: inline links `[text](target)`
/// (an optional `"title"` and `<…>` dropped) and reference definitions `[label]: target`.
/// Fenced code blocks and inline code spans are not Markdown links and are skipped.
fn link_targets(markdown: &str) -> Vec<(usize, String)> {
    let mut targets = Vec::new();
    let mut in_fence = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let line_number = index + 1;
        let text = without_code_spans(line);
        if let Some(target) = reference_definition(&text) {
            targets.push((line_number, target));
        }
        let mut rest = text.as_str();
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let raw = after[..end].trim();
            let target = raw.split_whitespace().next().unwrap_or("");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            targets.push((line_number, target.to_string()));
            rest = &after[end + 1..];
        }
    }
    targets
}

/// `line` with every `` `code span` `` removed (a link's text may hold one; its target never).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

/// The target of a reference definition line, `[label]: target`.
fn reference_definition(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix('[')?;
    let (label, after) = rest.split_once("]:")?;
    if label.is_empty() || label.contains(['[', ']']) {
        return None;
    }
    after.split_whitespace().next().map(str::to_string)
}

/// Checks every relative link of `markdown`, a file in directory `dir`, against the file
/// system: its target (without `#fragment`) must exist and stay inside `root`, and a
/// fragment into a Markdown file (`other.md#heading`, or `#heading` in this text) must name
/// one of its headings. Links with a scheme (`https:`, `http:`, `mailto:`) are not checked.
fn broken_links(markdown: &str, dir: &Path, root: &Path) -> Vec<BrokenLink> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut broken = Vec::new();
    for (line, target) in link_targets(markdown) {
        if ["http://", "https://", "mailto:"]
            .iter()
            .any(|scheme| target.starts_with(scheme))
        {
            continue;
        }
        let (path, fragment) = target.split_once('#').unwrap_or((target.as_str(), ""));
        let reason = if path.is_empty() && fragment.is_empty() {
            Some("empty link")
        } else if path.is_empty() {
            (!heading_anchors(markdown).iter().any(|a| a == fragment)).then_some("no such heading")
        } else if path.starts_with('/') {
            Some("absolute path: not inside the repository in a clone")
        } else if escapes(&dir.join(path), &root) {
            Some("outside the repository")
        } else {
            match dir.join(path).canonicalize() {
                Err(_) => Some("no such file or directory"),
                Ok(resolved) if !resolved.starts_with(&root) => Some("outside the repository"),
                Ok(resolved)
                    if !fragment.is_empty()
                        && resolved.extension().is_some_and(|ext| ext == "md") =>
                {
                    let text = std::fs::read_to_string(&resolved).unwrap_or_default();
                    (!heading_anchors(&text).iter().any(|a| a == fragment))
                        .then_some("no such heading")
                }
                Ok(_) => None,
            }
        };
        if let Some(reason) = reason {
            broken.push(BrokenLink {
                line,
                target,
                reason,
            });
        }
    }
    broken
}

/// Whether `path`, with its `.` and `..` parts resolved as written (no file system), leaves
/// `root`: a link that climbs out is outside the repository wherever the clone lies, whether
/// or not something happens to exist where it lands. Both paths are canonical directories
/// joined with the link as written.
fn escapes(path: &Path, root: &Path) -> bool {
    use std::path::Component;
    let mut resolved = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    !resolved.starts_with(root)
}

/// The anchors GitHub gives a Markdown text's headings (outside code fences): the heading
/// lowercased, every character but letters, digits, `-`, `_` and spaces dropped, spaces
/// turned into `-`; a repeated anchor gets `-1`, `-2`, ….
fn heading_anchors(markdown: &str) -> Vec<String> {
    let mut anchors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        let Some(heading) = trimmed.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if in_fence || !(heading.is_empty() || heading.starts_with(' ')) {
            continue;
        }
        let slug: String = heading
            .trim()
            .trim_end_matches('#')
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let repeats = seen.entry(slug.clone()).or_insert(0);
        anchors.push(if *repeats == 0 {
            slug
        } else {
            format!("{slug}-{repeats}")
        });
        *repeats += 1;
    }
    anchors
}

/// `README.md` and every `.md` file under `docs/`, sorted.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|err| panic!("cannot list `{}`: {err}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves_inside_the_repository() {
    let root = workspace_root();
    let files = markdown_files(&root);
    for required in [
        "loading",
        "reconcile",
        "change-detection",
        "abi",
        "outcomes",
        "exit-codes",
        "json-output",
        "isolation",
        "simulator",
        "ci",
        "layout",
        "commands/README",
    ] {
        assert!(
            files.contains(&root.join("docs").join(format!("{required}.md"))),
            "docs/{required}.md is missing"
        );
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|err| panic!("cannot read `{}`: {err}", file.display()));
        checked += link_targets(&text).len();
        let dir = file.parent().expect("a file has a directory");
        for link in broken_links(&text, dir, &root) {
            problems.push(format!(
                "{}:{}: `{}`: {}",
                file.strip_prefix(&root).unwrap_or(file).display(),
                link.line,
                link.target,
                link.reason
            ));
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser broken?"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

/// The most lines `README.md` may have: what the harness is, run, install, test, start a
/// provider, CI, the test API and links; the usage reference lives in `docs/`.
const README_MAX_LINES: usize = 250;

#[test]
fn the_readme_is_a_front_door_of_at_most_250_lines() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move reference text to docs/ \
         and link it"
    );
    for section in [
        "## Run it",
        "## Install",
        "## Test it",
        "## Start a provider",
        "## Use in CI",
        "## Test API",
        "## Documentation",
    ] {
        assert!(
            readme.lines().any(|line| line == section),
            "README.md lacks `{section}`"
        );
    }
}

#[test]
fn the_docs_index_links_every_page_under_docs() {
    let root = workspace_root();
    let docs = root.join("docs");
    let index = std::fs::read_to_string(docs.join("README.md")).expect("docs/README.md");
    let linked: Vec<PathBuf> = link_targets(&index)
        .into_iter()
        .filter_map(|(_, target)| {
            let path = target.split('#').next().unwrap_or_default();
            docs.join(path).canonicalize().ok()
        })
        .collect();
    let unlinked: Vec<String> = markdown_files(&root)
        .into_iter()
        .filter(|file| file.starts_with(&docs) && *file != docs.join("README.md"))
        .filter(|file| !file.canonicalize().is_ok_and(|file| linked.contains(&file)))
        .map(|file| {
            file.strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        unlinked.is_empty(),
        "docs/README.md does not link: {}",
        unlinked.join(", ")
    );
}

/// The commands `symphony-harness --help` lists (but `help`).
fn commands_of_help(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_commands_index_has_a_row_with_a_page_for_every_command() {
    let run = harness(&["--help"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let commands = commands_of_help(&run.stdout);
    assert!(
        commands.len() >= 14 && commands.contains(&"check".to_string()),
        "commands not found in `--help`: {commands:?}\n{}",
        run.stdout
    );
    let index = std::fs::read_to_string(workspace_root().join("docs/commands/README.md"))
        .expect("docs/commands/README.md");
    for command in &commands {
        let row = index
            .lines()
            .find(|line| line.starts_with(&format!("| `{command}` |")))
            .unwrap_or_else(|| panic!("docs/commands/README.md has no row for `{command}`"));
        assert!(
            row.contains(".md"),
            "the row of `{command}` links no page: {row}"
        );
    }
}

#[test]
fn commands_are_read_from_help_without_continuation_lines() {
    let help = "\
Usage: x <COMMAND>

Commands:
  check        Check a provider library against everything Symphony would trip over, before
               deploying it
  sim          Locate it
  help         Print this message

Options:
  -h, --help
";
    assert_eq!(commands_of_help(help), ["check", "sim"]);
}

#[test]
fn a_broken_link_is_reported_with_its_line_and_reason_and_good_ones_are_not() {
    let root = workspace_root();
    let text = "\
# Made up
See [the docs](docs/README.md), [loading](docs/loading.md \"title\") and
[upstream](https://github.com/eclipse-symphony/symphony), [here](#made-up), [dry](docs/reconcile.md#dry-run).
A [typo](docs/reconcil.md#skip) and [escape](../../etc/passwd) and [abs](/etc/hosts).
[No heading](docs/reconcile.md#dry-runs), [nor here](#made-down).
`[not a link](nowhere.md)` in code.

```text
[also not a link](nowhere.md)
```

[ref]: docs/missing.md
";
    let broken = broken_links(text, &root, &root);
    assert_eq!(
        broken,
        vec![
            BrokenLink {
                line: 4,
                target: "docs/reconcil.md#skip".into(),
                reason: "no such file or directory",
            },
            BrokenLink {
                line: 4,
                target: "../../etc/passwd".into(),
                reason: "outside the repository",
            },
            BrokenLink {
                line: 4,
                target: "/etc/hosts".into(),
                reason: "absolute path: not inside the repository in a clone",
            },
            BrokenLink {
                line: 5,
                target: "docs/reconcile.md#dry-runs".into(),
                reason: "no such heading",
            },
            BrokenLink {
                line: 5,
                target: "#made-down".into(),
                reason: "no such heading",
            },
            BrokenLink {
                line: 12,
                target: "docs/missing.md".into(),
                reason: "no such file or directory",
            },
        ]
    );
}

#[test]
fn every_docs_path_the_code_names_exists() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut named = 0;
    let mut dirs = vec![root.join("harness/src"), root.join("sim-provider/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            for (line, docs_path) in docs_paths(&text) {
                named += 1;
                if !root.join(&docs_path).exists() {
                    problems.push(format!(
                        "{}:{line}: `{docs_path}` does not exist",
                        path.strip_prefix(&root).unwrap_or(&path).display()
                    ));
                }
            }
            assert!(
                !text.contains("shared/symphony"),
                "{} still cites `shared/symphony/`, which is not in the repository",
                path.display()
            );
        }
    }
    assert!(
        named > 5,
        "only {named} docs paths found: is the scan broken?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every `docs/…` path in a text, with its 1-based line (trailing `.` and `,` dropped).
fn docs_paths(text: &str) -> Vec<(usize, String)> {
    let mut paths = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("docs/") {
            let preceded_by_word = rest[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/');
            let tail = &rest[start..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || "_./-".contains(c)))
                .unwrap_or(tail.len());
            let path = tail[..end].trim_end_matches(['.', ',']);
            if !preceded_by_word {
                paths.push((index + 1, path.to_string()));
            }
            rest = &tail[end..];
        }
    }
    paths
}

#[test]
fn docs_paths_are_found_in_comments_and_strings_but_not_inside_other_paths() {
    let text = "//! See `docs/abi.md`.\nlet s = \"docs/schemas/, then\";\n// x/docs/no.md\n";
    assert_eq!(
        docs_paths(text),
        vec![
            (1, "docs/abi.md".to_string()),
            (2, "docs/schemas/".to_string())
        ]
    );
}

#[test]
fn heading_anchors_follow_githubs_rule_and_skip_code_blocks() {
    let text = "\
# symphony-harness
### `inspect`: is it safe to load?
## Skip rules: `canSkipStep`
## The `.so` boundary
## Notes
## Notes
#hashtag, not a heading
```sh
# a comment in code
```
";
    assert_eq!(
        heading_anchors(text),
        [
            "symphony-harness",
            "inspect-is-it-safe-to-load",
            "skip-rules-canskipstep",
            "the-so-boundary",
            "notes",
            "notes-1",
        ]
    );
}
