//! `terraform/` keeps the Learner Lab's rules and the lab's contract: the rules themselves are
//! `selftest::terraform_rules` (one file per family of rules). The kit's configuration breaks
//! none, with the handed-out and with the solved task size; a copy with one planted mistake
//! breaks exactly the rule it should. The planted mistakes are one table, [`PLANTED`]: each row
//! changes one file of a copy of `terraform/` and names the rule that must fire and what it must
//! say; the rows of one test run as one trial, under the test's name.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use checks::terraform::{task_size, TaskSize};
use hcl::Value;
use libtest_mimic::{Arguments, Failed, Trial};
use selftest::copy_dir;
use selftest::terraform_rules::config::Config;
use selftest::terraform_rules::hcl::failed_precondition;
use selftest::terraform_rules::logging::{fields_used, unknown_fields};
use selftest::terraform_rules::secrets::has_written_password;
use selftest::terraform_rules::{fired, glob, terraform_dir, violations};

fn solved(dir: &Path) -> Vec<PathBuf> {
    vec![dir.join("solved/task-size.auto.tfvars")]
}

// --- copies with one planted mistake -------------------------------------------------------

/// How a row changes its file in the copy.
enum Change {
    /// Replaces the one line that contains `marker` by `new_line` (keeping its indentation).
    Line {
        marker: &'static str,
        new_line: &'static str,
    },
    /// Replaces each `find`, which the file has once, by its replacement, in order.
    Once(&'static [(&'static str, &'static str)]),
    /// Writes the file, a new one, with this text.
    Write(&'static str),
    /// Removes the file.
    Remove,
    /// Cuts out the text from `start` up to the end of the first `end` after it.
    Cut {
        start: &'static str,
        end: &'static str,
    },
}

/// What the changed copy must break (all of it found by the row's rule).
enum Expect {
    /// Exactly these lines, in this order.
    Lines(&'static [&'static str]),
    /// One line, starting with `starts` and containing each of `contains`.
    One {
        starts: &'static str,
        contains: &'static [&'static str],
    },
    /// At least one line, each starting with this.
    EachStarts(&'static str),
}

/// One planted mistake: `test` names the trial it runs in, `copy` the copy's folder.
struct Planted {
    test: &'static str,
    copy: &'static str,
    file: &'static str,
    change: Change,
    rule: &'static str,
    expect: Expect,
}

/// Every planted mistake and the one rule it must break.
const PLANTED: &[Planted] = &[
    Planted {
        test: "a_public_database_breaks_exactly_that_rule",
        copy: "public-database",
        file: "database.tf",
        change: Change::Line {
            marker: "publicly_accessible",
            new_line: "publicly_accessible = true",
        },
        rule: "database_is_private",
        expect: Expect::Lines(&[
            "terraform/database.tf: aws_db_instance.main: publicly_accessible must be false: only \
          the service may reach the database",
        ]),
    },
    Planted {
        test: "an_iam_role_breaks_exactly_that_rule",
        copy: "iam-role",
        file: "iam.tf",
        change: Change::Write(
            r#"resource "aws_iam_role" "tasks" {
  name = "taskoverflow-tasks"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}
"#,
        ),
        rule: "no_iam_resources",
        expect: Expect::Lines(&[
            "terraform/iam.tf: aws_iam_role.tasks: the Learner Lab does not allow creating IAM \
          resources; use the existing LabRole through data \"aws_iam_role\"",
        ]),
    },
    Planted {
        test: "a_literal_password_breaks_exactly_that_rule",
        copy: "literal-password",
        file: "database.tf",
        change: Change::Line {
            marker: "password = random_password",
            new_line: "password = \"Correct-Horse-Battery-9\"",
        },
        rule: "no_literal_passwords",
        expect: Expect::Lines(&[
            "terraform/database.tf: aws_db_instance.main: `password` is written in the file; take \
          it from a random_password resource or a sensitive variable without a default",
        ]),
    },
    Planted {
        test: "a_password_written_into_the_database_url_breaks_exactly_that_rule",
        copy: "password-in-url",
        file: "database.tf",
        change: Change::Once(&[(
            "postgres://${var.db_username}@",
            "postgres://${var.db_username}:hunter2hunter2@",
        )]),
        rule: "no_password_like_strings",
        expect: Expect::Lines(&[
            "terraform/database.tf: locals: a string has a password written in it",
        ]),
    },
    Planted {
        test: "a_field_the_logs_do_not_have_breaks_exactly_that_rule",
        copy: "unknown-field",
        file: "queries.tf",
        change: Change::Once(&[("latency_ms, hostname", "latency_ms, host")]),
        rule: "queries_use_logged_fields",
        expect: Expect::Lines(&[
            "terraform/queries.tf: aws_cloudwatch_query_definition.follow_request: the query uses \
          `host`, which is neither a field of the solution's log lines nor one of Logs \
          Insights' own",
        ]),
    },
    Planted {
        test: "a_size_that_cannot_be_read_breaks_exactly_that_rule",
        copy: "size-unknown",
        file: "task-size.auto.tfvars",
        change: Change::Remove,
        rule: "task_size",
        expect: Expect::One {
            starts: "terraform/ecs.tf: cannot work out the `cpu`",
            contains: &["var.task_cpu has no value"],
        },
    },
    Planted {
        test: "a_log_group_retention_the_resource_does_not_manage_breaks_exactly_that_rule",
        copy: "log-group-retention",
        file: "logs.tf",
        change: Change::Once(&[("  retention_in_days = 14\n", "")]),
        rule: "log_group",
        expect: Expect::Lines(&[
            "terraform/logs.tf: aws_cloudwatch_log_group.app: retention_in_days must be set here, as \
         a number: only a retention the resource manages is applied when it changes",
        ]),
    },
    Planted {
        test: "a_log_group_without_the_import_of_an_existing_one_breaks_exactly_that_rule",
        copy: "log-group-no-import",
        file: "logs.tf",
        change: Change::Cut {
            start: "import {",
            end: "\n}\n",
        },
        rule: "log_group",
        expect: Expect::One {
            starts: "terraform/logs.tf: aws_cloudwatch_log_group.app: no import block",
            contains: &["ResourceAlreadyExistsException"],
        },
    },
    Planted {
        test: "a_log_group_without_the_import_of_an_existing_one_breaks_exactly_that_rule",
        copy: "log-group-unconditional-import",
        file: "logs.tf",
        change: Change::Line {
            marker: "for_each = contains(",
            new_line: "for_each = toset([local.app_log_group])",
        },
        rule: "log_group",
        expect: Expect::One {
            starts: "",
            contains: &["only when it exists"],
        },
    },
    Planted {
        test: "a_service_that_waits_the_default_twenty_minutes_breaks_exactly_that_rule",
        copy: "service-timeout",
        file: "ecs.tf",
        change: Change::Line {
            marker: "create = \"${local.deployment_timeout_minutes}m\"",
            new_line: "create = \"20m\"",
        },
        rule: "deployments_fail_within_minutes",
        expect: Expect::Lines(&[
            "terraform/ecs.tf: aws_ecs_service.app: needs timeouts { create = ... } of at most 15 \
         minutes (it is Some(\"20m\")): a first deployment that cannot become healthy otherwise \
         hangs for the provider's default 20",
        ]),
    },
    Planted {
        test: "a_database_created_before_the_preflight_breaks_exactly_that_rule",
        copy: "no-preflight-first",
        file: "database.tf",
        change: Change::Once(&[("\n  depends_on = [terraform_data.preflight]\n", "\n")]),
        rule: "preflight_comes_first",
        expect: Expect::Lines(&[
            "terraform/database.tf: aws_db_instance.main does not wait for terraform_data.preflight: \
         add it to depends_on, so that a missing tool or expired credentials stop the apply \
         before it costs anything",
        ]),
    },
    Planted {
        test: "a_database_created_before_the_preflight_breaks_exactly_that_rule",
        copy: "no-preflight-image",
        file: "ecr.tf",
        change: Change::Once(&[("\n  depends_on = [terraform_data.preflight]\n", "\n")]),
        rule: "preflight_comes_first",
        expect: Expect::One {
            starts: "terraform/ecr.tf: terraform_data.image (the image build) does not wait",
            contains: &[],
        },
    },
    Planted {
        test: "an_image_tag_from_a_hand_kept_list_breaks_exactly_that_rule",
        copy: "hand-kept-sources",
        file: "ecr.tf",
        change: Change::Once(&[
            (
                "image_sources = sort(concat([\"Dockerfile\"], [",
                "image_sources = sort(concat([\"Dockerfile\"], [for file in fileset(local.context, \"{Cargo.toml,Cargo.lock,starter/**,shipper/**}\") : file], [",
            ),
            (
                "for file, verdicts in local.context_verdicts : file if verdicts[length(verdicts) - 1] && file != \"Dockerfile\"",
                "for file, verdicts in local.context_verdicts : file if false",
            ),
        ]),
        rule: "image_tag_covers_the_build_context",
        expect: Expect::One {
            starts: "terraform/ecr.tf: local.image_sources leaves out ",
            contains: &["first api/"],
        },
    },
    // A new folder let into the build context without the tag following it: here the tag's
    // list stops reading .dockerignore's `!` lines after the first.
    Planted {
        test: "a_context_file_the_tag_does_not_cover_breaks_exactly_that_rule",
        copy: "new-context-folder",
        file: "ecr.tf",
        change: Change::Once(&[(
            "[for rule in local.dockerignore_rules : rule.pattern if rule.keep]",
            "[for rule in local.dockerignore_rules : rule.pattern if rule.keep && rule.pattern != \"api\"]",
        )]),
        rule: "image_tag_covers_the_build_context",
        expect: Expect::One {
            starts: "",
            contains: &["leaves out", "first api/Cargo.toml"],
        },
    },
    Planted {
        test: "a_password_in_the_task_environment_breaks_exactly_that_rule",
        copy: "password-in-environment",
        file: "database.tf",
        change: Change::Once(&[(
            "postgres://${var.db_username}@",
            "postgres://${var.db_username}:${random_password.database.result}@",
        )]),
        rule: "password_from_a_secret",
        expect: Expect::Lines(&[
            "terraform/ecs.tf: aws_ecs_task_definition.app: the environment variable DATABASE_URL \
         carries the generated password in plain text, readable by anyone who can describe the \
         task definition",
        ]),
    },
    Planted {
        test: "a_password_in_the_task_environment_breaks_exactly_that_rule",
        copy: "no-secret",
        file: "ecs.tf",
        change: Change::Line {
            marker: "{ name = \"PGPASSWORD\", valueFrom",
            new_line: "{ name = \"PGPASSWORD\", valueFrom = \"not-a-secret\" },",
        },
        rule: "password_from_a_secret",
        expect: Expect::One {
            starts: "",
            contains: &["must come from a secret"],
        },
    },
    Planted {
        test: "a_writable_root_filesystem_breaks_exactly_that_rule",
        copy: "writable-root",
        file: "ecs.tf",
        change: Change::Line {
            marker: "readonlyRootFilesystem = true",
            new_line: "readonlyRootFilesystem = false",
        },
        rule: "read_only_root_filesystem",
        expect: Expect::Lines(&[
            "terraform/ecs.tf: aws_ecs_task_definition.app: the container needs \
         readonlyRootFilesystem = true",
        ]),
    },
    Planted {
        test: "an_architecture_without_its_validation_breaks_exactly_that_rule",
        copy: "any-architecture",
        file: "variables.tf",
        change: Change::Line {
            marker: "condition     = contains([\"auto\", \"x86_64\", \"arm64\"], var.cpu_architecture)",
            new_line: "condition     = length(var.cpu_architecture) >= 0",
        },
        rule: "architecture_is_a_choice",
        expect: Expect::Lines(&[
            "variable \"cpu_architecture\": its validation lets through \"amd64\"",
            "variable \"cpu_architecture\": its validation lets through \"ARM64\"",
            "variable \"cpu_architecture\": its validation lets through \"aarch64\"",
            "variable \"cpu_architecture\": its validation lets through \"\"",
        ]),
    },
    Planted {
        test: "an_architecture_without_its_validation_breaks_exactly_that_rule",
        copy: "fixed-platform",
        file: "ecr.tf",
        change: Change::Once(&[(
            "--platform ${local.docker_platform}",
            "--platform linux/amd64",
        )]),
        rule: "architecture_is_a_choice",
        expect: Expect::Lines(&[
            "terraform/ecr.tf: terraform_data.image: with cpu_architecture = \"arm64\" the image must \
         be built with --platform linux/arm64",
        ]),
    },
    Planted {
        test: "service_egress_to_an_address_range_breaks_exactly_that_rule",
        copy: "egress-cidr",
        file: "network.tf",
        change: Change::Once(&[(
            "  referenced_security_group_id = aws_security_group.database.id\n",
            "  cidr_ipv4                    = \"172.31.0.0/16\"\n",
        )]),
        rule: "service_reaches_only_the_database",
        expect: Expect::Lines(&[
            "terraform/network.tf: aws_vpc_security_group_egress_rule.service_to_database: the \
         service's PostgreSQL traffic may only go to the database's security group \
         (referenced_security_group_id), not to an address range",
        ]),
    },
    Planted {
        test: "a_deployment_check_that_waits_for_the_service_breaks_exactly_that_rule",
        copy: "check-after-service",
        file: "ecs.tf",
        change: Change::Once(&[(
            "  depends_on = [aws_lb_listener.http]\n}\n\n",
            "  depends_on = [aws_ecs_service.app]\n}\n\n",
        )]),
        rule: "stopped_tasks_are_reported",
        expect: Expect::One {
            starts: "terraform/ecs.tf: terraform_data.deployment_check: must run",
            contains: &[],
        },
    },
    Planted {
        test: "a_precondition_that_lets_fargate_invalid_sizes_through_breaks_exactly_that_rule",
        copy: "no-fargate-precondition",
        file: "ecs.tf",
        change: Change::Line {
            marker: "condition     = contains(local.task_memory_choices",
            new_line: "condition     = var.task_memory >= 512",
        },
        rule: "fargate_sizes_checked_at_plan",
        expect: Expect::One {
            starts: "terraform/ecs.tf: aws_ecs_task_definition.app: its precondition",
            contains: &["passes"],
        },
    },
    Planted {
        test: "a_region_validation_that_lets_any_region_through_breaks_exactly_that_rule",
        copy: "any-region",
        file: "variables.tf",
        change: Change::Line {
            marker: "condition     = contains([\"us-east-1\", \"us-west-2\"], var.region)",
            new_line: "condition     = length(var.region) >= 0",
        },
        rule: "region",
        expect: Expect::Lines(&[
            "variable \"region\": its validation lets through \"eu-west-1\"",
            "variable \"region\": its validation lets through \"us-east-2\"",
            "variable \"region\": its validation lets through \"\"",
        ]),
    },
    Planted {
        test: "a_database_user_that_would_break_the_url_is_refused",
        copy: "any-user",
        file: "variables.tf",
        change: Change::Line {
            marker: "condition     = length(regexall(\"^[a-z]",
            new_line: "condition     = length(var.db_username) > 0",
        },
        rule: "database_user_checked_at_plan",
        expect: Expect::EachStarts("variable \"db_username\": its validation lets through"),
    },
    Planted {
        test: "an_apply_that_does_not_wait_for_the_deployment_breaks_exactly_that_rule",
        copy: "no-wait",
        file: "ecs.tf",
        change: Change::Line {
            marker: "wait_for_steady_state = true",
            new_line: "wait_for_steady_state = false",
        },
        rule: "deployments_roll_back",
        expect: Expect::Lines(&[
            "terraform/ecs.tf: aws_ecs_service.app: needs wait_for_steady_state = true and a \
         postcondition that self.task_definition is the new task definition, or a rolled-back \
         deployment counts as a successful apply",
        ]),
    },
    Planted {
        test: "a_deployment_without_rollback_breaks_exactly_that_rule",
        copy: "no-rollback",
        file: "ecs.tf",
        change: Change::Line {
            marker: "rollback = true",
            new_line: "rollback = false",
        },
        rule: "deployments_roll_back",
        expect: Expect::Lines(&[
            "terraform/ecs.tf: aws_ecs_service.app: needs deployment_circuit_breaker with enable = \
         true and rollback = true",
        ]),
    },
    Planted {
        test: "a_database_url_without_tls_breaks_exactly_that_rule",
        copy: "no-tls",
        file: "database.tf",
        change: Change::Once(&[("?sslmode=require\"", "?sslmode=disable\"")]),
        rule: "database_tls",
        expect: Expect::Lines(&[
            "terraform/database.tf: locals: the database URL must ask for TLS (sslmode=require or \
         stricter)",
        ]),
    },
    Planted {
        test: "a_database_url_without_tls_breaks_exactly_that_rule",
        copy: "force-ssl-off",
        file: "database.tf",
        change: Change::Line {
            marker: "value = \"1\"",
            new_line: "value = \"0\"",
        },
        rule: "database_tls",
        expect: Expect::Lines(&[
            "terraform/database.tf: aws_db_parameter_group.main: rds.force_ssl must stay 1: the \
         database refuses connections without TLS",
        ]),
    },
    // The saved query and the dashboard widget made from it.
    Planted {
        test: "a_query_that_counts_health_checks_breaks_exactly_that_rule",
        copy: "health-counted",
        file: "queries.tf",
        change: Change::Once(&[(
            "filter message = \"Request finished\" and url != \"/api/v1/health\"\n    | stats count(*) as responses by status, bin(1m)",
            "filter message = \"Request finished\"\n    | stats count(*) as responses by status, bin(1m)",
        )]),
        rule: "queries_leave_out_health_checks",
        expect: Expect::Lines(&[
            "terraform/queries.tf: aws_cloudwatch_query_definition.status_counts: a query that \
             counts requests must filter `url != \"/api/v1/health\"`",
            "terraform/dashboard.tf: aws_cloudwatch_dashboard.main: a query that counts \
             requests must filter `url != \"/api/v1/health\"`",
        ]),
    },
    Planted {
        test: "a_checkov_skip_without_a_reason_breaks_exactly_that_rule",
        copy: "skip-without-reason",
        file: ".checkov.yaml",
        change: Change::Line {
            marker: "- CKV_AWS_65 #",
            new_line: "- CKV_AWS_65",
        },
        rule: "checkov_skips_have_reasons",
        expect: Expect::Lines(&[
            "terraform/.checkov.yaml: `- CKV_AWS_65` is skipped without a reason on its line",
        ]),
    },
    Planted {
        test: "a_provider_without_an_exact_version_breaks_exactly_that_rule",
        copy: "loose-provider",
        file: "providers.tf",
        change: Change::Line {
            marker: "version = \"5.100.0\"",
            new_line: "version = \">= 5.0\"",
        },
        rule: "providers_pinned_and_locked",
        expect: Expect::Lines(&[
            "terraform/providers.tf: provider aws: version = \">= 5.0\" is not an exact version",
        ]),
    },
    Planted {
        test: "a_provider_without_an_exact_version_breaks_exactly_that_rule",
        copy: "lock-behind",
        file: "providers.tf",
        change: Change::Line {
            marker: "version = \"5.100.0\"",
            new_line: "version = \"5.99.0\"",
        },
        rule: "providers_pinned_and_locked",
        expect: Expect::Lines(&[
            "terraform/.terraform.lock.hcl: registry.terraform.io/hashicorp/aws is locked at \
         Some(\"5.100.0\"), not 5.99.0",
        ]),
    },
];

/// A copy of terraform/ (under the test's target folder) changed by `change`.
fn mutated(name: &str, change: impl FnOnce(&Path)) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("terraform-rules")
        .join(name);
    if root.exists() {
        fs::remove_dir_all(&root).expect("remove an old copy");
    }
    let dir = root.join("terraform");
    // Not Terraform's own download folder or state; the lock file is kept.
    copy_dir(&terraform_dir(), &dir, &|name| {
        name == ".terraform" || name.contains(".tfstate")
    });
    // The image's tag hashes the Docker build context beside terraform/: copy what Docker sends.
    let kit = terraform_dir().join("..");
    let context = glob::docker_context(&kit).expect("the build context");
    for file in context
        .iter()
        .map(String::as_str)
        .chain([".dockerignore", "Dockerfile"])
    {
        let to = root.join(file);
        fs::create_dir_all(to.parent().expect("a folder")).expect("create a folder");
        fs::copy(kit.join(file), &to).expect("copy a context file");
    }
    change(&dir);
    dir
}

/// Replaces the one occurrence of `find` in `file` by `replace`.
fn replace_once(dir: &Path, file: &str, find: &str, replace: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("read the file to change");
    assert_eq!(
        text.matches(find).count(),
        1,
        "{file} should have {find:?} once"
    );
    fs::write(&path, text.replace(find, replace)).expect("write the changed file");
}

/// Replaces the one line of `file` that contains `marker` (keeping its indentation).
fn replace_line(dir: &Path, file: &str, marker: &str, new_line: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("read the file to change");
    let matching = text.lines().filter(|line| line.contains(marker)).count();
    assert_eq!(matching, 1, "{file} should have one line with {marker:?}");
    let changed: Vec<String> = text
        .lines()
        .map(|line| {
            if line.contains(marker) {
                let indent = &line[..line.len() - line.trim_start().len()];
                format!("{indent}{new_line}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    fs::write(&path, changed.join("\n") + "\n").expect("write the changed file");
}

/// Makes a row's change in the copy `dir`.
fn plant(dir: &Path, file: &str, change: &Change) {
    let path = dir.join(file);
    match change {
        Change::Line { marker, new_line } => replace_line(dir, file, marker, new_line),
        Change::Once(replacements) => {
            for (find, replace) in *replacements {
                replace_once(dir, file, find, replace);
            }
        }
        Change::Write(text) => {
            assert!(!path.exists(), "{file} should be a new file");
            fs::write(&path, text).expect("write the new file");
        }
        Change::Remove => fs::remove_file(&path).expect("remove the file"),
        Change::Cut { start, end } => {
            let text = fs::read_to_string(&path).expect("read the file to change");
            let from = text.find(start).expect("the start of the cut");
            let to = from + text[from..].find(end).expect("the end of the cut") + end.len();
            fs::write(&path, format!("{}{}", &text[..from], &text[to..]))
                .expect("write the changed file");
        }
    }
}

/// Plants `row`'s mistake in a copy and checks that exactly its rule fires, saying what it should.
fn breaks_exactly_its_rule(row: &Planted) -> Result<(), String> {
    let dir = mutated(row.copy, |dir| plant(dir, row.file, &row.change));
    let found = fired(&dir, &[]);
    let lines: Vec<&str> = found.iter().map(|(_, line)| line.as_str()).collect();
    let rules: BTreeSet<&str> = found.iter().map(|(rule, _)| *rule).collect();
    let problem = |what: String| {
        format!(
            "{} (the copy {}, {} changed): {what}; it broke {lines:#?}",
            row.test, row.copy, row.file
        )
    };
    if rules != BTreeSet::from([row.rule]) {
        return Err(problem(format!(
            "it should break the rule {} only, but {rules:?} fired",
            row.rule
        )));
    }
    let as_expected = match &row.expect {
        Expect::Lines(expected) => lines == *expected,
        Expect::One { starts, contains } => {
            matches!(lines.as_slice(), [line] if line.starts_with(starts)
                && contains.iter().all(|part| line.contains(part)))
        }
        Expect::EachStarts(prefix) => lines.iter().all(|line| line.starts_with(prefix)),
    };
    if !as_expected {
        return Err(problem("it did not say what it should".to_owned()));
    }
    Ok(())
}

// --- tests ---------------------------------------------------------------------------------

fn the_handed_out_configuration_keeps_every_rule() {
    let dir = terraform_dir();
    assert_eq!(violations(&dir, &[]), Vec::<String>::new());
}

fn the_solved_configuration_keeps_every_rule() {
    let dir = terraform_dir();
    assert_eq!(violations(&dir, &solved(&dir)), Vec::<String>::new());
}

fn the_handed_out_and_solved_sizes() {
    let dir = terraform_dir();
    assert_eq!(
        task_size(&dir, &[]),
        Ok(TaskSize {
            cpu: 256,
            memory_mib: 512
        })
    );
    assert_eq!(
        task_size(&dir, &solved(&dir)),
        Ok(TaskSize {
            cpu: 1024,
            memory_mib: 2048
        })
    );
}

/// `diff -u terraform/task-size.auto.tfvars terraform/solved/task-size.auto.tfvars` shows the
/// two numbers and nothing else.
fn the_solved_size_file_differs_only_in_the_two_numbers() {
    let dir = terraform_dir();
    let handed_out = fs::read_to_string(dir.join("task-size.auto.tfvars")).expect("handed out");
    let solved = fs::read_to_string(dir.join("solved/task-size.auto.tfvars")).expect("solved");
    let (handed_out, solved): (Vec<_>, Vec<_>) =
        (handed_out.lines().collect(), solved.lines().collect());
    assert_eq!(handed_out.len(), solved.len());
    let differing: Vec<_> = handed_out
        .iter()
        .zip(&solved)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("{a} -> {b}"))
        .collect();
    assert_eq!(
        differing,
        [
            "task_cpu    = 256 -> task_cpu    = 1024",
            "task_memory = 512 -> task_memory = 2048"
        ]
    );
}
fn the_field_check_knows_keywords_functions_strings_and_aliases() {
    let query = "fields @timestamp, `level`, message # a comment with words\n\
                 | filter url like /todos\\/[0-9]+/ and method = 'GET' and status >= 400\n\
                 | stats pct(latency_ms, 95) as p95, count(*) as requests by bin(5m) as minute\n\
                 | sort minute desc | limit 20";
    assert_eq!(
        fields_used(query),
        [
            "@timestamp",
            "level",
            "message",
            "url",
            "method",
            "status",
            "latency_ms"
        ]
    );
    assert_eq!(unknown_fields(query), Vec::<String>::new());
    assert_eq!(
        unknown_fields("filter msg = \"Request finished\" | stats avg(latency) by statusCode"),
        ["msg", "latency", "statusCode"]
    );
}

fn the_password_heuristics() {
    assert!(has_written_password("postgres://app:secret@db:5432/app"));
    assert!(!has_written_password("postgres://app:\0@\0:\0/app"));
    assert!(!has_written_password(
        "https://console.aws.amazon.com/?region=\0"
    ));
    assert!(has_written_password("host=db user=app password=secret"));
    assert!(has_written_password("PGPASSWORD: secret"));
    assert!(!has_written_password("password=\0"));
    assert!(!has_written_password(
        "aws ecr get-login-password | docker login --password-stdin \0"
    ));
    assert!(!has_written_password("the password is generated"));
}

fn the_precondition_rejects_a_fargate_invalid_pair_at_plan_with_the_choices() {
    let config = Config::read(&terraform_dir(), &[]).expect("terraform/ reads");
    let (_, _, definition) = config
        .resources("aws_ecs_task_definition")
        .next()
        .expect("a task definition");
    let sized = |cpu: u32, memory: u32| {
        config.with_variables(&[
            ("task_cpu", Value::from(cpu)),
            ("task_memory", Value::from(memory)),
        ])
    };
    assert_eq!(failed_precondition(&sized(256, 512), definition), Ok(None));
    assert_eq!(
        failed_precondition(&sized(1024, 2048), definition),
        Ok(None)
    );
    let message = failed_precondition(&sized(1024, 1024), definition)
        .expect("evaluates")
        .expect("1 vCPU with 1 GiB is not a Fargate size");
    assert_eq!(
        message,
        "Fargate does not run a task with 1024 CPU units and 1024 MiB: with 1024 CPU units the \
         memory is one of 2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB. Change task_memory in \
         task-size.auto.tfvars."
    );
}

/// The handout's steps and terraform/README.md tell a student whose app already created the log
/// group the same thing, and it is what logs.tf does: nothing to delete or import first.
fn the_handout_and_the_readme_agree_about_an_existing_log_group() {
    let root = terraform_dir().join("..");
    let read = |file: &str| {
        fs::read_to_string(root.join(file))
            .unwrap_or_else(|error| panic!("read {file}: {error}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let handout = read("docs/handout.md");
    let steps = handout
        .split("## Deploying with Terraform")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .map(str::to_owned)
        .unwrap_or_default();
    let steps: String = steps.split_whitespace().collect::<Vec<_>>().join(" ");
    let readme = read("terraform/README.md");
    for (doc, text) in [
        ("docs/handout.md", &steps),
        ("terraform/README.md", &readme),
    ] {
        for promise in [
            "the log group `taskoverflow` exists already",
            "the apply keeps it and its log lines",
            "nothing to delete or import first",
        ] {
            assert!(text.contains(promise), "{doc} does not say {promise:?}");
        }
        for old_advice in ["terraform import", "delete-log-group"] {
            assert!(
                !text.contains(old_advice),
                "{doc} still tells students to run {old_advice}"
            );
        }
    }
    // And logs.tf does what they promise (the log group rule checks the details).
    assert_eq!(
        violations(&terraform_dir(), &[])
            .iter()
            .filter(|line| line.contains("log group") || line.contains("log_group"))
            .count(),
        0
    );
}

fn main() {
    let arguments = Arguments::from_args();
    let plain: [(&str, fn()); 8] = [
        (
            "the_handed_out_configuration_keeps_every_rule",
            the_handed_out_configuration_keeps_every_rule,
        ),
        (
            "the_solved_configuration_keeps_every_rule",
            the_solved_configuration_keeps_every_rule,
        ),
        (
            "the_handed_out_and_solved_sizes",
            the_handed_out_and_solved_sizes,
        ),
        (
            "the_solved_size_file_differs_only_in_the_two_numbers",
            the_solved_size_file_differs_only_in_the_two_numbers,
        ),
        (
            "the_field_check_knows_keywords_functions_strings_and_aliases",
            the_field_check_knows_keywords_functions_strings_and_aliases,
        ),
        ("the_password_heuristics", the_password_heuristics),
        (
            "the_precondition_rejects_a_fargate_invalid_pair_at_plan_with_the_choices",
            the_precondition_rejects_a_fargate_invalid_pair_at_plan_with_the_choices,
        ),
        (
            "the_handout_and_the_readme_agree_about_an_existing_log_group",
            the_handout_and_the_readme_agree_about_an_existing_log_group,
        ),
    ];
    let mut trials: Vec<Trial> = plain
        .into_iter()
        .map(|(name, test)| {
            Trial::test(name, move || {
                test();
                Ok(())
            })
        })
        .collect();
    // One trial per test of the table: its rows, in order.
    let mut tests: Vec<&str> = Vec::new();
    for row in PLANTED {
        if !tests.contains(&row.test) {
            tests.push(row.test);
        }
    }
    for test in tests {
        trials.push(Trial::test(test, move || {
            PLANTED
                .iter()
                .filter(|row| row.test == test)
                .try_for_each(breaks_exactly_its_rule)
                .map_err(Failed::from)
        }));
    }
    libtest_mimic::run(&arguments, trials).exit();
}
