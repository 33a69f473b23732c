//! `kaohe score INPUT...`: ingest, score, and publish every result document.
//! A run with any error writes nothing.

use super::check::check_inputs;
use super::{Ctx, Files, Job, publish, write_outputs};
use crate::archive::InputEntry;
use crate::campaign::Loaded;
use crate::error::Result;
use crate::failed;
use crate::render::{Template, docs, docx};
use crate::score::{self, UnitScore};
use crate::workbook::ingest::Filled;
use crate::workbook::{blank, results, safe_file_name};
use rayon::prelude::*;
use std::path::PathBuf;

/// Scores the forms; every unit of the campaign must have exactly one.
pub fn score_forms(l: &Loaded, forms: &[Filled]) -> Result<Vec<UnitScore>> {
    let missing: Vec<&str> = l
        .campaign
        .units
        .iter()
        .filter(|u| !forms.iter().any(|f| f.unit == u.name))
        .map(|u| u.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(failed!(
            "还有 {} 个单位没有评分表：{}；所有单位的评分表收齐后才能评分和排名",
            missing.len(),
            missing.join("、")
        ));
    }
    Ok(crate::timing::time(crate::timing::Stage::Score, || {
        let units: Vec<UnitScore> = forms
            .iter()
            .map(|f| score::score_unit(l.rubric(&f.rubric), f))
            .collect();
        let ids: Vec<String> = l.rubrics.iter().map(|r| r.id.clone()).collect();
        score::rank(units, &l.campaign, &ids)
    }))
}

/// results.json, results.xlsx and the archive copy of each filled form.
pub fn result_files(l: &Loaded, forms: &[Filled], units: &[UnitScore]) -> Result<Files> {
    let json = serde_json::to_string_pretty(&score::results_json(units)).expect("json");
    let mut files = vec![
        ("results.json".to_string(), json.into_bytes()),
        ("results.xlsx".to_string(), results::workbook(l, units)?),
    ];
    let books: Result<Files> = forms
        .par_iter()
        .map(|f| {
            let unit = l.unit(&f.unit).expect("forms are matched to units");
            Ok((
                format!("filled/{}.xlsx", safe_file_name(&f.unit)),
                blank::filled_workbook(l, unit, Some(f))?,
            ))
        })
        .collect();
    files.extend(books?);
    Ok(files)
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
    let mut jobs = vec![Job::new(
        l,
        "circular.pdf".into(),
        Template::Document,
        circular.to_json(),
        date,
        false,
    )];
    jobs.extend(units.iter().map(|u| {
        let path = format!("filled/{}.pdf", safe_file_name(&u.unit));
        Job::lazy(
            l,
            path,
            Template::Sheets,
            || docs::filled_sheet(l, u),
            date,
            true,
        )
    }));
    Ok((jobs, files))
}

pub fn run(ctx: &Ctx, inputs: &[PathBuf]) -> Result<()> {
    let c = check_inputs(ctx, inputs)?;
    if c.errors > 0 {
        return Err(failed!(
            "评分表有 {} 个错误，未生成任何结果；请改正后重新运行",
            c.errors
        ));
    }
    let (l, forms) = (c.loaded, c.forms);
    let units = score_forms(&l, &forms)?;
    let engine = ctx.engine(&l)?;
    let inputs = forms
        .iter()
        .map(|f| InputEntry {
            file: f.file.clone(),
            sha256: f.sha256.clone(),
        })
        .collect();
    let (jobs, docx_files) = result_jobs(&l, &units, &ctx.docx_options(&l)?)?;
    let files = || {
        let mut files = result_files(&l, &forms, &units)?;
        files.extend(docx_files);
        Ok(files)
    };
    write_outputs(ctx, &l, Some(inputs), |s| {
        publish(ctx, &engine, jobs, files, s)
    })?;
    Ok(())
}
