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
use crate::campaign::{self, Campaign, Loaded};
use crate::error::{Error, Result};
use crate::render::cache::{self, Cache, Key};
use crate::render::{self, Engine, Template};
use crate::timing::{self, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

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

/// A document to typeset: where it goes, with which template and data.
pub struct Job<'a> {
    pub path: String,
    pub template: Template,
    /// Makes the template's data when the document's turn comes, so that a
    /// campaign of 1000 units never holds 1000 documents' data at once.
    pub data: Box<dyn FnOnce() -> serde_json::Value + Send + 'a>,
    /// A stable identifier for the PDF (campaign id + path).
    pub ident: String,
    pub date: chrono::NaiveDate,
    pub pdfa: bool,
    /// An OFD of the same layout, beside the PDF (see [`Job::with_ofd`]).
    pub ofd: Option<OfdJob>,
    /// The document lists every unit (see [`Job::whole`]).
    pub whole: bool,
}

/// The OFD twin of a job's PDF.
pub struct OfdJob {
    pub path: String,
    pub title: String,
    pub author: String,
}

impl<'a> Job<'a> {
    pub fn new(
        l: &Loaded,
        path: String,
        template: Template,
        data: serde_json::Value,
        date: &str,
        pdfa: bool,
    ) -> Job<'a> {
        Job::lazy(l, path, template, move || data, date, pdfa)
    }

    pub fn lazy(
        l: &Loaded,
        path: String,
        template: Template,
        data: impl FnOnce() -> serde_json::Value + Send + 'a,
        date: &str,
        pdfa: bool,
    ) -> Job<'a> {
        Job {
            ident: format!("{}/{}", l.campaign.id, path),
            path,
            template,
            data: Box::new(data),
            date: Campaign::date(date),
            pdfa,
            ofd: None,
            whole: false,
        }
    }

    /// Marks a document that lists every unit (the notice with its
    /// schedule, the circular with its ranking, the schedule): its layout
    /// grows with the campaign, so no two of them are laid out at once,
    /// and Typst's memo is emptied after each (see [`render_all`]).
    pub fn whole(mut self) -> Job<'a> {
        self.whole = true;
        self
    }

    /// Writes an OFD (same name, `.ofd`) from the same layout when the
    /// campaign asks for OFD (`[output] ofd = true` or `--ofd`).
    pub fn with_ofd(mut self, l: &Loaded, title: &str) -> Job<'a> {
        if l.campaign.output.ofd {
            self.ofd = Some(OfdJob {
                path: format!("{}.ofd", self.path.trim_end_matches(".pdf")),
                title: title.to_string(),
                author: l.campaign.issuer.name.clone(),
            });
        }
        self
    }
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

/// A progress bar on stderr that appears only when a run takes over a
/// second, on a terminal, and not with `--quiet`.
fn progress(len: usize, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("排版 {bar:30} {pos}/{len} {msg}").expect("template is valid"),
    );
    if !quiet && std::io::stderr().is_terminal() {
        let b = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if !b.is_finished() {
                b.set_draw_target(ProgressDrawTarget::stderr());
            }
        });
    }
    bar
}

/// The cache key of the `n`th file made from one layout (0: the PDF, 1: the
/// OFD), so that a document is taken from the cache only with every format
/// it is asked for.
fn part_key(key: &str, n: usize) -> String {
    if n == 0 {
        key.to_string()
    } else {
        format!("{key}-{n}")
    }
}

/// Typst's memoized layouts are aged every this many documents, and those
/// not used for the last `KEEP_AGE` periods are dropped: what every filled
/// sheet of a rubric shares (its rubric's cells) stays, what one document
/// alone used goes soon, so that memory stays bounded however many units
/// there are, with no pause of the workers between batches.
const EVICT_EVERY: usize = 8;
const KEEP_AGE: usize = 1;

/// Typesets the jobs in parallel and adds each document's files to `sink`
/// as soon as it is made.
pub fn render_all(ctx: &Ctx, engine: &Engine, jobs: Vec<Job>, sink: &Sink) -> Result<()> {
    let bar = progress(jobs.len(), ctx.quiet);
    let one = |job: Job| -> Result<Files> {
        let start = Instant::now();
        let data = (job.data)();
        let pdfa = job.pdfa || ctx.pdfa;
        // Unchanged template, data, fonts and options: the cached PDF.
        let key = ctx.cache().map(|c| {
            let mut k = Key::new("pdf");
            k.add(engine.fingerprint.as_bytes())
                .add(format!("{:?}", job.template).as_bytes())
                .add(data.to_string().as_bytes())
                .add(job.ident.as_bytes())
                .add(job.date.to_string().as_bytes())
                .add(&[pdfa as u8])
                .add(
                    format!(
                        "{:?}",
                        job.ofd.as_ref().map(|o| (&o.path, &o.title, &o.author))
                    )
                    .as_bytes(),
                );
            (c, k.hex())
        });
        // The PDF and, when asked for, the OFD: all from the cache or none.
        let paths: Vec<String> = std::iter::once(job.path.clone())
            .chain(job.ofd.as_ref().map(|o| o.path.clone()))
            .collect();
        if let Some((c, k)) = &key {
            let hits: Option<Vec<Vec<u8>>> =
                (0..paths.len()).map(|n| c.get(&part_key(k, n))).collect();
            if let Some(hits) = hits {
                bar.inc(1);
                return Ok(paths.into_iter().zip(hits).collect());
            }
        }
        let doc = timing::time(Stage::Layout, || {
            engine.layout(job.template, &data, &job.path)
        })?;
        let laid = start.elapsed();
        let bytes = timing::time(Stage::Pdf, || {
            render::pdf(&doc, &job.ident, job.date, pdfa, &job.path)
        })?;
        timing::document(&job.path, doc.pages().len(), laid, start.elapsed() - laid);
        let mut out = vec![(job.path.clone(), bytes)];
        // The OFD is written from the same layout: one layout, two formats.
        if let Some(o) = &job.ofd {
            let meta = render::ofd::Meta {
                title: &o.title,
                author: &o.author,
                date: job.date,
                ident: &format!("{}.ofd", job.ident),
            };
            let bytes = timing::time(Stage::Ofd, || render::ofd::ofd(&doc, &meta, &o.path))?;
            out.push((o.path.clone(), bytes));
        }
        if let Some((c, k)) = &key {
            for (n, (_, bytes)) in out.iter().enumerate() {
                c.put(&part_key(k, n), bytes);
            }
        }
        bar.inc(1);
        Ok(out)
    };
    let done = std::sync::atomic::AtomicUsize::new(0);
    let run = |job: Job| -> Result<()> {
        let whole = job.whole;
        let made = one(job);
        if whole {
            // what the layout of a whole-campaign document memoized is of
            // no use to the other documents: it goes now, not in two periods
            typst::comemo::evict(0);
        } else if (done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
            .is_multiple_of(EVICT_EVERY)
        {
            typst::comemo::evict(KEEP_AGE);
        }
        sink.extend(made?)
    };
    // With --timings, one document at a time, so that each stage's time
    // is its own. Otherwise one worker thread per core takes the next
    // document from the list. Not rayon's par_iter: Typst and its PDF
    // writer use rayon inside, and a rayon thread waiting there steals
    // the next *document*, nesting whole documents on one stack, so a
    // long one (the notice) finished last and one core sat idle.
    let result = if timing::enabled() {
        jobs.into_iter().try_for_each(run)
    } else {
        let n = jobs.len();
        let queue = Queue::new(jobs);
        // The failure of the earliest job; no new job starts after one.
        let failed: std::sync::Mutex<Option<(usize, Error)>> = std::sync::Mutex::new(None);
        let workers = std::thread::available_parallelism()
            .map_or(2, |p| p.get())
            .min(n);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        if failed.lock().expect("errors").is_some() {
                            break;
                        }
                        let Some((i, job)) = queue.next() else { break };
                        // the next such document may start when this one
                        // is done, even if its worker panics
                        let _done = job.whole.then(|| WholeDone(&queue));
                        if let Err(e) = run(job) {
                            let mut f = failed.lock().expect("errors");
                            if f.as_ref().is_none_or(|(j, _)| i < *j) {
                                *f = Some((i, e));
                            }
                        }
                    }
                });
            }
        });
        match failed.into_inner().expect("errors") {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    };
    // Nothing of this run's layouts is needed again (the workbench lives on).
    typst::comemo::evict(0);
    bar.finish_and_clear();
    result
}

/// The documents still to typeset, handed to the workers in order, except
/// that while one document that lists every unit is being laid out, a
/// worker takes the next other document instead of a second such one: the
/// memory of a run is then that of its largest document, not of its two
/// largest at once, and no core waits while other documents remain.
struct Queue<'a> {
    state: std::sync::Mutex<(std::collections::VecDeque<(usize, Job<'a>)>, bool)>,
    freed: std::sync::Condvar,
}

impl<'a> Queue<'a> {
    fn new(jobs: Vec<Job<'a>>) -> Queue<'a> {
        Queue {
            state: std::sync::Mutex::new((jobs.into_iter().enumerate().collect(), false)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// The next job this worker may take, waiting only when every job left
    /// lists every unit and one such is in hand; `None` when all are taken.
    fn next(&self) -> Option<(usize, Job<'a>)> {
        let mut state = self.state.lock().expect("job queue");
        loop {
            let (jobs, busy) = &mut *state;
            let pick = if *busy {
                jobs.iter().position(|(_, j)| !j.whole)
            } else {
                (!jobs.is_empty()).then_some(0)
            };
            if let Some(k) = pick {
                let job = jobs.remove(k).expect("a position in the queue");
                *busy |= job.1.whole;
                return Some(job);
            }
            if jobs.is_empty() {
                return None;
            }
            state = self.freed.wait(state).expect("job queue");
        }
    }
}

/// Dropped when the document that lists every unit is done: the next may
/// start.
struct WholeDone<'q, 'a>(&'q Queue<'a>);

impl Drop for WholeDone<'_, '_> {
    fn drop(&mut self) {
        let mut state = match self.0.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.1 = false;
        drop(state);
        self.0.freed.notify_all();
    }
}

/// Files whose bytes are made without Typst (workbooks, JSON, calendar),
/// by path inside the output folder.
pub type Files = Vec<(String, Vec<u8>)>;

/// Where a run's files go as they are made: the staging folder, shared by
/// the typesetting workers and the workbook writers, so that no list of
/// every unit's bytes is held until the end and memory stays nearly flat in
/// the number of units. The manifest lists the files sorted by path, so
/// the order they arrive in does not reach the output.
pub struct Sink<'s>(std::sync::Mutex<&'s mut Staging>);

impl<'s> Sink<'s> {
    pub fn new(staging: &'s mut Staging) -> Sink<'s> {
        Sink(std::sync::Mutex::new(staging))
    }

    /// Writes one file into the staging folder.
    pub fn add(&self, path: &str, bytes: &[u8]) -> Result<()> {
        self.0.lock().expect("staging lock").add(path, bytes)
    }

    pub fn extend(&self, files: Files) -> Result<()> {
        for (path, bytes) in files {
            self.add(&path, &bytes)?;
        }
        Ok(())
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
        let rendered = render_all(ctx, engine, jobs, sink);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(path: &str, whole: bool) -> Job<'static> {
        Job {
            path: path.into(),
            template: Template::Sheets,
            data: Box::new(|| serde_json::Value::Null),
            ident: path.into(),
            date: chrono::NaiveDate::from_ymd_opt(2018, 12, 1).unwrap(),
            pdfa: false,
            ofd: None,
            whole,
        }
    }

    /// While one document that lists every unit is in hand, the next such
    /// waits and the documents after it are handed out; when it is done,
    /// the waiting one comes next; every job is handed out once.
    #[test]
    fn documents_of_every_unit_are_laid_out_one_at_a_time() {
        let q = Queue::new(vec![
            job("notice", true),
            job("circular", true),
            job("a", false),
            job("b", false),
            job("schedule", true),
        ]);
        let take = || q.next().map(|(i, j)| (i, j.path, j.whole));
        assert_eq!(take(), Some((0, "notice".into(), true)));
        let notice = WholeDone(&q);
        assert_eq!(take(), Some((2, "a".into(), false)));
        assert_eq!(take(), Some((3, "b".into(), false)));
        // only documents of every unit are left: a worker waits for the
        // notice to be done, and then takes the circular
        std::thread::scope(|s| {
            let waiter = s.spawn(|| q.next().map(|(i, j)| (i, j.path)));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waiter.is_finished(), "took a second whole document");
            drop(notice);
            assert_eq!(waiter.join().unwrap(), Some((1, "circular".into())));
        });
        drop(WholeDone(&q));
        assert_eq!(take(), Some((4, "schedule".into(), true)));
        assert!(take().is_none());
    }
}
