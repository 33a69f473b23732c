//! 考核情况反馈意见: what the 考核组 found at one unit, for the exchange of
//! views at the end of its visit (the seed's 三（四）: views are exchanged,
//! the score is not told). A plain document, not a red-header 公文: the
//! unit, the problems item by item in the rubric's words, the date of the
//! visit and the 考核组. It carries no points, deductions, score or rank.

use super::{Block, Signature, prose};
use crate::campaign::{Campaign, Loaded, Unit, cn_date};
use crate::error::Result;
use crate::findings::Finding;
use serde::Serialize;
use serde_json::json;

/// A plain document (`templates/feedback.typ`): title, addressee, body and
/// the signing group with its date.
#[derive(Clone, Debug, Serialize)]
pub struct Plain {
    pub fonts: crate::campaign::Fonts,
    pub title: Vec<String>,
    pub recipients: String,
    pub body: Vec<Block>,
    pub signature: Signature,
}

impl Plain {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a plain document serialises")
    }
}

/// The feedback for `unit` from what was found there.
pub fn feedback(l: &Loaded, unit: &Unit, found: &[Finding]) -> Result<Plain> {
    let c = &l.campaign;
    let date = cn_date(Campaign::date(&unit.date));
    let group = c.feedback_group();
    // The problems under their level-1 headings, numbered anew (一、二、…)
    // since headings without a problem are left out.
    let mut headings: Vec<(String, Vec<&Finding>)> = Vec::new();
    for f in found {
        match headings.last_mut() {
            Some((h, list)) if *h == f.heading => list.push(f),
            _ => headings.push((f.heading.clone(), vec![f])),
        }
    }
    let headings: Vec<serde_json::Value> = headings
        .iter()
        .enumerate()
        .map(|(i, (title, list))| {
            json!({
                "number": super::build::cn_number(i + 1),
                "title": title,
                "problems": list.iter().map(|f| json!({
                    "code": f.code,
                    "item": f.item,
                    "requirement": f.requirement,
                    "problem": problem_text(&f.reason),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let ctx = json!({
        "year": c.year,
        "name": c.name,
        "issuer": c.issuer.name,
        "issuer_short": c.issuer.short,
        "notice_title": c.notice.title.concat(),
        "notice_number": c.notice.number,
        "unit": unit.name,
        "date": date,
        "group": group,
        "headings": headings,
        "count": found.len(),
        "rectify_deadline": c.rectify_deadline_cn(),
    });
    let text = prose::render(&l.prose.feedback.source, &l.prose.feedback.file, &ctx)?;
    Ok(Plain {
        fonts: c.fonts.clone(),
        title: vec![format!("{}情况反馈意见", c.name)],
        recipients: format!("{}：", unit.name),
        body: prose::blocks(&text, &[]),
        signature: Signature {
            issuer: group,
            date,
            seal: None,
        },
    })
}

/// A reason as the sentence after "存在问题：".
fn problem_text(reason: &str) -> String {
    let r = reason.trim();
    if r.is_empty() {
        "未达到要求。".into()
    } else if r.ends_with(['。', '！', '？']) {
        r.to_string()
    } else {
        format!("{r}。")
    }
}
