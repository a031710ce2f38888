// SPDX-License-Identifier: GPL-2.0

//! `allocprof top`: one table, or `--watch` refreshes (a full-screen UI on a
//! terminal, repeated plain tables otherwise).  The one-shot table is
//! `report`'s; what a refresh shows is `topview`'s, the terminal UI `tui`'s.
//!
//! Layer: commands.  Uses: `input`, `report`, `topview`, `tui`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::input::Input;
use crate::report::Report;
use crate::topview::{read, text, TopOpts, Tracker};

/// Rows of one screen when stdout is a terminal, else 20.
fn screen_rows(reserved: usize) -> usize {
    if std::io::stdout().is_terminal() {
        if let Ok((_, h)) = crossterm::terminal::size() {
            return (h as usize).saturating_sub(reserved).max(1);
        }
    }
    20
}

pub fn run(o: &TopOpts) -> Result<()> {
    let n = o.n.unwrap_or_else(|| screen_rows(2));
    one_shot(o, n, &mut std::io::stdout().lock())
}

/// Writes the one-shot table of `n` entries to `w`: `read` then `text`,
/// over rows borrowed from the inputs' texts (see `report`).
pub fn one_shot(o: &TopOpts, n: usize, w: &mut impl Write) -> Result<()> {
    let mut r = Report::new(o.by, o.inputs.len() > 1);
    for i in &o.inputs {
        r.add(i.label(), i.read()?, &o.filter, o.strict)?;
    }
    r.select(o.sort, n, o.min_bytes);
    r.write_to(o.raw_bytes, w)?;
    Ok(())
}

/// `--watch`: the terminal UI on a terminal, else plain repeated tables.
pub fn watch(o: &TopOpts, secs: f64, iterations: Option<u64>) -> Result<()> {
    if o.inputs.contains(&Input::Stdin) {
        anyhow::bail!("--watch rereads its input: stdin (-) cannot be watched");
    }
    let period = Duration::from_secs_f64(secs.max(0.1));
    // A first read, so that a missing or unreadable input fails here, with
    // its message and exit status, before any screen is taken over.
    read(o)?;
    if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return crate::tui::run(o, period, iterations);
    }
    let mut t = Tracker::default();
    let mut i = 0u64;
    let mut out = std::io::stdout().lock();
    loop {
        let mut s = read(o)?;
        let now = Instant::now();
        t.update(&mut s, now);
        i += 1;
        writeln!(
            out,
            "--- allocprof top: refresh {i}, every {secs}s, sort {} ---",
            o.sort.name()
        )?;
        out.write_all(text(s, o, o.n.unwrap_or(20), true).as_bytes())?;
        out.flush()?;
        if iterations.is_some_and(|n| i >= n) {
            return Ok(());
        }
        std::thread::sleep(period);
    }
}
