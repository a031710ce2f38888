// SPDX-License-Identifier: GPL-2.0

//! The full-screen `top --watch` (ratatui on crossterm).
//!
//! Keys: `s` next sort order, `/` edit the name filter (a regex; Enter
//! applies, Esc cancels), `z` toggle hiding all-zero rows, `q`, Esc or
//! Ctrl-C quit.
//!
//! Layer: commands.  Uses: `topview`, `view`.

use std::time::{Duration, Instant};

use anyhow::Result;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use regex::Regex;

use crate::topview::{read, visible, Snapshot, TopOpts, Tracker};
use crate::view::{cells, totals_line, By, Columns};

struct State {
    sort: crate::view::SortKey,
    nonzero: bool,
    filter: String,
    filter_re: Option<Regex>,
    editing: Option<String>,
    error: Option<String>,
    refreshes: u64,
}

pub fn run(o: &TopOpts, period: Duration, iterations: Option<u64>) -> Result<()> {
    let mut terminal = ratatui::init();
    let r = run_loop(&mut terminal, o, period, iterations);
    ratatui::restore();
    r
}

fn run_loop(
    terminal: &mut ratatui::DefaultTerminal,
    o: &TopOpts,
    period: Duration,
    iterations: Option<u64>,
) -> Result<()> {
    let mut st = State {
        sort: o.sort,
        nonzero: o.filter.nonzero,
        filter: String::new(),
        filter_re: None,
        editing: None,
        error: None,
        refreshes: 0,
    };
    let mut tracker = Tracker::default();
    let mut snap: Option<Snapshot> = None;
    let mut next = Instant::now();
    loop {
        if Instant::now() >= next {
            if iterations.is_some_and(|n| st.refreshes >= n) {
                return Ok(());
            }
            match read(o) {
                Ok(mut s) => {
                    tracker.update(&mut s, Instant::now());
                    snap = Some(s);
                    st.error = None;
                }
                Err(e) => st.error = Some(format!("{e:#}")),
            }
            st.refreshes += 1;
            next = Instant::now() + period;
        }
        terminal.draw(|f| draw(f, o, &st, snap.as_ref(), period))?;
        let wait = next.saturating_duration_since(Instant::now());
        if event::poll(wait)? {
            if let Event::Key(k) = event::read()? {
                if k.kind != KeyEventKind::Press {
                    continue;
                }
                if let Some(buf) = st.editing.as_mut() {
                    match k.code {
                        KeyCode::Enter => {
                            let text = st.editing.take().unwrap_or_default();
                            if text.is_empty() {
                                st.filter.clear();
                                st.filter_re = None;
                            } else {
                                match Regex::new(&text) {
                                    Ok(re) => {
                                        st.filter = text;
                                        st.filter_re = Some(re);
                                    }
                                    Err(e) => st.error = Some(format!("invalid regex: {e}")),
                                }
                            }
                        }
                        KeyCode::Esc => st.editing = None,
                        KeyCode::Backspace => {
                            buf.pop();
                        }
                        KeyCode::Char(c) => buf.push(c),
                        _ => {}
                    }
                    continue;
                }
                match k.code {
                    KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                    KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                        return Ok(())
                    }
                    KeyCode::Char('s') => st.sort = st.sort.next(),
                    KeyCode::Char('z') | KeyCode::Char('0') => st.nonzero = !st.nonzero,
                    KeyCode::Char('/') => st.editing = Some(st.filter.clone()),
                    _ => {}
                }
            }
        }
    }
}

fn draw(
    f: &mut ratatui::Frame,
    o: &TopOpts,
    st: &State,
    snap: Option<&Snapshot>,
    period: Duration,
) {
    let area = f.area();
    let [head_area, table_area, foot_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(area);
    let sources: Vec<String> = o.inputs.iter().map(|i| i.label()).collect();
    let by = match o.by {
        By::Site => "site",
        By::Function => "function",
        By::File => "file",
        By::Dir => "dir",
        By::Module => "module",
    };
    let head = vec![
        Line::from(format!(
            "allocprof top  {}  every {:.1}s  refresh {}",
            sources.join(", "),
            period.as_secs_f64(),
            st.refreshes
        )),
        Line::from(format!(
            "sort: {}  by: {}  nonzero: {}  filter: {}",
            st.sort.name(),
            by,
            if st.nonzero { "on" } else { "off" },
            if st.filter.is_empty() {
                "-"
            } else {
                &st.filter
            }
        )),
    ];
    f.render_widget(Paragraph::new(head), head_area);

    let rows_fit = (table_area.height as usize).saturating_sub(1);
    let n = o.n.unwrap_or(rows_fit).min(rows_fit);
    let mut total = String::new();
    if let Some(s) = snap {
        let v = visible(s, o, st.sort, st.filter_re.as_ref(), st.nonzero, n);
        let c = Columns {
            raw_bytes: o.raw_bytes,
            sites: o.by != By::Site,
            source: o.inputs.len() > 1,
            watch: true,
        };
        let (hd, rows) = cells(&v, c);
        let mut widths: Vec<Constraint> = hd
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let w = rows
                    .iter()
                    .map(|r| r[i].len())
                    .max()
                    .unwrap_or(0)
                    .max(h.len());
                Constraint::Length(w as u16)
            })
            .collect();
        if let Some(last) = widths.last_mut() {
            *last = Constraint::Min(10);
        }
        let header = Row::new(hd.iter().map(|h| Cell::from(*h)))
            .style(Style::default().add_modifier(Modifier::REVERSED));
        let body = rows.into_iter().map(|r| {
            let last = r.len() - 1;
            Row::new(r.into_iter().enumerate().map(move |(i, c)| {
                if i == last {
                    Cell::from(c)
                } else {
                    Cell::from(Line::from(c).right_aligned())
                }
            }))
        });
        f.render_widget(
            Table::new(body, widths).header(header).column_spacing(2),
            table_area,
        );
        total = totals_line(s.bytes, s.calls, s.rows, v.len(), o.raw_bytes);
    }
    let foot = if let Some(e) = &st.editing {
        format!("filter (regex, Enter applies, Esc cancels): /{e}")
    } else if let Some(e) = &st.error {
        format!("error: {e}")
    } else {
        "keys: s sort  / filter  z nonzero  q quit".to_string()
    };
    f.render_widget(
        Paragraph::new(vec![Line::from(total), Line::from(foot)]),
        foot_area,
    );
}
