//! Generic helpers over parsed HCL that the rules share: how messages name a block, the
//! attributes and references in a body, values worked out with [`Config::evaluate`], and the
//! variable validations and preconditions evaluated as `terraform plan` would.

use hcl::expr::TraversalOperator;
use hcl::template::{Element, Template};
use hcl::{Block, Body, Expression, ObjectKey, Value};

use super::config::{attribute, constant, labels, references, Config, File};

/// How messages name a top-level block: `aws_db_instance.main`, `data.aws_iam_role.lab`,
/// `variable "region"`, `locals`.
pub fn address(block: &Block) -> String {
    match (block.identifier(), labels(block).as_slice()) {
        ("resource", [kind, name]) => format!("{kind}.{name}"),
        ("data", [kind, name]) => format!("data.{kind}.{name}"),
        (identifier, []) => identifier.to_owned(),
        (identifier, labels) => format!("{identifier} \"{}\"", labels.join("\" \"")),
    }
}

pub fn top_blocks(config: &Config) -> impl Iterator<Item = (&File, &Block)> {
    config
        .files
        .iter()
        .flat_map(|file| file.body.blocks().map(move |block| (file, block)))
}

/// Every attribute in `body` and in the blocks nested in it.
pub fn attributes_in<'a>(body: &'a Body, visit: &mut dyn FnMut(&'a str, &'a Expression)) {
    for attribute in body.attributes() {
        visit(attribute.key(), attribute.expr());
    }
    for block in body.blocks() {
        attributes_in(block.body(), visit);
    }
}

/// `a.b.c` for a plain traversal such as `data.aws_iam_role.lab.arn`.
pub fn path_of(expr: &Expression) -> Option<Vec<String>> {
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let mut path = vec![root.as_str().to_owned()];
    for operator in &traversal.operators {
        match operator {
            TraversalOperator::GetAttr(name) => path.push(name.as_str().to_owned()),
            _ => return None,
        }
    }
    Some(path)
}

pub fn is_false(config: &Config, expr: Option<&Expression>) -> bool {
    expr.is_some_and(|expr| config.evaluate(expr) == Ok(Value::Bool(false)))
}

pub fn string_value(config: &Config, expr: Option<&Expression>) -> Option<String> {
    match config.evaluate(expr?) {
        Ok(Value::String(text)) => Some(text),
        _ => None,
    }
}

pub fn key_name(key: &ObjectKey) -> Option<&str> {
    match key {
        ObjectKey::Identifier(identifier) => Some(identifier.as_str()),
        ObjectKey::Expression(Expression::String(text)) => Some(text),
        _ => None,
    }
}

/// The text of a string or template, each interpolation replaced by NUL, so that what is
/// written in the file can be told from what is computed.
pub fn written_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(text) => Some(text.clone()),
        Expression::TemplateExpr(template) => {
            let template = Template::from_expr(template).ok()?;
            Some(
                template
                    .elements()
                    .iter()
                    .map(|element| match element {
                        Element::Literal(text) => text.clone(),
                        _ => "\0".to_owned(),
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Whether `expr` refers to `kind.name` anywhere inside it.
pub fn refers_to(expr: &Expression, kind: &str, name: &str) -> bool {
    references(expr)
        .iter()
        .any(|(root, found)| root == kind && found == name)
}

/// An object such as `{ name = "X", value = ... }` (an environment entry, or `valueFrom` for a
/// secret): its constant name and the expression under `key`.
pub fn entry_of<'a>(expr: &'a Expression, key: &str) -> Option<(String, &'a Expression)> {
    let Expression::Object(object) = expr else {
        return None;
    };
    let entry = |wanted: &str| {
        object
            .iter()
            .find(|(found, _)| key_name(found) == Some(wanted))
            .map(|(_, value)| value)
    };
    let name = match constant(entry("name")?) {
        Ok(Value::String(name)) => name,
        _ => return None,
    };
    Some((name, entry(key)?))
}

/// The value under `key` in an object expression.
pub fn object_entry<'a>(expr: &'a Expression, key: &str) -> Option<&'a Expression> {
    let Expression::Object(object) = expr else {
        return None;
    };
    object
        .iter()
        .find(|(found, _)| key_name(found) == Some(key))
        .map(|(_, value)| value)
}

/// The task definition of `config`'s ECS task: every container definition object in it.
pub fn container_definitions(config: &Config) -> Vec<(&File, &str, &Expression)> {
    config
        .resources("aws_ecs_task_definition")
        .filter_map(|(file, name, block)| {
            attribute(block.body(), "container_definitions").map(|expr| (file, name, expr))
        })
        .collect()
}

/// Whether every `validation` of `variable "<variable>"` passes with the variable set to
/// `value`, as `terraform plan` would decide; `Err` when a condition cannot be evaluated.
pub fn validations_pass(config: &Config, variable: &str, value: Value) -> Result<bool, String> {
    let (_, block) = config
        .blocks("variable")
        .find(|(_, block)| labels(block) == [variable])
        .ok_or_else(|| format!("no variable \"{variable}\""))?;
    let with_value = config.with_variables(&[(variable, value)]);
    let mut all = true;
    for validation in block
        .body()
        .blocks()
        .filter(|inner| inner.identifier() == "validation")
    {
        let condition = attribute(validation.body(), "condition")
            .ok_or_else(|| format!("a validation of variable \"{variable}\" has no condition"))?;
        match with_value.evaluate(condition)? {
            Value::Bool(passes) => all &= passes,
            other => return Err(format!("the condition is {other}, not a boolean")),
        }
    }
    Ok(all)
}

/// Checks that `variable`'s validations accept `good` and refuse `bad`.
pub fn check_validation(
    config: &Config,
    variable: &str,
    good: &[Value],
    bad: &[Value],
    found: &mut Vec<String>,
) {
    for (values, expected) in [(good, true), (bad, false)] {
        for value in values {
            match validations_pass(config, variable, value.clone()) {
                Ok(passes) if passes == expected => {}
                Ok(_) => found.push(format!(
                    "variable \"{variable}\": its validation {} {value}",
                    if expected { "refuses" } else { "lets through" }
                )),
                Err(error) => found.push(format!(
                    "variable \"{variable}\": its validation cannot be evaluated for {value}: \
                     {error}"
                )),
            }
        }
    }
}

/// The preconditions of `block` (in its `lifecycle`), evaluated in `config`: `Ok(None)` when all
/// pass, else the error message of the first that fails.
pub fn failed_precondition(config: &Config, block: &Block) -> Result<Option<String>, String> {
    for lifecycle in block
        .body()
        .blocks()
        .filter(|inner| inner.identifier() == "lifecycle")
    {
        for precondition in lifecycle
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "precondition")
        {
            let condition = attribute(precondition.body(), "condition")
                .ok_or("a precondition without a condition")?;
            if config.evaluate(condition)? == Value::Bool(false) {
                let message = attribute(precondition.body(), "error_message")
                    .ok_or("a precondition without an error_message")?;
                return match config.evaluate(message)? {
                    Value::String(message) => Ok(Some(message)),
                    other => Err(format!("the error_message is {other}")),
                };
            }
        }
    }
    Ok(None)
}
