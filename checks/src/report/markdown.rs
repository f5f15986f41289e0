//! The task table in Markdown: a GitHub Actions job summary, Classroom 50's release body, a
//! tutor's per-student report. Messages keep their lines (`<br>`) and cannot break the table.

use super::Report;

pub fn table(report: &Report) -> String {
    let mut out = format!(
        "### TaskOverflow lab: {}/{} ({})\n\n| Task | Result | Points | What was found |\n|---|---|---|---|\n",
        report.score, report.max_score, report.status
    );
    for test in &report.tests {
        out.push_str(&format!(
            "| {} | {} | {}/{} | {} |\n",
            cell(&test.name),
            test.status,
            test.score,
            test.max_score,
            cell(&test.message)
        ));
    }
    if !report.notes.is_empty() {
        out.push_str("\nNot graded from the repository:\n\n");
        for note in &report.notes {
            out.push_str(&format!("- {}\n", note.replace('\n', " ")));
        }
    }
    out
}

/// Text that stays inside one table cell: pipes escaped, markup characters shown as typed, lines
/// joined with `<br>`.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.lines().enumerate() {
        if index > 0 {
            out.push_str("<br>");
        }
        for character in line.chars() {
            match character {
                '|' => out.push_str("\\|"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '`' => out.push_str("&#96;"),
                other => out.push(other),
            }
        }
    }
    out
}
