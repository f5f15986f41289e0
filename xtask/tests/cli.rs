//! `cargo xtask --help` names itself as it is typed, and lists every command.

use std::process::Command;

fn xtask(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn help_names_cargo_xtask_and_its_commands() {
    let (ok, text) = xtask(&["--help"]);
    assert!(ok, "{text}");
    assert!(text.contains("Usage: cargo xtask <COMMAND>"), "{text}");
    for command in ["test", "calibrate", "bench"] {
        assert!(text.contains(&format!("  {command} ")), "{text}");
    }
    let (ok, text) = xtask(&["calibrate", "runs", "--help"]);
    assert!(ok, "{text}");
    assert!(text.contains("Usage: cargo xtask calibrate runs"), "{text}");
}

#[test]
fn bad_options_are_refused_with_a_message() {
    let (ok, text) = xtask(&["calibrate", "runs", "--only", "xyz", "--table-only"]);
    assert!(!ok);
    assert!(text.contains("--only takes letters of abcd"), "{text}");
    let (ok, text) = xtask(&["bench", "--connections", "many"]);
    assert!(!ok);
    assert!(text.contains("invalid value 'many'"), "{text}");
}
