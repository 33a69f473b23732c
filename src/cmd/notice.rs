//! `kaohe notice`: the notice with its attachments, as one PDF and as an
//! editable DOCX made from the same document.

use super::{Ctx, Files, Job, publish, write_outputs};
use crate::campaign::Loaded;
use crate::error::Result;
use crate::render::{Engine, Template, docs, docx};

/// The notice's PDF job and its DOCX (`notice.docx`).
pub fn job(l: &Loaded, opts: &docx::Options) -> Result<(Job<'static>, Files)> {
    let doc = docs::notice(l)?;
    let file = ("notice.docx".to_string(), docx::write(&doc, opts)?);
    let job = Job::new(
        l,
        "notice.pdf".into(),
        Template::Document,
        doc.to_json(),
        &l.campaign.notice.date,
        false,
    )
    .with_ofd(l, &l.campaign.notice.title.concat())
    .whole();
    Ok((job, vec![file]))
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    let engine: Engine = ctx.engine(&l)?;
    let (job, files) = job(&l, &ctx.docx_options(&l)?)?;
    write_outputs(ctx, &l, None, |s| {
        publish(ctx, &engine, vec![job], |k| k.extend(files), s)
    })?;
    Ok(())
}
