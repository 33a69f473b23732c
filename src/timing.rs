//! Where the time goes, per stage, for `--timings`. Stages that run on
//! several threads add up their threads' time (CPU time, not wall time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub enum Stage {
    Load,
    Ingest,
    Score,
    Layout,
    Pdf,
    Ofd,
    Xlsx,
    Write,
}

/// Stage names as printed.
const NAMES: [&str; 8] = [
    "加载方案与细则",
    "读取评分表",
    "评分",
    "排版",
    "导出 PDF",
    "导出 OFD",
    "写 XLSX",
    "写入文件",
];

static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns on `--timings`: stages that would overlap run one after another.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

static NANOS: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];
static COUNTS: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Runs `f` and adds its time to `stage`.
pub fn time<T>(stage: Stage, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    NANOS[stage as usize].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    COUNTS[stage as usize].fetch_add(1, Ordering::Relaxed);
    out
}

/// Per document, when timings are on: path, pages, layout, export.
static DOCUMENTS: std::sync::Mutex<Vec<(String, usize, std::time::Duration, std::time::Duration)>> =
    std::sync::Mutex::new(Vec::new());

/// Records one typeset document (only with `--timings`).
pub fn document(
    path: &str,
    pages: usize,
    layout: std::time::Duration,
    export: std::time::Duration,
) {
    if enabled() {
        DOCUMENTS
            .lock()
            .expect("timings lock")
            .push((path.to_string(), pages, layout, export));
    }
}

/// One line per stage that ran: total milliseconds, count, average.
pub fn report() -> String {
    let mut out = String::from("各阶段用时（--timings 时文档逐个排版）：\n");
    for (i, name) in NAMES.iter().enumerate() {
        let n = COUNTS[i].load(Ordering::Relaxed);
        if n == 0 {
            continue;
        }
        let ms = NANOS[i].load(Ordering::Relaxed) as f64 / 1e6;
        // Padded to 16 columns as a terminal shows them: a hanzi takes two.
        let width: usize = name.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
        let pad = " ".repeat(16usize.saturating_sub(width));
        out.push_str(&format!(
            "  {name}{pad} {ms:>9.1} ms  {n:>6} 次  平均 {:>7.2} ms\n",
            ms / n as f64
        ));
    }
    let mut docs = DOCUMENTS.lock().expect("timings lock").clone();
    docs.sort_by_key(|d| std::cmp::Reverse(d.2 + d.3));
    if !docs.is_empty() {
        out.push_str("最慢的文档（排版 + 导出）：\n");
        for (path, pages, l, e) in docs.iter().take(5) {
            out.push_str(&format!(
                "  {:>7.1} + {:>6.1} ms  {pages:>3} 页  {path}\n",
                l.as_secs_f64() * 1e3,
                e.as_secs_f64() * 1e3
            ));
        }
    }
    out
}
