//! The kit's reading of `terraform/` the way Terraform would, without running it (the providers
//! cannot be downloaded here, so `terraform validate` cannot run).
//!
//! [`Config::read`] parses every `*.tf` file of a folder, then the variable files Terraform
//! loads on its own (`terraform.tfvars`, then every `*.auto.tfvars` in name order) and the
//! `-var-file`s given on top of them, later files winning. What can be known before
//! `terraform apply` is then worked out with hcl-rs's evaluator: literals, `var.NAME` (its
//! default, overridden by the variable files), `local.NAME`, the few Terraform functions the
//! configuration's checks use ([`functions`]) and expressions made of them. Anything else, such as
//! a resource's attribute, is an error that names the file, never a panic.
//!
//! The autograder does not use this: it reads only the task size (checks/src/terraform.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use checks::terraform::{display_name, files_ending, parse, variable_files};
use hcl::eval::{Context, Evaluate};
use hcl::expr::{Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Block, Body, Expression, Map, Value};

/// One parsed file.
#[derive(Debug, Clone)]
pub struct File {
    /// The path as messages print it: relative to the folder above the configuration, e.g.
    /// `terraform/ecs.tf`.
    pub name: String,
    pub body: Body,
}

/// Every `*.tf` file in `dir` (not in its subfolders, like Terraform), in name order.
pub fn load(dir: &Path) -> Result<Vec<File>, String> {
    let paths = files_ending(dir, ".tf")?;
    if paths.is_empty() {
        return Err(format!("{} has no .tf files", display_name(dir, dir)));
    }
    paths
        .into_iter()
        .map(|path| {
            let name = display_name(dir, &path);
            let body = parse(&path, &name)?;
            Ok(File { name, body })
        })
        .collect()
}

/// The value of an expression that needs no variables at all (a literal, or an expression of
/// literals), or why not.
pub fn constant(expr: &Expression) -> Result<Value, String> {
    expr.evaluate(&functions())
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

/// A local's name and what its expression refers to.
type LocalReferences = (String, Vec<(String, String)>);

/// A Terraform configuration with its variables' values and the local values that can be
/// worked out before `apply`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Shared between a configuration and its copies with other variable values (the rules
    /// make hundreds of them).
    pub files: Arc<Vec<File>>,
    /// The variable files read, in order, as messages print them.
    pub variable_files: Vec<String>,
    /// Each declared variable's value: its default, overridden by the variable files.
    variables: Map<String, Value>,
    /// Declared variables, with the file that declares them.
    declared: BTreeMap<String, String>,
    locals: Map<String, Value>,
    /// Every local's expression, to work them out again with other variable values.
    local_exprs: Arc<Vec<(String, Expression)>>,
    /// What each local refers to, worked out once (templates are parsed to find them).
    local_references: Arc<Vec<LocalReferences>>,
    /// Declared locals, with the file that declares them.
    declared_locals: BTreeMap<String, String>,
    /// The configuration's folder, absolute: `path.module` (and `path.root`).
    module_path: String,
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
        for path in variable_files(dir, overrides)? {
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
            files: Arc::new(files),
            variable_files: variable_file_names,
            variables,
            declared,
            locals: Map::new(),
            local_references: Arc::new(
                pending_locals
                    .iter()
                    .map(|(name, expr)| (name.clone(), references(expr)))
                    .collect(),
            ),
            local_exprs: Arc::new(pending_locals),
            declared_locals,
            module_path: std::path::absolute(dir)
                .map_err(|error| format!("{}: {error}", dir.display()))?
                .to_string_lossy()
                .into_owned(),
        };
        config.work_out_locals();
        Ok(config)
    }

    /// The same configuration with some variables set to other values (as `-var NAME=VALUE`
    /// would), the locals that use them worked out again (the others keep their values: the
    /// image's locals read files, and the rules try many sizes).
    pub fn with_variables(&self, values: &[(&str, Value)]) -> Config {
        let mut config = self.clone();
        for (name, value) in values {
            config.variables.insert((*name).to_owned(), value.clone());
        }
        let mut affected: Vec<String> = Vec::new();
        loop {
            let before = affected.len();
            for (name, used) in self.local_references.iter() {
                if affected.contains(name) {
                    continue;
                }
                let uses = used.iter().any(|(root, used)| {
                    (root == "var" && values.iter().any(|(changed, _)| changed == used))
                        || (root == "local" && affected.contains(used))
                });
                if uses {
                    affected.push(name.clone());
                }
            }
            if affected.len() == before {
                break;
            }
        }
        for name in &affected {
            config.locals.shift_remove(name);
        }
        let pending = self
            .local_exprs
            .iter()
            .filter(|(name, _)| affected.contains(name))
            .cloned()
            .collect();
        config.work_out(pending);
        config
    }

    /// A local may use another one: evaluate in rounds until a round adds nothing. Locals that
    /// need a resource's attribute stay unknown.
    fn work_out_locals(&mut self) {
        self.locals = Map::new();
        let pending = self.local_exprs.as_ref().clone();
        self.work_out(pending);
    }

    fn work_out(&mut self, mut pending_locals: Vec<(String, Expression)>) {
        loop {
            let context = self.context();
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
                self.locals.insert(name, value.unwrap_or(Value::Null));
            }
        }
    }

    pub fn context(&self) -> Context<'static> {
        self.context_with(self.locals.clone())
    }

    fn context_with(&self, locals: Map<String, Value>) -> Context<'static> {
        let mut context = functions();
        context.declare_var("var", Value::Object(self.variables.clone()));
        context.declare_var("local", Value::Object(locals));
        let mut path = Map::new();
        for key in ["module", "root", "cwd"] {
            path.insert(key.to_owned(), Value::String(self.module_path.clone()));
        }
        context.declare_var("path", Value::Object(path));
        context
    }

    /// The expression of `local.NAME`, if a `locals` block defines it.
    pub fn local_expr(&self, name: &str) -> Option<&Expression> {
        self.local_exprs
            .iter()
            .find(|(found, _)| found == name)
            .map(|(_, expr)| expr)
    }

    /// The value of `local.NAME`, if it can be worked out before `apply`.
    pub fn local_value(&self, name: &str) -> Option<&Value> {
        self.locals.get(name)
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
        // Only the locals the expression names: some hold long lists (the image's files), and
        // the rules evaluate hundreds of expressions.
        let named: Vec<String> = references(expr)
            .into_iter()
            .filter(|(root, _)| root == "local")
            .map(|(_, name)| name)
            .collect();
        let context = self.context_with(
            self.locals
                .iter()
                .filter(|(name, _)| named.contains(name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        );
        expr.evaluate(&context)
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
}

/// An evaluation context with the Terraform functions that `terraform/`'s validations and
/// preconditions use, written from Terraform's documentation of each (only the argument types
/// used here).
pub fn functions() -> Context<'static> {
    use hcl::eval::{FuncArgs, FuncDef, ParamType};

    /// Compiled once per thread: the image's locals match every context file against every
    /// .dockerignore line, and the rules evaluate them for many variable values.
    fn compiled(pattern: &str) -> Result<regex::Regex, String> {
        thread_local! {
            static CACHE: std::cell::RefCell<BTreeMap<String, regex::Regex>> =
                const { std::cell::RefCell::new(BTreeMap::new()) };
        }
        CACHE.with(|cache| {
            if let Some(found) = cache.borrow().get(pattern) {
                return Ok(found.clone());
            }
            let regex = regex::Regex::new(pattern).map_err(|error| error.to_string())?;
            cache.borrow_mut().insert(pattern.to_owned(), regex.clone());
            Ok(regex)
        })
    }

    fn number(value: &Value) -> Result<f64, String> {
        value
            .as_number()
            .and_then(hcl::Number::as_f64)
            .ok_or_else(|| format!("{value} is not a number"))
    }
    fn text(value: &Value) -> Result<String, String> {
        match value {
            Value::String(text) => Ok(text.clone()),
            Value::Number(number) => Ok(number.to_string()),
            Value::Bool(boolean) => Ok(boolean.to_string()),
            other => Err(format!("{other} is not a string")),
        }
    }
    fn array(value: &Value) -> Result<&Vec<Value>, String> {
        value
            .as_array()
            .ok_or_else(|| format!("{value} is not a list"))
    }
    /// Terraform compares numbers by value: 512 and 512.0 are equal.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            _ => a == b,
        }
    }
    fn contains(args: FuncArgs) -> Result<Value, String> {
        let list = array(&args[0])?;
        Ok(Value::Bool(list.iter().any(|item| same(item, &args[1]))))
    }
    fn lookup(args: FuncArgs) -> Result<Value, String> {
        let map = args[0]
            .as_object()
            .ok_or_else(|| format!("{} is not a map", args[0]))?;
        let key = text(&args[1])?;
        match (map.get(&key), args.get(2)) {
            (Some(value), _) => Ok(value.clone()),
            (None, Some(default)) => Ok(default.clone()),
            (None, None) => Err(format!("no key {key:?} in the map")),
        }
    }
    fn tostring(args: FuncArgs) -> Result<Value, String> {
        text(&args[0]).map(Value::String)
    }
    fn range(args: FuncArgs) -> Result<Value, String> {
        let (start, limit, step) = match args.len() {
            1 => (0.0, number(&args[0])?, 1.0),
            2 => (number(&args[0])?, number(&args[1])?, 1.0),
            3 => (number(&args[0])?, number(&args[1])?, number(&args[2])?),
            _ => return Err("range takes 1 to 3 arguments".to_owned()),
        };
        if step == 0.0 || (limit - start) * step < 0.0 {
            return Err("range: the step does not lead from start to limit".to_owned());
        }
        let mut values = Vec::new();
        let mut current = start;
        while (step > 0.0 && current < limit) || (step < 0.0 && current > limit) {
            values.push(Value::from(current));
            if values.len() > 1024 {
                return Err("range: more than 1024 values".to_owned());
            }
            current += step;
        }
        Ok(Value::Array(values))
    }
    fn join(args: FuncArgs) -> Result<Value, String> {
        let separator = text(&args[0])?;
        let parts = array(&args[1])?
            .iter()
            .map(text)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Value::String(parts.join(&separator)))
    }
    fn length(args: FuncArgs) -> Result<Value, String> {
        let count = match &args[0] {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            Value::String(text) => text.chars().count(),
            other => return Err(format!("length of {other}")),
        };
        Ok(Value::from(count as u64))
    }
    fn regexall(args: FuncArgs) -> Result<Value, String> {
        let pattern = compiled(&text(&args[0])?)?;
        let subject = text(&args[1])?;
        Ok(Value::Array(
            pattern
                .find_iter(&subject)
                .map(|found| Value::String(found.as_str().to_owned()))
                .collect(),
        ))
    }

    fn strings(value: &Value) -> Result<Vec<String>, String> {
        array(value)?.iter().map(text).collect()
    }
    fn file(args: FuncArgs) -> Result<Value, String> {
        let path = text(&args[0])?;
        std::fs::read_to_string(&path)
            .map(Value::String)
            .map_err(|error| format!("file({path:?}): {error}"))
    }
    fn fileexists(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Bool(Path::new(&text(&args[0])?).is_file()))
    }
    fn fileset(args: FuncArgs) -> Result<Value, String> {
        let found = super::glob::fileset(Path::new(&text(&args[0])?), &text(&args[1])?)?;
        Ok(Value::Array(found.into_iter().map(Value::String).collect()))
    }
    fn split(args: FuncArgs) -> Result<Value, String> {
        let (separator, subject) = (text(&args[0])?, text(&args[1])?);
        Ok(Value::Array(
            subject
                .split(separator.as_str())
                .map(|part| Value::String(part.to_owned()))
                .collect(),
        ))
    }
    fn trimspace(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::String(text(&args[0])?.trim().to_owned()))
    }
    fn startswith(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Bool(text(&args[0])?.starts_with(&text(&args[1])?)))
    }
    fn trimprefix(args: FuncArgs) -> Result<Value, String> {
        let (subject, prefix) = (text(&args[0])?, text(&args[1])?);
        Ok(Value::String(
            subject.strip_prefix(&prefix).unwrap_or(&subject).to_owned(),
        ))
    }
    fn trimsuffix(args: FuncArgs) -> Result<Value, String> {
        let (subject, suffix) = (text(&args[0])?, text(&args[1])?);
        Ok(Value::String(
            subject.strip_suffix(&suffix).unwrap_or(&subject).to_owned(),
        ))
    }
    /// A substring wrapped in slashes is a regular expression, whose replacement may use `$n`.
    fn replace(args: FuncArgs) -> Result<Value, String> {
        let (subject, substring, replacement) = (text(&args[0])?, text(&args[1])?, text(&args[2])?);
        let pattern = substring
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
            .filter(|_| substring.len() > 1);
        Ok(Value::String(match pattern {
            Some(pattern) => compiled(pattern)?
                .replace_all(&subject, replacement.as_str())
                .into_owned(),
            None => subject.replace(&substring, &replacement),
        }))
    }
    fn sort(args: FuncArgs) -> Result<Value, String> {
        let mut items = strings(&args[0])?;
        items.sort();
        Ok(Value::Array(items.into_iter().map(Value::String).collect()))
    }
    fn distinct(args: FuncArgs) -> Result<Value, String> {
        let mut seen = Vec::new();
        for item in array(&args[0])? {
            if !seen.contains(item) {
                seen.push(item.clone());
            }
        }
        Ok(Value::Array(seen))
    }
    /// Sets of strings are lists in name order here, as Terraform iterates them.
    fn toset(args: FuncArgs) -> Result<Value, String> {
        let mut items = strings(&args[0])?;
        items.sort();
        items.dedup();
        Ok(Value::Array(items.into_iter().map(Value::String).collect()))
    }
    fn tolist(args: FuncArgs) -> Result<Value, String> {
        array(&args[0]).map(|items| Value::Array(items.clone()))
    }
    fn flatten(args: FuncArgs) -> Result<Value, String> {
        fn into(value: &Value, out: &mut Vec<Value>) {
            match value {
                Value::Array(items) => items.iter().for_each(|item| into(item, out)),
                other => out.push(other.clone()),
            }
        }
        let mut out = Vec::new();
        array(&args[0])?
            .iter()
            .for_each(|item| into(item, &mut out));
        Ok(Value::Array(out))
    }
    fn concat(args: FuncArgs) -> Result<Value, String> {
        let mut out = Vec::new();
        for list in args.iter() {
            out.extend(array(list)?.iter().cloned());
        }
        Ok(Value::Array(out))
    }

    let mut context = Context::new();
    let any = || ParamType::Any;
    for (name, func, arity) in [
        ("file", file as hcl::eval::Func, 1),
        ("fileexists", fileexists, 1),
        ("fileset", fileset, 2),
        ("split", split, 2),
        ("trimspace", trimspace, 1),
        ("startswith", startswith, 2),
        ("trimprefix", trimprefix, 2),
        ("trimsuffix", trimsuffix, 2),
        ("replace", replace, 3),
        ("sort", sort, 1),
        ("distinct", distinct, 1),
        ("toset", toset, 1),
        ("tolist", tolist, 1),
        ("flatten", flatten, 1),
    ] {
        context.declare_func(name, FuncDef::new(func, vec![any(); arity]));
    }
    context.declare_func(
        "concat",
        FuncDef::builder().variadic_param(any()).build(concat),
    );
    context.declare_func("contains", FuncDef::new(contains, [any(), any()]));
    context.declare_func(
        "lookup",
        FuncDef::builder()
            .params([any(), any()])
            .variadic_param(any())
            .build(lookup),
    );
    context.declare_func("tostring", FuncDef::new(tostring, [any()]));
    context.declare_func(
        "range",
        FuncDef::builder().variadic_param(any()).build(range),
    );
    context.declare_func("join", FuncDef::new(join, [any(), any()]));
    context.declare_func("length", FuncDef::new(length, [any()]));
    context.declare_func("regexall", FuncDef::new(regexall, [any(), any()]));
    context
}
