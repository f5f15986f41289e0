//! Who may reach the database: a private instance, security groups that let in only the
//! service, the service's egress to the database only, and TLS on the way.

use std::collections::BTreeSet;

use hcl::{Body, Expression, Value};

use super::config::{attribute, walk, Config};
use super::hcl::{
    address, attributes_in, is_false, path_of, string_value, top_blocks, written_text,
};

pub(super) fn database_is_private(config: &Config, found: &mut Vec<String>) {
    for (file, name, block) in config.resources("aws_db_instance") {
        if !is_false(config, attribute(block.body(), "publicly_accessible")) {
            found.push(format!(
                "{}: aws_db_instance.{name}: publicly_accessible must be false: only the \
                 service may reach the database",
                file.name
            ));
        }
    }
}

pub(super) fn database_only_from_the_service(config: &Config, found: &mut Vec<String>) {
    let service_groups = service_groups(config);
    for (file, name, block) in config.resources("aws_db_instance") {
        let Some(groups) = attribute(block.body(), "vpc_security_group_ids") else {
            found.push(format!(
                "{}: aws_db_instance.{name}: no vpc_security_group_ids: the database would get \
                 the VPC's default security group",
                file.name
            ));
            continue;
        };
        for group in security_groups_in(groups) {
            for (group_file, _, group_block) in config
                .resources("aws_security_group")
                .filter(|(_, found, _)| *found == group)
            {
                for ingress in group_block
                    .body()
                    .blocks()
                    .filter(|inner| inner.identifier() == "ingress")
                {
                    let open = ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"]
                        .iter()
                        .any(|key| attribute(ingress.body(), key).is_some());
                    let sources = attribute(ingress.body(), "security_groups")
                        .map(security_groups_in)
                        .unwrap_or_default();
                    if open || sources.is_empty() || !sources.is_subset(&service_groups) {
                        found.push(format!(
                            "{}: aws_security_group.{group}: the database's security group may \
                             only let in the ECS service's security group",
                            group_file.name
                        ));
                    }
                }
            }
            for kind in [
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            ] {
                for (rule_file, rule_name, rule) in config.resources(kind) {
                    let targets = attribute(rule.body(), "security_group_id")
                        .map(security_groups_in)
                        .unwrap_or_default();
                    let egress = string_value(config, attribute(rule.body(), "type")).as_deref()
                        == Some("egress");
                    if targets.contains(&group) && !egress {
                        let sources: BTreeSet<String> =
                            ["source_security_group_id", "referenced_security_group_id"]
                                .iter()
                                .filter_map(|key| attribute(rule.body(), key))
                                .flat_map(security_groups_in)
                                .collect();
                        if sources.is_empty() || !sources.is_subset(&service_groups) {
                            found.push(format!(
                                "{}: {kind}.{rule_name}: the database's security group may only \
                                 let in the ECS service's security group",
                                rule_file.name
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// The service's tasks send PostgreSQL traffic to the database's security group only.
pub(super) fn service_reaches_only_the_database(config: &Config, found: &mut Vec<String>) {
    let service_groups = service_groups(config);
    let database_groups: BTreeSet<String> = config
        .resources("aws_db_instance")
        .filter_map(|(_, _, block)| attribute(block.body(), "vpc_security_group_ids"))
        .flat_map(security_groups_in)
        .collect();
    let port = |body: &Body, key: &str| {
        attribute(body, key).and_then(|value| match config.evaluate(value) {
            Ok(Value::Number(number)) => number.as_f64(),
            _ => None,
        })
    };
    let reaches_5432 = |body: &Body| matches!((port(body, "from_port"), port(body, "to_port")), (Some(from), Some(to)) if from <= 5432.0 && 5432.0 <= to);
    for (file, name, rule) in config.resources("aws_vpc_security_group_egress_rule") {
        let from_service = attribute(rule.body(), "security_group_id")
            .map(security_groups_in)
            .is_some_and(|groups| !groups.is_disjoint(&service_groups));
        if !from_service || !reaches_5432(rule.body()) {
            continue;
        }
        let to = attribute(rule.body(), "referenced_security_group_id")
            .map(security_groups_in)
            .unwrap_or_default();
        if to.is_empty() || !to.is_subset(&database_groups) {
            found.push(format!(
                "{}: aws_vpc_security_group_egress_rule.{name}: the service's PostgreSQL traffic \
                 may only go to the database's security group (referenced_security_group_id), \
                 not to an address range",
                file.name
            ));
        }
    }
    for (file, name, group) in config.resources("aws_security_group") {
        if !service_groups.contains(name) {
            continue;
        }
        for egress in group
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "egress")
        {
            let to = attribute(egress.body(), "security_groups")
                .map(security_groups_in)
                .unwrap_or_default();
            if reaches_5432(egress.body()) && (to.is_empty() || !to.is_subset(&database_groups)) {
                found.push(format!(
                    "{}: aws_security_group.{name}: the service's PostgreSQL traffic may only go \
                     to the database's security group, not to an address range",
                    file.name
                ));
            }
        }
    }
}

/// The app reaches the database over TLS, and the database refuses connections without it.
pub(super) fn database_tls(config: &Config, found: &mut Vec<String>) {
    let mut urls = Vec::new();
    for (file, block) in top_blocks(config) {
        attributes_in(block.body(), &mut |_, expr| {
            walk(expr, &mut |expr| {
                if let Some(text) = written_text(expr) {
                    if text.contains("postgres://") || text.contains("postgresql://") {
                        urls.push((file.name.clone(), address(block), text));
                    }
                }
            });
        });
    }
    if urls.is_empty() {
        found.push("no postgres:// URL (DATABASE_URL) found".to_owned());
    }
    for (file, address, url) in urls {
        let secure = [
            "sslmode=require",
            "sslmode=verify-ca",
            "sslmode=verify-full",
        ]
        .iter()
        .any(|mode| url.contains(mode));
        if !secure {
            found.push(format!(
                "{file}: {address}: the database URL must ask for TLS (sslmode=require or stricter)"
            ));
        }
    }
    for (file, name, group) in config.resources("aws_db_parameter_group") {
        for parameter in group
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "parameter")
        {
            let value = |key: &str| string_value(config, attribute(parameter.body(), key));
            if value("name").as_deref() == Some("rds.force_ssl")
                && value("value").as_deref() != Some("1")
            {
                found.push(format!(
                    "{}: aws_db_parameter_group.{name}: rds.force_ssl must stay 1: the database \
                     refuses connections without TLS",
                    file.name
                ));
            }
        }
    }
}

/// The security groups of the ECS services' tasks (their `network_configuration`).
fn service_groups(config: &Config) -> BTreeSet<String> {
    config
        .resources("aws_ecs_service")
        .flat_map(|(_, _, block)| {
            block
                .body()
                .blocks()
                .filter(|inner| inner.identifier() == "network_configuration")
                .filter_map(|inner| attribute(inner.body(), "security_groups"))
                .flat_map(security_groups_in)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The names of the `aws_security_group` resources an expression (a list, usually) refers to.
fn security_groups_in(expr: &Expression) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    walk(expr, &mut |expr| {
        if let Some(path) = path_of(expr) {
            if path.len() >= 2 && path[0] == "aws_security_group" {
                names.insert(path[1].clone());
            }
        }
    });
    names
}
