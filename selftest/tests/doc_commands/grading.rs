//! Runners for the autograder's commands: grading the starter, the solution or one task, a
//! hint, the id rule's tests, and the watch that grades again on save.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use selftest::doc_commands::folder_of;
use selftest::doc_commands::shell::{
    one_at_a_time, run, signal_group, spawn_logging_to, student_shell, tail, tempfile,
};
use selftest::{kit_root, output_text as text};

use crate::app::START_TIMEOUT;

/// Each task's line in the autograder's summary: `PASS`, `FAIL` or `ERROR` by task name.
pub(crate) fn summary_verdicts(output: &str) -> BTreeMap<String, String> {
    output
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let verdict = words.next()?;
            if !["PASS", "FAIL", "ERROR"].contains(&verdict) {
                return None;
            }
            let task = words.next()?.trim_end_matches(':');
            Some((task.to_owned(), verdict.to_owned()))
        })
        .collect()
}

/// Compares the summary with what is expected of every task in `checks::tasks::ALL`.
pub(crate) fn expect_verdicts(
    output: &str,
    expected: impl Fn(&str) -> &'static str,
) -> Result<(), String> {
    let verdicts = summary_verdicts(output);
    let wrong: Vec<String> = checks::tasks::ALL
        .iter()
        .filter_map(|task| {
            let want = expected(task.name);
            let got = verdicts.get(task.name).map_or("no line", String::as_str);
            (got != want).then(|| format!("{}: {got}, expected {want}", task.name))
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the autograder's summary is not what the docs promise:\n  {}\n--- output (end) ---\n{}",
            wrong.join("\n  "),
            tail(output)
        ))
    }
}

pub(crate) fn starter_verdict(task: &str) -> &'static str {
    if selftest::lab_tasks().any(|lab| lab == task) {
        "FAIL"
    } else {
        "PASS"
    }
}

pub(crate) fn checks_grade_the_starter(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    expect_verdicts(&all, starter_verdict)?;
    if output.status.success() {
        return Err(format!(
            "`{command}` exited 0 although lab tasks failed:\n{}",
            tail(&all)
        ));
    }
    Ok(())
}

/// `cargo test -p checks -- --exact TASK`: only TASK is graded, and the pristine starter fails it.
pub(crate) fn checks_grade_one_task(command: &str) -> Result<(), String> {
    let task = command
        .split_whitespace()
        .last()
        .ok_or("no task in the command")?;
    if !selftest::lab_tasks().any(|lab| lab == task) {
        return Err(format!("{task} is not a lab task of checks::tasks::ALL"));
    }
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    let verdicts = summary_verdicts(&all);
    let expected: BTreeMap<String, String> = [(task.to_owned(), "FAIL".to_owned())].into();
    if verdicts != expected || output.status.success() {
        return Err(format!(
            "`{command}` ({}) should grade {task} alone and fail it on the starter, got \
             {verdicts:?}:\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

/// `cargo run -p checks --bin grade -- --hint TASK [--level N]`: that level of the task's hints,
/// exactly as `checks::hints` holds it, and nothing graded.
pub(crate) fn grade_hint(command: &str) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|word| *word == flag)
            .and_then(|at| words.get(at + 1))
            .copied()
    };
    let task = after("--hint").ok_or("no task after --hint")?;
    let level: u8 = after("--level")
        .map_or(Ok(2), str::parse)
        .map_err(|e| format!("{e}"))?;
    let expected = checks::hints::show(task, level)?;
    let output = run(command, &folder_of(command), &[])?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout != expected {
        return Err(format!(
            "`{command}` ({}) should print hint {level} of {task}:\n{expected}\ngot:\n{}",
            output.status,
            tail(&text(&output))
        ));
    }
    Ok(())
}

/// The handout's id-rule exercise on the pristine starter: every one of its tests fails.
pub(crate) fn id_rule_tests_fail_on_the_starter(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    let results: Vec<&str> = all
        .lines()
        .filter(|line| line.starts_with("test telemetry::request_id::tests::"))
        .collect();
    let failed = results
        .iter()
        .filter(|line| line.ends_with("FAILED"))
        .count();
    if output.status.success() || failed < 3 || failed != results.len() {
        return Err(format!(
            "`{command}` ({}) should run the id rule's tests and fail every one on the \
             starter: {results:?}\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

pub(crate) fn checks_grade_the_solution(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let all = text(&output);
    expect_verdicts(&all, |_| "PASS")?;
    if !output.status.success() {
        return Err(format!(
            "`{command}` failed ({}):\n{}",
            output.status,
            tail(&all)
        ));
    }
    Ok(())
}

/// The handout's watch command on the kit's own files: one grading at its start, a second one
/// after a lab file is saved, then Ctrl-C. Saving is setting the file's time: its content stays.
pub(crate) fn watch_grades_again_on_save(command: &str) -> Result<(), String> {
    const SAVED: &str = "terraform/task-size.auto.tfvars";
    let _turn = one_at_a_time();
    let log = tempfile("watch.log")?;
    let mut child = spawn_logging_to(&mut student_shell(command, &folder_of(command), &[]), &log)?;
    let output = || std::fs::read_to_string(&log).unwrap_or_default();
    let scores = || output().matches("Score: ").count();
    let mut wait_for = |count: usize, limit: Duration| -> Result<(), String> {
        let started = Instant::now();
        while scores() < count {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "`{command}` exited ({status}):\n{}",
                    tail(&output())
                ));
            }
            if started.elapsed() > limit {
                return Err(format!(
                    "`{command}` printed {} scores within {limit:?}, expected {count}:\n{}",
                    scores(),
                    tail(&output())
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(())
    };
    let graded = wait_for(1, START_TIMEOUT).and_then(|()| {
        std::fs::File::options()
            .append(true)
            .open(kit_root().join(SAVED))
            .and_then(|file| file.set_modified(std::time::SystemTime::now()))
            .map_err(|error| format!("cannot save {SAVED}: {error}"))?;
        wait_for(2, Duration::from_secs(120))
    });
    signal_group(child.id(), "-INT");
    let stopping = Instant::now();
    while !matches!(child.try_wait(), Ok(Some(_))) {
        if stopping.elapsed() > Duration::from_secs(30) {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            return Err(format!("`{command}` did not stop within 30 s of Ctrl-C"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    graded?;
    let all = output();
    let verdicts = summary_verdicts(&all);
    let expected: BTreeMap<String, String> =
        [("ecs_task_size".to_owned(), "FAIL".to_owned())].into();
    if verdicts != expected || !all.contains(&format!("{SAVED} changed")) {
        return Err(format!(
            "`{command}` should grade ecs_task_size alone (FAIL on the handed-out size), then \
             again after {SAVED} changed, got {verdicts:?}:\n{}",
            tail(&all)
        ));
    }
    Ok(())
}
