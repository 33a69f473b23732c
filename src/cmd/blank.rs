//! `kaohe blank`: one blank workbook per unit, and the blank rubric tables.

use super::{Ctx, Job, render_all, write_outputs};
use crate::archive::Staging;
use crate::campaign::Loaded;
use crate::error::Result;
use crate::render::{Template, docs};
use crate::workbook::{blank, safe_file_name};
use rayon::prelude::*;

/// The blank rubric tables, one PDF per rubric: `blank/附件1-<title>.pdf`.
pub fn table_jobs(l: &Loaded) -> Vec<Job> {
    (0..l.rubrics.len())
        .map(|i| {
            let path = format!(
                "blank/附件{}-{}.pdf",
                i + 1,
                safe_file_name(&l.rubrics[i].title)
            );
            Job::new(
                l,
                path,
                Template::Sheets,
                docs::blank_table(l, i),
                &l.campaign.notice.date,
                false,
            )
        })
        .collect()
}

/// Writes `blank/<单位名>.xlsx` for every unit into `staging`.
pub fn stage_workbooks(l: &Loaded, staging: &mut Staging) -> Result<()> {
    let books: Vec<Result<(String, Vec<u8>)>> = l
        .campaign
        .units
        .par_iter()
        .map(|u| {
            Ok((
                format!("blank/{}.xlsx", safe_file_name(&u.name)),
                blank::workbook(l, u)?,
            ))
        })
        .collect();
    for b in books {
        let (path, bytes) = b?;
        staging.add(&path, &bytes)?;
    }
    Ok(())
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    let engine = ctx.engine(&l)?;
    write_outputs(ctx, &l, None, |s| {
        stage_workbooks(&l, s)?;
        render_all(ctx, &engine, table_jobs(&l), s)
    })?;
    Ok(())
}
