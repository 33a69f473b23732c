//! Builds the document model (see `templates/README.md`) from the campaign,
//! the rubrics and, for filled sheets and the circular, the scores.

use super::*;
use crate::campaign::{Campaign, Loaded, cn_date, cn_month_day};
use crate::error::Result;
use crate::rubric::{ItemKind, Rubric};
use chrono::Datelike;
use serde_json::{Value, json};

pub use super::circular::{circular, ranking};

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
pub fn notice_body(l: &Loaded) -> Result<Vec<Block>> {
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
    let members: Vec<MemberRow> = c
        .leading_group
        .iter()
        .enumerate()
        .map(|(i, m)| {
            // Only the first of a run of equal roles is printed (成员：A / B / C).
            let same = i > 0 && c.leading_group[i - 1].role == m.role;
            MemberRow {
                role: if same { String::new() } else { m.role.clone() },
                name: m.name.clone(),
                title: m.title.clone(),
            }
        })
        .collect();
    Ok(prose::blocks(&text, &members))
}

/// One row per item: what the rubric table template prints.
pub fn rubric_table(r: &Rubric, results: Option<&dyn Fn(u32) -> Vec<String>>) -> RubricTable {
    let rows = r
        .items
        .iter()
        .map(|i| RubricRow {
            no: i.no,
            level1: i.level1.clone(),
            level2: i.level2.clone().unwrap_or_default(),
            content: format!("{}.{}", i.no, i.content),
            rules: i.rules.iter().map(|x| x.text.clone()).collect(),
            points: match (i.kind, i.points) {
                (ItemKind::Bonus | ItemKind::Veto, _) | (_, None) => String::new(),
                (_, Some(p)) => p.to_string(),
            },
            result: results.map(|f| f(i.no)),
            kind: RowKind::Item,
            marks: Vec::new(),
        })
        .collect();
    RubricTable {
        headers: r.headers.clone(),
        has_level2: r.has_level2(),
        rows,
        marks: Vec::new(),
    }
}

pub fn schedule_table(c: &Campaign) -> ScheduleTable {
    let rows = c
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| ScheduleRow {
            no: (i + 1).to_string(),
            unit: u.name.clone(),
            date: cn_month_day(Campaign::date(&u.date)),
            time: crate::campaign::slot_text(&u.time),
        })
        .collect();
    ScheduleTable {
        headers: ["序号", "考核单位", "考核安排"].map(String::from).to_vec(),
        rows,
        note: c.schedule.note.clone(),
    }
}

fn attachment(label: &str, title: &str, body: AttachmentBody) -> Attachment {
    Attachment {
        label: label.to_string(),
        title: title.to_string(),
        subtitle: None,
        landscape: matches!(body, AttachmentBody::Rubric { .. }),
        body,
        summary: None,
        signature: Vec::new(),
    }
}

fn rubric_attachment(l: &Loaded, i: usize) -> Attachment {
    let r = &l.rubrics[i];
    attachment(
        &format!("附件{}", i + 1),
        &r.title,
        AttachmentBody::Rubric {
            rubric: rubric_table(r, None),
        },
    )
}

fn schedule_attachment(l: &Loaded) -> Attachment {
    let c = &l.campaign;
    attachment(
        &format!("附件{}", l.rubrics.len() + 1),
        &c.schedule.title,
        AttachmentBody::Schedule {
            schedule: schedule_table(c),
        },
    )
}

/// The optional 版头 fields of a notice or circular: 份号, 密级, 紧急程度,
/// 签发人.
pub(super) struct HeadFields<'a> {
    pub(super) number: &'a str,
    pub(super) copy_no: &'a Option<String>,
    pub(super) secrecy: &'a Option<String>,
    pub(super) urgency: &'a Option<String>,
    pub(super) signer: &'a Option<String>,
    /// "[notice]", for messages.
    pub(super) section: &'a str,
}

/// The 版头 of a document: 份号 must be 6 digits (7.2.1).
pub(super) fn head(c: &Campaign, h: HeadFields) -> Result<Head> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let copy_no = given(h.copy_no);
    if let Some(n) = &copy_no
        && (n.chars().count() != 6 || !n.chars().all(|ch| ch.is_ascii_digit()))
    {
        return Err(crate::config_err!(
            "考核方案 {} copy_no = \"{n}\"：份号应为6位阿拉伯数字，如 \"000001\"",
            h.section
        ));
    }
    let issuers = if c.issuer.joint.is_empty() {
        Vec::new()
    } else {
        let lead = c.issuer.mark.trim_end_matches("文件").to_string();
        std::iter::once(lead)
            .chain(c.issuer.joint.iter().cloned())
            .collect()
    };
    Ok(Head {
        copy_no,
        secrecy: given(h.secrecy),
        urgency: given(h.urgency),
        mark: c.issuer.mark.clone(),
        issuers,
        number: h.number.to_string(),
        signer: given(h.signer),
    })
}

pub(super) fn colophon(c: &Campaign, cc: &[String], date: &str) -> Colophon {
    Colophon {
        cc: (!cc.is_empty()).then(|| cc.join("，")),
        printer: c.issuer.name.clone(),
        printed: format!("{date}印发"),
    }
}

/// The notice with its attachments: the rubrics, then the schedule.
pub fn notice(l: &Loaded) -> Result<Document> {
    let c = &l.campaign;
    let n = &c.notice;
    let mut attachments: Vec<Attachment> = (0..l.rubrics.len())
        .map(|i| rubric_attachment(l, i))
        .collect();
    attachments.push(schedule_attachment(l));
    let day = Campaign::date(&n.date);
    let date = cn_date(day);
    Ok(Document {
        fonts: c.fonts.clone(),
        head: head(
            c,
            HeadFields {
                number: &n.number,
                copy_no: &n.copy_no,
                secrecy: &n.secrecy,
                urgency: &n.urgency,
                signer: &n.signer,
                section: "[notice]",
            },
        )?,
        title: n.title.clone(),
        recipients: format!("{}：", n.recipients),
        body: notice_body(l)?,
        attachment_list: n.attachments.clone(),
        signature: Signature {
            issuer: c.issuer.name.clone(),
            date: date.clone(),
            seal: Seal::of(c),
        },
        note: n.note.clone(),
        attachments,
        colophon: colophon(c, &n.cc, &date),
        date: day,
    })
}

/// A blank rubric table for one kind of unit (`Sheets`).
pub fn blank_table(l: &Loaded, index: usize) -> Value {
    Sheets {
        fonts: l.campaign.fonts.clone(),
        attachments: vec![rubric_attachment(l, index)],
    }
    .to_json()
}

/// The schedule on its own (`Sheets`).
pub fn schedule(l: &Loaded) -> Value {
    Sheets {
        fonts: l.campaign.fonts.clone(),
        attachments: vec![schedule_attachment(l)],
    }
    .to_json()
}

pub use super::sheet::filled_sheet;

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
            .map(|b| match b {
                Block::Par { lead, text, .. } => format!("{lead}{text}"),
                Block::Members { .. } => String::new(),
            })
            .collect();
        assert!(text.contains("市安委会办公室定于2018年11月14日至22日，对各县（区）"));
        assert!(text.contains("以正式文件的形式于2018年11月12日前报市安委办。"));
        assert!(body.iter().any(|b| matches!(b, Block::Members { .. })));
        let levels: Vec<usize> = body
            .iter()
            .filter_map(|b| match b {
                Block::Par { level, .. } => Some(*level),
                Block::Members { .. } => None,
            })
            .filter(|l| *l > 0)
            .collect();
        assert_eq!(levels, [1, 1, 1, 2, 2, 2, 2, 2]);
    }
}
