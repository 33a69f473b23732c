//! `kaohe score INPUT...`: ingest, score, and publish every result document.
//! A run with any error writes nothing.

use super::check::check_inputs;
use super::{Ctx, Files, Job, Sink, publish, write_outputs};
use crate::archive::{self, InputEntry};
use crate::campaign::Loaded;
use crate::error::Result;
use crate::failed;
use crate::render::{Template, cache, docs, docx};
use crate::score::{self, UnitScore};
use crate::workbook::ingest::Filled;
use crate::workbook::safe_file_name;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The units of the campaign without a form among `forms`.
pub fn missing_units<'a>(l: &'a Loaded, forms: &[Filled]) -> Vec<&'a str> {
    l.campaign
        .units
        .iter()
        .filter(|u| !forms.iter().any(|f| f.unit == u.name))
        .map(|u| u.name.as_str())
        .collect()
}

/// Scores the forms; every unit of the campaign must have exactly one.
pub fn score_forms(l: &Loaded, forms: &[Filled]) -> Result<Vec<UnitScore>> {
    let missing = missing_units(l, forms);
    if !missing.is_empty() {
        return Err(failed!(
            "还有 {} 个单位没有评分表：{}；所有单位的评分表收齐后才能评分、排名和印发结果通报",
            missing.len(),
            missing.join("、")
        )
        .hint(
            "收齐后再运行；要先对已交回的单位评分和排名（列出未报送的单位，不印发结果通报），加 --partial，如 kaohe score . --partial",
        ));
    }
    Ok(score_present(l, forms))
}

/// Scores and ranks the units whose forms are in.
pub fn score_present(l: &Loaded, forms: &[Filled]) -> Vec<UnitScore> {
    crate::timing::time(crate::timing::Stage::Score, || {
        // One sheet per unit: its form, or its assessors' forms combined
        // (their problems were reported when the forms were read).
        let sheets = crate::assess::combine(l, forms).0;
        let units: Vec<UnitScore> = sheets
            .iter()
            .map(|f| score::score_sheet(l.rubric(&f.rubric), f))
            .collect();
        let ids: Vec<String> = l.rubrics.iter().map(|r| r.id.clone()).collect();
        score::rank(units, &l.campaign, &ids)
    })
}

/// results.json, results.xlsx and the archive copy of each filled form.
pub fn result_files(
    ctx: &Ctx,
    l: &Loaded,
    forms: &[Filled],
    units: &[UnitScore],
    sink: &Sink,
) -> Result<()> {
    result_files_partial(ctx, l, forms, units, &[], &[], sink)
}

/// As [`result_files`], with `missing` units listed as 未报送.
pub fn result_files_partial(
    ctx: &Ctx,
    l: &Loaded,
    forms: &[Filled],
    units: &[UnitScore],
    missing: &[&str],
    rubric_changes: &[(String, String)],
    sink: &Sink,
) -> Result<()> {
    let (cache, campaign) = (ctx.cache(), cache::campaign_hash(l));
    let mut value = score::results_json(units);
    if !rubric_changes.is_empty() {
        value["rubric_changes"] = serde_json::json!(
            rubric_changes
                .iter()
                .map(|(file, change)| serde_json::json!({"file": file, "change": change}))
                .collect::<Vec<_>>()
        );
    }
    if !missing.is_empty() {
        value["partial"] = serde_json::json!(true);
        value["missing"] = serde_json::json!(
            missing
                .iter()
                .map(|name| {
                    let rubric = l.unit(name).map(|u| u.rubric.as_str()).unwrap_or("");
                    serde_json::json!({"unit": name, "rubric": rubric, "status": crate::workbook::results::NOT_IN})
                })
                .collect::<Vec<_>>()
        );
    }
    let json = serde_json::to_string_pretty(&value).expect("json");
    drop(value);
    sink.add("results.json", json.as_bytes())?;
    drop(json);
    sink.add(
        "results.xlsx",
        &cache::results(cache, &campaign, l, units, missing)?,
    )?;
    let sheets = crate::assess::combine(l, forms).0;
    sheets.par_iter().try_for_each(|f| {
        let unit = l.unit(&f.unit).expect("forms are matched to units");
        sink.add(
            &format!("filled/{}.xlsx", safe_file_name(&f.unit)),
            &cache::form(
                cache,
                &campaign,
                l,
                unit,
                Some(f),
                units.iter().find(|u| u.unit == f.unit),
            )?,
        )
    })
}

/// The circular (first: it is the longest) and each unit's filled sheet,
/// and the circular's DOCX (`circular.docx`).
pub fn result_jobs<'a>(
    l: &'a Loaded,
    units: &'a [UnitScore],
    opts: &docx::Options,
) -> Result<(Vec<Job<'a>>, Files)> {
    let date = &l.campaign.circular.date;
    let circular = docs::circular(l, units)?;
    let files = vec![("circular.docx".to_string(), docx::write(&circular, opts)?)];
    let mut jobs = vec![
        Job::new(
            l,
            "circular.pdf".into(),
            Template::Document,
            circular.to_json(),
            date,
            false,
        )
        .with_ofd(l, &l.campaign.circular.title.concat())
        .whole(),
    ];
    jobs.extend(units.iter().map(|u| {
        let path = format!("filled/{}.pdf", safe_file_name(&u.unit));
        let title = format!("{}评分表（{}）", l.campaign.name, u.unit);
        Job::lazy(
            l,
            path,
            Template::Sheets,
            || docs::filled_sheet(l, u),
            date,
            true,
        )
        .with_ofd(l, &title)
    }));
    Ok((jobs, files))
}

/// For each unit scored, its 考核情况反馈意见 (`feedback/<单位>.pdf`), made
/// from what the 考核组 found there when its turn to be typeset comes.
pub fn feedback_jobs<'a>(l: &'a Loaded, forms: &[Filled]) -> Result<Vec<Job<'a>>> {
    let sheets = crate::assess::combine(l, forms).0;
    let mut jobs = Vec::with_capacity(sheets.len());
    for (i, f) in sheets.iter().enumerate() {
        let unit = l.unit(&f.unit).expect("forms are matched to units");
        let found = crate::findings::findings(l.rubric(&f.rubric), f);
        if i == 0 {
            // the campaign's feedback.j2 is the same for every unit: an
            // error in it stops the run here, before anything is written
            crate::doc::feedback::feedback(l, unit, &found)?;
        }
        jobs.push(Job::lazy(
            l,
            format!("feedback/{}.pdf", safe_file_name(&f.unit)),
            Template::Feedback,
            move || {
                crate::doc::feedback::feedback(l, unit, &found)
                    .expect("feedback.j2 rendered for the first unit renders for every unit")
                    .to_json()
            },
            &unit.date,
            false,
        ));
    }
    Ok(jobs)
}

/// Each unit's 问题整改清单 (`rectify/<单位>.xlsx`), staged as it is made.
pub fn rectify_lists(ctx: &Ctx, l: &Loaded, forms: &[Filled], sink: &Sink) -> Result<()> {
    let (cache, campaign) = (ctx.cache(), cache::campaign_hash(l));
    crate::assess::combine(l, forms)
        .0
        .par_iter()
        .try_for_each(|f| {
            let unit = l.unit(&f.unit).expect("forms are matched to units");
            let found = crate::findings::findings(l.rubric(&f.rubric), f);
            sink.add(
                &format!("rectify/{}.xlsx", safe_file_name(&f.unit)),
                &cache::rectify(cache, &campaign, l, unit, &found)?,
            )
        })
}

/// `partial`: score the units whose forms are in, list the others as
/// 未报送, and write no circular.
pub fn run(ctx: &Ctx, inputs: &[PathBuf], partial: bool) -> Result<()> {
    let c = check_inputs(ctx, inputs)?;
    super::check::no_lists(&c)?;
    if c.errors > 0 {
        return Err(failed!(
            "评分表有 {} 个错误，未生成任何结果；请改正后重新运行",
            c.errors
        ));
    }
    let (l, forms, changes) = (c.loaded, c.forms, c.rubric_changes);
    if partial {
        return run_partial(ctx, &l, &forms, &changes, Path::new(""));
    }
    let units = score_forms(&l, &forms)?;
    publish_scores(ctx, &l, &forms, &units, &changes, Path::new(""))?;
    Ok(())
}

/// Writes everything a scoring run publishes: the circular, the filled
/// sheets, the results and the scored files themselves (the command line and
/// the workbench both end here). The forms' paths are relative to `base`.
pub fn publish_scores(
    ctx: &Ctx,
    l: &Loaded,
    forms: &[Filled],
    units: &[UnitScore],
    changes: &[(String, String)],
    base: &Path,
) -> Result<Vec<PathBuf>> {
    let engine = ctx.engine(l)?;
    let (inputs, copies) = scored_inputs(base, forms)?;
    let (mut jobs, docx_files) = result_jobs(l, units, &ctx.docx_options(l)?)?;
    jobs.extend(feedback_jobs(l, forms)?);
    write_outputs(ctx, l, Some(inputs), |s| {
        let files = |k: &Sink| {
            result_files_partial(ctx, l, forms, units, &[], changes, k)?;
            k.extend(copies)?;
            k.extend(docx_files)?;
            rectify_lists(ctx, l, forms, k)
        };
        publish(ctx, &engine, jobs, files, s)
    })
}

/// Every scored file, byte for byte, for the archive's `inputs/`, and the
/// manifest's entries naming them.
fn scored_inputs(base: &Path, forms: &[Filled]) -> Result<(Vec<InputEntry>, Files)> {
    let copies = archive::input_copies_in(base, forms)?;
    let inputs = forms
        .iter()
        .zip(&copies)
        .map(|(f, (path, _))| InputEntry {
            file: f.file.clone(),
            sha256: f.sha256.clone(),
            archived: Some(path.clone()),
        })
        .collect();
    Ok((inputs, copies))
}

/// `kaohe score --partial`: results and filled sheets of the units whose
/// forms are in, the others listed as 未报送; no circular. The forms' paths
/// are relative to `base` (the workbench scores here too).
pub fn run_partial(
    ctx: &Ctx,
    l: &Loaded,
    forms: &[Filled],
    changes: &[(String, String)],
    base: &Path,
) -> Result<()> {
    let missing = missing_units(l, forms);
    let units = score_present(l, forms);
    let engine = ctx.engine(l)?;
    let (inputs, copies) = scored_inputs(base, forms)?;
    let date = &l.campaign.circular.date;
    let mut jobs: Vec<Job> = units
        .iter()
        .map(|u| {
            let path = format!("filled/{}.pdf", safe_file_name(&u.unit));
            Job::lazy(
                l,
                path,
                Template::Sheets,
                || docs::filled_sheet(l, u),
                date,
                true,
            )
        })
        .collect();
    jobs.extend(feedback_jobs(l, forms)?);
    write_outputs(ctx, l, Some(inputs), |s| {
        publish(
            ctx,
            &engine,
            jobs,
            |k| {
                result_files_partial(ctx, l, forms, &units, &missing, changes, k)?;
                k.extend(copies)?;
                rectify_lists(ctx, l, forms, k)
            },
            s,
        )
    })?;
    if missing.is_empty() {
        ctx.say("所有单位的评分表都已交回；部分评分（--partial）不印发结果通报，去掉 --partial 重新运行即可生成结果通报");
    } else {
        ctx.say(&format!(
            "部分评分：已对 {} 个单位评分和排名；{} 个单位未报送：{}。未生成结果通报（circular.pdf），收齐后去掉 --partial 重新运行",
            units.len(),
            missing.len(),
            missing.join("、")
        ));
    }
    Ok(())
}
