//! The handout stays true: its field table is the grader's (`checks::log_format`), word for word,
//! its sample line is a complete one, and its field table and Logs Insights queries name exactly
//! the fields the solution emits, as recorded in the autograder's snapshot.

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

/// The rows of the handout's field table, after its header: the lines from `| field |` on.
fn table_lines(handout: &str) -> impl Iterator<Item = &str> {
    section(handout, "Structured logging")
        .lines()
        .skip_while(|line| !line.starts_with("| field |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
}

/// The cells of one table row, trimmed.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// The field names in the first column of the handout's field table.
fn table_fields(handout: &str) -> BTreeSet<String> {
    table_lines(handout)
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

/// The grader's field table as the handout writes it: one row per field.
fn graders_rows() -> Vec<Vec<String>> {
    checks::log_format::FIELDS
        .iter()
        .map(|field| {
            vec![
                format!("`{}`", field.name),
                field.on.to_owned(),
                field.value.to_owned(),
            ]
        })
        .collect()
}

#[test]
fn the_field_table_is_the_graders_word_for_word() {
    let handout = read("docs/handout.md");
    let rows: Vec<Vec<String>> = table_lines(&handout).map(cells).collect();
    let expected = graders_rows();
    for (row, want) in rows.iter().zip(&expected) {
        assert_eq!(
            row, want,
            "docs/handout.md's field table differs from checks/src/log_format.rs"
        );
    }
    assert_eq!(
        rows.len(),
        expected.len(),
        "docs/handout.md's field table and checks/src/log_format.rs have different rows:\n\
         {rows:?}\n{expected:?}"
    );
}

#[test]
fn the_table_comparison_catches_a_changed_description() {
    let handout = read("docs/handout.md");
    let changed = handout.replace("path and query, exactly as sent", "the request path");
    assert_ne!(
        changed, handout,
        "the handout describes `url` as the grader does"
    );
    let rows: Vec<Vec<String>> = table_lines(&changed).map(cells).collect();
    assert_ne!(rows, graders_rows(), "a changed description must fail");
}

#[test]
fn the_graders_fields_are_the_ones_the_solution_emits() {
    let names: BTreeSet<String> = checks::log_format::FIELDS
        .iter()
        .map(|field| field.name.to_owned())
        .collect();
    assert_eq!(
        names,
        snapshot_fields(),
        "checks/src/log_format.rs and checks/snapshots/request_lines.snap disagree"
    );
    let every: Vec<_> = checks::log_format::every_line().collect();
    assert_eq!(
        every,
        ["timestamp", "level", "location", "message", "hostname"],
        "the fields on every line"
    );
}

/// The ```json block of a section: the handout's sample line.
fn json_block(text: &str) -> Option<&str> {
    let start = text.find("```json\n")? + "```json\n".len();
    let end = text[start..].find("```")? + start;
    Some(text[start..end].trim())
}

#[test]
fn the_sample_line_is_a_complete_request_finished_line() {
    let handout = read("docs/handout.md");
    let sample = json_block(section(&handout, "Structured logging"))
        .expect("\"Structured logging\" shows a sample line in a ```json block");
    assert!(!sample.contains('\n'), "the sample is one line: {sample}");
    let line: Value = serde_json::from_str(sample).expect("the sample line is JSON");
    let line = line.as_object().expect("a JSON object");
    for field in &checks::log_format::FIELDS {
        assert!(
            line.contains_key(field.name),
            "the sample line has no `{}`: {sample}",
            field.name
        );
    }
    assert_eq!(line["message"], "Request finished");
    let id = line["request_id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
        "the sample's request_id looks like a fresh UUID: {id}"
    );
    assert!(
        line["status"].is_u64() && line["latency_ms"].is_f64(),
        "{sample}"
    );
    assert!(
        line["url"].as_str().is_some_and(|url| url.contains('?')),
        "the sample shows a url with its query: {sample}"
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

/// The `## ` headings of a Markdown text.
fn headings(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.strip_prefix("## "))
        .collect()
}

/// The students' README is written for them, but where it and the kit's README have a section of
/// the same title, the two say the same thing; and its list of what the course grades is the
/// grader's list of the student's files.
#[test]
fn the_student_readme_keeps_to_the_kits() {
    let kit = read("README.md");
    let student = read("xtask/student-edition/README.md");
    let shared: Vec<&str> = headings(&student)
        .into_iter()
        .filter(|title| headings(&kit).contains(title))
        .collect();
    assert!(shared.contains(&"What you need"), "{shared:?}");
    assert_eq!(
        section(&student, "What you need"),
        section(&kit, "What you need"),
        "\"What you need\" differs between README.md and xtask/student-edition/README.md"
    );
    let handing_in = section(&student, "Handing in").replace('\n', " ");
    for file in checks::lab_files::LAB_FILES {
        let shown = file.pattern.trim_end_matches("**");
        assert!(
            handing_in.contains(&format!("`{shown}`")),
            "the students' README does not list {shown} as handed in"
        );
    }
    let listed = handing_in
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|code| code.contains('/'))
        .count();
    assert_eq!(
        listed,
        checks::lab_files::LAB_FILES.len(),
        "the students' README lists a file the grader does not take: {handing_in}"
    );
}
