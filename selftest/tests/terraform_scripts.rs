//! The commands terraform/ runs on the student's machine, run here as Terraform runs them (the
//! interpreter, command, folder and environment of the `local-exec` provisioner in the .tf
//! file), with stand-ins for `aws` and `docker` as the only programs on PATH:
//!
//! - the preflight (terraform/preflight.tf, scripts/preflight.sh): a missing tool, a Docker
//!   engine that is not running, expired or missing credentials, a region the Learner Lab does
//!   not allow and an architecture Docker would emulate each give one clear line and exit 1;
//! - the deployment check (terraform/ecs.tf, scripts/deployment-check.sh): a new task that
//!   stops is reported with its stopped reason, exit code and log stream, and a completed
//!   deployment passes.
//!
//! The stand-in `aws` answers from canned responses shaped like the AWS API's, applies the
//! command's `--query` with the JMESPath library the AWS CLI uses (installed with moto, which
//! the kit's tests need anyway) and prints `--output text` as the CLI does, so the scripts'
//! queries are checked against real response shapes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use hcl::{Expression, ObjectKey, Value};
use selftest::terraform_rules::config::{attribute, labels, Config};
use selftest::terraform_rules::terraform_dir;
use serde_json::json;

/// How Terraform runs a `terraform_data`'s provisioner: interpreter, command, working folder
/// and the environment entries whose values are known before `apply` (None for the others).
struct Provisioner {
    interpreter: Vec<String>,
    command: String,
    folder: PathBuf,
    environment: Vec<(String, Option<String>)>,
}

fn provisioner(resource: &str) -> Provisioner {
    let dir = terraform_dir();
    let config = Config::read(&dir, &[]).expect("terraform/ reads");
    let (_, block) = config
        .blocks("resource")
        .find(|(_, block)| labels(block) == ["terraform_data", resource])
        .unwrap_or_else(|| panic!("no terraform_data.{resource}"));
    let exec = block
        .body()
        .blocks()
        .find(|inner| inner.identifier() == "provisioner")
        .expect("a provisioner");
    let text = |key: &str| match attribute(exec.body(), key).map(|expr| config.evaluate(expr)) {
        Some(Ok(Value::String(text))) => text,
        other => panic!("{resource}: {key} is {other:?}"),
    };
    let interpreter = match attribute(exec.body(), "interpreter").map(|e| config.evaluate(e)) {
        Some(Ok(Value::Array(items))) => items
            .iter()
            .map(|item| item.as_str().expect("a string").to_owned())
            .collect(),
        other => panic!("{resource}: interpreter is {other:?}"),
    };
    let working_dir = text("working_dir");
    let mut environment = Vec::new();
    if let Some(Expression::Object(object)) = attribute(exec.body(), "environment") {
        for (key, value) in object {
            let key = match key {
                ObjectKey::Identifier(identifier) => identifier.to_string(),
                ObjectKey::Expression(expr) => expr.to_string(),
                other => format!("{other:?}"),
            };
            let value = match config.evaluate(value) {
                Ok(Value::String(text)) => Some(text),
                Ok(Value::Number(number)) => Some(number.to_string()),
                _ => None,
            };
            environment.push((key, value));
        }
    }
    Provisioner {
        interpreter,
        command: text("command"),
        folder: PathBuf::from(working_dir),
        environment,
    }
}

/// A folder of stand-in programs, fresh for each test.
struct Fakes {
    dir: PathBuf,
}

impl Fakes {
    fn new(name: &str) -> Fakes {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("terraform-scripts")
            .join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir).expect("remove an old folder");
        }
        fs::create_dir_all(dir.join("bin")).expect("create the folder");
        Fakes { dir }
    }

    fn program(&self, name: &str, text: &str) {
        let path = self.dir.join("bin").join(name);
        fs::write(&path, text).expect("write a stand-in");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("make it runnable");
    }

    /// `aws`, answering from `world`: "SERVICE OPERATION" (with list-tasks' --desired-status)
    /// to a list of responses, the n-th call getting the n-th (the last one repeated), each
    /// {"result": ...} or {"error": "..."}.
    fn aws(&self, world: serde_json::Value) {
        fs::write(self.dir.join("world.json"), world.to_string()).expect("write the world");
        let python = python_with_jmespath();
        self.program("aws", &format!("#!{python}\n{FAKE_AWS}"));
    }

    /// `docker`, whose engine is `arch` (amd64, arm64) or not running (None).
    fn docker(&self, arch: Option<&str>) {
        let text = match arch {
            Some(arch) => format!(
                "#!/bin/sh\nif [ \"$1\" = version ]; then echo {arch}; exit 0; fi\nexit 0\n"
            ),
            None => "#!/bin/sh\necho 'Cannot connect to the Docker daemon at \
                     unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"
                .to_owned(),
        };
        self.program("docker", &text);
    }

    /// Runs the provisioner as Terraform would, with only the stand-ins on PATH.
    fn run(&self, provisioner: &Provisioner, environment: &[(&str, &str)]) -> Outcome {
        let folder = if provisioner.folder.is_absolute() {
            provisioner.folder.clone()
        } else {
            terraform_dir().join(&provisioner.folder)
        };
        let output = Command::new(&provisioner.interpreter[0])
            .args(&provisioner.interpreter[1..])
            .arg(&provisioner.command)
            .current_dir(folder)
            .env_clear()
            .env("PATH", self.dir.join("bin"))
            .env("FAKE_AWS_WORLD", self.dir.join("world.json"))
            .env("FAKE_AWS_STATE", &self.dir)
            .envs(environment.iter().copied())
            .output()
            .expect("run the provisioner's command");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

#[derive(Debug)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

/// The Python the stand-in `aws` runs with: one that has the jmespath module.
fn python_with_jmespath() -> String {
    let output = Command::new("python3")
        .args(["-c", "import sys, jmespath; print(sys.executable)"])
        .output()
        .expect("python3 runs (the stand-in aws is a Python script)");
    assert!(
        output.status.success(),
        "python3 lacks the jmespath module (pip install jmespath; moto brings it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The stand-in `aws` (after its #! line).
const FAKE_AWS: &str = r#"
import json, os, sys
import jmespath

args = sys.argv[1:]
service, operation = args[0], args[1]
options, key = {}, None
for arg in args[2:]:
    if arg.startswith("--"):
        key = arg[2:]
        options[key] = []
    elif key is not None:
        options[key].append(arg)
name = f"{service} {operation}"
if operation == "list-tasks":
    name += " " + " ".join(options.get("desired-status", ["RUNNING"]))
world = json.load(open(os.environ["FAKE_AWS_WORLD"]))
if name not in world:
    print(f"stand-in aws: no response for {name}", file=sys.stderr)
    sys.exit(255)
counter = os.path.join(os.environ["FAKE_AWS_STATE"], name.replace(" ", "_") + ".count")
calls = int(open(counter).read()) if os.path.exists(counter) else 0
open(counter, "w").write(str(calls + 1))
responses = world[name]
response = responses[min(calls, len(responses) - 1)]
if "error" in response:
    print(response["error"], file=sys.stderr)
    sys.exit(254)
result = response["result"]
if operation == "describe-tasks":
    wanted = options.get("tasks", [])
    result = {"tasks": [t for t in result["tasks"] if t["taskArn"] in wanted], "failures": []}
if "query" in options:
    result = jmespath.search(options["query"][0], result)

def scalar(value):
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)

def text(value, lines):
    # The AWS CLI's text output, for scalars and lists (of lists) of scalars.
    if isinstance(value, dict):
        raise SystemExit("stand-in aws: a --query for text output returned an object")
    if isinstance(value, list):
        if not value:
            return
        if any(isinstance(item, dict) for item in value):
            raise SystemExit("stand-in aws: a --query for text output returned objects")
        plain = [item for item in value if not isinstance(item, list)]
        nested = [item for item in value if isinstance(item, list)]
        if plain:
            lines.append("\t".join(scalar(item) for item in plain))
        for item in nested:
            text(item, lines)
        return
    lines.append(scalar(value))

if options.get("output", ["json"])[0] == "text":
    lines = []
    text(result, lines)
    for line in lines:
        print(line)
else:
    print(json.dumps(result, indent=4))
"#;

const EXPIRED: &str = "\nAn error occurred (ExpiredToken) when calling the GetCallerIdentity \
                       operation: The security token included in the request is expired";

fn identity() -> serde_json::Value {
    json!([{"result": {
        "UserId": "AROAEXAMPLE:user1234567=Student",
        "Account": "123456789012",
        "Arn": "arn:aws:sts::123456789012:assumed-role/voclabs/user1234567=Student"
    }}])
}

fn preflight_environment<'a>(
    region: &'a str,
    architecture: &'a str,
    set: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("REGION", region),
        ("ALLOWED_REGIONS", "us-east-1 us-west-2"),
        ("ARCHITECTURE", architecture),
        ("ARCHITECTURE_SET", set),
    ]
}

/// The preflight's environment in preflight.tf is what the test gives it.
#[test]
fn the_preflight_runs_as_terraform_runs_it() {
    let preflight = provisioner("preflight");
    let mut keys: Vec<&str> = preflight
        .environment
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "ALLOWED_REGIONS",
            "ARCHITECTURE",
            "ARCHITECTURE_SET",
            "REGION"
        ]
    );
    let known: Vec<(&str, Option<&str>)> = preflight
        .environment
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_deref()))
        .collect();
    assert!(known.contains(&("REGION", Some("us-east-1"))), "{known:?}");
    assert!(
        known.contains(&("ALLOWED_REGIONS", Some("us-east-1 us-west-2"))),
        "{known:?}"
    );
    assert!(
        known.contains(&("ARCHITECTURE_SET", Some("no"))),
        "{known:?}"
    );

    let fakes = Fakes::new("preflight-ready");
    fakes.aws(json!({"sts get-caller-identity": identity()}));
    fakes.docker(Some("amd64"));
    let outcome = fakes.run(
        &preflight,
        &preflight_environment("us-east-1", "x86_64", "no"),
    );
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert_eq!(
        outcome.stdout,
        "preflight: ready: AWS account 123456789012, region us-east-1, Docker builds x86_64 \
         natively, the task runs on x86_64\n"
    );
    assert_eq!(outcome.stderr, "");
}

/// Runs the preflight with the stand-ins `setup` makes, and returns its error lines after
/// checking that it stopped (exit status 1).
fn preflight_fails(
    name: &str,
    environment: &[(&str, &str)],
    setup: impl FnOnce(&Fakes),
) -> Vec<String> {
    let fakes = Fakes::new(name);
    setup(&fakes);
    let outcome = fakes.run(&provisioner("preflight"), environment);
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert_eq!(outcome.stdout, "", "{outcome:?}");
    outcome
        .error_lines()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_preflight_stops_with_one_line_for_each_problem() {
    let normal = preflight_environment("us-east-1", "x86_64", "no");
    let with_docker = |fakes: &Fakes| fakes.docker(Some("amd64"));

    let lines = preflight_fails("no-aws", &normal, with_docker);
    assert_eq!(
        lines,
        ["preflight: the AWS CLI (aws) is not installed or not on PATH: install AWS CLI version \
          2, then check it with 'aws --version'"]
    );

    let lines = preflight_fails("expired", &normal, |fakes| {
        fakes.aws(json!({"sts get-caller-identity": [{"error": EXPIRED}]}));
        fakes.docker(Some("amd64"));
    });
    assert_eq!(
        lines,
        ["preflight: the AWS credentials have expired (each Learner Lab session ends them): copy \
          them again from AWS Details into ~/.aws/credentials"]
    );

    let lines = preflight_fails("no-credentials", &normal, |fakes| {
        fakes.aws(json!({"sts get-caller-identity": [{"error":
            "\nUnable to locate credentials. You can configure credentials by running \"aws configure\"."}]}));
        fakes.docker(Some("amd64"));
    });
    assert_eq!(
        lines,
        ["preflight: no AWS credentials found: copy them from the Learner Lab's AWS Details into \
          ~/.aws/credentials"]
    );

    let lines = preflight_fails("invalid-credentials", &normal, |fakes| {
        fakes.aws(json!({"sts get-caller-identity": [{"error":
            "\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid."}]}));
        fakes.docker(Some("amd64"));
    });
    assert_eq!(
        lines,
        [
            "preflight: the AWS credentials are not valid: copy all three lines again from the \
          Learner Lab's AWS Details into ~/.aws/credentials"
        ]
    );

    let lines = preflight_fails("no-docker", &normal, |fakes| {
        fakes.aws(json!({"sts get-caller-identity": identity()}));
    });
    assert_eq!(
        lines,
        ["preflight: Docker (docker) is not installed or not on PATH: install Docker Desktop or \
          Docker Engine"]
    );

    let lines = preflight_fails("docker-stopped", &normal, |fakes| {
        fakes.aws(json!({"sts get-caller-identity": identity()}));
        fakes.docker(None);
    });
    assert_eq!(
        lines,
        [
            "preflight: Docker is installed but its engine is not running: start Docker Desktop \
          (or the docker service), then apply again"
        ]
    );

    let lines = preflight_fails(
        "region",
        &preflight_environment("eu-west-1", "x86_64", "no"),
        |fakes| {
            fakes.aws(json!({"sts get-caller-identity": identity()}));
            fakes.docker(Some("amd64"));
        },
    );
    assert_eq!(
        lines,
        [
            "preflight: region eu-west-1: the Learner Lab only allows us-east-1 us-west-2; set \
          region to one of them"
        ]
    );

    // Nothing works: one line each, all of them.
    let lines = preflight_fails("nothing", &normal, |_| {});
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

#[test]
fn the_preflight_stops_an_emulated_build_it_chose_itself() {
    let lines = preflight_fails(
        "emulated",
        &preflight_environment("us-east-1", "x86_64", "no"),
        |fakes| {
            fakes.aws(json!({"sts get-caller-identity": identity()}));
            fakes.docker(Some("arm64"));
        },
    );
    assert_eq!(
        lines,
        [
            "preflight: Docker here builds arm64 images natively, but cpu_architecture \"auto\" \
          chose x86_64, which Docker would emulate (slowly): apply with -var \
          cpu_architecture=arm64 (or write cpu_architecture = \"arm64\" into terraform.tfvars)"
        ]
    );

    // Chosen on purpose: the build goes ahead.
    let fakes = Fakes::new("emulated-on-purpose");
    fakes.aws(json!({"sts get-caller-identity": identity()}));
    fakes.docker(Some("arm64"));
    let outcome = fakes.run(
        &provisioner("preflight"),
        &preflight_environment("us-east-1", "x86_64", "yes"),
    );
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
}

// --- the deployment check ------------------------------------------------------------------

const TASK_DEFINITION: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/taskoverflow:7";
const OLD_TASK_DEFINITION: &str =
    "arn:aws:ecs:us-east-1:123456789012:task-definition/taskoverflow:6";
const TASK: &str =
    "arn:aws:ecs:us-east-1:123456789012:task/taskoverflow/0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const EARLIER_TASK: &str =
    "arn:aws:ecs:us-east-1:123456789012:task/taskoverflow/aaaabbbbccccddddeeeeffff00001111";

fn deployments(state: &str) -> serde_json::Value {
    json!({"result": {"services": [{
        "serviceName": "taskoverflow",
        "status": "ACTIVE",
        "desiredCount": 1,
        "runningCount": 0,
        "deployments": [
            {"status": "PRIMARY", "taskDefinition": TASK_DEFINITION, "rolloutState": state,
             "runningCount": 0, "failedTasks": 1},
            {"status": "ACTIVE", "taskDefinition": OLD_TASK_DEFINITION, "rolloutState": "COMPLETED",
             "runningCount": 1}
        ]
    }], "failures": []}})
}

/// A stopped task as `aws ecs describe-tasks` returns it.
fn stopped_task(
    arn: &str,
    task_definition: &str,
    code: &str,
    reason: &str,
    exit: Option<i64>,
) -> serde_json::Value {
    json!({
        "taskArn": arn,
        "taskDefinitionArn": task_definition,
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "stopCode": code,
        "stoppedReason": reason,
        "containers": [{
            "name": "taskoverflow",
            "lastStatus": "STOPPED",
            "exitCode": exit,
        }]
    })
}

fn deployment_check(name: &str, world: serde_json::Value) -> Outcome {
    let check = provisioner("deployment_check");
    let mut keys: Vec<&str> = check
        .environment
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "CLUSTER",
            "CONTAINER",
            "LOG_GROUP",
            "LOG_STREAM_PREFIX",
            "REGION",
            "SERVICE",
            "TASK_DEFINITION",
            "TIMEOUT_SECONDS"
        ]
    );
    // The values Terraform knows before apply, and stand-ins for the ARN and names it learns.
    let mut environment: Vec<(String, String)> = check
        .environment
        .iter()
        .filter_map(|(key, value)| value.clone().map(|value| (key.clone(), value)))
        .collect();
    for (key, value) in [
        ("CLUSTER", "taskoverflow"),
        ("TASK_DEFINITION", TASK_DEFINITION),
        ("LOG_GROUP", "/ecs/taskoverflow"),
        ("TIMEOUT_SECONDS", "6"),
        ("POLL_SECONDS", "0"),
    ] {
        environment.retain(|(known, _)| known != key);
        environment.push((key.to_owned(), value.to_owned()));
    }
    let fakes = Fakes::new(name);
    fakes.aws(world);
    let pairs: Vec<(&str, &str)> = environment
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    fakes.run(&check, &pairs)
}

#[test]
fn a_stopped_task_is_reported_with_its_reason_and_log_stream() {
    let outcome = deployment_check(
        "stopped",
        json!({
            "ecs describe-services": [deployments("IN_PROGRESS")],
            "ecs list-tasks STOPPED": [
                {"result": {"taskArns": []}},
                {"result": {"taskArns": []}},
                {"result": {"taskArns": [TASK]}}
            ],
            "ecs describe-tasks": [{"result": {"tasks": [stopped_task(
                TASK, TASK_DEFINITION, "EssentialContainerExited",
                "Essential container in task exited", Some(1))]}}]
        }),
    );
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert_eq!(
        outcome.error_lines(),
        [
            "deployment check: the new tasks of taskoverflow:7 stop instead of becoming healthy.",
            "  task 0f1e2d3c4b5a69788796a5b4c3d2e1f0: Essential container in task exited \
             (EssentialContainerExited), the container exited with 1",
            "  its output: log group /ecs/taskoverflow, stream \
             taskoverflow/taskoverflow/0f1e2d3c4b5a69788796a5b4c3d2e1f0 (aws logs tail \
             /ecs/taskoverflow --log-stream-names \
             taskoverflow/taskoverflow/0f1e2d3c4b5a69788796a5b4c3d2e1f0 --region us-east-1)",
            "  more in the ECS console: cluster taskoverflow, service taskoverflow, Tasks, filter \
             \"Stopped\".",
        ]
    );
}

#[test]
fn a_task_that_never_started_is_reported_too() {
    let outcome = deployment_check(
        "pull-failed",
        json!({
            "ecs describe-services": [deployments("IN_PROGRESS")],
            "ecs list-tasks STOPPED": [{"result": {"taskArns": []}}, {"result": {"taskArns": [TASK]}}],
            "ecs describe-tasks": [{"result": {"tasks": [stopped_task(
                TASK, TASK_DEFINITION, "TaskFailedToStart",
                "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref",
                None)]}}]
        }),
    );
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert_eq!(
        outcome.error_lines()[1],
        "  task 0f1e2d3c4b5a69788796a5b4c3d2e1f0: CannotPullContainerError: pull image manifest \
         has been retried 7 time(s): failed to resolve ref (TaskFailedToStart)"
    );
}

#[test]
fn a_healthy_deployment_passes_and_earlier_stopped_tasks_do_not_count() {
    let outcome = deployment_check(
        "healthy",
        json!({
            "ecs describe-services": [deployments("IN_PROGRESS"), deployments("COMPLETED")],
            "ecs list-tasks STOPPED": [{"result": {"taskArns": [EARLIER_TASK]}}],
            "ecs describe-tasks": [{"result": {"tasks": [stopped_task(
                EARLIER_TASK, TASK_DEFINITION, "EssentialContainerExited",
                "Essential container in task exited", Some(1))]}}]
        }),
    );
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert_eq!(
        outcome.stdout,
        "deployment check: taskoverflow:7 is deployed and healthy\n"
    );
}

#[test]
fn a_deployment_that_never_settles_ends_at_the_timeout() {
    let outcome = deployment_check(
        "never",
        json!({
            "ecs describe-services": [deployments("IN_PROGRESS")],
            "ecs list-tasks STOPPED": [{"result": {"taskArns": []}}]
        }),
    );
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert!(
        outcome.stderr.starts_with(
            "deployment check: taskoverflow:7 was not healthy after 6 s and no task of it stopped"
        ),
        "{outcome:?}"
    );
}
