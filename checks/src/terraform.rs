//! Reading the lab's Terraform configuration the way Terraform would, without running it.
//!
//! [`Config::read`] parses every `*.tf` file of a folder, then the variable files Terraform
//! loads on its own (`terraform.tfvars`, then every `*.auto.tfvars` in name order) and the
//! `-var-file`s given on top of them, later files winning. What can be known before
//! `terraform apply` is then worked out with hcl-rs's evaluator: literals, `var.NAME` (its
//! default, overridden by the variable files), `local.NAME` and expressions made of them.
//! Anything else, such as a resource's attribute or a function call, is an error that names the
//! file, never a panic.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Block, Body, Expression, Map, Value};

/// The size of one ECS task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskSize {
    /// CPU units: 1024 are one vCPU.
    pub cpu: u32,
    pub memory_mib: u32,
}

impl TaskSize {
    /// The CPU in vCPUs, e.g. 0.25 for 256 units.
    pub fn vcpu(&self) -> f64 {
        f64::from(self.cpu) / 1024.0
    }
}

/// One parsed file.
#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    /// The path as messages print it: relative to the folder above the configuration, e.g.
    /// `terraform/ecs.tf`.
    pub name: String,
    pub body: Body,
}

/// The `cpu` and `memory` of the configuration's only `aws_ecs_task_definition`, with the
/// variable files in `overrides` laid over the folder's own.
pub fn task_size(dir: &Path, overrides: &[PathBuf]) -> Result<TaskSize, String> {
    Config::read(dir, overrides)?.task_size()
}

/// Every `*.tf` file in `dir` (not in its subfolders, like Terraform), in name order.
pub fn load(dir: &Path) -> Result<Vec<File>, String> {
    let entries = fs::read_dir(dir)
        .map_err(|error| format!("cannot read the folder {}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    if paths.is_empty() {
        return Err(format!("{} has no .tf files", display_name(dir, dir)));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = display_name(dir, &path);
            let body = parse(&path, &name)?;
            Ok(File { path, name, body })
        })
        .collect()
}

/// The variable files Terraform reads for `dir`, in the order it reads them:
/// `terraform.tfvars`, the `*.auto.tfvars` files in name order, then `overrides` (the
/// `-var-file` options) as given.
pub fn variable_files(dir: &Path, overrides: &[PathBuf]) -> Vec<PathBuf> {
    let mut automatic: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.is_file()
                        && path
                            .file_name()
                            .and_then(|name| name.to_str())
                            .is_some_and(|name| name.ends_with(".auto.tfvars"))
                })
                .collect()
        })
        .unwrap_or_default();
    automatic.sort();
    let default = dir.join("terraform.tfvars");
    default
        .is_file()
        .then_some(default)
        .into_iter()
        .chain(automatic)
        .chain(overrides.iter().cloned())
        .collect()
}

/// A path as messages print it: relative to the folder that holds `dir`.
fn display_name(dir: &Path, path: &Path) -> String {
    let base = dir.parent().unwrap_or(dir);
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

fn parse(path: &Path, name: &str) -> Result<Body, String> {
    let text = fs::read_to_string(path).map_err(|error| format!("cannot read {name}: {error}"))?;
    hcl::parse(&text).map_err(|error| format!("{name} is not valid HCL: {error}"))
}

/// The value of an expression that needs no variables at all (a literal, or an expression of
/// literals), or why not.
pub fn constant(expr: &Expression) -> Result<Value, String> {
    expr.evaluate(&Context::new())
        .map_err(|error| error.to_string())
}

/// The attribute `key` of a body, if it has one.
pub fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
}

/// The block's labels, e.g. `["aws_ecs_task_definition", "app"]`.
pub fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|label| label.as_str()).collect()
}

/// Calls `visit` on `expr` and on every expression inside it, templates' interpolations
/// included.
pub fn walk(expr: &Expression, visit: &mut dyn FnMut(&Expression)) {
    visit(expr);
    match expr {
        Expression::Array(items) => items.iter().for_each(|item| walk(item, visit)),
        Expression::Object(object) => {
            for (key, value) in object {
                if let hcl::ObjectKey::Expression(key) = key {
                    walk(key, visit);
                }
                walk(value, visit);
            }
        }
        Expression::TemplateExpr(template) => {
            if let Ok(template) = Template::from_expr(template) {
                walk_template(&template, visit);
            }
        }
        Expression::Traversal(traversal) => {
            walk(&traversal.expr, visit);
            for operator in &traversal.operators {
                if let TraversalOperator::Index(index) = operator {
                    walk(index, visit);
                }
            }
        }
        Expression::FuncCall(call) => call.args.iter().for_each(|arg| walk(arg, visit)),
        Expression::Parenthesis(inner) => walk(inner, visit),
        Expression::Conditional(conditional) => {
            walk(&conditional.cond_expr, visit);
            walk(&conditional.true_expr, visit);
            walk(&conditional.false_expr, visit);
        }
        Expression::Operation(operation) => match operation.as_ref() {
            Operation::Unary(unary) => walk(&unary.expr, visit),
            Operation::Binary(binary) => {
                walk(&binary.lhs_expr, visit);
                walk(&binary.rhs_expr, visit);
            }
        },
        Expression::ForExpr(for_expr) => {
            walk(&for_expr.collection_expr, visit);
            if let Some(key) = &for_expr.key_expr {
                walk(key, visit);
            }
            walk(&for_expr.value_expr, visit);
            if let Some(condition) = &for_expr.cond_expr {
                walk(condition, visit);
            }
        }
        _ => {}
    }
}

fn walk_template(template: &Template, visit: &mut dyn FnMut(&Expression)) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(interpolation) => walk(&interpolation.expr, visit),
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(directive) => {
                    walk(&directive.cond_expr, visit);
                    walk_template(&directive.true_template, visit);
                    if let Some(otherwise) = &directive.false_template {
                        walk_template(otherwise, visit);
                    }
                }
                Directive::For(directive) => {
                    walk(&directive.collection_expr, visit);
                    walk_template(&directive.template, visit);
                }
            },
        }
    }
}

/// The `(root, name)` of every `root.name...` reference in `expr`, e.g. `("var", "task_cpu")`
/// or `("aws_lb", "app")`.
pub fn references(expr: &Expression) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk(expr, &mut |expr| {
        if let Expression::Traversal(traversal) = expr {
            if let (Expression::Variable(root), Some(TraversalOperator::GetAttr(name))) =
                (&traversal.expr, traversal.operators.first())
            {
                found.push((root.as_str().to_owned(), name.as_str().to_owned()));
            }
        }
    });
    found
}

/// A Terraform configuration with its variables' values and the local values that can be
/// worked out before `apply`.
#[derive(Debug, Clone)]
pub struct Config {
    pub files: Vec<File>,
    /// The variable files read, in order, as messages print them.
    pub variable_files: Vec<String>,
    /// Each declared variable's value: its default, overridden by the variable files.
    variables: Map<String, Value>,
    /// Declared variables, with the file that declares them.
    declared: BTreeMap<String, String>,
    locals: Map<String, Value>,
    /// Declared locals, with the file that declares them.
    declared_locals: BTreeMap<String, String>,
}

impl Config {
    pub fn read(dir: &Path, overrides: &[PathBuf]) -> Result<Self, String> {
        let files = load(dir)?;
        let mut variables = Map::new();
        let mut declared = BTreeMap::new();
        let mut pending_locals = Vec::new();
        let mut declared_locals = BTreeMap::new();
        for file in &files {
            for block in file.body.blocks() {
                match (block.identifier(), labels(block).as_slice()) {
                    ("variable", [name]) => {
                        declared.insert((*name).to_owned(), file.name.clone());
                        if let Some(default) = attribute(block.body(), "default") {
                            let value = constant(default).map_err(|error| {
                                format!(
                                    "{}: the default of variable \"{name}\" is not a constant \
                                     value: {error}",
                                    file.name
                                )
                            })?;
                            variables.insert((*name).to_owned(), value);
                        }
                    }
                    ("locals", []) => {
                        for local in block.body().attributes() {
                            declared_locals.insert(local.key().to_owned(), file.name.clone());
                            pending_locals.push((local.key().to_owned(), local.expr().clone()));
                        }
                    }
                    _ => {}
                }
            }
        }

        let mut variable_file_names = Vec::new();
        for path in variable_files(dir, overrides) {
            let name = display_name(dir, &path);
            let body = parse(&path, &name)?;
            if let Some(block) = body.blocks().next() {
                return Err(format!(
                    "{name}: a variable file holds `name = value` lines only, not a `{}` block",
                    block.identifier()
                ));
            }
            for setting in body.attributes() {
                let value = constant(setting.expr()).map_err(|error| {
                    format!(
                        "{name}: the value of {} is not a constant value: {error}",
                        setting.key()
                    )
                })?;
                variables.insert(setting.key().to_owned(), value);
            }
            variable_file_names.push(name);
        }

        let mut config = Config {
            files,
            variable_files: variable_file_names,
            variables,
            declared,
            locals: Map::new(),
            declared_locals,
        };
        // A local may use another one: evaluate in rounds until a round adds nothing. Locals
        // that need a resource's attribute stay unknown.
        loop {
            let context = config.context();
            let (known, unknown): (Vec<_>, Vec<_>) = pending_locals
                .into_iter()
                .map(|(name, expr)| {
                    let value = expr.evaluate(&context).ok();
                    (name, expr, value)
                })
                .partition(|(_, _, value)| value.is_some());
            pending_locals = unknown
                .into_iter()
                .map(|(name, expr, _)| (name, expr))
                .collect();
            if known.is_empty() {
                break;
            }
            for (name, _, value) in known {
                config.locals.insert(name, value.unwrap_or(Value::Null));
            }
        }
        Ok(config)
    }

    fn context(&self) -> Context<'static> {
        let mut context = Context::new();
        context.declare_var("var", Value::Object(self.variables.clone()));
        context.declare_var("local", Value::Object(self.locals.clone()));
        context
    }

    /// The value of a variable (default or variable file), if it has one.
    pub fn variable(&self, name: &str) -> Option<&Value> {
        self.variables.get(name)
    }

    /// Every top-level block called `identifier` (`resource`, `data`, `provider`, ...), with
    /// the file it is in.
    pub fn blocks<'a>(
        &'a self,
        identifier: &'a str,
    ) -> impl Iterator<Item = (&'a File, &'a Block)> {
        self.files.iter().flat_map(move |file| {
            file.body
                .blocks()
                .filter(move |block| block.identifier() == identifier)
                .map(move |block| (file, block))
        })
    }

    /// Every `resource "kind" "name"` block, as (file, name, block).
    pub fn resources<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a File, &'a str, &'a Block)> {
        self.blocks("resource")
            .filter_map(move |(file, block)| match labels(block).as_slice() {
                [found, name] if *found == kind => Some((file, *name, block)),
                _ => None,
            })
    }

    /// The value of `expr`, as far as it can be known before `apply`, or why it cannot be.
    pub fn evaluate(&self, expr: &Expression) -> Result<Value, String> {
        expr.evaluate(&self.context())
            .map_err(|error| self.explain(expr, &error.to_string()))
    }

    fn explain(&self, expr: &Expression, error: &str) -> String {
        for (root, name) in references(expr) {
            match root.as_str() {
                "var" if !self.variables.contains_key(&name) => {
                    return match self.declared.get(&name) {
                        Some(file) => {
                            let read = if self.variable_files.is_empty() {
                                "no variable file was read".to_owned()
                            } else {
                                format!("none of {} sets it", self.variable_files.join(", "))
                            };
                            format!(
                                "var.{name} has no value: variable \"{name}\" in {file} has no \
                                 default and {read}"
                            )
                        }
                        None => format!(
                            "var.{name} is used but no `variable \"{name}\"` block declares it"
                        ),
                    };
                }
                "local" if !self.locals.contains_key(&name) => {
                    return match self.declared_locals.get(&name) {
                        Some(file) => format!(
                            "local.{name} (in {file}) cannot be worked out before `terraform \
                             apply`: it should be a number, a string or a var.NAME"
                        ),
                        None => format!("local.{name} is used but no `locals` block defines it"),
                    };
                }
                _ => {}
            }
        }
        format!(
            "`{}` cannot be worked out before `terraform apply` ({error}): use a number, a \
             string, a var.NAME or a local.NAME",
            expr.to_string().trim()
        )
    }

    /// The text of a string expression, with every part that cannot be known before `apply`
    /// (a resource's attribute, say) replaced by `unknown`; `None` if `expr` is not a string
    /// or template at all.
    pub fn render(&self, expr: &Expression, unknown: &str) -> Option<String> {
        if let Ok(Value::String(text)) = self.evaluate(expr) {
            return Some(text);
        }
        let Expression::TemplateExpr(template) = expr else {
            return None;
        };
        let template = Template::from_expr(template).ok()?;
        let mut text = String::new();
        for element in template.elements() {
            match element {
                Element::Literal(literal) => text.push_str(literal),
                Element::Interpolation(interpolation) => match self.evaluate(&interpolation.expr) {
                    Ok(Value::String(value)) => text.push_str(&value),
                    Ok(Value::Number(number)) => text.push_str(&number.to_string()),
                    Ok(Value::Bool(value)) => text.push_str(&value.to_string()),
                    _ => text.push_str(unknown),
                },
                Element::Directive(_) => text.push_str(unknown),
            }
        }
        Some(text)
    }

    /// The `cpu` and `memory` of the only `aws_ecs_task_definition` resource.
    pub fn task_size(&self) -> Result<TaskSize, String> {
        let definitions: Vec<_> = self.resources("aws_ecs_task_definition").collect();
        let (file, name, block) = match definitions.as_slice() {
            [one] => *one,
            [] => {
                let folder = self
                    .files
                    .first()
                    .and_then(|file| file.name.rsplit_once('/'))
                    .map_or(".", |(folder, _)| folder);
                return Err(format!(
                    "no .tf file in {folder}/ has a resource \"aws_ecs_task_definition\""
                ));
            }
            several => {
                let names: Vec<_> = several
                    .iter()
                    .map(|(file, name, _)| {
                        format!("aws_ecs_task_definition.{name} in {}", file.name)
                    })
                    .collect();
                return Err(format!(
                    "there should be one aws_ecs_task_definition, but there are {}: {}",
                    several.len(),
                    names.join(", ")
                ));
            }
        };
        let size =
            |key: &str, unit: &str, per_unit: u32| -> Result<u32, String> {
                let expr = attribute(block.body(), key).ok_or_else(|| {
                    format!(
                        "{}: aws_ecs_task_definition.{name} has no `{key}`",
                        file.name
                    )
                })?;
                let value = self.evaluate(expr).map_err(|why| {
                    format!(
                        "{}: cannot work out the `{key}` of aws_ecs_task_definition.{name}: {why}",
                        file.name
                    )
                })?;
                amount(&value, unit, per_unit).ok_or_else(|| {
                    format!(
                    "{}: the `{key}` of aws_ecs_task_definition.{name} is {value}, which is not a \
                     whole number{}",
                    file.name,
                    if key == "cpu" { " of CPU units" } else { " of MiB" }
                )
                })
            };
        Ok(TaskSize {
            cpu: size("cpu", "vcpu", 1024)?,
            memory_mib: size("memory", "gb", 1024)?,
        })
    }
}

/// A whole number, as a number or a string; ECS also takes `"1 vCPU"` and `"2 GB"`.
fn amount(value: &Value, unit: &str, per_unit: u32) -> Option<u32> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && *float >= 0.0)
                    .map(|float| float as u64)
            })
            .and_then(|whole| u32::try_from(whole).ok()),
        Value::String(text) => {
            let text = text.trim();
            if let Ok(whole) = text.parse::<u32>() {
                return Some(whole);
            }
            let lower = text.to_ascii_lowercase();
            let count = lower.strip_suffix(unit)?.trim();
            let count: f64 = count.parse().ok()?;
            let total = count * f64::from(per_unit);
            (total.fract() == 0.0 && total >= 0.0 && total <= f64::from(u32::MAX))
                .then_some(total as u32)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder under the target directory with the given files.
    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = crate::target::kit_root()
            .join("target/checks/terraform-unit")
            .join(name);
        if root.exists() {
            fs::remove_dir_all(&root).expect("remove an old test folder");
        }
        let dir = root.join("terraform");
        for (file, text) in files {
            let path = dir.join(file);
            fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
            fs::write(path, text).expect("write a test file");
        }
        dir
    }

    const TASK_WITH_VARIABLES: &str = r#"
variable "task_cpu" {
  type    = number
  default = 256
}

variable "task_memory" {
  type = number
}

resource "aws_ecs_task_definition" "app" {
  family = "taskoverflow"
  cpu    = var.task_cpu
  memory = var.task_memory
}
"#;

    #[test]
    fn literal_numbers_and_strings() {
        let dir = folder(
            "literals",
            &[(
                "ecs.tf",
                r#"resource "aws_ecs_task_definition" "app" {
  cpu    = 512
  memory = "1024"
}
"#,
            )],
        );
        assert_eq!(
            task_size(&dir, &[]),
            Ok(TaskSize {
                cpu: 512,
                memory_mib: 1024
            })
        );
    }

    #[test]
    fn ecs_units_in_strings() {
        let dir = folder(
            "units",
            &[(
                "ecs.tf",
                r#"resource "aws_ecs_task_definition" "app" {
  cpu    = "0.5 vCPU"
  memory = "2 GB"
}
"#,
            )],
        );
        assert_eq!(
            task_size(&dir, &[]),
            Ok(TaskSize {
                cpu: 512,
                memory_mib: 2048
            })
        );
    }

    #[test]
    fn variables_take_defaults_then_auto_tfvars_then_overrides() {
        let dir = folder(
            "variables",
            &[
                ("variables.tf", TASK_WITH_VARIABLES),
                ("terraform.tfvars", "task_cpu = 512\ntask_memory = 1024\n"),
                ("b.auto.tfvars", "task_memory = 3072\n"),
                ("a.auto.tfvars", "task_memory = 2048\n"),
                ("extra/size.tfvars", "task_cpu = 1024\n"),
            ],
        );
        // terraform.tfvars, then a.auto, then b.auto: b wins.
        assert_eq!(
            task_size(&dir, &[]),
            Ok(TaskSize {
                cpu: 512,
                memory_mib: 3072
            })
        );
        assert_eq!(
            task_size(&dir, &[dir.join("extra/size.tfvars")]),
            Ok(TaskSize {
                cpu: 1024,
                memory_mib: 3072
            })
        );
    }

    #[test]
    fn locals_made_of_literals_variables_and_other_locals() {
        let dir = folder(
            "locals",
            &[
                (
                    "main.tf",
                    r#"
variable "vcpus" {
  default = 1
}

locals {
  memory = local.base_memory * 2
  base_memory = 1024
  cpu    = var.vcpus * 1024
  image  = "${aws_ecr_repository.app.repository_url}:latest"
}

resource "aws_ecs_task_definition" "app" {
  cpu    = local.cpu
  memory = local.memory
}
"#,
                ),
                ("size.auto.tfvars", "vcpus = 2\n"),
            ],
        );
        assert_eq!(
            task_size(&dir, &[]),
            Ok(TaskSize {
                cpu: 2048,
                memory_mib: 2048
            })
        );
    }

    #[test]
    fn a_variable_without_a_value_is_named_with_its_file() {
        let dir = folder("no-value", &[("variables.tf", TASK_WITH_VARIABLES)]);
        let error = task_size(&dir, &[]).expect_err("task_memory has no value");
        assert!(error.contains("terraform/variables.tf"), "{error}");
        assert!(error.contains("var.task_memory has no value"), "{error}");
        assert!(error.contains("`memory`"), "{error}");
    }

    #[test]
    fn a_value_known_only_after_apply_is_an_error_naming_the_file() {
        let dir = folder(
            "unknown",
            &[(
                "ecs.tf",
                r#"
locals {
  cpu = aws_ssm_parameter.cpu.value
}

resource "aws_ecs_task_definition" "app" {
  cpu    = local.cpu
  memory = max(512, 1024)
}
"#,
            )],
        );
        let error = task_size(&dir, &[]).expect_err("local.cpu is a resource's attribute");
        assert!(error.starts_with("terraform/ecs.tf: "), "{error}");
        assert!(error.contains("local.cpu"), "{error}");

        let dir = folder(
            "function",
            &[(
                "ecs.tf",
                r#"
resource "aws_ecs_task_definition" "app" {
  cpu    = 256
  memory = max(512, 1024)
}
"#,
            )],
        );
        let error = task_size(&dir, &[]).expect_err("a function call");
        assert!(error.starts_with("terraform/ecs.tf: "), "{error}");
        assert!(error.contains("max(512, 1024)"), "{error}");
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = folder(
            "bad-hcl",
            &[("ecs.tf", "resource \"aws_ecs_task_definition\" {\n")],
        );
        let error = task_size(&dir, &[]).expect_err("not HCL");
        assert!(
            error.starts_with("terraform/ecs.tf is not valid HCL"),
            "{error}"
        );

        let dir = folder(
            "bad-tfvars",
            &[
                ("variables.tf", TASK_WITH_VARIABLES),
                ("size.auto.tfvars", "task_memory = var.other\n"),
            ],
        );
        let error = task_size(&dir, &[]).expect_err("tfvars must be constants");
        assert!(error.starts_with("terraform/size.auto.tfvars: "), "{error}");

        let dir = folder(
            "not-a-number",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu = \"a lot\"\n  memory = 512\n}\n",
            )],
        );
        let error = task_size(&dir, &[]).expect_err("not a number");
        assert!(error.starts_with("terraform/ecs.tf: the `cpu`"), "{error}");
    }

    #[test]
    fn there_must_be_exactly_one_task_definition() {
        let dir = folder("none", &[("main.tf", "variable \"x\" {}\n")]);
        let error = task_size(&dir, &[]).expect_err("no task definition");
        assert!(error.contains("aws_ecs_task_definition"), "{error}");

        let two = "resource \"aws_ecs_task_definition\" \"a\" {\n  cpu = 256\n  memory = 512\n}\n\
                   resource \"aws_ecs_task_definition\" \"b\" {\n  cpu = 256\n  memory = 512\n}\n";
        let dir = folder("two", &[("ecs.tf", two)]);
        let error = task_size(&dir, &[]).expect_err("two task definitions");
        assert!(
            error.contains("aws_ecs_task_definition.a in terraform/ecs.tf"),
            "{error}"
        );
        assert!(
            error.contains("aws_ecs_task_definition.b in terraform/ecs.tf"),
            "{error}"
        );
    }

    #[test]
    fn an_empty_or_missing_folder_is_an_error() {
        let dir = folder("empty", &[("README.md", "nothing here\n")]);
        assert!(task_size(&dir, &[]).is_err());
        assert!(task_size(&dir.join("missing"), &[]).is_err());
    }

    #[test]
    fn render_keeps_what_is_known_and_marks_the_rest() {
        let dir = folder(
            "render",
            &[(
                "main.tf",
                "locals {\n  query = <<-EOT\n    fields @timestamp\n    | limit 5\n  EOT\n}\n\
                 output \"x\" {\n  value = \"SOURCE '${aws_cloudwatch_log_group.app.name}' | ${local.query}\"\n}\n",
            )],
        );
        let config = Config::read(&dir, &[]).expect("reads");
        let (_, output) = config.blocks("output").next().expect("an output");
        let value = attribute(output.body(), "value").expect("a value");
        assert_eq!(
            config.render(value, "?").as_deref(),
            Some("SOURCE '?' | fields @timestamp\n| limit 5\n")
        );
        assert_eq!(
            references(value),
            vec![
                ("aws_cloudwatch_log_group".to_owned(), "app".to_owned()),
                ("local".to_owned(), "query".to_owned())
            ]
        );
    }
}
