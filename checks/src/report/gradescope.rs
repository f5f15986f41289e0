//! Gradescope's `results.json` (what `run_autograder` leaves in `/autograder/results/`): the
//! total, one test per lab task with its points and message, and what of the submission was
//! not graded as the submission-wide output.

use serde::Serialize;

use super::Report;

#[derive(Debug, Serialize)]
pub struct Results {
    pub score: f64,
    /// Shown to the student above the tests.
    pub output: String,
    pub tests: Vec<Test>,
}

#[derive(Debug, Serialize)]
pub struct Test {
    pub name: String,
    /// Gradescope orders and numbers the tests by this.
    pub number: String,
    pub score: f64,
    pub max_score: f64,
    /// The task's result and message, shown to the student.
    pub output: String,
}

pub fn results(report: &Report) -> Results {
    let mut output = format!("Score: {}/{}", report.score, report.max_score);
    if !report.notes.is_empty() {
        output.push_str("\n\nNot graded from your repository:");
        for note in &report.notes {
            output.push_str("\n- ");
            output.push_str(note);
        }
    }
    Results {
        score: f64::from(report.score),
        output,
        tests: report
            .tests
            .iter()
            .enumerate()
            .map(|(index, test)| Test {
                name: test.name.clone(),
                number: (index + 1).to_string(),
                score: f64::from(test.score),
                max_score: f64::from(test.max_score),
                output: if test.message.is_empty() {
                    test.status.to_owned()
                } else {
                    format!("{}: {}", test.status, test.message)
                },
            })
            .collect(),
    }
}

pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(&results(report)).unwrap_or_default() + "\n"
}
