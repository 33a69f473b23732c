//! One module per command. The commands only wire the steps together.

pub mod blank;
pub mod check;
pub mod demo;
pub mod notice;
pub mod rubric;
pub mod schedule;
pub mod score;

use crate::archive::{self, Staging};
use crate::campaign::{self, Campaign, Loaded};
use crate::error::Result;
use crate::render::{self, Engine, Template};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// What every command gets from the command line.
pub struct Ctx {
    pub campaign: Option<PathBuf>,
    pub out: PathBuf,
    pub fonts: Option<PathBuf>,
    pub quiet: bool,
}

/// A document to typeset: where it goes, with which template and data.
pub struct Job {
    pub path: String,
    pub template: Template,
    pub data: serde_json::Value,
    /// A stable identifier for the PDF (campaign id + path).
    pub ident: String,
    pub date: chrono::NaiveDate,
    pub pdfa: bool,
}

impl Job {
    pub fn new(
        l: &Loaded,
        path: String,
        template: Template,
        data: serde_json::Value,
        date: &str,
        pdfa: bool,
    ) -> Job {
        Job {
            ident: format!("{}/{}", l.campaign.id, path),
            path,
            template,
            data,
            date: Campaign::date(date),
            pdfa,
        }
    }
}

impl Ctx {
    pub fn load(&self) -> Result<Loaded> {
        campaign::load(self.campaign.as_deref())
    }

    /// The one Typst environment of this run, with the campaign's fonts checked.
    pub fn engine(&self, l: &Loaded) -> Result<Engine> {
        let dir = render::font_dir(self.fonts.as_deref())?;
        let engine = Engine::new(&dir)?;
        engine.check_fonts(&l.campaign.fonts.roles())?;
        Ok(engine)
    }

    pub fn say(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
}

/// Typesets the jobs in parallel and adds the PDFs to `staging`.
pub fn render_all(engine: &Engine, jobs: Vec<Job>, staging: &mut Staging) -> Result<()> {
    let pdfs: Vec<Result<(String, Vec<u8>)>> = jobs
        .into_par_iter()
        .map(|job| {
            let doc = engine.layout(job.template, &job.data, &job.path)?;
            let bytes = render::pdf(&doc, &job.ident, job.date, job.pdfa, &job.path)?;
            Ok((job.path, bytes))
        })
        .collect();
    for r in pdfs {
        let (path, bytes) = r?;
        staging.add(&path, &bytes)?;
    }
    Ok(())
}

/// Locks the output folder, lets `fill` stage the outputs, and commits them
/// only when everything succeeded.
pub fn write_outputs(
    ctx: &Ctx,
    fill: impl FnOnce(&mut Staging) -> Result<()>,
) -> Result<Vec<PathBuf>> {
    let start = Instant::now();
    let _lock = archive::lock(&ctx.out)?;
    archive::clean_leftovers(&ctx.out);
    let mut staging = Staging::new(&ctx.out);
    fill(&mut staging)?;
    let written = staging.commit()?;
    ctx.say(&format!(
        "已写入 {} 个文件到 {}（{:.2} 秒）",
        written.len(),
        ctx.out.display(),
        start.elapsed().as_secs_f64()
    ));
    Ok(written)
}
