//! The workspace's modules import one another without a circle: in each crate, the graph of its
//! top-level modules (a file `src/NAME.rs` or a folder `src/NAME/`) and the `crate::NAME` paths
//! between them has no cycle, tests included.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use selftest::kit_root;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level modules named by `crate::` paths in `text`, `crate::{a, b::c}` included.
fn modules_named(text: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let preceded = text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if preceded {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            named.extend(group.split(',').filter_map(|item| first_name(item.trim())));
        } else if let Some(name) = first_name(rest) {
            named.insert(name);
        }
    }
    named
}

fn first_name(path: &str) -> Option<String> {
    let name: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name.starts_with(|c: char| c.is_lowercase())).then_some(name)
}

/// The module graph of one crate's `src/`.
fn graph_of(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("inside");
            let first = relative.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let module = if ["lib", "main"].contains(&module.as_str()) || module == "bin" {
                "<crate root>".to_owned()
            } else {
                module
            };
            let text = fs::read_to_string(&path).expect("readable");
            let edges = graph.entry(module.clone()).or_default();
            edges.extend(
                modules_named(&text)
                    .into_iter()
                    .filter(|name| *name != module),
            );
        }
    }
    graph
}

/// One cycle of the graph, as its modules in order, if it has one.
fn a_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_of_the_workspace_has_an_import_circle() {
    let root = kit_root();
    let mut circles = Vec::new();
    for entry in fs::read_dir(&root).expect("the kit").flatten() {
        let src = entry.path().join("src");
        if entry.path().join("Cargo.toml").is_file() && src.is_dir() {
            if let Some(cycle) = a_cycle(&graph_of(&src)) {
                circles.push(format!(
                    "{}: {}",
                    entry.file_name().to_string_lossy(),
                    cycle.join(" -> ")
                ));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn a_circle_is_found_and_a_line_is_not() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |file: &str, text: &str| fs::write(dir.path().join(file), text).expect("written");
    write("lib.rs", "mod task;\nmod target;\nmod report;\n");
    write("task.rs", "use crate::target::Target;\n");
    write("target.rs", "fn f() -> crate::report::Line { todo!() }\n");
    write("report.rs", "use crate::{task::Problem, other};\n");
    assert_eq!(
        a_cycle(&graph_of(dir.path())),
        Some(
            ["report", "task", "target", "report"]
                .map(str::to_owned)
                .to_vec()
        )
    );
    write("report.rs", "use crate::other;\n");
    assert_eq!(a_cycle(&graph_of(dir.path())), None);
}
