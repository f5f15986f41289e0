//! The handout's pictures are there and were made from the files as they are now: every picture
//! the handout shows is in `docs/pictures/`, and each file recorded for it in
//! `docs/pictures/sources.json` still has the recorded hash (`cargo xtask pictures` makes them
//! again). The CloudWatch console cannot be photographed here, so the handout describes the
//! dashboard instead: that description names each of its widgets.
//!
//! Quick: it reads and hashes files (no Docker, no browser).

fn read(relative: &str) -> String {
    std::fs::read_to_string(xtask::kit_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

#[test]
fn every_picture_the_handout_shows_is_there_and_up_to_date() {
    let problems = xtask::pictures::problems(&xtask::kit_root()).expect("a readable record");
    assert!(
        problems.is_empty(),
        "the handout's pictures are missing or stale:\n  {}\n\nRun `cargo xtask pictures` and \
         commit docs/pictures/ (it needs Docker with the PostgreSQL image, k6, jq and Chromium). \
         When the solution's telemetry changed, check the drawing in \
         xtask/src/pictures/request_path.rs against it first: it is written by hand.",
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
        widgets.len() >= 4,
        "terraform/dashboard.tf has widgets {widgets:?}: the reading of its titles broke"
    );
    let handout = read(xtask::pictures::HANDOUT);
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
