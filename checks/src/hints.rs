//! Every task's hints, in three levels, in one place. A failing task's message is level 1: what
//! the check observed, then where to look. A student asks for the next levels with
//! `cargo run -p checks --bin grade -- --hint TASK [--level N]`: level 2 is the idea behind the
//! task, level 3 the exact place (file and function) to change. No level writes the fix.

/// How many levels each task has.
pub const LEVELS: u8 = 3;

/// One task's hints.
#[derive(Debug, Clone, Copy)]
pub struct Hint {
    pub task: &'static str,
    /// Level 1 (where to look), 2 (the idea) and 3 (the place).
    pub levels: [&'static str; LEVELS as usize],
    /// What names the place: level 3 holds each of these, levels 1 and 2 and the task's failure
    /// messages none of them (compared without case).
    pub place: &'static [&'static str],
}

pub const HINTS: &[Hint] = &[
    Hint {
        task: "api_still_works",
        levels: [
            "Where to look: docs/api.md lists every endpoint with its statuses and bodies; \
             `git diff -- starter/src` shows what you changed.",
            "The lab changes how the app logs, never what it answers: anything that runs \
             around the routes (a layer, a middleware) sees every request and can change a \
             status, a header or a body on its way out.",
            "starter/src/routes/ (the handlers) and function `instrument` in \
             starter/src/telemetry.rs (the layers around them): compare both with the \
             handed-out files.",
        ],
        place: &["function `instrument`"],
    },
    Hint {
        task: "structured_logs",
        levels: [
            "Where to look: the app's stdout from start-up to shutdown (`cargo run -p starter`), \
             and the field table of docs/handout.md, section \"Structured logging\".",
            "One tracing subscriber formats every event, the app's, its libraries' and the \
             request layers' alike, so the format is decided in one place. A JSON library \
             escapes whatever a value holds; a line assembled by hand breaks on the first \
             quote, backslash or control character.",
            "Function `init` in starter/src/telemetry.rs: the formatting layer the subscriber \
             is built with (marked `TODO(lab)`).",
        ],
        place: &["Function `init`"],
    },
    Hint {
        task: "correlation_ids",
        levels: [
            "Where to look: the `x-request-id` header of each response (`curl -i`), and the \
             `request_id`, `method` and `url` fields of every line a request writes, its SQL \
             lines included (docs/handout.md, section \"Correlation IDs\").",
            "A span's fields apply to every event logged while it is entered, the SQL \
             library's included, but only when the span itself passes the log level the app \
             runs at. Layers run in order: what a layer settles is seen only by the layers \
             after it.",
            "Function `instrument` in starter/src/telemetry.rs: the layers around the router \
             and their order (marked `TODO(lab)`); function `is_valid` in \
             starter/src/telemetry/request_id.rs for which incoming ids are kept.",
        ],
        place: &["Function `instrument`", "function `is_valid`"],
    },
    Hint {
        task: "logs_reach_cloudwatch",
        levels: [
            "Where to look: the events of the run's log group in CloudWatch Logs (the console, \
             or `aws logs tail taskoverflow`) beside the app's stdout (docs/handout.md, section \
             \"Shipping logs to CloudWatch\").",
            "The subscriber's writer decides where each formatted line goes, and the shipper \
             sends exactly what the formatting layer wrote: the events are what the lines are, \
             as long as the formatting layer writes to the shipper.",
            "Function `init` in starter/src/telemetry.rs: the writer the formatting layer is \
             given, stdout and the CloudWatch shipper together.",
        ],
        place: &["Function `init`"],
    },
    Hint {
        task: "k6_script_fixed",
        levels: [
            "Where to look: k6's end-of-test summary (which checks failed, how many requests of \
             each kind it sent), and the app's log lines of the planners' requests, their \
             method, url and status (docs/handout.md, sections \"Load testing with k6\" and \
             \"Debugging\").",
            "A k6 check compares what the API answered with what the script expects: when one \
             fails, either the app or the expectation is wrong, and docs/api.md says which. A \
             request in k6 returns a Response object (its status, headers and body: see k6's \
             documentation of `Response`), and what the API sent back, a new todo included, is \
             in the body.",
            "Function `planner` in k6/planners-and-studiers.js: the condition of its \
             `todo created` check, and the URL its DELETE request is sent to (where the id in \
             it comes from).",
        ],
        place: &[
            "Function `planner`",
            "`todo created` check",
            "URL its DELETE request is sent to",
        ],
    },
    Hint {
        task: "ecs_task_size",
        levels: [
            "Where to look: your estimate in terraform/CAPACITY.md, the size in \
             terraform/task-size.auto.tfvars, the load test's peak in \
             k6/planners-and-studiers.js, and docs/handout.md, section \
             \"Back-of-the-envelope capacity\".",
            "Capacity is arithmetic: the requests per second the scenario sends at its peak \
             (a virtual user sends one request per sleep plus latency: VUs ÷ (sleep + latency), \
             added up over the scenarios) times the CPU time one request costs (measured on a \
             release build: the app's CPU use while k6 runs divided by the requests per second \
             it served) is the vCPU the peak keeps busy. A task busy more than about 70% of the \
             time queues requests, so the handout's rule provides the busy vCPU ÷ 0.7, and \
             chooses at least that and less than twice it.",
            "The five lines of terraform/CAPACITY.md; `task_cpu`, `task_memory` and \
             `desired_count` in terraform/task-size.auto.tfvars (one task's size, in the pairs \
             Fargate runs, and how many run); the peak's virtual users are in the `options` of \
             k6/planners-and-studiers.js.",
        ],
        place: &["`task_cpu`", "`options`"],
    },
    Hint {
        task: "deployment_evidence",
        levels: [
            "Where to look: evidence/deployment-logs.json itself (`jq '.events | length'`, \
             `jq -r '.events[].message' evidence/deployment-logs.json | jq -c '{hostname, method, url, status}'`), beside \
             docs/handout.md, section \"Evidence of your deployment\".",
            "The export holds whatever the app's log group received in the time window the \
             command was given, as the app on AWS wrote it. A service deployed behind the load \
             balancer leaves signs no local run does: each task logs under its own host name on \
             AWS, the load balancer checks each task's health at a fixed interval, and one run of \
             the load test fits in a few minutes.",
            "The `aws logs filter-log-events` command of the handout's section: its \
             `--log-group-name`, and its `--start-time` and `--end-time`, the run's start and \
             end in milliseconds since 1970, taken while k6 ran against the load balancer's \
             endpoint.",
        ],
        place: &["`--start-time`", "`--end-time`"],
    },
];

impl Hint {
    /// Whether `text` names every part of the place (level 3 must).
    pub fn names_the_place(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.place
            .iter()
            .all(|place| text.contains(&place.to_lowercase()))
    }

    /// Whether `text` names any part of the place (levels 1 and 2 must not).
    pub fn names_any_place(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.place
            .iter()
            .any(|place| text.contains(&place.to_lowercase()))
    }
}

/// The hints of `task`, if it is one.
pub fn of(task: &str) -> Option<&'static Hint> {
    HINTS.iter().find(|hint| hint.task == task)
}

/// Level 1 of `task`'s hints and how to ask for level 2: what every failure message of the
/// task ends with.
pub fn first(task: &str) -> String {
    let look = of(task).map_or("", |hint| hint.levels[0]);
    format!("{look} More help: `{}`.", command(task, 2))
}

/// A failure of `task`: what was observed, then level 1 of its hints.
pub fn failure(task: &str, observed: impl std::fmt::Display) -> crate::Problem {
    crate::Problem::Task(format!("{observed}. {}", first(task)))
}

/// The command that prints `level` of `task`'s hints.
pub fn command(task: &str, level: u8) -> String {
    let base = format!("cargo run -p checks --bin grade -- --hint {task}");
    if level == 2 {
        base
    } else {
        format!("{base} --level {level}")
    }
}

/// What `grade --hint TASK --level N` prints, or why it cannot.
pub fn show(task: &str, level: u8) -> Result<String, String> {
    let hint = of(task).ok_or_else(|| {
        let names: Vec<&str> = HINTS.iter().map(|hint| hint.task).collect();
        format!("no task {task:?}: the tasks are {}", names.join(", "))
    })?;
    let text = usize::from(level)
        .checked_sub(1)
        .and_then(|index| hint.levels.get(index))
        .ok_or_else(|| format!("there is no hint level {level}: the levels are 1 to {LEVELS}"))?;
    let next = if level < LEVELS {
        format!("\nNext level: `{}`", command(task, level + 1))
    } else {
        "\nThat is the last level: docs/handout.md has the rest.".to_owned()
    };
    Ok(format!("{task}, hint {level} of {LEVELS}:\n{text}{next}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_level_names_the_place() {
        for hint in HINTS {
            assert!(!hint.place.is_empty(), "{}", hint.task);
            assert!(hint.names_the_place(hint.levels[2]), "{}", hint.task);
            for level in &hint.levels[..2] {
                assert!(!hint.names_any_place(level), "{}: {level}", hint.task);
            }
        }
    }

    #[test]
    fn a_failure_ends_with_where_to_look_and_how_to_ask_for_more() {
        let crate::Problem::Task(message) = failure("k6_script_fixed", "2 of 5 checks failed")
        else {
            panic!("a task problem");
        };
        assert!(message.starts_with("2 of 5 checks failed. Where to look: k6's"));
        assert!(message
            .ends_with("More help: `cargo run -p checks --bin grade -- --hint k6_script_fixed`."));
    }

    #[test]
    fn each_level_points_at_the_next_and_bad_requests_say_what_exists() {
        let two = show("ecs_task_size", 2).expect("level 2");
        assert!(two.starts_with("ecs_task_size, hint 2 of 3:\nCapacity is arithmetic"));
        assert!(two.contains("--hint ecs_task_size --level 3"), "{two}");
        let three = show("ecs_task_size", 3).expect("level 3");
        assert!(
            three.contains("`task_cpu`") && three.contains("last level"),
            "{three}"
        );
        assert!(show("ecs_task_size", 1)
            .expect("level 1")
            .contains("Where to look"));
        let unknown = show("k6", 2).expect_err("no such task");
        assert!(unknown.contains("k6_script_fixed"), "{unknown}");
        for level in [0, 4] {
            let wrong = show("ecs_task_size", level).expect_err("no such level");
            assert!(wrong.contains("1 to 3"), "{wrong}");
        }
    }
}
