//! The little XML this writer needs: escaping and numbers.

use std::fmt::Write;

/// The OFD namespace of GB/T 33190-2016.
pub const NS: &str = "http://www.ofdspec.org/2016";
pub const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Millimetres per typographic point.
pub const MM_PER_PT: f64 = 25.4 / 72.0;

/// Escapes text for an element or a double-quoted attribute. Characters
/// that XML 1.0 cannot carry (C0 controls other than tab and newline) become
/// spaces, one for one, so per-character lists (DeltaX) keep their length.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
}

pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape(s, &mut out);
    out
}

/// A number as OFD writes it: at most four decimals, no trailing zeros, no
/// "-0". Four decimals of a millimetre are far below any printer's dot, and
/// the same value always prints the same, so the output is reproducible.
pub fn num(v: f64, out: &mut String) {
    let v = if v.is_finite() { v } else { 0.0 };
    let mut r = (v * 10_000.0).round() as i64;
    if r < 0 {
        out.push('-');
        r = -r;
    }
    let int = r / 10_000;
    let frac = r % 10_000;
    let _ = write!(out, "{int}");
    if frac != 0 {
        let mut f = format!("{frac:04}");
        while f.ends_with('0') {
            f.pop();
        }
        out.push('.');
        out.push_str(&f);
    }
}

pub fn n(v: f64) -> String {
    let mut s = String::new();
    num(v, &mut s);
    if s == "-0" { "0".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(n(0.0), "0");
        assert_eq!(n(-0.00001), "0");
        assert_eq!(n(210.0), "210");
        assert_eq!(n(5.644444), "5.6444");
        assert_eq!(n(-1.5), "-1.5");
        assert_eq!(n(0.05), "0.05");
    }

    #[test]
    fn escaping() {
        assert_eq!(escaped("a<b>&\"c\u{1}"), "a&lt;b&gt;&amp;&quot;c ");
    }
}
