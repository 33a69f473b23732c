//! The rubric (考核细则): items, their sub-rules and how points are deducted.
//! Loaded from TOML (`rubrics/*.toml`), checked by [`lint`].

pub mod lint;
pub mod load;

use crate::points::Pts;
use serde::Serialize;

pub use load::{load_file, load_str};

#[derive(Clone, Debug, Serialize)]
pub struct Rubric {
    pub id: String,
    pub title: String,
    /// Column headings of the printed table, as in the seed.
    pub headers: Vec<String>,
    pub items: Vec<Item>,
    /// SHA-256 (hex) of the rubric's content, not of its formatting: two files
    /// with the same items hash the same.
    #[serde(skip)]
    pub content_hash: String,
    /// Where it was loaded from (a path or `内置:…`), for messages.
    #[serde(skip)]
    pub source: String,
    /// The full score the scored items and 减分项 add up to (`total`, 100
    /// when the file does not say).
    #[serde(skip)]
    pub total: Pts,
    /// The line of each item (`"N"`) and rule (`"N-k"`) in the file.
    #[serde(skip)]
    pub lines: std::collections::BTreeMap<String, usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An ordinary scored item.
    Scored,
    /// 减分项: scored like any other item (its points count towards 100).
    Penalty,
    /// 加分项: points claimed per commendation, capped.
    Bonus,
    /// 否决项: 一票否决.
    Veto,
}

impl ItemKind {
    pub fn is_scored(self) -> bool {
        matches!(self, ItemKind::Scored | ItemKind::Penalty)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub no: u32,
    pub level1: String,
    pub level2: Option<String>,
    pub content: String,
    pub kind: ItemKind,
    /// 分值; `None` for bonus and veto items.
    pub points: Option<Pts>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Rule {
    /// 1-based position within its item.
    pub no: u32,
    pub text: String,
    pub points: Option<Pts>,
    pub deduction: Deduction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deduction {
    /// 未建立的不得分: all of the rule's points or none.
    AllOrNothing,
    /// 不全的扣 `partial` 分，未建立的不得分.
    PartialOrAll { partial: Pts },
    /// 缺一项扣 `step` 分.
    Step { step: Pts },
    /// 每家扣 `step` 分，扣完为止.
    PerInstance { step: Pts },
    /// No rule stated: the assessors judge, from 0 to the rule's points.
    Judgement,
    /// `per` points per commendation, at most `cap`.
    Bonus { per: Pts, cap: Pts },
    /// 一票否决.
    Veto,
}

impl Deduction {
    /// The amount a deduction should be a multiple of, if the rule has one.
    pub fn step(self, points: Pts) -> Option<Pts> {
        match self {
            Deduction::Step { step } | Deduction::PerInstance { step } => Some(step),
            Deduction::PartialOrAll { partial } => Some(partial),
            Deduction::AllOrNothing => Some(points),
            _ => None,
        }
    }

    /// How points are taken away, in the office's words, for a rule of
    /// `points` (none for bonus and veto rules).
    pub fn describe(self, points: Option<Pts>) -> String {
        let p = points.unwrap_or_default();
        match self {
            Deduction::AllOrNothing => format!("未做到的扣 {p} 分（全扣或不扣）"),
            Deduction::PartialOrAll { partial } => {
                format!("不全的扣 {partial} 分，未做到的扣 {p} 分")
            }
            Deduction::Step { step } => format!("每缺一项扣 {step} 分，最多扣 {p} 分"),
            Deduction::PerInstance { step } => format!("每处扣 {step} 分，扣完 {p} 分为止"),
            Deduction::Judgement => format!("考核组酌情扣 0 至 {p} 分"),
            Deduction::Bonus { per, cap } => format!("每项加 {per} 分，最多加 {cap} 分"),
            Deduction::Veto => "一票否决".into(),
        }
    }

    /// Whether `d` is one of the amounts the rule's wording allows.
    pub fn allows(self, d: Pts, points: Pts) -> bool {
        if d == Pts::ZERO || d == points {
            return true;
        }
        match self {
            Deduction::AllOrNothing => false,
            Deduction::PartialOrAll { partial } => d.is_multiple_of(partial),
            Deduction::Step { step } | Deduction::PerInstance { step } => d.is_multiple_of(step),
            _ => true,
        }
    }
}

impl Rubric {
    /// The line of item `no`, or of its rule `rule`, in the file; 0 unknown.
    pub fn line(&self, no: u32, rule: Option<u32>) -> usize {
        let key = match rule {
            Some(k) => format!("{no}-{k}"),
            None => no.to_string(),
        };
        self.lines.get(&key).copied().unwrap_or(0)
    }

    /// The code printed in the `编号` column for rule `r` of item `i`.
    pub fn code(item: &Item, rule: &Rule) -> String {
        format!("{}-{}", item.no, rule.no)
    }

    /// Every rule with its item, in order.
    pub fn rules(&self) -> impl Iterator<Item = (&Item, &Rule)> {
        self.items
            .iter()
            .flat_map(|i| i.rules.iter().map(move |r| (i, r)))
    }

    pub fn find_code(&self, code: &str) -> Option<(&Item, &Rule)> {
        let (a, b) = code.split_once('-')?;
        let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
        let item = self.items.iter().find(|i| i.no == a)?;
        let rule = item.rules.iter().find(|r| r.no == b)?;
        Some((item, rule))
    }

    /// Total of the scored items and the 减分项: 100 in the seed.
    /// (What it should be is [`Rubric::total`].)
    pub fn total_points(&self) -> Pts {
        self.items
            .iter()
            .filter(|i| i.kind.is_scored())
            .filter_map(|i| i.points)
            .sum()
    }

    pub fn bonus_item(&self) -> Option<&Item> {
        self.items.iter().find(|i| i.kind == ItemKind::Bonus)
    }

    pub fn veto_item(&self) -> Option<&Item> {
        self.items.iter().find(|i| i.kind == ItemKind::Veto)
    }

    /// The level-1 headings in order of first appearance.
    pub fn level1_headings(&self) -> Vec<&str> {
        self.distinct_level1(|_| true)
    }

    /// The level-1 headings of the scored items (减分项 included), in order
    /// of first appearance: the subtotals of a score and the ranking columns.
    pub fn scored_level1_headings(&self) -> Vec<&str> {
        self.distinct_level1(|i| i.kind.is_scored())
    }

    fn distinct_level1(&self, keep: impl Fn(&Item) -> bool) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for i in self.items.iter().filter(|i| keep(i)) {
            if !out.contains(&i.level1.as_str()) {
                out.push(&i.level1);
            }
        }
        out
    }

    /// Whether the table has a 二级标题 column.
    pub fn has_level2(&self) -> bool {
        self.items.iter().any(|i| i.level2.is_some())
    }

    /// The rubric as `kaohe rubric show --json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let items: Vec<_> = self
            .items
            .iter()
            .map(|i| {
                json!({
                    "no": i.no,
                    "level1": i.level1,
                    "level2": i.level2,
                    "content": i.content,
                    "kind": i.kind,
                    "points": i.points,
                    "rules": i.rules.iter().map(|r| json!({
                        "no": r.no,
                        "text": r.text,
                        "points": r.points,
                        "deduction": r.deduction,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "id": self.id, "title": self.title, "items": items })
    }
}

/// `kaohe rubric show`: every item and every rule with its points and how
/// they are deducted.
pub fn listing(r: &Rubric) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}（{}），{} 项，计分项目合计 {} 分（满分 {} 分）",
        r.title,
        r.id,
        r.items.len(),
        r.total_points(),
        r.total
    );
    for i in &r.items {
        let pts = match (i.kind, i.points) {
            (ItemKind::Bonus, _) => "加分项".to_string(),
            (ItemKind::Veto, _) => "否决项".to_string(),
            (ItemKind::Penalty, Some(p)) => format!("减分项 {p} 分"),
            (_, Some(p)) => format!("{p} 分"),
            (_, None) => "—".to_string(),
        };
        let _ = writeln!(out, "\n第{}项  {}  {}", i.no, i.level1, pts);
        if let Some(l2) = &i.level2 {
            let _ = writeln!(out, "  {l2}");
        }
        let _ = writeln!(out, "  {}", i.content);
        for rule in &i.rules {
            let rp = rule
                .points
                .map(|p| format!("{p} 分"))
                .unwrap_or_else(|| "—".into());
            let _ = writeln!(
                out,
                "  {}  {}  {}：{}",
                Rubric::code(i, rule),
                rp,
                rule.deduction.describe(rule.points),
                rule.text
            );
        }
    }
    out
}
