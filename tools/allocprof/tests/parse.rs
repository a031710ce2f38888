// SPDX-License-Identifier: GPL-2.0

//! The parser: both formats, both versions, edge cases.

use allocprof::parse::{parse, parse_row};
use allocprof::table::format_row;

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn allocprof_1_0() {
    let t = parse(&data("allocprof-1.0.txt"), "a");
    assert_eq!(t.version.as_deref(), Some("1.0"));
    assert!(t.malformed.is_empty(), "{:?}", t.malformed);
    assert_eq!(t.rows.len(), 5);
    let r = &t.rows[0];
    assert_eq!(&*r.source, "a");
    assert_eq!(
        &*r.file,
        "tools/testing/selftests/allocprof/allocprof_test.rs"
    );
    assert_eq!(r.line, 41);
    assert_eq!(r.module.as_deref(), Some("allocprof_test"));
    assert_eq!(r.function, "allocprof_test::site_kmalloc");
    assert_eq!((r.bytes, r.calls), (1280, 10));
    assert!(r.extra.is_empty());
    // A trait impl: spaces inside <...> belong to the name.
    let d = &t.rows[3];
    assert_eq!(d.function, "<allocprof::Registry as core::ops::Drop>::drop");
    assert_eq!(d.bytes, -64);
    assert_eq!(t.total_bytes(), 1280 + 4096 - 64 + 24576);
    assert_eq!(t.total_calls(), 13);
}

#[test]
fn allocprof_2_0_accurate_no() {
    let t = parse(&data("allocprof-2.0.txt"), "b");
    assert_eq!(t.version.as_deref(), Some("2.0"));
    assert!(t.malformed.is_empty());
    let r = &t.rows[1];
    assert_eq!(r.function, "allocprof_test::site_pages");
    assert_eq!(r.extra, vec![("accurate".to_string(), "no".to_string())]);
    assert_eq!(r.extra_text(), "accurate:no");
    assert!(r
        .site()
        .ends_with("func:allocprof_test::site_pages accurate:no"));
}

#[test]
fn upstream_rows_without_module() {
    let t = parse(&data("upstream-2.0.txt"), "/proc/allocinfo");
    assert!(t.malformed.is_empty(), "{:?}", t.malformed);
    assert_eq!(t.rows.len(), 5);
    assert_eq!(t.rows[0].module, None);
    assert_eq!(t.rows[0].module_or_kernel(), "kernel");
    assert_eq!(&*t.rows[0].file, "mm/slub.c");
    assert_eq!(t.rows[0].function, "alloc_slab_page");
    assert_eq!(t.rows[1].extra.len(), 1);
    assert_eq!(t.rows[2].module.as_deref(), Some("ext4"));
    assert_eq!(t.rows[4].bytes, -4096);
    let t1 = parse(&data("upstream-1.0.txt"), "u");
    assert!(t1.malformed.is_empty());
    assert_eq!(t1.rows.len(), 4);
}

#[test]
fn trailing_whitespace_either_way() {
    for l in [
        "        1024        2 mm/a.c:3 func:f",
        "        1024        2 mm/a.c:3 func:f ",
        "        1024        2 mm/a.c:3 func:f \t ",
        "1024 2 mm/a.c:3 func:f",
    ] {
        let r = parse_row(l, "x").unwrap();
        assert_eq!(
            (r.bytes, r.calls, r.line, r.function.as_str()),
            (1024, 2, 3, "f")
        );
    }
    let t = parse(
        "allocinfo - version: 1.0\r\n#     <size>  <calls> <tag info>\r\n 1 1 a.c:1 func:g \r\n",
        "x",
    );
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].function, "g");
}

#[test]
fn negative_transient_bytes_and_u64_calls() {
    let r = parse_row(
        "       -8192 18446744073709551615 a.rs:1 [m] func:m::f ",
        "x",
    )
    .unwrap();
    assert_eq!(r.bytes, -8192);
    assert_eq!(r.calls, u64::MAX);
    let r = parse_row("-9223372036854775808 0 a.rs:1 func:f", "x").unwrap();
    assert_eq!(r.bytes, i64::MIN);
    assert!(parse_row("1 -1 a.rs:1 func:f", "x").is_err());
}

#[test]
fn names_with_paths_and_generics() {
    let r = parse_row(
        "  1 1 src/x.rs:9 [m] func:m::Vec<u8>::push<alloc::Global> key:v other:w ",
        "x",
    )
    .unwrap();
    assert_eq!(r.function, "m::Vec<u8>::push<alloc::Global>");
    assert_eq!(r.extra.len(), 2);
    let r = parse_row("1 1 a.rs:2 func:<F as Fn() -> u8>::call accurate:no", "x").unwrap();
    assert_eq!(r.function, "<F as Fn() -> u8>::call");
    assert_eq!(r.extra_text(), "accurate:no");
    // key:value pairs are never folded into the name.
    let r = parse_row("1 1 a.rs:2 func:f accurate:no", "x").unwrap();
    assert_eq!(r.function, "f");
}

#[test]
fn malformed_lines_have_line_numbers() {
    let t = parse(&data("malformed.txt"), "m");
    assert_eq!(t.rows.len(), 2);
    let lines: Vec<usize> = t.malformed.iter().map(|m| m.line).collect();
    assert_eq!(lines, vec![4, 5, 7, 8]);
    assert_eq!(t.malformed[0].text, "this is not a row");
    for bad in [
        "1 1 a.rs func:f",
        "1 1 a.rs:1",
        "1 1 a.rs:1 [m func:f",
        "1 1 a.rs:1 func:",
        "1 1 a.rs:1 func:f junk",
        "1 1 a.rs:1 func:<T as",
        "x 1 a.rs:1 func:f",
        "99999999999999999999 1 a.rs:1 func:f",
    ] {
        assert!(parse_row(bad, "x").is_err(), "accepted: {bad}");
    }
}

#[test]
fn comments_after_header_are_accepted() {
    let s = "allocinfo - version: 1.0\n#     <size>  <calls> <tag info>\n# allocprof snapshot: time=x source=y\n\n 5 1 a.c:1 func:f \n# another\n";
    let t = parse(s, "x");
    assert!(t.malformed.is_empty());
    assert_eq!(t.rows.len(), 1);
}

#[test]
fn ten_thousand_rows() {
    let n = 12_345;
    let text = allocprof::generate(n);
    let t = parse(&text, "gen");
    assert!(t.malformed.is_empty());
    assert_eq!(t.rows.len(), n);
    let want: i64 = text
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(t.total_bytes(), want);
    assert_eq!(
        t.rows.iter().filter(|r| !r.extra.is_empty()).count(),
        n.div_ceil(10)
    );
    // Formatting a row back gives the generated line.
    for (r, l) in t.rows.iter().zip(text.lines().skip(2)) {
        assert_eq!(format_row(r), l);
    }
}

#[test]
fn snapshot_text_round_trips() {
    let text = data("allocprof-1.0.txt");
    let s = allocprof::snapshot_text(&text, "/sys/kernel/allocprof/allocinfo", 1_795_961_707);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "allocinfo - version: 1.0");
    assert_eq!(
        lines[2],
        "# allocprof snapshot: time=2026-11-29T14:15:07Z source=/sys/kernel/allocprof/allocinfo"
    );
    let a = parse(&text, "x");
    let b = parse(&s, "x");
    assert_eq!(a.rows, b.rows);
    assert!(b.malformed.is_empty());
    assert_eq!(allocprof::utc_timestamp(0), "1970-01-01T00:00:00Z");
    assert_eq!(
        allocprof::utc_timestamp(951_782_400),
        "2000-02-29T00:00:00Z"
    );
}

/// Real tables of the kernels of the matrix: /proc/allocinfo of the
/// upstream-profiling kernels (`make kdir FLAVOR=upstream`) just after
/// boot, captured whole. Every row parses, none is malformed, and the
/// totals equal those of the text's own columns.
#[test]
fn upstream_tables_of_the_tested_kernels() {
    for (file, version) in [
        ("upstream-6.12-boot.txt", "1.0"),
        ("upstream-7.3-boot.txt", "2.0"),
    ] {
        let text = data(file);
        let t = parse(&text, "/proc/allocinfo");
        assert_eq!(t.version.as_deref(), Some(version), "{file}");
        assert!(t.malformed.is_empty(), "{file}: {:?}", t.malformed);
        let lines: Vec<&str> = text.lines().skip(2).collect();
        assert!(lines.len() > 100, "{file}: {} rows", lines.len());
        assert_eq!(t.rows.len(), lines.len(), "{file}");
        let col = |i: usize| -> i64 {
            lines
                .iter()
                .map(|l| l.split_whitespace().nth(i).unwrap().parse::<i64>().unwrap())
                .sum()
        };
        assert_eq!(t.total_bytes(), col(0), "{file}");
        assert_eq!(t.total_calls() as i64, col(1), "{file}");
        assert!(t.rows.iter().all(|r| r.line > 0 && !r.function.is_empty()));
    }
}
