//! The handout's pictures are there and were made from the sources as they are now: every
//! picture the handout shows is in `docs/pictures/`, made by `cargo xtask pictures`, and each
//! source recorded for it in `docs/pictures/sources.json` still has the recorded hash. The
//! CloudWatch console cannot be photographed here, so the handout describes it instead: that
//! description names every widget of the dashboard Terraform creates.
//!
//! Quick: it reads files and hashes them (no Docker, no browser).

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

#[test]
fn the_handout_shows_pictures() {
    let shown = xtask::pictures::named_in(&read("docs/handout.md"));
    assert!(
        shown.len() >= xtask::pictures::PICTURES.len(),
        "the handout shows {shown:?}: every picture of `cargo xtask pictures` belongs in it"
    );
}

#[test]
fn every_picture_the_handout_shows_is_there_and_up_to_date() {
    let problems = xtask::pictures::problems(&root()).expect("the pictures' record is readable");
    assert!(
        problems.is_empty(),
        "the handout's pictures are missing or stale:\n  {}\n\nRun `cargo xtask pictures` \
         (Docker, k6, and Debian's graphviz, chromium, pngquant, optipng and jq; about two \
         minutes after the release build) and commit docs/pictures/. When the telemetry \
         changed, check docs/pictures/request-path.dot against it first: that drawing is \
         written by hand.",
        problems.join("\n  ")
    );
}

/// The widget titles of `terraform/dashboard.tf` (`title = "..."`).
fn dashboard_widgets() -> Vec<String> {
    read("terraform/dashboard.tf")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("title"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .filter_map(|value| value.trim().strip_prefix('"')?.strip_suffix('"'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_handout_names_every_widget_of_the_dashboard() {
    let widgets = dashboard_widgets();
    assert!(
        widgets.len() >= 3,
        "terraform/dashboard.tf has widgets {widgets:?}: the reading of its titles broke"
    );
    let handout = read("docs/handout.md");
    let missing: Vec<&String> = widgets
        .iter()
        .filter(|title| !handout.contains(title.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/handout.md describes the CloudWatch dashboard but does not name its widgets \
         {missing:?} (terraform/dashboard.tf): name them as the console shows them"
    );
}
