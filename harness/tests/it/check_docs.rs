//! `docs/checks.md` documents every check of `check::CATALOG`: its table (id, what it
//! verifies, what Symphony's users see, the fix) is the catalog, row for row, and
//! `docs/README.md` links the page. It is the one list of checks: the README and
//! `docs/commands/check.md` point to it.
//!
//! When a check is added or its texts change, rewrite the table with
//! `SYMPHONY_HARNESS_UPDATE_DOCS=1 cargo test -p symphony-harness --test it check_docs`.

use symphony_harness::check::CATALOG;

use crate::support::workspace_root;

const START: &str =
    "<!-- catalog table: generated from check::CATALOG, see harness/tests/it/check_docs.rs -->";
const END: &str = "<!-- end of catalog table -->";

/// Text for a Markdown table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The table of every check, in catalog order.
fn catalog_table() -> String {
    let mut table = String::from(
        "| id | what it verifies | what Symphony's users see when it fails | fix |\n\
         |---|---|---|---|\n",
    );
    for info in CATALOG {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            info.id,
            cell(info.title),
            cell(info.symptom),
            cell(info.fix)
        ));
    }
    table
}

/// Checks (or, with `SYMPHONY_HARNESS_UPDATE_DOCS`, rewrites) the table between the markers
/// of the file at `relative`.
fn holds_table(relative: &str, expected: &str) {
    let path = workspace_root().join(relative);
    let page = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{relative}: {err}"));
    let (start, end) = table_of(&page).unwrap_or_else(|why| panic!("{relative}: {why}"));
    if std::env::var_os("SYMPHONY_HARNESS_UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &page[..start], &page[end..]);
        std::fs::write(&path, updated).expect("written");
        return;
    }
    assert!(
        page[start..end] == *expected,
        "{relative}'s table is not check::CATALOG; rewrite it with \
         `SYMPHONY_HARNESS_UPDATE_DOCS=1 cargo test -p symphony-harness --test it check_docs`"
    );
}

/// The text between the markers of `page`, or why there is none.
fn table_of(page: &str) -> Result<(usize, usize), String> {
    let start = page
        .find(START)
        .ok_or_else(|| format!("no `{START}` line"))?
        + START.len()
        + 1;
    let end = page[start..]
        .find(END)
        .ok_or_else(|| format!("no `{END}` line after the start marker"))?
        + start;
    Ok((start, end))
}

#[test]
fn docs_checks_md_tables_every_check_of_the_catalog_with_its_texts() {
    holds_table("docs/checks.md", &catalog_table());
    let page = std::fs::read_to_string(workspace_root().join("docs/checks.md"))
        .expect("docs/checks.md exists");
    // Whatever the table's shape, each id is there with its title.
    for info in CATALOG {
        assert!(
            page.contains(&format!("| `{}` | {} |", info.id, cell(info.title))),
            "docs/checks.md lacks `{}` with its title",
            info.id
        );
    }
}

#[test]
fn the_catalog_table_escapes_pipes_and_a_missing_marker_is_named() {
    assert_eq!(cell("a | b"), "a \\| b");
    assert!(catalog_table().lines().count() == CATALOG.len() + 2);
    let err = table_of("no markers here").unwrap_err();
    assert!(err.contains("catalog table"), "{err}");
    let err = table_of(&format!("{START}\nrows")).unwrap_err();
    assert!(err.contains("end of catalog table"), "{err}");
}

#[test]
fn docs_readme_links_the_checks_page_and_the_readme_and_check_page_point_to_it() {
    for (relative, link) in [
        ("docs/README.md", "(checks.md)"),
        ("README.md", "(docs/checks.md)"),
        ("docs/commands/check.md", "(../checks.md#every-check)"),
    ] {
        let page = std::fs::read_to_string(workspace_root().join(relative))
            .unwrap_or_else(|err| panic!("{relative}: {err}"));
        assert!(page.contains(link), "{relative} does not link `{link}`");
        assert!(
            !page.contains(START),
            "{relative} holds a copy of the catalog table: docs/checks.md is the one list"
        );
    }
}
