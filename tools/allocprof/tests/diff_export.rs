// SPDX-License-Identifier: GPL-2.0

//! diff deltas, grouping, and every export format read back.

use std::io::Read;

use allocprof::diff::{diff, Change};
use allocprof::export;
use allocprof::parse::parse;
use allocprof::pprof;
use allocprof::view::{group, By, Filter};

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn diff_exact() {
    let o = parse(&data("old.txt"), "old");
    let n = parse(&data("new.txt"), "new");
    let d = diff(&o, &n, &Filter::default(), By::Site, false);
    let got: Vec<(&str, Change, i64, i64)> = d
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.change, e.delta_bytes, e.delta_calls))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "b.rs:9 [n] func:n::<impl n::T>::new",
                Change::Appeared,
                2048,
                2
            ),
            ("a.rs:1 [m] func:m::grows", Change::Grew, 512, 4),
            ("a.rs:2 [m] func:m::shrinks", Change::Shrank, -4000, -4),
            ("a.rs:3 [m] func:m::goes", Change::Disappeared, -700, -7),
        ]
    );
    assert_eq!((d.old_bytes, d.new_bytes, d.net()), (7000, 4860, -2140));
    assert_eq!((d.old_calls, d.new_calls, d.net_calls()), (25, 20, -5));
    assert_eq!((d.grown, d.shrunk), (2560, -4700));
    let all = diff(&o, &n, &Filter::default(), By::Site, true);
    assert_eq!(all.entries.len(), 5);
    assert_eq!(all.entries[4].change, Change::Same);
    // Filtered and grouped.
    let f = Filter::new(None, None, Some("grows|goes"), false).unwrap();
    let d = diff(&o, &n, &f, By::Module, false);
    assert_eq!(d.entries.len(), 1);
    assert_eq!(
        (d.entries[0].name.as_str(), d.entries[0].delta_bytes),
        ("m", -188)
    );
    assert_eq!(d.net(), -188);
}

#[test]
fn grouping() {
    let t = parse(&data("upstream-1.0.txt"), "u");
    let g = |by| {
        let mut v: Vec<(String, i64, usize)> = group(t.rows.iter(), by, false)
            .into_iter()
            .map(|e| (e.name, e.bytes, e.sites))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        g(By::Module),
        vec![
            ("drm".into(), 8192, 1),
            ("ext4".into(), 12288, 1),
            ("kernel".into(), 1048576, 1),
            ("veth".into(), 4096, 1)
        ]
    );
    assert_eq!(
        g(By::Dir),
        vec![
            ("drivers/".into(), 12288, 2),
            ("drivers/gpu/".into(), 8192, 1),
            ("drivers/gpu/drm/".into(), 8192, 1),
            ("drivers/net/".into(), 4096, 1),
            ("fs/".into(), 12288, 1),
            ("fs/ext4/".into(), 12288, 1),
            ("mm/".into(), 1048576, 1)
        ]
    );
    assert_eq!(
        g(By::File)[0],
        ("drivers/gpu/drm/drm_gem.c".into(), 8192, 1)
    );
    assert_eq!(
        g(By::Function)[0],
        ("[drm] drm_gem_object_init".into(), 8192, 1)
    );
    let f = Filter::new(Some("kernel"), None, None, false).unwrap();
    assert_eq!(f.apply(&t.rows).count(), 1);
    let f = Filter::new(None, Some("drivers/**"), None, false).unwrap();
    assert_eq!(f.apply(&t.rows).count(), 2);
    let f = Filter::new(None, Some("*.c"), Some("^ext4_"), false).unwrap();
    assert_eq!(f.apply(&t.rows).count(), 1);
}

#[test]
fn json_and_csv_parse_back() {
    let mut rows = parse(&data("allocprof-2.0.txt"), "a").rows;
    rows.extend(parse(&data("upstream-2.0.txt"), "/proc/allocinfo").rows);
    let j = export::json(&rows).unwrap();
    let back = export::parse_json(&j).unwrap();
    assert_eq!(back.len(), rows.len());
    for (b, r) in back.iter().zip(&rows) {
        assert_eq!(b, &export::JsonRow::from(r));
    }
    assert_eq!(
        back[1].extra.get("accurate").map(String::as_str),
        Some("no")
    );
    assert_eq!(back[3].module, None);
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v[0]["function"], "allocprof_test::site_kmalloc");
    assert_eq!(v[3]["module"], serde_json::Value::Null);

    let c = export::csv(&rows).unwrap();
    let text = String::from_utf8(c.clone()).unwrap();
    assert!(text.starts_with("source,file,line,module,function,bytes,calls,extra\n"));
    let back = export::parse_csv(&c).unwrap();
    assert_eq!(back.len(), rows.len());
    for (b, r) in back.iter().zip(&rows) {
        assert_eq!(
            (
                b.file.as_str(),
                b.line,
                b.function.as_str(),
                b.bytes,
                b.calls
            ),
            (&*r.file, r.line, r.function.as_str(), r.bytes, r.calls)
        );
        assert_eq!(b.module, r.module.as_deref().unwrap_or_default());
        assert_eq!(b.extra, r.extra_text());
    }
    assert_eq!(
        export::parse_csv(&export::csv(&[]).unwrap()).unwrap().len(),
        0
    );
}

#[test]
fn folded() {
    let mut rows = parse(&data("upstream-2.0.txt"), "u").rows;
    rows.extend(parse(&data("allocprof-1.0.txt"), "a").rows);
    let f = export::folded(&rows);
    assert_eq!(
        f,
        "allocprof;src/allocinfo.rs;allocprof::allocinfo::Snapshot::alloc_text 4096\n\
allocprof_test;tools/testing/selftests/allocprof/allocprof_test.rs;allocprof_test::site_kmalloc 1280\n\
allocprof_test;tools/testing/selftests/allocprof/allocprof_test.rs;allocprof_test::site_vmalloc 24576\n\
ext4;fs/ext4/super.c;ext4_fill_super 12288\n\
kernel;mm/page_alloc.c;__alloc_pages_noprof 2097152\n\
kernel;mm/slub.c;alloc_slab_page 1048576\n"
    );
    for l in f.lines() {
        let (stack, n) = l.rsplit_once(' ').unwrap();
        assert_eq!(stack.split(';').count(), 3);
        assert!(n.parse::<u64>().unwrap() > 0);
    }
}

#[test]
fn pprof_decodes_to_same_totals() {
    let mut rows = parse(&allocprof::generate(10_000), "gen").rows;
    rows.extend(parse(&data("upstream-2.0.txt"), "u").rows);
    let gz = pprof::encode_gz(&pprof::build(&rows, 1)).unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);
    // Gunzip and decode with prost directly.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    let p = <pprof::Profile as prost::Message>::decode(&raw[..]).unwrap();
    let st = |i: i64| p.string_table[i as usize].as_str();
    assert_eq!(st(0), "");
    let types: Vec<(&str, &str)> = p
        .sample_type
        .iter()
        .map(|t| (st(t.r#type), st(t.unit)))
        .collect();
    assert_eq!(
        types,
        vec![("inuse_space", "bytes"), ("inuse_objects", "count")]
    );
    assert_eq!(p.sample.len(), rows.len());
    assert_eq!(p.location.len(), rows.len());
    assert_eq!(p.function.len(), rows.len());
    let bytes: i64 = p.sample.iter().map(|s| s.value[0]).sum();
    let calls: i64 = p.sample.iter().map(|s| s.value[1]).sum();
    assert_eq!(bytes, rows.iter().map(|r| r.bytes).sum::<i64>());
    assert_eq!(calls as u64, rows.iter().map(|r| r.calls).sum::<u64>());
    // Each sample's location names its row's function, file and line.
    for (s, r) in p.sample.iter().zip(&rows) {
        let loc = &p.location[s.location_id[0] as usize - 1];
        assert_eq!(loc.id, s.location_id[0]);
        let f = &p.function[loc.line[0].function_id as usize - 1];
        assert_eq!(st(f.name), r.function);
        assert_eq!(st(f.filename), &*r.file);
        assert_eq!(loc.line[0].line, r.line as i64);
    }
    let s = pprof::summary(&pprof::decode(&gz).unwrap()).unwrap();
    assert_eq!(s.totals[0], ("inuse_space".into(), "bytes".into(), bytes));
    assert_eq!(s.totals[1].2, calls);
}
