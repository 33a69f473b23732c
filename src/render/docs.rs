//! The data each Typst template receives (see `templates/README.md`), built
//! from the campaign, the rubrics and, for filled sheets, the scores.

use super::prose;
use crate::campaign::{Campaign, Loaded, cn_date, cn_month_day};
use crate::error::Result;
use crate::rubric::{ItemKind, Rubric};
use chrono::Datelike;
use serde_json::{Value, json};

pub fn fonts(c: &Campaign) -> Value {
    serde_json::to_value(&c.fonts).expect("fonts serialise")
}

/// "2018年11月14日至22日", "2018年11月30日至12月2日".
pub fn period(c: &Campaign) -> String {
    let a = Campaign::date(&c.notice.period_start);
    let b = Campaign::date(&c.notice.period_end);
    if a == b {
        cn_date(a)
    } else if a.year() != b.year() {
        format!("{}至{}", cn_date(a), cn_date(b))
    } else if a.month() != b.month() {
        format!("{}至{}", cn_date(a), cn_month_day(b))
    } else {
        format!("{}至{}日", cn_date(a), b.day())
    }
}

/// 一 … 九十九, for numbering paragraphs.
pub fn cn_number(n: usize) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => D[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n - 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

/// The body blocks of the notice, from the campaign's `templates/notice.j2`.
pub fn notice_body(l: &Loaded) -> Result<Vec<Value>> {
    let c = &l.campaign;
    let n = &c.notice;
    let base = json!({
        "year": c.year,
        "name": c.name,
        "issuer": c.issuer.name,
        "issuer_short": c.issuer.short,
        "notice_date": cn_date(Campaign::date(&n.date)),
        "report_deadline": cn_date(Campaign::date(&n.report_deadline)),
        "period": period(c),
        "period_start": cn_date(Campaign::date(&n.period_start)),
        "period_end": cn_date(Campaign::date(&n.period_end)),
        "unit_count": c.units.len(),
    });
    let requirements = n
        .requirements
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let text = prose::render_str(r, "notice.requirements", &base)?;
            Ok(json!({"number": cn_number(i + 1), "text": text}))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut ctx = base.clone();
    ctx["group_duty"] = json!(n.group_duty);
    ctx["scope"] = json!(n.scope);
    ctx["requirements"] = json!(requirements);
    ctx["contact"] =
        json!({"name": n.contact.name, "phone": n.contact.phone, "email": n.contact.email});
    let text = prose::render(&l.prose.notice.source, &l.prose.notice.file, &ctx)?;
    let members: Vec<Value> = c
        .leading_group
        .iter()
        .enumerate()
        .map(|(i, m)| {
            // Only the first of a run of equal roles is printed (成员：A / B / C).
            let same = i > 0 && c.leading_group[i - 1].role == m.role;
            json!({"role": if same { "" } else { m.role.as_str() }, "name": m.name, "title": m.title})
        })
        .collect();
    Ok(prose::blocks(&text, &json!(members)))
}

/// One row per item: what the rubric table template prints.
pub fn rubric_table(r: &Rubric, results: Option<&dyn Fn(u32) -> Vec<String>>) -> Value {
    let rows: Vec<Value> = r
        .items
        .iter()
        .map(|i| {
            json!({
                "no": i.no,
                "level1": i.level1,
                "level2": i.level2.clone().unwrap_or_default(),
                "content": format!("{}.{}", i.no, i.content),
                "rules": i.rules.iter().map(|x| x.text.as_str()).collect::<Vec<_>>(),
                "points": match (i.kind, i.points) {
                    (ItemKind::Bonus | ItemKind::Veto, _) | (_, None) => String::new(),
                    (_, Some(p)) => p.to_string(),
                },
                "result": results.map(|f| f(i.no)),
            })
        })
        .collect();
    json!({"headers": r.headers, "has_level2": r.has_level2(), "rows": rows})
}

pub fn schedule_table(c: &Campaign) -> Value {
    let rows: Vec<Value> = c
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            json!({
                "no": (i + 1).to_string(),
                "unit": u.name,
                "date": cn_month_day(Campaign::date(&u.date)),
                "time": crate::campaign::slot_text(&u.time),
            })
        })
        .collect();
    json!({"headers": ["序号", "考核单位", "考核安排"], "rows": rows, "note": c.schedule.note})
}

fn attachment(label: &str, title: &str, kind: &str, key: &str, data: Value) -> Value {
    json!({
        "label": label, "title": title, "subtitle": null,
        "landscape": kind == "rubric", "type": kind, key: data,
    })
}

/// The rubric a notice attachment is about: the campaign's rubrics in order.
fn rubric_attachments(l: &Loaded) -> Vec<Value> {
    l.rubrics
        .iter()
        .enumerate()
        .map(|(i, r)| {
            attachment(
                &format!("附件{}", i + 1),
                &r.title,
                "rubric",
                "rubric",
                rubric_table(r, None),
            )
        })
        .collect()
}

/// The notice with its attachments: the rubrics, then the schedule.
pub fn notice(l: &Loaded) -> Result<Value> {
    let c = &l.campaign;
    let n = &c.notice;
    let mut attachments = rubric_attachments(l);
    attachments.push(attachment(
        &format!("附件{}", l.rubrics.len() + 1),
        &c.schedule.title,
        "schedule",
        "schedule",
        schedule_table(c),
    ));
    let date = cn_date(Campaign::date(&n.date));
    Ok(json!({
        "fonts": fonts(c),
        "head": {"copy_no": null, "secrecy": null, "urgency": null, "mark": c.issuer.mark, "number": n.number},
        "title": n.title,
        "recipients": format!("{}：", n.recipients),
        "body": notice_body(l)?,
        "attachment_list": n.attachments,
        "signature": {"issuer": c.issuer.name, "date": date},
        "note": n.note,
        "attachments": attachments,
        "colophon": {
            "cc": if n.cc.is_empty() { Value::Null } else { json!(n.cc.join("，")) },
            "printer": c.issuer.name,
            "printed": format!("{date}印发"),
        },
    }))
}

/// A blank rubric table for one kind of unit (`Sheets`).
pub fn blank_table(l: &Loaded, index: usize) -> Value {
    let r = &l.rubrics[index];
    json!({
        "fonts": fonts(&l.campaign),
        "attachments": [attachment(&format!("附件{}", index + 1), &r.title, "rubric", "rubric", rubric_table(r, None))],
    })
}

/// The schedule on its own (`Sheets`).
pub fn schedule(l: &Loaded) -> Value {
    let c = &l.campaign;
    json!({
        "fonts": fonts(c),
        "attachments": [attachment(&format!("附件{}", l.rubrics.len() + 1), &c.schedule.title, "schedule", "schedule", schedule_table(c))],
    })
}

/// A unit's filled score sheet (`Sheets`): its rubric table with deductions
/// and reasons, and a summary under it.
pub fn filled_sheet(l: &Loaded, u: &crate::score::UnitScore) -> Value {
    let c = &l.campaign;
    let r = l.rubric(&u.rubric);
    let results = |no: u32| -> Vec<String> {
        u.items
            .iter()
            .find(|i| i.no == no)
            .map(|i| i.reasons.clone())
            .unwrap_or_default()
    };
    let mut table = rubric_table(r, Some(&results));
    // The score of each scored item goes with its 分值, as "3 / 2.5".
    if let Some(rows) = table["rows"].as_array_mut() {
        for (row, item) in rows.iter_mut().zip(&u.items) {
            if item.kind.is_scored() && item.deducted > crate::points::Pts::ZERO {
                let mut res: Vec<Value> = row["result"].as_array().cloned().unwrap_or_default();
                res.push(json!(format!("得{}分", item.score)));
                row["result"] = json!(res);
            }
        }
    }
    let summary = json!({"rows": [
        ["基本得分", u.base.to_string()],
        ["加分", if u.bonus > crate::points::Pts::ZERO { format!("{}（{}）", u.bonus, u.bonus_reason) } else { "0".into() }],
        ["一票否决", if u.veto { format!("是（{}）", u.veto_reason) } else { "否".into() }],
        ["总分", u.score.to_string()],
        ["名次", format!("{}（{}）", u.rank, group_name(l, &u.rubric))],
        ["等次", u.grade.clone()],
    ]});
    json!({
        "fonts": fonts(c),
        "attachments": [{
            "label": "",
            "title": format!("{}评分表", c.name),
            "subtitle": [format!("被考核单位：{}", u.unit), format!("考核细则：{}", r.title)],
            "landscape": true,
            "type": "rubric",
            "rubric": table,
            "summary": summary,
        }],
    })
}

/// How a group of units is named: the campaign's `[circular.groups]`, else
/// the rubric title without the year and 安全生产工作考核细则.
pub fn group_name(l: &Loaded, rubric: &str) -> String {
    if let Some(name) = l.campaign.circular.groups.get(rubric) {
        return name.clone();
    }
    let t = &l.rubric(rubric).title;
    let t = t
        .trim_start_matches(|ch: char| ch.is_ascii_digit())
        .trim_start_matches("年度");
    t.trim_end_matches("安全生产工作考核细则").to_string()
}

/// The ranking table attachment of the circular.
pub fn ranking(l: &Loaded, units: &[crate::score::UnitScore]) -> Result<Value> {
    let groups: Vec<Value> = l
        .rubrics
        .iter()
        .filter(|r| units.iter().any(|u| u.rubric == r.id))
        .map(|r| {
            let heads = r.scored_level1_headings();
            let mut headers = vec!["名次".to_string(), "单位".to_string()];
            headers.extend(heads.iter().map(|h| h.to_string()));
            headers.extend(["加分".to_string(), "总分".to_string(), "等次".to_string()]);
            let rows: Vec<Value> = units
                .iter()
                .filter(|u| u.rubric == r.id)
                .map(|u| {
                    let mut cells = vec![u.rank.to_string(), u.unit.clone()];
                    cells.extend(heads.iter().map(|h| {
                        u.subtotals
                            .iter()
                            .find(|(x, _)| x == h)
                            .map(|(_, p)| p.to_string())
                            .unwrap_or_default()
                    }));
                    cells.extend([u.bonus.to_string(), u.score.to_string(), u.grade.clone()]);
                    json!({"cells": cells, "vetoed": u.veto})
                })
                .collect();
            json!({"title": group_name(l, &r.id), "headers": headers, "rows": rows})
        })
        .collect();
    let note = l
        .campaign
        .circular
        .veto_note
        .as_deref()
        .unwrap_or("{{ unit }}实行“一票否决”，排在本组最后。");
    let notes: Vec<String> = units
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
    Ok(json!({"groups": groups, "notes": notes}))
}

/// The result circular (考核结果通报) with the ranking as its attachment.
pub fn circular(l: &Loaded, units: &[crate::score::UnitScore]) -> Result<Value> {
    let c = &l.campaign;
    let ci = &c.circular;
    let excellent = c
        .grades
        .levels
        .first()
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let groups: Vec<Value> = l
        .rubrics
        .iter()
        .filter(|r| units.iter().any(|u| u.rubric == r.id))
        .enumerate()
        .map(|(i, r)| {
            let mine: Vec<&crate::score::UnitScore> = units.iter().filter(|u| u.rubric == r.id).collect();
            let mut names: Vec<String> = c.grades.levels.iter().map(|g| g.name.clone()).collect();
            names.push(c.grades.fail.clone());
            if !names.contains(&c.grades.veto) {
                names.push(c.grades.veto.clone());
            }
            let grades: Vec<Value> = names
                .iter()
                .map(|g| {
                    let us: Vec<&str> = mine.iter().filter(|u| &u.grade == g).map(|u| u.unit.as_str()).collect();
                    json!({"name": g, "units": us})
                })
                .collect();
            json!({"number": cn_number(i + 1), "title": group_name(l, &r.id), "count": mine.len(), "grades": grades})
        })
        .collect();
    let vetoed: Vec<Value> = units
        .iter()
        .filter(|u| u.veto)
        .map(|u| json!({"unit": u.unit, "reason": u.veto_reason}))
        .collect();
    let ctx = json!({
        "year": c.year,
        "name": c.name,
        "issuer": c.issuer.name,
        "issuer_short": c.issuer.short,
        "max_points": l.rubrics.first().map(|r| r.total_points().to_string()).unwrap_or_default(),
        "notice_title": c.notice.title.concat(),
        "notice_number": c.notice.number,
        "period": period(c),
        "total": units.len(),
        "groups": groups,
        "vetoed": vetoed,
        "veto_grade": c.grades.veto,
        "excellent": excellent,
    });
    let text = prose::render(&l.prose.circular.source, &l.prose.circular.file, &ctx)?;
    let date = cn_date(Campaign::date(&ci.date));
    let title = format!("{}结果排名表", c.name);
    Ok(json!({
        "fonts": fonts(c),
        "head": {"copy_no": null, "secrecy": null, "urgency": null, "mark": c.issuer.mark, "number": ci.number},
        "title": ci.title,
        "recipients": format!("{}：", ci.recipients),
        "body": prose::blocks(&text, &json!([])),
        "attachment_list": [title],
        "signature": {"issuer": c.issuer.name, "date": date},
        "note": ci.note,
        "attachments": [{
            "label": "附件", "title": title, "subtitle": null, "landscape": true,
            "type": "ranking", "ranking": ranking(l, units)?,
        }],
        "colophon": {
            "cc": if ci.cc.is_empty() { Value::Null } else { json!(ci.cc.join("，")) },
            "printer": c.issuer.name,
            "printed": format!("{date}印发"),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        assert_eq!(cn_number(1), "一");
        assert_eq!(cn_number(10), "十");
        assert_eq!(cn_number(15), "十五");
        assert_eq!(cn_number(19), "十九");
        assert_eq!(cn_number(20), "二十");
        assert_eq!(cn_number(21), "二十一");
    }

    #[test]
    fn notice_body_has_the_seed_text() {
        let l = crate::campaign::load(None).unwrap();
        assert_eq!(period(&l.campaign), "2018年11月14日至22日");
        let body = notice_body(&l).unwrap();
        let text: String = body
            .iter()
            .map(|b| {
                format!(
                    "{}{}",
                    b["lead"].as_str().unwrap_or(""),
                    b["text"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(text.contains("市安委会办公室定于2018年11月14日至22日，对各县（区）"));
        assert!(text.contains("以正式文件的形式于2018年11月12日前报市安委办。"));
        assert!(body.iter().any(|b| b["type"] == "members"));
        let levels: Vec<u64> = body
            .iter()
            .filter_map(|b| b["level"].as_u64())
            .filter(|l| *l > 0)
            .collect();
        assert_eq!(levels, [1, 1, 1, 2, 2, 2, 2, 2]);
    }
}
