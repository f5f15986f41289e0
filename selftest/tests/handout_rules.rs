//! The handout's tables of what is graded come from the grader: one row per lab file (what the
//! grader takes from a submission) and one row per task with its points.

use checks::lab_files::LAB_FILES;
use checks::tasks;

fn handout() -> String {
    std::fs::read_to_string(xtask::kit_root().join("docs/handout.md")).expect("the handout")
}

/// The rows of the Markdown table whose header starts with `| {first} |`.
fn table(text: &str, first: &str) -> Vec<Vec<String>> {
    let header = format!("| {first} |");
    let mut lines = text.lines().skip_while(|line| !line.starts_with(&header));
    lines.next().expect("the table's header");
    lines
        .skip(1)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().trim_matches('`').to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_handed_in_files_are_the_graders_lab_files() {
    let rows = table(&handout(), "file");
    let documented: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| (row[0].as_str(), row[1].as_str()))
        .collect();
    let graded: Vec<(&str, &str)> = LAB_FILES
        .iter()
        .map(|file| (file.pattern, file.what))
        .collect();
    assert_eq!(documented, graded);
}

#[test]
fn the_task_table_has_every_task_and_its_points() {
    let rows = table(&handout(), "task");
    let documented: Vec<(String, String)> = rows
        .iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    let graded: Vec<(String, String)> = tasks::ALL
        .iter()
        .map(|task| (task.name.to_owned(), task.points.to_string()))
        .collect();
    assert_eq!(documented, graded);
}
