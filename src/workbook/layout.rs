//! The columns of a scoring form, described once: which columns a form of
//! each kind has, in which order, with which heading and width. The writer
//! (`blank`) lays the sheet out from it and the reader (`ingest`) finds the
//! same columns by their headings, so adding a column is one change here.

use super::{H_CODE, H_DEDUCT, H_REASON};
use crate::rubric::Rubric;

/// Which round a form belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormKind {
    /// The form a unit fills: its self-assessment (自评), or in a campaign
    /// of one round the form that is scored.
    #[default]
    Unit,
    /// The 考核组's form for one unit: the unit's self-assessment shown
    /// read-only beside empty 扣分 and 扣分原因 columns for the assessors.
    Assessor,
    /// Not a scoring form: the unit's 问题整改清单 (`workbook::rectify`),
    /// which `kaohe check` reads to report the rows left empty.
    Rectify,
}

impl FormKind {
    /// The value of the metadata's `form` key.
    pub fn meta(self) -> &'static str {
        match self {
            FormKind::Unit => "unit",
            FormKind::Assessor => "assessor",
            FormKind::Rectify => "rectify",
        }
    }

    pub fn from_meta(s: &str) -> Option<FormKind> {
        match s {
            "" | "unit" => Some(FormKind::Unit),
            "assessor" => Some(FormKind::Assessor),
            "rectify" => Some(FormKind::Rectify),
            _ => None,
        }
    }

    /// What a person calls the form.
    pub fn name(self) -> &'static str {
        match self {
            FormKind::Unit => "单位自评表",
            FormKind::Assessor => "考核组评分表",
            FormKind::Rectify => "问题整改清单",
        }
    }
}

/// One column of the scoring sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Level1,
    Level2,
    Content,
    Code,
    Rule,
    Points,
    /// The unit's own 扣分, read-only on the assessor form.
    SelfDeduct,
    /// The unit's own 扣分原因, read-only on the assessor form.
    SelfReason,
    Deduct,
    Reason,
    Score,
}

/// Headings of the self-assessment columns on the assessor form.
pub const H_SELF_DEDUCT: &str = "自评扣分";
pub const H_SELF_REASON: &str = "自评说明";
/// The label of the assessor's name cell on the assessor form.
pub const H_ASSESSOR: &str = "考核人";

pub const W_CONTENT: f64 = 36.0;
pub const W_RULE: f64 = 52.0;
pub const W_REASON: f64 = 28.0;

impl Col {
    /// The column's width in Excel's units.
    pub fn width(self) -> f64 {
        match self {
            Col::Level1 => 8.0,
            Col::Level2 => 12.0,
            Col::Content => W_CONTENT,
            Col::Code => 6.0,
            Col::Rule => W_RULE,
            Col::Points => 6.0,
            Col::SelfDeduct => 7.0,
            Col::SelfReason => 22.0,
            Col::Deduct => 7.0,
            Col::Reason => W_REASON,
            Col::Score => 7.0,
        }
    }

    /// The heading the sheet shows; the rubric names its own first columns.
    pub fn heading(self, r: &Rubric) -> String {
        let h = |i: usize, default: &str| r.headers.get(i).cloned().unwrap_or(default.into());
        let o = usize::from(r.has_level2());
        match self {
            Col::Level1 => h(0, "一级标题"),
            Col::Level2 => h(1, "二级标题"),
            Col::Content => h(1 + o, "考核内容"),
            Col::Rule => h(2 + o, "评分细则"),
            Col::Code => H_CODE.into(),
            Col::Points => "分值".into(),
            Col::SelfDeduct => H_SELF_DEDUCT.into(),
            Col::SelfReason => H_SELF_REASON.into(),
            Col::Deduct => H_DEDUCT.into(),
            Col::Reason => H_REASON.into(),
            Col::Score => "得分".into(),
        }
    }

    /// The headings the reader looks for: fixed words, whatever the rubric.
    pub fn fixed_heading(self) -> Option<&'static str> {
        match self {
            Col::Code => Some(H_CODE),
            Col::SelfDeduct => Some(H_SELF_DEDUCT),
            Col::SelfReason => Some(H_SELF_REASON),
            Col::Deduct => Some(H_DEDUCT),
            Col::Reason => Some(H_REASON),
            _ => None,
        }
    }
}

/// Where the columns and rows are on one form.
#[derive(Clone, Debug)]
pub struct Layout {
    pub kind: FormKind,
    pub level2: bool,
    cols: Vec<Col>,
    /// The row of the headings (0-based).
    pub header_row: u32,
}

impl Layout {
    pub fn new(r: &Rubric, kind: FormKind) -> Layout {
        let level2 = r.has_level2();
        let mut cols = vec![Col::Level1];
        if level2 {
            cols.push(Col::Level2);
        }
        cols.extend([Col::Content, Col::Code, Col::Rule, Col::Points]);
        if kind == FormKind::Assessor {
            cols.extend([Col::SelfDeduct, Col::SelfReason]);
        }
        cols.extend([Col::Deduct, Col::Reason, Col::Score]);
        Layout {
            kind,
            level2,
            cols,
            // The assessor form has one more line above: 考核人.
            header_row: if kind == FormKind::Assessor { 3 } else { 2 },
        }
    }

    /// The unit's form for `r`.
    pub fn for_rubric(r: &Rubric) -> Layout {
        Layout::new(r, FormKind::Unit)
    }

    /// The columns, left to right.
    pub fn cols(&self) -> &[Col] {
        &self.cols
    }

    /// The 0-based index of `c`; every form has every column but the self
    /// columns, which only the assessor form has.
    pub fn at(&self, c: Col) -> u16 {
        self.find(c)
            .unwrap_or_else(|| panic!("{c:?} is not a column of a {:?} form", self.kind))
    }

    pub fn find(&self, c: Col) -> Option<u16> {
        self.cols.iter().position(|x| *x == c).map(|i| i as u16)
    }

    /// The last column.
    pub fn last(&self) -> u16 {
        self.cols.len() as u16 - 1
    }

    /// The columns a person enters: unlocked on the form.
    pub fn inputs(&self) -> [Col; 2] {
        [Col::Deduct, Col::Reason]
    }
}
