//! `docs/pictures/sources.json`: for each picture, the sha256 of each file it was made from,
//! as they were when `cargo xtask pictures` made it. A picture whose sources hash otherwise
//! now shows something that has changed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use checks::template::{file_sha256, sha256_hex};

use super::{Picture, FOLDER};

pub const FILE: &str = "docs/pictures/sources.json";

/// Picture file name → (source path → sha256).
pub type Record = BTreeMap<String, BTreeMap<String, String>>;

pub fn hash(root: &Path, sources: &[&str]) -> anyhow::Result<BTreeMap<String, String>> {
    sources
        .iter()
        .map(|source| Ok(((*source).to_owned(), file_sha256(&root.join(source))?)))
        .collect()
}

/// The record, or an empty one before the first run.
pub fn read(root: &Path) -> anyhow::Result<Record> {
    match std::fs::read_to_string(root.join(FILE)) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("{FILE} is not a record")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Record::new()),
        Err(error) => Err(error).with_context(|| format!("cannot read {FILE}")),
    }
}

pub fn write(root: &Path, record: &Record) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(record)? + "\n";
    std::fs::write(root.join(FILE), text).with_context(|| format!("cannot write {FILE}"))
}

/// Why `picture` is not what its sources show now: missing, never recorded, or a source
/// whose hash differs from the recorded one (or that cannot be read).
pub fn stale(root: &Path, record: &Record, picture: &Picture) -> Vec<String> {
    let file = picture.file;
    if !root.join(FOLDER).join(file).is_file() {
        return vec![format!("{FOLDER}/{file} is missing")];
    }
    let Some(recorded) = record.get(file) else {
        return vec![format!("{FILE} has no sources for {file}")];
    };
    let mut problems = Vec::new();
    let listed: Vec<&String> = recorded.keys().collect();
    let mut sources = picture.sources.to_vec();
    sources.sort_unstable();
    if listed != sources {
        problems.push(format!(
            "{file} was made from {listed:?}, but is now made from {:?}",
            picture.sources
        ));
    }
    for source in picture.sources {
        let now = std::fs::read(root.join(source)).map(|bytes| sha256_hex(&bytes));
        match (now, recorded.get(*source)) {
            (Ok(now), Some(then)) if now == *then => {}
            (Ok(_), Some(_)) => problems.push(format!("{source} changed since {file} was made")),
            (Ok(_), None) => {}
            (Err(error), _) => problems.push(format!("{source} ({file}): {error}")),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    // Not in order: the record keeps them sorted.
    const PICTURE: Picture = Picture {
        file: "p.png",
        sources: &["b.txt", "a.txt"],
    };

    fn kit_with_picture() -> anyhow::Result<(tempfile::TempDir, Record)> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join(FOLDER))?;
        std::fs::write(dir.path().join(FOLDER).join("p.png"), "png")?;
        std::fs::write(dir.path().join("a.txt"), "a")?;
        std::fs::write(dir.path().join("b.txt"), "b")?;
        let mut record = Record::new();
        record.insert("p.png".to_owned(), hash(dir.path(), PICTURE.sources)?);
        Ok((dir, record))
    }

    #[test]
    fn a_picture_made_from_its_sources_as_they_are_is_fine() -> anyhow::Result<()> {
        let (dir, record) = kit_with_picture()?;
        write(dir.path(), &record)?;
        assert_eq!(
            stale(dir.path(), &read(dir.path())?, &PICTURE),
            Vec::<String>::new()
        );
        Ok(())
    }

    #[test]
    fn a_changed_source_or_a_missing_picture_is_found() -> anyhow::Result<()> {
        let (dir, record) = kit_with_picture()?;
        std::fs::write(dir.path().join("b.txt"), "b, edited")?;
        assert_eq!(
            stale(dir.path(), &record, &PICTURE),
            vec!["b.txt changed since p.png was made"]
        );
        assert_eq!(
            stale(dir.path(), &Record::new(), &PICTURE),
            vec![format!("{FILE} has no sources for p.png")]
        );
        std::fs::remove_file(dir.path().join(FOLDER).join("p.png"))?;
        assert_eq!(
            stale(dir.path(), &record, &PICTURE),
            vec![format!("{FOLDER}/p.png is missing")]
        );
        Ok(())
    }
}
