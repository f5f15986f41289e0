//! The app run as a real process, its stdout captured line by line.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct AppProcess {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    port: u16,
}

/// Environment that keeps the AWS SDK away from real accounts and instance metadata. The
/// metadata service is not disabled but unreachable (a closed local port), as on a laptop, so
/// that the app's tests see what a student sees without credentials.
pub const NO_AWS: [(&str, &str); 4] = [
    ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
    ("AWS_CONFIG_FILE", "/nonexistent/aws/config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/aws/credentials",
    ),
    ("AWS_REGION", "us-east-1"),
];

impl AppProcess {
    /// Starts `binary` on a free port and waits until it says it is listening.
    pub fn start(binary: &Path, database_url: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORT", "0")
            .env("RUST_LOG", "info")
            .envs(NO_AWS)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        let mut app = Self {
            child,
            stdout,
            stderr,
            port: 0,
        };
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(port) = app.lines().iter().find_map(|line| listening_port(line)) {
                app.port = port;
                return Ok(app);
            }
            if let Some(status) = app.child.try_wait()? {
                bail!(
                    "the app exited with {status} before listening:\n{}",
                    app.output()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let output = app.output();
        let _ = app.child.kill();
        bail!("the app did not start listening within {START_TIMEOUT:?}:\n{output}")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Everything the app has printed to stdout so far.
    pub fn lines(&self) -> Vec<String> {
        snapshot(&self.stdout)
    }

    /// stdout then stderr, for error messages.
    pub fn output(&self) -> String {
        let mut all = self.lines();
        all.extend(snapshot(&self.stderr));
        all.join("\n")
    }

    /// Sends SIGTERM and waits for a graceful exit; returns the status and every stdout line.
    pub fn stop(mut self) -> anyhow::Result<(ExitStatus, Vec<String>)> {
        let pid = libc::pid_t::try_from(self.child.id()).context("pid out of range")?;
        // SAFETY: signalling our own child process by pid.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Give the reader threads a moment to drain the pipes.
                std::thread::sleep(Duration::from_millis(50));
                return Ok((status, self.lines()));
            }
            if started.elapsed() > STOP_TIMEOUT {
                let _ = self.child.kill();
                bail!(
                    "the app did not stop within {STOP_TIMEOUT:?} of SIGTERM:\n{}",
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: Option<impl std::io::Read + Send + 'static>) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    if let Some(pipe) = pipe {
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(line);
            }
        });
    }
    lines
}

fn snapshot(lines: &Mutex<Vec<String>>) -> Vec<String> {
    lines
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Both apps announce `listening on http://0.0.0.0:PORT`, in text or inside a JSON message.
fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on http://")?;
    let (_, port) = rest.split_once(':')?;
    let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::listening_port;

    #[test]
    fn finds_the_port_in_text_and_json_lines() {
        assert_eq!(
            listening_port("INFO x: TaskOverflow listening on http://0.0.0.0:6400 port=6400"),
            Some(6400)
        );
        assert_eq!(
            listening_port(
                r#"{"message":"TaskOverflow listening on http://0.0.0.0:41234","port":41234}"#
            ),
            Some(41234)
        );
        assert_eq!(listening_port("Connected to the database"), None);
    }
}
