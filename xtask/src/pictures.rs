//! `cargo xtask pictures`: the handout's pictures, made again from real runs into
//! `docs/pictures/`, each with the hashes of the files it was made from (`sources.json`).
//!
//! - `request-path.png`: a request's way through the solution's layers, drawn as a web page;
//! - `json-log-lines.png`: the solution's lines for one POST, as its terminal shows them;
//! - `k6-summary.png`: the end of a short run of the handed-out k6 script against the starter;
//! - `k6-report.png`: k6's web-dashboard report of that run;
//! - `jq-slowest-requests.png`: jq answering a question of its own over the solution's log.
//!
//! Each page is photographed by Debian's Chromium, headless. The kit's quick test
//! (`selftest/tests/pictures.rs`) reads [`problems`]: no browser, no Docker.

mod chromium;
mod request_path;
mod runs;
pub mod sources;
mod terminal;

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context};

/// Where the pictures go, relative to the kit's root; the handout links them as
/// `pictures/NAME.png`.
pub const FOLDER: &str = "docs/pictures";
pub const HANDOUT: &str = "docs/handout.md";

/// One picture: its file in [`FOLDER`] and the files whose content it shows.
pub struct Picture {
    pub file: &'static str,
    pub sources: &'static [&'static str],
}

const TELEMETRY: &str = "solution/src/telemetry.rs";
const REQUEST_ID: &str = "solution/src/telemetry/request_id.rs";

pub const PICTURES: &[Picture] = &[
    Picture {
        file: "request-path.png",
        sources: &[TELEMETRY, REQUEST_ID, "xtask/src/pictures/request_path.rs"],
    },
    Picture {
        file: "json-log-lines.png",
        sources: &[TELEMETRY, REQUEST_ID],
    },
    Picture {
        file: "k6-summary.png",
        sources: &[runs::HANDED_OUT_SCRIPT],
    },
    Picture {
        file: "k6-report.png",
        sources: &[runs::HANDED_OUT_SCRIPT],
    },
    Picture {
        file: "jq-slowest-requests.png",
        sources: &[TELEMETRY, runs::SOLVED_SCRIPT, "xtask/src/pictures/runs.rs"],
    },
];

#[derive(clap::Args)]
pub struct Args {
    /// Make nothing: list the pictures the handout shows that are missing or stale.
    #[arg(long)]
    check: bool,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let root = crate::kit_root();
    if args.check {
        let problems = problems(&root)?;
        if !problems.is_empty() {
            bail!("{}", problems.join("\n"));
        }
        eprintln!("every picture the handout shows is up to date");
        return Ok(());
    }
    chromium::ensure_installed()?;
    runs::check_tools()?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-pictures.")
        .tempdir()?;
    let work = work.path();
    // The sources as the run starts: what the pictures are made from.
    let mut record = sources::Record::new();
    for picture in PICTURES {
        record.insert(
            picture.file.to_owned(),
            sources::hash(&root, picture.sources)?,
        );
    }
    let made = work.join("made");
    std::fs::create_dir_all(&made)?;

    let page = work.join("request-path.html");
    std::fs::write(&page, request_path::page())?;
    chromium::screenshot(
        &page,
        request_path::SIZE,
        None,
        &made.join("request-path.png"),
    )?;

    let runs = runs::Runs::perform(&root, work)?;
    let pages = [
        ("json-log-lines", runs.request_lines),
        ("k6-summary", runs.k6_summary),
        ("jq-slowest-requests", runs.jq_output),
    ];
    for (name, screen) in pages {
        let page = work.join(format!("{name}.html"));
        std::fs::write(&page, screen.page())?;
        chromium::screenshot(
            &page,
            screen.size(),
            None,
            &made.join(format!("{name}.png")),
        )?;
    }
    chromium::screenshot(
        &runs.report,
        (1280, 1000),
        Some(10_000),
        &made.join("k6-report.png"),
    )?;

    // Only once every picture is made: the folder never mixes two runs.
    let folder = root.join(FOLDER);
    std::fs::create_dir_all(&folder)?;
    for picture in PICTURES {
        std::fs::copy(made.join(picture.file), folder.join(picture.file))
            .with_context(|| format!("cannot write {FOLDER}/{}", picture.file))?;
        eprintln!("[pictures] {FOLDER}/{}", picture.file);
    }
    sources::write(&root, &record)
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

/// What is wrong with the pictures under `root`: a picture the handout shows that this command
/// does not make, is missing, or was made from sources that have changed since; a picture it
/// makes that the handout does not show.
pub fn problems(root: &Path) -> anyhow::Result<Vec<String>> {
    let handout = std::fs::read_to_string(root.join(HANDOUT))
        .with_context(|| format!("cannot read {HANDOUT}"))?;
    let shown = named_in(&handout);
    let record = sources::read(root)?;
    let mut problems = Vec::new();
    for file in &shown {
        match PICTURES.iter().find(|picture| picture.file == file) {
            Some(picture) => problems.extend(sources::stale(root, &record, picture)),
            None => problems.push(format!(
                "{HANDOUT} shows pictures/{file}, which `cargo xtask pictures` does not make"
            )),
        }
    }
    for picture in PICTURES {
        if !shown.contains(picture.file) {
            problems.push(format!(
                "`cargo xtask pictures` makes {}, which {HANDOUT} does not show",
                picture.file
            ));
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
