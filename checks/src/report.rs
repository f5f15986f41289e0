//! The grader's own results file: one JSON document per grading, what the student and any
//! course platform read. It is also the one in-memory result every other format is written from:
//! Classroom 50's `result.json`, Gradescope's `results.json`, JUnit XML and the Markdown table
//! (one module each below).

pub mod classroom50;
pub mod gradescope;
pub mod junit;
pub mod markdown;

use std::path::Path;

use serde::Serialize;

use crate::task::{Problem, TaskResult};

/// Every task's status, points and message, and what of the submission was not graded.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub status: &'static str,
    pub score: u32,
    pub max_score: u32,
    pub tests: Vec<TestReport>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TestReport {
    pub name: String,
    pub status: &'static str,
    pub score: u32,
    /// The task's points: what `score` is out of.
    pub max_score: u32,
    pub message: String,
    pub duration: u64,
}

impl Report {
    pub fn new(results: &[TaskResult], notes: &[String]) -> Self {
        let tests: Vec<_> = results
            .iter()
            .map(|result| {
                let (status, score, message) = match &result.outcome {
                    Ok(()) => ("pass", result.points, String::new()),
                    Err(Problem::Task(message)) => ("fail", 0, message.clone()),
                    Err(Problem::Environment(message)) => ("error", 0, message.clone()),
                    Err(Problem::NotGraded(message)) => ("not graded", 0, message.clone()),
                };
                TestReport {
                    name: result.name.to_owned(),
                    status,
                    score,
                    max_score: result.points,
                    message,
                    duration: u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
                }
            })
            .collect();
        let status = if tests.iter().any(|t| t.status == "not graded") {
            "not graded"
        } else if tests.iter().any(|t| t.status == "error") {
            "error"
        } else if tests.iter().all(|t| t.status == "pass") {
            "pass"
        } else {
            "fail"
        };
        Self {
            version: 1,
            status,
            score: tests.iter().map(|t| t.score).sum(),
            max_score: results.iter().map(|r| r.points).sum(),
            tests,
            notes: notes.to_vec(),
        }
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }
}

/// The table a student reads in the terminal: one line per task, the notes, and the score.
pub fn summary(results: &[TaskResult], notes: &[String]) -> String {
    let mut out = String::from("\nLab tasks:\n");
    for result in results {
        let line = match &result.outcome {
            Ok(()) => format!("  PASS  {} ({} points)", result.name, result.points),
            Err(Problem::Task(message)) => format!("  FAIL  {}: {message}", result.name),
            Err(Problem::Environment(message)) => format!("  ERROR {}: {message}", result.name),
            Err(Problem::NotGraded(message)) => format!("  NOT GRADED  {}: {message}", result.name),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if !notes.is_empty() {
        out.push_str("Not graded from your repository:\n");
        for note in notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    let scored: u32 = results
        .iter()
        .filter(|result| result.passed())
        .map(|result| result.points)
        .sum();
    let total: u32 = results.iter().map(|result| result.points).sum();
    out.push_str(&format!("Score: {scored}/{total}\n"));
    out
}
