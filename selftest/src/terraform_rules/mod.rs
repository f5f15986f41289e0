//! `terraform/` keeps the Learner Lab's rules and the lab's contract, checked on the parsed HCL:
//! `terraform validate` would need the providers, which cannot be downloaded here.
//!
//! The rules are one function, [`violations`], that lists every rule a configuration breaks
//! ([`fired`] says which rule each line comes from). The configuration's own checks (variable
//! validations and preconditions) are evaluated for sample values with [`config`], as
//! `terraform plan` would evaluate them. The rules come in families, one file each:
//!
//! - [`learner_lab`]: no IAM resources, the LabRole, the region, the endpoint output;
//! - [`network`]: a private database that only the service reaches, over TLS;
//! - [`secrets`]: no written passwords, the generated one through a secret, the database user;
//! - [`deployment`]: the health check, the Fargate size, rollbacks, timeouts, the preflight,
//!   stopped tasks, the image tag, the read-only root filesystem, the CPU architecture;
//! - [`logging`]: the app's log group and the saved queries;
//! - [`providers`]: pinned and locked providers, checkov's skips.
//!
//! [`hcl`] holds the helpers they share; [`glob`] reads file patterns as Terraform's `fileset`
//! and Docker's `.dockerignore` do.

pub mod config;
pub mod deployment;
pub mod glob;
pub mod hcl;
pub mod learner_lab;
pub mod logging;
pub mod network;
pub mod providers;
pub mod secrets;

use std::path::{Path, PathBuf};

use checks::terraform::task_size;
use config::Config;

/// The kit's `terraform/`.
pub fn terraform_dir() -> PathBuf {
    crate::kit_root().join("terraform")
}

/// Every rule `dir` (with the variable files `overrides` laid over it) breaks, one line each,
/// starting with the file.
pub fn violations(dir: &Path, overrides: &[PathBuf]) -> Vec<String> {
    fired(dir, overrides)
        .into_iter()
        .map(|(_, line)| line)
        .collect()
}

/// [`violations`], each line with the name of the rule that found it (`config` when the
/// configuration cannot be read at all).
pub fn fired(dir: &Path, overrides: &[PathBuf]) -> Vec<(&'static str, String)> {
    let config = match Config::read(dir, overrides) {
        Ok(config) => config,
        Err(error) => return vec![("config", error)],
    };
    let config = &config;
    type Rule<'a> = &'a dyn Fn(&mut Vec<String>);
    // The rules, in the order their lines are listed.
    let rules: [(&str, Rule); 27] = [
        ("no_iam_resources", &|found| {
            learner_lab::no_iam_resources(config, found)
        }),
        ("providers_pinned_and_locked", &|found| {
            providers::providers_pinned_and_locked(dir, config, found)
        }),
        ("lab_role", &|found| learner_lab::lab_role(config, found)),
        ("database_is_private", &|found| {
            network::database_is_private(config, found)
        }),
        ("database_only_from_the_service", &|found| {
            network::database_only_from_the_service(config, found)
        }),
        ("no_literal_passwords", &|found| {
            secrets::no_literal_passwords(config, found)
        }),
        ("no_password_like_strings", &|found| {
            secrets::no_password_like_strings(config, found)
        }),
        ("health_check", &|found| {
            deployment::health_check(config, found)
        }),
        ("log_group", &|found| logging::log_group(config, found)),
        ("region", &|found| learner_lab::region(config, found)),
        ("endpoint_output", &|found| {
            learner_lab::endpoint_output(config, found)
        }),
        ("task_size", &|found| {
            if let Err(error) = task_size(dir, overrides) {
                found.push(error);
            }
        }),
        ("fargate_sizes_checked_at_plan", &|found| {
            deployment::fargate_sizes_checked_at_plan(config, found)
        }),
        ("database_user_checked_at_plan", &|found| {
            secrets::database_user_checked_at_plan(config, found)
        }),
        ("deployments_roll_back", &|found| {
            deployment::deployments_roll_back(config, found)
        }),
        ("deployments_fail_within_minutes", &|found| {
            deployment::deployments_fail_within_minutes(config, found)
        }),
        ("stopped_tasks_are_reported", &|found| {
            deployment::stopped_tasks_are_reported(config, found)
        }),
        ("preflight_comes_first", &|found| {
            deployment::preflight_comes_first(config, found)
        }),
        ("image_tag_covers_the_build_context", &|found| {
            deployment::image_tag_covers_the_build_context(dir, config, found)
        }),
        ("password_from_a_secret", &|found| {
            secrets::password_from_a_secret(config, found)
        }),
        ("read_only_root_filesystem", &|found| {
            deployment::read_only_root_filesystem(config, found)
        }),
        ("architecture_is_a_choice", &|found| {
            deployment::architecture_is_a_choice(config, found)
        }),
        ("service_reaches_only_the_database", &|found| {
            network::service_reaches_only_the_database(config, found)
        }),
        ("database_tls", &|found| {
            network::database_tls(config, found)
        }),
        ("queries_use_logged_fields", &|found| {
            logging::queries_use_logged_fields(config, found)
        }),
        ("queries_leave_out_health_checks", &|found| {
            logging::queries_leave_out_health_checks(config, found)
        }),
        ("checkov_skips_have_reasons", &|found| {
            providers::checkov_skips_have_reasons(dir, found)
        }),
    ];
    let mut fired = Vec::new();
    for (name, rule) in rules {
        let mut found = Vec::new();
        rule(&mut found);
        fired.extend(found.into_iter().map(|line| (name, line)));
    }
    fired
}
