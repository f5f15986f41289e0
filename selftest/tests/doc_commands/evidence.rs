//! The handout's export of the deployment's log events ("Evidence of your deployment"): the two
//! times run for real, the AWS CLI command (which needs AWS) checked against the files it uses.

use std::path::Path;

use checks::tasks::deployment_evidence::{FILE, FILTER_PATTERN, LOG_GROUP};
use selftest::doc_commands::read;
use selftest::doc_commands::shell::run;
use selftest::kit_root;

/// `NAME=$(date +%s000)`: the shell gives NAME the time in milliseconds.
pub(crate) fn milliseconds_now(command: &str) -> Result<(), String> {
    let name = command
        .split_once('=')
        .map(|(name, _)| name)
        .ok_or_else(|| format!("`{command}` sets no variable"))?;
    let output = run(&format!("{command}; echo \"${name}\""), &kit_root(), &[])?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let ms: i64 = printed
        .parse()
        .map_err(|_| format!("{name} is {printed:?}, not a number"))?;
    let now = chrono::Utc::now().timestamp_millis();
    if (ms - now).abs() > 60_000 {
        return Err(format!("{name} is {ms}, but now is {now} ms since 1970"));
    }
    Ok(())
}

/// The export of the deployment's log events: what it asks CloudWatch for and where it writes.
pub(crate) fn evidence_export(command: &str) -> Result<(), String> {
    let logs = read("terraform/logs.tf");
    if !logs.contains(&format!("app_log_group = \"{LOG_GROUP}\"")) {
        return Err(format!(
            "terraform/logs.tf does not create log group {LOG_GROUP}"
        ));
    }
    for part in [
        format!("--log-group-name {LOG_GROUP} "),
        "--start-time \"$START_MS\" --end-time \"$END_MS\"".to_owned(),
        format!("--filter-pattern '{FILTER_PATTERN}'"),
        "--output json".to_owned(),
    ] {
        if !command.contains(&part) {
            return Err(format!("the command lacks `{part}`"));
        }
    }
    if !command.ends_with(&format!("> {FILE}")) || !checks::lab_files::is_lab_file(FILE) {
        return Err(format!("the command does not write {FILE}, a lab file"));
    }
    if !kit_root().join(FILE).parent().is_some_and(Path::is_dir) {
        return Err(format!(
            "the folder of {FILE} is missing, so the redirection fails"
        ));
    }
    Ok(())
}
