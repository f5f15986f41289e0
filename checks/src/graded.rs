//! The submission under grading: its assembled workspace, the app built from it (once, when a
//! task first needs it), and the tools the checks run, found before any of the student's code
//! runs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::app_build::{self, BuildFailure};
use crate::submission::Workspace;
use crate::tools::Tools;

/// The handed-out k6 script, relative to the repository's root.
pub const K6_SCRIPT: &str = "k6/planners-and-studiers.js";
/// The folder of the Terraform configuration.
pub const TERRAFORM: &str = "terraform";
/// The graded app's folder, as messages print it.
pub const APP: &str = "starter";

#[derive(Debug)]
pub struct Graded {
    workspace: Workspace,
    target_dir: PathBuf,
    /// A folder of this grading's own that the built app is copied into.
    bin_dir: tempfile::TempDir,
    binary: OnceLock<Result<PathBuf, BuildFailure>>,
    pub tools: Tools,
}

impl Graded {
    pub fn new(workspace: Workspace, target_dir: PathBuf, tools: Tools) -> std::io::Result<Self> {
        Ok(Self {
            workspace,
            target_dir,
            bin_dir: tempfile::Builder::new()
                .prefix("taskoverflow-graded-app-")
                .tempdir()?,
            binary: OnceLock::new(),
            tools,
        })
    }

    /// The assembled workspace: the template's files with the submission's lab files.
    pub fn root(&self) -> &Path {
        self.workspace.root()
    }

    /// What of the submission was left out of grading, and why.
    pub fn notes(&self) -> &[String] {
        &self.workspace.notes
    }

    /// The app, built on first use; a failed build is remembered, not retried.
    pub fn binary(&self) -> Result<&Path, &BuildFailure> {
        self.binary
            .get_or_init(|| {
                app_build::build(&self.workspace, &self.target_dir, self.bin_dir.path())
            })
            .as_ref()
            .map(PathBuf::as_path)
    }

    /// A path inside the graded app's folder, as the student would type it.
    pub fn file(&self, relative: &str) -> String {
        format!("{APP}/{relative}")
    }

    pub fn k6_script(&self) -> PathBuf {
        self.root().join(K6_SCRIPT)
    }

    pub fn terraform(&self) -> PathBuf {
        self.root().join(TERRAFORM)
    }
}
