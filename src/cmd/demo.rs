//! `kaohe demo [--units N]`: the whole campaign end to end on one command,
//! with sample filled forms made up deterministically. With `--units N`, a
//! synthetic campaign of N units for measuring scale.

use super::{Ctx, Sink, blank, notice, publish_to, schedule, score, write_scored_outputs};
use crate::archive::InputEntry;
use crate::campaign::{Campaign, Loaded, Unit};
use crate::error::Result;
use crate::failed;
use crate::points::Pts;
use crate::rubric::{Deduction, ItemKind, Rubric};
use crate::workbook::ingest::{self, Entry, Filled};
use crate::workbook::safe_file_name;
use rayon::prelude::*;
use std::collections::BTreeMap;

const REASONS: &[&str] = &[
    "相关会议记录不全",
    "未提供专项督查通报",
    "台账资料缺少一项",
    "整改报告未按时报送",
    "工作小结内容不完整",
    "未见季度专题会议记录",
    "检查记录缺少签字",
    "制度文件未正式印发",
];

/// A small deterministic generator (SplitMix64): same seed, same numbers,
/// on every machine. Makes the demo's sample forms (and the tests' fuzz cases).
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One of `v`, which must not be empty.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// Sample entries for unit number `seed` of a rubric.
fn sample_entries(r: &Rubric, seed: u64) -> BTreeMap<String, Entry> {
    let mut rng = SplitMix64(seed.wrapping_mul(7919).wrapping_add(17));
    let mut out = BTreeMap::new();
    for item in &r.items {
        for rule in &item.rules {
            if !item.kind.is_scored() || rng.below(100) >= 14 {
                continue;
            }
            let points = rule.points.unwrap_or_default();
            let amount = match rule.deduction {
                Deduction::AllOrNothing => points,
                d => d.step(points).unwrap_or(Pts(50)).min(points),
            };
            let reason = REASONS[rng.below(REASONS.len() as u64) as usize];
            out.insert(
                Rubric::code(item, rule),
                Entry {
                    amount,
                    veto: false,
                    reason: reason.into(),
                },
            );
        }
    }
    out
}

/// The demo's forms: varied deductions, one unit with a bonus, one vetoed
/// unit and two tied units (the same entries).
pub fn sample_forms(l: &Loaded) -> Vec<Filled> {
    let units = &l.campaign.units;
    let mut forms: Vec<Filled> = units
        .iter()
        .enumerate()
        .map(|(i, u)| Filled {
            file: String::new(),
            sha256: String::new(),
            unit: u.name.clone(),
            rubric: u.rubric.clone(),
            entries: sample_entries(l.rubric(&u.rubric), i as u64),
            ..Filled::default()
        })
        .collect();
    let code_of = |f: &Filled, kind: ItemKind| {
        let r = l.rubric(&f.rubric);
        r.items
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| Rubric::code(i, &i.rules[0]))
    };
    // A bonus for the first unit of the first group.
    if let Some(code) = code_of(&forms[0], ItemKind::Bonus) {
        forms[0].entries.insert(
            code,
            Entry {
                amount: Pts::from_int(2),
                veto: false,
                reason: "受到自治区安委会通报表扬2项".into(),
            },
        );
    }
    // A veto for the unit in the middle of the list.
    let v = units.len() / 2;
    // a county has a 辖区; a bureau answers for the trades it supervises
    let reason = if l.rubrics.first().is_some_and(|r| r.id == forms[v].rubric) {
        "2018年6月辖区内发生一起较大生产安全事故，造成3人死亡"
    } else {
        "2018年6月其监管的行业领域内发生一起较大生产安全事故，造成3人死亡"
    };
    if let Some(code) = code_of(&forms[v], ItemKind::Veto) {
        forms[v].entries.insert(
            code,
            Entry {
                amount: Pts::ZERO,
                veto: true,
                reason: reason.into(),
            },
        );
    }
    // The last two units of the same rubric tie.
    let n = units.len();
    if n >= 3 && units[n - 1].rubric == units[n - 2].rubric && n - 2 != v {
        forms[n - 1].entries = forms[n - 2].entries.clone();
    }
    forms
}

/// A synthetic campaign of `n` units (one in five on the first rubric), with
/// four slots a day so the schedule has no overlaps.
pub fn synthetic(l: &Loaded, n: usize) -> Result<Loaded> {
    if n == 0 || n > 100_000 {
        return Err(failed!("--units 应在 1 到 100000 之间"));
    }
    let mut l = l.clone();
    let start = Campaign::date(&l.campaign.notice.period_start);
    let slots = ["08:30-10:20", "10:30-12:00", "14:00-16:00", "16:10-18:00"];
    let ids: Vec<String> = l.rubrics.iter().map(|r| r.id.clone()).collect();
    l.campaign.units = (0..n)
        .map(|i| {
            let rubric = if i % 5 == 0 || ids.len() == 1 {
                ids[0].clone()
            } else {
                ids[1].clone()
            };
            let day = start + chrono::Days::new((i / slots.len()) as u64);
            Unit {
                name: format!(
                    "{}{:05}",
                    if rubric == ids[0] {
                        "虚拟县区"
                    } else {
                        "虚拟部门"
                    },
                    i + 1
                ),
                rubric,
                date: day.format("%Y-%m-%d").to_string(),
                time: slots[i % slots.len()].to_string(),
                location: None,
            }
        })
        .collect();
    l.source = format!("{}（{n} 个虚拟单位）", l.source);
    Ok(l)
}

/// Reasons a unit gives itself on a rule it deducts stricter than the 考核组.
const OWN_REASONS: &[&str] = &[
    "自查发现台账不够完整",
    "自查发现部分会议记录缺失",
    "自查发现督查记录不全",
];

/// The unit's own self-assessment for the 考核组's sample `assessed`: unit
/// 0, 3, 6… is laxer (it leaves about half of the 考核组's deductions out),
/// unit 1, 4, 7… stricter (it also deducts on up to three rules the
/// 考核组 passed), the others agree. Bonus and veto, being facts, are the same.
fn sample_self(l: &Loaded, assessed: &Filled, seed: u64) -> Filled {
    let r = l.rubric(&assessed.rubric);
    let mut rng = SplitMix64(seed.wrapping_mul(104_729).wrapping_add(3));
    let mut entries = BTreeMap::new();
    let mut extra = 0;
    for item in &r.items {
        for rule in &item.rules {
            let code = Rubric::code(item, rule);
            let theirs = assessed.entries.get(&code);
            let own = match (seed % 3, theirs) {
                (_, Some(e)) if !item.kind.is_scored() => Some(e.clone()),
                (0, Some(e)) => (rng.below(2) == 0).then(|| e.clone()),
                (1, None) if item.kind.is_scored() && extra < 3 && rng.below(100) < 10 => {
                    extra += 1;
                    let points = rule.points.unwrap_or_default();
                    let amount = match rule.deduction {
                        Deduction::AllOrNothing => points,
                        d => d.step(points).unwrap_or(Pts(50)).min(points),
                    };
                    Some(Entry {
                        amount,
                        veto: false,
                        reason: rng.pick(OWN_REASONS).to_string(),
                    })
                }
                (_, e) => e.cloned(),
            };
            if let Some(e) = own {
                entries.insert(code, e);
            }
        }
    }
    Filled {
        unit: assessed.unit.clone(),
        rubric: assessed.rubric.clone(),
        entries,
        ..Filled::default()
    }
}

/// Writes each form as a workbook under `folder/` into the staging folder
/// as soon as it is made, and reads it back through the same path as any
/// returned file: no set of every unit's workbooks is held at once.
fn round_trip(
    ctx: &Ctx,
    l: &Loaded,
    folder: &str,
    forms: &[Filled],
    sink: &Sink,
) -> Result<(Vec<InputEntry>, Vec<Filled>)> {
    let (cache, campaign) = (ctx.cache(), crate::render::cache::campaign_hash(l));
    let read: Vec<(InputEntry, Option<Filled>, Vec<ingest::Problem>)> = forms
        .par_iter()
        .map(|f| {
            let unit = l
                .unit(&f.unit)
                .expect("sample units come from the campaign");
            let path = format!("{folder}/{}.xlsx", safe_file_name(&f.unit));
            let bytes = crate::render::cache::form(cache, &campaign, l, unit, Some(f), None)?;
            let (back, problems) = crate::timing::time(crate::timing::Stage::Ingest, || {
                ingest::read_bytes(&bytes, &path, l)
            });
            sink.add(&path, &bytes)?;
            let entry = InputEntry {
                sha256: crate::archive::sha256_hex(&bytes),
                // The demo's returned forms are in the archive already.
                archived: Some(path.clone()),
                file: path,
            };
            Ok((entry, back, problems))
        })
        .collect::<Result<_>>()?;
    let mut entries = Vec::with_capacity(read.len());
    let mut back = Vec::with_capacity(read.len());
    for (entry, f, problems) in read {
        if let Some(p) = problems.iter().find(|p| p.error) {
            return Err(failed!("内部错误：示例评分表读取失败：{p}"));
        }
        entries.push(entry);
        back.extend(f);
    }
    Ok((entries, back))
}

/// The whole cycle on made-up forms: the units' self-assessments
/// (`returned/`), the 考核组's forms made from them (`assess/`,
/// `self-summary.xlsx`), those forms filled by the assessors (`assessed/`)
/// and scored, with every document, feedback and rectification list.
pub fn run(ctx: &Ctx, units: Option<usize>) -> Result<()> {
    let base = ctx.load()?;
    let l = match units {
        Some(n) => synthetic(&base, n)?,
        None => base,
    };
    schedule::check(&l)?;
    let engine = ctx.engine(&l)?;
    let opts = ctx.docx_options(&l)?;
    write_scored_outputs(ctx, &l, |s| {
        let sink = Sink::new(s);
        let samples = sample_forms(&l);
        // 1. The units' self-assessments, as returned.
        let own: Vec<Filled> = samples
            .iter()
            .enumerate()
            .map(|(i, f)| sample_self(&l, f, i as u64))
            .collect();
        let (mut inputs, own_read) = round_trip(ctx, &l, "returned", &own, &sink)?;
        // 2. The self round: the 考核组's forms and the summary.
        sink.extend(crate::workbook::assessor::self_round_files(
            ctx.cache(),
            &l,
            &own_read,
        )?)?;
        // 3. The 考核组's forms filled in by one assessor each, and scored.
        let members: Vec<&str> = l
            .campaign
            .leading_group
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        let assessed: Vec<Filled> = samples
            .iter()
            .zip(&own_read)
            .enumerate()
            .map(|(i, (f, mine))| Filled {
                entries: f.entries.clone(),
                assessor: members.get(i % members.len().max(1)).map(|s| s.to_string()),
                ..crate::workbook::assessor::assessor_form(mine)
            })
            .collect();
        let (scored, forms) = round_trip(ctx, &l, "assessed", &assessed, &sink)?;
        inputs.extend(scored);
        let scores = score::score_forms(&l, &forms)?;
        // The longest documents first, so that no core waits for one at the end.
        let (notice_job, mut docx_files) = notice::job(&l, &opts)?;
        let mut jobs = vec![notice_job];
        jobs.extend(blank::table_jobs(&l));
        let (result_jobs, circular_docx) = score::result_jobs(&l, &scores, &opts)?;
        jobs.extend(result_jobs);
        docx_files.extend(circular_docx);
        jobs.push(schedule::job(&l));
        jobs.extend(score::feedback_jobs(&l, &forms)?);
        let files = |k: &Sink| -> Result<()> {
            k.extend(docx_files)?;
            blank::workbooks(ctx, &l, k)?;
            k.extend(schedule::files(&l)?)?;
            score::result_files(ctx, &l, &forms, &scores, k)?;
            score::rectify_lists(ctx, &l, &forms, k)
        };
        publish_to(ctx, &engine, jobs, files, &sink)?;
        Ok(inputs)
    })?;
    Ok(())
}
