// SPDX-License-Identifier: GPL-2.0

//! The modules of `src/` are in layers, and no two of them use each other.
//!
//! Each module's doc has a line `Layer: LAYER.  Uses: `a`, `b`.` (or
//! `Uses: no other module.`), LAYER one of [`LAYERS`], lowest first.  This
//! test reads every `src/*.rs`, finds the modules each one names in its code
//! (comments and string literals left out): `crate::m` in the library,
//! `allocprof::m` in `main.rs`, a `use m::` in `lib.rs`; a name that is not
//! a module is the crate root's (`lib`).  Then it checks that each module
//! uses only modules its doc lists, of its own layer or below, and that the
//! graph of uses has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first: a module may use its own layer and those below.
const LAYERS: [&str; 4] = ["types", "readers and writers", "commands", "root"];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// `text` with its comments, string and char literals blanked (newlines
/// kept): what is left is code.
fn code(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Blanks c[from..to] into `out`, keeping newlines.
    let blank = |out: &mut String, from: usize, to: usize| {
        for &ch in &c[from..to.min(c.len())] {
            out.push(if ch == '\n' { '\n' } else { ' ' });
        }
    };
    while i < c.len() {
        let next = c.get(i + 1).copied();
        let end = if c[i] == '/' && next == Some('/') {
            // To the end of the line.
            (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len())
        } else if c[i] == '/' && next == Some('*') {
            (i + 2..c.len())
                .find(|&j| c[j - 1] == '*' && c[j] == '/' && j > i + 2)
                .map_or(c.len(), |j| j + 1)
        } else if c[i] == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !ident(c.get(i.wrapping_sub(1)))
        {
            // r"..." or r#"..."#: up to the quote and as many #.
            let hashes = (i + 1..c.len()).take_while(|&j| c[j] == '#').count();
            let open = i + 1 + hashes;
            if c.get(open) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let close: Vec<char> = close.chars().collect();
            (open + 1..c.len())
                .find(|&j| c[j..].starts_with(&close))
                .map_or(c.len(), |j| j + close.len())
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c[i] == '\'' && next == Some('\\') {
            // '\n', '\'', '\u{..}'.
            (i + 3..c.len())
                .find(|&j| c[j] == '\'')
                .map_or(c.len(), |j| j + 1)
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i + 3
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        };
        blank(&mut out, i, end);
        i = end;
    }
    out
}

fn ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The first path segments after each `prefix` (`prefix{a::x, b}` gives
/// `a` and `b`) in `code`.
fn segments(code: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = code[at..].find(prefix) {
        let start = at + p;
        at = start + prefix.len();
        if ident(code[..start].chars().next_back().as_ref()) {
            continue; // `mycrate::`, not `crate::`
        }
        let rest = &code[at..];
        if let Some(group) = rest.strip_prefix('{') {
            // The items of the group at depth 0, each's first segment.
            let mut depth = 0;
            let mut item = String::new();
            for ch in group.chars() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(ch);
            }
            out.push(first_segment(&item));
        } else {
            out.push(first_segment(rest));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn first_segment(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The modules `name` (a module, `lib` or `main`) uses in `text`.
fn uses(name: &str, text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code(text);
    let mut found = match name {
        "main" => segments(&code, "allocprof::"),
        "lib" => {
            // Paths from the root: `use m::...`, `pub use m::...`.
            let mut v = segments(&code, "crate::");
            v.extend(segments(&code, "use "));
            v.retain(|s| modules.contains(s));
            v
        }
        _ => segments(&code, "crate::"),
    };
    found.retain(|s| s != "self" && s != "super");
    found
        .into_iter()
        .map(|s| {
            if modules.contains(&s) {
                s
            } else {
                "lib".to_string()
            }
        })
        .filter(|s| s != name)
        .collect()
}

/// A module's layer and the modules its doc says it uses, from its
/// `//! Layer: LAYER.  Uses: ...` sentence.
fn declared(name: &str, text: &str) -> Result<(usize, BTreeSet<String>), String> {
    let doc: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(str::trim)
        .collect();
    let at = doc
        .iter()
        .position(|l| l.starts_with("Layer:"))
        .ok_or_else(|| format!("{name}: no `//! Layer: ...  Uses: ...` line in its doc"))?;
    let mut sentence = String::new();
    for l in &doc[at..] {
        sentence.push_str(l);
        sentence.push(' ');
        if l.ends_with('.') {
            break;
        }
    }
    let (layer, rest) = sentence["Layer:".len()..]
        .split_once('.')
        .ok_or_else(|| format!("{name}: `Layer: LAYER.` expected"))?;
    let layer = LAYERS
        .iter()
        .position(|l| *l == layer.trim())
        .ok_or_else(|| {
            format!(
                "{name}: unknown layer '{}' (one of {LAYERS:?})",
                layer.trim()
            )
        })?;
    let list = rest
        .split_once("Uses:")
        .ok_or_else(|| format!("{name}: no `Uses:` after its layer"))?
        .1;
    let names = list
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Ok((layer, names))
}

/// A cycle of `g`, if it has one: its modules in order, the first again at
/// the end.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    // 0 unseen, 1 on the current path, 2 done.
    fn visit(
        g: &Graph,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = path.iter().position(|p| p == m).unwrap();
                    let mut c = path[from..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(g, m, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(g, n, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The uses of `files` (name, text), checked against their docs: every
/// problem found, and the graph.
fn check(files: &[(String, String)]) -> (Vec<String>, Graph) {
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n != "main")
        .collect();
    let mut errors = Vec::new();
    let mut graph = Graph::new();
    let mut layers = BTreeMap::new();
    for (name, text) in files {
        match declared(name, text) {
            Ok((layer, names)) => {
                layers.insert(name.clone(), layer);
                for d in names.difference(&modules) {
                    errors.push(format!(
                        "{name}: its doc's Uses: names `{d}`, not a module of src/"
                    ));
                }
                for u in uses(name, text, &modules).difference(&names) {
                    errors.push(format!(
                        "{name} uses `{u}`, which its doc's `Uses:` does not list"
                    ));
                }
            }
            Err(e) => errors.push(e),
        }
        graph.insert(name.clone(), uses(name, text, &modules));
    }
    for (name, used) in &graph {
        for u in used {
            if let (Some(&a), Some(&b)) = (layers.get(name), layers.get(u)) {
                if b > a {
                    errors.push(format!(
                        "{name} ({}) uses {u} ({}), a higher layer",
                        LAYERS[a], LAYERS[b]
                    ));
                }
            }
        }
    }
    if let Some(c) = cycle(&graph) {
        errors.push(format!("an import circle: {}", c.join(" -> ")));
    }
    (errors, graph)
}

fn src_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn src_modules_are_layered_without_circles() {
    let files = src_files();
    assert!(files.len() >= 10, "src/ read: {files:?}");
    let (errors, graph) = check(&files);
    assert!(errors.is_empty(), "{}\nuses: {graph:#?}", errors.join("\n"));
    // The scan sees the uses: the bottom and the top of the graph.
    assert!(
        graph["view"].contains("table") && graph["view"].contains("hash"),
        "{graph:?}"
    );
    assert!(
        graph["top"].contains("tui") && graph["tui"].contains("topview"),
        "{graph:?}"
    );
    assert!(
        graph["main"].contains("lib") && graph["lib"].contains("table"),
        "{graph:?}"
    );
    assert!(
        graph["table"].is_empty() && graph["size"].is_empty(),
        "{graph:?}"
    );
}

/// The two circles the crate once had (table <-> view through a path in a
/// type, top <-> tui through a `use` list and a call) are found, and so are
/// a use of a higher layer and one the doc does not list; comments and
/// strings are not uses.
#[test]
fn circles_and_wrong_layers_are_found() {
    let m = |name: &str, text: &str| (name.to_string(), text.to_string());
    let files = vec![
        m("table", "//! Layer: types.  Uses: `view`.\nstruct I { map: HashMap<Arc<str>, (), crate::view::FxBuild> }\n"),
        m("view", "//! Layer: readers and writers.  Uses: `table`.\nuse crate::table::Row;\n"),
        m(
            "top",
            "//! Layer: commands.  Uses: `tui`.\n// crate::diff in a comment\nfn w() { let s = \"crate::diff\"; let c = '\"'; crate::tui::run(o) }\n",
        ),
        m(
            "tui",
            "//! Layer: commands.  Uses: `top`,\n//! `view`.\nuse crate::{\n    top::{read, visible, Snapshot},\n    view::cells,\n};\n",
        ),
        m("diff", "//! Layer: commands.  Uses: no other module.\n"),
    ];
    let (errors, graph) = check(&files);
    let text = errors.join("\n");
    assert_eq!(graph["top"], BTreeSet::from(["tui".to_string()]), "{text}");
    assert_eq!(
        graph["tui"],
        BTreeSet::from(["top".to_string(), "view".to_string()]),
        "{text}"
    );
    assert!(
        text.contains("table (types) uses view (readers and writers), a higher layer"),
        "{text}"
    );
    assert!(text.contains("an import circle: "), "{text}");
    // Each circle alone.
    for pair in [["table", "view"], ["top", "tui"]] {
        let g: Graph = graph
            .iter()
            .filter(|(n, _)| pair.contains(&n.as_str()))
            .map(|(n, u)| {
                (
                    n.clone(),
                    u.iter()
                        .filter(|x| pair.contains(&x.as_str()))
                        .cloned()
                        .collect(),
                )
            })
            .collect();
        let c = cycle(&g).unwrap_or_else(|| panic!("no circle found in {g:?}"));
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(c[0], c[2]);
    }
    // A use the doc does not list.
    let (errors, _) = check(&[
        m(
            "a",
            "//! Layer: commands.  Uses: no other module.\nuse crate::b::x;\n",
        ),
        m("b", "//! Layer: types.  Uses: no other module.\n"),
    ]);
    assert_eq!(
        errors,
        ["a uses `b`, which its doc's `Uses:` does not list"]
    );
    // No layer line.
    let (errors, _) = check(&[m("a", "//! A module.\n")]);
    assert_eq!(
        errors,
        ["a: no `//! Layer: ...  Uses: ...` line in its doc"]
    );
}
