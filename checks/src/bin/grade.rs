//! `grade`: grades a submission as handed in, against the template it was made from.
//!
//! Every course platform's grading side wraps this command. It prints the task table and the
//! score, writes `results.json` into `--out`, and exits with 0 (full marks), 1 (graded, some
//! task failed or was not graded) or 2 (this machine or the template could not grade).

use std::path::PathBuf;
use std::process::ExitCode;

use checks::grading::{self, Request};
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
}

fn main() -> ExitCode {
    let args = Args::parse();
    // A failed snapshot is a message for the student, not a file to write.
    std::env::set_var("INSTA_UPDATE", "no");
    for name in &args.tasks {
        if !checks::tasks::ALL.iter().any(|task| task.name == name) {
            let names: Vec<&str> = checks::tasks::ALL.iter().map(|task| task.name).collect();
            eprintln!("no task {name:?}: the tasks are {}", names.join(", "));
            return ExitCode::from(2);
        }
    }
    let template = args.template.unwrap_or_else(|| args.submission.clone());
    let request = Request {
        target_dir: args.target_dir.unwrap_or_else(|| template.join("target")),
        template,
        template_hash: args.template_hash,
        submission: args.submission,
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
    match report.status {
        "pass" => ExitCode::SUCCESS,
        "error" => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}
