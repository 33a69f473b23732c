//! `kaohe notice`: the notice with its attachments, as one PDF.

use super::{Ctx, Job, publish, write_outputs};
use crate::campaign::Loaded;
use crate::error::Result;
use crate::render::{Engine, Template, docs};

pub fn job(l: &Loaded) -> Result<Job<'static>> {
    Ok(Job::new(
        l,
        "notice.pdf".into(),
        Template::Document,
        docs::notice(l)?,
        &l.campaign.notice.date,
        false,
    )
    .with_ofd(l, &l.campaign.notice.title.concat()))
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    let engine: Engine = ctx.engine(&l)?;
    let jobs = vec![job(&l)?];
    write_outputs(ctx, &l, None, |s| {
        publish(ctx, &engine, jobs, || Ok(Vec::new()), s)
    })?;
    Ok(())
}
