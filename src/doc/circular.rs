//! The result circular (考核结果通报): the values its prose template reads,
//! built from the scores (基本情况, 成效, 存在的主要问题, 一票否决, 整改要求),
//! and its ranking attachment with a bar chart per group.

use super::build::{HeadFields, cn_number, colophon, group_name, head, period};
use super::*;
use crate::campaign::{Campaign, Loaded, cn_date};
use crate::error::Result;
use crate::points::Pts;
use crate::rubric::Rubric;
use crate::score::UnitScore;
use serde_json::{Value, json};

/// Items listed under 存在的主要问题 per group when the campaign says nothing.
const PROBLEMS: usize = 3;

/// The text of a reason without its "①扣0.5分：" prefix.
fn bare_reason(r: &str) -> &str {
    match r.split_once('：') {
        Some((head, rest)) if head.contains('扣') => rest.trim(),
        _ => r.trim(),
    }
}

/// The first clause of a rubric text (up to its first ，；。), with its
/// double quotes turned single so that it can stand inside quotes.
fn first_clause(s: &str) -> String {
    let s = s.trim();
    // a level-2 heading's own number: （一）
    let s = match s.strip_prefix('（').and_then(|r| r.split_once('）')) {
        Some((n, rest)) if n.chars().count() <= 3 => rest.trim(),
        _ => s,
    };
    let end = s.find(['，', '；', '。']).unwrap_or(s.len());
    s[..end].replace('“', "‘").replace('”', "’")
}

/// A level-1 heading without its number: "一、责任落实" → "责任落实".
fn heading_name(h: &str) -> String {
    match h.split_once('、') {
        Some((_, rest)) => rest.to_string(),
        None => h.to_string(),
    }
}

/// The items of `r` on which most of `units` lost points: at most `n`, each
/// lost by at least two units, most units first, with the reason given most
/// often (the first of equals).
pub fn problems(r: &Rubric, units: &[&UnitScore], n: usize) -> Vec<Value> {
    let mut found: Vec<(usize, u32, Value)> = Vec::new();
    for item in r.items.iter().filter(|i| i.kind.is_scored()) {
        let mut count = 0;
        let mut lost = Pts::ZERO;
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for u in units {
            let Some(s) = u.items.iter().find(|s| s.no == item.no) else {
                continue;
            };
            if s.deducted <= Pts::ZERO {
                continue;
            }
            count += 1;
            lost += s.deducted;
            for reason in &s.reasons {
                let text = bare_reason(reason).trim_end_matches('。').to_string();
                if text.is_empty() {
                    continue;
                }
                match reasons.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, k)) => *k += 1,
                    None => reasons.push((text, 1)),
                }
            }
        }
        if count < 2 {
            continue;
        }
        let typical = reasons
            .iter()
            .fold(None::<&(String, usize)>, |best, r| match best {
                Some(b) if b.1 >= r.1 => Some(b),
                _ => Some(r),
            })
            .map(|(t, _)| t.clone())
            .unwrap_or_default();
        found.push((
            count,
            item.no,
            json!({
                "no": item.no,
                "heading": heading_name(&item.level1),
                "topic": item.level2.as_deref().map(first_clause).unwrap_or_default(),
                "item": first_clause(&item.content),
                "units": count,
                "total": units.len(),
                "lost": lost.to_string(),
                "reason": typical,
            }),
        ));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found.into_iter().take(n).map(|(_, _, v)| v).collect()
}

/// The grade thresholds as the circular states them: each level with its
/// lower bound and the next level's as its upper bound.
fn thresholds(c: &Campaign) -> Vec<Value> {
    let levels = &c.grades.levels;
    levels
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let pts = |x: f64| Pts::from_f64(x).map(|p| p.to_string()).unwrap_or_default();
            let max = if i == 0 {
                String::new()
            } else {
                pts(levels[i - 1].min)
            };
            json!({"name": g.name, "min": pts(g.min), "max": max})
        })
        .collect()
}

/// The veto rule of a rubric in its own words, without its closing 。.
fn veto_rule(r: &Rubric) -> String {
    r.items
        .iter()
        .filter(|i| i.kind == crate::rubric::ItemKind::Veto)
        .flat_map(|i| i.rules.first())
        .map(|rule| {
            let t = rule.text.trim().trim_end_matches('。');
            // quoted in the circular: its own quotes become single ones
            t.replace('“', "‘").replace('”', "’")
        })
        .next()
        .unwrap_or_default()
}

/// What `circular.j2` receives (the placeholders of templates/README.md).
pub fn context(l: &Loaded, units: &[UnitScore]) -> Value {
    let c = &l.campaign;
    let excellent = c
        .grades
        .levels
        .first()
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let mut names: Vec<String> = c.grades.levels.iter().map(|g| g.name.clone()).collect();
    names.push(c.grades.fail.clone());
    if !names.contains(&c.grades.veto) {
        names.push(c.grades.veto.clone());
    }
    let n = c.circular.problems.unwrap_or(PROBLEMS);
    let groups: Vec<Value> = l
        .rubrics
        .iter()
        .filter(|r| units.iter().any(|u| u.rubric == r.id))
        .enumerate()
        .map(|(i, r)| {
            let mine: Vec<&UnitScore> = units.iter().filter(|u| u.rubric == r.id).collect();
            let of = |g: &str| -> Vec<&str> {
                mine.iter()
                    .filter(|u| u.grade == g)
                    .map(|u| u.unit.as_str())
                    .collect()
            };
            let grades: Vec<Value> = names
                .iter()
                .map(|g| json!({"name": g, "units": of(g)}))
                .collect();
            let best: Vec<&str> = mine
                .iter()
                .filter(|u| u.grade == excellent && !u.veto)
                .map(|u| u.unit.as_str())
                .collect();
            json!({
                "number": cn_number(i + 1),
                "title": group_name(l, &r.id),
                "count": mine.len(),
                "grades": grades,
                "excellent": best,
                "problems": problems(r, &mine, n),
            })
        })
        .collect();
    let grade_counts: Vec<Value> = names
        .iter()
        .map(|g| (g, units.iter().filter(|u| &u.grade == g && !u.veto).count()))
        .filter(|(_, k)| *k > 0)
        .map(|(g, k)| json!({"name": g, "count": k}))
        .collect();
    let excellent_units: Vec<&str> = units
        .iter()
        .filter(|u| u.grade == excellent && !u.veto)
        .map(|u| u.unit.as_str())
        .collect();
    let vetoed: Vec<Value> = units
        .iter()
        .filter(|u| u.veto)
        .map(|u| {
            json!({
                "unit": u.unit,
                "reason": u.veto_reason.trim().trim_end_matches('。'),
                "group": group_name(l, &u.rubric),
                "rule": veto_rule(l.rubric(&u.rubric)),
            })
        })
        .collect();
    let fail_below = c
        .grades
        .levels
        .last()
        .and_then(|g| Pts::from_f64(g.min))
        .map(|p| p.to_string())
        .unwrap_or_default();
    // The self-assessments against the 考核组's scores, when they are known.
    let compared: Vec<(Pts, Pts)> = units
        .iter()
        .filter_map(|u| u.self_score.map(|own| (own, u.score)))
        .collect();
    let self_compare = if compared.is_empty() {
        Value::Null
    } else {
        json!({
            "units": compared.len(),
            "higher": compared.iter().filter(|(o, a)| o > a).count(),
            "lower": compared.iter().filter(|(o, a)| o < a).count(),
            "same": compared.iter().filter(|(o, a)| o == a).count(),
        })
    };
    json!({
        "year": c.year,
        "name": c.name,
        "issuer": c.issuer.name,
        "issuer_short": c.issuer.short,
        "self_compare": self_compare,
        "max_points": l.rubrics.first().map(|r| r.total_points().to_string()).unwrap_or_default(),
        "notice_title": c.notice.title.concat(),
        "notice_number": c.notice.number,
        "period": period(c),
        "total": units.len(),
        "groups": groups,
        "vetoed": vetoed,
        "veto_grade": c.grades.veto,
        "excellent": excellent,
        "excellent_units": excellent_units,
        "grade_counts": grade_counts,
        "thresholds": thresholds(c),
        "fail": c.grades.fail,
        "fail_below": fail_below,
        "rectify_deadline": c.rectify_deadline_cn(),
    })
}

/// The text in the rank and grade cells of a vetoed unit.
pub const VETO_CELL: &str = "一票否决";

/// The ranking table attachment of the circular: a vetoed unit shows
/// 一票否决 in its rank and grade cells; a bar chart per group.
/// The ranking's column of the units' self-assessed scores.
pub const SELF_HEADER: &str = "自评得分";

pub fn ranking(l: &Loaded, units: &[UnitScore]) -> Result<RankingTable> {
    let groups = l
        .rubrics
        .iter()
        .filter(|r| units.iter().any(|u| u.rubric == r.id))
        .map(|r| {
            let heads = r.scored_level1_headings();
            let mut headers = vec!["名次".to_string(), "单位".to_string()];
            headers.extend(heads.iter().map(|h| h.to_string()));
            headers.extend(["加分".to_string(), "总分".to_string(), "等次".to_string()]);
            let mine: Vec<&UnitScore> = units.iter().filter(|u| u.rubric == r.id).collect();
            // the unit's own score beside the 考核组's, when the forms carried it
            let own = mine.iter().any(|u| u.self_score.is_some());
            if own {
                headers.push(SELF_HEADER.to_string());
            }
            let rows = mine
                .iter()
                .map(|u| {
                    let mut cells = vec![
                        if u.veto {
                            VETO_CELL.to_string()
                        } else {
                            u.rank.to_string()
                        },
                        u.unit.clone(),
                    ];
                    cells.extend(heads.iter().map(|h| {
                        u.subtotals
                            .iter()
                            .find(|(x, _)| x == h)
                            .map(|(_, p)| p.to_string())
                            .unwrap_or_default()
                    }));
                    cells.extend([
                        u.bonus.to_string(),
                        u.score.to_string(),
                        if u.veto {
                            VETO_CELL.to_string()
                        } else {
                            u.grade.clone()
                        },
                    ]);
                    if own {
                        cells.push(
                            u.self_score
                                .map(|p| p.to_string())
                                .unwrap_or_else(|| "—".into()),
                        );
                    }
                    RankingRow {
                        cells,
                        vetoed: u.veto,
                    }
                })
                .collect();
            let chart = mine
                .iter()
                .map(|u| Bar {
                    unit: u.unit.clone(),
                    label: u.score.to_string(),
                    value: u.score.to_f64(),
                    vetoed: u.veto,
                })
                .collect();
            RankingGroup {
                title: group_name(l, &r.id),
                headers,
                rows,
                chart,
            }
        })
        .collect();
    let note = l
        .campaign
        .circular
        .veto_note
        .as_deref()
        .unwrap_or("{{ unit }}实行“一票否决”，排在本组最后。");
    let notes = units
        .iter()
        .filter(|u| u.veto)
        .map(|u| {
            prose::render(
                note,
                &format!("{}: circular.veto_note", l.source),
                &json!({"unit": u.unit, "reason": u.veto_reason}),
            )
        })
        .collect::<Result<_>>()?;
    let lines = l
        .campaign
        .grades
        .levels
        .iter()
        .map(|g| GradeLine {
            name: g.name.clone(),
            min: g.min,
        })
        .collect();
    Ok(RankingTable {
        groups,
        notes,
        lines,
    })
}

/// The result circular (考核结果通报) with the ranking as its attachment.
pub fn circular(l: &Loaded, units: &[UnitScore]) -> Result<Document> {
    let c = &l.campaign;
    let ci = &c.circular;
    let ctx = context(l, units);
    let text = prose::render(&l.prose.circular.source, &l.prose.circular.file, &ctx)?;
    let day = Campaign::date(&ci.date);
    let date = cn_date(day);
    let title = format!("{}结果排名表", c.name);
    Ok(Document {
        fonts: c.fonts.clone(),
        head: head(
            c,
            HeadFields {
                number: &ci.number,
                copy_no: &ci.copy_no,
                secrecy: &ci.secrecy,
                urgency: &ci.urgency,
                signer: &ci.signer,
                section: "[circular]",
            },
        )?,
        title: ci.title.clone(),
        recipients: format!("{}：", ci.recipients),
        body: prose::blocks(&text, &[]),
        attachment_list: vec![title.clone()],
        signature: Signature {
            issuer: c.issuer.name.clone(),
            date: date.clone(),
            seal: Seal::of(c),
        },
        note: ci.note.clone(),
        attachments: vec![Attachment {
            label: "附件".into(),
            title,
            subtitle: None,
            landscape: true,
            body: AttachmentBody::Ranking {
                ranking: ranking(l, units)?,
            },
            summary: None,
            signature: Vec::new(),
        }],
        colophon: colophon(c, &ci.cc, &date),
        date: day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_clauses() {
        assert_eq!(bare_reason("①扣0.5分：资料不全"), "资料不全");
        assert_eq!(bare_reason("通报：3次"), "通报：3次");
        assert_eq!(
            first_clause("以安全生产领域“改革年”为契机，结合本地实际"),
            "以安全生产领域‘改革年’为契机"
        );
        assert_eq!(first_clause("（二）领导责任"), "领导责任");
        assert_eq!(heading_name("一、责任落实"), "责任落实");
    }
}
