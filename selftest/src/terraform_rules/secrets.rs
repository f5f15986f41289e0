//! The database's credentials: no password written in a file, the generated one reaching the task
//! through a secret only, and a user name that goes into the database URL as it is.

use std::collections::BTreeSet;

use hcl::{Expression, Value};

use super::config::{attribute, constant, labels, references, walk, Config};
use super::hcl::{
    address, attributes_in, check_validation, container_definitions, entry_of, key_name,
    object_entry, top_blocks, written_text,
};

pub(super) fn no_literal_passwords(config: &Config, found: &mut Vec<String>) {
    for (file, block) in top_blocks(config) {
        attributes_in(block.body(), &mut |key, expr| {
            let lower = key.to_ascii_lowercase();
            if (lower == "password" || lower.ends_with("_password")) && constant(expr).is_ok() {
                found.push(format!(
                    "{}: {}: `{key}` is written in the file; take it from a random_password \
                     resource or a sensitive variable without a default",
                    file.name,
                    address(block)
                ));
            }
        });
    }
}

pub(super) fn no_password_like_strings(config: &Config, found: &mut Vec<String>) {
    for (file, block) in top_blocks(config) {
        let mut report = |what: String| {
            found.push(format!("{}: {}: {what}", file.name, address(block)));
        };
        if let ("variable", [name]) = (block.identifier(), labels(block).as_slice()) {
            if is_secret_name(name) {
                if attribute(block.body(), "default").is_some() {
                    report(format!(
                        "variable \"{name}\" holds a secret: it must have no default"
                    ));
                }
                if !attribute(block.body(), "sensitive")
                    .is_some_and(|expr| config.evaluate(expr) == Ok(Value::Bool(true)))
                {
                    report(format!(
                        "variable \"{name}\" holds a secret: it must be sensitive = true"
                    ));
                }
            }
        }
        let mut problems = Vec::new();
        attributes_in(block.body(), &mut |_, expr| {
            walk(expr, &mut |expr| {
                if let Some(text) = written_text(expr) {
                    if has_written_password(&text) {
                        problems.push("a string has a password written in it".to_owned());
                    }
                }
                // An environment entry such as { name = "DB_PASSWORD", value = "..." }.
                if let Expression::Object(object) = expr {
                    let entry = |wanted: &str| {
                        object
                            .iter()
                            .find(|(key, _)| key_name(key) == Some(wanted))
                            .map(|(_, value)| value)
                    };
                    if let (Some(name), Some(value)) = (entry("name"), entry("value")) {
                        if let Ok(Value::String(name)) = constant(name) {
                            if is_secret_name(&name) && constant(value).is_ok() {
                                problems.push(format!("{name} is written in the file"));
                            }
                        }
                    }
                }
            });
        });
        problems.into_iter().for_each(&mut report);
    }
}

/// The database password reaches the task through a secret the task definition names, and
/// nothing in the task's environment carries it.
pub(super) fn password_from_a_secret(config: &Config, found: &mut Vec<String>) {
    for (file, name, definitions) in container_definitions(config) {
        let mut from_secret = false;
        let mut in_environment = Vec::new();
        walk(definitions, &mut |expr| {
            if let Some(secrets) = object_entry(expr, "secrets") {
                walk(secrets, &mut |entry| {
                    if let Some((_, source)) = entry_of(entry, "valueFrom") {
                        from_secret |= references(source).iter().any(|(kind, _)| {
                            kind == "aws_secretsmanager_secret" || kind == "aws_ssm_parameter"
                        });
                    }
                });
            }
            if let Some(environment) = object_entry(expr, "environment") {
                walk(environment, &mut |entry| {
                    if let Some((variable, value)) = entry_of(entry, "value") {
                        let mut used = references(value);
                        let mut seen = BTreeSet::new();
                        while let Some((kind, local)) = used.pop() {
                            if kind == "random_password" {
                                in_environment.push(variable.clone());
                            } else if kind == "local" && seen.insert(local.clone()) {
                                if let Some(expr) = config.local_expr(&local) {
                                    used.extend(references(expr));
                                }
                            }
                        }
                    }
                });
            }
        });
        if !from_secret {
            found.push(format!(
                "{}: aws_ecs_task_definition.{name}: the database password must come from a \
                 secret the task definition names (secrets = [{{ name, valueFrom = \
                 aws_secretsmanager_secret... }}])",
                file.name
            ));
        }
        for variable in in_environment {
            found.push(format!(
                "{}: aws_ecs_task_definition.{name}: the environment variable {variable} carries \
                 the generated password in plain text, readable by anyone who can describe the \
                 task definition",
                file.name
            ));
        }
    }
}

/// The database user goes into DATABASE_URL as it is: the validation lets through only names
/// RDS takes that need no escaping in a URL.
pub(super) fn database_user_checked_at_plan(config: &Config, found: &mut Vec<String>) {
    let text = |value: &str| Value::String(value.to_owned());
    check_validation(
        config,
        "db_username",
        &[text("taskoverflow"), text("app_user2")],
        &[
            text(""),
            text("Bob"),
            text("1user"),
            text("a b"),
            text("user@host"),
            text("us:er"),
            text("user/x"),
            text("rdsadmin"),
            text("pg_admin"),
            text(&"a".repeat(64)),
        ],
        found,
    );
}

fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "passwd", "secret"]
        .iter()
        .any(|word| name.contains(word))
}

/// Whether a text has a password written in it: in a URL's user info
/// (`postgres://user:secret@host`) or as `password=secret` / `password: secret`.
pub fn has_written_password(text: &str) -> bool {
    let written = |value: &str| value.chars().any(|c| c != '\0');
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let after = &rest[start + 3..];
        let authority = after.split(['/', '?', '#', ' ', '\n']).next().unwrap_or("");
        if let Some((user_info, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = user_info.split_once(':') {
                if written(password) {
                    return true;
                }
            }
        }
        rest = after;
    }
    let lower = text.to_ascii_lowercase();
    lower.match_indices("password").any(|(at, word)| {
        let after = lower[at + word.len()..].trim_start();
        let Some(value) = after.strip_prefix(['=', ':']) else {
            return false;
        };
        let value: String = value
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '&' | ';' | '"' | '\'' | ','))
            .collect();
        written(&value)
    })
}

#[cfg(test)]
mod tests {
    use hcl::Value;

    use crate::kit_root;
    use crate::terraform_rules::config::Config;
    use crate::terraform_rules::hcl::validations_pass;

    #[test]
    fn the_database_user_validation_takes_a_plain_name_and_refuses_one_with_an_at() {
        let config = Config::read(&kit_root().join("terraform"), &[]).expect("terraform/ reads");
        let user =
            |name: &str| validations_pass(&config, "db_username", Value::String(name.into()));
        assert_eq!(user("taskoverflow"), Ok(true));
        assert_eq!(user("user@host"), Ok(false));
    }
}
