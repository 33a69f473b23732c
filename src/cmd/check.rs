//! `kaohe check FILE...`: validation only; every problem, each with its cell.

use super::Ctx;
use crate::campaign::{Limits, Loaded};
use crate::error::Result;
use crate::failed;
use crate::workbook::ingest::{self, Filled, Problem};
use crate::workbook::layout::FormKind;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Reads every form; also reports two forms for one unit.
pub fn read_all(l: &Loaded, files: &[PathBuf]) -> (Vec<Filled>, Vec<Problem>) {
    read_all_opts(l, files, ingest::Options::default())
}

/// As [`read_all`], with `opts`. A returned 问题整改清单 among the files is
/// not a scoring form: it is an error here (see [`read_all_lists`]).
pub fn read_all_opts(
    l: &Loaded,
    files: &[PathBuf],
    opts: ingest::Options,
) -> (Vec<Filled>, Vec<Problem>) {
    let (forms, lists, mut problems) = read_all_lists(l, files, opts);
    problems.extend(lists.iter().map(not_a_scoring_form));
    (forms, problems)
}

/// The error for a 问题整改清单 given where scoring forms are read.
fn not_a_scoring_form(list: &Filled) -> Problem {
    Problem::file(
        &list.file,
        format!("这是{}的问题整改清单，不是评分表，不参与评分", list.unit),
        true,
    )
    .with_hint("请把整改清单放在评分表以外的文件夹中；用 kaohe check 检查整改清单是否填写完整")
}

/// Reads every file: the scoring forms, the returned 问题整改清单 (read and
/// checked apart), and every problem, also two forms for one unit.
pub fn read_all_lists(
    l: &Loaded,
    files: &[PathBuf],
    opts: ingest::Options,
) -> (Vec<Filled>, Vec<Filled>, Vec<Problem>) {
    let results: Vec<(Option<Filled>, Vec<Problem>)> = files
        .par_iter()
        .map(|f| {
            crate::timing::time(crate::timing::Stage::Ingest, || {
                match survives(f, &l.campaign.limits) {
                    Ok(()) => ingest::read_opts(f, l, opts),
                    Err(message) => (
                        None,
                        vec![Problem {
                            file: f.display().to_string(),
                            sheet: None,
                            cell: None,
                            message,
                            error: true,
                            hint: None,
                        }],
                    ),
                }
            })
        })
        .collect();
    let mut forms = Vec::new();
    let mut lists = Vec::new();
    let mut problems = Vec::new();
    for (f, p) in results {
        problems.extend(p);
        match f {
            Some(f) if f.kind == FormKind::Rectify => lists.push(f),
            Some(f) => forms.push(f),
            None => {}
        }
    }
    // Two versions of one sheet, and assessors who disagree where they
    // must agree: reported here, so `check` shows what `score` would stop on.
    problems.extend(crate::assess::combine(l, &forms).1);
    (forms, lists, problems)
}

/// calamine reads .xls and .ods whole, sized by what the file declares (a
/// few kilobytes can ask for a terabyte), and a failed allocation aborts the
/// process instead of returning an error. So every form is first read by a
/// child kaohe (`kaohe __ingest`) under a memory and CPU limit; only a form
/// that child survives is read here.
fn survives(file: &Path, limits: &Limits) -> std::result::Result<(), String> {
    // A file over the size limit is refused by its size, without reading.
    if std::fs::metadata(file).is_ok_and(|m| m.len() > limits.max_file_bytes) {
        return Ok(());
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    if !ingest::needs_isolation(&head[..n]) {
        return Ok(());
    }
    let Ok(exe) = std::env::current_exe() else {
        return Ok(());
    };
    let status = std::process::Command::new(exe)
        .arg("__ingest")
        .arg(serde_json::to_string(limits).expect("limits serialise"))
        .arg(file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => Err(format!(
            "读取时超出内存（{} MB）或时间上限，拒绝读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再提交（上限可在考核方案 [limits] max_memory_bytes 中调整）",
            limits.max_memory_bytes >> 20
        )),
        // No child could be started: read here as before.
        Err(_) => Ok(()),
    }
}

/// `kaohe __ingest LIMITS FILE`: reads one workbook's sheets under a memory
/// and CPU limit, for [`survives`]; exits 0 when the reading came to an end.
pub fn ingest_child(limits: &str, file: &Path) -> Result<()> {
    let limits: Limits = serde_json::from_str(limits).map_err(|e| failed!("{e}"))?;
    crate::os::limit_this_process(limits.max_memory_bytes, 60);
    let bytes = std::fs::read(file)
        .map_err(|e| failed!("{}: {e}", file.display(), e = crate::error::os(&e)))?;
    ingest::probe(&bytes, &limits);
    Ok(())
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
    /// Returned 问题整改清单, complete (the incomplete ones are errors).
    pub lists: Vec<Filled>,
    pub errors: usize,
    pub warnings: usize,
    /// The forms whose rubric changed after they went out and were scored
    /// against the new one (`--accept-changed-rubric`): file and changes.
    pub rubric_changes: Vec<(String, String)>,
}

/// Loads the campaign, reads every input and prints each problem.
pub fn check_inputs(ctx: &Ctx, inputs: &[PathBuf]) -> Result<Checked> {
    let loaded = ctx.load()?;
    let scan = crate::workbook::scan::scan(inputs)?;
    print(&scan.skipped);
    if let Some(p) = scan.empty.first() {
        return Err(failed!(
            "{}: 目录中没有评分表（.xlsx/.xlsm/.xls/.et/.ods）",
            p.display()
        ));
    }
    let files = scan.files;
    let opts = ingest::Options {
        accept_changed_rubric: ctx.accept_changed_rubric,
    };
    let (forms, lists, problems) = read_all_lists(&loaded, &files, opts);
    print(&problems);
    let errors = problems.iter().filter(|p| p.error).count();
    let rubric_changes = problems
        .iter()
        .filter(|p| !p.error && p.message.starts_with(ingest::RUBRIC_CHANGED))
        .map(|p| (p.file.clone(), p.message.clone()))
        .collect();
    Ok(Checked {
        loaded,
        files,
        forms,
        lists,
        errors,
        warnings: problems.len() - errors + scan.skipped.len(),
        rubric_changes,
    })
}

/// Scoring commands read scoring forms only: a 问题整改清单 among them is
/// an error naming it.
pub fn no_lists(c: &Checked) -> Result<()> {
    if c.lists.is_empty() {
        return Ok(());
    }
    print(&c.lists.iter().map(not_a_scoring_form).collect::<Vec<_>>());
    Err(failed!(
        "有 {} 份问题整改清单混在评分表中，未生成任何结果",
        c.lists.len()
    ))
}

pub fn run(ctx: &Ctx, inputs: &[PathBuf]) -> Result<()> {
    let c = check_inputs(ctx, inputs)?;
    for list in &c.lists {
        ctx.say(&format!(
            "{}: {}的问题整改清单，{} 条问题的整改措施、责任人和完成时限均已填写",
            crate::error::printable(&list.file),
            list.unit,
            list.entries.len()
        ));
    }
    let (errors, warnings) = (c.errors, c.warnings);
    if errors > 0 {
        return Err(failed!(
            "检查了 {} 个文件：{errors} 个错误，{warnings} 个警告",
            c.files.len()
        ));
    }
    if c.lists.is_empty() {
        ctx.say(&format!(
            "检查了 {} 个文件，{} 份评分表无错误（{warnings} 个警告）",
            c.files.len(),
            c.forms.len()
        ));
    } else {
        ctx.say(&format!(
            "检查了 {} 个文件，{} 份评分表、{} 份问题整改清单无错误（{warnings} 个警告）",
            c.files.len(),
            c.forms.len(),
            c.lists.len()
        ));
    }
    Ok(())
}
