// SPDX-License-Identifier: GPL-2.0

//! Parsing of allocinfo tables, allocprof's and upstream Linux's: owned
//! rows ([`parse`], [`parse_row`]) or rows borrowed from the text
//! ([`parse_with`], [`RowRef`]), and the byte-level scanner under both.
//!
//! Each row is `"%12lli %8llu "` then `file:line`, an optional `[module]`
//! (upstream's built-in rows have none), `func:NAME` and, from version 2.0,
//! optional ` key:value` pairs.  Trailing whitespace is ignored.  A
//! function name holds no space except inside `<...>` (`<T as Trait>::f`).  Lines
//! starting with `#` (comments, e.g. a snapshot's header) and empty lines are
//! skipped.
//!
//! Layer: readers and writers.  Uses: `table`, `hash`.

use std::borrow::Cow;
use std::sync::Arc;

use crate::hash::FxBuild;
use crate::table::{write_site, Malformed, Row, Table, HEADER_PREFIX};

/// Shares the strings that repeat across rows (files, modules).
#[derive(Default)]
pub struct Interner {
    map: std::collections::HashMap<Arc<str>, (), FxBuild>,
}

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some((k, _)) = self.map.get_key_value(s) {
            return k.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.map.insert(a.clone(), ());
        a
    }
}

/// The lines of `text`, as [`str::lines`] splits them (`\n` or `\r\n`
/// ends a line; the last one may have neither), found with memchr.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let line = match ends.next() {
            Some(end) => {
                let l = &text[start..end];
                start = end + 1;
                l.strip_suffix('\r').unwrap_or(l)
            }
            None => {
                let l = &text[start..];
                start = text.len();
                l
            }
        };
        Some(line)
    })
}

/// Parses `text`, labelling every row with `source`.  Malformed lines are
/// collected in [`Table::malformed`], never fatal here.
pub fn parse(text: &str, source: &str) -> Table {
    let shared: Arc<str> = Arc::from(source);
    let mut interner = Interner::default();
    let mut rows = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut malformed = Vec::new();
    let version = parse_with(
        text,
        |_, r| rows.push(r.into_row(&shared, &mut interner)),
        |m| malformed.push(m),
    );
    Table {
        source: source.to_string(),
        version,
        rows,
        malformed,
    }
}

/// Parses `text` without an owned row: calls `row` with each row and its
/// 1-based line number, `bad` with each malformed line; returns the
/// header's version, if there was one.
pub fn parse_with<'t>(
    text: &'t str,
    mut row: impl FnMut(usize, RowRef<'t>),
    mut bad: impl FnMut(Malformed),
) -> Option<String> {
    let mut version = None;
    for (i, raw) in lines(text).enumerate() {
        let line = raw.trim_end();
        // Not empty after trim_end: its last character is not whitespace.
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(v) = line.strip_prefix(HEADER_PREFIX) {
            version = Some(v.trim().to_string());
            continue;
        }
        match parse_ref(line) {
            Ok(r) => row(i + 1, r),
            Err(reason) => bad(Malformed {
                line: i + 1,
                reason,
                text: raw.to_string(),
            }),
        }
    }
    version
}

/// Parses one row (without its line end).
pub fn parse_row(line: &str, source: &str) -> Result<Row, &'static str> {
    Ok(parse_ref(line)?.into_row(&Arc::from(source), &mut Interner::default()))
}

/// A row as parsed, borrowing from its line: no allocation, but for a
/// function name whose `<...>` words are apart by other whitespace than
/// one space.
#[derive(Debug, Clone)]
pub struct RowRef<'t> {
    pub bytes: i64,
    pub calls: u64,
    pub file: &'t str,
    pub line: u32,
    pub module: Option<&'t str>,
    pub function: Cow<'t, str>,
    /// The `key:value` words after the function (checked).
    extra: Words<'t>,
    /// The tag text as [`write_site`] writes it, when the line holds it as
    /// is (one space between its words, the line number in canonical
    /// form), and the length of its part before the `key:value` pairs.
    pub site: Option<(&'t str, usize)>,
}

impl<'t> RowRef<'t> {
    /// The `key:value` pairs after the function, in order.
    pub fn extra(&self) -> impl Iterator<Item = (&'t str, &'t str)> + Clone {
        self.extra
            .clone()
            .map(|kv| kv.split_once(':').unwrap_or((kv, "")))
    }

    /// Appends the tag text, as [`Row::site`] gives it.
    pub fn write_site(&self, out: &mut String) {
        write_site(
            out,
            self.file,
            self.line,
            self.module,
            &self.function,
            self.extra(),
        );
    }

    fn into_row(self, source: &Arc<str>, interner: &mut Interner) -> Row {
        Row {
            source: source.clone(),
            file: interner.get(self.file),
            line: self.line,
            module: self.module.map(|m| interner.get(m)),
            extra: self
                .extra()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            function: self.function.into_owned(),
            bytes: self.bytes,
            calls: self.calls,
        }
    }
}

/// The words of a line, as [`str::split_ascii_whitespace`] splits them.
#[derive(Debug, Clone)]
struct Words<'a> {
    s: &'a str,
    pos: usize,
}

/// `b[i..i + 8]` as a little-endian u64, if that many bytes are left.
#[inline]
fn word_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

const ONES: u64 = 0x0101_0101_0101_0101;

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    /// Scans 8 bytes at a time: spaces (XOR with spaces: zero bytes), then
    /// a word up to its first byte below 0x21 (every ASCII whitespace is),
    /// found with the "has a byte less than" bit trick: the lowest flagged
    /// byte is exact.
    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let mut i = self.pos;
        loop {
            if let Some(w) = word_at(b, i) {
                let x = w ^ (ONES * u64::from(b' '));
                if x == 0 {
                    i += 8;
                    continue;
                }
                i += (x.trailing_zeros() / 8) as usize;
            }
            if i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            break;
        }
        if i >= b.len() {
            self.pos = b.len();
            return None;
        }
        let start = i;
        loop {
            if let Some(w) = word_at(b, i) {
                let low = w.wrapping_sub(ONES * 0x21) & !w & (ONES * 0x80);
                if low == 0 {
                    i += 8;
                    continue;
                }
                i += (low.trailing_zeros() / 8) as usize;
                if b[i].is_ascii_whitespace() {
                    break;
                }
                i += 1;
                continue;
            }
            if i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            break;
        }
        self.pos = i;
        // Both ends are at an ASCII byte or an end of `s`: char boundaries.
        Some(&self.s[start..i])
    }
}

/// The value of a word of at most `max` decimal digits (no sign), else
/// `None` (then `str::parse` decides).
#[inline]
fn digits(s: &str, max: usize) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > max {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// `s.parse::<i64>()`, with a fast path for at most 18 digits and a sign.
#[inline]
fn parse_i64(s: &str) -> Option<i64> {
    let fast = match s.strip_prefix('-') {
        Some(d) => digits(d, 18).map(|v| -(v as i64)),
        None => digits(s, 18).map(|v| v as i64),
    };
    fast.or_else(|| s.parse().ok())
}

/// `s.parse::<u64>()`, with a fast path for at most 19 digits.
#[inline]
fn parse_u64(s: &str) -> Option<u64> {
    digits(s, 19).or_else(|| s.parse().ok())
}

/// `s.parse::<u32>()`, with a fast path for at most 9 digits.
#[inline]
fn parse_u32(s: &str) -> Option<u32> {
    digits(s, 9).map(|v| v as u32).or_else(|| s.parse().ok())
}

/// Parses one row (without its line end), borrowing from it.
pub fn parse_ref(line: &str) -> Result<RowRef<'_>, &'static str> {
    let mut it = Words { s: line, pos: 0 };
    let bytes =
        parse_i64(it.next().ok_or("empty line")?).ok_or("bytes is not a signed 64-bit integer")?;
    let calls = parse_u64(it.next().ok_or("no calls column")?)
        .ok_or("calls is not an unsigned 64-bit integer")?;
    let loc = it.next().ok_or("no file:line")?;
    let start = it.pos - loc.len();
    let colon = memchr::memrchr(b':', loc.as_bytes()).ok_or("no file:line")?;
    let (file, l) = (&loc[..colon], &loc[colon + 1..]);
    if file.is_empty() {
        return Err("empty file name");
    }
    let line_no = parse_u32(l).ok_or("line is not a number")?;
    // Whether the tag text is the line's from `start`: the line number as
    // written is canonical, and every word follows the previous one after
    // one space.
    let mut as_is = l.bytes().all(|c| c.is_ascii_digit()) && (l.len() == 1 || !l.starts_with('0'));
    let mut end = it.pos;
    let mut tok = next_spaced(&mut it, &mut end, &mut as_is).ok_or("no func:")?;
    let mut module = None;
    if tok.starts_with('[') {
        if !tok.ends_with(']') || tok.len() < 3 {
            return Err("malformed [module]");
        }
        module = Some(&tok[1..tok.len() - 1]);
        tok = next_spaced(&mut it, &mut end, &mut as_is).ok_or("no func:")?;
    }
    let first = tok.strip_prefix("func:").ok_or("no func:")?;
    if first.is_empty() {
        return Err("empty function name");
    }
    // A Rust name may hold spaces inside <...>: `<T as Trait>::f`.  Its
    // words joined by one space: the line's text when they are apart by one.
    let mut depth = angle_depth(first);
    let function = if depth > 0 {
        let from = it.pos - first.len();
        let mut joined = None::<String>;
        let mut spaced = true;
        while depth > 0 {
            let before = end;
            let Some(t) = next_spaced(&mut it, &mut end, &mut spaced) else {
                return Err("unbalanced <...> in function name");
            };
            if !spaced && joined.is_none() {
                joined = Some(line[from..before].to_string());
            }
            if let Some(j) = joined.as_mut() {
                j.push(' ');
                j.push_str(t);
            }
            depth += angle_depth(t);
        }
        as_is &= spaced;
        match joined {
            Some(j) => Cow::Owned(j),
            None => Cow::Borrowed(&line[from..end]),
        }
    } else {
        Cow::Borrowed(first)
    };
    let key_end = end;
    let extra = it.clone();
    while let Some(kv) = next_spaced(&mut it, &mut end, &mut as_is) {
        match kv.split_once(':') {
            Some((k, _)) if !k.is_empty() => {}
            _ => return Err("trailing text is not key:value"),
        }
    }
    Ok(RowRef {
        bytes,
        calls,
        file,
        line: line_no,
        module,
        function,
        extra,
        site: as_is.then(|| (&line[start..end], key_end - start)),
    })
}

/// The next word of `it`; `spaced` stays true while each word follows the
/// previous one, which ended at `end`, after exactly one space.
#[inline]
fn next_spaced<'t>(it: &mut Words<'t>, end: &mut usize, spaced: &mut bool) -> Option<&'t str> {
    let w = it.next()?;
    let start = it.pos - w.len();
    *spaced &= start == *end + 1 && it.s.as_bytes()[*end] == b' ';
    *end = it.pos;
    Some(w)
}

/// Opened minus closed angle brackets of `s` (the `>` of `->` not counted).
/// Bytes, not chars: `<`, `>` and `-` are never part of a longer UTF-8
/// sequence.
#[inline]
fn angle_depth(s: &str) -> i32 {
    let mut d = 0;
    let mut prev = b' ';
    for &c in s.as_bytes() {
        match c {
            b'<' => d += 1,
            b'>' if prev != b'-' => d -= 1,
            _ => {}
        }
        prev = c;
    }
    d
}

#[cfg(test)]
mod tests {
    /// The parser before its byte-level rewrite, as the reference of
    /// `same_as_reference_parser`.
    mod reference {
        use super::super::*;

        pub fn parse(text: &str, source: &str) -> Table {
            let shared: Arc<str> = Arc::from(source);
            let mut interner = Interner::default();
            let mut t = Table {
                source: source.to_string(),
                rows: Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count()),
                ..Default::default()
            };
            for (i, raw) in text.lines().enumerate() {
                let line = raw.trim_end();
                if line.trim_start().is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(v) = line.strip_prefix(HEADER_PREFIX) {
                    t.version = Some(v.trim().to_string());
                    continue;
                }
                match parse_row_shared(line, &shared, &mut interner) {
                    Ok(r) => t.rows.push(r),
                    Err(reason) => t.malformed.push(Malformed {
                        line: i + 1,
                        reason,
                        text: raw.to_string(),
                    }),
                }
            }
            t
        }

        /// Parses one row (without its line end).
        pub fn parse_row(line: &str, source: &str) -> Result<Row, &'static str> {
            parse_row_shared(line, &Arc::from(source), &mut Interner::default())
        }

        fn parse_row_shared(
            line: &str,
            source: &Arc<str>,
            interner: &mut Interner,
        ) -> Result<Row, &'static str> {
            let mut it = line.split_ascii_whitespace();
            let bytes = it
                .next()
                .ok_or("empty line")?
                .parse::<i64>()
                .map_err(|_| "bytes is not a signed 64-bit integer")?;
            let calls = it
                .next()
                .ok_or("no calls column")?
                .parse::<u64>()
                .map_err(|_| "calls is not an unsigned 64-bit integer")?;
            let loc = it.next().ok_or("no file:line")?;
            let (file, l) = loc.rsplit_once(':').ok_or("no file:line")?;
            if file.is_empty() {
                return Err("empty file name");
            }
            let line_no = l.parse::<u32>().map_err(|_| "line is not a number")?;
            let mut tok = it.next().ok_or("no func:")?;
            let mut module = None;
            if tok.starts_with('[') {
                if !tok.ends_with(']') || tok.len() < 3 {
                    return Err("malformed [module]");
                }
                module = Some(interner.get(&tok[1..tok.len() - 1]));
                tok = it.next().ok_or("no func:")?;
            }
            let first = tok.strip_prefix("func:").ok_or("no func:")?;
            if first.is_empty() {
                return Err("empty function name");
            }
            // A Rust name may hold spaces inside <...>: `<T as Trait>::f`.
            let mut function = first.to_string();
            let mut depth = angle_depth(first);
            while depth > 0 {
                let Some(t) = it.next() else {
                    return Err("unbalanced <...> in function name");
                };
                function.push(' ');
                function.push_str(t);
                depth += angle_depth(t);
            }
            let mut extra = Vec::new();
            for kv in it {
                match kv.split_once(':') {
                    Some((k, v)) if !k.is_empty() => extra.push((k.to_string(), v.to_string())),
                    _ => return Err("trailing text is not key:value"),
                }
            }
            Ok(Row {
                source: source.clone(),
                file: interner.get(file),
                line: line_no,
                module,
                function,
                bytes,
                calls,
                extra,
            })
        }

        /// Opened minus closed angle brackets of `s` (the `>` of `->` not counted).
        fn angle_depth(s: &str) -> i32 {
            let mut d = 0;
            let mut prev = ' ';
            for c in s.chars() {
                match c {
                    '<' => d += 1,
                    '>' if prev != '-' => d -= 1,
                    _ => {}
                }
                prev = c;
            }
            d
        }
    }

    use super::*;

    /// A small deterministic generator (an LCG), for reproducible cases.
    struct Lcg(u64);
    impl Lcg {
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v[(self.0 >> 33) as usize % v.len()]
        }
    }

    #[test]
    fn words_as_split_ascii_whitespace() {
        let parts = [
            " ", " ", "\t", "\n", "\x0b", "\x0c", "\r", "\0", "\x1f", "!", "a", "é", "\u{a0}",
            "abcdefgh", "        ", "\x7f",
        ];
        let mut g = Lcg(7);
        for case in 0..20_000 {
            let mut s = String::new();
            for _ in 0..case % 23 {
                s.push_str(g.pick(&parts));
            }
            let want: Vec<&str> = s.split_ascii_whitespace().collect();
            let got: Vec<&str> = Words { s: &s, pos: 0 }.collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn same_as_reference_parser() {
        // Valid words, then odd ones: a line is valid, or has one odd word
        // or separator, so that every check is reached.
        let nums = ["0", "12", "-8192", "1024", "7", "999999999999999999"];
        let odd_nums = [
            "-0",
            "+5",
            "007",
            "99999999999999999999",
            "-9223372036854775808",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-999999999999999999",
            "1234567890123456789",
            "-",
            "x",
            "1e3",
            "--1",
        ];
        let locs = [
            "a.c:1",
            "mm/slub.c:123",
            "a:b:3",
            "é/ü.rs:5",
            "a.c:999999999",
        ];
        let odd_locs = [
            "a.c:0012",
            "a.c:4294967295",
            ":3",
            "a.c:",
            "a.c",
            "a.c:+4",
            "a.c:-1",
            "a.c:4294967296",
            "a.c:1234567890",
        ];
        let mods = ["", "", "[m]", "[mod0]", "[é]"];
        let odd_mods = ["[]", "[m", "[ab]c]", "[", "]"];
        let firsts = [
            "func:f",
            "func:a->b",
            "func:m::Vec<u8>::push<alloc::Global>",
            "func:<a<b>>",
            "func:<T",
            "func:<F",
            "func:é<ü",
        ];
        let odd_firsts = ["func:", "notfunc:e", "f", "func:>", "func:<<"];
        let rest = [
            "as",
            "Fn()",
            "->",
            "u8>::call",
            "Trait>::f",
            "ü>",
            "k:v",
            "accurate:no",
            "a:b:c",
            "é:ü",
            "k:",
            ">",
            "<",
        ];
        let odd_rest = [":v", "kv", "", "#"];
        let seps = [" ", " ", " ", " ", "\t", "  ", "\x0c", "\r"];
        let odd_seps = ["\u{a0}", "\x0b", "\u{3000}", ""];
        let starts = ["", "", "  ", "\t"];
        let odd_starts = ["#", "\u{a0}", "\x0b", " #"];
        let ends = ["", "", " ", " \t ", "\u{a0}", "\u{3000}", "\x0b"];
        let mut g = Lcg(42);
        let mut texts = String::new();
        // Rows with a spaced name, with key:value pairs, other rows, errors.
        let mut outcomes = [0; 4];
        // Rows whose tag text is the line's, the others, and those of a
        // function name joined anew.
        let mut as_is = [0; 3];
        let mut reasons = std::collections::BTreeSet::new();
        for case in 0..20_000 {
            // Which part is odd, if any (7 and more: none).
            let odd = case % 14;
            let mut pick = |part: usize, v: &[&'static str], o: &[&'static str]| {
                g.pick(if odd == part { o } else { v })
            };
            let mut words: Vec<&str> = vec![
                pick(0, &nums, &odd_nums),
                pick(1, &nums, &odd_nums),
                pick(2, &locs, &odd_locs),
            ];
            let m = pick(3, &mods, &odd_mods);
            if !m.is_empty() {
                words.push(m);
            }
            words.push(pick(4, &firsts, &odd_firsts));
            for _ in 0..(case % 4) {
                words.push(pick(5, &rest, &odd_rest));
            }
            if case % 29 == 0 {
                words.truncate(case % 5);
            }
            let mut line = String::from(pick(6, &starts, &odd_starts));
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    line.push_str(pick(7, &seps, &odd_seps));
                }
                line.push_str(w);
            }
            line.push_str(g.pick(&ends));
            let want = reference::parse_row(&line, "s");
            let got = parse_row(&line, "s");
            assert_eq!(got, want, "{line:?}");
            if let Ok(r) = &got {
                // The borrowed row's tag text, written or as in the line.
                let b = parse_ref(&line).unwrap();
                let mut w = String::new();
                b.write_site(&mut w);
                assert_eq!(w, r.site(), "{line:?}");
                let mut key = String::new();
                write_site(
                    &mut key,
                    &r.file,
                    r.line,
                    r.module.as_deref(),
                    &r.function,
                    std::iter::empty(),
                );
                if matches!(b.function, Cow::Owned(_)) {
                    as_is[2] += 1;
                }
                match b.site {
                    Some((s, k)) => {
                        assert_eq!((s, &s[..k]), (w.as_str(), key.as_str()), "{line:?}");
                        as_is[0] += 1;
                    }
                    None => as_is[1] += 1,
                }
            }
            match &got {
                Ok(r) if r.function.contains(' ') => outcomes[0] += 1,
                Ok(r) if !r.extra.is_empty() => outcomes[1] += 1,
                Ok(_) => outcomes[2] += 1,
                Err(e) => {
                    outcomes[3] += 1;
                    reasons.insert(*e);
                }
            }
            texts.push_str(&line);
            texts.push_str(g.pick(&["\n", "\n", "\r\n", "\n\n", "\n\r\n"]));
            if case % 1000 == 0 {
                texts.push_str("allocinfo - version: 2.0 \n");
            }
        }
        assert!(outcomes.iter().all(|&n| n >= 100), "{outcomes:?}");
        assert!(as_is.iter().all(|&n| n >= 20), "{as_is:?}");
        // Every reason of parse_row_shared.
        assert_eq!(reasons.len(), 12, "{reasons:?}");
        for text in [
            texts.as_str(),
            texts.trim_end(),
            "",
            "\n",
            "\r\n",
            "x\r",
            "1 1 a.c:1 func:f\r",
            "\n\n 1 1 a.c:1 func:f",
        ] {
            let (a, b) = (parse(text, "t"), reference::parse(text, "t"));
            assert_eq!(a.rows, b.rows);
            assert_eq!(a.malformed, b.malformed);
            assert_eq!(a.version, b.version);
            assert_eq!(a.source, b.source);
        }
    }
}
