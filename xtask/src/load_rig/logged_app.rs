//! The app as a benchmark runs it: output to a file (no pipe for this process to drain), and
//! optionally pinned to one CPU.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::pin_to_cpu;

const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The running app; killed when dropped.
pub struct LoggedApp {
    child: Child,
    port: u16,
}

impl LoggedApp {
    /// Starts `binary` on `port` with its stdout and stderr written to `log` and, with `cpu`,
    /// pinned to that CPU. Returns at once: the caller waits for it to answer.
    pub fn spawn(
        binary: &Path,
        database_url: &str,
        env: &[(&str, &str)],
        port: u16,
        log: &Path,
        cpu: Option<usize>,
    ) -> anyhow::Result<Self> {
        let file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "info")
            .envs(testkit::NO_AWS)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file);
        if let Some(cpu) = cpu {
            use std::os::unix::process::CommandExt;
            // SAFETY: only async-signal-safe calls between fork and exec.
            unsafe {
                command.pre_exec(move || pin_to_cpu(0, cpu));
            }
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Self { child, port })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends SIGTERM and waits for a graceful exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = libc::pid_t::try_from(self.child.id()).context("pid out of range")?;
        // SAFETY: signalling our own child process by pid.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let started = Instant::now();
        while started.elapsed() < STOP_TIMEOUT {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("the app did not stop within {STOP_TIMEOUT:?} of SIGTERM")
    }
}

impl Drop for LoggedApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
