//! What the 考核组 found at one unit, rule by rule: the problems behind its
//! deductions, in the rubric's own words but without points. The feedback
//! given when views are exchanged (三（四）: the score is not told) and the
//! unit's rectification list are both made from these.

use crate::points::Pts;
use crate::rubric::Rubric;
use crate::workbook::ingest::Filled;

/// One problem found: a rule on which the unit lost points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's code (`N-k`), as on the forms.
    pub code: String,
    pub item: u32,
    /// The level-1 heading without its numbering ("责任落实").
    pub heading: String,
    /// What the rule asks for, without its points and scoring clauses.
    pub requirement: String,
    /// The assessors' reasons, without any points they mention.
    pub reason: String,
}

/// Every rule of `sheet` (a unit's scored sheet) with a deduction, in rubric
/// order. Bonus and veto rows are not deductions and are not listed.
pub fn findings(r: &Rubric, sheet: &Filled) -> Vec<Finding> {
    let mut out = Vec::new();
    for item in r.items.iter().filter(|i| i.kind.is_scored()) {
        for rule in &item.rules {
            let code = Rubric::code(item, rule);
            let Some(e) = sheet.entries.get(&code) else {
                continue;
            };
            if e.amount.min(rule.points.unwrap_or_default()) <= Pts::ZERO {
                continue;
            }
            let requirement = requirement(&rule.text);
            out.push(Finding {
                code,
                item: item.no,
                heading: strip_numbering(&item.level1).to_string(),
                requirement: if requirement.is_empty() {
                    requirement_of_content(&item.content)
                } else {
                    requirement
                },
                reason: without_points(&e.reason),
            });
        }
    }
    out
}

/// "一、责任落实" → "责任落实"; "六、减分项" → "减分项".
pub fn strip_numbering(heading: &str) -> &str {
    let t = heading.trim();
    match t.find('、') {
        Some(i) if t[..i].chars().all(|c| "一二三四五六七八九十百".contains(c)) && i > 0 => {
            t[i + '、'.len_utf8()..].trim()
        }
        _ => t,
    }
}

/// The rule's text as a requirement: its number (①), its points (（2分）)
/// and every sentence that says how points are lost are left out.
pub fn requirement(rule: &str) -> String {
    let t = rule
        .trim()
        .trim_start_matches(|c: char| ('①'..='⑳').contains(&c))
        .trim();
    let t = strip_trailing_points(t);
    let mut kept = String::new();
    for sentence in sentences(t) {
        if !mentions_scoring(sentence) {
            kept.push_str(sentence);
        }
    }
    let kept = kept
        .trim_end_matches(['；', '，', '、', ';', ','])
        .to_string();
    if kept.is_empty() || kept.ends_with(['。', '！', '？']) {
        kept
    } else {
        kept + "。"
    }
}

fn requirement_of_content(content: &str) -> String {
    let t = content.trim();
    if t.ends_with('。') {
        t.to_string()
    } else {
        format!("{t}。")
    }
}

/// Strips a closing "（2分）" / "(2分)" and what follows it.
fn strip_trailing_points(t: &str) -> &str {
    let t = t.trim_end();
    for open in ['（', '('] {
        if let Some(i) = t.rfind(open) {
            let inner = t[i + open.len_utf8()..].trim_end_matches(['）', ')']);
            if inner.ends_with('分')
                && inner[..inner.len() - '分'.len_utf8()]
                    .parse::<f64>()
                    .is_ok()
            {
                return t[..i].trim_end();
            }
        }
    }
    t
}

/// Sentences and semicolon clauses, each with its closing mark.
fn sentences(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in t.char_indices() {
        if matches!(c, '。' | '；' | ';') {
            out.push(&t[start..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < t.len() {
        out.push(&t[start..]);
    }
    out
}

/// Whether a sentence says how points are given or lost.
fn mentions_scoring(s: &str) -> bool {
    ["不得分", "扣分", "得分", "加分", "扣完为止", "不予判分"]
        .iter()
        .any(|w| s.contains(w))
        || has_number_points(s)
}

/// A number directly followed by 分 (not 分钟): "0.5分", "2分".
pub fn has_number_points(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).enumerate().any(|(i, w)| {
        (w[0].is_ascii_digit() || ('０'..='９').contains(&w[0]))
            && w[1] == '分'
            && chars.get(i + 2) != Some(&'钟')
    })
}

/// A reason with the points it mentions taken out ("扣0.5分：资料不全" →
/// "资料不全"): the feedback tells the problem, never the score.
pub fn without_points(reason: &str) -> String {
    let chars: Vec<char> = reason.trim().chars().collect();
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || c == '.' || c == '．';
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]) && chars[i] != '.' && chars[i] != '．' {
            let mut j = i;
            while j < chars.len() && digit(chars[j]) {
                j += 1;
            }
            if chars.get(j) == Some(&'分') && chars.get(j + 1) != Some(&'钟') {
                // drop "扣"/"减"/"加"/"得" before it and "（…）" around it
                if matches!(out.last(), Some('扣' | '减' | '加' | '得')) {
                    out.pop();
                }
                let mut end = j + 1;
                if matches!(out.last(), Some('（' | '('))
                    && matches!(chars.get(end), Some('）' | ')'))
                {
                    out.pop();
                    end += 1;
                }
                i = end;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    let s: String = out.into_iter().collect();
    // what a removed figure leaves behind: "：资料不全", "资料不全，"
    let s = s.replace("，，", "，").replace("；；", "；");
    s.trim_matches(|c: char| c.is_whitespace() || "，；：、,;:".contains(c))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_leave_out_points() {
        assert_eq!(
            requirement(
                "①查看贯彻习近平总书记党的十八大以来关于安全生产重要思想的相关安排、宣传、学习、会议资料；建立相关资料不全的，扣0.5分，未建立的不得分。（2分）"
            ),
            "查看贯彻习近平总书记党的十八大以来关于安全生产重要思想的相关安排、宣传、学习、会议资料。"
        );
        assert_eq!(
            requirement("③各牵头部门有工作落实小结。无工作小结不得分。（1分）"),
            "各牵头部门有工作落实小结。"
        );
        assert_eq!(
            requirement("每发生一起一般事故扣1分，扣完为止。（3分）"),
            ""
        );
        assert_eq!(requirement("制定实施方案（3分）"), "制定实施方案。");
    }

    #[test]
    fn reasons_lose_their_points() {
        assert_eq!(without_points("扣0.5分：资料不全"), "资料不全");
        assert_eq!(without_points("资料不全（1分）"), "资料不全");
        assert_eq!(without_points("缺2份记录，扣1分"), "缺2份记录");
        assert_eq!(without_points("会议时长不足30分钟"), "会议时长不足30分钟");
        assert_eq!(without_points("未提供专项督查通报"), "未提供专项督查通报");
        assert!(!has_number_points(&without_points("减2.25分；制度未印发")));
    }

    #[test]
    fn numbered_headings() {
        assert_eq!(strip_numbering("一、责任落实"), "责任落实");
        assert_eq!(strip_numbering("十二、减分项"), "减分项");
        assert_eq!(strip_numbering("加分项"), "加分项");
    }
}
