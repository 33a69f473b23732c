//! Exact points: integer hundredths. 93.75 stays 93.75; nothing is summed in f64.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};

/// A number of points in hundredths (`Pts(375)` is 3.75 points).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pts(pub i64);

impl Pts {
    pub const ZERO: Pts = Pts(0);

    pub fn from_int(n: i64) -> Pts {
        Pts(n * 100)
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// Converts a TOML/JSON float such as 0.25 exactly; `None` when it is not a
    /// whole number of hundredths (0.125) or not finite.
    pub fn from_f64(x: f64) -> Option<Pts> {
        if !x.is_finite() || x.abs() > 1e12 {
            return None;
        }
        let h = (x * 100.0).round();
        if (x * 100.0 - h).abs() > 1e-6 {
            return None;
        }
        Some(Pts(h as i64))
    }

    /// Parses a plain decimal such as "3", "0.5", "-1.25" (ASCII only; callers
    /// normalise full-width digits first). More than two decimals is `None`.
    pub fn parse(s: &str) -> Option<Pts> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if body.is_empty() {
            return None;
        }
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || int.len() > 12
        {
            return None;
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 2 {
            return None;
        }
        let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        if frac.len() == 1 {
            f *= 10;
        }
        let v = whole * 100 + f;
        Some(Pts(if neg { -v } else { v }))
    }

    /// The value as a JSON number with at most two decimals.
    pub fn to_json(self) -> serde_json::Value {
        if self.0 % 100 == 0 {
            serde_json::Value::from(self.0 / 100)
        } else {
            // Exact enough: a hundredths value printed by Rust's shortest
            // round-trip formatting gives at most two decimals.
            serde_json::Value::from(self.0 as f64 / 100.0)
        }
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Whether `self` is a whole multiple of `step` (a zero step accepts all).
    pub fn is_multiple_of(self, step: Pts) -> bool {
        step.0 == 0 || self.0 % step.0 == 0
    }

    pub fn min(self, other: Pts) -> Pts {
        if self <= other { self } else { other }
    }
}

impl fmt::Display for Pts {
    /// "3", "0.5", "93.75", "-1.25": no trailing zeros, as an office writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let sign = if v < 0 { "-" } else { "" };
        let a = v.unsigned_abs();
        let (i, r) = (a / 100, a % 100);
        if r == 0 {
            write!(f, "{sign}{i}")
        } else if r % 10 == 0 {
            write!(f, "{sign}{i}.{}", r / 10)
        } else {
            write!(f, "{sign}{i}.{r:02}")
        }
    }
}

impl Add for Pts {
    type Output = Pts;
    fn add(self, o: Pts) -> Pts {
        Pts(self.0 + o.0)
    }
}

impl AddAssign for Pts {
    fn add_assign(&mut self, o: Pts) {
        self.0 += o.0;
    }
}

impl Sub for Pts {
    type Output = Pts;
    fn sub(self, o: Pts) -> Pts {
        Pts(self.0 - o.0)
    }
}

impl Neg for Pts {
    type Output = Pts;
    fn neg(self) -> Pts {
        Pts(-self.0)
    }
}

impl Sum for Pts {
    fn sum<I: Iterator<Item = Pts>>(iter: I) -> Pts {
        iter.fold(Pts::ZERO, Add::add)
    }
}

impl serde::Serialize for Pts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        for (s, v, shown) in [
            ("3", 300, "3"),
            ("0.5", 50, "0.5"),
            ("0.25", 25, "0.25"),
            ("93.75", 9375, "93.75"),
            (".5", 50, "0.5"),
            ("1.50", 150, "1.5"),
            ("-1.25", -125, "-1.25"),
            ("100", 10000, "100"),
        ] {
            assert_eq!(Pts::parse(s), Some(Pts(v)), "{s}");
            assert_eq!(Pts(v).to_string(), shown);
        }
        for bad in ["", "1.234", "abc", "1e3", "1,5", ".", "--1", "1.2.3"] {
            assert_eq!(Pts::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn exact_sums() {
        let total: Pts = std::iter::repeat_n(Pts(25), 375).sum();
        assert_eq!(total, Pts(9375));
        assert_eq!(Pts::from_f64(0.1 + 0.2), Some(Pts(30)));
        assert_eq!(Pts::from_f64(0.125), None);
        assert_eq!(Pts(9375).to_json().to_string(), "93.75");
        assert_eq!(Pts(10000).to_json().to_string(), "100");
    }

    #[test]
    fn parse_edges() {
        assert_eq!(Pts::parse("+1"), Some(Pts(100)));
        assert_eq!(Pts::parse(" 2 "), Some(Pts(200)));
        assert_eq!(Pts::parse("1."), Some(Pts(100)));
        assert_eq!(Pts::parse("0.05"), Some(Pts(5)));
        assert_eq!(Pts::parse("-0.5"), Some(Pts(-50)));
        assert_eq!(Pts::parse("2.500"), Some(Pts(250)));
        // Twelve digits before the point are read, thirteen are not.
        assert_eq!(Pts::parse("123456789012"), Some(Pts(12_345_678_901_200)));
        assert_eq!(Pts::parse("1234567890123"), None);
        for bad in ["-", "+", "+-1", "1a", "1.a", " . "] {
            assert_eq!(Pts::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn from_f64_edges() {
        assert_eq!(Pts::from_f64(f64::NAN), None);
        assert_eq!(Pts::from_f64(f64::INFINITY), None);
        assert_eq!(Pts::from_f64(1e12), Some(Pts(100_000_000_000_000)));
        assert_eq!(Pts::from_f64(-1e12), Some(Pts(-100_000_000_000_000)));
        assert_eq!(Pts::from_f64(1.1e12), None);
        assert_eq!(Pts::from_f64(-0.75), Some(Pts(-75)));
        assert_eq!(Pts::from_f64(2.0), Some(Pts(200)));
        assert_eq!(Pts::from_f64(0.001), None);
        // The tolerance for binary error is 1e-6 of a hundredth, inclusive:
        // 1e-8 × 100.0 is exactly the f64 1e-6, off 0 by the tolerance itself,
        // and is still read as 0; twice that is not a whole hundredth.
        assert_eq!(1e-8 * 100.0, 1e-6);
        assert_eq!(Pts::from_f64(1e-8), Some(Pts(0)));
        assert_eq!(Pts::from_f64(2e-8), None);
    }

    #[test]
    fn printing_and_json() {
        for (v, shown, json) in [
            (5, "0.05", "0.05"),
            (-50, "-0.5", "-0.5"),
            (-5, "-0.05", "-0.05"),
            (-300, "-3", "-3"),
            (150, "1.5", "1.5"),
            (0, "0", "0"),
        ] {
            assert_eq!(Pts(v).to_string(), shown);
            assert_eq!(Pts(v).to_json().to_string(), json);
            assert_eq!(serde_json::to_string(&Pts(v)).unwrap(), json);
        }
        assert_eq!(Pts(150).to_f64(), 1.5);
        assert_eq!(Pts(-25).to_f64(), -0.25);
    }

    #[test]
    fn arithmetic() {
        assert_eq!(Pts::from_int(3), Pts(300));
        assert_eq!(Pts::from_int(-2).hundredths(), -200);
        assert_eq!(Pts(300) - Pts(125), Pts(175));
        assert_eq!(Pts(300) + Pts(125), Pts(425));
        assert_eq!(-Pts(125), Pts(-125));
        let mut a = Pts(100);
        a += Pts(25);
        assert_eq!(a, Pts(125));
        assert_eq!([Pts(1), Pts(2), Pts(3)].into_iter().sum::<Pts>(), Pts(6));
        assert_eq!(Pts(100).min(Pts(50)), Pts(50));
        assert_eq!(Pts(50).min(Pts(100)), Pts(50));
        assert!(Pts(150).is_multiple_of(Pts(50)));
        assert!(!Pts(120).is_multiple_of(Pts(50)));
        assert!(Pts(120).is_multiple_of(Pts::ZERO));
        assert!(Pts::ZERO.is_multiple_of(Pts(25)));
    }
}
