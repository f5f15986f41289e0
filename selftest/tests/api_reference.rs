//! docs/api.md tells the truth: its table lists exactly the operations and status codes of the
//! OpenAPI document the apps generate from their code.

use std::collections::BTreeSet;

use utoipa::OpenApi;

/// (method, path, status) for every response the document declares.
fn documented_by_the_code() -> BTreeSet<(String, String, String)> {
    let spec = serde_json::to_value(taskoverflow::routes::ApiDoc::openapi()).expect("JSON");
    let mut out = BTreeSet::new();
    for (path, operations) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            for status in operation["responses"]
                .as_object()
                .expect("responses")
                .keys()
            {
                out.insert((method.to_uppercase(), path.clone(), status.clone()));
            }
        }
    }
    out
}

/// The same triples, read from the table in docs/api.md (`| `METHOD path` | 200 ... | 400 ...; 404 ... |`).
fn documented_in_the_handbook() -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(format!("{}/../docs/api.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/api.md");
    let mut out = BTreeSet::new();
    for row in text.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let endpoint = cells[1].trim_matches('`');
        let (method, path) = endpoint.split_once(' ').expect("`METHOD path`");
        let statuses = cells[2..]
            .iter()
            .flat_map(|cell| cell.split(';'))
            .filter_map(|part| {
                let code = part.trim().trim_start_matches("**").get(..3)?;
                code.chars()
                    .all(|c| c.is_ascii_digit())
                    .then(|| code.to_owned())
            });
        for status in statuses {
            out.insert((method.to_owned(), path.to_owned(), status));
        }
    }
    out
}

#[test]
fn the_reference_table_matches_the_generated_document() {
    assert_eq!(documented_in_the_handbook(), documented_by_the_code());
}
