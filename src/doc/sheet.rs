//! A unit's filled score sheet as an archive record: the rubric table with
//! 分值, 扣分, 扣分原因 and 得分 on every item, the bonus and the veto in
//! their own rows, a subtotal under each level-1 heading, the total, the
//! summary (rank, grade), the 考核日期 and the signature lines. When the
//! unit's self-assessment is known (the 考核组's forms carried it), its
//! deduction stands beside the 考核组's on every row and each rule where the
//! two differ is named under the reasons ("②自评未扣、考核扣0.5分").

use super::*;
use crate::campaign::{Campaign, Loaded, cn_date};
use crate::points::Pts;
use crate::rubric::ItemKind;
use crate::score::{ItemScore, UnitScore};
use serde_json::Value;

/// What one row of a filled sheet says after 分值.
pub struct Marks {
    /// What the unit deducted itself ("" without a self-assessment).
    pub own: String,
    /// The item's deduction ("0" when none); "—" for the bonus and veto.
    pub deducted: String,
    /// One paragraph per rule with a deduction, the bonus or veto text.
    pub reasons: Vec<String>,
    /// The item's score, a subtotal, the total; "+2" for a bonus.
    pub score: String,
}

/// One column of a filled sheet after 分值.
pub struct Column {
    pub head: &'static str,
    /// Width in characters of the sheet's text size (五号).
    pub width: f64,
    pub align: &'static str,
    /// Only on the sheet of a unit whose self-assessment is known.
    pub self_only: bool,
    pub cell: fn(&Marks) -> Vec<String>,
}

/// The filled sheet's columns after 分值, in order: adding one is one entry
/// here (the template sets whatever is listed).
pub const COLUMNS: &[Column] = &[
    Column {
        head: "自评扣分",
        width: 3.0,
        align: "center",
        self_only: true,
        cell: |m| vec![m.own.clone()],
    },
    Column {
        head: "扣分",
        width: 3.0,
        align: "center",
        self_only: false,
        cell: |m| vec![m.deducted.clone()],
    },
    Column {
        head: "扣分原因",
        width: 10.0,
        align: "left",
        self_only: false,
        cell: |m| m.reasons.clone(),
    },
    Column {
        head: "得分",
        width: 3.0,
        align: "center",
        self_only: false,
        cell: |m| vec![m.score.clone()],
    },
];

/// The columns of `u`'s sheet.
fn columns(u: &UnitScore) -> Vec<&'static Column> {
    COLUMNS
        .iter()
        .filter(|c| !c.self_only || u.self_score.is_some())
        .collect()
}

fn marks(cols: &[&Column], m: &Marks) -> Vec<Vec<String>> {
    cols.iter().map(|c| (c.cell)(m)).collect()
}

/// The row of one rubric item of unit `u`.
fn item_marks(item: &ItemScore, u: &UnitScore) -> Marks {
    let mut m = item_marks_assessed(item, u);
    if u.self_score.is_some() {
        m.own = match item.kind {
            ItemKind::Scored | ItemKind::Penalty => {
                item.self_deducted.unwrap_or_default().to_string()
            }
            _ => "—".into(),
        };
        // where the unit and the 考核组 differ, rule by rule
        for d in u.differences.iter().filter(|d| d.item == item.no) {
            let rule = d
                .code
                .rsplit('-')
                .next()
                .and_then(|k| k.parse().ok())
                .map(crate::score::circled)
                .unwrap_or_default();
            m.reasons.push(format!("{rule}{}", d.text));
        }
        if m.reasons.len() > 1 && m.reasons[0] == "无" {
            m.reasons.remove(0);
        }
    }
    m
}

fn item_marks_assessed(item: &ItemScore, u: &UnitScore) -> Marks {
    match item.kind {
        // the bonus counted (within its cap), not a deduction
        ItemKind::Bonus => Marks {
            own: String::new(),
            deducted: "—".into(),
            reasons: or_none(&item.reasons),
            score: if u.bonus > Pts::ZERO {
                format!("+{}", u.bonus)
            } else {
                "0".into()
            },
        },
        ItemKind::Veto => Marks {
            own: String::new(),
            deducted: "—".into(),
            reasons: or_none(&item.reasons),
            score: if item.reasons.is_empty() {
                "—".into()
            } else {
                "否决".into()
            },
        },
        ItemKind::Scored | ItemKind::Penalty => Marks {
            own: String::new(),
            deducted: item.deducted.to_string(),
            reasons: item.reasons.clone(),
            score: item.score.to_string(),
        },
    }
}

/// The bonus's or veto's reasons ("加2分：……", "一票否决：……", labelled
/// by scoring), "无" when there is none.
fn or_none(reasons: &[String]) -> Vec<String> {
    if reasons.is_empty() {
        vec!["无".into()]
    } else {
        reasons.to_vec()
    }
}

/// A subtotal or total row: `label` across the label, content and rule
/// columns.
fn sum_row(cols: &[&Column], kind: RowKind, label: String, points: Pts, m: &Marks) -> RubricRow {
    RubricRow {
        no: 0,
        level1: String::new(),
        level2: String::new(),
        content: label,
        rules: Vec::new(),
        points: points.to_string(),
        result: None,
        kind,
        marks: marks(cols, m),
    }
}

/// The rows of a filled sheet: every item, a subtotal after each level-1
/// heading's scored items, the total of the scored items after the last.
fn rows(table: RubricTable, u: &UnitScore) -> Vec<RubricRow> {
    let cols = columns(u);
    let cols = cols.as_slice();
    let mut out = Vec::new();
    // heading, points, deducted, deducted by the unit itself
    let mut run: Option<(String, Pts, Pts, Pts)> = None;
    let mut all = (Pts::ZERO, Pts::ZERO, Pts::ZERO);
    let own = |d: Pts| {
        if u.self_score.is_some() {
            d.to_string()
        } else {
            String::new()
        }
    };
    let close = |run: &mut Option<(String, Pts, Pts, Pts)>, out: &mut Vec<RubricRow>| {
        if let Some((h, p, d, o)) = run.take() {
            let score = u
                .subtotals
                .iter()
                .find(|(s, _)| *s == h)
                .map(|(_, s)| *s)
                .unwrap_or(p - d);
            let m = Marks {
                own: own(o),
                deducted: d.to_string(),
                reasons: Vec::new(),
                score: score.to_string(),
            };
            out.push(sum_row(cols, RowKind::Subtotal, format!("{h}小计"), p, &m));
        }
    };
    let last_scored = u.items.iter().rposition(|i| i.kind.is_scored());
    for (k, (mut row, item)) in table.rows.into_iter().zip(&u.items).enumerate() {
        if run.as_ref().is_some_and(|(h, ..)| *h != row.level1) {
            close(&mut run, &mut out);
        }
        row.result = None;
        row.marks = marks(cols, &item_marks(item, u));
        if item.kind.is_scored() {
            let points = item.points.unwrap_or(Pts::ZERO);
            let mine = item.self_deducted.unwrap_or_default();
            let r =
                run.get_or_insert_with(|| (row.level1.clone(), Pts::ZERO, Pts::ZERO, Pts::ZERO));
            r.1 += points;
            r.2 += item.deducted;
            r.3 += mine;
            all.0 += points;
            all.1 += item.deducted;
            all.2 += mine;
        }
        out.push(row);
        if Some(k) == last_scored {
            close(&mut run, &mut out);
            let m = Marks {
                own: own(all.2),
                deducted: all.1.to_string(),
                reasons: Vec::new(),
                score: u.base.to_string(),
            };
            out.push(sum_row(
                cols,
                RowKind::Total,
                "基本得分合计".into(),
                all.0,
                &m,
            ));
        }
    }
    close(&mut run, &mut out);
    out
}

/// A unit's filled score sheet (`Sheets`).
pub fn filled_sheet(l: &Loaded, u: &UnitScore) -> Value {
    let c = &l.campaign;
    let r = l.rubric(&u.rubric);
    let mut table = super::build::rubric_table(r, None);
    // the rubric's headings up to 分值 (its last, 扣分及原因, is the blank
    // form's input), then the sheet's own
    table.headers.pop();
    let cols = columns(u);
    table
        .headers
        .extend(cols.iter().map(|c| c.head.to_string()));
    table.marks = cols
        .iter()
        .map(|c| MarkColumn {
            width: c.width,
            align: c.align,
        })
        .collect();
    table.rows = rows(table.clone(), u);
    let pair = |a: &str, b: String| [a.to_string(), b];
    let summary = Summary {
        rows: vec![
            pair("基本得分", u.base.to_string()),
            pair(
                "加分",
                if u.bonus > Pts::ZERO {
                    format!("{}（{}）", u.bonus, u.bonus_reason)
                } else {
                    "0".into()
                },
            ),
            pair(
                "一票否决",
                if u.veto {
                    format!("是（{}）", u.veto_reason)
                } else {
                    "否".into()
                },
            ),
            pair("总分", u.score.to_string()),
            pair(
                "名次",
                format!("{}（{}）", u.rank, super::build::group_name(l, &u.rubric)),
            ),
            pair("等次", u.grade.clone()),
        ],
    };
    let mut summary = summary;
    if let Some(own) = u.self_score {
        // after 总分: what the unit gave itself
        summary.rows.insert(4, pair("自评得分", own.to_string()));
    }
    let mut subtitle = vec![
        format!("被考核单位：{}", u.unit),
        format!("考核细则：{}", r.title),
    ];
    if let Some(unit) = l.unit(&u.unit) {
        subtitle.push(format!("考核日期：{}", cn_date(Campaign::date(&unit.date))));
    }
    Sheets {
        fonts: c.fonts.clone(),
        attachments: vec![Attachment {
            label: String::new(),
            title: format!("{}评分表", c.name),
            subtitle: Some(subtitle),
            landscape: true,
            body: AttachmentBody::Rubric { rubric: table },
            summary: Some(summary),
            signature: ["考核组成员：", "被考核单位负责人：", "日期："]
                .map(String::from)
                .to_vec(),
        }],
    }
    .to_json()
}
