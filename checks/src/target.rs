//! Which app is graded, and building it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context as _};

use crate::task::Problem;

/// The app under grading: `starter/` by default, `solution/` with `CHECKS_TARGET=solution`,
/// or a generated variant (the autograder's own self-test).
#[derive(Debug)]
pub struct Target {
    /// What the student reads in messages, e.g. `starter`.
    pub label: String,
    /// The kit's root folder (k6/ and terraform/ live there).
    pub kit_root: PathBuf,
    /// The crate folder, relative to the kit root, as messages print it.
    pub crate_path: String,
    manifest: PathBuf,
    package: String,
    target_dir: PathBuf,
    binary: OnceLock<Result<PathBuf, Problem>>,
    /// A k6 script graded instead of the usual one (the autograder's self-test).
    k6_script: Option<PathBuf>,
}

/// A change a variant makes to a copy of an app: in `file`, replace `find` (which must
/// occur exactly once) by `replace`. An empty `find` replaces the whole file (or writes a new
/// one), for a change too big for one edit.
#[derive(Debug, Clone, Copy)]
pub struct Edit {
    pub file: &'static str,
    pub find: &'static str,
    pub replace: &'static str,
}

pub fn kit_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn target_dir(kit_root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| kit_root.join("target"))
}

impl Target {
    /// `CHECKS_TARGET`: `starter` (the default) or `solution`.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("CHECKS_TARGET").as_deref() {
            Err(_) | Ok("") | Ok("starter") => Ok(Self::app("starter")),
            Ok("solution") => Ok(Self::app("solution")),
            Ok(other) => Err(format!(
                "CHECKS_TARGET={other:?} is not something I can grade: use `starter` (the default) or `solution`"
            )),
        }
    }

    /// One of the kit's own apps, by crate name.
    pub fn app(name: &str) -> Self {
        let kit_root = kit_root();
        Self {
            label: name.to_owned(),
            crate_path: name.to_owned(),
            manifest: kit_root.join("Cargo.toml"),
            package: name.to_owned(),
            target_dir: target_dir(&kit_root),
            kit_root,
            binary: OnceLock::new(),
            k6_script: None,
        }
    }

    /// A copy of `base` with `edits` applied, in a workspace of its own under
    /// `target/checks/variants/NAME`, built into the shared target folder under its own name.
    pub fn variant(base: &str, name: &str, edits: &[Edit]) -> anyhow::Result<Self> {
        let kit_root = kit_root();
        let target_dir = target_dir(&kit_root);
        let root = target_dir.join("checks/variants").join(name);
        let package = format!("variant-{name}");
        if root.exists() {
            fs::remove_dir_all(&root)?;
        }
        copy_dir(&kit_root.join(base), &root.join("app"))?;
        for edit in edits {
            let path = root.join("app").join(edit.file);
            if edit.find.is_empty() {
                fs::write(&path, edit.replace)?;
                continue;
            }
            let text = fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
            let found = text.matches(edit.find).count();
            if found != 1 {
                bail!(
                    "variant {name}: {:?} occurs {found} times in {base}/{}, expected once",
                    edit.find,
                    edit.file
                );
            }
            fs::write(&path, text.replacen(edit.find, edit.replace, 1))?;
        }
        // The copy keeps every dependency, but takes a name of its own so that its binary
        // does not overwrite the real app's in the shared target folder.
        let manifest = root.join("app/Cargo.toml");
        let text = fs::read_to_string(&manifest)?;
        fs::write(
            &manifest,
            text.replace(
                &format!("name = \"{base}\""),
                &format!("name = \"{package}\""),
            ),
        )?;
        let workspace = fs::read_to_string(kit_root.join("Cargo.toml"))?;
        let absolute = format!("path = \"{}/", kit_root.display());
        let workspace = workspace
            .lines()
            .map(|line| {
                if line.starts_with("members") {
                    "members = [\"app\"]".to_owned()
                } else {
                    line.replace("path = \"", &absolute)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        fs::write(root.join("Cargo.toml"), workspace)?;
        fs::copy(kit_root.join("Cargo.lock"), root.join("Cargo.lock"))?;
        Ok(Self {
            label: format!("variant {name}"),
            crate_path: base.to_owned(),
            manifest: root.join("Cargo.toml"),
            package,
            target_dir,
            kit_root,
            binary: OnceLock::new(),
            k6_script: None,
        })
    }

    /// The same app, graded with another k6 script (a student-like copy in the self-test).
    pub fn with_k6_script(mut self, script: PathBuf) -> Self {
        self.k6_script = Some(script);
        self
    }

    /// A path inside the graded crate, as a student would type it.
    pub fn file(&self, relative: &str) -> String {
        format!("{}/{relative}", self.crate_path)
    }

    /// Whether this target is the kit's solution or a variant of it (graded against the solved
    /// k6 script and task size) rather than the student's work.
    pub fn is_solution(&self) -> bool {
        self.crate_path == "solution"
    }

    /// The k6 script graded: the student's `k6/planners-and-studiers.js`, or its solved twin.
    pub fn k6_script(&self) -> PathBuf {
        if let Some(script) = &self.k6_script {
            return script.clone();
        }
        let k6 = self.kit_root.join("k6");
        if self.is_solution() {
            k6.join("solved/planners-and-studiers.js")
        } else {
            k6.join("planners-and-studiers.js")
        }
    }

    /// The Terraform configuration graded, and the variable files laid over it: none for the
    /// student, `terraform/solved/task-size.auto.tfvars` for the solution.
    pub fn terraform(&self) -> (PathBuf, Vec<PathBuf>) {
        let terraform = self.kit_root.join("terraform");
        let overrides = if self.is_solution() {
            vec![terraform.join("solved/task-size.auto.tfvars")]
        } else {
            Vec::new()
        };
        (terraform, overrides)
    }

    /// Builds the app once per run; a compile error is the student's to fix.
    pub fn binary(&self) -> Result<PathBuf, Problem> {
        self.binary
            .get_or_init(|| {
                cargo_variables_of_this_test()
                    .fold(escargot::CargoBuild::new(), |build, key| build.env_remove(key))
                    .manifest_path(&self.manifest)
                    .package(&self.package)
                    .bin(&self.package)
                    .target_dir(&self.target_dir)
                    .run()
                    .map(|run| run.path().to_path_buf())
                    .map_err(|error| {
                        Problem::Task(format!(
                            "{} does not build: {error}. Run `cargo build -p {}` to see the compiler's errors.",
                            self.crate_path, self.package
                        ))
                    })
            })
            .clone()
    }
}

/// The variables Cargo set for the running test that a nested `cargo build` must not inherit:
/// a build script that watches one of them (ring watches CARGO_MANIFEST_DIR) would otherwise
/// rebuild half the dependencies on every run.
pub fn cargo_variables_of_this_test() -> impl Iterator<Item = String> {
    std::env::vars().map(|(key, _)| key).filter(|key| {
        [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "OUT_DIR",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
    })
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (source, destination) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_dir(&source, &destination)?;
        } else {
            fs::copy(&source, &destination)?;
        }
    }
    Ok(())
}
