//! How the service deploys: behind the load balancer's health check, a Fargate size checked at
//! plan, deployments that roll back and fail within minutes, the preflight first, stopped tasks
//! reported, an image tag that follows the build context, a read-only root filesystem and the
//! chosen CPU architecture.

use std::collections::BTreeSet;
use std::path::Path;

use hcl::{Block, Body, Expression, Value};

use super::config::{attribute, constant, references, walk, Config, File};
use super::glob;
use super::hcl::{
    attributes_in, check_validation, container_definitions, failed_precondition, object_entry,
    string_value,
};

pub(super) fn health_check(config: &Config, found: &mut Vec<String>) {
    let groups: Vec<_> = config.resources("aws_lb_target_group").collect();
    if groups.is_empty() {
        found.push("no aws_lb_target_group: the service must be behind the load balancer".into());
    }
    for (file, name, block) in groups {
        let path = block
            .body()
            .blocks()
            .find(|inner| inner.identifier() == "health_check")
            .and_then(|check| string_value(config, attribute(check.body(), "path")));
        if path.as_deref() != Some("/api/v1/health") {
            found.push(format!(
                "{}: aws_lb_target_group.{name}: the health check path must be /api/v1/health",
                file.name
            ));
        }
        if string_value(config, attribute(block.body(), "target_type")).as_deref() != Some("ip") {
            found.push(format!(
                "{}: aws_lb_target_group.{name}: target_type must be \"ip\": Fargate tasks \
                 register by their IP address",
                file.name
            ));
        }
    }
}

/// A CPU/memory pair Fargate does not run fails `terraform plan`, with a message that lists the
/// memory sizes for that CPU; every pair it runs passes. Fargate's table is the autograder's.
pub(super) fn fargate_sizes_checked_at_plan(config: &Config, found: &mut Vec<String>) {
    let cpus = [256u32, 512, 1024, 2048, 4096, 8192, 16384];
    check_validation(
        config,
        "task_cpu",
        &cpus.map(Value::from),
        &[Value::from(0), Value::from(1000), Value::from(32768)],
        found,
    );
    let Some((file, name, definition)) = config.resources("aws_ecs_task_definition").next() else {
        return; // reported by the task size rule
    };
    let mut wrong = Vec::new();
    for cpu in cpus {
        let choices = checks::tasks::fargate_memory_choices(cpu).unwrap_or_default();
        let mut samples: BTreeSet<u32> = choices.iter().copied().collect();
        samples.extend(choices.iter().map(|memory| memory + 512));
        samples.extend([
            cpu,
            cpu * 2 - 512,
            choices.last().copied().unwrap_or(0) + 1024,
        ]);
        for memory in samples {
            let sized = config.with_variables(&[
                ("task_cpu", Value::from(cpu)),
                ("task_memory", Value::from(memory)),
            ]);
            let runs = choices.contains(&memory);
            match failed_precondition(&sized, definition) {
                Ok(None) if runs => {}
                Ok(Some(message)) if !runs => {
                    let listed: Vec<String> = choices.iter().map(u32::to_string).collect();
                    if !message.contains(&listed.join(", ")) {
                        wrong.push(format!(
                            "{cpu}/{memory} fails without listing the sizes: {message}"
                        ));
                    }
                }
                Ok(None) => wrong.push(format!("{cpu}/{memory} passes")),
                Ok(Some(message)) => wrong.push(format!("{cpu}/{memory} fails: {message}")),
                Err(error) => wrong.push(format!("{cpu}/{memory}: {error}")),
            }
        }
    }
    if let Some(first) = wrong.first() {
        found.push(format!(
            "{}: aws_ecs_task_definition.{name}: its precondition must fail `terraform plan` \
             exactly for the CPU/memory pairs Fargate does not run, listing the memory sizes; \
             {} pairs are wrong, first {first}",
            file.name,
            wrong.len()
        ));
    }
}

/// A deployment whose tasks keep failing stops and goes back to the last working one.
pub(super) fn deployments_roll_back(config: &Config, found: &mut Vec<String>) {
    for (file, name, service) in config.resources("aws_ecs_service") {
        let breaker = service
            .body()
            .blocks()
            .find(|inner| inner.identifier() == "deployment_circuit_breaker");
        let on = |key: &str| {
            breaker.is_some_and(|breaker| {
                attribute(breaker.body(), key)
                    .is_some_and(|value| config.evaluate(value) == Ok(Value::Bool(true)))
            })
        };
        if !(on("enable") && on("rollback")) {
            found.push(format!(
                "{}: aws_ecs_service.{name}: needs deployment_circuit_breaker with enable = true \
                 and rollback = true",
                file.name
            ));
        }
        let waits = attribute(service.body(), "wait_for_steady_state")
            .is_some_and(|value| config.evaluate(value) == Ok(Value::Bool(true)));
        let rollback_fails = service
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "lifecycle")
            .flat_map(|lifecycle| lifecycle.body().blocks())
            .filter(|inner| inner.identifier() == "postcondition")
            .filter_map(|postcondition| attribute(postcondition.body(), "condition"))
            .any(|condition| {
                let text = condition.to_string();
                text.contains("self.task_definition")
                    && references(condition)
                        .iter()
                        .any(|(kind, _)| kind == "aws_ecs_task_definition")
            });
        if !(waits && rollback_fails) {
            found.push(format!(
                "{}: aws_ecs_service.{name}: needs wait_for_steady_state = true and a \
                 postcondition that self.task_definition is the new task definition, or a \
                 rolled-back deployment counts as a successful apply",
                file.name
            ));
        }
    }
}

/// A first deployment that cannot become healthy has nothing to roll back to: the apply waits
/// for it until the service's create timeout, which must be at most 15 minutes.
pub(super) fn deployments_fail_within_minutes(config: &Config, found: &mut Vec<String>) {
    for (file, name, service) in config.resources("aws_ecs_service") {
        let create = service
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "timeouts")
            .find_map(|timeouts| string_value(config, attribute(timeouts.body(), "create")));
        let seconds = create.as_deref().and_then(duration_seconds);
        if seconds.is_none_or(|seconds| seconds > 15 * 60) {
            found.push(format!(
                "{}: aws_ecs_service.{name}: needs timeouts {{ create = ... }} of at most 15 \
                 minutes (it is {create:?}): a first deployment that cannot become healthy \
                 otherwise hangs for the provider's default 20",
                file.name
            ));
        }
    }
}

/// A Go duration as Terraform's `timeouts` take it ("10m", "900s", "1h30m"), in seconds.
fn duration_seconds(text: &str) -> Option<u64> {
    let mut total = 0.0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        total += value
            * match c {
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            };
    }
    (number.is_empty() && !text.is_empty()).then_some(total as u64)
}

/// While the service deploys, a check reports why new tasks stop: it runs when the task
/// definition changes and does not wait for the service (which would only end at the timeout).
pub(super) fn stopped_tasks_are_reported(config: &Config, found: &mut Vec<String>) {
    let checks = runners(config, "deployment-check");
    let [(file, name, block)] = checks.as_slice() else {
        found.push(format!(
            "there should be one terraform_data that runs scripts/deployment-check.sh, but there \
             are {}",
            checks.len()
        ));
        return;
    };
    let triggered = attribute(block.body(), "triggers_replace").is_some_and(|triggers| {
        references(triggers)
            .iter()
            .any(|(kind, _)| kind == "aws_ecs_task_definition")
    });
    let waits_for_service = dependencies(config, block)
        .iter()
        .any(|(kind, _)| kind == "aws_ecs_service");
    if !triggered || waits_for_service {
        found.push(format!(
            "{}: terraform_data.{name}: must run for every new task definition (triggers_replace) \
             alongside the service's deployment, not after it (no dependency on aws_ecs_service)",
            file.name
        ));
    }
}

/// The preflight runs before anything that costs money or time: the database, the load
/// balancer and the image build each depend on it.
pub(super) fn preflight_comes_first(config: &Config, found: &mut Vec<String>) {
    let preflights = runners(config, "preflight");
    let [(preflight_file, preflight, preflight_block)] = preflights.as_slice() else {
        found.push(format!(
            "there should be one terraform_data that runs the preflight (scripts/preflight.sh), \
             but there are {}",
            preflights.len()
        ));
        return;
    };
    let needed = ("terraform_data".to_owned(), (*preflight).to_owned());
    let mut costly: Vec<(&File, String, &Block)> = Vec::new();
    for kind in ["aws_db_instance", "aws_lb"] {
        for (file, name, block) in config.resources(kind) {
            costly.push((file, format!("{kind}.{name}"), block));
        }
    }
    for (file, name, block) in runners(config, "docker build") {
        costly.push((
            file,
            format!("terraform_data.{name} (the image build)"),
            block,
        ));
    }
    for (file, what, block) in costly {
        if !dependencies(config, block).contains(&needed) {
            found.push(format!(
                "{}: {what} does not wait for terraform_data.{preflight}: add it to depends_on, \
                 so that a missing tool or expired credentials stop the apply before it costs \
                 anything",
                file.name
            ));
        }
    }
    let shell_checked = preflight_block
        .body()
        .blocks()
        .filter(|inner| inner.identifier() == "lifecycle")
        .flat_map(|lifecycle| lifecycle.body().blocks())
        .filter(|inner| inner.identifier() == "precondition")
        .filter_map(|precondition| attribute(precondition.body(), "condition"))
        .any(|condition| condition.to_string().contains("fileexists"));
    if !shell_checked {
        found.push(format!(
            "{}: terraform_data.{preflight}: needs a precondition that the shell exists \
             (fileexists), so that a machine without /bin/sh fails at plan",
            preflight_file.name
        ));
    }
}

/// The commands a `terraform_data`'s create-time provisioners run, as far as they can be known.
fn provisioner_commands(config: &Config, block: &Block) -> String {
    block
        .body()
        .blocks()
        .filter(|inner| inner.identifier() == "provisioner")
        .filter(|provisioner| attribute(provisioner.body(), "when").is_none())
        .filter_map(|provisioner| attribute(provisioner.body(), "command"))
        .filter_map(|command| config.render(command, "?"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `terraform_data` resources whose provisioners run a command containing `needle`.
fn runners<'a>(config: &'a Config, needle: &str) -> Vec<(&'a File, &'a str, &'a Block)> {
    config
        .resources("terraform_data")
        .filter(|(_, _, block)| provisioner_commands(config, block).contains(needle))
        .collect()
}

/// Every resource, data source and local that `block` uses, directly or through others (its
/// `depends_on` included), as (kind, name) with `local` for locals.
fn dependencies(config: &Config, block: &Block) -> BTreeSet<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<(String, String)> = Vec::new();
    let add_from = |body: &Body, pending: &mut Vec<(String, String)>| {
        attributes_in(body, &mut |_, expr| pending.extend(references(expr)));
    };
    add_from(block.body(), &mut pending);
    while let Some((kind, name)) = pending.pop() {
        if !seen.insert((kind.clone(), name.clone())) {
            continue;
        }
        match kind.as_str() {
            "local" => {
                if let Some(expr) = config.local_expr(&name) {
                    pending.extend(references(expr));
                }
            }
            "var" | "path" | "each" | "self" | "count" => {}
            "data" => {}
            _ => {
                if let Some((_, _, used)) =
                    config.resources(&kind).find(|(_, found, _)| *found == name)
                {
                    add_from(used.body(), &mut pending);
                }
            }
        }
    }
    seen
}

/// The image's tag changes with every file the image is built from: `local.image_sources` is
/// the Docker build context (the repository minus .dockerignore) and the Dockerfile, and the
/// image build is triggered by a hash of those files.
pub(super) fn image_tag_covers_the_build_context(
    dir: &Path,
    config: &Config,
    found: &mut Vec<String>,
) {
    let file = local_file(config, "image_sources");
    let root = dir.join("..");
    let mut expected = match glob::docker_context(&root) {
        Ok(files) => files,
        Err(error) => {
            found.push(format!("cannot work out the Docker build context: {error}"));
            return;
        }
    };
    if root.join("Dockerfile").is_file() && !expected.iter().any(|f| f == "Dockerfile") {
        expected.push("Dockerfile".to_owned());
        expected.sort();
    }
    let listed: Option<Vec<String>> = config.local_value("image_sources").and_then(|value| {
        value
            .as_array()?
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect()
    });
    let Some(listed) = listed else {
        found.push(format!(
            "{file}: local.image_sources (the files the image's tag hashes) cannot be worked out \
             before `terraform apply`"
        ));
        return;
    };
    let left_out: Vec<&String> = expected.iter().filter(|f| !listed.contains(f)).collect();
    if let Some(first) = left_out.first() {
        found.push(format!(
            "{file}: local.image_sources leaves out {} file(s) of the Docker build context, first \
             {first}: a change to them would keep the image's tag, and `terraform apply` would \
             deploy nothing",
            left_out.len()
        ));
    }
    let extra: Vec<&String> = listed.iter().filter(|f| !expected.contains(f)).collect();
    if let Some(first) = extra.first() {
        found.push(format!(
            "{file}: local.image_sources lists {} file(s) Docker does not send, first {first}",
            extra.len()
        ));
    }
    let hashes = [
        "filesha256",
        "filesha1",
        "filesha512",
        "filemd5",
        "filebase64sha256",
    ];
    for (build_file, name, block) in runners(config, "docker build") {
        let used = dependencies(config, block);
        let hashed = used.iter().any(|(kind, local)| {
            kind == "local"
                && config.local_expr(local).is_some_and(|expr| {
                    calls(expr, &hashes)
                        && references(expr)
                            .iter()
                            .any(|(root, used)| root == "local" && used == "image_sources")
                })
        });
        if !hashed {
            found.push(format!(
                "{}: terraform_data.{name}: its triggers must use a hash of the files in \
                 local.image_sources ({})",
                build_file.name,
                hashes.join(", ")
            ));
        }
    }
}

/// The file that defines `local.NAME`, as messages print it.
fn local_file(config: &Config, name: &str) -> String {
    config
        .blocks("locals")
        .find(|(_, block)| block.body().attributes().any(|local| local.key() == name))
        .map_or_else(|| "terraform/".to_owned(), |(file, _)| file.name.clone())
}

/// Whether an expression calls a function named `name...` anywhere inside it.
fn calls(expr: &Expression, wanted: &[&str]) -> bool {
    let mut found = false;
    walk(expr, &mut |expr| {
        if let Expression::FuncCall(call) = expr {
            found |= wanted.contains(&call.name.to_string().as_str());
        }
    });
    found
}

/// The container's root filesystem is read-only.
pub(super) fn read_only_root_filesystem(config: &Config, found: &mut Vec<String>) {
    for (file, name, definitions) in container_definitions(config) {
        let mut read_only = false;
        walk(definitions, &mut |expr| {
            read_only |= object_entry(expr, "readonlyRootFilesystem")
                .is_some_and(|value| constant(value) == Ok(Value::Bool(true)));
        });
        if !read_only {
            found.push(format!(
                "{}: aws_ecs_task_definition.{name}: the container needs readonlyRootFilesystem = \
                 true",
                file.name
            ));
        }
    }
}

/// The CPU architecture is a validated choice, and the task and the image build follow it.
pub(super) fn architecture_is_a_choice(config: &Config, found: &mut Vec<String>) {
    let text = |value: &str| Value::String(value.to_owned());
    check_validation(
        config,
        "cpu_architecture",
        &[text("auto"), text("x86_64"), text("arm64")],
        &[text("amd64"), text("ARM64"), text("aarch64"), text("")],
        found,
    );
    for (choice, ecs, platform) in [
        ("x86_64", "X86_64", "linux/amd64"),
        ("arm64", "ARM64", "linux/arm64"),
    ] {
        let chosen = config.with_variables(&[("cpu_architecture", text(choice))]);
        for (file, name, definition) in chosen.resources("aws_ecs_task_definition") {
            let architecture = definition
                .body()
                .blocks()
                .find(|inner| inner.identifier() == "runtime_platform")
                .and_then(|platform| {
                    string_value(&chosen, attribute(platform.body(), "cpu_architecture"))
                });
            if architecture.as_deref() != Some(ecs) {
                found.push(format!(
                    "{}: aws_ecs_task_definition.{name}: with cpu_architecture = \"{choice}\" the \
                     task's runtime_platform.cpu_architecture must be {ecs}, not {architecture:?}",
                    file.name
                ));
            }
        }
        for (file, name, block) in runners(&chosen, "docker build") {
            if !provisioner_commands(&chosen, block).contains(&format!("--platform {platform}")) {
                found.push(format!(
                    "{}: terraform_data.{name}: with cpu_architecture = \"{choice}\" the image \
                     must be built with --platform {platform}",
                    file.name
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::duration_seconds;

    #[test]
    fn durations_read_as_terraform_timeouts_take_them() {
        assert_eq!(duration_seconds("10m"), Some(600));
        assert_eq!(duration_seconds("1h30m"), Some(5400));
        assert_eq!(duration_seconds("900s"), Some(900));
        assert_eq!(duration_seconds("ten"), None);
    }
}
