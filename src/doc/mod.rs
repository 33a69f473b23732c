//! The typed document model: the content of every red-header 公文 (notice,
//! result circular) and of the attachment-only sheets, built once from the
//! campaign (and the scores). The Typst templates receive it as JSON (its
//! serde shape is `templates/README.md`), the DOCX writer receives the same
//! value, so nothing is composed twice.

pub mod build;
pub mod circular;
pub mod feedback;
pub mod ics;
pub mod prose;
pub mod sheet;

use crate::campaign::Fonts;
use chrono::NaiveDate;
use serde::Serialize;

/// A red-header document (`Document` of templates/README.md).
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    pub fonts: Fonts,
    pub head: Head,
    /// The title as broken into lines.
    pub title: Vec<String>,
    /// 主送, with its closing "：".
    pub recipients: String,
    pub body: Vec<Block>,
    /// 附件说明: the attachments' names (may be empty).
    pub attachment_list: Vec<String>,
    pub signature: Signature,
    /// 附注 such as "（此件公开发布）".
    pub note: Option<String>,
    pub attachments: Vec<Attachment>,
    pub colophon: Colophon,
    /// 成文日期: the documents' date (properties, timestamps).
    #[serde(skip)]
    pub date: NaiveDate,
}

/// 版头: 份号, 密级, 紧急程度, 发文机关标志, 发文字号, 签发人.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Head {
    pub copy_no: Option<String>,
    pub secrecy: Option<String>,
    pub urgency: Option<String>,
    /// 发文机关标志 of a single issuer ("…文件").
    pub mark: String,
    /// Joint issuers (联合行文), lead issuer first: their names stacked,
    /// "文件" to the right. Empty for a single issuer.
    pub issuers: Vec<String>,
    pub number: String,
    /// 签发人 (上行文): the 发文字号 then moves left, this to the right.
    pub signer: Option<String>,
}

/// One block of the body.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    /// A paragraph: `lead` in the face of its heading level (0 plain, 1
    /// "一、" 黑体, 2 "（一）" 楷体, 3 "1." and 4 "（1）" 仿宋), then `text`.
    Par {
        level: usize,
        lead: String,
        text: String,
    },
    /// The leading group, laid out as a list.
    Members { rows: Vec<MemberRow> },
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MemberRow {
    /// "" for further members of the same role.
    pub role: String,
    pub name: String,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Signature {
    pub issuer: String,
    pub date: String,
    /// The seal over a sealed signature (7.3.5.1).
    pub seal: Option<Seal>,
}

/// Where the templates find the seal image, and its size.
#[derive(Clone, Debug, Serialize)]
pub struct Seal {
    /// "/seal.png" or "/seal.svg": the engine serves the campaign's file there.
    pub path: String,
    /// Diameter in mm.
    pub size: f64,
}

impl Seal {
    /// The seal a campaign names, if any (the default size is 42 mm).
    pub fn of(c: &crate::campaign::Campaign) -> Option<Seal> {
        let file = c.issuer.seal.as_deref()?;
        let svg = file.to_ascii_lowercase().ends_with(".svg");
        Some(Seal {
            path: if svg { "/seal.svg" } else { "/seal.png" }.into(),
            size: c.issuer.seal_size.unwrap_or(42.0),
        })
    }
}

/// 版记.
#[derive(Clone, Debug, Serialize)]
pub struct Colophon {
    /// 抄送 without "抄送：" and "。"; `None` for none.
    pub cc: Option<String>,
    pub printer: String,
    /// "2018年11月2日印发".
    pub printed: String,
}

/// Attachment pages only (`Sheets`): blank tables, the schedule, a unit's
/// filled score sheet.
#[derive(Clone, Debug, Serialize)]
pub struct Sheets {
    pub fonts: Fonts,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Attachment {
    /// "附件1"; "" when the title opens the page.
    pub label: String,
    pub title: String,
    /// Parts set on one line when they fit, else one a line.
    pub subtitle: Option<Vec<String>>,
    pub landscape: bool,
    #[serde(flatten)]
    pub body: AttachmentBody,
    /// Filled sheets: printed under the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Filled sheets: the signature lines on the last page ("考核组成员：").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum AttachmentBody {
    Rubric { rubric: RubricTable },
    Schedule { schedule: ScheduleTable },
    Ranking { ranking: RankingTable },
}

#[derive(Clone, Debug, Serialize)]
pub struct RubricTable {
    pub headers: Vec<String>,
    pub has_level2: bool,
    pub rows: Vec<RubricRow>,
    /// Filled sheets: the columns after 分值 (`sheet::COLUMNS`); `headers`
    /// then ends with theirs. Empty for a blank table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<MarkColumn>,
}

/// A column of a filled sheet after 分值.
#[derive(Clone, Debug, Serialize)]
pub struct MarkColumn {
    /// Width in characters of the sheet's text size.
    pub width: f64,
    /// "center" or "left".
    pub align: &'static str,
}

/// What a rubric table row is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// A rubric item.
    Item,
    /// Filled sheets: a level-1 heading's subtotal, or the total; its
    /// `content` is the label, across the label, content and rule columns.
    Subtotal,
    Total,
}

#[derive(Clone, Debug, Serialize)]
pub struct RubricRow {
    pub no: u32,
    pub level1: String,
    pub level2: String,
    pub content: String,
    pub rules: Vec<String>,
    /// "" for 加分项 / 否决项.
    pub points: String,
    /// Blank: `None`; filled: the reasons (and the item's score).
    pub result: Option<Vec<String>>,
    pub kind: RowKind,
    /// Filled sheets: one cell per `RubricTable::marks`, each a list of
    /// paragraphs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScheduleTable {
    pub headers: Vec<String>,
    pub rows: Vec<ScheduleRow>,
    pub note: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScheduleRow {
    pub no: String,
    pub unit: String,
    pub date: String,
    pub time: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankingTable {
    pub groups: Vec<RankingGroup>,
    pub notes: Vec<String>,
    /// The grade thresholds, drawn as lines across the bar charts.
    pub lines: Vec<GradeLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankingGroup {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<RankingRow>,
    /// The bar chart of the group's scores, in the order of the rows.
    pub chart: Vec<Bar>,
}

/// One bar of a ranking chart.
#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    pub unit: String,
    /// The score as printed ("93.75").
    pub label: String,
    /// The score as a number, for the bar's length only.
    pub value: f64,
    pub vetoed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct GradeLine {
    pub name: String,
    pub min: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RankingRow {
    pub cells: Vec<String>,
    pub vetoed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub rows: Vec<[String; 2]>,
}

impl Document {
    /// The data the Typst template receives.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a document serialises")
    }

    /// The title on one line (document properties).
    pub fn title_text(&self) -> String {
        self.title.concat()
    }
}

impl Sheets {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("sheets serialise")
    }
}
