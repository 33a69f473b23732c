//! Reading filled forms back (calamine: .xlsx, .xls, .ods). Rows are found by
//! their `编号` code, not by position, so a re-saved, re-styled or re-sorted
//! sheet still reads. Every problem is collected, each naming its cell.

use super::*;
use crate::campaign::{Limits, Loaded};
use crate::error::printable;
use crate::points::Pts;
use crate::rubric::{Deduction, ItemKind, Rubric};
use crate::workbook::layout::FormKind;
use calamine::Data;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

mod open;
mod rectify;
mod sheet;

use open::{TRACE, check_zip, sniff};
pub use open::{Trace, last_trace, meta_unit, needs_isolation, probe};

/// One problem in one file, shown as `file: sheet!cell: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    /// Errors stop scoring; warnings are shown and scoring goes on.
    pub error: bool,
    /// What to do about it, shown on its own `提示：` line.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem with the whole file.
    pub fn file(file: &str, message: String, error: bool) -> Problem {
        Problem {
            file: file.to_string(),
            sheet: None,
            cell: None,
            message,
            error,
            hint: None,
        }
    }

    /// The same problem with `hint` as its remedy.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.error { "错误" } else { "警告" };
        // File names, sheet names and cell text come from the file: shown
        // without the control characters that would drive a terminal.
        let (file, message) = (printable(&self.file), printable(&self.message));
        match (&self.sheet, &self.cell) {
            (Some(s), Some(c)) => write!(f, "{file}: {}!{c}: {kind}：{message}", printable(s)),
            (Some(s), None) => write!(f, "{file}: {}: {kind}：{message}", printable(s)),
            _ => write!(f, "{file}: {kind}：{message}"),
        }?;
        match &self.hint {
            Some(h) => write!(f, "\n提示：{}", printable(h)),
            None => Ok(()),
        }
    }
}

/// What a unit entered on one rule's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 扣分 (or bonus points) as entered; zero when left empty.
    pub amount: Pts,
    /// 是 on the veto row.
    pub veto: bool,
    pub reason: String,
}

/// A filled form that was read without errors.
#[derive(Clone, Debug, Default)]
pub struct Filled {
    pub file: String,
    pub sha256: String,
    pub unit: String,
    pub rubric: String,
    /// By rule code (`N-k`).
    pub entries: BTreeMap<String, Entry>,
    /// The unit's own form, or the 考核组's.
    pub kind: FormKind,
    /// On an assessor form: the name in its 考核人 cell, if filled.
    pub assessor: Option<String>,
    /// On an assessor form: the unit's self-assessment it carries.
    pub self_assessment: Option<SelfAssessment>,
    /// The scoring sheet's name and, by rule code, the A1 name of its
    /// 扣分 cell: where a difference between assessors is shown.
    pub sheet: String,
    pub cells: BTreeMap<String, String>,
    /// When several assessors' forms were combined into this one: each
    /// assessor's form (see `assess::combine`); empty otherwise.
    pub parts: Vec<Filled>,
}

/// A unit's self-assessment, carried read-only on the assessor form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelfAssessment {
    /// By rule code; only the rules the unit entered something on.
    pub entries: BTreeMap<String, Entry>,
    /// The SHA-256 of the unit's returned file.
    pub file_sha256: String,
}

impl SelfAssessment {
    /// Takes a unit's read self-assessment form.
    pub fn of(form: &Filled) -> SelfAssessment {
        SelfAssessment {
            entries: form
                .entries
                .iter()
                .filter(|(_, e)| e.amount != Pts::ZERO || e.veto || !e.reason.is_empty())
                .map(|(k, e)| (k.clone(), e.clone()))
                .collect(),
            file_sha256: form.sha256.clone(),
        }
    }

    /// The hash written into the assessor form's metadata: of what the
    /// self columns show (code, amount, veto, reason), rule by rule.
    pub fn hash(&self) -> String {
        let mut text = String::new();
        for (code, e) in &self.entries {
            if e.amount == Pts::ZERO && !e.veto && e.reason.is_empty() {
                continue;
            }
            text.push_str(&format!(
                "{code}\t{}\t{}\t{}\n",
                e.amount.hundredths(),
                e.veto,
                e.reason.replace(['\t', '\n'], " ")
            ));
        }
        crate::archive::sha256_hex(text.as_bytes())
    }
}

/// The A1 name of a 0-based cell.
pub fn a1(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        letters.push((b'A' + ((c - 1) % 26) as u8) as char);
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// Reads `text` the way the person meant it: full-width digits and point,
/// spaces, a trailing 分. `None` when it is not a plain number.
pub fn parse_number_text(text: &str) -> Option<Pts> {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '０'..='９' => s.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32)?),
            '．' | '。' => s.push('.'),
            '－' | '−' => s.push('-'),
            '＋' => s.push('+'),
            c => s.push(c),
        }
    }
    // Spaces around the number and before 分 are fine; inside it ("0.5 1")
    // the meaning is unclear, so it is not a number.
    let s = s.trim();
    let s = s.strip_suffix('分').unwrap_or(s).trim_end();
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    Pts::parse(s)
}

pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
    pub(crate) sheet: String,
    pub(crate) problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&mut self, row: u32, col: u32, error: bool, message: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            sheet: Some(self.sheet.clone()),
            cell: Some(a1(row, col)),
            message,
            error,
            hint: None,
        });
    }
}

impl Ctx<'_> {
    /// Gives the last problem `hint` as its remedy.
    fn hint(&mut self, hint: impl Into<String>) {
        if let Some(p) = self.problems.last_mut() {
            p.hint = Some(hint.into());
        }
    }
}

/// The unit of the campaign the file is named after (`市公安局.xlsx`),
/// if any.
fn named_unit<'a>(file: &str, l: &'a Loaded) -> Option<&'a str> {
    let stem = Path::new(file).file_stem()?.to_str()?.trim();
    l.campaign
        .units
        .iter()
        .find(|u| u.name == stem || safe_file_name(&u.name) == stem)
        .map(|u| u.name.as_str())
}

fn whole(file: &str, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        sheet: None,
        cell: None,
        message,
        error: true,
        hint: None,
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// An Excel date serial as the date a person typed ("2018-11-14"), with the
/// time when there is one.
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    if !serial.is_finite() || !(0.0..=2_958_465.0).contains(&serial) {
        return serial.to_string();
    }
    let days = serial.trunc() as i64;
    let secs = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let date = base + chrono::Duration::days(days);
    if secs == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::seconds(secs);
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Reads one filled form. Returns the form when it has no errors, and every
/// problem (errors and warnings) found in it.
pub fn read(path: &Path, l: &Loaded) -> (Option<Filled>, Vec<Problem>) {
    read_opts(path, l, Options::default())
}

/// As [`read`], with `opts`.
pub fn read_opts(path: &Path, l: &Loaded, opts: Options) -> (Option<Filled>, Vec<Problem>) {
    let file = path.display().to_string();
    let limits = &l.campaign.limits;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return (
                None,
                vec![whole(
                    &file,
                    format!("无法读取文件：{}", crate::error::os(&e)),
                )],
            );
        }
    };
    if meta.len() > limits.max_file_bytes {
        return (
            None,
            vec![whole(
                &file,
                format!(
                    "文件有 {} MB，超过上限 {} MB（可在考核方案 [limits] max_file_bytes 中调整）",
                    meta.len() >> 20,
                    limits.max_file_bytes >> 20
                ),
            )],
        );
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                None,
                vec![whole(
                    &file,
                    format!("无法读取文件：{}", crate::error::os(&e)),
                )],
            );
        }
    };
    read_bytes_opts(&bytes, &file, l, opts)
}

/// How forms are read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Score a form whose rubric was edited after it went out against the
    /// new rubric (`--accept-changed-rubric`), with a warning listing the
    /// changes, instead of refusing it.
    pub accept_changed_rubric: bool,
}

/// The start of the message about a rubric edited after its forms went out.
pub const RUBRIC_CHANGED: &str = "考核细则在这份评分表下发后被修改过";

pub fn read_bytes(bytes: &[u8], file: &str, l: &Loaded) -> (Option<Filled>, Vec<Problem>) {
    read_bytes_opts(bytes, file, l, Options::default())
}

pub fn read_bytes_opts(
    bytes: &[u8],
    file: &str,
    l: &Loaded,
    opts: Options,
) -> (Option<Filled>, Vec<Problem>) {
    if let Err(m) = sniff(bytes) {
        return (None, vec![whole(file, m)]);
    }
    if bytes.starts_with(b"PK")
        && let Err(m) = check_zip(bytes, &l.campaign.limits)
    {
        return (None, vec![whole(file, m)]);
    }
    TRACE.with(|t| *t.borrow_mut() = Trace::default());
    sheet::read_workbook(bytes, file, l, opts)
}

/// A number in a 扣分 cell: numbers, or text the person meant as a number.
pub(crate) fn number(cx: &mut Ctx, r: u32, c: u32, cell: &Data) -> Option<Option<Pts>> {
    let bad = |what: &str| format!("应填数字，这里是{what}");
    let v = match cell {
        Data::Empty => return Some(None),
        // 10 000 points and more is never a deduction; Pts::from_f64 would
        // also call 1e300 "more than two decimals".
        Data::Int(i) if i.unsigned_abs() >= 10_000 => {
            cx.at(r, c, true, "数字过大".into());
            return None;
        }
        Data::Float(f) if !f.is_finite() || f.abs() >= 10_000.0 => {
            cx.at(r, c, true, "数字过大".into());
            return None;
        }
        Data::Int(i) => Pts::from_f64(*i as f64),
        Data::Float(f) => Pts::from_f64(*f),
        Data::String(s) if s.trim().is_empty() => return Some(None),
        Data::String(s) => match parse_number_text(s) {
            Some(p) => Some(p),
            None => {
                cx.at(
                    r,
                    c,
                    true,
                    format!(
                        "“{}”不是数字（扣分请填写如 0.5 的数字）",
                        s.chars().take(40).collect::<String>()
                    ),
                );
                return None;
            }
        },
        Data::Bool(_) => {
            cx.at(r, c, true, bad("逻辑值（TRUE/FALSE）"));
            return None;
        }
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            cx.at(r, c, true, bad("日期或时间（单元格格式可能被改成了日期）"));
            return None;
        }
        Data::Error(e) => {
            cx.at(r, c, true, bad(&format!("公式错误值 {e}")));
            return None;
        }
    };
    match v {
        Some(p) if p.hundredths().abs() < 1_000_000 => Some(Some(p)),
        Some(_) => {
            cx.at(r, c, true, "数字过大".into());
            None
        }
        None => {
            cx.at(r, c, true, format!("“{}”最多保留两位小数", cell_text(cell)));
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn read_deduction(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    points: Pts,
    how: Deduction,
    c_reason: u32,
) -> Option<Entry> {
    let d = number(cx, r, c, cell)?.unwrap_or(Pts::ZERO);
    if d < Pts::ZERO {
        cx.at(r, c, true, format!("扣分不能为负数（{d}）"));
        return None;
    }
    if d > points {
        cx.at(r, c, true, format!("扣分 {d} 超过本条分值 {points} 分"));
        return None;
    }
    if d > Pts::ZERO && reason.is_empty() {
        cx.at(
            r,
            c_reason,
            true,
            format!("扣了 {d} 分，但没有填写扣分原因"),
        );
        return None;
    }
    if !how.allows(d, points) {
        let step = how.step(points).unwrap_or(points);
        cx.at(
            r,
            c,
            false,
            format!(
                "本条每处扣 {step} 分，这里扣了 {d} 分，不是 {step} 分的整数倍，是不是填错了？"
            ),
        );
        cx.hint(format!(
            "请按本条的扣分标准核对：扣分应是 {step} 分的 1 倍、2 倍……；确实如此可以不理会"
        ));
    }
    if d == Pts::ZERO && !reason.is_empty() {
        cx.at(
            r,
            c_reason,
            false,
            format!(
                "填了扣分原因“{}”，但“扣分”栏没有扣分",
                reason.chars().take(20).collect::<String>()
            ),
        );
        cx.hint("如应扣分，请在同一行的“扣分”栏填写分数；否则这段文字作为备注保留在评分表存档中");
    }
    Some(Entry {
        amount: d,
        veto: false,
        reason: reason.to_string(),
    })
}

pub(crate) fn read_bonus(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    how: Deduction,
    c_reason: u32,
) -> Option<Entry> {
    let (per, cap) = match how {
        Deduction::Bonus { per, cap } => (per, cap),
        _ => (Pts::from_int(1), Pts::from_int(5)),
    };
    let b = number(cx, r, c, cell)?.unwrap_or(Pts::ZERO);
    if b < Pts::ZERO {
        cx.at(r, c, true, format!("加分不能为负数（{b}）"));
        return None;
    }
    if !b.is_multiple_of(per) {
        cx.at(
            r,
            c,
            true,
            format!("加分 {b} 应为 {per} 分的整数倍（每受表彰一项加 {per} 分）"),
        );
        return None;
    }
    if b > cap {
        cx.at(r, c, true, format!("加分 {b} 超过上限 {cap} 分"));
        return None;
    }
    if b > Pts::ZERO && reason.is_empty() {
        cx.at(r, c_reason, true, "申报了加分，但没有写明受表彰事项".into());
        return None;
    }
    Some(Entry {
        amount: b,
        veto: false,
        reason: reason.to_string(),
    })
}

pub(crate) fn read_veto(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    c_reason: u32,
) -> Option<Entry> {
    let v = cell_text(cell);
    let veto = match v.as_str() {
        "" | "否" => false,
        "是" => true,
        other => {
            cx.at(
                r,
                c,
                true,
                format!(
                    "一票否决只能填“是”或“否”，这里是“{}”",
                    other.chars().take(20).collect::<String>()
                ),
            );
            return None;
        }
    };
    if veto && reason.is_empty() {
        cx.at(
            r,
            c_reason,
            true,
            "填了一票否决“是”，但没有写明事故情况".into(),
        );
        return None;
    }
    Some(Entry {
        amount: Pts::ZERO,
        veto,
        reason: reason.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_meant() {
        assert_eq!(parse_number_text("０．５"), Some(Pts(50)));
        assert_eq!(parse_number_text(" 0.5分 "), Some(Pts(50)));
        assert_eq!(parse_number_text("1"), Some(Pts(100)));
        assert_eq!(parse_number_text("\u{3000}2 分"), Some(Pts(200)));
        assert_eq!(parse_number_text("0.5 1"), None);
        assert_eq!(parse_number_text("半分"), None);
        assert_eq!(parse_number_text("0.5或1"), None);
        assert_eq!(parse_number_text("1/2"), None);
    }

    #[test]
    fn cell_names() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 25), "Z10");
        assert_eq!(a1(0, 26), "AA1");
    }
}
