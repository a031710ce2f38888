// SPDX-License-Identifier: GPL-2.0

//! The `allocprof` binary: output, messages and exit statuses.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_allocprof"))
}

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("allocprof-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Compares with tests/data/NAME.golden (ALLOCPROF_UPDATE_GOLDEN=1 rewrites).
fn golden(name: &str, got: &str) {
    let p = data(&format!("{name}.golden"));
    if std::env::var_os("ALLOCPROF_UPDATE_GOLDEN").is_some() {
        std::fs::write(&p, got).unwrap();
    }
    let want = std::fs::read_to_string(&p).unwrap_or_default();
    assert_eq!(got, want, "output differs from {p}");
}

#[test]
fn top_golden() {
    let o = run(&["top", "--file", &data("allocprof-1.0.txt")]);
    assert!(o.status.success());
    golden("top-allocprof", &stdout(&o));
    let o = run(&[
        "top",
        "--file",
        &data("upstream-2.0.txt"),
        "--bytes",
        "--sort",
        "calls",
        "-n",
        "3",
    ]);
    golden("top-upstream-calls", &stdout(&o));
    let o = run(&["top", "-f", &data("upstream-1.0.txt"), "--by", "dir"]);
    golden("top-dir", &stdout(&o));
}

#[test]
fn top_two_sources_labelled() {
    let a = data("allocprof-2.0.txt");
    let b = data("upstream-2.0.txt");
    let o = run(&[
        "top", "--file", &a, "--file", &b, "--by", "module", "--bytes",
    ]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.lines().next().unwrap().contains("SOURCE"), "{s}");
    assert!(
        s.lines()
            .any(|l| l.contains(&b) && l.ends_with("kernel") && l.contains("3141632")),
        "{s}"
    );
    assert!(
        s.lines()
            .any(|l| l.contains(&a) && l.ends_with("allocprof_test")),
        "{s}"
    );
}

#[test]
fn top_filters() {
    let f = data("upstream-2.0.txt");
    let o = run(&["top", "-f", &f, "--nonzero", "--min-bytes", "1M", "--bytes"]);
    let s = stdout(&o);
    assert_eq!(s.lines().count(), 4, "{s}");
    // The totals cover every filtered row, --min-bytes only what is shown.
    assert!(
        s.ends_with("total: 3153920 in 771 calls, 4 rows (2 shown)\n"),
        "{s}"
    );
    let o = run(&["top", "-f", &f, "--module", "ext4"]);
    assert!(stdout(&o).contains("ext4_fill_super"));
    assert_eq!(stdout(&o).lines().count(), 3);
    let o = run(&[
        "top", "-f", &f, "--path", "mm/*", "--func", "^alloc_", "--bytes",
    ]);
    assert!(stdout(&o).ends_with("total: 1048576 in 256 calls, 1 rows (1 shown)\n"));
    let o = run(&["top", "-f", &f, "--func", "("]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid regex"));
}

#[test]
fn stdin_input() {
    let mut c = bin()
        .args(["top", "--file", "-", "--bytes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(std::fs::read(data("upstream-1.0.txt")).unwrap().as_slice())
        .unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(stdout(&o).contains("1048576"));
}

#[test]
fn malformed_reported_and_strict() {
    let f = data("malformed.txt");
    let o = run(&["top", "-f", &f]);
    assert!(o.status.success());
    let e = stderr(&o);
    for n in [4, 5, 7, 8] {
        assert!(
            e.contains(&format!("malformed.txt:{n}: malformed line")),
            "{e}"
        );
    }
    assert_eq!(e.lines().count(), 4);
    assert_eq!(stdout(&o).lines().count(), 4);
    let o = run(&["top", "-f", &f, "--strict"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("4 malformed line(s) (--strict)"));
    assert!(o.stdout.is_empty());
    let o = run(&["diff", &f, &f, "--strict"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn missing_file() {
    let o = run(&["top", "-f", "/nonexistent/allocinfo"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "allocprof: cannot read /nonexistent/allocinfo: No such file or directory (os error 2)\n"
    );
    let o = run(&["diff", &data("old.txt"), "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
}

/// EACCES: as a non-root user (via setpriv when run as root, from a copy
/// of the binary that user can run wherever the build is).
#[test]
fn permission_denied() {
    let f = tmp("root-only");
    std::fs::copy(data("allocprof-1.0.txt"), &f).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o400)).unwrap();
    std::fs::set_permissions(f.parent().unwrap(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = unsafe_getuid() == 0;
    let o = if root {
        assert!(
            Command::new("setpriv").arg("--version").output().is_ok(),
            "run as root, this test needs setpriv (util-linux) to run the tool as user 65534"
        );
        // The build may be where user 65534 cannot reach (under /root):
        // the binary beside the table, in a directory it can search.  A
        // hard link, never opened for writing; a copy where the two are on
        // different file systems, whose exec may then fail with ETXTBSY
        // for a moment: the tests of this file run in threads that fork,
        // and a child between its fork and exec holds every descriptor
        // open at the fork, the copy's writable one too (seen in a `make
        // check`: "setpriv: failed to execute ...: Text file busy").
        let exe = f.with_file_name("allocprof");
        let _ = std::fs::remove_file(&exe);
        let linked = std::fs::hard_link(env!("CARGO_BIN_EXE_allocprof"), &exe).is_ok();
        if !linked {
            std::fs::copy(env!("CARGO_BIN_EXE_allocprof"), &exe).unwrap();
            std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let run = || {
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&exe)
                .args(["top", "--file"])
                .arg(&f)
                .output()
                .unwrap()
        };
        let mut o = run();
        for _ in 0..100 {
            if linked || !stderr(&o).contains("Text file busy") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            o = run();
        }
        assert!(
            o.status.code().is_some() && !stderr(&o).starts_with("setpriv:"),
            "user 65534 cannot run {} (is a directory above it not searchable?): {}",
            exe.display(),
            stderr(&o)
        );
        o
    } else {
        bin().args(["top", "--file"]).arg(&f).output().unwrap()
    };
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "permission denied: allocinfo is readable by root only\n"
    );
}

fn unsafe_getuid() -> u32 {
    // No libc dependency: the owner of /proc/self is our uid.
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
}

#[test]
fn snapshot_then_diff() {
    let a = tmp("a.snap");
    let o = run(&[
        "snapshot",
        "-f",
        &data("old.txt"),
        "-o",
        a.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = std::fs::read_to_string(&a).unwrap();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "allocinfo - version: 1.0");
    assert_eq!(lines[1], "#     <size>  <calls> <tag info>");
    assert!(lines[2].starts_with("# allocprof snapshot: time=20"), "{s}");
    assert!(lines[2].ends_with(&format!("source={}", data("old.txt"))));
    // The rest is the table as read.
    let orig = std::fs::read_to_string(data("old.txt")).unwrap();
    assert_eq!(
        lines[3..].join("\n") + "\n",
        orig.lines().skip(2).collect::<Vec<_>>().join("\n") + "\n"
    );
    let o = run(&["snapshot", "-f", &data("new.txt")]);
    let b = tmp("b.snap");
    std::fs::write(&b, &o.stdout).unwrap();
    let o = run(&["diff", a.to_str().unwrap(), b.to_str().unwrap(), "--bytes"]);
    assert!(o.status.success());
    golden("diff", &stdout(&o));
    let o = run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--func",
        "grows",
        "--bytes",
    ]);
    let s = stdout(&o);
    let w: Vec<&str> = s.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&w[..3], &["grew", "+512", "+4"], "{s}");
}

#[test]
fn diff_fail_if_grown() {
    let (o_, n_) = (data("old.txt"), data("new.txt"));
    let g = |extra: &[&str]| {
        let mut a = vec!["diff", o_.as_str(), n_.as_str()];
        a.extend_from_slice(extra);
        run(&a).status.code()
    };
    // Net -2140 over all rows: never "grown".
    assert_eq!(g(&["--fail-if-grown", "0"]), Some(0));
    // grows: +512.
    assert_eq!(g(&["--func", "grows", "--fail-if-grown", "100"]), Some(1));
    assert_eq!(g(&["--func", "grows", "--fail-if-grown", "512"]), Some(0));
    assert_eq!(
        g(&["--func", "grows|new", "--fail-if-grown", "2K"]),
        Some(1)
    );
    assert_eq!(
        g(&["--func", "grows|new", "--fail-if-grown", "3K"]),
        Some(0)
    );
    // Reversed: +2140.
    let o = run(&["diff", &n_, &o_, "--fail-if-grown", "2139"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("total grew by 2140 bytes"));
    assert_eq!(
        run(&["diff", &n_, &o_, "--fail-if-grown", "x"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn export_formats() {
    let f = data("allocprof-2.0.txt");
    let o = run(&["export", "-f", &f, "--format", "json"]);
    let rows = allocprof::export::parse_json(&stdout(&o)).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].extra.get("accurate").unwrap(), "no");
    let o = run(&["export", "-f", &f, "--format", "csv"]);
    assert_eq!(allocprof::export::parse_csv(&o.stdout).unwrap().len(), 3);
    let o = run(&["export", "-f", &f, "--format", "folded"]);
    assert_eq!(
        stdout(&o),
        "allocprof_test;tools/testing/selftests/allocprof/allocprof_test.rs;allocprof_test::site_kmalloc 1280\n\
allocprof_test;tools/testing/selftests/allocprof/allocprof_test.rs;allocprof_test::site_pages 49152\n"
    );
    let p = tmp("p.pb.gz");
    let o = run(&[
        "export",
        "-f",
        &f,
        "--format",
        "pprof",
        "-o",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let o = run(&["pprof-summary", p.to_str().unwrap()]);
    assert_eq!(
        stdout(&o),
        "samples 3\nlocations 3\nfunctions 3\ninuse_space/bytes 50432\ninuse_objects/count 13\n"
    );
    let o = run(&["pprof-summary", &f]);
    assert_eq!(o.status.code(), Some(2));
}

/// OpenMetrics and Prometheus text of two tables, checked by
/// `openmetrics-check` (a file, stdin), and what it refuses.
#[test]
fn export_openmetrics_and_check() {
    let (a, u) = (data("allocprof-2.0.txt"), data("upstream-1.0.txt"));
    let om = tmp("t.om");
    let o = run(&[
        "export",
        "-f",
        &a,
        "-f",
        &u,
        "--format",
        "openmetrics",
        "-o",
        om.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&om).unwrap();
    assert!(text.contains(&format!(
        "\nallocprof_live_bytes{{source=\"{a}\",file=\"tools/testing/selftests/allocprof/allocprof_test.rs\",\
line=\"41\",module=\"allocprof_test\",function=\"allocprof_test::site_kmalloc\"}} 1280\n"
    )));
    assert!(text.contains(&format!(
        "\nallocprof_live_allocations{{source=\"{u}\",file=\"mm/slub.c\",line=\"2456\",module=\"\",\
function=\"alloc_slab_page\"}} 256\n"
    )));
    assert!(text.ends_with("\n# EOF\n"));
    // 7 rows: 7 + 7 gauges, 1 accurate:no.
    let o = run(&["openmetrics-check", om.to_str().unwrap()]);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "samples 15\nfamilies 3\n")
    );
    let o = run(&["export", "-f", &a, "-f", &u, "--format", "prometheus"]);
    assert!(!stdout(&o).contains("# EOF") && !stdout(&o).contains("# UNIT"));
    let mut c = bin()
        .args(["openmetrics-check", "--format", "prometheus", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(&o.stdout).unwrap();
    let c = c.wait_with_output().unwrap();
    assert_eq!(
        (c.status.code(), stdout(&c).as_str()),
        (Some(0), "samples 15\nfamilies 3\n")
    );
    // Not valid: exit 1, the line at fault.
    let o = run(&[
        "openmetrics-check",
        "--format",
        "prometheus",
        om.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "allocprof: {}: not valid Prometheus text: line {}: not a HELP, TYPE or UNIT line: # EOF\n",
            om.display(),
            text.lines().count()
        )
    );
    let o = run(&["openmetrics-check", &a]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not valid OpenMetrics text: line 1: not a sample"),
        "{}",
        stderr(&o)
    );
    let o = run(&["openmetrics-check", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    // Hidden from the commands' list, documented in its own help.
    assert!(!stdout(&run(&["--help"])).contains("openmetrics-check"));
    let o = run(&["openmetrics-check", "--help"]);
    assert!(stdout(&o).contains("EXIT STATUS:") && stdout(&o).contains("# EOF"));
}

#[test]
fn watch_plain_iterations() {
    let f = data("upstream-1.0.txt");
    let o = run(&[
        "top",
        "--watch",
        "0.2",
        "--iterations",
        "2",
        "-f",
        &f,
        "--bytes",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert_eq!(s.matches("--- allocprof top: refresh").count(), 2, "{s}");
    assert!(
        s.contains("BYTES  CALLS  DELTA  SINCE-START  RATE/s  NAME"),
        "{s}"
    );
    assert!(
        s.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "1048576",
                "256",
                "0",
                "0",
                "0",
                "mm/slub.c:2456",
                "func:alloc_slab_page"
            ]),
        "{s}"
    );
    let o = run(&["top", "--watch", "1", "-f", "-"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["top", "--watch", "1", "-f", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read /nonexistent"));
}

#[test]
fn help_for_every_command() {
    for c in ["top", "snapshot", "diff", "export", "pprof-summary"] {
        let o = run(&[c, "--help"]);
        assert!(o.status.success());
        let s = stdout(&o);
        assert!(s.contains("EXIT STATUS:"), "{c}: {s}");
        assert!(s.len() > 500, "{c}");
    }
    assert!(
        stdout(&run(&["--help"])).contains("permission denied: allocinfo is readable by root only")
    );
}

#[test]
fn bench_parse_runs() {
    let o = run(&["bench-parse", "--rows", "2000", "--runs", "3"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("bench-parse: 2000 rows, 3 runs, median "));
}
