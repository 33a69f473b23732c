//! Checks on a loaded rubric. Errors stop the load; warnings flag the places
//! where the seed's own words and numbers disagree, kept as written.

use super::{Deduction, ItemKind, Rubric};
use crate::points::Pts;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    pub error: bool,
    pub message: String,
}

/// The number in a trailing "（N分）" / "（N分。）" / "N分" of a text, if any;
/// full-width digits and point (（１．５分）) are read too.
fn stated_points(text: &str, paren: bool) -> Option<Pts> {
    let ascii: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            c => c,
        })
        .collect();
    let t = ascii.trim_end();
    let t = if paren {
        let t = t.strip_suffix('）')?;
        let t = t.strip_suffix('。').unwrap_or(t);
        t.strip_suffix('分')?
    } else {
        t.strip_suffix('分')?
    };
    let start = t
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    if paren && !t[..start].ends_with('（') {
        return None;
    }
    Pts::parse(&t[start..])
}

pub fn lint(r: &Rubric) -> Vec<Lint> {
    let mut out = Vec::new();
    let file = &r.source;
    let mut err = |error: bool, message: String| out.push(Lint { error, message });
    for item in &r.items {
        let n = item.no;
        let at = format!("第{}行，", r.line(n, None)).replace("第0行，", "");
        if let Some(points) = item.points {
            let sum: Pts = item.rules.iter().filter_map(|x| x.points).sum();
            if sum != points {
                err(
                    true,
                    format!(
                        "{file}: {at}第{n}项：细则分值合计 {sum} 分，与该项分值 {points} 分不符"
                    ),
                );
            }
            if let Some(said) = stated_points(&item.content, false)
                && said != points
            {
                err(
                    false,
                    format!(
                        "{file}: {at}第{n}项：考核内容写“{said}分”，而分值为 {points} 分（按原文保留）"
                    ),
                );
            }
        }
        for rule in &item.rules {
            let code = format!("{n}-{}", rule.no);
            let at = format!("第{}行，", r.line(n, Some(rule.no))).replace("第0行，", "");
            if let (Some(points), Some(said)) = (rule.points, stated_points(&rule.text, true))
                && points != said
            {
                err(
                    true,
                    format!("{file}: {at}细则 {code}：文字写“（{said}分）”，而 points = {points}"),
                );
            }
            let Some(points) = rule.points else { continue };
            match rule.deduction {
                Deduction::Step { step } | Deduction::PerInstance { step } if step > points => err(
                    false,
                    format!(
                        "{file}: {at}细则 {code}：每次扣 {step} 分，超过该条分值 {points} 分；扣分以 {points} 分为限（按原文保留）"
                    ),
                ),
                Deduction::PartialOrAll { partial } if partial >= points => err(
                    false,
                    format!(
                        "{file}: {at}细则 {code}：部分扣分 {partial} 分不小于该条分值 {points} 分"
                    ),
                ),
                _ => {}
            }
        }
    }
    let total = r.total_points();
    if total != r.total {
        let parts: Vec<String> = r
            .items
            .iter()
            .filter(|i| i.kind.is_scored())
            .filter_map(|i| i.points.map(|p| format!("第{}项 {p} 分", i.no)))
            .collect();
        err(
            true,
            format!(
                "{file}: 计分项目与减分项合计 {total} 分，应为满分 {} 分（{}）",
                r.total,
                parts.join(" + ")
            ),
        );
    }
    if r.items.iter().all(|i| i.kind != ItemKind::Veto) {
        err(false, format!("{file}: 没有否决项"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated() {
        assert_eq!(stated_points("…不得分。（2分）", true), Some(Pts(200)));
        assert_eq!(stated_points("…（0.5分。）", true), Some(Pts(50)));
        assert_eq!(stated_points("…扣0.5分（2.5分）", true), Some(Pts(250)));
        assert_eq!(stated_points("…扣0.5分。", true), None);
        assert_eq!(
            stated_points("…研究部署安全生产工作。2分", false),
            Some(Pts(200))
        );
        assert_eq!(stated_points("…研究部署安全生产工作。", false), None);
        assert_eq!(stated_points("…不得分。（１分）", true), Some(Pts(100)));
        assert_eq!(stated_points("…（０．５分）", true), Some(Pts(50)));
    }
}
