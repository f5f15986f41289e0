//! `grade-batch`: grades a class on a tutor's own machine, for regrades after a deadline or after
//! a grader fix.
//!
//! Each submission (a folder, or a repository to clone) is graded in isolation by the `grade`
//! command beside this one, in parallel up to the machine's CPUs, with a progress bar. The run
//! writes `gradebook.csv` (student, commit, points per task, total, verdict, reason), each
//! student's reports under `reports/NAME/`, and `summary.md`: per task, how many passed and the
//! most common failure messages. A submission that cannot be cloned or graded gets its row with
//! the reason, and the run goes on.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;

use anyhow::{bail, ensure, Context};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

#[derive(Parser)]
#[command(about = "Grades many TaskOverflow lab submissions into a CSV gradebook")]
struct Args {
    /// The template's copy every non-lab file comes from.
    #[arg(long)]
    template: PathBuf,
    /// The sha256 of the template's file list (checked before each grading).
    #[arg(long)]
    template_hash: Option<String>,
    /// Where the gradebook, the reports and the clones go (new, or empty).
    #[arg(long)]
    out: PathBuf,
    /// Where the apps are built (shared: dependencies compile once for the whole class).
    #[arg(long)]
    target_dir: Option<PathBuf>,
    /// How many submissions are graded at once (default: the machine's CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// A file with one submission per line: `NAME SOURCE` (`#` starts a comment).
    #[arg(long)]
    list: Option<PathBuf>,
    /// The `grade` command (default: the one beside this command).
    #[arg(long)]
    grade: Option<PathBuf>,
    /// Submissions: `NAME=SOURCE` or `SOURCE`, where SOURCE is a folder or a repository URL.
    submissions: Vec<String>,
}

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Submission {
    name: String,
    source: String,
}

/// What `grade` wrote (the fields of its `results.json` that the gradebook needs).
#[derive(Debug, Deserialize)]
struct Results {
    status: String,
    score: u32,
    max_score: u32,
    tests: Vec<TestResult>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TestResult {
    name: String,
    status: String,
    score: u32,
    message: String,
}

/// One row of the gradebook.
#[derive(Debug)]
struct Row {
    student: String,
    commit: String,
    results: Option<Results>,
    verdict: String,
    reason: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("grade-batch: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let mut submissions = Vec::new();
    if let Some(list) = &args.list {
        let text = fs::read_to_string(list)
            .with_context(|| format!("cannot read the list {}", list.display()))?;
        submissions.extend(parse_list(&text)?);
    }
    for argument in &args.submissions {
        submissions.push(parse_submission(argument)?);
    }
    ensure!(
        !submissions.is_empty(),
        "no submissions: name folders or repositories, or give --list FILE"
    );
    let mut names: Vec<&str> = submissions.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        bail!(
            "the name {} is given twice: name each submission NAME=SOURCE",
            twice[0]
        );
    }
    let grade = match &args.grade {
        Some(grade) => grade.clone(),
        None => std::env::current_exe()
            .context("cannot find this command's own folder")?
            .with_file_name("grade"),
    };
    ensure!(
        grade.is_file(),
        "{} is not there: build it with `cargo build -p checks --bins`",
        grade.display()
    );
    if args.out.exists() {
        ensure!(
            fs::read_dir(&args.out)?.next().is_none(),
            "{} is not empty: give a new folder, so that no earlier run's report is mistaken for \
             this one's",
            args.out.display()
        );
    }
    let template = fs::canonicalize(&args.template)
        .with_context(|| format!("no template at {}", args.template.display()))?;
    fs::create_dir_all(args.out.join("reports"))?;
    let out = fs::canonicalize(&args.out)?;
    let target_dir = match &args.target_dir {
        Some(dir) => dir.clone(),
        None => out.join("target"),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, submissions.len());

    let progress = ProgressBar::new(submissions.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .map_err(|error| anyhow::anyhow!("progress bar template: {error}"))?
            .progress_chars("=> "),
    );
    let say = |line: String| {
        if progress.is_hidden() {
            eprintln!("{line}");
        } else {
            progress.println(line);
        }
    };
    say(format!(
        "Grading {} submission(s), {jobs} at a time, against {}",
        submissions.len(),
        template.display()
    ));
    let queue: Mutex<VecDeque<(usize, Submission)>> =
        Mutex::new(submissions.iter().cloned().enumerate().collect());
    let rows: Mutex<Vec<(usize, Row)>> = Mutex::new(Vec::new());
    let job = Job {
        grade: &grade,
        template: &template,
        template_hash: args.template_hash.as_deref(),
        target_dir: &target_dir,
        out: &out,
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let next = queue
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .pop_front();
                let Some((index, submission)) = next else {
                    break;
                };
                progress.set_message(submission.name.clone());
                let row = job.grade(&submission);
                let score = row.results.as_ref().map_or_else(
                    || "-".to_owned(),
                    |r| format!("{}/{}", r.score, r.max_score),
                );
                say(format!("{}: {} ({score})", row.student, row.verdict));
                progress.inc(1);
                rows.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push((index, row));
            });
        }
    });
    progress.finish_and_clear();
    let mut rows = rows.into_inner().unwrap_or_else(|p| p.into_inner());
    rows.sort_by_key(|(index, _)| *index);
    let rows: Vec<Row> = rows.into_iter().map(|(_, row)| row).collect();

    let tasks: Vec<&str> = checks::tasks::ALL.iter().map(|task| task.name).collect();
    let gradebook = out.join("gradebook.csv");
    write_gradebook(&gradebook, &tasks, &rows)?;
    let summary = class_summary(&tasks, &rows);
    fs::write(out.join("summary.md"), &summary)?;
    println!("{summary}");
    println!("Gradebook: {}", gradebook.display());
    println!("Reports:   {}", out.join("reports").display());
    Ok(())
}

/// What every grading of the run shares.
struct Job<'a> {
    grade: &'a Path,
    template: &'a Path,
    template_hash: Option<&'a str>,
    target_dir: &'a Path,
    out: &'a Path,
}

impl Job<'_> {
    fn grade(&self, submission: &Submission) -> Row {
        let reports = self.out.join("reports").join(&submission.name);
        let mut row = Row {
            student: submission.name.clone(),
            commit: String::new(),
            results: None,
            verdict: String::new(),
            reason: String::new(),
        };
        if let Err(error) = fs::create_dir_all(&reports) {
            row.verdict = "cannot grade".to_owned();
            row.reason = format!("cannot create {}: {error}", reports.display());
            return row;
        }
        let folder = match self.checkout(submission) {
            Ok(folder) => folder,
            Err(reason) => {
                row.verdict = "cannot clone".to_owned();
                row.reason = reason;
                return row;
            }
        };
        row.commit = commit_of(&folder);
        let log = reports.join("grade.log");
        let mut command = Command::new(self.grade);
        command
            .arg("--template")
            .arg(self.template)
            .arg("--submission")
            .arg(&folder)
            .arg("--target-dir")
            .arg(self.target_dir)
            .arg("--out")
            .arg(&reports)
            .arg("--markdown")
            .arg(reports.join("report.md"))
            .stdin(Stdio::null());
        if let Some(hash) = self.template_hash {
            command.arg("--template-hash").arg(hash);
        }
        let outcome = fs::File::create(&log).and_then(|file| {
            let stdout = file.try_clone()?;
            command.stdout(stdout).stderr(file).status()
        });
        let status = match outcome {
            Ok(status) => status,
            Err(error) => {
                row.verdict = "cannot grade".to_owned();
                row.reason = format!("cannot run {}: {error}", self.grade.display());
                return row;
            }
        };
        let results = fs::read_to_string(reports.join("results.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Results>(&text).ok());
        match results {
            Some(results) => {
                row.verdict = match results.status.as_str() {
                    "pass" => "full marks",
                    "not graded" => "not graded",
                    "error" => "error",
                    _ => "graded",
                }
                .to_owned();
                row.reason = reason_of(&results);
                row.results = Some(results);
            }
            None => {
                row.verdict = "cannot grade".to_owned();
                let text = fs::read_to_string(&log).unwrap_or_default();
                row.reason = format!(
                    "grade exited with {status} without results: {}",
                    last_line(&text)
                );
            }
        }
        row
    }

    /// The submission's folder: the one given, or a fresh clone of the repository.
    fn checkout(&self, submission: &Submission) -> Result<PathBuf, String> {
        let local = Path::new(&submission.source);
        if local.is_dir() {
            return fs::canonicalize(local)
                .map_err(|error| format!("{}: {error}", local.display()));
        }
        let clone = self.out.join("clones").join(&submission.name);
        let output = Command::new("git")
            .args(["clone", "--quiet", "--no-tags", "--"])
            .arg(&submission.source)
            .arg(&clone)
            // Never wait for a password: a repository this machine cannot read is a row, not a
            // prompt.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "true")
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("cannot run git: {error}"))?;
        if output.status.success() {
            Ok(clone)
        } else {
            Err(format!(
                "git clone {} failed: {}",
                submission.source,
                last_line(&String::from_utf8_lossy(&output.stderr))
            ))
        }
    }
}

/// The commit a folder is at (12 characters), or `-` when it is no git repository.
fn commit_of(folder: &Path) -> String {
    Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["rev-parse", "--short=12", "HEAD"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "-".to_owned())
}

/// Why a graded submission lost points: the first task that did not pass, in its own words
/// (for a build failure, the compiler's errors), or the first note.
fn reason_of(results: &Results) -> String {
    if let Some(test) = results.tests.iter().find(|test| test.status != "pass") {
        return format!("{}: {}", test.name, test.message);
    }
    results.notes.first().cloned().unwrap_or_default()
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
        .to_owned()
}

fn write_gradebook(path: &Path, tasks: &[&str], rows: &[Row]) -> anyhow::Result<()> {
    let mut csv =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut header = vec!["student", "commit"];
    header.extend_from_slice(tasks);
    header.extend(["total", "max", "verdict", "reason"]);
    csv.write_record(&header)?;
    for row in rows {
        let mut record = vec![row.student.clone(), row.commit.clone()];
        for task in tasks {
            let points = row.results.as_ref().and_then(|results| {
                results
                    .tests
                    .iter()
                    .find(|test| test.name == *task)
                    .map(|test| test.score.to_string())
            });
            record.push(points.unwrap_or_default());
        }
        match &row.results {
            Some(results) => {
                record.push(results.score.to_string());
                record.push(results.max_score.to_string());
            }
            None => record.extend([String::new(), String::new()]),
        }
        record.push(row.verdict.clone());
        record.push(row.reason.clone());
        csv.write_record(&record)?;
    }
    csv.flush()?;
    Ok(())
}

/// How many failures a task's summary names.
const COMMON_FAILURES: usize = 3;

/// Per task: how many passed, and the most common failure messages (by their first line).
fn class_summary(tasks: &[&str], rows: &[Row]) -> String {
    let graded: Vec<&Results> = rows.iter().filter_map(|row| row.results.as_ref()).collect();
    let mut out = format!(
        "## Class summary: {} submission(s), {} graded\n\n",
        rows.len(),
        graded.len()
    );
    let ungraded: Vec<&Row> = rows.iter().filter(|row| row.results.is_none()).collect();
    if !ungraded.is_empty() {
        out.push_str("Not graded:\n\n");
        for row in ungraded {
            out.push_str(&format!("- {}: {}\n", row.student, row.reason));
        }
        out.push('\n');
    }
    for task in tasks {
        let results: Vec<&TestResult> = graded
            .iter()
            .filter_map(|results| results.tests.iter().find(|test| test.name == *task))
            .collect();
        let passed = results.iter().filter(|test| test.status == "pass").count();
        out.push_str(&format!("### {task}: {passed}/{} passed\n", results.len()));
        let mut failures: BTreeMap<String, usize> = BTreeMap::new();
        for test in results.iter().filter(|test| test.status != "pass") {
            let first = test.message.lines().next().unwrap_or("(no message)");
            *failures.entry(first.to_owned()).or_default() += 1;
        }
        let mut failures: Vec<(String, usize)> = failures.into_iter().collect();
        failures.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        for (message, count) in failures.iter().take(COMMON_FAILURES) {
            out.push_str(&format!("- {count}×: {message}\n"));
        }
        if failures.len() > COMMON_FAILURES {
            out.push_str(&format!(
                "- and {} other message(s)\n",
                failures.len() - COMMON_FAILURES
            ));
        }
        out.push('\n');
    }
    out
}

fn parse_submission(argument: &str) -> anyhow::Result<Submission> {
    let (name, source) = match argument.split_once('=') {
        // A URL's query may hold `=`: only a plain name before it names the submission.
        Some((name, source)) if valid_name(name) => (name.to_owned(), source.to_owned()),
        _ => (name_of(argument)?, argument.to_owned()),
    };
    ensure!(!source.is_empty(), "{argument}: no source after the name");
    Ok(Submission { name, source })
}

fn parse_list(text: &str) -> anyhow::Result<Vec<Submission>> {
    let mut submissions = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, source)) = line.split_once(|c: char| c.is_whitespace() || c == ',') else {
            bail!("line {}: not `NAME SOURCE`: {line}", number + 1);
        };
        let (name, source) = (name.trim(), source.trim());
        ensure!(
            valid_name(name),
            "line {}: {name:?} is not a name (letters, digits, `.`, `_`, `-`)",
            number + 1
        );
        submissions.push(Submission {
            name: name.to_owned(),
            source: source.to_owned(),
        });
    }
    Ok(submissions)
}

/// A name for a submission given without one: its folder's or repository's last part.
fn name_of(source: &str) -> anyhow::Result<String> {
    let last = source
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or_default()
        .trim_end_matches(".git");
    ensure!(
        valid_name(last),
        "cannot name the submission {source:?}: give it as NAME=SOURCE"
    );
    Ok(last.to_owned())
}

/// A name that is a safe folder name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submissions_are_named_and_listed() {
        let named = parse_submission("alice=https://example.invalid/a.git").expect("named");
        assert_eq!(named.name, "alice");
        let unnamed = parse_submission("/tmp/class/bob/").expect("named by folder");
        assert_eq!(unnamed.name, "bob");
        let url = parse_submission("git@example.invalid:course/carol.git").expect("by repo");
        assert_eq!(url.name, "carol");
        assert!(parse_submission("/").is_err());
        let list =
            parse_list("# the class\nalice /tmp/a\nbob,https://example.invalid/b.git # late\n\n")
                .expect("a list");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].source, "https://example.invalid/b.git");
        assert!(parse_list("../x /tmp/a\n").is_err());
        assert!(parse_list("lonely\n").is_err());
    }

    #[test]
    fn the_summary_counts_passes_and_the_commonest_failures() {
        let results = |structured: (&str, &str)| Results {
            status: "fail".to_owned(),
            score: 1,
            max_score: 3,
            tests: vec![
                TestResult {
                    name: "api_still_works".to_owned(),
                    status: "pass".to_owned(),
                    score: 1,
                    message: String::new(),
                },
                TestResult {
                    name: "structured_logs".to_owned(),
                    status: structured.0.to_owned(),
                    score: 0,
                    message: structured.1.to_owned(),
                },
            ],
            notes: Vec::new(),
        };
        let row = |name: &str, results: Option<Results>| Row {
            student: name.to_owned(),
            commit: "-".to_owned(),
            results,
            verdict: "graded".to_owned(),
            reason: "clone failed".to_owned(),
        };
        let rows = vec![
            row("a", Some(results(("fail", "no JSON line\nsee handout")))),
            row("b", Some(results(("fail", "no JSON line\nother")))),
            row("c", Some(results(("fail", "a line lacks `level`")))),
            row("d", None),
        ];
        let summary = class_summary(&["api_still_works", "structured_logs"], &rows);
        assert!(
            summary.contains("### api_still_works: 3/3 passed"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "### structured_logs: 0/3 passed\n- 2×: no JSON line\n- 1×: a line lacks `level`\n"
            ),
            "{summary}"
        );
        assert!(summary.contains("- d: clone failed"), "{summary}");
    }
}
