//! 《使用说明》: the office's flow step by step, typeset by kaohe itself from
//! the built-in template `templates/manual.typ` with the built-in fonts only,
//! so that the same program prints the same PDF everywhere (the release
//! archives carry it beside the program).

use super::{Engine, Template};
use crate::error::Result;
use crate::failed;
use typst::foundations::Smart;
use typst_pdf::PdfOptions;

/// The manual's file name, as the release archives carry it.
pub const FILE_NAME: &str = "使用说明.pdf";

/// The manual as PDF bytes: the same for the same program. No font folder
/// (`--fonts`, `KAOHE_FONTS`) is read, and the PDF carries no timestamp.
pub fn pdf() -> Result<Vec<u8>> {
    let engine = Engine::new(&[], None)?;
    let version = env!("CARGO_PKG_VERSION");
    let data = serde_json::json!({ "version": version });
    let doc = engine.layout(Template::Manual, &data, FILE_NAME)?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("kaohe-{version}/{FILE_NAME}")),
        creator: Smart::Custom(Some(format!("kaohe {version}"))),
        timestamp: None,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&doc, &options).map_err(|errs| {
        let msgs: Vec<String> = errs.iter().map(|e| e.message.to_string()).collect();
        failed!("{FILE_NAME}: 导出 PDF 失败：{}", msgs.join("；"))
    })
}
