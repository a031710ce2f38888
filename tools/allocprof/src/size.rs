// SPDX-License-Identifier: GPL-2.0

//! Byte counts: `1M`-style arguments and human-readable output.
//!
//! Layer: types.  Uses: no other module.

/// Parses `123`, `4K`, `1.5M`, `2G`, `1T` (powers of 1024; an optional
/// trailing `B` or `iB`, any case).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (num, mult) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 1u64 << 10),
        Some('m') => (&body[..body.len() - 1], 1 << 20),
        Some('g') => (&body[..body.len() - 1], 1 << 30),
        Some('t') => (&body[..body.len() - 1], 1 << 40),
        _ => (body, 1),
    };
    let num = num.trim();
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| format!("size too large: {s}"));
    }
    match num.parse::<f64>() {
        Ok(f) if f >= 0.0 && f.is_finite() => Ok((f * mult as f64).round() as u64),
        _ => Err(format!(
            "invalid size '{s}': expected a number with an optional K, M, G or T suffix"
        )),
    }
}

/// `512B`, `1.5K`, `12.0M`, `-3.2G` (powers of 1024).
pub fn human(v: i64) -> String {
    let mut s = String::with_capacity(8);
    write_bytes(&mut s, v, false, false);
    s
}

/// Writes `v` human-readable or raw, with a `+` on positive values when
/// `signed`, without allocating.
pub fn write_bytes<W: std::fmt::Write>(w: &mut W, v: i64, raw: bool, signed: bool) {
    if signed && v > 0 {
        let _ = w.write_char('+');
    }
    let a = v.unsigned_abs();
    if raw || a < 1024 {
        write_int(w, v);
        if !raw {
            let _ = w.write_char('B');
        }
        return;
    }
    let units = ["K", "M", "G", "T", "P", "E"];
    let mut div = 1024f64;
    let mut i = 0;
    while i + 1 < units.len() && a as f64 >= div * 1024.0 {
        div *= 1024.0;
        i += 1;
    }
    // One decimal, rounded half away from zero, without float formatting
    // (nor the formatting machinery).
    let tenths = (v as f64 / div * 10.0).round() as i64;
    if tenths < 0 {
        let _ = w.write_char('-');
    }
    let t = tenths.unsigned_abs();
    write_uint(w, t / 10);
    let _ = w.write_char('.');
    let _ = w.write_char(char::from(b'0' + (t % 10) as u8));
    let _ = w.write_str(units[i]);
}

/// Writes a decimal integer without the formatting machinery.
pub fn write_int<W: std::fmt::Write>(w: &mut W, v: i64) {
    let _ = w.write_str(itoa::Buffer::new().format(v));
}

/// Writes an unsigned decimal integer.
pub fn write_uint<W: std::fmt::Write>(w: &mut W, v: u64) {
    let _ = w.write_str(itoa::Buffer::new().format(v));
}

/// `human` or raw, with a `+` on positive values when `signed`.
pub fn fmt_bytes(v: i64, raw: bool, signed: bool) -> String {
    let mut s = String::with_capacity(12);
    write_bytes(&mut s, v, raw, signed);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sizes() {
        assert_eq!(parse_size("1M").unwrap(), 1 << 20);
        assert_eq!(parse_size("4k").unwrap(), 4096);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5K").unwrap(), 1536);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("x").is_err());
        assert!(parse_size("-1").is_err());
    }
    #[test]
    fn humans() {
        assert_eq!(human(512), "512B");
        assert_eq!(human(-512), "-512B");
        assert_eq!(human(1536), "1.5K");
        assert_eq!(human(3 << 20), "3.0M");
        assert_eq!(human(1023), "1023B");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(1048575), "1024.0K");
        assert_eq!(human(-1048575), "-1024.0K");
        assert_eq!(human(1 << 20), "1.0M");
        assert_eq!(human(-1536), "-1.5K");
        assert_eq!(human(i64::MAX), "8.0E");
        assert_eq!(human(i64::MIN), "-8.0E");
        assert_eq!(fmt_bytes(1 << 40, false, true), "+1.0T");
        // The same text as the formatting machinery's, which it replaced.
        let reference = |v: i64| {
            let units = ["K", "M", "G", "T", "P", "E"];
            let a = v.unsigned_abs();
            let mut div = 1024f64;
            let mut i = 0;
            while i + 1 < units.len() && a as f64 >= div * 1024.0 {
                div *= 1024.0;
                i += 1;
            }
            let tenths = (v as f64 / div * 10.0).round() as i64;
            let sign = if tenths < 0 { "-" } else { "" };
            let t = tenths.unsigned_abs();
            format!("{sign}{}.{}{}", t / 10, t % 10, units[i])
        };
        for i in 0..5000i64 {
            for v in [
                i * i * i * 1237 + 1024,
                -(i * i * i * 977) - 1024,
                (i << 50) + 1024,
            ] {
                assert_eq!(human(v), reference(v), "{v}");
            }
        }
        let mut s = String::new();
        write_uint(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }
}
