//! Typesetting: the shared Typst engine, the data each document receives,
//! and PDF export. Rendering knows nothing of how a score was reached.

pub mod docx;
pub mod engine;
pub mod seal;

/// The document model's builders, where the commands have always found them.
pub use crate::doc::{build as docs, prose};

use crate::error::Result;
use crate::failed;
use chrono::{Datelike, NaiveDate};
use std::path::{Path, PathBuf};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use engine::{Engine, Template};

/// Finds the fonts folder: `--fonts`, then `KAOHE_FONTS`, then `./fonts`,
/// then the project folder kaohe was built from. Says where it looked.
pub fn font_dir(option: Option<&Path>) -> Result<PathBuf> {
    let mut tried = Vec::new();
    let mut candidates: Vec<(String, PathBuf)> = Vec::new();
    if let Some(p) = option {
        candidates.push(("--fonts".into(), p.to_path_buf()));
    } else {
        if let Some(p) = std::env::var_os("KAOHE_FONTS") {
            candidates.push(("环境变量 KAOHE_FONTS".into(), PathBuf::from(p)));
        }
        candidates.push(("当前目录".into(), PathBuf::from("fonts")));
        candidates.push((
            "kaohe 项目目录".into(),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"),
        ));
    }
    for (how, p) in candidates {
        if p.is_dir() {
            return Ok(p);
        }
        tried.push(format!("{}（{how}）", p.display()));
    }
    Err(failed!(
        "找不到字体目录。已查找：{}。请用 --fonts DIR 或环境变量 KAOHE_FONTS 指定存放字体的目录。",
        tried.join("，")
    ))
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
    typst_pdf::pdf(doc, &options).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(|e| e.message.to_string()).collect();
        failed!("{name}: 导出 PDF 失败：{}", msgs.join("；"))
    })
}
