//! `grade`: grades a submission as handed in, against the template it was made from.
//! `grade --hint TASK [--level N]` prints a task's next hint instead (`checks::hints`).
//!
//! Every course platform's grading side wraps this command. It prints the task table and the
//! score, writes `results.json` into `--out` (and, when asked, the same result as Classroom 50's
//! `result.json`, Gradescope's `results.json`, JUnit XML or a Markdown table), and exits with 0
//! (full marks), 1 (graded, some task failed or was not graded) or 2 (this machine or the
//! template could not grade).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use checks::grading::{self, Request};
use checks::report::{classroom50, gradescope, junit, markdown};
use checks::{report, Report};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Grades a TaskOverflow lab submission against its template")]
struct Args {
    /// The student's repository as handed in (only its lab files are graded).
    #[arg(long, default_value = ".")]
    submission: PathBuf,
    /// The template's copy every other file comes from (default: the submission itself, for a
    /// student's own check).
    #[arg(long)]
    template: Option<PathBuf>,
    /// The sha256 of the template's file list: every template file is checked before grading.
    #[arg(long)]
    template_hash: Option<String>,
    /// Where the app is built (default: the template's `target/`).
    #[arg(long)]
    target_dir: Option<PathBuf>,
    /// Where `results.json` is written.
    #[arg(long, default_value = "grading-results")]
    out: PathBuf,
    /// Grade only this task (repeatable).
    #[arg(long = "task")]
    tasks: Vec<String>,
    /// Also write Classroom 50's `result.json` here (its identity from the runner's variables).
    #[arg(long, value_name = "PATH")]
    classroom50: Option<PathBuf>,
    /// Also write Gradescope's `results.json` here.
    #[arg(long, value_name = "PATH")]
    gradescope: Option<PathBuf>,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// Also write the task table in Markdown here (a job summary, a release body).
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    /// Print a hint for this task instead of grading (a failing task's message is level 1).
    #[arg(long, value_name = "TASK")]
    hint: Option<String>,
    /// The hint's level: 2 the idea behind the task, 3 the place to change.
    #[arg(long, default_value_t = 2, requires = "hint")]
    level: u8,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(task) = &args.hint {
        return match checks::hints::show(task, args.level) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("{why}");
                ExitCode::from(2)
            }
        };
    }
    // A failed snapshot is a message for the student, not a file to write.
    std::env::set_var("INSTA_UPDATE", "no");
    if let Err(message) = checks::tasks::check_names(&args.tasks) {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    // Before anything is graded: a grading whose platform file cannot be written is no use.
    let identity = match &args.classroom50 {
        Some(_) => match classroom50_identity(&args.submission) {
            Ok(identity) => Some(identity),
            Err(error) => {
                eprintln!("cannot write Classroom 50's result: {error}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let template = args
        .template
        .clone()
        .unwrap_or_else(|| args.submission.clone());
    let request = Request {
        target_dir: args.target_dir.unwrap_or_else(|| template.join("target")),
        template,
        template_hash: args.template_hash.clone(),
        submission: args.submission.clone(),
    };
    let grading = match grading::grade(&request, &args.tasks) {
        Ok(grading) => grading,
        Err(error) => {
            eprintln!("cannot grade {}: {error:#}", request.submission.display());
            return ExitCode::from(2);
        }
    };
    eprint!("{}", report::summary(&grading.results, &grading.notes));
    let report = Report::new(&grading.results, &grading.notes);
    let path = args.out.join("results.json");
    if let Err(error) = report.write(&path) {
        eprintln!("cannot write {}: {error}", path.display());
        return ExitCode::from(2);
    }
    eprintln!("Results: {}", path.display());
    let mut written: Vec<(PathBuf, String)> = Vec::new();
    if let (Some(path), Some(identity)) = (&args.classroom50, &identity) {
        written.push((path.clone(), classroom50::to_json(&report, identity)));
    }
    if let Some(path) = &args.gradescope {
        written.push((path.clone(), gradescope::to_json(&report)));
    }
    if let Some(path) = &args.junit {
        written.push((path.clone(), junit::to_xml(&report)));
    }
    if let Some(path) = &args.markdown {
        written.push((path.clone(), markdown::table(&report)));
    }
    for (path, text) in &written {
        if let Err(error) = write(path, text) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::from(2);
        }
        eprintln!("Results: {}", path.display());
    }
    match report.status {
        "pass" => ExitCode::SUCCESS,
        "error" => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

/// Who and what Classroom 50 graded: the runner's variables, and the graded commit's time.
fn classroom50_identity(submission: &Path) -> Result<classroom50::Identity, String> {
    let format =
        |time: chrono::DateTime<chrono::Utc>| time.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let now = format(chrono::Utc::now());
    let committed = Command::new("git")
        .arg("-C")
        .arg(submission)
        .args(["show", "-s", "--format=%cI", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            chrono::DateTime::parse_from_rfc3339(String::from_utf8_lossy(&output.stdout).trim())
                .ok()
        })
        .map_or_else(|| now.clone(), |time| format(time.to_utc()));
    classroom50::Identity::from_vars(|name| std::env::var(name).ok(), committed, now)
}
