//! The handout stays true: its field table and its Logs Insights queries name exactly the
//! fields the solution emits, as recorded in the autograder's snapshot.

use std::collections::BTreeSet;

use serde_json::Value;

fn read(relative: &str) -> String {
    let path = format!("{}/../{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

/// The text of one `## ` section of the handout.
fn section<'a>(handout: &'a str, title: &str) -> &'a str {
    let start = handout
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("the handout has no section {title:?}"));
    let rest = &handout[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |end| end + 3);
    &rest[..end]
}

/// The field names in the first column of the handout's field table.
fn table_fields(handout: &str) -> BTreeSet<String> {
    section(handout, "Structured logging")
        .lines()
        .skip_while(|line| !line.starts_with("| field |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .flat_map(|line| {
            let first = line.split('|').nth(1).unwrap_or_default();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every key of the snapshot of the solution's request lines.
fn snapshot_fields() -> BTreeSet<String> {
    let snapshot = read("checks/snapshots/request_lines.snap");
    let json = snapshot.splitn(3, "---").nth(2).expect("a snapshot header");
    let lines: Vec<Value> = serde_json::from_str(json.trim()).expect("the snapshot is JSON");
    lines
        .iter()
        .flat_map(|line| line.as_object().expect("objects").keys().cloned())
        .collect()
}

/// Code blocks without a language tag in a section: the handout's Logs Insights queries.
fn queries(text: &str) -> Vec<String> {
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```") => current = Some(String::new()),
            (Some(query), "```") => {
                queries.push(std::mem::take(query));
                current = None;
            }
            (Some(query), line) => {
                query.push_str(line);
                query.push('\n');
            }
            (None, _) => {}
        }
    }
    queries
}

const INSIGHTS_WORDS: [&str; 20] = [
    "fields", "filter", "stats", "sort", "by", "as", "asc", "desc", "and", "or", "not", "limit",
    "bin", "pct", "count", "avg", "max", "min", "like", "in",
];

/// Identifiers a query uses as fields: not keywords, functions, `@` fields, aliases, strings or numbers.
fn fields_used(query: &str) -> BTreeSet<String> {
    let without_strings: String = query.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    let words: Vec<&str> = without_strings
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@' || c == '.'))
        .filter(|word| !word.is_empty())
        .collect();
    let aliases: BTreeSet<&str> = words
        .windows(2)
        .filter(|pair| pair[0] == "as")
        .map(|pair| pair[1])
        .collect();
    words
        .into_iter()
        .filter(|word| !INSIGHTS_WORDS.contains(word))
        .filter(|word| !word.starts_with('@'))
        .filter(|word| !aliases.contains(word))
        .filter(|word| !word.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_field_table_matches_the_snapshot() {
    let table = table_fields(&read("docs/handout.md"));
    let snapshot = snapshot_fields();
    assert_eq!(
        table, snapshot,
        "docs/handout.md's field table and checks/snapshots/request_lines.snap disagree"
    );
}

#[test]
fn the_queries_use_only_fields_the_solution_emits() {
    let handout = read("docs/handout.md");
    let queries = queries(section(&handout, "Shipping logs to CloudWatch"));
    assert!(
        queries.len() >= 3,
        "follow a request, latency percentiles, errors: {queries:?}"
    );
    let emitted = snapshot_fields();
    for query in &queries {
        let unknown: Vec<_> = fields_used(query).difference(&emitted).cloned().collect();
        assert!(
            unknown.is_empty(),
            "{unknown:?} are not fields the solution emits:\n{query}"
        );
    }
    let all: String = queries.concat();
    for needed in ["request_id", "latency_ms", "status", "url"] {
        assert!(all.contains(needed), "no query uses {needed}");
    }
}

#[test]
fn the_query_checker_catches_a_misspelled_field() {
    let emitted = snapshot_fields();
    let used = fields_used(
        "filter message = \"Request finished\"\n| stats pct(latency, 95) as p95 by bin(1m)",
    );
    assert_eq!(
        used.difference(&emitted).cloned().collect::<Vec<_>>(),
        ["latency"],
        "`latency` is not a field; `p95` is an alias and `1m` a duration"
    );
}
