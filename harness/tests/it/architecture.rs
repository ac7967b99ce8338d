//! The shape of `harness/src`, measured from its source (issue 19): no import circle between
//! files or between top-level modules, `explore/` independent of `check/`, no transcript JSON
//! read by string keys in `check/` or `explore/`, and no function outside tests over 100 lines.
//!
//! The import graph is read from the source text: every `use` item and every `crate::`,
//! `super::` and `self::` path, resolved to the file that defines the item (a folder's
//! `mod.rs` re-exports are followed to the file they re-export). A `mod.rs` that only
//! declares its files and re-exports them is the folder's front, not an import.
//! `cargo test --test it architecture -- --nocapture` prints the measurements.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::support::workspace_root;

/// A module path from the crate root: `["check", "checks", "apply"]`; the root is `[]`.
type ModPath = Vec<String>;

/// One source file of the crate, its comments, strings and test code blanked out.
struct SourceFile {
    module: ModPath,
    /// `mod.rs`, `lib.rs` or `main.rs`: the file of a folder (its children are its modules).
    is_folder: bool,
    path: PathBuf,
    code: String,
}

fn src_dir() -> PathBuf {
    workspace_root().join("harness/src")
}

fn read_sources() -> Vec<SourceFile> {
    let mut files = Vec::new();
    collect(&src_dir(), &mut files);
    files.sort_by(|a, b| a.module.cmp(&b.module));
    files
}

fn collect(dir: &Path, files: &mut Vec<SourceFile>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("harness/src is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src_dir()).expect("below src");
        let stem = relative.with_extension("");
        let mut module: ModPath = stem
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        // Test-only files (`#[cfg(test)] mod reconcile_tests;`) are tests.
        if module.last().is_some_and(|last| last.ends_with("_tests")) {
            continue;
        }
        let is_folder = matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        );
        if is_folder {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).expect("a source file is readable");
        files.push(SourceFile {
            module,
            is_folder,
            code: without_tests(&blank_comments_and_strings(&text)),
            path,
        });
    }
}

/// `text` with comments, string and char literals replaced by spaces (lines kept), so that
/// what is left is code.
fn blank_comments_and_strings(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, b: u8| out.push(if b == b'\n' { b'\n' } else { b' ' });
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, bytes[i]);
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br#"…"#: up to the quote followed by as many `#`.
            let open = rest.iter().position(|&b| b == b'"').unwrap_or(0) + 1;
            out.extend(std::iter::repeat_n(b' ', open));
            i += open;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while i < bytes.len() && !bytes[i..].starts_with(&close) {
                blank(&mut out, bytes[i]);
                i += 1;
            }
            out.extend(std::iter::repeat_n(b' ', close.len()));
            i += close.len();
        } else if bytes[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                let step = if bytes[i] == b'\\' { 2 } else { 1 };
                for k in 0..step {
                    if let Some(&b) = bytes.get(i + k) {
                        blank(&mut out, b);
                    }
                }
                i += step;
            }
            out.push(b' ');
            i += 1;
        } else if bytes[i] == b'\'' && is_char_literal(rest) {
            let len = rest[1..].iter().position(|&b| b == b'\'').unwrap_or(0) + 2;
            let len = if rest[1] == b'\\' {
                rest[2..].iter().position(|&b| b == b'\'').unwrap_or(0) + 3
            } else {
                len
            };
            out.extend(std::iter::repeat_n(b' ', len));
            i += len;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The number of `#` of a raw string literal starting here, if one does.
fn raw_string_start(rest: &[u8]) -> Option<usize> {
    let after_b = rest.strip_prefix(b"b").unwrap_or(rest);
    let after_r = after_b.strip_prefix(b"r")?;
    let hashes = after_r.iter().take_while(|&&b| b == b'#').count();
    (after_r.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// `'x'` or `'\n'`, not a lifetime (`'a`).
fn is_char_literal(rest: &[u8]) -> bool {
    match rest.get(1) {
        Some(b'\\') => true,
        Some(_) => {
            // One character (possibly several UTF-8 bytes), then the closing quote.
            let width = std::str::from_utf8(&rest[1..rest.len().min(5)])
                .ok()
                .or_else(|| std::str::from_utf8(&rest[1..2]).ok())
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            rest.get(1 + width) == Some(&b'\'')
        }
        None => false,
    }
}

/// `code` without its `#[cfg(test)]` items (the `mod tests { … }` block, test-only `use`) and
/// its `#[cfg(doc)]` ones (an import only a doc link needs is no dependency).
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    for attribute in ["#[cfg(test)]", "#[cfg(doc)]"] {
        while let Some(at) = out.find(attribute) {
            let end = item_end(&out, at + attribute.len());
            let blanked: String = out[at..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            out.replace_range(at..end, &blanked);
        }
    }
    out
}

/// Where the item starting after `after` ends: at its first `;` at depth 0, or at the `}`
/// closing its first `{`.
fn item_end(code: &str, after: usize) -> usize {
    let bytes = code.as_bytes();
    let mut depth = 0usize;
    for (offset, &b) in bytes[after..].iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return after + offset + 1;
                }
            }
            b';' if depth == 0 => return after + offset + 1,
            _ => {}
        }
    }
    bytes.len()
}

/// The paths a `use` tree names: `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        let path = path.trim_end_matches("::*").trim_end_matches("::self");
        return vec![path.to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand_use_tree)
        .map(|rest| match rest.as_str() {
            "self" => prefix.to_string(),
            _ if prefix.is_empty() => rest,
            _ => format!("{prefix}::{rest}"),
        })
        .collect()
}

/// A path as written in a file, and whether it comes from a `pub use` (a re-export).
struct Reference {
    path: Vec<String>,
    reexport: bool,
}

/// Every `use` item and every `crate::`/`super::`/`self::` path in `code`.
fn references(code: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let use_item =
        regex::Regex::new(r"(?s)\b(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);").expect("a valid pattern");
    let mut rest = code.to_string();
    for capture in use_item.captures_iter(code) {
        let reexport = capture.get(1).is_some_and(|p| p.as_str().trim() == "pub");
        for path in expand_use_tree(&capture[2]) {
            found.push(Reference {
                path: path.split("::").map(|s| s.trim().to_string()).collect(),
                reexport,
            });
        }
    }
    // The `use` items are read; blank them so their paths are not read twice.
    for capture in use_item.find_iter(code) {
        rest.replace_range(capture.range(), &" ".repeat(capture.len()));
    }
    let inline = regex::Regex::new(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
        .expect("a valid pattern");
    for capture in inline.captures_iter(&rest) {
        found.push(Reference {
            path: capture[1].split("::").map(str::to_string).collect(),
            reexport: false,
        });
    }
    found
}

/// The crate's files and what each refers to, resolved to files.
struct Graph {
    files: Vec<SourceFile>,
    /// From a file to the files it imports from.
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

impl Graph {
    fn read() -> Graph {
        let files = read_sources();
        let modules: BTreeSet<ModPath> = files.iter().map(|f| f.module.clone()).collect();
        // Items a folder re-exports from its files: (folder, item) → the path re-exported.
        let mut reexports: BTreeMap<(ModPath, String), Vec<String>> = BTreeMap::new();
        for file in files.iter().filter(|f| f.is_folder) {
            for reference in references(&file.code).into_iter().filter(|r| r.reexport) {
                let absolute = absolute(&file.module, &reference.path, &modules);
                if let Some(item) = absolute.last() {
                    reexports.insert((file.module.clone(), item.clone()), absolute.clone());
                }
            }
        }
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for file in &files {
            for reference in references(&file.code) {
                if reference.reexport && file.is_folder {
                    continue;
                }
                let absolute = absolute(&file.module, &reference.path, &modules);
                let target = defining_file(&absolute, &modules, &reexports);
                if target != file.module && !is_root(&target) {
                    edges.entry(file.module.clone()).or_default().insert(target);
                }
            }
        }
        Graph { files, edges }
    }

    /// The circles: every strongly connected set of more than one file.
    fn circles(edges: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
        let nodes: BTreeSet<&ModPath> = edges.keys().chain(edges.values().flatten()).collect();
        let reach = |from: &ModPath| -> BTreeSet<ModPath> {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.clone()];
            while let Some(node) = stack.pop() {
                for next in edges.get(&node).into_iter().flatten() {
                    if seen.insert(next.clone()) {
                        stack.push(next.clone());
                    }
                }
            }
            seen
        };
        let reachable: BTreeMap<&ModPath, BTreeSet<ModPath>> =
            nodes.iter().map(|&n| (n, reach(n))).collect();
        let mut circles: Vec<Vec<ModPath>> = Vec::new();
        let mut placed = BTreeSet::new();
        for &node in &nodes {
            if placed.contains(node) || !reachable[node].contains(node) {
                continue;
            }
            let circle: Vec<ModPath> = reachable[node]
                .iter()
                .filter(|other| reachable.get(other).is_some_and(|r| r.contains(node)))
                .cloned()
                .collect();
            placed.extend(circle.iter().cloned());
            circles.push(circle);
        }
        circles
    }

    /// The same graph between top-level modules (`check`, `scenario`, …).
    fn top_level(&self) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for (from, targets) in &self.edges {
            for to in targets {
                let (a, b) = (from[..1].to_vec(), to[..1].to_vec());
                if a != b {
                    edges.entry(a).or_default().insert(b);
                }
            }
        }
        edges
    }
}

fn is_root(module: &ModPath) -> bool {
    module.is_empty()
}

/// `path` as written in the file of `module` made absolute from the crate root (empty: an
/// external crate). `super` goes one module up, from a folder's `mod.rs` as from a file.
fn absolute(module: &ModPath, path: &[String], modules: &BTreeSet<ModPath>) -> Vec<String> {
    let mut base: Vec<String> = module.clone();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            for _ in 0..supers {
                base.pop();
            }
            rest = &path[supers..];
        }
        Some(first) => {
            // Relative to this module (a child declared here), or an external crate.
            let mut child = module.clone();
            child.push(first.to_string());
            if !modules.contains(&child) {
                return Vec::new();
            }
        }
        None => return Vec::new(),
    }
    base.extend(rest.iter().cloned());
    base
}

/// The file that defines `path`: the deepest module it names, or, when the item is one
/// that module re-exports, the file it re-exports from.
fn defining_file(
    path: &[String],
    modules: &BTreeSet<ModPath>,
    reexports: &BTreeMap<(ModPath, String), Vec<String>>,
) -> ModPath {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let deepest = (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|prefix| modules.contains(prefix))
            .unwrap_or_default();
        let Some(item) = path.get(deepest.len()) else {
            return deepest;
        };
        match reexports.get(&(deepest.clone(), item.clone())) {
            Some(target) if *target != path => {
                let mut next = target.clone();
                next.extend(path[deepest.len() + 1..].iter().cloned());
                path = next;
            }
            _ => return deepest,
        }
    }
    Vec::new()
}

fn shown(module: &ModPath) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("/")
    }
}

#[test]
fn no_import_circle_between_files_or_top_level_modules() {
    let graph = Graph::read();
    let circles: Vec<String> = Graph::circles(&graph.edges)
        .iter()
        .chain(Graph::circles(&graph.top_level()).iter())
        .map(|circle| circle.iter().map(shown).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    println!(
        "import graph: {} files, {} imports between them, {} circles",
        graph.files.len(),
        graph.edges.values().map(BTreeSet::len).sum::<usize>(),
        circles.len()
    );
    assert!(
        circles.is_empty(),
        "import circles:\n  {}",
        circles.join("\n  ")
    );
}

#[test]
fn explore_imports_nothing_from_check() {
    let graph = Graph::read();
    let imports: Vec<String> = graph
        .edges
        .iter()
        .filter(|(from, _)| from.first().is_some_and(|m| m == "explore"))
        .flat_map(|(from, targets)| targets.iter().map(move |to| (from, to)))
        .filter(|(_, to)| to.first().is_some_and(|m| m == "check"))
        .map(|(from, to)| format!("{} → {}", shown(from), shown(to)))
        .collect();
    assert!(imports.is_empty(), "explore imports check: {imports:?}");
}

#[test]
fn check_and_explore_read_no_json_by_string_key() {
    // `value["key"]`, `value.get("key")`, `value.pointer("/key")` (an array literal `["a"]`
    // is not a read).
    let pattern =
        regex::Regex::new(r#"[\w)\]]\s*\[\s*"|\.get\(\s*"|\.pointer\("#).expect("a valid pattern");
    let mut reads = Vec::new();
    // The blanked code has no string contents, so read the original lines at the offsets.
    for file in read_sources().into_iter().filter(|f| {
        matches!(
            f.module.first().map(String::as_str),
            Some("check" | "explore")
        )
    }) {
        let text = std::fs::read_to_string(&file.path).expect("readable");
        let code = without_tests(&text);
        for (number, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            if pattern.is_match(line) {
                reads.push(format!(
                    "{}:{}: {}",
                    file.path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    println!("string-key reads in check/ and explore/: {}", reads.len());
    assert!(reads.is_empty(), "string-key reads:\n{}", reads.join("\n"));
}

/// Every function outside tests, with its length in lines (its signature to its closing
/// brace).
fn function_lengths() -> Vec<(usize, String)> {
    let fn_start =
        regex::Regex::new(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?(?:extern\s+\S+\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)")
            .expect("a valid pattern");
    let mut lengths = Vec::new();
    for file in read_sources() {
        let lines: Vec<&str> = file.code.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let Some(capture) = fn_start.captures(line) else {
                continue;
            };
            // Find the body: the first `{` before any `;` at depth 0, then its closing `}`.
            let mut depth = 0i32;
            let mut opened = false;
            let mut end = None;
            'lines: for (index, text) in lines.iter().enumerate().skip(start) {
                let from = if index == start {
                    capture.get(0).map_or(0, |m| m.end())
                } else {
                    0
                };
                for c in text[from..].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => {
                            depth -= 1;
                            if opened && depth == 0 {
                                end = Some(index);
                                break 'lines;
                            }
                        }
                        ';' if !opened && depth == 0 => break 'lines,
                        _ => {}
                    }
                }
            }
            if let Some(end) = end {
                lengths.push((
                    end - start + 1,
                    format!("{}:{} `{}`", shown(&file.module), start + 1, &capture[1]),
                ));
            }
        }
    }
    lengths.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    lengths
}

#[test]
fn no_function_outside_tests_is_over_100_lines() {
    let lengths = function_lengths();
    println!("longest functions outside tests:");
    for (length, name) in lengths.iter().take(5) {
        println!("  {length:>4} {name}");
    }
    let long: Vec<String> = lengths
        .iter()
        .filter(|(length, _)| *length > 100)
        .map(|(length, name)| format!("{length} lines: {name}"))
        .collect();
    assert!(
        long.is_empty(),
        "functions over 100 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_measurements_see_what_they_measure() {
    // A circle, a re-export followed to its file, and a long function, on made-up sources.
    let tree = expand_use_tree("crate::{a::{B, c::D}, e as f, g::self}");
    assert_eq!(
        tree,
        ["crate::a::B", "crate::a::c::D", "crate::e", "crate::g"]
    );
    let code = blank_comments_and_strings("let x = \"crate::a\"; // crate::b\nuse crate::c;");
    let paths: Vec<String> = references(&code)
        .iter()
        .map(|r| r.path.join("::"))
        .collect();
    assert_eq!(paths, ["crate::c"]);
    let tested = without_tests("fn a() {}\n#[cfg(test)]\nmod tests {\n fn b() {}\n}\nfn c() {}");
    assert!(tested.contains("fn a") && tested.contains("fn c") && !tested.contains("fn b"));
    let documented = without_tests("#[cfg(doc)]\nuse super::X;\nuse super::Y;");
    assert!(!documented.contains("X") && documented.contains("super::Y"));
    let edges: BTreeMap<ModPath, BTreeSet<ModPath>> = [
        (vec!["a".to_string()], [vec!["b".to_string()]].into()),
        (vec!["b".to_string()], [vec!["a".to_string()]].into()),
        (vec!["c".to_string()], [vec!["a".to_string()]].into()),
    ]
    .into();
    let circles = Graph::circles(&edges);
    assert_eq!(
        circles,
        [vec![vec!["a".to_string()], vec!["b".to_string()]]]
    );
    assert!(function_lengths().iter().any(|(length, _)| *length > 10));
}
