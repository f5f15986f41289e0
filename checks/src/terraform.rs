//! The ECS task's size as the student set it in `terraform/`, read without running Terraform.
//!
//! Only what `ecs_task_size` grades: the `cpu` and `memory` of the one
//! `aws_ecs_task_definition`. Each is a number or a string written there, or `var.NAME`, whose
//! value comes from the variable files Terraform loads on its own (`terraform.tfvars`, then every
//! `*.auto.tfvars` in name order), then the `-var-file`s given on top of them (later files win),
//! or else from the variable's `default`. Nothing is evaluated: anything else is an error that
//! names the file and says what to write instead.

use std::fs;
use std::path::{Path, PathBuf};

use hcl::expr::TraversalOperator;
use hcl::{Block, Body, Expression};

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

/// What the service runs: its tasks' size and how many of them run at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSize {
    pub task: TaskSize,
    /// The service's `desired_count`: the tasks that always run (autoscaling's minimum too).
    pub tasks: u32,
}

impl ServiceSize {
    /// CPU units over every task that always runs.
    pub fn total_cpu(&self) -> u32 {
        self.task.cpu.saturating_mul(self.tasks)
    }

    /// MiB over every task that always runs.
    pub fn total_memory_mib(&self) -> u32 {
        self.task.memory_mib.saturating_mul(self.tasks)
    }
}

/// The configuration's files and the variable files Terraform would read, parsed.
struct Loaded {
    parsed: Vec<(String, Body)>,
    variable_files: Vec<(String, Body)>,
}

fn load(dir: &Path, overrides: &[PathBuf]) -> Result<Loaded, String> {
    let files = files_ending(dir, ".tf")?;
    if files.is_empty() {
        return Err(format!("{} has no .tf files", display_name(dir, dir)));
    }
    let parse_all = |paths: &[PathBuf]| -> Result<Vec<(String, Body)>, String> {
        paths
            .iter()
            .map(|path| {
                let name = display_name(dir, path);
                parse(path, &name).map(|body| (name, body))
            })
            .collect()
    };
    Ok(Loaded {
        parsed: parse_all(&files)?,
        variable_files: parse_all(&variable_files(dir, overrides)?)?,
    })
}

impl Loaded {
    /// The configuration's only resource of `kind`: (file, name, block).
    fn only(&self, dir: &Path, kind: &str) -> Result<(&str, &str, &Block), String> {
        let found: Vec<(&str, &str, &Block)> = self
            .parsed
            .iter()
            .flat_map(|(file, body)| {
                body.blocks()
                    .filter_map(move |block| match resource_labels(block) {
                        Some((found, name)) if found == kind => Some((file.as_str(), name, block)),
                        _ => None,
                    })
            })
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "no .tf file in {}/ has a resource \"{kind}\"",
                display_name(dir, dir)
            )),
            several => {
                let names: Vec<String> = several
                    .iter()
                    .map(|(file, name, _)| format!("{kind}.{name} in {file}"))
                    .collect();
                Err(format!(
                    "there should be one {kind}, but there are {}: {}",
                    several.len(),
                    names.join(", ")
                ))
            }
        }
    }

    /// The whole number `key` of a resource is set to, through `var.NAME` if it is one.
    fn number(
        &self,
        resource: (&str, &str, &Block),
        key: &str,
        unit: &str,
        what: &str,
    ) -> Result<u32, String> {
        let (file, name, block) = resource;
        let kind = resource_labels(block).map_or("resource", |(kind, _)| kind);
        let context = format!("{file}: cannot work out the `{key}` of {kind}.{name}");
        let expr = attribute(block.body(), key)
            .ok_or_else(|| format!("{file}: {kind}.{name} has no `{key}`"))?;
        let (value, from) = match variable_name(expr) {
            Some(variable) => variable_value(&variable, &self.parsed, &self.variable_files)
                .map_err(|why| format!("{context}: {why}"))?,
            None => (expr, file.to_owned()),
        };
        amount(value, unit).ok_or_else(|| {
            format!(
                "{context}: `{}` (in {from}) is not a whole number of {what}: write a number, \
                 or var.NAME with the number in a variable file",
                value.to_string().trim()
            )
        })
    }
}

/// The `cpu` and `memory` of the folder's only `aws_ecs_task_definition`, with the variable
/// files in `overrides` laid over the folder's own.
pub fn task_size(dir: &Path, overrides: &[PathBuf]) -> Result<TaskSize, String> {
    let loaded = load(dir, overrides)?;
    let definition = loaded.only(dir, "aws_ecs_task_definition")?;
    Ok(TaskSize {
        cpu: loaded.number(definition, "cpu", "vcpu", "CPU units")?,
        memory_mib: loaded.number(definition, "memory", "gb", "MiB")?,
    })
}

/// The task size and the `desired_count` of the folder's only `aws_ecs_service`.
pub fn service_size(dir: &Path, overrides: &[PathBuf]) -> Result<ServiceSize, String> {
    let task = task_size(dir, overrides)?;
    let loaded = load(dir, overrides)?;
    let service = loaded.only(dir, "aws_ecs_service")?;
    Ok(ServiceSize {
        task,
        tasks: loaded.number(service, "desired_count", "tasks", "tasks")?,
    })
}

/// The value of `var.<variable>` and the file it comes from: the last variable file that sets
/// it, else the `default` of its `variable` block.
fn variable_value<'a>(
    variable: &str,
    configuration: &'a [(String, Body)],
    variable_files: &'a [(String, Body)],
) -> Result<(&'a Expression, String), String> {
    for (file, body) in variable_files.iter().rev() {
        if let Some(block) = body.blocks().next() {
            return Err(format!(
                "{file}: a variable file holds `name = value` lines only, not a `{}` block",
                block.identifier()
            ));
        }
        if let Some(value) = attribute(body, variable) {
            return Ok((value, file.clone()));
        }
    }
    let declared = configuration.iter().find_map(|(file, body)| {
        body.blocks()
            .find(|block| {
                block.identifier() == "variable"
                    && block.labels().len() == 1
                    && block.labels()[0].as_str() == variable
            })
            .map(|block| (file, block))
    });
    let Some((file, block)) = declared else {
        return Err(format!(
            "var.{variable} is used but no `variable \"{variable}\"` block declares it"
        ));
    };
    if let Some(default) = attribute(block.body(), "default") {
        return Ok((default, file.clone()));
    }
    let read = if variable_files.is_empty() {
        "no variable file was read".to_owned()
    } else {
        let names: Vec<&str> = variable_files
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        format!("none of {} sets it", names.join(", "))
    };
    Err(format!(
        "var.{variable} has no value: variable \"{variable}\" in {file} has no default and {read}"
    ))
}

/// `NAME` for an expression that is exactly `var.NAME`.
fn variable_name(expr: &Expression) -> Option<String> {
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    match (&traversal.expr, traversal.operators.as_slice()) {
        (Expression::Variable(root), [TraversalOperator::GetAttr(name)])
            if root.as_str() == "var" =>
        {
            Some(name.as_str().to_owned())
        }
        _ => None,
    }
}

/// `(kind, name)` of a `resource "kind" "name"` block.
fn resource_labels(block: &Block) -> Option<(&str, &str)> {
    match block.labels() {
        [kind, name] if block.identifier() == "resource" => Some((kind.as_str(), name.as_str())),
        _ => None,
    }
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|attribute| attribute.key() == key)
        .map(|attribute| attribute.expr())
}

/// A whole number, written as a number or a string; ECS also takes `"1 vCPU"` and `"2 GB"`.
fn amount(value: &Expression, unit: &str) -> Option<u32> {
    match value {
        Expression::Number(number) => number
            .as_u64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|float| float.fract() == 0.0 && *float >= 0.0)
                    .map(|float| float as u64)
            })
            .and_then(|whole| u32::try_from(whole).ok()),
        Expression::String(text) => {
            let text = text.trim();
            if let Ok(whole) = text.parse::<u32>() {
                return Some(whole);
            }
            let count: f64 = text
                .to_ascii_lowercase()
                .strip_suffix(unit)?
                .trim()
                .parse()
                .ok()?;
            let total = count * 1024.0;
            (total.fract() == 0.0 && total >= 0.0 && total <= f64::from(u32::MAX))
                .then_some(total as u32)
        }
        _ => None,
    }
}

/// The variable files Terraform reads for `dir`, in the order it reads them:
/// `terraform.tfvars`, the `*.auto.tfvars` files in name order, then `overrides` (the
/// `-var-file` options) as given.
pub fn variable_files(dir: &Path, overrides: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = files_ending(dir, ".auto.tfvars")?;
    let default_file = dir.join("terraform.tfvars");
    if default_file.is_file() {
        files.insert(0, default_file);
    }
    files.extend(overrides.iter().cloned());
    Ok(files)
}

/// The files of `dir` (not of its subfolders, like Terraform) whose name ends with `suffix`, in
/// name order.
pub fn files_ending(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir)
        .map_err(|error| format!("cannot read the folder {}: {error}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.ends_with(suffix))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// A path as messages print it: relative to the folder that holds `dir`, e.g. `terraform/ecs.tf`.
pub fn display_name(dir: &Path, path: &Path) -> String {
    let base = dir.parent().unwrap_or(dir);
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

/// One HCL file, parsed (not evaluated); `name` is how messages call it.
pub fn parse(path: &Path, name: &str) -> Result<Body, String> {
    let text = fs::read_to_string(path).map_err(|error| format!("cannot read {name}: {error}"))?;
    hcl::parse(&text).map_err(|error| format!("{name} is not valid HCL: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder under the target directory with the given files.
    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir()
            .join(format!("checks-terraform-unit-{}", std::process::id()))
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

    fn size(cpu: u32, memory_mib: u32) -> Result<TaskSize, String> {
        Ok(TaskSize { cpu, memory_mib })
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
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu    = 512\n  memory = \"1024\"\n}\n",
            )],
        );
        assert_eq!(task_size(&dir, &[]), size(512, 1024));
    }

    #[test]
    fn ecs_units_in_strings() {
        let dir = folder(
            "units",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu    = \"0.5 vCPU\"\n  memory = \"2 GB\"\n}\n",
            )],
        );
        assert_eq!(task_size(&dir, &[]), size(512, 2048));
    }

    #[test]
    fn variables_take_defaults_then_tfvars_then_auto_tfvars_then_overrides() {
        let dir = folder(
            "variables",
            &[
                ("variables.tf", TASK_WITH_VARIABLES),
                ("terraform.tfvars", "task_cpu = 512\ntask_memory = 1024\n"),
                ("b.auto.tfvars", "task_memory = 3072\n"),
                ("a.auto.tfvars", "task_memory = 2048\n"),
                ("other/size.tfvars", "task_cpu = 1024\n"),
            ],
        );
        // terraform.tfvars, then a.auto, then b.auto: b wins; the subfolder is not read.
        assert_eq!(task_size(&dir, &[]), size(512, 3072));
        assert_eq!(
            task_size(&dir, &[dir.join("other/size.tfvars")]),
            size(1024, 3072)
        );

        let dir = folder(
            "defaults",
            &[
                ("variables.tf", TASK_WITH_VARIABLES),
                ("size.auto.tfvars", "task_memory = 512\n"),
            ],
        );
        assert_eq!(task_size(&dir, &[]), size(256, 512));
    }

    #[test]
    fn a_variable_without_a_value_is_named_with_its_file() {
        let dir = folder("no-value", &[("variables.tf", TASK_WITH_VARIABLES)]);
        let error = task_size(&dir, &[]).expect_err("task_memory has no value");
        assert!(
            error.starts_with("terraform/variables.tf: cannot work out the `memory`"),
            "{error}"
        );
        assert!(error.contains("var.task_memory has no value"), "{error}");
        assert!(error.contains("no variable file was read"), "{error}");

        let dir = folder(
            "undeclared",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu = var.size\n  memory = 512\n}\n",
            )],
        );
        let error = task_size(&dir, &[]).expect_err("var.size is not declared");
        assert!(error.contains("no `variable \"size\"` block"), "{error}");
    }

    #[test]
    fn anything_but_a_number_or_a_variable_is_an_error_naming_the_file() {
        let dir = folder(
            "function",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu    = 256\n  memory = max(512, 1024)\n}\n",
            )],
        );
        let error = task_size(&dir, &[]).expect_err("a function call");
        assert!(error.starts_with("terraform/ecs.tf: "), "{error}");
        assert!(error.contains("max(512, 1024)"), "{error}");
        assert!(error.contains("write a number, or var.NAME"), "{error}");

        let dir = folder(
            "local",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu    = local.cpu\n  memory = 512\n}\n",
            )],
        );
        let error = task_size(&dir, &[]).expect_err("a local");
        assert!(error.contains("local.cpu"), "{error}");

        let dir = folder(
            "not-a-number",
            &[(
                "ecs.tf",
                "resource \"aws_ecs_task_definition\" \"app\" {\n  cpu = \"a lot\"\n  memory = 512\n}\n",
            )],
        );
        let error = task_size(&dir, &[]).expect_err("not a number");
        assert!(
            error.starts_with("terraform/ecs.tf: cannot work out the `cpu`"),
            "{error}"
        );
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
        let error = task_size(&dir, &[]).expect_err("tfvars must be numbers");
        assert!(error.contains("(in terraform/size.auto.tfvars)"), "{error}");

        let dir = folder(
            "block-in-tfvars",
            &[
                ("variables.tf", TASK_WITH_VARIABLES),
                ("size.auto.tfvars", "task {\n  memory = 512\n}\n"),
            ],
        );
        let error = task_size(&dir, &[]).expect_err("a block in a variable file");
        assert!(
            error.contains("terraform/size.auto.tfvars: a variable file"),
            "{error}"
        );
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

    /// The handed-out folder as a student has it (the kit tests its other sizes on its own).
    #[test]
    fn the_handed_out_configuration_has_a_readable_size() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform");
        assert!(task_size(&dir, &[]).is_ok(), "{:?}", task_size(&dir, &[]));
    }
}
