//! What `terraform init` and checkov read: providers pinned to exact versions and locked with
//! their checksums, and every checkov skip with its reason.

use std::fs;
use std::path::Path;

use hcl::Value;

use super::config::{attribute, constant, labels, Config};

/// Every provider has an exact version, and `.terraform.lock.hcl` has that version with
/// checksums for every platform (`zh:`) and at least one package checksum (`h1:`).
pub(super) fn providers_pinned_and_locked(dir: &Path, config: &Config, found: &mut Vec<String>) {
    let lock = fs::read_to_string(dir.join(".terraform.lock.hcl"))
        .map_err(|error| error.to_string())
        .and_then(|text| hcl::parse(&text).map_err(|error| error.to_string()));
    let lock = match lock {
        Ok(lock) => lock,
        Err(error) => {
            found.push(format!(
                "terraform/.terraform.lock.hcl cannot be read: {error}"
            ));
            return;
        }
    };
    let mut required = 0;
    for (file, block) in config.blocks("terraform") {
        for providers in block
            .body()
            .blocks()
            .filter(|inner| inner.identifier() == "required_providers")
        {
            for provider in providers.body().attributes() {
                required += 1;
                let name = provider.key();
                let settings = constant(provider.expr()).ok();
                let setting = |key: &str| {
                    settings
                        .as_ref()
                        .and_then(Value::as_object)
                        .and_then(|settings| settings.get(key))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let (Some(source), Some(version)) = (setting("source"), setting("version")) else {
                    found.push(format!(
                        "{}: provider {name} needs a source and a version",
                        file.name
                    ));
                    continue;
                };
                let exact = version.split('.').count() == 3
                    && version.split('.').all(|part| part.parse::<u32>().is_ok());
                if !exact {
                    found.push(format!(
                        "{}: provider {name}: version = \"{version}\" is not an exact version",
                        file.name
                    ));
                    continue;
                }
                let address = format!("registry.terraform.io/{source}");
                let entry = lock.blocks().find(|entry| {
                    entry.identifier() == "provider" && labels(entry) == [address.as_str()]
                });
                let locked_version = entry
                    .and_then(|entry| constant(attribute(entry.body(), "version")?).ok())
                    .and_then(|version| version.as_str().map(str::to_owned));
                let hashes: Vec<String> = entry
                    .and_then(|entry| constant(attribute(entry.body(), "hashes")?).ok())
                    .and_then(|hashes| hashes.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|hash| hash.as_str().map(str::to_owned))
                    .collect();
                let count = |prefix: &str| hashes.iter().filter(|h| h.starts_with(prefix)).count();
                if locked_version.as_deref() != Some(version.as_str()) {
                    found.push(format!(
                        "terraform/.terraform.lock.hcl: {address} is locked at {locked_version:?}, \
                         not {version}"
                    ));
                } else if count("zh:") < 8 || count("h1:") < 1 {
                    found.push(format!(
                        "terraform/.terraform.lock.hcl: {address} needs the registry's zh: \
                         checksums (every platform) and an h1: checksum"
                    ));
                }
            }
        }
    }
    if required == 0 {
        found.push("no terraform { required_providers { ... } } block".to_owned());
    }
}

/// `.checkov.yaml` gives every check it skips a reason on the same line.
pub(super) fn checkov_skips_have_reasons(dir: &Path, found: &mut Vec<String>) {
    let Ok(text) = fs::read_to_string(dir.join(".checkov.yaml")) else {
        found.push("terraform/.checkov.yaml is missing".to_owned());
        return;
    };
    let mut skipped = 0;
    for line in text.lines() {
        let Some(entry) = line.trim().strip_prefix("- CKV") else {
            continue;
        };
        skipped += 1;
        let reason = entry
            .split_once('#')
            .map_or("", |(_, reason)| reason.trim());
        if reason.split_whitespace().count() < 4 {
            found.push(format!(
                "terraform/.checkov.yaml: `{}` is skipped without a reason on its line",
                line.trim()
            ));
        }
    }
    if skipped == 0 && !text.contains("skip-check") {
        found.push("terraform/.checkov.yaml skips nothing: is it the checkov config?".to_owned());
    }
}
