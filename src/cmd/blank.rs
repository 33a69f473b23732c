//! `kaohe blank`: one blank workbook per unit, and the blank rubric tables.

use super::{Ctx, Job, Sink, publish, write_outputs};
use crate::campaign::Loaded;
use crate::error::Result;
use crate::render::{Template, cache, docs};
use crate::workbook::safe_file_name;
use rayon::prelude::*;

/// The blank rubric tables, one PDF per rubric: `blank/附件1-<title>.pdf`.
pub fn table_jobs(l: &Loaded) -> Vec<Job<'static>> {
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

/// `blank/<单位名>.xlsx` for every unit.
pub fn workbooks(ctx: &Ctx, l: &Loaded, sink: &Sink) -> Result<()> {
    let (cache, campaign) = (ctx.cache(), cache::campaign_hash(l));
    l.campaign.units.par_iter().try_for_each(|u| {
        sink.add(
            &format!("blank/{}.xlsx", safe_file_name(&u.name)),
            &cache::form(cache, &campaign, l, u, None, None)?,
        )
    })
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    let engine = ctx.engine(&l)?;
    write_outputs(ctx, &l, None, |s| {
        publish(ctx, &engine, table_jobs(&l), |k| workbooks(ctx, &l, k), s)
    })?;
    Ok(())
}
