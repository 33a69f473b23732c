//! Scoring: pure functions, filled forms in, scores and ranks out. Knows
//! nothing of files. Arithmetic is exact (hundredths).

use crate::campaign::Campaign;
use crate::points::Pts;
use crate::rubric::{Deduction, ItemKind, Rubric};
use crate::workbook::ingest::Filled;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct ItemScore {
    pub no: u32,
    pub kind: ItemKind,
    pub points: Option<Pts>,
    pub deducted: Pts,
    pub score: Pts,
    /// "①扣0.5分：资料不全", one per rule with a deduction (or the bonus/veto text).
    pub reasons: Vec<String>,
    /// What the unit deducted itself on this item, when its
    /// self-assessment is known.
    pub self_deducted: Option<Pts>,
}

/// A rule on which the unit's self-assessment and the 考核组 differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub code: String,
    pub item: u32,
    /// Points the unit deducted itself, and the 考核组 (bonus: added).
    pub own: Pts,
    pub assessed: Pts,
    /// "自评未扣、考核扣1分".
    pub text: String,
}

impl Difference {
    /// How far apart the two are, in points (a veto counts as 100).
    pub fn gap(&self) -> Pts {
        Pts((self.assessed.hundredths() - self.own.hundredths()).abs())
    }
}

/// One assessor's own scoring of a unit, when several were combined.
#[derive(Clone, Debug)]
pub struct AssessorScore {
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub score: Pts,
    /// By rule code: the deductions (or bonus) this assessor entered.
    pub entered: Vec<(String, Pts)>,
}

#[derive(Clone, Debug)]
pub struct UnitScore {
    pub unit: String,
    pub rubric: String,
    pub items: Vec<ItemScore>,
    /// Σ over scored items and 减分项.
    pub base: Pts,
    pub bonus: Pts,
    pub bonus_reason: String,
    pub veto: bool,
    pub veto_reason: String,
    /// base + bonus.
    pub score: Pts,
    pub rank: usize,
    pub grade: String,
    /// Subtotal per level-1 heading of scored items, in rubric order.
    pub subtotals: Vec<(String, Pts)>,
    /// The unit's self-assessed score (its form carried by the 考核组's),
    /// `None` without a self-assessment.
    pub self_score: Option<Pts>,
    /// Where the self-assessment and the 考核组 differ, rule by rule.
    pub differences: Vec<Difference>,
    /// Each assessor's own scoring, when several were combined.
    pub assessors: Vec<AssessorScore>,
}

/// The circled number of rule `n` (①…⑳), for reasons.
pub fn circled(n: u32) -> String {
    char::from_u32(0x2460 + n - 1)
        .filter(|_| (1..=20).contains(&n))
        .map(String::from)
        .unwrap_or_else(|| format!("({n})"))
}

/// Scores one unit's form against its rubric.
pub fn score_unit(r: &Rubric, f: &Filled) -> UnitScore {
    let mut items = Vec::new();
    let (mut base, mut bonus, mut veto) = (Pts::ZERO, Pts::ZERO, false);
    let (mut bonus_reason, mut veto_reason) = (String::new(), String::new());
    for item in &r.items {
        let mut deducted = Pts::ZERO;
        let mut reasons = Vec::new();
        for rule in &item.rules {
            let Some(e) = f.entries.get(&Rubric::code(item, rule)) else {
                continue;
            };
            match item.kind {
                ItemKind::Bonus => {
                    let cap = match rule.deduction {
                        Deduction::Bonus { cap, .. } => cap,
                        _ => e.amount,
                    };
                    bonus = e.amount.min(cap);
                    if bonus > Pts::ZERO {
                        bonus_reason = e.reason.clone();
                        reasons.push(format!("加{bonus}分：{}", e.reason));
                    }
                }
                ItemKind::Veto => {
                    if e.veto {
                        veto = true;
                        veto_reason = e.reason.clone();
                        reasons.push(format!("一票否决：{}", e.reason));
                    }
                }
                _ => {
                    // A deduction never exceeds the rule's points.
                    let d = e.amount.min(rule.points.unwrap_or_default());
                    if d > Pts::ZERO {
                        deducted += d;
                        let reason = if e.reason.is_empty() {
                            String::new()
                        } else {
                            format!("：{}", e.reason)
                        };
                        reasons.push(format!("{}扣{d}分{reason}", circled(rule.no)));
                    } else if !e.reason.is_empty() {
                        // Text without a deduction is kept as a remark.
                        reasons.push(format!("{}备注：{}", circled(rule.no), e.reason));
                    }
                }
            }
        }
        let (points, score) = match (item.kind.is_scored(), item.points) {
            (true, Some(p)) => (Some(p), p - deducted),
            _ => (None, Pts::ZERO),
        };
        if item.kind.is_scored() {
            base += score;
        }
        items.push(ItemScore {
            no: item.no,
            kind: item.kind,
            points,
            deducted,
            score,
            reasons,
            self_deducted: None,
        });
    }
    let subtotals = r
        .scored_level1_headings()
        .into_iter()
        .map(|h| {
            let sum: Pts = r
                .items
                .iter()
                .zip(&items)
                .filter(|(i, _)| i.level1 == h && i.kind.is_scored())
                .map(|(_, s)| s.score)
                .sum();
            (h.to_string(), sum)
        })
        .collect();
    UnitScore {
        unit: f.unit.clone(),
        rubric: r.id.clone(),
        items,
        base,
        bonus,
        bonus_reason,
        veto,
        veto_reason,
        score: base + bonus,
        rank: 0,
        grade: String::new(),
        subtotals,
        self_score: None,
        differences: Vec::new(),
        assessors: Vec::new(),
    }
}

/// Scores a unit's sheet: its entries, and when it is the 考核组's form
/// the unit's self-assessment beside it and each assessor's own score.
pub fn score_sheet(r: &Rubric, f: &Filled) -> UnitScore {
    let mut u = score_unit(r, f);
    if let Some(own) = &f.self_assessment {
        // Only its entries are read: by score_unit (whose unit name is
        // not kept) and by differences.
        let mine = Filled {
            entries: own.entries.clone(),
            ..Filled::default()
        };
        let s = score_unit(r, &mine);
        u.self_score = Some(s.score);
        for (i, si) in u.items.iter_mut().zip(&s.items) {
            i.self_deducted = Some(si.deducted);
        }
        u.differences = differences(r, &mine, f);
    }
    u.assessors = f
        .parts
        .iter()
        .map(|p| AssessorScore {
            name: p.assessor.clone().unwrap_or_default(),
            file: p.file.clone(),
            sha256: p.sha256.clone(),
            score: score_unit(r, p).score,
            entered: p
                .entries
                .iter()
                .filter(|(_, e)| e.amount > Pts::ZERO || e.veto)
                .map(|(c, e)| {
                    (
                        c.clone(),
                        if e.veto { Pts::from_int(100) } else { e.amount },
                    )
                })
                .collect(),
        })
        .collect();
    u
}

/// Rule by rule, where the unit's own entries and the 考核组's differ.
fn differences(r: &Rubric, own: &Filled, assessed: &Filled) -> Vec<Difference> {
    let mut out = Vec::new();
    for (item, rule) in r.rules() {
        let code = Rubric::code(item, rule);
        let get = |f: &Filled| {
            f.entries
                .get(&code)
                .map(|e| (e.amount, e.veto))
                .unwrap_or_default()
        };
        let ((a, av), (b, bv)) = (get(own), get(assessed));
        if (a, av) == (b, bv) {
            continue;
        }
        let text = match item.kind {
            ItemKind::Veto => {
                let s = |v: bool| if v { "否决" } else { "未否决" };
                format!("自评{}、考核{}", s(av), s(bv))
            }
            ItemKind::Bonus => {
                let s = |p: Pts| {
                    if p == Pts::ZERO {
                        "未加分".to_string()
                    } else {
                        format!("加{p}分")
                    }
                };
                format!("自评{}、考核{}", s(a), s(b))
            }
            _ => {
                let s = |p: Pts| {
                    if p == Pts::ZERO {
                        "未扣".to_string()
                    } else {
                        format!("扣{p}分")
                    }
                };
                format!("自评{}、考核{}", s(a), s(b))
            }
        };
        let veto = |v: bool| if v { Pts::from_int(100) } else { Pts::ZERO };
        out.push(Difference {
            code,
            item: item.no,
            own: if item.kind == ItemKind::Veto {
                veto(av)
            } else {
                a
            },
            assessed: if item.kind == ItemKind::Veto {
                veto(bv)
            } else {
                b
            },
            text,
        });
    }
    out
}

/// Ranks within each rubric group, highest first; equal scores share a rank
/// (1, 2, 2, 4); vetoed units come after all others. Sets grades. Units are
/// returned grouped by rubric (in the order of `rubric_ids`), ranked order,
/// ties in the campaign's order of units.
pub fn rank(mut units: Vec<UnitScore>, c: &Campaign, rubric_ids: &[String]) -> Vec<UnitScore> {
    let pos = |name: &str| {
        c.units
            .iter()
            .position(|u| u.name == name)
            .unwrap_or(usize::MAX)
    };
    let group = |id: &str| {
        rubric_ids
            .iter()
            .position(|r| r == id)
            .unwrap_or(usize::MAX)
    };
    units.sort_by(|a, b| {
        group(&a.rubric)
            .cmp(&group(&b.rubric))
            .then(a.veto.cmp(&b.veto))
            .then(b.score.cmp(&a.score))
            .then(pos(&a.unit).cmp(&pos(&b.unit)))
    });
    let mut i = 0;
    while i < units.len() {
        let g = units[i].rubric.clone();
        let mut j = i;
        while j < units.len() && units[j].rubric == g {
            j += 1;
        }
        for k in i..j {
            let same_as_prev =
                k > i && units[k - 1].score == units[k].score && units[k - 1].veto == units[k].veto;
            units[k].rank = if same_as_prev {
                units[k - 1].rank
            } else {
                k - i + 1
            };
            units[k].grade = c.grade(units[k].score, units[k].veto);
        }
        i = j;
    }
    units
}

/// `results.json`: numbers as JSON numbers with at most two decimals.
pub fn results_json(units: &[UnitScore]) -> Value {
    let list: Vec<Value> = units
        .iter()
        .map(|u| {
            json!({
                "unit": u.unit,
                "rubric": u.rubric,
                "score": u.score,
                "base": u.base,
                "bonus": u.bonus,
                "veto": u.veto,
                "veto_reason": if u.veto { json!(u.veto_reason) } else { Value::Null },
                "rank": u.rank,
                "grade": u.grade,
                "subtotals": u.subtotals.iter().map(|(h, p)| json!({"heading": h, "score": p})).collect::<Vec<_>>(),
                "items": u.items.iter().map(|i| json!({
                    "no": i.no,
                    "points": i.points,
                    "deducted": i.deducted,
                    "score": if i.kind.is_scored() { json!(i.score) } else { Value::Null },
                    "reasons": i.reasons,
                    "self_deducted": i.self_deducted,
                })).collect::<Vec<_>>(),
                "self_score": u.self_score,
                "differences": u.differences.iter().map(|d| json!({
                    "code": d.code,
                    "item": d.item,
                    "self": d.own,
                    "assessed": d.assessed,
                    "text": d.text,
                })).collect::<Vec<_>>(),
                "assessors": u.assessors.iter().map(|a| json!({
                    "name": a.name,
                    "file": a.file,
                    "sha256": a.sha256,
                    "score": a.score,
                    "entered": a.entered.iter().map(|(c, p)| json!({"code": c, "amount": p})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "units": list })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbook::ingest::Entry;
    use std::collections::BTreeMap;

    fn filled(unit: &str, rubric: &str, entries: &[(&str, i64, bool, &str)]) -> Filled {
        let mut m = BTreeMap::new();
        for (code, h, veto, reason) in entries {
            m.insert(
                code.to_string(),
                Entry {
                    amount: Pts(*h),
                    veto: *veto,
                    reason: reason.to_string(),
                },
            );
        }
        Filled {
            file: "t.xlsx".into(),
            sha256: String::new(),
            unit: unit.into(),
            rubric: rubric.into(),
            entries: m,
            ..Filled::default()
        }
    }

    #[test]
    fn clean_sheet_is_100_and_deductions_are_exact() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let s = score_unit(r, &filled("海原县人民政府", "county-2018", &[]));
        assert_eq!(s.score, Pts::from_int(100));
        let s = score_unit(
            r,
            &filled(
                "海原县人民政府",
                "county-2018",
                &[
                    ("1-1", 50, false, "资料不全"),
                    ("2-1", 25, false, "缺路线图"),
                    ("37-1", 700, false, "表彰"),
                ],
            ),
        );
        assert_eq!(s.base, Pts(9925));
        assert_eq!(s.bonus, Pts(500), "bonus is capped at 5");
        assert_eq!(s.score, Pts(10425));
        assert_eq!(s.items[0].reasons, ["①扣0.5分：资料不全"]);
        assert_eq!(s.subtotals[0].0, "一、责任落实");
    }

    #[test]
    fn ties_share_a_rank_and_vetoed_units_come_last() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let mk =
            |u: &str, e: &[(&str, i64, bool, &str)]| score_unit(r, &filled(u, "county-2018", e));
        let units = vec![
            mk("海兴开发区管委会", &[("1-1", 50, false, "x")]),
            mk("海原县人民政府", &[("38-1", 0, true, "较大事故")]),
            mk("中宁县人民政府", &[("1-1", 50, false, "x")]),
            mk("沙坡头区人民政府", &[]),
            mk("中卫工业园区管委会", &[("1-1", 200, false, "x")]),
        ];
        let ids = vec!["county-2018".to_string(), "member-2018".to_string()];
        let ranked = rank(units, &l.campaign, &ids);
        let got: Vec<(&str, usize, &str)> = ranked
            .iter()
            .map(|u| (u.unit.as_str(), u.rank, u.grade.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("沙坡头区人民政府", 1, "优秀"),
                ("海兴开发区管委会", 2, "优秀"),
                ("中宁县人民政府", 2, "优秀"),
                ("中卫工业园区管委会", 4, "优秀"),
                ("海原县人民政府", 5, "不合格"),
            ]
        );
        assert_eq!(
            ranked[4].score,
            Pts::from_int(100),
            "a vetoed unit keeps its computed score"
        );
    }

    #[test]
    fn a_deduction_is_capped_at_the_rules_points() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        // Rule 1-1 is worth 2 of item 1's 3 points; 3 entered deducts 2.
        let s = score_unit(
            r,
            &filled(
                "海原县人民政府",
                "county-2018",
                &[("1-1", 300, false, "无")],
            ),
        );
        assert_eq!(s.items[0].deducted, Pts(200));
        assert_eq!(s.items[0].score, Pts(100));
        assert_eq!(s.items[0].reasons, ["①扣2分：无"]);
        assert_eq!(s.base, Pts(9800));
        assert_eq!(s.score, Pts(9800));
    }

    #[test]
    fn a_vetoed_unit_does_not_share_the_rank_of_an_equal_score() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let mk =
            |u: &str, e: &[(&str, i64, bool, &str)]| score_unit(r, &filled(u, "county-2018", e));
        let units = vec![
            // Vetoed, with the same score as the last unit not vetoed.
            mk(
                "海原县人民政府",
                &[("1-1", 50, false, "x"), ("38-1", 0, true, "较大事故")],
            ),
            mk("中宁县人民政府", &[("1-1", 50, false, "x")]),
            mk("沙坡头区人民政府", &[]),
        ];
        let ids = vec!["county-2018".to_string()];
        let ranked = rank(units, &l.campaign, &ids);
        let got: Vec<(&str, usize, String, bool)> = ranked
            .iter()
            .map(|u| (u.unit.as_str(), u.rank, u.score.to_string(), u.veto))
            .collect();
        assert_eq!(
            got,
            [
                ("沙坡头区人民政府", 1, "100".to_string(), false),
                ("中宁县人民政府", 2, "99.5".to_string(), false),
                ("海原县人民政府", 3, "99.5".to_string(), true),
            ]
        );
    }

    #[test]
    fn circled_numbers() {
        assert_eq!(circled(1), "①");
        assert_eq!(circled(2), "②");
        assert_eq!(circled(20), "⑳");
        assert_eq!(circled(21), "(21)");
        assert_eq!(circled(0), "(0)");
    }

    #[test]
    fn remarks_reasons_bonus_and_veto() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let s = score_unit(
            r,
            &filled(
                "海原县人民政府",
                "county-2018",
                &[
                    ("1-1", 0, false, "已整改"),
                    ("1-2", 50, false, ""),
                    ("37-1", 200, false, "两项表彰"),
                    ("38-1", 0, false, "无事故"),
                ],
            ),
        );
        assert_eq!(s.items[0].reasons, ["①备注：已整改", "②扣0.5分"]);
        assert_eq!(s.items[0].deducted, Pts(50));
        assert_eq!(s.bonus, Pts(200));
        assert_eq!(s.bonus_reason, "两项表彰");
        assert!(!s.veto);
        assert_eq!(s.veto_reason, "");
        let bonus = s.items.iter().find(|i| i.kind == ItemKind::Bonus).unwrap();
        assert_eq!(
            (bonus.points, bonus.score, &bonus.reasons[..]),
            (None, Pts::ZERO, &["加2分：两项表彰".to_string()][..])
        );
        let veto = s.items.iter().find(|i| i.kind == ItemKind::Veto).unwrap();
        assert_eq!((veto.points, veto.score), (None, Pts::ZERO));
        assert!(veto.reasons.is_empty());
        assert_eq!(s.base, Pts(9950));
        assert_eq!(s.score, Pts(10150));
        // No bonus claimed: no reason kept.
        let s = score_unit(
            r,
            &filled(
                "海原县人民政府",
                "county-2018",
                &[("37-1", 0, false, "无"), ("38-1", 0, true, "较大事故")],
            ),
        );
        assert_eq!((s.bonus, s.bonus_reason.as_str()), (Pts::ZERO, ""));
        assert!(s.veto);
        assert_eq!(s.veto_reason, "较大事故");
        let veto = s.items.iter().find(|i| i.kind == ItemKind::Veto).unwrap();
        assert_eq!(veto.reasons, ["一票否决：较大事故"]);
    }

    #[test]
    fn subtotals_add_up_per_heading() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let s = score_unit(
            r,
            &filled(
                "海原县人民政府",
                "county-2018",
                &[("1-1", 50, false, "x"), ("37-1", 100, false, "y")],
            ),
        );
        let headings = r.scored_level1_headings();
        assert_eq!(s.subtotals.len(), headings.len());
        for ((h, got), want) in s.subtotals.iter().zip(&headings) {
            assert_eq!(h, want);
            let full: Pts = r
                .items
                .iter()
                .filter(|i| i.level1 == *want && i.kind.is_scored())
                .filter_map(|i| i.points)
                .sum();
            let less = if *want == r.items[0].level1 {
                Pts(50)
            } else {
                Pts::ZERO
            };
            assert_eq!(*got, full - less, "{h}");
        }
        let all: Pts = s.subtotals.iter().map(|(_, p)| *p).sum();
        assert_eq!(all, s.base);
        assert_eq!(s.base, Pts(9950));
    }

    #[test]
    fn ranks_restart_in_each_group() {
        let l = crate::campaign::load(None).unwrap();
        let county = l.rubric("county-2018");
        let member = l.rubric("member-2018");
        let m = l
            .campaign
            .units
            .iter()
            .filter(|u| u.rubric == "member-2018")
            .map(|u| u.name.clone())
            .collect::<Vec<_>>();
        let units = vec![
            score_unit(
                member,
                &filled(&m[0], "member-2018", &[("1-1", 50, false, "x")]),
            ),
            score_unit(county, &filled("中宁县人民政府", "county-2018", &[])),
            score_unit(
                county,
                &filled("海原县人民政府", "county-2018", &[("1-1", 50, false, "x")]),
            ),
            score_unit(
                member,
                &filled(&m[1], "member-2018", &[("1-1", 50, false, "x")]),
            ),
        ];
        let ids = vec!["county-2018".to_string(), "member-2018".to_string()];
        let ranked = rank(units, &l.campaign, &ids);
        let got: Vec<(&str, usize)> = ranked.iter().map(|u| (u.unit.as_str(), u.rank)).collect();
        // The first member unit shares the last county unit's score, not
        // its rank: ranks count within a group.
        assert_eq!(
            got,
            [
                ("中宁县人民政府", 1),
                ("海原县人民政府", 2),
                (m[0].as_str(), 1),
                (m[1].as_str(), 1),
            ]
        );
    }

    /// The 考核组's form carrying the unit's self-assessment and one
    /// assessor's part: self score, self deductions per item, the
    /// differences rule by rule with their text and gap, and what the
    /// assessor entered.
    #[test]
    fn self_assessment_differences_and_gaps() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let mut f = filled(
            "海原县人民政府",
            "county-2018",
            &[
                ("1-1", 50, false, ""),
                ("2-1", 25, false, ""),
                ("37-1", 200, false, "表彰"),
                ("38-1", 0, true, "事故"),
            ],
        );
        let own = filled(
            "海原县人民政府",
            "county-2018",
            &[
                ("1-1", 50, false, ""),
                ("1-2", 50, false, ""),
                ("37-1", 300, false, "表彰"),
            ],
        );
        f.self_assessment = Some(crate::workbook::ingest::SelfAssessment {
            entries: own.entries,
            file_sha256: "s".into(),
        });
        let mut part = filled(
            "海原县人民政府",
            "county-2018",
            &[
                ("1-1", 50, false, ""),
                ("1-2", 0, false, "无"),
                ("38-1", 0, true, "事故"),
            ],
        );
        part.assessor = Some("张三".into());
        part.file = "张三.xlsx".into();
        part.sha256 = "a".into();
        f.parts = vec![part];
        let u = score_sheet(r, &f);
        // 考核组: 100 − 0.5 − 0.25 + 2 = 101.25, vetoed.
        assert_eq!((u.score, u.veto), (Pts(10125), true));
        // Self: 100 − 0.5 − 0.5 + 3 = 102.
        assert_eq!(u.self_score, Some(Pts(10200)));
        assert_eq!(u.items[0].self_deducted, Some(Pts(100)));
        assert_eq!(u.items[1].self_deducted, Some(Pts::ZERO));
        let got: Vec<(&str, u32, Pts, Pts, &str, Pts)> = u
            .differences
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.item,
                    d.own,
                    d.assessed,
                    d.text.as_str(),
                    d.gap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "1-2",
                    1,
                    Pts(50),
                    Pts::ZERO,
                    "自评扣0.5分、考核未扣",
                    Pts(50)
                ),
                (
                    "2-1",
                    2,
                    Pts::ZERO,
                    Pts(25),
                    "自评未扣、考核扣0.25分",
                    Pts(25)
                ),
                (
                    "37-1",
                    37,
                    Pts(300),
                    Pts(200),
                    "自评加3分、考核加2分",
                    Pts(100)
                ),
                (
                    "38-1",
                    38,
                    Pts::ZERO,
                    Pts(10000),
                    "自评未否决、考核否决",
                    Pts(10000)
                ),
            ]
        );
        // The assessor: 100 − 0.5, the veto counted as 100 in what was entered.
        let a = &u.assessors[..];
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].name.as_str(), a[0].file.as_str(), a[0].sha256.as_str()),
            ("张三", "张三.xlsx", "a")
        );
        assert_eq!(a[0].score, Pts(9950));
        assert_eq!(
            a[0].entered,
            [
                ("1-1".to_string(), Pts(50)),
                ("38-1".to_string(), Pts(10000))
            ]
        );
        // Without a self-assessment: none of it.
        let u = score_unit(r, &f);
        assert_eq!((u.self_score, u.items[0].self_deducted), (None, None));
        assert!(u.differences.is_empty() && u.assessors.is_empty());
    }

    #[test]
    fn results_json_as_written() {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018");
        let units = vec![
            score_unit(
                r,
                &filled(
                    "海原县人民政府",
                    "county-2018",
                    &[("1-1", 25, false, "x"), ("37-1", 100, false, "表彰")],
                ),
            ),
            score_unit(
                r,
                &filled(
                    "中宁县人民政府",
                    "county-2018",
                    &[("38-1", 0, true, "事故")],
                ),
            ),
        ];
        let ranked = rank(units, &l.campaign, &["county-2018".to_string()]);
        let j = results_json(&ranked);
        let a = &j["units"][0];
        assert_eq!(a["unit"], "海原县人民政府");
        assert_eq!(a["rubric"], "county-2018");
        assert_eq!(a["score"].to_string(), "100.75");
        assert_eq!(a["base"].to_string(), "99.75");
        assert_eq!(a["bonus"].to_string(), "1");
        assert_eq!(a["veto"], false);
        assert_eq!(a["veto_reason"], Value::Null);
        assert_eq!(a["rank"], 1);
        assert_eq!(a["grade"], "优秀");
        assert_eq!(a["subtotals"][0]["heading"], "一、责任落实");
        assert_eq!(
            a["subtotals"][0]["score"],
            json!(ranked[0].subtotals[0].1.to_f64())
        );
        assert_eq!(a["items"][0]["no"], 1);
        assert_eq!(a["items"][0]["points"], 3);
        assert_eq!(a["items"][0]["deducted"].to_string(), "0.25");
        assert_eq!(a["items"][0]["score"].to_string(), "2.75");
        assert_eq!(a["items"][0]["reasons"], json!(["①扣0.25分：x"]));
        let n = r.items.len();
        assert_eq!(a["items"].as_array().unwrap().len(), n);
        let bonus = r
            .items
            .iter()
            .position(|i| i.kind == ItemKind::Bonus)
            .unwrap();
        assert_eq!(a["items"][bonus]["score"], Value::Null);
        assert_eq!(a["items"][bonus]["points"], Value::Null);
        assert_eq!(a["items"][bonus]["reasons"], json!(["加1分：表彰"]));
        let b = &j["units"][1];
        assert_eq!(b["unit"], "中宁县人民政府");
        assert_eq!(b["veto"], true);
        assert_eq!(b["veto_reason"], "事故");
        assert_eq!(b["rank"], 2);
        assert_eq!(b["grade"], "不合格");
        assert_eq!(j["units"].as_array().unwrap().len(), 2);
    }
}
