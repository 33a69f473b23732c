//! Per-document typesetting figures (layout + PDF export), with the one
//! shared engine of a run: `cargo bench`. The whole-campaign figures and the
//! LibreOffice baseline are in bench/campaign.sh.

use criterion::{Criterion, criterion_group, criterion_main};
use kaohe::campaign::{self, Loaded};
use kaohe::cmd::{demo, score};
use kaohe::render::{self, Engine, Template, docs};
use kaohe::score::UnitScore;
use std::hint::black_box;

/// The same allocator as the kaohe binary, so the figures match its runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn setup() -> (Loaded, Engine, Vec<UnitScore>) {
    kaohe::os::no_huge_pages();
    let l = campaign::load(None).expect("built-in campaign");
    let engine = Engine::new(&render::font_dirs(None, None).expect("fonts"), None).expect("engine");
    let forms = demo::sample_forms(&l);
    let units = score::score_forms(&l, &forms).expect("scores");
    (l, engine, units)
}

/// Forgets every memoized layout, so that a figure is a first compile of the
/// document, as in a run (where each document is typeset once).
fn cold() {
    typst::comemo::evict(0);
}

fn typeset(engine: &Engine, template: Template, data: &serde_json::Value, name: &str) -> usize {
    let doc = engine.layout(template, data, name).expect("layout");
    let date = chrono::NaiveDate::from_ymd_opt(2018, 11, 2).unwrap();
    render::pdf(&doc, name, date, false, name)
        .expect("pdf")
        .len()
}

fn documents(c: &mut Criterion) {
    let (l, engine, units) = setup();
    let notice = docs::notice(&l).unwrap().to_json();
    let blank: Vec<_> = (0..l.rubrics.len())
        .map(|i| docs::blank_table(&l, i))
        .collect();
    let schedule = docs::schedule(&l);
    let filled: Vec<_> = units.iter().map(|u| docs::filled_sheet(&l, u)).collect();
    let circular = docs::circular(&l, &units).unwrap().to_json();

    let mut g = c.benchmark_group("document");
    g.sample_size(20);
    g.bench_function("notice with its three attachments", |b| {
        b.iter(|| {
            cold();
            typeset(&engine, Template::Document, black_box(&notice), "notice")
        })
    });
    g.bench_function("notice + 2 blank tables + schedule", |b| {
        b.iter(|| {
            cold();
            typeset(&engine, Template::Document, &notice, "notice")
                + blank
                    .iter()
                    .map(|d| typeset(&engine, Template::Sheets, d, "blank"))
                    .sum::<usize>()
                + typeset(&engine, Template::Sheets, &schedule, "schedule")
        })
    });
    let mut k = 0;
    g.bench_function("one filled sheet", |b| {
        b.iter(|| {
            k = (k + 1) % filled.len();
            cold();
            typeset(&engine, Template::Sheets, black_box(&filled[k]), "filled")
        })
    });
    // As kaohe runs them: one worker thread per core takes the next sheet.
    g.bench_function("25 filled sheets on one worker per core (per run)", |b| {
        b.iter(|| {
            cold();
            let next = std::sync::atomic::AtomicUsize::new(0);
            let workers = std::thread::available_parallelism().map_or(2, |p| p.get());
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|_| {
                        scope.spawn(|| {
                            let mut bytes = 0;
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(d) = filled.get(i) else { break bytes };
                                bytes += typeset(&engine, Template::Sheets, d, "filled");
                            }
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap())
                    .sum::<usize>()
            })
        })
    });
    g.bench_function("result circular", |b| {
        b.iter(|| {
            cold();
            typeset(
                &engine,
                Template::Document,
                black_box(&circular),
                "circular",
            )
        })
    });
    g.finish();
}

/// Export only, PDF against OFD, from one layout of each document: what
/// `--ofd` adds to a run, per document.
fn exports(c: &mut Criterion) {
    let (l, engine, units) = setup();
    let date = chrono::NaiveDate::from_ymd_opt(2018, 11, 2).unwrap();
    let laid = [
        (
            "notice",
            engine.layout(
                Template::Document,
                &docs::notice(&l).unwrap().to_json(),
                "notice",
            ),
        ),
        (
            "circular",
            engine.layout(
                Template::Document,
                &docs::circular(&l, &units).unwrap().to_json(),
                "circular",
            ),
        ),
        (
            "one filled sheet",
            engine.layout(
                Template::Sheets,
                &docs::filled_sheet(&l, &units[0]),
                "filled",
            ),
        ),
    ];
    let mut g = c.benchmark_group("export");
    g.sample_size(20);
    for (name, doc) in &laid {
        let doc = doc.as_ref().expect("layout");
        g.bench_function(format!("{name}: PDF"), |b| {
            b.iter(|| {
                render::pdf(black_box(doc), name, date, false, name)
                    .expect("pdf")
                    .len()
            })
        });
        let meta = render::ofd::Meta {
            title: name,
            author: "bench",
            date,
            ident: name,
        };
        g.bench_function(format!("{name}: OFD"), |b| {
            b.iter(|| {
                render::ofd::ofd(black_box(doc), &meta, name)
                    .expect("ofd")
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, documents, exports);
criterion_main!(benches);
