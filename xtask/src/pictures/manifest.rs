//! The record of what each picture was made from: `docs/pictures/sources.json` maps each
//! picture to the SHA-256 of the few files it was made from. A picture is stale when one of those
//! files changed since, or when the command now makes it from other files; the kit's test then
//! says to run `cargo xtask pictures` again.
//!
//! The record holds nothing that changes from one run to the next (no date, no hash of the PNG),
//! so remaking the pictures without changing a source leaves it as it was.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// The record, relative to the kit's root.
pub const MANIFEST: &str = "docs/pictures/sources.json";

/// Picture file name (in `docs/pictures/`) → source path (relative to the kit's root, `/`
/// between folders) → SHA-256 of the source, in lowercase hex.
pub type Manifest = BTreeMap<String, BTreeMap<String, String>>;

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The hash of each source, read from under `root`.
pub fn hash_sources(root: &Path, sources: &[&str]) -> anyhow::Result<BTreeMap<String, String>> {
    sources
        .iter()
        .map(|source| {
            let bytes = std::fs::read(root.join(source))
                .with_context(|| format!("cannot read {source}, a source of a picture"))?;
            Ok(((*source).to_owned(), sha256_hex(&bytes)))
        })
        .collect()
}

/// The record under `root`; none yet is an empty record.
pub fn read(root: &Path) -> anyhow::Result<Manifest> {
    let path = root.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{MANIFEST} is not a map of picture → source → hash")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::new()),
        Err(error) => Err(error).with_context(|| format!("cannot read {MANIFEST}")),
    }
}

/// The record as it is written: pretty JSON, keys in order, a final newline (stable under
/// rewriting).
pub fn to_json(manifest: &Manifest) -> String {
    let mut text = serde_json::to_string_pretty(manifest).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

pub fn write(root: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let path = root.join(MANIFEST);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&path, to_json(manifest)).with_context(|| format!("cannot write {MANIFEST}"))
}

/// Why a picture is not what `cargo xtask pictures` would make now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// The PNG is not in `docs/pictures/`.
    Missing { picture: String },
    /// The record has no entry for it.
    NotRecorded { picture: String },
    /// The command makes it from other sources than the ones recorded.
    OtherSources {
        picture: String,
        recorded: Vec<String>,
        declared: Vec<String>,
    },
    /// A source changed since the picture was made.
    SourceChanged { picture: String, source: String },
    /// A recorded source is gone.
    SourceGone { picture: String, source: String },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { picture } => write!(f, "docs/pictures/{picture} is missing"),
            Self::NotRecorded { picture } => {
                write!(f, "{picture} has no entry in {MANIFEST}")
            }
            Self::OtherSources {
                picture,
                recorded,
                declared,
            } => write!(
                f,
                "{picture} was made from {recorded:?}, but the command now makes it from \
                 {declared:?}"
            ),
            Self::SourceChanged { picture, source } => {
                write!(f, "{source} changed since {picture} was made")
            }
            Self::SourceGone { picture, source } => {
                write!(f, "{source}, a source of {picture}, is gone")
            }
        }
    }
}

/// What is out of date about `picture` (a file in `folder`), which the command makes from
/// `sources`: nothing when the PNG is there and every source has the hash the record holds.
pub fn stale(
    root: &Path,
    folder: &str,
    manifest: &Manifest,
    picture: &str,
    sources: &[&str],
) -> Vec<Stale> {
    let mut found = Vec::new();
    let name = picture.to_owned();
    if !root.join(folder).join(picture).is_file() {
        found.push(Stale::Missing {
            picture: name.clone(),
        });
    }
    let Some(recorded) = manifest.get(picture) else {
        found.push(Stale::NotRecorded { picture: name });
        return found;
    };
    let mut declared: Vec<String> = sources.iter().map(|s| (*s).to_owned()).collect();
    declared.sort();
    let recorded_sources: Vec<String> = recorded.keys().cloned().collect();
    if recorded_sources != declared {
        found.push(Stale::OtherSources {
            picture: name,
            recorded: recorded_sources,
            declared,
        });
        return found;
    }
    for (source, hash) in recorded {
        match std::fs::read(root.join(source)) {
            Ok(bytes) if sha256_hex(&bytes) == *hash => {}
            Ok(_) => found.push(Stale::SourceChanged {
                picture: name.clone(),
                source: source.clone(),
            }),
            Err(_) => found.push(Stale::SourceGone {
                picture: name.clone(),
                source: source.clone(),
            }),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOLDER: &str = "docs/pictures";

    /// A kit root with two sources and one picture, recorded as made from both.
    fn kit() -> (tempfile::TempDir, Manifest) {
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(root.path().join(FOLDER)).expect("the pictures folder");
        std::fs::create_dir_all(root.path().join("k6")).expect("a source folder");
        std::fs::write(root.path().join("k6/script.js"), "export default 1;\n").expect("write");
        std::fs::write(root.path().join(FOLDER).join("path.dot"), "digraph {}\n").expect("write");
        std::fs::write(root.path().join(FOLDER).join("one.png"), b"\x89PNG").expect("write");
        let sources = ["k6/script.js", "docs/pictures/path.dot"];
        let hashes = hash_sources(root.path(), &sources).expect("hashes");
        let manifest = Manifest::from([("one.png".to_owned(), hashes)]);
        (root, manifest)
    }

    const SOURCES: &[&str] = &["k6/script.js", "docs/pictures/path.dot"];

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex(b"abc").len(), 64);
    }

    #[test]
    fn a_picture_made_from_unchanged_sources_is_up_to_date() {
        let (root, manifest) = kit();
        assert_eq!(
            stale(root.path(), FOLDER, &manifest, "one.png", SOURCES),
            Vec::new()
        );
        // The order the command lists its sources in does not matter.
        let reversed = ["docs/pictures/path.dot", "k6/script.js"];
        assert_eq!(
            stale(root.path(), FOLDER, &manifest, "one.png", &reversed),
            Vec::new()
        );
    }

    #[test]
    fn a_changed_source_makes_the_picture_stale() {
        let (root, manifest) = kit();
        std::fs::write(root.path().join("k6/script.js"), "export default 2;\n").expect("write");
        assert_eq!(
            stale(root.path(), FOLDER, &manifest, "one.png", SOURCES),
            vec![Stale::SourceChanged {
                picture: "one.png".into(),
                source: "k6/script.js".into()
            }]
        );
    }

    #[test]
    fn a_removed_source_makes_the_picture_stale() {
        let (root, manifest) = kit();
        std::fs::remove_file(root.path().join("docs/pictures/path.dot")).expect("remove");
        assert_eq!(
            stale(root.path(), FOLDER, &manifest, "one.png", SOURCES),
            vec![Stale::SourceGone {
                picture: "one.png".into(),
                source: "docs/pictures/path.dot".into()
            }]
        );
    }

    #[test]
    fn a_missing_png_or_record_is_reported() {
        let (root, manifest) = kit();
        std::fs::remove_file(root.path().join(FOLDER).join("one.png")).expect("remove");
        assert_eq!(
            stale(root.path(), FOLDER, &manifest, "one.png", SOURCES),
            vec![Stale::Missing {
                picture: "one.png".into()
            }]
        );
        assert_eq!(
            stale(root.path(), FOLDER, &Manifest::new(), "one.png", SOURCES),
            vec![
                Stale::Missing {
                    picture: "one.png".into()
                },
                Stale::NotRecorded {
                    picture: "one.png".into()
                }
            ]
        );
    }

    #[test]
    fn other_declared_sources_make_the_picture_stale() {
        let (root, manifest) = kit();
        let found = stale(root.path(), FOLDER, &manifest, "one.png", &["k6/script.js"]);
        assert_eq!(
            found,
            vec![Stale::OtherSources {
                picture: "one.png".into(),
                recorded: vec!["docs/pictures/path.dot".into(), "k6/script.js".into()],
                declared: vec!["k6/script.js".into()],
            }]
        );
        assert!(found[0].to_string().contains("now makes it from"));
    }

    #[test]
    fn the_record_reads_back_as_written_and_rewrites_identically() {
        let (root, manifest) = kit();
        write(root.path(), &manifest).expect("write the record");
        let first = std::fs::read_to_string(root.path().join(MANIFEST)).expect("read");
        assert_eq!(read(root.path()).expect("read the record"), manifest);
        write(root.path(), &read(root.path()).expect("read")).expect("rewrite");
        let second = std::fs::read_to_string(root.path().join(MANIFEST)).expect("read");
        assert_eq!(first, second);
        assert!(first.ends_with("}\n"));
    }

    #[test]
    fn no_record_is_empty_and_a_broken_one_is_an_error() {
        let root = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(read(root.path()).expect("no record"), Manifest::new());
        std::fs::create_dir_all(root.path().join("docs/pictures")).expect("folder");
        std::fs::write(root.path().join(MANIFEST), "[1, 2]").expect("write");
        let error = read(root.path()).expect_err("a list is not a record");
        assert!(format!("{error:#}").contains("sources.json"), "{error:#}");
    }

    #[test]
    fn an_unreadable_source_is_named() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let error = hash_sources(root.path(), &["k6/none.js"]).expect_err("no such file");
        assert!(format!("{error:#}").contains("k6/none.js"), "{error:#}");
    }
}
