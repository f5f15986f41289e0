//! Classroom 50's `result.json` (schema `classroom50/result/v1`), the file its runner reads from
//! the student's checkout after the autograder exits: one test per lab task.
//!
//! The identity fields come from the variables the runner sets for an autograder (`CLASSROOM`,
//! `ASSIGNMENT`, `SUBMISSION_TAG`, `COMMIT_URL`, `RELEASE_URL`, `REVIEW_URL`, `OWNER` or
//! `USERNAME`, `ASSIGNMENT_TYPE`). The runner overwrites `owner`, `assignment_type`, `datetime`
//! and `graded_at` with its own values; they are filled here too so that the file is valid on
//! its own. Each test carries the task's message as an extra field, which Classroom 50 keeps.

use serde::Serialize;

use super::Report;

pub const SCHEMA: &str = "classroom50/result/v1";

/// Who and what was graded, as the runner names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub classroom: String,
    pub assignment: String,
    pub owner: String,
    pub assignment_type: String,
    pub submission: String,
    pub commit: String,
    pub release: String,
    pub review: String,
    /// When the graded commit was made (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub datetime: String,
    /// When this grading ran (same format).
    pub graded_at: String,
}

impl Identity {
    /// The identity from the runner's variables (`var` looks one up). `committed` is the graded
    /// commit's time and `now` this grading's, both already formatted.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        committed: String,
        now: String,
    ) -> Result<Self, String> {
        let required = |name: &str| {
            var(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or_else(|| {
                    format!(
                        "{name} is not set: Classroom 50's runner sets it for an autograder \
                         (CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL)"
                    )
                })
        };
        let commit = required("COMMIT_URL")?;
        Ok(Self {
            classroom: required("CLASSROOM")?,
            assignment: required("ASSIGNMENT")?,
            owner: var("OWNER")
                .or_else(|| var("USERNAME"))
                .filter(|owner| !owner.is_empty())
                .unwrap_or_else(|| "unknown".to_owned()),
            assignment_type: var("ASSIGNMENT_TYPE")
                .filter(|kind| !kind.is_empty())
                .unwrap_or_else(|| "individual".to_owned()),
            submission: required("SUBMISSION_TAG")?,
            release: required("RELEASE_URL")?,
            review: var("REVIEW_URL")
                .filter(|review| !review.is_empty())
                .unwrap_or_else(|| commit.clone()),
            commit,
            datetime: committed,
            graded_at: now,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct ResultFile {
    pub schema: &'static str,
    pub classroom: String,
    pub assignment: String,
    pub assignment_type: String,
    pub owner: String,
    pub submission: String,
    pub commit: String,
    pub release: String,
    pub review: String,
    pub datetime: String,
    pub graded_at: String,
    pub score: u32,
    #[serde(rename = "max-score")]
    pub max_score: u32,
    pub tests: Vec<Test>,
}

#[derive(Debug, Serialize)]
pub struct Test {
    #[serde(rename = "test-name")]
    pub test_name: String,
    pub passed: bool,
    pub score: u32,
    #[serde(rename = "max-score")]
    pub max_score: u32,
    /// Why the task did not pass (empty when it did): an extra field the platform keeps.
    pub message: String,
}

pub fn result(report: &Report, identity: &Identity) -> ResultFile {
    let identity = identity.clone();
    ResultFile {
        schema: SCHEMA,
        classroom: identity.classroom,
        assignment: identity.assignment,
        assignment_type: identity.assignment_type,
        owner: identity.owner,
        submission: identity.submission,
        commit: identity.commit,
        release: identity.release,
        review: identity.review,
        datetime: identity.datetime,
        graded_at: identity.graded_at,
        score: report.score,
        max_score: report.max_score,
        tests: report
            .tests
            .iter()
            .map(|test| Test {
                test_name: test.name.clone(),
                passed: test.status == "pass",
                score: test.score,
                max_score: test.max_score,
                message: test.message.clone(),
            })
            .collect(),
    }
}

pub fn to_json(report: &Report, identity: &Identity) -> String {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_string_pretty(&result(report, identity)).unwrap_or_default() + "\n"
}
