//! Running a documented command as a student would: `sh -c` in the doc's folder, with a
//! student's environment, and what the runners share (one heavy command at a time, the tail of an
//! output, a checked substitution, a scratch file, a process group's signals).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use super::exported_postgres_image;

/// Variables a student's shell has (and the toolchain's own, so that builds are shared with the
/// rest of the kit's tests); everything else is dropped.
fn is_student_variable(key: &str) -> bool {
    const KEEP: &[&str] = &[
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "TERM",
        "LANG",
        "LC_ALL",
        "TMPDIR",
        "TZ",
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "PYENV_ROOT",
        "PYENV_VERSION",
        "DOCKER_HOST",
        "DOCKER_CONFIG",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
    ];
    KEEP.contains(&key)
        || [
            "CARGO_BUILD_",
            "CARGO_NET_",
            "CARGO_TERM_",
            "CARGO_REGISTRIES_",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
}

/// `sh -c COMMAND` in `folder`, with a student's environment plus `extra`, in a process group
/// of its own (so that Ctrl-C can be sent to all of it).
pub fn student_shell(command: &str, folder: &Path, extra: &[(&str, &str)]) -> Command {
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(folder)
        .env_clear()
        .envs(std::env::vars().filter(|(key, _)| is_student_variable(key)))
        // A laptop has no instance credentials: never let the AWS SDK find real ones here.
        .envs(testkit::NO_AWS)
        .env("CHECKS_POSTGRES_IMAGE", exported_postgres_image())
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .process_group(0);
    shell
}

pub fn run(command: &str, folder: &Path, extra: &[(&str, &str)]) -> Result<Output, String> {
    student_shell(command, folder, extra)
        .output()
        .map_err(|error| format!("cannot run `sh -c {command:?}`: {error}"))
}

/// The last lines of a long output, for failure messages.
pub fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// `command` with `find` replaced by `replace`; `find` must be in it (the doc changed otherwise).
pub fn substitute(command: &str, find: &str, replace: &str) -> Result<String, String> {
    if command.contains(find) {
        Ok(command.replacen(find, replace, 1))
    } else {
        Err(format!(
            "`{command}` no longer contains `{find}`: update how selftest/tests/doc_commands.rs runs it"
        ))
    }
}

pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Heavy commands (builds, the autograder, load tests) one at a time: the machine may have two
/// cores.
static HEAVY: Mutex<()> = Mutex::new(());

pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts `shell` with its output (stdout and stderr) in the file `log`.
pub fn spawn_logging_to(shell: &mut Command, log: &Path) -> Result<std::process::Child, String> {
    let log_file =
        std::fs::File::create(log).map_err(|error| format!("cannot create a log: {error}"))?;
    let log_err = log_file
        .try_clone()
        .map_err(|error| format!("cannot share the log: {error}"))?;
    shell
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
        .map_err(|error| {
            let command = shell
                .get_args()
                .last()
                .unwrap_or_default()
                .to_string_lossy();
            format!("cannot start `{command}`: {error}")
        })
}

/// Sends `signal` to the process group of `pid`, as a terminal does on Ctrl-C.
pub fn signal_group(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pid}")])
        .status();
}

pub fn tempfile(name: &str) -> Result<PathBuf, String> {
    let folder = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("doc-commands");
    std::fs::create_dir_all(&folder)
        .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    Ok(folder.join(name))
}

/// GET `path` on 127.0.0.1:`port`: the status and the body, or None when nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Some((status, body.to_owned()))
}
