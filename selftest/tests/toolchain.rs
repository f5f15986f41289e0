//! The toolchain the kit says it needs is the one it does need: `rust-version` in Cargo.toml is
//! at least what every locked dependency the kit builds asks for, the READMEs say that version,
//! and rust-toolchain.toml picks the stable channel with the tools the lab uses.

use std::collections::BTreeMap;
use std::process::Command;

use selftest::kit_root;
use serde_json::Value;

fn read(relative: &str) -> String {
    std::fs::read_to_string(kit_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

/// A `rust-version` as numbers, a missing patch (or minor) being 0: "1.94" is 1.94.0.
fn version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.split('.').map(|part| part.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    parts.next().is_none().then_some((major, minor, patch))
}

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .current_dir(kit_root())
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {cargo}: {error}"));
    assert!(
        output.status.success(),
        "cargo {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

/// `name version` of every package a build of the workspace compiles on this platform (normal,
/// build and the members' dev-dependencies, with the features the build turns on). Cargo's
/// metadata lists more: optional dependencies a weak feature (`dep?/feature`) names but nothing
/// turns on, which no build compiles.
fn built_packages() -> Vec<(String, String)> {
    let tree = cargo(&[
        "tree",
        "--workspace",
        "--locked",
        "--offline",
        "--edges",
        "normal,build,dev",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let mut packages: Vec<(String, String)> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?;
            let version = words.next()?.strip_prefix('v')?;
            Some((name.to_owned(), version.to_owned()))
        })
        .collect();
    packages.sort();
    packages.dedup();
    packages
}

/// What Cargo's metadata says about `rust-version`s.
struct RustVersions {
    /// (name, version) -> `rust-version`, for every locked package that declares one.
    dependencies: BTreeMap<(String, String), String>,
    /// The workspace's, which every member inherits.
    workspace: String,
}

/// This machine's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {rustc}: {error}"));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .unwrap_or_else(|| panic!("{rustc} -vV names no host"))
        .to_owned()
}

/// The packages the kit builds here: offline, the crates only other platforms use are not at
/// hand (Cargo fetches a platform's crates when it builds for it).
fn rust_versions() -> RustVersions {
    let host = host_triple();
    let metadata: Value = serde_json::from_str(&cargo(&[
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--offline",
        "--filter-platform",
        &host,
    ]))
    .expect("cargo metadata prints JSON");
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace_members")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut dependencies = BTreeMap::new();
    let mut own = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let (Some(name), Some(version), Some(id)) = (
            package["name"].as_str(),
            package["version"].as_str(),
            package["id"].as_str(),
        ) else {
            continue;
        };
        let rust_version = package["rust_version"].as_str().unwrap_or_default();
        if members.contains(&id) {
            own.push((name.to_owned(), rust_version.to_owned()));
        } else if !rust_version.is_empty() {
            dependencies.insert(
                (name.to_owned(), version.to_owned()),
                rust_version.to_owned(),
            );
        }
    }
    let first = own
        .first()
        .map(|(_, version)| version.clone())
        .unwrap_or_default();
    assert!(
        own.iter().all(|(_, version)| *version == first) && version(&first).is_some(),
        "every member should inherit the workspace's rust-version: {own:?}"
    );
    RustVersions {
        dependencies,
        workspace: first,
    }
}

#[test]
fn rust_version_covers_every_dependency_the_kit_builds() {
    let RustVersions {
        dependencies: declared,
        workspace: ours,
    } = rust_versions();
    let built = built_packages();
    assert!(
        built.len() > 100,
        "cargo tree listed only {} packages",
        built.len()
    );
    let needs: Vec<(&String, &String, &String)> = built
        .iter()
        .filter_map(|key| {
            declared
                .get_key_value(key)
                .map(|((name, version), rust)| (name, version, rust))
        })
        .collect();
    let highest = needs
        .iter()
        .filter_map(|(_, _, rust)| version(rust))
        .max()
        .expect("some dependency declares a rust-version");
    let above: Vec<String> = needs
        .iter()
        .filter(|(_, _, rust)| version(rust) > version(&ours))
        .map(|(name, version, rust)| format!("{name} {version} needs Rust {rust}"))
        .collect();
    assert!(
        above.is_empty(),
        "Cargo.toml says rust-version = \"{ours}\", but the locked dependencies need more \
         (raise it to {}.{}.{}):\n  {}",
        highest.0,
        highest.1,
        highest.2,
        above.join("\n  ")
    );
}

#[test]
fn the_version_comparison_reads_short_and_long_versions() {
    assert_eq!(version("1.94.1"), Some((1, 94, 1)));
    assert_eq!(version("1.85"), Some((1, 85, 0)));
    assert!(version("1.85") < version("1.94.1"));
    assert!(version("1.100") > version("1.99.9"));
    assert_eq!(version("1.x"), None);
    assert_eq!(version("1.2.3.4"), None);
}

/// The text of the `## What you need` section of a README.
fn what_you_need(readme: &str) -> &str {
    let start = readme
        .find("\n## What you need\n")
        .expect("a section \"What you need\"");
    let rest = &readme[start + 1..];
    rest[3..].find("\n## ").map_or(rest, |end| &rest[..end + 3])
}

#[test]
fn the_readmes_say_the_minimum_rust_version() {
    let ours = rust_versions().workspace;
    for readme in ["README.md", "xtask/student-edition/README.md"] {
        let text = read(readme);
        let wanted = format!("Rust {ours} or later");
        assert!(
            what_you_need(&text).contains(&wanted),
            "{readme}'s \"What you need\" should say {wanted:?} (Cargo.toml's rust-version)"
        );
    }
}

#[test]
fn rust_toolchain_toml_picks_stable_with_rustfmt_and_clippy() {
    let text = read("rust-toolchain.toml");
    let setting = |key: &str| {
        text.lines()
            .filter_map(|line| line.split_once('='))
            .find(|(name, _)| name.trim() == key)
            .map(|(_, value)| value.trim().to_owned())
            .unwrap_or_else(|| panic!("rust-toolchain.toml sets no {key}"))
    };
    // A version here would make rustup download it on a machine that has only its stable.
    assert_eq!(setting("channel"), "\"stable\"");
    let components = setting("components");
    for tool in ["\"rustfmt\"", "\"clippy\""] {
        assert!(
            components.contains(tool),
            "components should name {tool}: {components}"
        );
    }
}
