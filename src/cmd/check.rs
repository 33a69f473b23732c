//! `kaohe check FILE...`: validation only; every problem, each with its cell.

use super::Ctx;
use crate::campaign::Loaded;
use crate::error::Result;
use crate::failed;
use crate::workbook::ingest::{self, Filled, Problem};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Expands folders into the workbooks they hold, sorted by name; skips the
/// lock and backup files office suites leave beside open documents.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| failed!("{}: 无法读取目录：{e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && is_workbook(f))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(failed!(
                    "{}: 目录中没有评分表（.xlsx/.xls/.ods）",
                    p.display()
                ));
            }
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(failed!("{}: 文件不存在", p.display()));
        }
    }
    Ok(out)
}

fn is_workbook(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = p
        .extension()
        .and_then(|x| x.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "xlsx" | "xls" | "ods")
        && !name.starts_with("~$")
        && !name.starts_with(".~lock")
}

/// Reads every form; also reports two forms for one unit.
pub fn read_all(l: &Loaded, files: &[PathBuf]) -> (Vec<Filled>, Vec<Problem>) {
    let results: Vec<(Option<Filled>, Vec<Problem>)> = files
        .par_iter()
        .map(|f| crate::timing::time(crate::timing::Stage::Ingest, || ingest::read(f, l)))
        .collect();
    let mut forms = Vec::new();
    let mut problems = Vec::new();
    for (f, p) in results {
        problems.extend(p);
        forms.extend(f);
    }
    let mut by_unit: BTreeMap<&str, &str> = BTreeMap::new();
    for f in &forms {
        if let Some(first) = by_unit.insert(&f.unit, &f.file) {
            problems.push(Problem {
                file: f.file.clone(),
                sheet: None,
                cell: None,
                message: format!(
                    "与 {first} 是同一单位（{}）的评分表，每个单位只能提交一份",
                    f.unit
                ),
                error: true,
            });
        }
    }
    (forms, problems)
}

pub fn print(problems: &[Problem]) {
    for p in problems {
        eprintln!("{p}");
    }
}

/// The forms of the inputs, read and checked, with their problems printed.
pub struct Checked {
    pub loaded: Loaded,
    pub files: Vec<PathBuf>,
    pub forms: Vec<Filled>,
    pub errors: usize,
    pub warnings: usize,
}

/// Loads the campaign, reads every input and prints each problem.
pub fn check_inputs(ctx: &Ctx, inputs: &[PathBuf]) -> Result<Checked> {
    let loaded = ctx.load()?;
    let files = expand(inputs)?;
    let (forms, problems) = read_all(&loaded, &files);
    print(&problems);
    let errors = problems.iter().filter(|p| p.error).count();
    Ok(Checked {
        loaded,
        files,
        forms,
        errors,
        warnings: problems.len() - errors,
    })
}

pub fn run(ctx: &Ctx, inputs: &[PathBuf]) -> Result<()> {
    let c = check_inputs(ctx, inputs)?;
    let (errors, warnings) = (c.errors, c.warnings);
    if errors > 0 {
        return Err(failed!(
            "检查了 {} 个文件：{errors} 个错误，{warnings} 个警告",
            c.files.len()
        ));
    }
    ctx.say(&format!(
        "检查了 {} 个文件，{} 份评分表无错误（{warnings} 个警告）",
        c.files.len(),
        c.forms.len()
    ));
    Ok(())
}
