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
        // The number must follow the opening bracket; a bare "N分" is not
        // "（N分）", and no digits at all is no number.
        assert_eq!(stated_points("…扣2分）", true), None);
        assert_eq!(stated_points("…（分）", true), None);
        assert_eq!(stated_points("…分", false), None);
        assert_eq!(stated_points("…（2分", true), None);
        assert_eq!(stated_points("…（2）", true), None);
        assert_eq!(stated_points("…（12.5分）  ", true), Some(Pts(1250)));
    }

    /// The built-in county rubric, and what lint says of it as it is.
    fn county() -> (Rubric, Vec<Lint>) {
        let l = crate::campaign::load(None).unwrap();
        let r = l.rubric("county-2018").clone();
        let base = lint(&r);
        (r, base)
    }

    /// What lint says of `r` beyond what it says of the built-in rubric.
    fn added(r: &Rubric, base: &[Lint]) -> Vec<Lint> {
        lint(r).into_iter().filter(|l| !base.contains(l)).collect()
    }

    fn at(r: &Rubric, no: u32, rule: Option<u32>) -> String {
        format!("{}: 第{}行，", r.source, r.line(no, rule))
    }

    #[test]
    fn the_built_in_rubrics_have_no_errors() {
        let l = crate::campaign::load(None).unwrap();
        for id in ["county-2018", "member-2018"] {
            let lints = lint(l.rubric(id));
            assert!(lints.iter().all(|x| !x.error), "{lints:?}");
        }
    }

    #[test]
    fn item_points_that_disagree_with_their_rules() {
        let (mut r, base) = county();
        let i = r.items.iter().position(|i| i.kind.is_scored()).unwrap();
        let no = r.items[i].no;
        let p = r.items[i].points.unwrap();
        let sum: Pts = r.items[i].rules.iter().filter_map(|x| x.points).sum();
        assert_eq!(sum, p);
        r.items[i].points = Some(p + Pts(50));
        let total = r.total_points();
        let parts: Vec<String> = r
            .items
            .iter()
            .filter(|i| i.kind.is_scored())
            .map(|i| format!("第{}项 {} 分", i.no, i.points.unwrap()))
            .collect();
        assert_eq!(
            added(&r, &base),
            [
                Lint {
                    error: true,
                    message: format!(
                        "{}第{no}项：细则分值合计 {sum} 分，与该项分值 {} 分不符",
                        at(&r, no, None),
                        p + Pts(50)
                    ),
                },
                Lint {
                    error: true,
                    message: format!(
                        "{}: 计分项目与减分项合计 {total} 分，应为满分 100 分（{}）",
                        r.source,
                        parts.join(" + ")
                    ),
                },
            ]
        );
        assert_eq!(total, Pts(10050));
    }

    #[test]
    fn content_that_states_other_points() {
        let (mut r, base) = county();
        let i = r.items.iter().position(|i| i.kind.is_scored()).unwrap();
        let no = r.items[i].no;
        let p = r.items[i].points.unwrap();
        r.items[i].content = format!("{}{p}分", r.items[i].content);
        assert_eq!(added(&r, &base), []);
        r.items[i].content = format!("{}{}分", r.items[i].content, p + Pts(100));
        assert_eq!(
            added(&r, &base),
            [Lint {
                error: false,
                message: format!(
                    "{}第{no}项：考核内容写“{}分”，而分值为 {p} 分（按原文保留）",
                    at(&r, no, None),
                    p + Pts(100)
                ),
            }]
        );
    }

    #[test]
    fn rule_text_that_states_other_points() {
        let (mut r, base) = county();
        let i = r.items.iter().position(|i| i.kind.is_scored()).unwrap();
        let no = r.items[i].no;
        let rule = &mut r.items[i].rules[0];
        let p = rule.points.unwrap();
        rule.text = format!("查资料。（{}分）", p + Pts(100));
        let k = rule.no;
        assert_eq!(
            added(&r, &base),
            [Lint {
                error: true,
                message: format!(
                    "{}细则 {no}-{k}：文字写“（{}分）”，而 points = {p}",
                    at(&r, no, Some(k)),
                    p + Pts(100)
                ),
            }]
        );
        // Without a known line, no "第0行".
        r.lines.clear();
        assert!(lint(&r).iter().any(|l| {
            l.message
                .starts_with(&format!("{}: 细则 {no}-{k}：", r.source))
        }));
    }

    #[test]
    fn steps_and_partials_larger_than_the_rule() {
        let (mut r, base) = county();
        let (i, j) = r
            .items
            .iter()
            .enumerate()
            .find_map(|(i, it)| {
                it.rules
                    .iter()
                    .position(|x| x.points.is_some_and(|p| p >= Pts(200)))
                    .map(|j| (i, j))
            })
            .unwrap();
        let no = r.items[i].no;
        let k = r.items[i].rules[j].no;
        let p = r.items[i].rules[j].points.unwrap();
        let where_ = at(&r, no, Some(k));
        let set = |r: &mut Rubric, d: Deduction| {
            r.items[i].rules[j].deduction = d;
            added(r, &base)
        };
        // A step of the rule's points, or a partial below them: nothing said.
        assert_eq!(set(&mut r, Deduction::Step { step: p }), []);
        assert_eq!(set(&mut r, Deduction::PerInstance { step: p }), []);
        assert_eq!(
            set(
                &mut r,
                Deduction::PartialOrAll {
                    partial: p - Pts(1)
                }
            ),
            []
        );
        let more = p + Pts(25);
        let step_msg = format!(
            "{where_}细则 {no}-{k}：每次扣 {more} 分，超过该条分值 {p} 分；扣分以 {p} 分为限（按原文保留）"
        );
        let warn = |message: String| Lint {
            error: false,
            message,
        };
        assert_eq!(
            set(&mut r, Deduction::Step { step: more }),
            [warn(step_msg.clone())]
        );
        assert_eq!(
            set(&mut r, Deduction::PerInstance { step: more }),
            [warn(step_msg)]
        );
        assert_eq!(
            set(&mut r, Deduction::PartialOrAll { partial: p }),
            [warn(format!(
                "{where_}细则 {no}-{k}：部分扣分 {p} 分不小于该条分值 {p} 分"
            ))]
        );
    }

    #[test]
    fn a_rubric_without_a_veto_item() {
        let (mut r, base) = county();
        assert!(!base.iter().any(|l| l.message.ends_with("没有否决项")));
        r.items.retain(|i| i.kind != ItemKind::Veto);
        assert_eq!(
            added(&r, &base),
            [Lint {
                error: false,
                message: format!("{}: 没有否决项", r.source),
            }]
        );
    }
}
