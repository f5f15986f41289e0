//! What students receive finds no planted bug for them: the handed-out docs (as the student
//! edition writes them), the snapshots a grader message points to and every level of every
//! hint hold no giveaway (`student_facing/giveaways.rs` says what counts as one). The grader's
//! own messages on the untouched starter are checked where they are made,
//! `selftest/tests/autograder.rs`.

#[path = "student_facing/giveaways.rs"]
mod giveaways;

use giveaways::giveaways;

/// The docs a student gets, relative to the kit's root.
const HANDED_OUT: &[&str] = &[
    "docs/handout.md",
    "docs/api.md",
    "k6/README.md",
    "xtask/student-edition/README.md",
];

fn read(file: &str) -> String {
    std::fs::read_to_string(xtask::kit_root().join(file))
        .unwrap_or_else(|error| panic!("{file}: {error}"))
}

#[test]
fn the_handed_out_docs_give_no_bug_away() {
    for file in HANDED_OUT {
        let text = xtask::student_repo::student_edition_of(&read(file), true)
            .unwrap_or_else(|error| panic!("{file}: {error:#}"));
        assert_eq!(giveaways(&text), Vec::<String>::new(), "{file}");
    }
}

#[test]
fn the_snapshots_messages_point_to_give_no_bug_away() {
    let folder = xtask::kit_root().join("checks/snapshots");
    let mut read_any = false;
    for entry in std::fs::read_dir(&folder).expect("checks/snapshots") {
        let path = entry.expect("an entry").path();
        let text = std::fs::read_to_string(&path).expect("a snapshot");
        assert_eq!(giveaways(&text), Vec::<String>::new(), "{}", path.display());
        read_any = true;
    }
    assert!(read_any, "no snapshot in {}", folder.display());
}

#[test]
fn no_hint_gives_a_bug_away() {
    for hint in checks::hints::HINTS {
        for (level, text) in hint.levels.iter().enumerate() {
            assert_eq!(
                giveaways(text),
                Vec::<String>::new(),
                "{} level {}",
                hint.task,
                level + 1
            );
        }
    }
}

#[test]
fn the_giveaways_of_the_old_texts_are_found() {
    for text in [
        "requests went to /api/v1/todos/undefined (2 lines of the app's log mention it)",
        "delete by `request.json().id`",
        "| `POST /api/v1/todos` | **201** the todo created |",
        "a create answers 201 Created, not 200",
        "the POST should answer 201",
        "`✗ todo created  ↳ 0% — ✓ 0 / ✗ 1000` means",
        "`GET /api/v1/todos` answered 404, expected 200",
    ] {
        assert!(!giveaways(text).is_empty(), "not found in {text:?}");
    }
    for text in [
        "| `POST /api/v1/todos` | 201 the todo created |",
        "the app answered 2 DELETE requests with 404 during the run",
        "2 of 66 k6 checks failed",
        "`✗ some check  ↳ 90% — ✓ 900 / ✗ 100`",
    ] {
        assert_eq!(giveaways(text), Vec::<String>::new(), "{text:?}");
    }
}
