//! The worker pool that typesets a run's documents: each [`Job`] is laid
//! out once, exported as PDF (and OFD), taken from the render cache when
//! nothing it depends on changed, and staged as soon as it is made.

use crate::archive::Staging;
use crate::campaign::{Campaign, Loaded};
use crate::error::{Error, Result};
use crate::render::cache::{Cache, Key};
use crate::render::{self, Engine, Template};
use crate::timing::{self, Stage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// What a run asks of the pool: its render cache (none with `--no-cache`),
/// PDF/A for every document (`--pdfa`), and no progress bar (`--quiet`).
pub struct Pool<'c> {
    pub cache: Option<&'c Cache>,
    pub pdfa: bool,
    pub quiet: bool,
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
pub fn render_all(pool: &Pool, engine: &Engine, jobs: Vec<Job>, sink: &Sink) -> Result<()> {
    let bar = progress(jobs.len(), pool.quiet);
    let one = |job: Job| -> Result<Files> {
        let start = Instant::now();
        let data = (job.data)();
        let pdfa = job.pdfa || pool.pdfa;
        // Unchanged template, data, fonts and options: the cached PDF.
        let key = pool.cache.map(|c| {
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
