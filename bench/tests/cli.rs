//! `loadgen` has a real command line: `--help` works, and bad input gets a clear message and
//! exit code 2, never a panic or a backtrace.

use std::process::Command;

fn loadgen(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("loadgen runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_the_commands() {
    let (code, stdout, stderr) = loadgen(&["--help"]);
    assert_eq!(code, Some(0), "{stderr}");
    for command in ["get", "pairs", "wait-healthy"] {
        assert!(stdout.contains(command), "{stdout}");
    }
    let (code, stdout, _) = loadgen(&["get", "--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("--connections"), "{stdout}");
}

#[test]
fn bad_input_is_a_message_not_a_panic() {
    for args in [
        &[][..],
        &["get"][..],
        &["get", "--url", "https://example.com/"][..],
        &[
            "pairs",
            "--url",
            "http://127.0.0.1:1/",
            "--connections",
            "0",
        ][..],
        &["get", "--url", "http://127.0.0.1:1/", "--duration", "soon"][..],
    ] {
        let (code, _, stderr) = loadgen(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn an_app_that_never_answers_is_an_error_message() {
    let (code, _, stderr) = loadgen(&[
        "wait-healthy",
        "--url",
        "http://127.0.0.1:1/api/v1/health",
        "--since-ns",
        "0",
        "--timeout",
        "0.2",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with("loadgen: no 200"), "{stderr}");
}
