//! Byte counts: `1M`-style arguments and human-readable output.

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
    if raw {
        let _ = write!(w, "{v}");
        return;
    }
    if a < 1024 {
        let _ = write!(w, "{v}B");
        return;
    }
    let units = ["K", "M", "G", "T", "P", "E"];
    let mut div = 1024f64;
    let mut i = 0;
    while i + 1 < units.len() && a as f64 >= div * 1024.0 {
        div *= 1024.0;
        i += 1;
    }
    // One decimal, rounded half away from zero, without float formatting.
    let tenths = (v as f64 / div * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    let _ = write!(w, "{sign}{}.{}{}", t / 10, t % 10, units[i]);
}

/// `human` or raw, with a `+` on positive values when `signed`.
pub fn fmt_bytes(v: i64, raw: bool, signed: bool) -> String {
    let mut s = String::with_capacity(12);
    write_bytes(&mut s, v, raw, signed);
    s
}

/// A small stack buffer for one formatted cell.
pub struct CellBuf {
    buf: [u8; 48],
    len: usize,
}

impl Default for CellBuf {
    fn default() -> Self {
        CellBuf {
            buf: [0; 48],
            len: 0,
        }
    }
}

impl CellBuf {
    pub fn clear(&mut self) {
        self.len = 0;
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for CellBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
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
        assert_eq!(fmt_bytes(512, true, true), "+512");
        assert_eq!(fmt_bytes(-2048, false, true), "-2.0K");
    }
}
