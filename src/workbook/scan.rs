//! Which files of the inputs are read as returned forms. A folder is read
//! one level deep; every file in it that is not read is named, with why.

use super::ingest::Problem;
use crate::error::{os, printable};
use crate::failed;
use std::path::{Path, PathBuf};

/// The extensions read as workbooks: Excel (.xlsx, .xlsm with macros,
/// .xls), WPS (.et) and LibreOffice (.ods).
pub const READ: &[&str] = &["xlsx", "xlsm", "xls", "et", "ods"];

/// The inputs, expanded.
pub struct Scan {
    /// The workbooks to read, folder contents sorted by name.
    pub files: Vec<PathBuf>,
    /// One warning for each file of a folder that is not read.
    pub skipped: Vec<Problem>,
    /// Folders that held no workbook.
    pub empty: Vec<PathBuf>,
}

/// Expands folders into the workbooks they hold; names every other entry.
pub fn scan(inputs: &[PathBuf]) -> crate::Result<Scan> {
    let mut out = Scan {
        files: Vec::new(),
        skipped: Vec::new(),
        empty: Vec::new(),
    };
    for p in inputs {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| {
                    failed!(
                        "{}: 无法读取文件夹：{}",
                        printable(&p.display().to_string()),
                        os(&e)
                    )
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            let before = out.files.len();
            for f in entries {
                match why_not_read(&f) {
                    None => out.files.push(f),
                    Some(why) => out.skipped.push(Problem::file(
                        &f.display().to_string(),
                        format!("未读取：{why}"),
                        false,
                    )),
                }
            }
            if out.files.len() == before {
                out.empty.push(p.clone());
            }
        } else if p.exists() {
            out.files.push(p.clone());
        } else {
            return Err(failed!(
                "{}: 没有这个文件或文件夹",
                printable(&p.display().to_string())
            )
            .hint(
                "请检查文件名；要检查一个文件夹中的全部评分表，写文件夹名，如 kaohe check 交回",
            ));
        }
    }
    Ok(out)
}

/// Why a folder entry is not read as a returned form; `None` when it is.
pub fn why_not_read(p: &Path) -> Option<String> {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if p.is_dir() {
        return Some(
            "这是子文件夹，其中的文件不读取；要检查它们，请把这个文件夹也写在命令行上".into(),
        );
    }
    if name.starts_with("~$") {
        return Some("这是 Excel 或 WPS 打开文件时留下的临时文件".into());
    }
    if name.starts_with(".~lock") {
        return Some("这是 LibreOffice 打开文件时留下的锁定文件".into());
    }
    if name.starts_with('.') {
        return Some("这是隐藏文件".into());
    }
    let ext = p
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if READ.contains(&ext.as_str()) {
        return None;
    }
    Some(match ext.as_str() {
        "docx" | "doc" | "wps" => "这是 Word 或 WPS 文字文档，不是评分表".into(),
        "pdf" => "这是 PDF 文件，不是评分表；请交回 Excel、WPS 或 LibreOffice 的表格文件".into(),
        "csv" => "这是 CSV 文本文件，不是评分表；请交回下发的表格文件".into(),
        "zip" | "rar" | "7z" => "这是压缩包；请解压后把其中的评分表放进文件夹".into(),
        _ => format!(
            "不是评分表（只读取 {}）",
            READ.iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join("、")
        ),
    })
}
