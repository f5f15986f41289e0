//! Photographs a local page with Debian's Chromium, headless.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// A page that never settles must not hang the command.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Debian's packages for the photographs: the browser and the fonts the pages ask for.
const PACKAGES: &[&str] = &["chromium", "fonts-dejavu-core"];

fn installed() -> bool {
    Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Installs Chromium with apt-get when it is missing (as root; otherwise says what to run).
pub fn ensure_installed() -> anyhow::Result<()> {
    if installed() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", PACKAGES.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0");
    if !root {
        bail!("Chromium is missing: the pictures are photographed by it; run `sudo {install}`");
    }
    eprintln!("[pictures] Chromium is missing: {install}");
    let status = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("cannot run apt-get")?;
    if !status.success() || !installed() {
        bail!(
            "could not install Chromium ({status}); run `apt-get update` and `{install}`, then \
             this command again"
        );
    }
    Ok(())
}

/// A screenshot of `page` (a local file) in a window of `size` CSS pixels. `wait_ms` gives the
/// page's scripts that much virtual time to draw; a page without scripts needs none (and a
/// budget of 0 makes Chromium wait forever).
pub fn screenshot(
    page: &Path,
    size: (u32, u32),
    wait_ms: Option<u32>,
    png: &Path,
) -> anyhow::Result<()> {
    let page = std::path::absolute(page)?;
    let profile = tempfile::Builder::new().prefix("chromium.").tempdir()?;
    let mut command = Command::new("chromium");
    command
        .args(["--headless", "--disable-gpu", "--hide-scrollbars"])
        // Root (a container, CI) cannot use Chromium's sandbox; the page is the kit's own.
        .arg("--no-sandbox")
        .args(["--force-device-scale-factor=1", "--no-first-run"])
        // Nothing leaves the machine: no background services, and any request that is not for
        // a local file goes to a closed local port.
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--proxy-server=127.0.0.1:9",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--screenshot={}", png.display()));
    if let Some(wait_ms) = wait_ms {
        command.arg(format!("--virtual-time-budget={wait_ms}"));
    }
    command.arg(format!("file://{}", page.display()));
    let log = profile.path().join("output.log");
    let output = std::fs::File::create(&log)?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .spawn()
        .context("cannot run chromium")?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "chromium did not photograph {} within {TIMEOUT:?}:\n{}",
                page.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() || !png.is_file() {
        bail!(
            "chromium ({status}) wrote no screenshot of {}:\n{}",
            page.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    Ok(())
}
