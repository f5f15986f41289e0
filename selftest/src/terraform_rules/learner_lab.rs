//! The AWS Learner Lab's own limits: no IAM resources (only the existing LabRole), its region,
//! and the endpoint the lab's steps read.

use hcl::Value;

use super::config::{attribute, labels, Config};
use super::hcl::{address, check_validation, path_of, string_value};

pub(super) fn no_iam_resources(config: &Config, found: &mut Vec<String>) {
    for (file, block) in config.blocks("resource") {
        if labels(block)
            .first()
            .is_some_and(|kind| kind.starts_with("aws_iam_"))
        {
            found.push(format!(
                "{}: {}: the Learner Lab does not allow creating IAM resources; use the existing \
                 LabRole through data \"aws_iam_role\"",
                file.name,
                address(block)
            ));
        }
    }
}

pub(super) fn lab_role(config: &Config, found: &mut Vec<String>) {
    let lab: Vec<String> = config
        .blocks("data")
        .filter_map(|(_, block)| match labels(block).as_slice() {
            [kind, name] if *kind == "aws_iam_role" => {
                (string_value(config, attribute(block.body(), "name")).as_deref()
                    == Some("LabRole"))
                .then(|| (*name).to_owned())
            }
            _ => None,
        })
        .collect();
    if lab.is_empty() {
        found.push(
            "no data \"aws_iam_role\" looks up the Learner Lab's LabRole (name = \"LabRole\")"
                .to_owned(),
        );
    }
    for (file, name, block) in config.resources("aws_ecs_task_definition") {
        for key in ["task_role_arn", "execution_role_arn"] {
            let uses_lab = attribute(block.body(), key)
                .and_then(path_of)
                .is_some_and(|path| {
                    path.len() == 4
                        && path[..2] == ["data", "aws_iam_role"]
                        && lab.contains(&path[2])
                        && path[3] == "arn"
                });
            if !uses_lab {
                found.push(format!(
                    "{}: aws_ecs_task_definition.{name}: {key} must be the LabRole's arn, \
                     data.aws_iam_role.<name>.arn",
                    file.name
                ));
            }
        }
    }
}

pub(super) fn region(config: &Config, found: &mut Vec<String>) {
    let providers: Vec<_> = config
        .blocks("provider")
        .filter(|(_, block)| labels(block) == ["aws"])
        .collect();
    if providers.is_empty() {
        found.push("no provider \"aws\" block".to_owned());
    }
    // The Learner Lab's regions pass the variable's validation; others fail `terraform plan`.
    let text = |value: &str| Value::String(value.to_owned());
    check_validation(
        config,
        "region",
        &[text("us-east-1"), text("us-west-2")],
        &[text("eu-west-1"), text("us-east-2"), text("")],
        found,
    );
    for (file, block) in providers {
        if string_value(config, attribute(block.body(), "region")).as_deref() != Some("us-east-1") {
            found.push(format!(
                "{}: provider \"aws\": the region must be us-east-1 (written there, or the \
                 default of the variable it uses)",
                file.name
            ));
        }
    }
}

pub(super) fn endpoint_output(config: &Config, found: &mut Vec<String>) {
    let endpoint = config
        .blocks("output")
        .find(|(_, block)| labels(block) == ["endpoint"]);
    match endpoint {
        None => found.push("no output \"endpoint\"".to_owned()),
        Some((file, block)) => {
            let url = attribute(block.body(), "value").and_then(|value| config.render(value, "?"));
            if !url.is_some_and(|url| url.starts_with("http://")) {
                found.push(format!(
                    "{}: output \"endpoint\": the value must be the load balancer's URL, \
                     \"http://${{aws_lb.<name>.dns_name}}\"",
                    file.name
                ));
            }
        }
    }
}
