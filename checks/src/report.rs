//! What the student reads, and what GitHub Classroom or an LMS reads.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::task::{Problem, TaskResult};

/// The GitHub Classroom autograding reporter's shape.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub status: &'static str,
    pub max_score: u32,
    pub tests: Vec<TestReport>,
}

#[derive(Debug, Serialize)]
pub struct TestReport {
    pub name: String,
    pub status: &'static str,
    pub score: u32,
    pub message: String,
    pub duration: u64,
}

impl Report {
    pub fn new(results: &[TaskResult]) -> Self {
        let tests: Vec<_> = results
            .iter()
            .map(|result| {
                let (status, score, message) = match &result.outcome {
                    Ok(()) => ("pass", result.points, String::new()),
                    Err(Problem::Task(message)) => ("fail", 0, message.clone()),
                    Err(Problem::Environment(message)) => ("error", 0, message.clone()),
                };
                TestReport {
                    name: result.name.to_owned(),
                    status,
                    score,
                    message,
                    duration: u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
                }
            })
            .collect();
        let status = if tests.iter().any(|t| t.status == "error") {
            "error"
        } else if tests.iter().all(|t| t.status == "pass") {
            "pass"
        } else {
            "fail"
        };
        Self {
            version: 1,
            status,
            max_score: results.iter().map(|r| r.points).sum(),
            tests,
        }
    }

    pub fn default_path() -> PathBuf {
        std::env::var_os("CHECKS_RESULTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::target::kit_root().join("target/checks/results.json"))
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }
}
