//! The app runs and serves with the container filesystem terraform/ gives it on Fargate: a
//! read-only root (`readonlyRootFilesystem = true` in the task definition) plus whatever
//! writable folders the task definition mounts (`mountPoints`; none today, because the app
//! writes no file). It runs as the image's user (UID 1000, the Dockerfile's `taskoverflow`)
//! in the kit's runtime image, taskoverflow/runtime:bookworm (scripts/build-runtime-image.sh),
//! with the host-built starter binary mounted into it, the way the calibration runs the app,
//! and with the password given as `PGPASSWORD` and a `DATABASE_URL` without one, as ECS gives
//! them from the secret.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hcl::{Expression, ObjectKey, Value};
use selftest::terraform_rules::config::{attribute, walk, Config};
use xtask::load_rig::PostgresContainer;

const RUNTIME_IMAGE: &str = "taskoverflow/runtime:bookworm";
/// The Dockerfile's `USER taskoverflow`.
const IMAGE_USER: &str = "1000:1000";

/// The task definition's container settings that shape its filesystem: whether the root is
/// read-only, and the folders mounted writable into it.
fn filesystem_of_the_task() -> (bool, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform");
    let config = Config::read(&dir, &[]).expect("terraform/ reads");
    let (_, _, definition) = config
        .resources("aws_ecs_task_definition")
        .next()
        .expect("a task definition");
    let containers = attribute(definition.body(), "container_definitions").expect("containers");
    let mut read_only = false;
    let mut writable = Vec::new();
    walk(containers, &mut |expr| {
        let Expression::Object(object) = expr else {
            return;
        };
        for (key, value) in object {
            let key = match key {
                ObjectKey::Identifier(identifier) => identifier.to_string(),
                ObjectKey::Expression(expr) => expr.to_string().trim_matches('"').to_owned(),
                other => format!("{other:?}"),
            };
            if key == "readonlyRootFilesystem" {
                read_only = config.evaluate(value) == Ok(Value::Bool(true));
            }
            if key == "containerPath" {
                if let Ok(Value::String(path)) = config.evaluate(value) {
                    writable.push(path);
                }
            }
        }
    });
    (read_only, writable)
}

fn docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .output()
        .map_err(|error| format!("cannot run docker: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "docker {}: {}",
            args.first().unwrap_or(&""),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Removes the container when the test ends, passed or not.
struct Running(String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.0]);
    }
}

/// A plain test: the containers' handles block on a runtime of their own when dropped, which
/// cannot happen inside another one; the HTTP requests get a runtime of their own.
#[test]
fn the_app_serves_with_a_read_only_root_filesystem() {
    let (read_only, writable) = filesystem_of_the_task();
    assert!(
        read_only,
        "the task definition's root filesystem is not read-only"
    );
    assert!(
        xtask::load_rig::image_exists(RUNTIME_IMAGE),
        "{RUNTIME_IMAGE} is missing: build it with scripts/build-runtime-image.sh"
    );
    let postgres_image = std::env::var("CHECKS_POSTGRES_IMAGE")
        .ok()
        .filter(|image| !image.trim().is_empty())
        .unwrap_or_else(|| "taskoverflow/postgres:15-bookworm".to_owned());
    let database = PostgresContainer::start(&postgres_image, None).expect("PostgreSQL starts");
    let binary = xtask::app_binary("starter")
        .unwrap_or_else(|problem| panic!("cannot build the starter: {problem:?}"));

    let mut args: Vec<String> = vec![
        "run".into(),
        "--detach".into(),
        "--read-only".into(),
        "--user".into(),
        IMAGE_USER.into(),
        "--label".into(),
        format!("{}=1", testkit::CONTAINER_LABEL),
        "--volume".into(),
        format!("{}:/usr/local/bin/taskoverflow:ro", binary.display()),
        "--env".into(),
        format!(
            "DATABASE_URL=postgres://postgres@{}:5432/taskoverflow",
            database.ip()
        ),
        "--env".into(),
        format!("PGPASSWORD={}", database.password()),
        "--env".into(),
        "PORT=6400".into(),
        "--env".into(),
        "RUST_LOG=info".into(),
    ];
    for (key, value) in testkit::NO_AWS {
        args.extend(["--env".to_owned(), format!("{key}={value}")]);
    }
    for path in &writable {
        args.extend(["--tmpfs".to_owned(), path.clone()]);
    }
    args.extend([
        RUNTIME_IMAGE.to_owned(),
        "/usr/local/bin/taskoverflow".to_owned(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let container = Running(docker(&args).expect("the app's container starts"));
    let ip = docker(&[
        "inspect",
        "--format",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        &container.0,
    ])
    .expect("the container's address");
    let base = format!("http://{ip}:6400");

    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the requests");
    let listed = runtime.block_on(async {
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let health = client.get(format!("{base}/api/v1/health")).send().await;
            if health.is_ok_and(|response| response.status() == 200) {
                break;
            }
            let running = docker(&["inspect", "--format", "{{.State.Running}}", &container.0]);
            if started.elapsed() > Duration::from_secs(60) || running.as_deref() == Ok("false") {
                let logs = Command::new("docker")
                    .args(["logs", &container.0])
                    .output()
                    .map(|output| {
                        String::from_utf8_lossy(&output.stderr).into_owned()
                            + &String::from_utf8_lossy(&output.stdout)
                    })
                    .unwrap_or_default();
                panic!("the app did not become healthy with a read-only root:\n{logs}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let created = client
            .post(format!("{base}/api/v1/todos"))
            .json(&serde_json::json!({"title": "read-only root"}))
            .send()
            .await
            .expect("POST answers");
        assert_eq!(created.status(), 201);
        client
            .get(format!("{base}/api/v1/todos"))
            .send()
            .await
            .expect("GET answers")
            .json::<serde_json::Value>()
            .await
            .expect("a JSON list")
    });
    assert!(
        listed.to_string().contains("read-only root"),
        "the new todo is not listed: {listed}"
    );
    // The root really is read-only for the app's user.
    let touch = docker(&[
        "exec",
        &container.0,
        "sh",
        "-c",
        "touch /probe 2>&1 || echo refused",
    ]);
    assert!(
        touch
            .as_ref()
            .is_ok_and(|out| out.contains("Read-only file system")),
        "{touch:?}"
    );
    drop(container);
    drop(database);
}
