//! From a page or a Graphviz source to a small PNG: Graphviz's `dot`, Debian's Chromium
//! (headless) for HTML, then pngquant (a palette of at most 256 colours: screenshots of text and
//! charts lose nothing visible) and optipng (lossless).

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// The programs the pictures need, with the Debian package that has each.
pub const TOOLS: &[(&str, &[&str], &str)] = &[
    ("dot", &["-V"], "graphviz"),
    ("chromium", &["--version"], "chromium"),
    ("pngquant", &["--version"], "pngquant"),
    ("optipng", &["--version"], "optipng"),
    ("jq", &["--version"], "jq"),
    ("script", &["--version"], "util-linux"),
];

/// Every tool is there; otherwise one error naming the packages to install.
pub fn check_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(program, args, _)| {
            !Command::new(program)
                .args(*args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
        .map(|(_, _, package)| *package)
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing tools: apt-get install {} (Debian packages)",
            missing.join(" ")
        );
    }
    Ok(())
}

/// `dot -Tpng` of a Graphviz source.
pub fn graphviz(source: &Path, png: &Path) -> anyhow::Result<()> {
    run(Command::new("dot")
        .args(["-Tpng", "-Gdpi=96", "-o"])
        .arg(png)
        .arg(source))
}

/// A screenshot of `page` in a window of `size` CSS pixels. `wait_ms` gives the page's
/// scripts that much (virtual) time to draw first.
pub fn screenshot(
    page: &Path,
    size: (u32, u32),
    wait_ms: u32,
    png: &Path,
    scratch: &Path,
) -> anyhow::Result<()> {
    let page = std::path::absolute(page)?;
    let mut command = Command::new("chromium");
    command
        .arg("--headless")
        // Root (a container, CI) cannot use Chromium's sandbox; the page is our own file.
        .arg("--no-sandbox")
        .args([
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .args(["--no-first-run", "--disable-extensions", "--disable-sync"])
        // No traffic leaves the machine: background services off, and any request that is not
        // for a local file goes to a closed local port.
        .args([
            "--disable-background-networking",
            "--disable-component-update",
        ])
        .args([
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.join("chromium").display()
        ))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("--virtual-time-budget={wait_ms}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()));
    run(&mut command)?;
    if !png.is_file() {
        bail!("chromium wrote no screenshot of {}", page.display());
    }
    Ok(())
}

/// Makes `png` smaller in place: pngquant when it keeps the picture faithful, then optipng.
pub fn optimise(png: &Path) -> anyhow::Result<()> {
    let status = Command::new("pngquant")
        .args(["--force", "--skip-if-larger", "--strip", "--speed", "1"])
        .args(["--quality", "80-100", "--ext", ".png"])
        .arg(png)
        .stderr(Stdio::null())
        .status()
        .context("cannot run pngquant")?;
    // 98: the result would be larger; 99: not faithful enough. The original stays, both fine.
    if !status.success() && !matches!(status.code(), Some(98 | 99)) {
        bail!("pngquant failed on {} ({status})", png.display());
    }
    run(Command::new("optipng")
        .args(["-quiet", "-o2", "-strip", "all"])
        .arg(png))
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {program}"))?;
    if !output.status.success() {
        bail!(
            "{program} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
