//! File patterns as Terraform's `fileset` reads them, and the build context as Docker reads
//! `.dockerignore`: the two ways terraform/ecr.tf's image tag and `docker build` choose files,
//! written from each tool's documentation so that the kit can compare them.

use std::fs;
use std::path::Path;

use regex::Regex;

/// Appends the regular expression of one glob character run: `**` spans folders, `*` and `?`
/// stay within one, `{a,b}` is either (fileset only), `[...]` is a class, anything else is
/// itself.
fn glob_to_regex(pattern: &str, braces: bool) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut regex = String::new();
    let mut i = 0;
    let mut depth = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                if chars.get(i + 2) == Some(&'/') {
                    regex.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    regex.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => regex.push_str("[^/]*"),
            '?' => regex.push_str("[^/]"),
            '[' => {
                let end = chars[i..].iter().position(|c| *c == ']').map(|at| at + i);
                if let Some(end) = end {
                    let class: String = chars[i + 1..end].iter().collect();
                    let class = class
                        .strip_prefix('!')
                        .map_or(class.clone(), |rest| format!("^{rest}"));
                    regex.push('[');
                    regex.push_str(&class);
                    regex.push(']');
                    i = end + 1;
                    continue;
                }
                regex.push_str("\\[");
            }
            '{' if braces => {
                depth += 1;
                regex.push_str("(?:");
            }
            ',' if braces && depth > 0 => regex.push('|'),
            '}' if braces && depth > 0 => {
                depth -= 1;
                regex.push(')');
            }
            '\\' if i + 1 < chars.len() => {
                regex.push_str(&regex::escape(&chars[i + 1].to_string()));
                i += 1;
            }
            other => regex.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    regex
}

/// Every file under `dir` (relative, with `/`), in name order; folders that are symbolic links
/// are not followed.
fn files_under(dir: &Path, prefix: &str, found: &mut Vec<String>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries: Vec<_> = entries
        .collect::<Result<_, _>>()
        .map_err(|error| format!("{}: {error}", dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|error| format!("{}: {error}", entry.path().display()))?;
        if kind.is_dir() {
            files_under(&entry.path(), &relative, found)?;
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            found.push(relative);
        }
    }
    Ok(())
}

/// Terraform's `fileset(base, pattern)`: the files under `base` whose path relative to it
/// matches `pattern`, sorted. Only the folder before the pattern's first wildcard is walked.
pub fn fileset(base: &Path, pattern: &str) -> Result<Vec<String>, String> {
    if !pattern.contains(['*', '?', '[', '{', '\\']) {
        return Ok(if base.join(pattern).is_file() {
            vec![pattern.to_owned()]
        } else {
            Vec::new()
        });
    }
    let regex = Regex::new(&format!("^{}$", glob_to_regex(pattern, true)))
        .map_err(|error| format!("fileset pattern {pattern:?}: {error}"))?;
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{', '\\']))
        .collect();
    // The last part may be the file itself: walk from its folder.
    let walked = &literal[..literal.len().min(pattern.split('/').count() - 1)];
    let start = walked.join("/");
    let mut found = Vec::new();
    files_under(&base.join(&start), &start, &mut found)?;
    let mut matching: Vec<String> = found
        .into_iter()
        .filter(|path| regex.is_match(path))
        .collect();
    matching.sort();
    Ok(matching)
}

/// One line of a `.dockerignore`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// A `!` line: takes back what earlier lines left out.
    pub keep: bool,
    pub pattern: String,
    regex: Regex,
}

impl Rule {
    /// Whether the rule matches `path` or one of the folders above it (Docker's rule).
    pub fn matches(&self, path: &str) -> bool {
        let mut prefix = String::new();
        for (index, part) in path.split('/').enumerate() {
            if index > 0 {
                prefix.push('/');
            }
            prefix.push_str(part);
            if self.regex.is_match(&prefix) {
                return true;
            }
        }
        false
    }
}

/// The lines of a `.dockerignore` as Docker reads them: comments and blank lines dropped, each
/// pattern trimmed and cleaned of a leading and trailing `/`.
pub fn dockerignore_rules(text: &str) -> Result<Vec<Rule>, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (keep, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let pattern = pattern.trim_matches('/').to_owned();
            let regex = Regex::new(&format!("^{}$", glob_to_regex(&pattern, false)))
                .map_err(|error| format!(".dockerignore line {line:?}: {error}"))?;
            Ok(Rule {
                keep,
                pattern,
                regex,
            })
        })
        .collect()
}

/// Whether Docker sends `path`: the last line that matches it decides, and none means yes.
pub fn sent(rules: &[Rule], path: &str) -> bool {
    rules
        .iter()
        .rev()
        .find(|rule| rule.matches(path))
        .is_none_or(|rule| rule.keep)
}

/// The files of `root` that `docker build root` sends as its build context, with
/// `root/.dockerignore` applied, sorted. A folder that is left out and that no `!` line could
/// take back from is not walked (so a large target/ costs nothing).
pub fn docker_context(root: &Path) -> Result<Vec<String>, String> {
    let text = fs::read_to_string(root.join(".dockerignore")).unwrap_or_default();
    let rules = dockerignore_rules(&text)?;
    let mut found = Vec::new();
    walk_context(root, "", &rules, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk_context(
    dir: &Path,
    prefix: &str,
    rules: &[Rule],
    found: &mut Vec<String>,
) -> Result<(), String> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|error| format!("{}: {error}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|error| format!("{}: {error}", dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|error| format!("{}: {error}", entry.path().display()))?;
        if kind.is_dir() {
            let could_come_back = rules.iter().any(|rule| {
                rule.keep
                    && (rule.pattern.starts_with("**")
                        || rule.pattern.starts_with(&format!("{relative}/"))
                        || !rule.pattern.contains('/') && rule.pattern.contains(['*', '?', '[']))
            });
            if sent(rules, &relative) || could_come_back {
                walk_context(&entry.path(), &relative, rules, found)?;
            }
        } else if sent(rules, &relative) {
            found.push(relative);
        }
    }
    Ok(())
}
