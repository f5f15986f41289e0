//! Which files of a submission are the student's. This list is the only place that says it: the
//! grader grades these files of a submission and takes every other file from the template, and
//! the handout's table of what to hand in is tested against it.

/// A file, or a folder and everything under it (`/**`), that the student changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabFile {
    pub pattern: &'static str,
    /// What the student changes there, as the handout says it.
    pub what: &'static str,
}

/// The app's manifest: only its dependency tables are the student's.
pub const APP_MANIFEST: &str = "starter/Cargo.toml";

pub const LAB_FILES: &[LabFile] = &[
    LabFile {
        pattern: "starter/src/**",
        what: "the app's code: the logging, the correlation IDs",
    },
    LabFile {
        pattern: "starter/tests/**",
        what: "the app's own tests",
    },
    LabFile {
        pattern: APP_MANIFEST,
        what: "the app's dependencies: `[dependencies]` and `[dev-dependencies]` only",
    },
    LabFile {
        pattern: "k6/planners-and-studiers.js",
        what: "the load test",
    },
    LabFile {
        pattern: "terraform/task-size.auto.tfvars",
        what: "the ECS task's size and how many tasks run",
    },
    LabFile {
        pattern: "terraform/CAPACITY.md",
        what: "your capacity estimate, from which the size follows",
    },
    LabFile {
        pattern: "evidence/deployment-logs.json",
        what: "your deployed service's log events during your load test, exported with the AWS CLI",
    },
];

impl LabFile {
    /// Whether `path` (relative, `/`-separated) is this file or lies under this folder.
    pub fn matches(&self, path: &str) -> bool {
        match self.pattern.strip_suffix("/**") {
            Some(folder) => path
                .strip_prefix(folder)
                .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1),
            None => path == self.pattern,
        }
    }
}

/// Whether `path` (relative to the repository, `/`-separated) is one of the student's files.
pub fn is_lab_file(path: &str) -> bool {
    LAB_FILES.iter().any(|file| file.matches(path))
}

#[cfg(test)]
mod tests {
    use super::is_lab_file;

    #[test]
    fn the_apps_code_tests_and_manifest_are_the_students() {
        for path in [
            "starter/src/main.rs",
            "starter/src/telemetry/request_id.rs",
            "starter/tests/logs.rs",
            "starter/Cargo.toml",
            "k6/planners-and-studiers.js",
            "terraform/task-size.auto.tfvars",
            "terraform/CAPACITY.md",
            "evidence/deployment-logs.json",
        ] {
            assert!(is_lab_file(path), "{path}");
        }
    }

    #[test]
    fn build_configuration_and_the_grader_are_not() {
        for path in [
            "starter/build.rs",
            "starter/src",
            "starter/srcx/main.rs",
            ".cargo/config.toml",
            "starter/.cargo/config.toml",
            "Cargo.toml",
            "Cargo.lock",
            "checks/src/lib.rs",
            "testkit/src/lib.rs",
            "api/src/lib.rs",
            "k6/other.js",
            "terraform/ecs.tf",
            "terraform/terraform.tfvars",
            "k6",
            "rust-toolchain.toml",
            "evidence/README.md",
            "evidence/other.json",
        ] {
            assert!(!is_lab_file(path), "{path}");
        }
    }
}
