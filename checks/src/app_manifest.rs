//! The app's manifest as graded: the template's `starter/Cargo.toml` with the student's
//! dependency tables in it. Everything else in the student's manifest is either ignored (the
//! template's value is used) or, when it would configure the build, refuses the submission.

use toml::{Table, Value};

use crate::lab_files::APP_MANIFEST;

/// The tables of the student's manifest that are graded: what the app depends on.
const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "features"];

/// Top-level tables that would change how the app is built: a submission that has one is not
/// graded.
const BUILD_TABLES: [&str; 9] = [
    "build-dependencies",
    "patch",
    "replace",
    "profile",
    "target",
    "workspace",
    "lib",
    "bin",
    "cargo-features",
];

/// Keys of `[package]` that would change how the app is built.
const BUILD_PACKAGE_KEYS: [&str; 5] = ["build", "links", "workspace", "autobins", "default-run"];

/// What a dependency may say: which crate from crates.io, which version and features, or that
/// it is the workspace's.
const DEPENDENCY_KEYS: [&str; 7] = [
    "version",
    "features",
    "default-features",
    "default_features",
    "optional",
    "package",
    "workspace",
];

/// Why a submission is not graded: the file, and what in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotGraded {
    pub file: String,
    pub reason: String,
}

impl std::fmt::Display for NotGraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not graded: {} {}", self.file, self.reason)
    }
}

fn refuse(reason: impl Into<String>) -> NotGraded {
    NotGraded {
        file: APP_MANIFEST.to_owned(),
        reason: reason.into(),
    }
}

/// The graded manifest: the template's, named `package`, with the student's dependency tables.
/// `Ok` also returns what of the student's manifest was ignored.
pub fn graded_manifest(
    template: &str,
    student: &str,
    package: &str,
) -> Result<(String, Vec<String>), NotGraded> {
    let student: Table = student
        .parse()
        .map_err(|error| refuse(format!("is not valid TOML: {error}")))?;
    let mut graded: Table = template.parse().map_err(|error| NotGraded {
        file: APP_MANIFEST.to_owned(),
        reason: format!("of the template is not valid TOML ({error}): the template is broken"),
    })?;
    let mut ignored = Vec::new();
    for (key, value) in &student {
        if BUILD_TABLES.contains(&key.as_str()) {
            return Err(refuse(format!(
                "has a `[{key}]` section, which configures the build: the grader builds the \
                 app as the template does, with your dependencies"
            )));
        }
        if key == "package" {
            let Some(package) = value.as_table() else {
                return Err(refuse("has a `package` that is not a table"));
            };
            if let Some(key) = BUILD_PACKAGE_KEYS
                .iter()
                .find(|k| package.contains_key(**k))
            {
                return Err(refuse(format!(
                    "sets `{key}` in `[package]`, which configures the build: the grader \
                     builds the app as the template does, with your dependencies"
                )));
            }
            // The rest of `[package]` (name, description, ...) is the template's.
            continue;
        }
        if DEPENDENCY_TABLES.contains(&key.as_str()) {
            let Some(table) = value.as_table() else {
                return Err(refuse(format!("has a `{key}` that is not a table")));
            };
            if key != "features" {
                for (name, dependency) in table {
                    check_dependency(key, name, dependency)?;
                }
            }
            continue;
        }
        if template_value(&graded, key) != Some(value) {
            ignored.push(format!("{APP_MANIFEST}: [{key}] (the template's is used)"));
        }
    }
    for table in DEPENDENCY_TABLES {
        match student.get(table) {
            Some(value) => graded.insert(table.to_owned(), value.clone()),
            None => graded.remove(table),
        };
    }
    if let Some(Value::Table(section)) = graded.get_mut("package") {
        section.insert("name".to_owned(), Value::String(package.to_owned()));
    }
    let text = toml::to_string(&graded).map_err(|error| NotGraded {
        file: APP_MANIFEST.to_owned(),
        reason: format!("cannot be written back ({error})"),
    })?;
    Ok((text, ignored))
}

fn template_value<'a>(template: &'a Table, key: &str) -> Option<&'a Value> {
    template.get(key)
}

/// A dependency may come from crates.io or the workspace, nowhere else.
fn check_dependency(table: &str, name: &str, dependency: &Value) -> Result<(), NotGraded> {
    match dependency {
        Value::String(_) => Ok(()),
        Value::Table(fields) => {
            if let Some(key) = fields
                .keys()
                .find(|key| !DEPENDENCY_KEYS.contains(&key.as_str()))
            {
                return Err(refuse(format!(
                    "says where `{name}` in [{table}] comes from (`{key}`): a dependency of the \
                     graded app comes from crates.io (`{name} = \"1\"`) or the workspace \
                     (`{name}.workspace = true`)"
                )));
            }
            Ok(())
        }
        _ => Err(refuse(format!(
            "has a dependency `{name}` in [{table}] that is neither a version nor a table"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"[package]
name = "starter"
version = "0.1.0"
edition.workspace = true

[dependencies]
anyhow.workspace = true
tokio.workspace = true

[dev-dependencies]
testkit.workspace = true
"#;

    fn graded(student: &str) -> Result<Table, NotGraded> {
        let (text, _) = graded_manifest(TEMPLATE, student, "graded-starter")?;
        Ok(text.parse().expect("valid TOML"))
    }

    #[test]
    fn the_students_dependencies_replace_the_templates() {
        let student = format!("{TEMPLATE}json-subscriber = \"0.3\"\ngethostname = {{ version = \"1\", default-features = false }}\n");
        let manifest = graded(&student).expect("graded");
        assert_eq!(manifest["package"]["name"].as_str(), Some("graded-starter"));
        let dev = manifest["dev-dependencies"].as_table().expect("a table");
        assert!(dev.contains_key("json-subscriber") && dev.contains_key("gethostname"));
        let dependencies = manifest["dependencies"].as_table().expect("a table");
        assert!(dependencies.contains_key("tokio"));
    }

    #[test]
    fn other_changes_are_ignored_and_said() {
        let student = TEMPLATE.replace("version = \"0.1.0\"", "version = \"9.9.9\"")
            + "\n[badges]\nmaintenance = { status = \"none\" }\n[lints.rust]\nunsafe_code = \"forbid\"\n";
        let (text, ignored) =
            graded_manifest(TEMPLATE, &student, "graded-starter").expect("graded");
        assert!(text.contains("0.1.0") && !text.contains("9.9.9"), "{text}");
        assert!(!text.contains("badges"), "{text}");
        assert_eq!(ignored.len(), 2, "{ignored:?}");
    }

    #[test]
    fn what_configures_the_build_is_not_graded() {
        for (student, named) in [
            (
                TEMPLATE.replace("[package]\n", "[package]\nbuild = \"src/b.rs\"\n"),
                "`build`",
            ),
            (
                format!("{TEMPLATE}\n[patch.crates-io]\ntokio = {{ path = \"../x\" }}\n"),
                "[patch]",
            ),
            (
                format!("{TEMPLATE}\n[profile.dev]\nopt-level = 3\n"),
                "[profile]",
            ),
            (
                format!("{TEMPLATE}\n[build-dependencies]\ncc = \"1\"\n"),
                "[build-dependencies]",
            ),
            (
                format!("{TEMPLATE}\n[[bin]]\nname = \"starter\"\npath = \"../checks/src/x.rs\"\n"),
                "[bin]",
            ),
            (
                format!("{TEMPLATE}\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n"),
                "[target]",
            ),
            (
                TEMPLATE.replace(
                    "tokio.workspace = true",
                    "tokio = { path = \"../vendor/tokio\" }",
                ),
                "`path`",
            ),
            (
                TEMPLATE.replace(
                    "anyhow.workspace = true",
                    "anyhow = { git = \"https://example.invalid/a\" }",
                ),
                "`git`",
            ),
            (
                TEMPLATE.replace(
                    "testkit.workspace = true",
                    "testkit = { registry = \"mine\", version = \"1\" }",
                ),
                "`registry`",
            ),
            ("not = [toml".to_owned(), "not valid TOML"),
        ] {
            let refused = graded(&student).expect_err(named);
            assert_eq!(refused.file, "starter/Cargo.toml");
            let shown = refused.to_string();
            assert!(
                shown.starts_with("not graded: starter/Cargo.toml"),
                "{shown}"
            );
            assert!(
                shown.contains(named.trim_matches(['[', ']'])),
                "{named}: {shown}"
            );
        }
    }
}
