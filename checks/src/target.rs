//! Which app is graded, and building it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{bail, Context as _};

use crate::task::Problem;

/// The app under grading: `starter/` by default, another crate of the workspace with
/// `CHECKS_TARGET`, or a generated variant (the autograder's own self-test), together with the
/// k6 script and the Terraform variable files graded with it.
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
    /// Whether the app is a member of the grader's own workspace: then it is built together
    /// with the grader, so that both resolve the same dependency features and share one build.
    in_grader_workspace: bool,
    binary: OnceLock<Result<PathBuf, Problem>>,
    /// The k6 script graded: `k6/planners-and-studiers.js` unless given another.
    k6_script: PathBuf,
    /// Variable files laid over `terraform/` (Terraform's `-var-file`): none unless given.
    tfvars: Vec<PathBuf>,
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

/// The handed-out k6 script, relative to the repository's root.
const K6_SCRIPT: &str = "k6/planners-and-studiers.js";

fn target_dir(kit_root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| kit_root.join("target"))
}

impl Target {
    /// What the environment asks for: `CHECKS_TARGET` names the crate folder to grade
    /// (default `starter`), `CHECKS_K6_SCRIPT` a k6 script and `CHECKS_TFVARS` a Terraform
    /// variable file to grade instead of the handed-out ones (paths relative to the repository).
    pub fn from_env() -> Result<Self, String> {
        let name = match std::env::var("CHECKS_TARGET") {
            Ok(name) if !name.trim().is_empty() => name.trim().to_owned(),
            _ => "starter".to_owned(),
        };
        let is_crate =
            !name.contains(['/', '\\', '.']) && kit_root().join(&name).join("Cargo.toml").is_file();
        if !is_crate {
            return Err(format!(
                "CHECKS_TARGET={name:?} is not a crate folder of this repository: leave it unset \
                 to grade starter/"
            ));
        }
        let mut target = Self::app(&name);
        let file = |variable: &str| -> Result<Option<PathBuf>, String> {
            match std::env::var_os(variable) {
                Some(path) if !path.is_empty() => {
                    let path = target.kit_root.join(path);
                    if path.is_file() {
                        Ok(Some(path))
                    } else {
                        Err(format!("{variable}: {} is not a file", path.display()))
                    }
                }
                _ => Ok(None),
            }
        };
        let (k6_script, tfvars) = (file("CHECKS_K6_SCRIPT")?, file("CHECKS_TFVARS")?);
        if let Some(script) = k6_script {
            target = target.with_k6_script(script);
        }
        if let Some(tfvars) = tfvars {
            target = target.with_tfvars(tfvars);
        }
        Ok(target)
    }

    /// One of the workspace's own apps, by crate name.
    pub fn app(name: &str) -> Self {
        let kit_root = kit_root();
        Self {
            label: name.to_owned(),
            crate_path: name.to_owned(),
            manifest: kit_root.join("Cargo.toml"),
            package: name.to_owned(),
            target_dir: target_dir(&kit_root),
            in_grader_workspace: true,
            binary: OnceLock::new(),
            k6_script: kit_root.join(K6_SCRIPT),
            tfvars: Vec::new(),
            kit_root,
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
            in_grader_workspace: false,
            binary: OnceLock::new(),
            k6_script: kit_root.join(K6_SCRIPT),
            tfvars: Vec::new(),
            kit_root,
        })
    }

    /// The same app, graded with another k6 script.
    pub fn with_k6_script(mut self, script: PathBuf) -> Self {
        self.k6_script = script;
        self
    }

    /// The same app, graded with a Terraform variable file laid over `terraform/`.
    pub fn with_tfvars(mut self, tfvars: PathBuf) -> Self {
        self.tfvars.push(tfvars);
        self
    }

    /// A path inside the graded crate, as a student would type it.
    pub fn file(&self, relative: &str) -> String {
        format!("{}/{relative}", self.crate_path)
    }

    /// The k6 script graded.
    pub fn k6_script(&self) -> PathBuf {
        self.k6_script.clone()
    }

    /// The Terraform configuration graded, and the variable files laid over it.
    pub fn terraform(&self) -> (PathBuf, Vec<PathBuf>) {
        (self.kit_root.join("terraform"), self.tfvars.clone())
    }

    /// The files graded besides the app, as messages print them.
    pub fn graded_files(&self) -> Vec<String> {
        std::iter::once(&self.k6_script)
            .chain(&self.tfvars)
            .map(|path| {
                path.strip_prefix(&self.kit_root)
                    .unwrap_or(path)
                    .display()
                    .to_string()
            })
            .collect()
    }

    /// Builds the app once per run; a compile error is the student's to fix.
    pub fn binary(&self) -> Result<PathBuf, Problem> {
        self.binary
            .get_or_init(|| {
                let build = cargo_variables_of_this_test()
                    .fold(escargot::CargoBuild::new(), |build, key| build.env_remove(key));
                // Built with the grader (`-p checks`), a dependency gets the same features as
                // in `cargo test -p checks`, so the app reuses the grader's dependency builds
                // instead of compiling most of them a second time.
                let build = if self.in_grader_workspace {
                    build.package(env!("CARGO_PKG_NAME"))
                } else {
                    build
                };
                build
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
