//! Typesetting: the shared Typst engine, the data each document receives,
//! and PDF export. Rendering knows nothing of how a score was reached.

pub mod cache;
pub mod docx;
pub mod embedded;
pub mod engine;
pub mod fonts;
pub mod jobs;
pub mod manual;
pub mod ofd;
pub mod seal;
pub mod turn;

/// The document model's builders, where the commands have always found them.
pub use crate::doc::{build as docs, prose};

use crate::error::Result;
use crate::failed;
use chrono::{Datelike, NaiveDate};
use std::path::{Path, PathBuf};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use engine::{Engine, FontEntry, Template};

/// A folder of fonts that adds to or overrides the built-in ones, and how
/// it was named (for messages and `kaohe fonts`).
#[derive(Clone, Debug)]
pub struct FontDir {
    pub how: String,
    pub path: PathBuf,
}

/// The font folders of a run, strongest first: `--fonts DIR`, then the
/// environment variable `KAOHE_FONTS`, then the campaign's own `fonts/`
/// folder. The built-in fonts come after all of them, so a folder's font of
/// the same family and style replaces the built-in one. A folder named on
/// the command line or in `KAOHE_FONTS` must exist; a campaign without a
/// `fonts/` folder simply uses the built-in fonts.
pub fn font_dirs(option: Option<&Path>, campaign_dir: Option<&Path>) -> Result<Vec<FontDir>> {
    let mut dirs = Vec::new();
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    if let Some(p) = option {
        named.push(("--fonts".into(), p.to_path_buf()));
    }
    if let Some(p) = std::env::var_os("KAOHE_FONTS").filter(|p| !p.is_empty()) {
        named.push(("环境变量 KAOHE_FONTS".into(), PathBuf::from(p)));
    }
    for (how, path) in named {
        if !path.is_dir() {
            return Err(failed!(
                "找不到字体目录 {}（{how}）。请确认该目录存在，或不指定它而只用 kaohe 内置的字体。",
                path.display()
            ));
        }
        dirs.push(FontDir { how, path });
    }
    if let Some(dir) = campaign_dir {
        let path = dir.join("fonts");
        if path.is_dir() {
            dirs.push(FontDir {
                how: "考核方案目录".into(),
                path,
            });
        }
    }
    Ok(dirs)
}

/// Exports a laid-out document to PDF. The date and identifier come from the
/// campaign, so the same inputs give the same bytes; `pdfa` writes PDF/A-2b.
pub fn pdf(
    doc: &PagedDocument,
    ident: &str,
    date: NaiveDate,
    pdfa: bool,
    name: &str,
) -> Result<Vec<u8>> {
    let datetime = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
        .ok_or_else(|| failed!("{name}: 日期无效"))?;
    let standards = if pdfa {
        PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| failed!("{name}: {}", e.message()))?
    } else {
        PdfStandards::default()
    };
    let options = PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        creator: Smart::Custom(Some(format!("kaohe {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(Timestamp::new_utc(datetime)),
        standards,
        ..PdfOptions::default()
    };
    // Landscape pages go onto portrait paper, turned (see `turn`).
    let turned = turn::portrait(doc);
    let doc = turned.as_ref().map_or(doc, |(d, _)| d);
    let bytes = typst_pdf::pdf(doc, &options).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(|e| e.message.to_string()).collect();
        failed!("{name}: 导出 PDF 失败：{}", msgs.join("；"))
    })?;
    match &turned {
        Some((_, pages)) => turn::rotate_for_screen(&bytes, pages, name),
        None => Ok(bytes),
    }
}
