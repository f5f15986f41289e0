//! `watch`: grades the repository it was built from, then again every time one of the
//! student's lab files changes, until Ctrl-C. Run it as
//! `cargo run -p checks --bin watch -- --task NAME` (every task without `--task`).

use std::ops::ControlFlow;
use std::process::ExitCode;

use checks::grading::{self, Request};
use checks::report;
use checks::submission::{repository_of_this_test, target_dir_of_this_program};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Grades your lab work again every time you save one of its files")]
struct Args {
    /// Grade only this task (repeatable); every task without it.
    #[arg(long = "task")]
    tasks: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(message) = checks::tasks::check_names(&args.tasks) {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    // A failed snapshot is a message for the student, not a file to write.
    std::env::set_var("INSTA_UPDATE", "no");
    exit_cleanly_on_ctrl_c();
    // `cargo run` says where the package is; the repository is its parent.
    let repository = repository_of_this_test();
    let request = Request {
        template: repository.clone(),
        template_hash: None,
        submission: repository.clone(),
        target_dir: target_dir_of_this_program(),
    };
    let what = match args.tasks.as_slice() {
        [] => "every task".to_owned(),
        names => names.join(", "),
    };
    let outcome = checks::watch::watch(&repository, |changed| {
        match changed {
            [] => eprintln!("Grading {what}"),
            files => eprintln!("\n{} changed: grading {what}", files.join(", ")),
        }
        match grading::grade(&request, &args.tasks) {
            Ok(grading) => eprint!("{}", report::summary(&grading.results, &grading.notes)),
            Err(error) => eprintln!("cannot grade {}: {error:#}", repository.display()),
        }
        eprintln!(
            "Watching your lab files (the handout's table): save one to grade again; Ctrl-C stops."
        );
        ControlFlow::Continue(())
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("watch: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Ctrl-C is how the watch ends: exit through `exit` rather than die of the signal, so that the
/// grader's exit handlers run and remove its PostgreSQL container.
fn exit_cleanly_on_ctrl_c() {
    std::thread::spawn(|| {
        let interrupted = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map(|runtime| runtime.block_on(tokio::signal::ctrl_c()));
        match interrupted {
            Ok(Ok(())) => {
                eprintln!("\nStopped.");
                std::process::exit(130);
            }
            // Without a handler, Ctrl-C still stops the watch, only less tidily.
            Ok(Err(error)) | Err(error) => eprintln!("watch: Ctrl-C not handled: {error}"),
        }
    });
}
