//! Reading a rubric from TOML, with errors that name the file, line and item.

use super::{Deduction, Item, ItemKind, Rubric, Rule};
use crate::config_err;
use crate::error::{Result, line_of, toml_error};
use crate::points::Pts;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    id: String,
    title: String,
    headers: Vec<String>,
    items: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    no: u32,
    level1: String,
    level2: Option<String>,
    content: String,
    kind: String,
    points: Option<f64>,
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    text: String,
    points: Option<f64>,
    deduction: RawDeduction,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeduction {
    kind: String,
    partial: Option<f64>,
    step: Option<f64>,
    per: Option<f64>,
    cap: Option<f64>,
}

pub fn load_file(path: &Path) -> Result<Rubric> {
    let name = path.display().to_string();
    let src = std::fs::read_to_string(path).map_err(|e| {
        config_err!(
            "{name}: 无法读取考核细则文件：{e}",
            e = crate::os::io_text(&e)
        )
    })?;
    load_str(&src, &name)
}

/// Parses and checks a rubric; `file` names it in messages.
pub fn load_str(src: &str, file: &str) -> Result<Rubric> {
    let raw: RawRubric = toml::from_str(src).map_err(|e| toml_error(file, src, &e))?;
    if raw.id.trim().is_empty() {
        return Err(config_err!("{file}: id 不能为空"));
    }
    if raw.items.is_empty() {
        return Err(config_err!("{file}: 没有任何考核项目（[[items]]）"));
    }
    let mut items = Vec::with_capacity(raw.items.len());
    for (idx, sp) in raw.items.iter().enumerate() {
        let line = line_of(src, sp.span().start);
        let ri = sp.get_ref();
        let at = |msg: String| config_err!("{file}: 第{line}行，第{}项：{msg}", ri.no);
        if ri.no as usize != idx + 1 {
            return Err(at(format!(
                "项目编号应为 {}，按顺序从 1 开始连续编号",
                idx + 1
            )));
        }
        let kind = match ri.kind.as_str() {
            "scored" => ItemKind::Scored,
            "penalty" => ItemKind::Penalty,
            "bonus" => ItemKind::Bonus,
            "veto" => ItemKind::Veto,
            k => {
                return Err(at(format!(
                    "未知的项目类型 “{k}”（应为 scored、penalty、bonus 或 veto）"
                )));
            }
        };
        let points = match (kind.is_scored(), ri.points) {
            (true, Some(p)) => Some(pts(p).ok_or_else(|| at(format!("分值 {p} 不是有效分数")))?),
            (true, None) => return Err(at("计分项目缺少分值（points）".into())),
            (false, Some(_)) => return Err(at("加分项、否决项不设分值（points）".into())),
            (false, None) => None,
        };
        if ri.rules.is_empty() {
            return Err(at("没有评分细则（[[items.rules]]）".into()));
        }
        let mut rules = Vec::with_capacity(ri.rules.len());
        for (k, rs) in ri.rules.iter().enumerate() {
            let rline = line_of(src, rs.span().start);
            let rr = rs.get_ref();
            let rat = |msg: String| {
                config_err!("{file}: 第{rline}行，第{}项第{}条细则：{msg}", ri.no, k + 1)
            };
            let rpoints = match (kind.is_scored(), rr.points) {
                (true, Some(p)) => {
                    let v = pts(p).ok_or_else(|| rat(format!("分值 {p} 不是有效分数")))?;
                    if v <= Pts::ZERO {
                        return Err(rat("分值必须大于 0".into()));
                    }
                    Some(v)
                }
                (true, None) => return Err(rat("缺少分值（points）".into())),
                (false, Some(_)) => return Err(rat("加分项、否决项的细则不设分值".into())),
                (false, None) => None,
            };
            let deduction = deduction(&rr.deduction).map_err(rat)?;
            let fits = match kind {
                ItemKind::Bonus => matches!(deduction, Deduction::Bonus { .. }),
                ItemKind::Veto => matches!(deduction, Deduction::Veto),
                _ => !matches!(deduction, Deduction::Bonus { .. } | Deduction::Veto),
            };
            if !fits {
                return Err(rat(format!(
                    "扣分方式 {} 与项目类型 {} 不符",
                    rr.deduction.kind, ri.kind
                )));
            }
            if rr.text.trim().is_empty() {
                return Err(rat("细则内容（text）为空".into()));
            }
            rules.push(Rule {
                no: k as u32 + 1,
                text: rr.text.clone(),
                points: rpoints,
                deduction,
            });
        }
        if matches!(kind, ItemKind::Bonus | ItemKind::Veto) && rules.len() != 1 {
            return Err(at("加分项、否决项只能有一条细则".into()));
        }
        items.push(Item {
            no: ri.no,
            level1: ri.level1.clone(),
            level2: ri.level2.clone().filter(|s| !s.trim().is_empty()),
            content: ri.content.clone(),
            kind,
            points,
            rules,
        });
    }
    for kind in [ItemKind::Bonus, ItemKind::Veto] {
        if items.iter().filter(|i| i.kind == kind).count() > 1 {
            return Err(config_err!("{file}: 加分项、否决项各只能有一项"));
        }
    }
    let mut rubric = Rubric {
        id: raw.id,
        title: raw.title,
        headers: raw.headers,
        items,
        content_hash: String::new(),
        source: file.to_string(),
    };
    rubric.content_hash = content_hash(&rubric);
    let errors: Vec<String> = super::lint::lint(&rubric)
        .into_iter()
        .filter(|l| l.error)
        .map(|l| l.message)
        .collect();
    if !errors.is_empty() {
        return Err(config_err!("{}", errors.join("\n")));
    }
    Ok(rubric)
}

fn pts(x: f64) -> Option<Pts> {
    Pts::from_f64(x).filter(|p| *p >= Pts::ZERO)
}

fn deduction(d: &RawDeduction) -> std::result::Result<Deduction, String> {
    let need = |v: Option<f64>, name: &str| -> std::result::Result<Pts, String> {
        let v = v.ok_or_else(|| format!("扣分方式 {} 需要 {name}", d.kind))?;
        pts(v)
            .filter(|p| *p > Pts::ZERO)
            .ok_or_else(|| format!("{name} = {v} 不是有效的正数分值"))
    };
    Ok(match d.kind.as_str() {
        "all_or_nothing" => Deduction::AllOrNothing,
        "partial_or_all" => Deduction::PartialOrAll {
            partial: need(d.partial, "partial")?,
        },
        "step" => Deduction::Step {
            step: need(d.step, "step")?,
        },
        "per_instance" => Deduction::PerInstance {
            step: need(d.step, "step")?,
        },
        "judgement" => Deduction::Judgement,
        "bonus" => Deduction::Bonus {
            per: need(d.per, "per")?,
            cap: need(d.cap, "cap")?,
        },
        "veto" => Deduction::Veto,
        k => return Err(format!("未知的扣分方式 “{k}”")),
    })
}

/// SHA-256 over the rubric's canonical JSON: what a form must match.
fn content_hash(r: &Rubric) -> String {
    let mut v = r.to_json();
    v["headers"] = serde_json::json!(r.headers);
    crate::archive::sha256_hex(v.to_string().as_bytes())
}
