//! The forms of one unit become the sheet that is scored: the unit's own
//! form in a campaign of one round, or the 考核组's forms, one per
//! assessor, combined rule by rule as the campaign's `[scoring] assessors`
//! says. Pure: forms in, one form per unit and the problems out.

use crate::campaign::{AssessorMode, Loaded};
use crate::points::Pts;
use crate::rubric::Rubric;
use crate::workbook::ingest::{Entry, Filled, Problem};
use crate::workbook::layout::FormKind;
use std::collections::{BTreeMap, BTreeSet};

/// One form per unit, in the order of the campaign's units: the unit's
/// form, its only assessor form, or its assessors' forms combined (each
/// kept in `parts`). Units with a problem are left out and the problem
/// reported.
pub fn combine(l: &Loaded, forms: &[Filled]) -> (Vec<Filled>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for unit in &l.campaign.units {
        let mine: Vec<&Filled> = forms.iter().filter(|f| f.unit == unit.name).collect();
        if mine.is_empty() {
            continue;
        }
        // The bonus counts commendations and the veto is a fact: the same
        // for every assessor, whatever the mode.
        let factual: BTreeSet<String> = l
            .rubric(&unit.rubric)
            .rules()
            .filter(|(i, _)| !i.kind.is_scored())
            .map(|(i, rule)| Rubric::code(i, rule))
            .collect();
        match one_unit(l.campaign.scoring.assessors, &factual, &mine) {
            Ok(f) => out.push(f),
            Err(p) => problems.extend(p),
        }
    }
    (out, problems)
}

/// What a person calls the assessor of a form.
fn who(f: &Filled) -> String {
    match &f.assessor {
        Some(name) => format!("考核人“{name}”"),
        None => "未填考核人".into(),
    }
}

fn one_unit(
    mode: AssessorMode,
    factual: &BTreeSet<String>,
    mine: &[&Filled],
) -> Result<Filled, Vec<Problem>> {
    let mut problems = Vec::new();
    let (own, assessed): (Vec<&Filled>, Vec<&Filled>) =
        mine.iter().partition(|f| f.kind == FormKind::Unit);
    // Two versions of one sheet: never averaged.
    let mut by_key: BTreeMap<(FormKind, Option<&str>), &Filled> = BTreeMap::new();
    for f in mine {
        let key = (f.kind, f.assessor.as_deref());
        let Some(first) = by_key.insert(key, f) else {
            continue;
        };
        let p = match f.kind {
            FormKind::Unit => Problem::file(
                &f.file,
                format!(
                    "与 {} 是同一单位（{}）的评分表，每个单位只能提交一份",
                    first.file, f.unit
                ),
                true,
            ),
            // lists are taken out before forms are combined
            FormKind::Assessor | FormKind::Rectify => Problem::file(
                &f.file,
                format!(
                    "与 {} 是同一单位（{}）、{}的考核组评分表：是同一张表的两个版本，不会平均",
                    first.file,
                    f.unit,
                    who(f)
                ),
                true,
            )
            .with_hint(
                "请只保留其中一份；几位考核人分别评分时，每人一份，并在表上“考核人”格填写各自的姓名",
            ),
        };
        problems.push(p);
    }
    if let (Some(o), Some(a)) = (own.first(), assessed.first()) {
        problems.push(
            Problem::file(
                &o.file,
                format!(
                    "这是{}的单位自评表，与考核组评分表 {} 一起交来评分",
                    o.unit, a.file
                ),
                true,
            )
            .with_hint("单位自评表用 kaohe self 处理（生成考核组评分表）；评分时只放考核组评分表"),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if let [only] = mine {
        return Ok((*only).clone());
    }
    let first = assessed[0];
    for f in &assessed[1..] {
        if f.self_assessment != first.self_assessment {
            problems.push(
                Problem::file(
                    &f.file,
                    format!(
                        "与 {} 是同一单位（{}）的考核组评分表，但带的单位自评不同",
                        first.file, f.unit
                    ),
                    true,
                )
                .with_hint("几位考核人应使用同一次 kaohe self 生成的考核组评分表"),
            );
        }
    }
    let entries = combine_entries(mode, factual, &assessed, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let names: Vec<&str> = assessed
        .iter()
        .filter_map(|f| f.assessor.as_deref())
        .collect();
    Ok(Filled {
        file: first.file.clone(),
        sha256: first.sha256.clone(),
        unit: first.unit.clone(),
        rubric: first.rubric.clone(),
        entries,
        kind: FormKind::Assessor,
        assessor: Some(names.join("、")),
        self_assessment: first.self_assessment.clone(),
        sheet: first.sheet.clone(),
        cells: first.cells.clone(),
        parts: assessed.iter().map(|f| (*f).clone()).collect(),
    })
}

/// Rule by rule: the deductions as the mode says, the bonus and the veto
/// agreed by all, the reasons of all (each once).
fn combine_entries(
    mode: AssessorMode,
    factual: &BTreeSet<String>,
    forms: &[&Filled],
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Entry> {
    let codes: BTreeSet<&String> = forms.iter().flat_map(|f| f.entries.keys()).collect();
    let zero = Entry {
        amount: Pts::ZERO,
        veto: false,
        reason: String::new(),
    };
    let mut out = BTreeMap::new();
    for code in codes {
        let got: Vec<(&Filled, &Entry)> = forms
            .iter()
            .map(|f| (*f, f.entries.get(code).unwrap_or(&zero)))
            .collect();
        let (a, ea) = got[0];
        let factual = factual.contains(code);
        let mut disagree = None;
        for (b, eb) in &got[1..] {
            if (eb.amount != ea.amount || eb.veto != ea.veto) && disagree.is_none() {
                disagree = Some((*b, *eb));
            }
        }
        if let Some((b, eb)) = disagree
            && (mode == AssessorMode::Agree || factual)
        {
            problems.push(disagreement(mode, code, (a, ea), (b, eb)));
            continue;
        }
        let amounts: Vec<Pts> = got.iter().map(|(_, e)| e.amount).collect();
        let amount = match mode {
            AssessorMode::Agree => ea.amount,
            AssessorMode::Mean => mean(&amounts),
            AssessorMode::TrimmedMean => trimmed_mean(&amounts),
        };
        let mut reasons: Vec<&str> = Vec::new();
        for (_, e) in &got {
            if !e.reason.is_empty() && !reasons.contains(&e.reason.as_str()) {
                reasons.push(&e.reason);
            }
        }
        out.insert(
            code.clone(),
            Entry {
                amount,
                veto: ea.veto,
                reason: reasons.join("；"),
            },
        );
    }
    out
}

fn disagreement(
    mode: AssessorMode,
    code: &str,
    (a, ea): (&Filled, &Entry),
    (b, eb): (&Filled, &Entry),
) -> Problem {
    let shown = |e: &Entry| {
        if e.veto {
            "是（一票否决）".to_string()
        } else if e.amount == Pts::ZERO {
            "未扣分".to_string()
        } else {
            format!("{} 分", e.amount)
        }
    };
    let cell = |f: &Filled| f.cells.get(code).cloned().unwrap_or_default();
    let why = if mode == AssessorMode::Agree {
        "按考核方案 [scoring] assessors = \"agree\"，几位考核人对同一条细则的评分必须一致"
    } else {
        "加分项和一票否决由几位考核人共同认定，必须一致"
    };
    Problem {
        file: b.file.clone(),
        sheet: Some(b.sheet.clone()),
        cell: Some(cell(b)),
        message: format!(
            "细则 {code}：{}填 {}，而 {} 中{}（{}!{}）填 {}；{why}",
            who(b),
            shown(eb),
            a.file,
            who(a),
            a.sheet,
            cell(a),
            shown(ea)
        ),
        error: true,
        hint: None,
    }
    .with_hint(
        "请考核组商定后把两份表改成一致；或在考核方案中设 [scoring] assessors = \"mean\"（取平均）或 \"trimmed-mean\"（去掉最高最低后取平均）",
    )
}

/// The mean of `xs` in hundredths, rounded half up: exact, as integers.
pub fn mean(xs: &[Pts]) -> Pts {
    if xs.is_empty() {
        return Pts::ZERO;
    }
    let n = xs.len() as i64;
    let sum: i64 = xs.iter().map(|p| p.hundredths()).sum();
    // Half up for non-negative sums: floor((2·sum + n) / 2n).
    Pts((2 * sum + n).div_euclid(2 * n))
}

/// The mean without one highest and one lowest value when there are three
/// or more; the plain mean otherwise.
pub fn trimmed_mean(xs: &[Pts]) -> Pts {
    if xs.len() < 3 {
        return mean(xs);
    }
    let mut v = xs.to_vec();
    v.sort();
    mean(&v[1..v.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_round_half_up_exactly() {
        let p = |v: &[i64]| v.iter().map(|h| Pts(*h)).collect::<Vec<_>>();
        assert_eq!(mean(&p(&[100, 50])), Pts(75));
        // (1 + 0.5 + 0.25) / 3 = 0.58333… → 0.58
        assert_eq!(mean(&p(&[100, 50, 25])), Pts(58));
        // (0.25 + 0) / 2 = 0.125 → 0.13 (half up)
        assert_eq!(mean(&p(&[25, 0])), Pts(13));
        // (0.5 + 0.25 + 0.25 + 0) / 4 = 0.25
        assert_eq!(mean(&p(&[50, 25, 25, 0])), Pts(25));
        // trimmed: drop 2 and 0 of [2, 0.5, 0.25, 0] → (0.5 + 0.25) / 2 = 0.375 → 0.38
        assert_eq!(trimmed_mean(&p(&[200, 50, 25, 0])), Pts(38));
        assert_eq!(trimmed_mean(&p(&[100, 25])), Pts(63));
    }
}
