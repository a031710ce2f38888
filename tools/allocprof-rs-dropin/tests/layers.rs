// SPDX-License-Identifier: GPL-2.0

//! The modules of `src/` use one another one way: main.rs's doc lists
//! them in order ("The modules, each using only those before it"), each
//! module's doc says which it uses (`Uses: `a`, `b`.` or `Uses: no other
//! module.`), and this test checks that each module names in its code
//! (`crate::m`, comments left out) exactly the modules its doc lists, all
//! of them before it in that order.

use std::collections::BTreeSet;
use std::path::Path;

/// The backquoted names of `text` that are modules of `all`, in order.
fn names(text: &str, all: &BTreeSet<String>) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| all.contains(*n))
        .map(str::to_string)
        .collect()
}

#[test]
fn imports_flow_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = BTreeSet::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "rs") && stem != "main" {
            all.insert(stem);
        }
    }
    let main = std::fs::read_to_string(src.join("main.rs")).unwrap();
    let doc: String = main
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .skip_while(|l| !l.contains("The modules, each using only those before it"))
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let order = names(&doc, &all);
    assert_eq!(
        order.iter().cloned().collect::<BTreeSet<_>>(),
        all,
        "main.rs's doc lists every module of src/, once: {order:?}"
    );
    assert_eq!(order.len(), all.len(), "a module listed twice: {order:?}");
    for (i, m) in order.iter().enumerate() {
        let text = std::fs::read_to_string(src.join(format!("{m}.rs"))).unwrap();
        let uses_line: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .skip_while(|l| !l.trim_start().starts_with("Uses:"))
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!uses_line.is_empty(), "{m}.rs: its doc has no `Uses:` line");
        let listed: BTreeSet<String> = names(&uses_line, &all).into_iter().collect();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let used: BTreeSet<String> = code
            .split("crate::")
            .skip(1)
            .map(|r| r.chars().take_while(|c| c.is_alphanumeric() || *c == '_'))
            .map(String::from_iter)
            .collect();
        assert_eq!(
            used, listed,
            "{m}.rs: the modules it uses, and its doc's `Uses:`"
        );
        for u in &used {
            let j = order.iter().position(|o| o == u).unwrap();
            assert!(j < i, "{m}.rs uses `{u}`, which main.rs lists after it");
        }
    }
}
