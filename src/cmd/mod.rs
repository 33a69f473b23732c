//! One module per command. The commands only wire the steps together.

pub mod blank;
pub mod check;
pub mod demo;
pub mod fonts;
pub mod init;
pub mod manual;
pub mod notice;
pub mod rubric;
pub mod schedule;
pub mod score;
pub mod self_round;
pub mod serve;
pub mod verify;

use crate::archive::{self, InputEntry, Manifest, RubricEntry, Staging};
use crate::campaign::{self, Loaded};
use crate::error::Result;
use crate::render::cache::{self, Cache};
use crate::render::jobs::{Pool, render_all};
use crate::render::{self, Engine};
use crate::timing::{self, Stage};
use std::path::PathBuf;
use std::time::Instant;

/// The worker pool's types, where the commands have always found them.
pub use crate::render::jobs::{Files, Job, Sink};

/// What every command gets from the command line.
#[derive(Default)]
pub struct Ctx {
    pub campaign: Option<PathBuf>,
    pub out: PathBuf,
    pub fonts: Option<PathBuf>,
    pub quiet: bool,
    /// Print where the time went at the end.
    pub timings: bool,
    /// Write every PDF as PDF/A-2b (filled sheets always are).
    pub pdfa: bool,
    /// Score forms whose rubric changed after they went out against the
    /// new rubric, listing the changes (`--accept-changed-rubric`).
    pub accept_changed_rubric: bool,
    /// `--no-cache`: make every document and workbook anew.
    pub no_cache: bool,
    /// The render cache of this run, opened on first use.
    pub cache: std::sync::OnceLock<Option<Cache>>,
    /// `--ofd`: OFD beside the notice, circular and filled sheets (as the
    /// campaign's `[output] ofd = true`).
    pub ofd: bool,
    /// Put the seal image into the DOCX files too.
    pub seal_in_docx: bool,
}

impl Ctx {
    pub fn load(&self) -> Result<Loaded> {
        let mut l = timing::time(Stage::Load, || campaign::load(self.campaign.as_deref()))?;
        l.campaign.output.ofd |= self.ofd;
        Ok(l)
    }

    /// The one Typst environment of this run, with the campaign's fonts checked.
    pub fn engine(&self, l: &Loaded) -> Result<Engine> {
        let mut engine = fonts::engine(self)?;
        engine.check_fonts(&l.campaign.fonts.roles())?;
        if let (Some(seal), Some(bytes)) = (crate::doc::Seal::of(&l.campaign), self.seal(l)?) {
            engine.add_asset(&seal.path, bytes);
        }
        Ok(engine)
    }

    /// The render cache (see [`cache::dir_for`]), unless `--no-cache`.
    pub fn cache(&self) -> Option<&Cache> {
        if self.no_cache {
            return None;
        }
        self.cache
            .get_or_init(|| Cache::open(&cache::dir_for(self.campaign.as_deref(), &self.out)))
            .as_ref()
    }

    /// The campaign's seal image, read and checked (a missing or unreadable
    /// file is an error naming it).
    pub fn seal(&self, l: &Loaded) -> Result<Option<Vec<u8>>> {
        render::seal::load(self.campaign.as_deref(), &l.campaign)
    }

    /// What goes into the DOCX files besides the document.
    pub fn docx_options(&self, l: &Loaded) -> Result<render::docx::Options> {
        render::seal::docx_options(self.seal_in_docx, self.campaign.as_deref(), &l.campaign)
    }

    pub fn say(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
}

/// Makes the files and typesets the documents at the same time (the files
/// are cheap and fill the gaps while long documents are laid out), and
/// stages both as they are made.
pub fn publish(
    ctx: &Ctx,
    engine: &Engine,
    jobs: Vec<Job>,
    files: impl FnOnce(&Sink) -> Result<()> + Send,
    staging: &mut Staging,
) -> Result<()> {
    publish_to(ctx, engine, jobs, files, &Sink::new(staging))
}

/// [`publish`] into a sink that already has files (the demo's forms).
pub fn publish_to(
    ctx: &Ctx,
    engine: &Engine,
    jobs: Vec<Job>,
    files: impl FnOnce(&Sink) -> Result<()> + Send,
    sink: &Sink,
) -> Result<()> {
    // Not `rayon::join`: that would run `render_all` on a rayon thread,
    // which then only waits for the typesetting workers, while Typst inside
    // them needs rayon threads too. With one core (one rayon thread) the
    // run waited for ever; with two, one core was left for Typst's inner
    // work and the workbooks together. Plain threads wait here instead.
    let (rendered, files) = std::thread::scope(|scope| {
        let workbooks = scope.spawn(|| files(sink));
        let pool = Pool {
            cache: ctx.cache(),
            pdfa: ctx.pdfa,
            quiet: ctx.quiet,
        };
        let rendered = render_all(&pool, engine, jobs, sink);
        let files = workbooks
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (rendered, files)
    });
    rendered?;
    files
}

/// Locks the output folder, lets `fill` stage the outputs, adds the updated
/// `manifest.json` last, and commits only when everything succeeded.
/// `inputs` are the filled workbooks a scoring run read (kept from the
/// previous manifest otherwise).
pub fn write_outputs(
    ctx: &Ctx,
    l: &Loaded,
    inputs: Option<Vec<InputEntry>>,
    fill: impl FnOnce(&mut Staging) -> Result<()>,
) -> Result<Vec<PathBuf>> {
    let scored = inputs.is_some();
    commit_outputs(ctx, l, scored, |s| fill(s).map(|()| inputs))
}

/// [`write_outputs`] for a scoring run whose `fill` reads the forms it
/// scored as it stages them, and so returns them itself.
pub fn write_scored_outputs(
    ctx: &Ctx,
    l: &Loaded,
    fill: impl FnOnce(&mut Staging) -> Result<Vec<InputEntry>>,
) -> Result<Vec<PathBuf>> {
    commit_outputs(ctx, l, true, |s| fill(s).map(Some))
}

fn commit_outputs(
    ctx: &Ctx,
    l: &Loaded,
    scored: bool,
    fill: impl FnOnce(&mut Staging) -> Result<Option<Vec<InputEntry>>>,
) -> Result<Vec<PathBuf>> {
    let start = Instant::now();
    crate::swap::recover(&ctx.out);
    crate::project::check_output_owner(&ctx.out, l)?;
    let _lock = archive::lock(&ctx.out)?;
    archive::clean_leftovers(&ctx.out);
    let mut staging = Staging::new(&ctx.out)?;
    if scored {
        // A scoring run's copies of what it scored replace the last run's.
        staging.replace_folder("inputs/");
    }
    let inputs = fill(&mut staging)?;
    let mut manifest = staging.manifest(Manifest::read(&ctx.out));
    manifest.kaohe = env!("CARGO_PKG_VERSION").to_string();
    manifest.campaign = l.campaign.id.clone();
    manifest.rubrics = l
        .rubrics
        .iter()
        .map(|r| RubricEntry {
            id: r.id.clone(),
            sha256: r.content_hash.clone(),
        })
        .collect();
    if let Some(inputs) = inputs {
        manifest.inputs = inputs;
    }
    let say = |m: &str| ctx.say(m);
    let written = timing::time(Stage::Write, || staging.commit(&manifest, &say))?;
    let cached = match ctx.cache() {
        Some(c) => {
            c.prune();
            let hits = c.hits.load(std::sync::atomic::Ordering::Relaxed);
            if hits > 0 {
                format!("，其中 {hits} 个取自缓存")
            } else {
                String::new()
            }
        }
        None => String::new(),
    };
    ctx.say(&format!(
        "已写入 {} 个文件到 {}（{:.2} 秒{cached}）",
        written.len(),
        ctx.out.display(),
        start.elapsed().as_secs_f64()
    ));
    if ctx.timings {
        eprint!("{}", timing::report());
    }
    Ok(written)
}
