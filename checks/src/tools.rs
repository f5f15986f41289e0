//! The programs the checks run besides the app, found on `PATH` once, before any of the
//! student's code runs: what the app might later put on `PATH` is never run.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Tools {
    pub k6: Result<PathBuf, String>,
    pub moto_server: Result<PathBuf, String>,
}

impl Tools {
    pub fn find() -> Self {
        Self {
            k6: find("k6"),
            moto_server: find("moto_server"),
        }
    }
}

/// The absolute path of `program` on `PATH`.
pub fn find(program: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| format!("`{program}` is not on PATH"))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_program_by_its_absolute_path() {
        let sh = super::find("sh").expect("sh is on PATH");
        assert!(sh.is_absolute(), "{}", sh.display());
        assert!(super::find("no-such-program-here").is_err());
    }
}
