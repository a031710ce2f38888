// SPDX-License-Identifier: GPL-2.0

//! `top --watch` as a person uses it: in a detached tmux session, with keys
//! sent to it and the screen captured.  Needs tmux (scripts/deps.sh
//! installs it): without it the test fails, saying so, rather than pass
//! without having run.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux")
    }
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "w"]).stdout).into_owned()
    }
    fn keys(&self, k: &[&str]) {
        let mut a = vec!["send-keys", "-t", "w"];
        a.extend_from_slice(k);
        assert!(self.cmd(&a).status.success());
    }
    /// Waits until the screen satisfies `f` (10 s at most).
    fn wait_for(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if t0.elapsed() > Duration::from_secs(10) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn table(bytes: i64) -> String {
    format!(
        "allocinfo - version: 1.0\n#     <size>  <calls> <tag info>\n\
{bytes:12} {:8} a.rs:1 [m] func:m::growing \n\
{:12} {:8} b.rs:2 [ext4] func:ext4_big \n\
{:12} {:8} c.rs:3 func:zero \n",
        bytes / 64,
        10_000_000,
        1,
        0,
        0
    )
}

#[test]
fn watch_in_tmux() {
    assert!(
        Command::new("tmux").arg("-V").output().is_ok(),
        "tmux is not installed: this test drives `top --watch` in it \
         (scripts/deps.sh installs it; apt-get install -y tmux)"
    );
    let dir = std::env::temp_dir().join(format!("allocprof-tmux-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f: PathBuf = dir.join("allocinfo");
    std::fs::write(&f, table(1024)).unwrap();
    let t = Tmux {
        socket: format!("allocprof-test-{}", std::process::id()),
    };
    let cmd = format!(
        "{} top --watch 1 --file {}; echo EXITED:$?; sleep 60",
        env!("CARGO_BIN_EXE_allocprof"),
        f.display()
    );
    let o = t.cmd(&[
        "new-session",
        "-d",
        "-s",
        "w",
        "-x",
        "150",
        "-y",
        "30",
        &cmd,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let s = t.wait_for("the first screen", |s| {
        s.contains("sort: bytes") && s.contains("m::growing")
    });
    assert!(s.contains("allocprof top"), "{s}");
    assert!(
        s.contains("DELTA") && s.contains("SINCE-START") && s.contains("RATE/s"),
        "{s}"
    );
    assert!(
        s.contains("total: 9.5M in 17 calls, 3 rows (3 shown)"),
        "{s}"
    );
    // Largest first: ext4_big above m::growing.
    assert!(
        s.find("ext4_big").unwrap() < s.find("m::growing").unwrap(),
        "{s}"
    );

    // The table grows by 3 KiB: the next refresh shows the change.
    std::fs::write(&f, table(4096)).unwrap();
    let s = t.wait_for("a delta", |s| s.contains("+3.0K"));
    let row = s.lines().find(|l| l.contains("m::growing")).unwrap();
    let w: Vec<&str> = row.split_whitespace().collect();
    // DELTA is +3.0K on the refresh that saw the change (0B on a later
    // one, should the capture be that slow); SINCE-START stays +3.0K.
    assert_eq!(&w[..2], &["4.0K", "64"], "{s}");
    assert!(w[2] == "+3.0K" || w[2] == "0B", "{s}");
    assert_eq!(w[3], "+3.0K", "{s}");

    // s: sort by calls; m::growing (64 calls) is now first.
    t.keys(&["s"]);
    let s = t.wait_for("sort: calls", |s| s.contains("sort: calls"));
    assert!(
        s.find("m::growing").unwrap() < s.find("ext4_big").unwrap(),
        "{s}"
    );

    // z: hide the all-zero row.
    assert!(s.contains("func:zero"), "{s}");
    t.keys(&["z"]);
    let s = t.wait_for("nonzero: on", |s| s.contains("nonzero: on"));
    assert!(!s.contains("func:zero"), "{s}");

    // /: a filter on the name.
    t.keys(&["/"]);
    t.wait_for("the filter prompt", |s| s.contains("filter (regex"));
    t.keys(&["-l", "ext4"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("filter: ext4", |s| s.contains("filter: ext4"));
    assert!(s.contains("ext4_big") && !s.contains("m::growing"), "{s}");

    // q: quit, the terminal restored, exit status 0.
    t.keys(&["q"]);
    let s = t.wait_for("the exit", |s| s.contains("EXITED:"));
    assert!(s.contains("EXITED:0"), "{s}");
    assert!(
        !s.contains("sort: calls"),
        "the screen was not restored: {s}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
