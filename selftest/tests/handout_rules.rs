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

/// "The lab at a glance": every part has a time and says when it is done, and the parts'
/// tasks are the grader's, each once, with its points.
#[test]
fn the_lab_at_a_glance_gives_every_task_its_points_a_time_and_a_done() {
    let rows = table(&handout(), "part");
    assert!(!rows.is_empty(), "no table of the parts");
    let mut graded: Vec<(String, String)> = Vec::new();
    for row in &rows {
        assert_eq!(row.len(), 5, "{row:?}");
        let is_part = row[0].chars().next().is_some_and(|c| c.is_ascii_digit());
        if is_part {
            assert!(row[2].ends_with(" min"), "a part without a time: {row:?}");
        }
        assert!(!row[3].is_empty(), "a part without its done: {row:?}");
        // `task` (points), the cell's backticks trimmed by `table`.
        for cell in row[4].split(", ") {
            let (name, points) = cell
                .trim_matches('`')
                .split_once("` (")
                .unwrap_or_else(|| panic!("not `task` (points): {cell:?}"));
            graded.push((name.to_owned(), points.trim_end_matches(')').to_owned()));
        }
    }
    graded.sort();
    let mut tasks: Vec<(String, String)> = tasks::ALL
        .iter()
        .map(|task| (task.name.to_owned(), task.points.to_string()))
        .collect();
    tasks.sort();
    assert_eq!(graded, tasks);
    let total: u32 = tasks::ALL.iter().map(|task| task.points).sum();
    assert!(
        handout().contains(&format!("the points are the grader's ({total} in all)")),
        "the total of {total} points"
    );
}

/// "Where to get help" gives the hint command the grader answers.
#[test]
fn where_to_get_help_names_the_hint_command() {
    let text = handout();
    let help = text
        .split("**Where to get help**")
        .nth(1)
        .expect("a \"Where to get help\" paragraph");
    let paragraph = help.split("\n\n").next().unwrap_or_default();
    let command = checks::hints::command("TASK", 2);
    assert!(
        paragraph.replace('\n', " ").contains(&command),
        "{command} in {paragraph}"
    );
    assert!(text.contains("**What you hand in**"));
}
