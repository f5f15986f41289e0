//! The shapes the course platforms document for a grading's results, written down as checks:
//!
//! - Classroom 50's `result.json` (`classroom50/result/v1`), from its wiki's "The `result.json`
//!   contract" (Advanced Autograding): the field table, the runner's checks on it;
//! - Gradescope's `results.json`, from its autograder specifications ("Output format", "Controlling
//!   Test Case Visibility"): the documented keys and their types, nothing else;
//! - JUnit XML as CI services read it (the Ant/Jenkins schema): `testsuites` / `testsuite` /
//!   `testcase` with their counting attributes, `failure` / `error` / `skipped`, `system-out`;
//! - the Markdown table: a GitHub table, one row per task.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

type Check = Result<(), String>;

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a serde_json::Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("{what} is not a JSON object"))
}

fn string<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<&'a str, String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| format!("{what}: `{key}` must be a non-empty string"))
}

/// A non-negative integer that is not a boolean (JSON keeps them apart; Python's checks do too).
fn count(map: &serde_json::Map<String, Value>, key: &str, what: &str) -> Result<u64, String> {
    map.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{what}: `{key}` must be a non-negative integer"))
}

fn utc_instant(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").is_ok()
}

/// Classroom 50's `result.json`.
pub fn classroom50(value: &Value) -> Check {
    let map = object(value, "result.json")?;
    if map.get("schema").and_then(Value::as_str) != Some("classroom50/result/v1") {
        return Err("`schema` must be exactly classroom50/result/v1".into());
    }
    for key in [
        "classroom",
        "assignment",
        "owner",
        "commit",
        "release",
        "review",
    ] {
        string(map, key, "result.json")?;
    }
    let kind = string(map, "assignment_type", "result.json")?;
    if !["individual", "group", "team"].contains(&kind) {
        return Err(format!(
            "`assignment_type` {kind:?} is not individual, group or team"
        ));
    }
    if !string(map, "submission", "result.json")?.starts_with("submit/") {
        return Err("`submission` must be a submit/* tag".into());
    }
    if !utc_instant(string(map, "datetime", "result.json")?) {
        return Err("`datetime` must be UTC ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)".into());
    }
    if let Some(graded) = map.get("graded_at") {
        if !graded.as_str().is_some_and(utc_instant) {
            return Err("`graded_at`, when present, must be UTC ISO 8601".into());
        }
    }
    let (score, max) = (
        count(map, "score", "result.json")?,
        count(map, "max-score", "result.json")?,
    );
    if score > max {
        return Err(format!("`score` {score} > `max-score` {max}"));
    }
    let tests = map
        .get("tests")
        .and_then(Value::as_array)
        .ok_or("`tests` must be an array")?;
    let (mut scores, mut maxes) = (0, 0);
    for (index, test) in tests.iter().enumerate() {
        let what = format!("tests[{index}]");
        let test = object(test, &what)?;
        let name = string(test, "test-name", &what)?;
        if name.len() > 100 || name.chars().any(char::is_control) {
            return Err(format!(
                "{what}: `test-name` over 100 bytes or with control characters"
            ));
        }
        if !test.get("passed").is_some_and(Value::is_boolean) {
            return Err(format!("{what}: `passed` must be a boolean"));
        }
        let (score, max) = (
            count(test, "score", &what)?,
            count(test, "max-score", &what)?,
        );
        if score > max {
            return Err(format!("{what}: `score` > `max-score`"));
        }
        scores += score;
        maxes += max;
    }
    if (scores, maxes) != (score, max) {
        return Err("`score` / `max-score` are not the sums of the tests'".into());
    }
    Ok(())
}

const VISIBILITY: [&str; 4] = ["hidden", "after_due_date", "after_published", "visible"];

/// Gradescope's `results.json`: only documented keys, each of its documented type.
pub fn gradescope(value: &Value) -> Check {
    let map = object(value, "results.json")?;
    let number = |value: &Value| value.is_number();
    for (key, value) in map {
        let fits = match key.as_str() {
            "score" => number(value),
            "execution_time" => value.is_u64(),
            "output" => value.is_string(),
            "visibility" | "stdout_visibility" => {
                value.as_str().is_some_and(|v| VISIBILITY.contains(&v))
            }
            "extra_data" => value.is_object(),
            "tests" | "leaderboard" => value.is_array(),
            _ => return Err(format!("results.json: `{key}` is not a documented key")),
        };
        if !fits {
            return Err(format!("results.json: `{key}` has the wrong type"));
        }
    }
    let tests = map.get("tests").and_then(Value::as_array);
    if map.get("score").is_none()
        && tests.is_none_or(|tests| tests.iter().any(|t| t.get("score").is_none()))
    {
        return Err("results.json: a score on top or on every test is required".into());
    }
    for (index, test) in tests.into_iter().flatten().enumerate() {
        let what = format!("tests[{index}]");
        for (key, value) in object(test, &what)? {
            let fits = match key.as_str() {
                "score" | "max_score" => number(value),
                "name" | "number" | "output" => value.is_string(),
                "tags" => value
                    .as_array()
                    .is_some_and(|tags| tags.iter().all(Value::is_string)),
                "visibility" => value.as_str().is_some_and(|v| VISIBILITY.contains(&v)),
                "extra_data" => value.is_object(),
                _ => return Err(format!("{what}: `{key}` is not a documented key")),
            };
            if !fits {
                return Err(format!("{what}: `{key}` has the wrong type"));
            }
        }
    }
    Ok(())
}

/// A JUnit XML report: its test cases as (name, outcome element or "pass", message attribute).
pub fn junit(xml: &str) -> Result<Vec<(String, String, String)>, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut cases: Vec<(String, String, String)> = Vec::new();
    let mut declared = None;
    let attributes =
        |start: &quick_xml::events::BytesStart| -> Result<Vec<(String, String)>, String> {
            start
                .attributes()
                .map(|attribute| {
                    let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
                    let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .map_err(|e| format!("bad attribute value: {e}"))?
                        .into_owned();
                    Ok((key, value))
                })
                .collect()
        };
    loop {
        let event = reader
            .read_event()
            .map_err(|error| format!("not well-formed XML: {error}"))?;
        let (start, empty) = match &event {
            Event::Start(start) => (start.clone(), false),
            Event::Empty(start) => (start.clone(), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let attrs = attributes(&start)?;
        let get = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let parent = stack.last().map(String::as_str);
        match (parent, name.as_str()) {
            (None, "testsuites") => {}
            (Some("testsuites") | None, "testsuite") => {
                for key in ["tests", "failures", "errors"] {
                    get(key)
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or(format!("testsuite: `{key}` must be a count"))?;
                }
                declared = get("tests").and_then(|v| v.parse::<usize>().ok());
                get("name").ok_or("testsuite: no `name`")?;
            }
            (Some("testsuite"), "properties") | (Some("properties"), "property") => {}
            (Some("testsuite"), "testcase") => {
                let case = get("name").ok_or("testcase: no `name`")?;
                get("classname").ok_or("testcase: no `classname`")?;
                if let Some(time) = get("time") {
                    time.parse::<f64>()
                        .map_err(|_| format!("testcase {case}: `time` is not seconds"))?;
                }
                cases.push((case, "pass".to_owned(), String::new()));
            }
            (Some("testcase"), "failure" | "error" | "skipped") => {
                let last = cases.last_mut().ok_or("an outcome outside a testcase")?;
                last.1 = name.clone();
                last.2 = get("message").unwrap_or_default();
            }
            (Some("testsuite" | "testcase"), "system-out" | "system-err") => {}
            (parent, name) => return Err(format!("<{name}> is not allowed in {parent:?}")),
        }
        if !empty {
            stack.push(name);
        }
    }
    if declared != Some(cases.len()) {
        return Err(format!(
            "testsuite says {declared:?} tests, holds {}",
            cases.len()
        ));
    }
    Ok(cases)
}

/// A Markdown task table: each task's row, split into its cells (escaped pipes kept).
pub fn markdown_rows(table: &str) -> Result<Vec<Vec<String>>, String> {
    let lines: Vec<&str> = table.lines().filter(|line| line.starts_with('|')).collect();
    let [header, separator, rows @ ..] = lines.as_slice() else {
        return Err("no table".into());
    };
    let cells = |line: &str| -> Vec<String> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        let mut cells = vec![String::new()];
        let mut escaped = false;
        for character in inner.chars() {
            match character {
                '|' if !escaped => cells.push(String::new()),
                _ => cells.last_mut().map_or((), |cell| cell.push(character)),
            }
            escaped = character == '\\';
        }
        cells
            .into_iter()
            .map(|cell| cell.trim().to_owned())
            .collect()
    };
    let width = cells(header).len();
    if cells(separator)
        .iter()
        .any(|cell| !cell.chars().all(|c| c == '-' || c == ':'))
    {
        return Err("the second line is not a separator".into());
    }
    let rows: Vec<Vec<String>> = rows.iter().map(|row| cells(row)).collect();
    if let Some(row) = rows.iter().find(|row| row.len() != width) {
        return Err(format!(
            "a row has {} cells, the header {width}: {row:?}",
            row.len()
        ));
    }
    Ok(rows)
}
