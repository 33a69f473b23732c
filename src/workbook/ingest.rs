//! Reading filled forms back (calamine: .xlsx, .xls, .ods). Rows are found by
//! their `编号` code, not by position, so a re-saved, re-styled or re-sorted
//! sheet still reads. Every problem is collected, each naming its cell.

use super::*;
use crate::campaign::{Limits, Loaded};
use crate::error::printable;
use crate::points::Pts;
use crate::rubric::{Deduction, ItemKind, Rubric};
use calamine::{Data, DataRef, Range, Reader, Sheets};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

/// One problem in one file, shown as `file: sheet!cell: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub message: String,
    /// Errors stop scoring; warnings are shown and scoring goes on.
    pub error: bool,
    /// What to do about it, shown on its own `提示：` line.
    pub hint: Option<String>,
}

impl Problem {
    /// A problem with the whole file.
    pub fn file(file: &str, message: String, error: bool) -> Problem {
        Problem {
            file: file.to_string(),
            sheet: None,
            cell: None,
            message,
            error,
            hint: None,
        }
    }

    /// The same problem with `hint` as its remedy.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.error { "错误" } else { "警告" };
        // File names, sheet names and cell text come from the file: shown
        // without the control characters that would drive a terminal.
        let (file, message) = (printable(&self.file), printable(&self.message));
        match (&self.sheet, &self.cell) {
            (Some(s), Some(c)) => write!(f, "{file}: {}!{c}: {kind}：{message}", printable(s)),
            (Some(s), None) => write!(f, "{file}: {}: {kind}：{message}", printable(s)),
            _ => write!(f, "{file}: {kind}：{message}"),
        }?;
        match &self.hint {
            Some(h) => write!(f, "\n提示：{}", printable(h)),
            None => Ok(()),
        }
    }
}

/// What a unit entered on one rule's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 扣分 (or bonus points) as entered; zero when left empty.
    pub amount: Pts,
    /// 是 on the veto row.
    pub veto: bool,
    pub reason: String,
}

/// A filled form that was read without errors.
#[derive(Clone, Debug)]
pub struct Filled {
    pub file: String,
    pub sha256: String,
    pub unit: String,
    pub rubric: String,
    /// By rule code (`N-k`).
    pub entries: BTreeMap<String, Entry>,
}

/// The A1 name of a 0-based cell.
pub fn a1(row: u32, col: u32) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        letters.push((b'A' + ((c - 1) % 26) as u8) as char);
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

/// Reads `text` the way the person meant it: full-width digits and point,
/// spaces, a trailing 分. `None` when it is not a plain number.
pub fn parse_number_text(text: &str) -> Option<Pts> {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '０'..='９' => s.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32)?),
            '．' | '。' => s.push('.'),
            '－' | '−' => s.push('-'),
            '＋' => s.push('+'),
            c => s.push(c),
        }
    }
    // Spaces around the number and before 分 are fine; inside it ("0.5 1")
    // the meaning is unclear, so it is not a number.
    let s = s.trim();
    let s = s.strip_suffix('分').unwrap_or(s).trim_end();
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    Pts::parse(s)
}

pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
    pub(crate) sheet: String,
    pub(crate) problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn at(&mut self, row: u32, col: u32, error: bool, message: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            sheet: Some(self.sheet.clone()),
            cell: Some(a1(row, col)),
            message,
            error,
            hint: None,
        });
    }
}

impl Ctx<'_> {
    /// Gives the last problem `hint` as its remedy.
    fn hint(&mut self, hint: impl Into<String>) {
        if let Some(p) = self.problems.last_mut() {
            p.hint = Some(hint.into());
        }
    }
}

/// The unit of the campaign the file is named after (`市公安局.xlsx`),
/// if any.
fn named_unit<'a>(file: &str, l: &'a Loaded) -> Option<&'a str> {
    let stem = Path::new(file).file_stem()?.to_str()?.trim();
    l.campaign
        .units
        .iter()
        .find(|u| u.name == stem || safe_file_name(&u.name) == stem)
        .map(|u| u.name.as_str())
}

fn whole(file: &str, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        sheet: None,
        cell: None,
        message,
        error: true,
        hint: None,
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// An Excel date serial as the date a person typed ("2018-11-14"), with the
/// time when there is one.
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    if !serial.is_finite() || !(0.0..=2_958_465.0).contains(&serial) {
        return serial.to_string();
    }
    let days = serial.trunc() as i64;
    let secs = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let date = base + chrono::Duration::days(days);
    if secs == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::seconds(secs);
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The file's kind from its first bytes, or a message saying what it is not.
fn sniff(bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("文件是空的（0 字节）".into());
    }
    if bytes.starts_with(b"%PDF") {
        return Err(
            "这是 PDF 文件，不是表格文件；请提交 Excel、WPS 或 LibreOffice 保存的评分表".into(),
        );
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        let needle: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
            return Err(PASSWORD.into());
        }
        return Ok(());
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    Err("不是 Excel、WPS 或 LibreOffice 表格文件（.xlsx/.xls/.ods）".into())
}

/// Refuses a zip whose parts would inflate past the limit, before reading it.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| "文件已损坏，无法打开（不是完整的表格文件）".to_string())?;
    if zip.len() > 10_000 {
        return Err(format!("文件包含 {} 个部件，不是正常的评分表", zip.len()));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|_| "文件已损坏（其中的部件无法读取）".to_string())?;
        total = total.saturating_add(f.size());
        if f.compressed_size() > 0
            && f.size() / f.compressed_size().max(1) > 1000
            && f.size() > 1 << 20
        {
            return Err(format!(
                "文件中的 {} 解压后异常膨胀（压缩炸弹），拒绝读取",
                f.name().unwrap_or_default()
            ));
        }
    }
    if total > limits.max_unpacked_bytes {
        return Err(format!(
            "文件解压后共 {} MB，超过上限 {} MB（可在考核方案 [limits] max_unpacked_bytes 中调整）",
            total >> 20,
            limits.max_unpacked_bytes >> 20
        ));
    }
    Ok(())
}

/// Reads one filled form. Returns the form when it has no errors, and every
/// problem (errors and warnings) found in it.
pub fn read(path: &Path, l: &Loaded) -> (Option<Filled>, Vec<Problem>) {
    read_opts(path, l, Options::default())
}

/// As [`read`], with `opts`.
pub fn read_opts(path: &Path, l: &Loaded, opts: Options) -> (Option<Filled>, Vec<Problem>) {
    let file = path.display().to_string();
    let limits = &l.campaign.limits;
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return (
                None,
                vec![whole(
                    &file,
                    format!("无法读取文件：{}", crate::error::os(&e)),
                )],
            );
        }
    };
    if meta.len() > limits.max_file_bytes {
        return (
            None,
            vec![whole(
                &file,
                format!(
                    "文件有 {} MB，超过上限 {} MB（可在考核方案 [limits] max_file_bytes 中调整）",
                    meta.len() >> 20,
                    limits.max_file_bytes >> 20
                ),
            )],
        );
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                None,
                vec![whole(
                    &file,
                    format!("无法读取文件：{}", crate::error::os(&e)),
                )],
            );
        }
    };
    read_bytes_opts(&bytes, &file, l, opts)
}

/// How forms are read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Score a form whose rubric was edited after it went out against the
    /// new rubric (`--accept-changed-rubric`), with a warning listing the
    /// changes, instead of refusing it.
    pub accept_changed_rubric: bool,
}

/// The start of the message about a rubric edited after its forms went out.
pub const RUBRIC_CHANGED: &str = "考核细则在这份评分表下发后被修改过";

pub fn read_bytes(bytes: &[u8], file: &str, l: &Loaded) -> (Option<Filled>, Vec<Problem>) {
    read_bytes_opts(bytes, file, l, Options::default())
}

pub fn read_bytes_opts(
    bytes: &[u8],
    file: &str,
    l: &Loaded,
    opts: Options,
) -> (Option<Filled>, Vec<Problem>) {
    if let Err(m) = sniff(bytes) {
        return (None, vec![whole(file, m)]);
    }
    if bytes.starts_with(b"PK")
        && let Err(m) = check_zip(bytes, &l.campaign.limits)
    {
        return (None, vec![whole(file, m)]);
    }
    TRACE.with(|t| *t.borrow_mut() = Trace::default());
    read_workbook(bytes, file, l, opts)
}

/// What a file is reported as when calamine panicked reading it.
const DAMAGED: &str = "文件已损坏，无法读取";

/// What the last `read_bytes` on this thread went through: where calamine
/// panicked (each panic caught and reported as a damaged file), and whether
/// the rows of the scoring sheet were reached. For tests and diagnostics.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// `file:line:column` of each panic caught inside a call into calamine.
    pub calamine_panics: Vec<String>,
    /// The file got past the checks on its container and was handed to
    /// calamine to open.
    pub opened: bool,
    /// The metadata, the unit and the rubric were accepted and the rows of
    /// the scoring sheet were read.
    pub reached_rows: bool,
}

thread_local! {
    static TRACE: std::cell::RefCell<Trace> = std::cell::RefCell::default();
    static IN_CALAMINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The trace of the last `read_bytes` on this thread.
pub fn last_trace() -> Trace {
    TRACE.with(|t| t.borrow().clone())
}

/// A panic caught inside calamine; its location is in the [`Trace`].
struct CalaminePanicked;

/// Runs one call into calamine. calamine is not meant to panic, but a
/// damaged file must never take the whole run down: a panic inside it is
/// caught, its location recorded, and the file reported as damaged. Only
/// calls into calamine go through here, so a panic in kaohe's own reading
/// code is never mistaken for a damaged file.
fn calamine<T>(f: impl FnOnce() -> T) -> Result<T, CalaminePanicked> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALAMINE.with(std::cell::Cell::get) {
                // Recorded, and not printed: it is reported as a damaged file.
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_default();
                TRACE.with(|t| t.borrow_mut().calamine_panics.push(at));
            } else {
                previous(info);
            }
        }));
    });
    let outer = IN_CALAMINE.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_CALAMINE.with(|c| c.set(outer));
    result.map_err(|_| CalaminePanicked)
}

/// Opens the workbook as what its first bytes say it is. calamine's
/// auto-detection tries every format and keeps none of their errors, so a
/// password-protected .xls would only be "Cannot detect file format".
fn open(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, String> {
    // calamine's reason is in English: the person is told what to do instead.
    let damaged = |_: &dyn fmt::Display| {
        "文件已损坏或格式不受支持，无法打开；请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再提交".to_string()
    };
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return match calamine(|| calamine::Xls::new(Cursor::new(bytes))) {
            Ok(Ok(x)) => Ok(Sheets::Xls(x)),
            Ok(Err(calamine::XlsError::Password)) => Err(PASSWORD.into()),
            Ok(Err(e)) => Err(damaged(&e)),
            Err(CalaminePanicked) => Err(DAMAGED.into()),
        };
    }
    match calamine(|| calamine::open_workbook_auto_from_rs(Cursor::new(bytes))) {
        Ok(r) => r.map_err(|e| damaged(&e)),
        Err(CalaminePanicked) => Err(DAMAGED.into()),
    }
}

/// Reads one sheet, and the cells that hold a formula without a stored
/// result. For .xlsx the cells are streamed and counted first, so that a
/// sheet whose used area no scoring form has (a single cell at XFD1048576
/// spans 17 billion cells) is refused before anything is allocated for it.
fn sheet_range(
    wb: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    limits: &Limits,
) -> Result<SheetCells, SheetError> {
    let Sheets::Xlsx(x) = wb else {
        return calamine(|| wb.worksheet_range(name))?
            .map(|range| SheetCells {
                range,
                no_value: Vec::new(),
            })
            .map_err(|_| SheetError::Unreadable);
    };
    let mut reader =
        calamine(|| x.worksheet_cells_reader(name))?.map_err(|_| SheetError::Unreadable)?;
    let max_cells = u64::from(limits.max_rows) * MAX_COLUMNS;
    let (mut cells, mut no_value) = (Vec::new(), Vec::new());
    let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0, u32::MAX, 0);
    while let Some(c) =
        calamine(|| reader.next_cell_with_formula())?.map_err(|_| SheetError::Unreadable)?
    {
        let formula = c.formula.as_deref().is_some_and(|f| !f.is_empty());
        if matches!(c.value, DataRef::Empty) && !formula {
            continue;
        }
        let (r, k) = c.pos;
        (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(k), c1.max(k));
        if matches!(c.value, DataRef::Empty) {
            no_value.push(c.pos);
        } else if (cells.len() as u64) < max_cells {
            cells.push(calamine::Cell::new(
                c.pos,
                calamine(|| Data::from(c.value))?,
            ));
        } else {
            return Err(SheetError::TooBig(format!(
                "工作表的内容超过 {max_cells} 个单元格，不是正常的评分表"
            )));
        }
    }
    if r0 <= r1 {
        let (rows, cols) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
        if rows > u64::from(limits.max_rows) {
            return Err(SheetError::TooBig(format!(
                "工作表有 {rows} 行，超过上限 {} 行，不是正常的评分表",
                limits.max_rows
            )));
        }
        if cols > MAX_COLUMNS {
            return Err(SheetError::TooBig(format!(
                "工作表有 {cols} 列，超过上限 {MAX_COLUMNS} 列，不是正常的评分表"
            )));
        }
    }
    Ok(SheetCells {
        range: calamine(|| Range::from_sparse(cells))?,
        no_value,
    })
}

/// A sheet's cells, and the cells holding a formula without a stored result.
struct SheetCells {
    range: Range<Data>,
    no_value: Vec<(u32, u32)>,
}

enum SheetError {
    Unreadable,
    TooBig(String),
    Panicked,
}

impl From<CalaminePanicked> for SheetError {
    fn from(_: CalaminePanicked) -> Self {
        SheetError::Panicked
    }
}

/// More columns than any scoring form has.
const MAX_COLUMNS: u64 = 256;

const PASSWORD: &str = "文件设置了打开密码，无法读取；请取消密码后重新保存提交";

/// Whether calamine reads this kind of file whole, sized by what the file
/// declares (.xls and .ods): such files are first read by a child process
/// under a memory limit (see `cmd::check`). Kaohe's own .xlsx forms are
/// streamed and checked here, and need no child.
pub fn needs_isolation(head: &[u8]) -> bool {
    head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
        || (head.starts_with(b"PK\x03\x04") && head.get(30..38) == Some(b"mimetype"))
}

/// Opens a workbook and reads every sheet, as `read` would, and nothing
/// else: what the child process does to see whether reading survives.
/// A panic inside calamine is not a resource limit: it is caught, and the
/// parent's own reading reports the file as damaged.
pub fn probe(bytes: &[u8], limits: &Limits) {
    if sniff(bytes).is_err() {
        return;
    }
    if let Ok(mut wb) = open(bytes)
        && let Ok(names) = calamine(|| wb.sheet_names())
    {
        for name in names {
            let _ = sheet_range(&mut wb, &name, limits);
        }
    }
}

/// The unit a form names on its hidden metadata sheet, read through the
/// same guarded calls into calamine as [`read`]: the workbench files a form
/// that has errors under that unit. Only for a form [`read`] already took
/// to its cells (past the size, zip-bomb and isolation checks).
pub fn meta_unit(bytes: &[u8], limits: &Limits) -> Option<String> {
    sniff(bytes).ok()?;
    let mut wb = open(bytes).ok()?;
    let cells = sheet_range(&mut wb, META_SHEET, limits).ok()?;
    cells
        .range
        .rows()
        .take(50)
        .find_map(|r| (cell_text(r.first()?) == META_UNIT).then(|| r.get(1).map(cell_text))?)
}

fn read_workbook(
    bytes: &[u8],
    file: &str,
    l: &Loaded,
    opts: Options,
) -> (Option<Filled>, Vec<Problem>) {
    let limits = &l.campaign.limits;
    TRACE.with(|t| t.borrow_mut().opened = true);
    let mut wb = match open(bytes) {
        Ok(wb) => wb,
        Err(m) => return (None, vec![whole(file, m)]),
    };
    let Ok(names) = calamine(|| wb.sheet_names()) else {
        return (None, vec![whole(file, DAMAGED.into())]);
    };
    let mut problems = Vec::new();
    // The metadata sheet, if it survived.
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    let mut meta_unit_row = 0u32;
    let meta_cells = if names.iter().any(|n| n == META_SHEET) {
        match sheet_range(&mut wb, META_SHEET, limits) {
            Err(SheetError::Panicked) => return (None, vec![whole(file, DAMAGED.into())]),
            r => r.ok(),
        }
    } else {
        None
    };
    if let Some(SheetCells { range, .. }) = meta_cells {
        let r0 = range.start().map(|(r, _)| r).unwrap_or(0);
        for (i, row) in range.rows().take(50).enumerate() {
            if let (Some(k), Some(v)) = (row.first(), row.get(1)) {
                if cell_text(k) == META_UNIT {
                    meta_unit_row = r0 + i as u32;
                }
                meta.insert(cell_text(k), cell_text(v));
            }
        }
    }
    // The scoring sheet: by name, else the first sheet with the headings.
    let mut found: Option<(String, SheetCells, u32, [u32; 3])> = None;
    let mut order: Vec<&String> = names.iter().filter(|n| *n == SCORING_SHEET).collect();
    order.extend(
        names
            .iter()
            .filter(|n| *n != SCORING_SHEET && *n != META_SHEET),
    );
    for name in order {
        let cells = match sheet_range(&mut wb, name, limits) {
            Ok(cells) => cells,
            Err(SheetError::Unreadable) => continue,
            Err(SheetError::Panicked) => return (None, vec![whole(file, DAMAGED.into())]),
            Err(SheetError::TooBig(message)) => {
                return (
                    None,
                    vec![Problem {
                        file: file.into(),
                        sheet: Some(name.clone()),
                        cell: None,
                        message,
                        error: true,
                        hint: None,
                    }],
                );
            }
        };
        if let Some((hr, cols)) = find_header(&cells.range) {
            found = Some((name.clone(), cells, hr, cols));
            break;
        }
    }
    let Some((sheet, SheetCells { range, no_value }, header_row, [c_code, c_deduct, c_reason])) =
        found
    else {
        let msg = if names.iter().any(|n| n == SCORING_SHEET) {
            format!(
                "“{SCORING_SHEET}”工作表中找不到“{H_CODE}”“{H_DEDUCT}”“{H_REASON}”表头行，表格结构被改动"
            )
        } else {
            format!(
                "找不到“{SCORING_SHEET}”工作表（文件中的工作表：{}），不是本次考核的评分表",
                names.join("、")
            )
        };
        return (None, vec![whole(file, msg)]);
    };
    if sheet != SCORING_SHEET {
        problems.push(Problem {
            file: file.into(),
            sheet: Some(sheet.clone()),
            cell: None,
            message: format!("评分工作表被改名为“{sheet}”，已按表头识别"),
            error: false,
            hint: None,
        });
    }
    if range.height() > limits.max_rows as usize {
        return (
            None,
            vec![Problem {
                file: file.into(),
                sheet: Some(sheet),
                cell: None,
                message: format!(
                    "工作表有 {} 行，超过上限 {} 行，不是正常的评分表",
                    range.height(),
                    limits.max_rows
                ),
                error: true,
                hint: None,
            }],
        );
    }
    let mut cx = Ctx {
        file,
        sheet,
        problems,
    };
    let (r0, c0) = range.start().unwrap_or((0, 0));

    // A form of another campaign is said to be so before anything else.
    if !meta.is_empty() {
        let campaign = meta.get(META_CAMPAIGN).map(String::as_str).unwrap_or("");
        if campaign != l.campaign.id {
            cx.problems.push(
                whole(
                    file,
                    format!(
                        "这是考核“{campaign}”的评分表，不是本次考核（{}）的",
                        l.campaign.id
                    ),
                )
                .with_hint(format!(
                    "可能是在错误的考核文件夹中运行，或忘了 --campaign（本次用的考核方案：{}）；也可能是单位交回了往年的评分表",
                    l.source
                )),
            );
            return (None, cx.problems);
        }
    }
    // Which unit: from the metadata, else from the "被考核单位：" line; the
    // cell it came from is named if the unit is unknown.
    let from_meta = meta
        .get(META_UNIT)
        .map(|u| (u.clone(), META_SHEET.to_string(), a1(meta_unit_row, 1)));
    let from_sheet = || {
        range
            .rows()
            .take(header_row as usize)
            .enumerate()
            .find_map(|(i, row)| {
                row.iter().enumerate().find_map(|(j, d)| {
                    cell_text(d).strip_prefix("被考核单位：").map(|s| {
                        (
                            s.trim().to_string(),
                            cx.sheet.clone(),
                            a1(r0 + i as u32, c0 + j as u32),
                        )
                    })
                })
            })
    };
    let found_unit = from_meta.or_else(from_sheet);
    let Some((unit_name, unit_sheet, unit_cell)) = found_unit.filter(|(u, _, _)| !u.is_empty())
    else {
        cx.problems.push(whole(
            file,
            "找不到被考核单位名称（隐藏的 kaohe 工作表和“被考核单位：”一行都不在）".into(),
        ));
        return (None, cx.problems);
    };
    let Some(unit) = l.unit(&unit_name) else {
        cx.problems.push(Problem {
            file: file.into(),
            sheet: Some(unit_sheet),
            cell: Some(unit_cell),
            message: format!(
                "被考核单位“{unit_name}”不在本次考核（{}）的单位名单中",
                l.campaign.id
            ),
            error: true,
            hint: None,
        });
        return (None, cx.problems);
    };
    if let Some(other) = named_unit(file, l).filter(|o| *o != unit.name) {
        cx.problems.push(
            whole(
                file,
                format!("文件名是“{other}”，但表内的被考核单位是“{}”", unit.name),
            )
            .with_hint(format!(
                "可能交错了文件或改错了文件名：请向{other}和{}核实，换成正确的评分表或改正文件名后重新检查",
                unit.name
            )),
        );
        return (None, cx.problems);
    }
    let rubric = l.rubric(&unit.rubric);
    if meta.is_empty() {
        cx.problems.push(Problem {
            file: file.into(),
            sheet: None,
            cell: None,
            message: "隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别".into(),
            error: false,
            hint: None,
        });
    } else {
        let rid = meta.get(META_RUBRIC).map(String::as_str).unwrap_or("");
        if rid != rubric.id {
            cx.problems.push(whole(
                file,
                format!(
                    "这份评分表用的是考核细则“{rid}”，而{unit_name}应使用“{}”",
                    rubric.id
                ),
            ));
            return (None, cx.problems);
        }
        let hash = meta.get(META_RUBRIC_HASH).map(String::as_str).unwrap_or("");
        if hash != rubric.content_hash {
            let changes = rubric_changes(&range, header_row, c_code, rubric);
            let what = if changes.is_empty() {
                "改动不在评分细则的文字和分值中（可能是考核内容、标题或扣分方式）".to_string()
            } else {
                let n = changes.len();
                let shown: Vec<String> = changes.into_iter().take(8).collect();
                format!(
                    "{}{}",
                    shown.join("；"),
                    if n > 8 {
                        format!("；等共 {n} 处")
                    } else {
                        String::new()
                    }
                )
            };
            let msg = format!("{RUBRIC_CHANGED}（考核细则“{rid}”）：{what}");
            if opts.accept_changed_rubric {
                cx.problems.push(
                    Problem::file(file, format!("{msg}；已按新细则评分"), false)
                        .with_hint("评分结果按修改后的考核细则计算，改动记录在 results.json 的 rubric_changes 中"),
                );
            } else {
                cx.problems.push(whole(file, msg).with_hint(
                    "请把用新细则生成的评分表（kaohe blank）发给该单位重新填报；如改动不影响这份评分表，可加 --accept-changed-rubric 按新细则评分，改动会列在结果中",
                ));
                return (None, cx.problems);
            }
        }
    }

    // The rows, by code.
    TRACE.with(|t| t.borrow_mut().reached_rows = true);
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    let mut entries = BTreeMap::new();
    // Whether any input cell (扣分, 扣分原因) holds anything.
    let mut touched = false;
    // Rows without a code that hold text: inserted by the unit.
    let mut uncoded: Vec<(u32, u32, String)> = Vec::new();
    for (i, row) in range.rows().enumerate().skip(header_row as usize + 1) {
        let r = r0 + i as u32;
        let get = |c: u32| row.get(c as usize).unwrap_or(&Data::Empty);
        let code = cell_text(get(c_code));
        if code.is_empty() || !is_code(&code) {
            // Text in the input columns of a row kaohe did not write: the
            // form's own rows without a code (headings, totals) leave them
            // empty, and a row whose code was damaged is reported as such.
            let text = row.iter().enumerate().find(|(j, d)| {
                (*j as u32 == c_deduct || *j as u32 == c_reason) && !cell_text(d).is_empty()
            });
            if let Some((j, d)) = text {
                uncoded.push((r, c0 + j as u32, cell_text(d)));
            }
            continue;
        }
        if !cell_text(get(c_deduct)).is_empty() || !cell_text(get(c_reason)).is_empty() {
            touched = true;
        }
        if let Some(first) = seen.get(&code) {
            cx.at(
                r,
                c0 + c_code,
                true,
                format!("编号 {code} 重复（第一次在第 {} 行）", first + 1),
            );
            continue;
        }
        seen.insert(code.clone(), r);
        let Some((item, rule)) = rubric.find_code(&code) else {
            cx.at(
                r,
                c0 + c_code,
                true,
                format!("编号 {code} 不在考核细则“{}”中", rubric.id),
            );
            continue;
        };
        let reason_cell = get(c_reason);
        let reason = cell_text(reason_cell);
        if reason.chars().count() > limits.max_text_chars {
            cx.at(
                r,
                c0 + c_reason,
                true,
                format!(
                    "扣分原因有 {} 个字，超过上限 {} 个字",
                    reason.chars().count(),
                    limits.max_text_chars
                ),
            );
            continue;
        }
        let (dr, dc) = (r, c0 + c_deduct);
        let cell = get(c_deduct);
        if matches!(cell, Data::Empty) && no_value.contains(&(dr, dc)) {
            cx.at(
                dr,
                dc,
                true,
                "这里是公式，但文件中没有保存它的计算结果，无法判断扣分；请在 Excel 或 WPS 中打开并保存后再提交，或直接填写数字".into(),
            );
            continue;
        }
        let entry = match item.kind {
            ItemKind::Veto => read_veto(&mut cx, dr, dc, cell, &reason, c0 + c_reason),
            ItemKind::Bonus => read_bonus(
                &mut cx,
                dr,
                dc,
                cell,
                &reason,
                rule.deduction,
                c0 + c_reason,
            ),
            _ => read_deduction(
                &mut cx,
                dr,
                dc,
                cell,
                &reason,
                rule.points.unwrap_or_default(),
                rule.deduction,
                c0 + c_reason,
            ),
        };
        if let Some(e) = entry {
            entries.insert(code, e);
        }
    }
    for (r, c, text) in uncoded {
        let shown: String = text.chars().take(20).collect();
        cx.problems.push(
            Problem {
                file: file.into(),
                sheet: Some(cx.sheet.clone()),
                cell: Some(a1(r, c)),
                message: format!(
                    "这一行不是评分表原有的行（没有编号），其中的“{shown}”不会计入评分"
                ),
                error: false,
                hint: None,
            }
            .with_hint(
                "扣分和扣分原因请填在对应细则那一行的“扣分”“扣分原因”栏；说明可写在扣分原因中",
            ),
        );
    }
    if !touched && !seen.is_empty() {
        cx.problems.push(
            Problem::file(
                file,
                "这份评分表的“扣分”“扣分原因”栏一格也没有填写，看起来是下发时的空白表".into(),
                false,
            )
            .with_hint(
                "如果该单位确实没有任何扣分，可以不理会；否则请确认交回的是不是填好的那份文件",
            ),
        );
    }
    let missing: Vec<String> = rubric
        .rules()
        .map(|(i, r)| Rubric::code(i, r))
        .filter(|c| !seen.contains_key(c))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<_> = missing.iter().take(12).cloned().collect();
        cx.problems.push(Problem {
            file: file.into(),
            sheet: Some(cx.sheet.clone()),
            cell: None,
            message: format!(
                "缺少 {} 条细则的行（编号 {}{}），行被删除或编号被改动",
                missing.len(),
                shown.join("、"),
                if missing.len() > 12 { " 等" } else { "" }
            ),
            error: true,
            hint: None,
        });
    }
    let ok = !cx.problems.iter().any(|p| p.error);
    let filled = ok.then(|| Filled {
        file: file.to_string(),
        sha256: crate::archive::sha256_hex(bytes),
        unit: unit.name.clone(),
        rubric: rubric.id.clone(),
        entries,
    });
    (filled, cx.problems)
}

/// What differs between the rules a form carries (编号, 评分细则 text in
/// the column after it, 分值) and the rubric now: changed texts and points,
/// rules added and removed.
fn rubric_changes(range: &Range<Data>, header_row: u32, c_code: u32, r: &Rubric) -> Vec<String> {
    let header: Vec<String> = range
        .rows()
        .nth(header_row as usize)
        .map(|row| row.iter().map(cell_text).collect())
        .unwrap_or_default();
    let c_points = header.iter().position(|h| h == "分值");
    let c_text = c_code as usize + 1;
    let mut out = Vec::new();
    let mut on_form: Vec<String> = Vec::new();
    for row in range.rows().skip(header_row as usize + 1) {
        let code = cell_text(row.get(c_code as usize).unwrap_or(&Data::Empty));
        if !is_code(&code) {
            continue;
        }
        on_form.push(code.clone());
        let Some((_, rule)) = r.find_code(&code) else {
            out.push(format!("删去了细则 {code}"));
            continue;
        };
        let text = cell_text(row.get(c_text).unwrap_or(&Data::Empty));
        if !text.is_empty() && text != rule.text.trim() {
            out.push(format!("细则 {code} 的文字改了"));
        }
        if let (Some(c), Some(now)) = (c_points, rule.points) {
            let was = row.get(c).and_then(|d| match d {
                Data::Float(f) => Pts::from_f64(*f),
                Data::Int(i) => Pts::from_f64(*i as f64),
                Data::String(s) => parse_number_text(s),
                _ => None,
            });
            if let Some(was) = was
                && was != now
            {
                out.push(format!("细则 {code} 的分值由 {was} 分改为 {now} 分"));
            }
        }
    }
    for (item, rule) in r.rules() {
        let code = Rubric::code(item, rule);
        if !on_form.contains(&code) {
            out.push(format!("新增了细则 {code}"));
        }
    }
    out
}

fn is_code(s: &str) -> bool {
    match s.split_once('-') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.len() < 5
                && b.len() < 4
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// The header row and the columns of 编号, 扣分, 扣分原因 (relative to the range).
fn find_header(range: &Range<Data>) -> Option<(u32, [u32; 3])> {
    for (i, row) in range.rows().enumerate().take(30) {
        let col = |h: &str| row.iter().position(|d| cell_text(d) == h).map(|c| c as u32);
        if let (Some(a), Some(b), Some(c)) = (col(H_CODE), col(H_DEDUCT), col(H_REASON)) {
            return Some((i as u32, [a, b, c]));
        }
    }
    None
}

/// A number in a 扣分 cell: numbers, or text the person meant as a number.
pub(crate) fn number(cx: &mut Ctx, r: u32, c: u32, cell: &Data) -> Option<Option<Pts>> {
    let bad = |what: &str| format!("应填数字，这里是{what}");
    let v = match cell {
        Data::Empty => return Some(None),
        // 10 000 points and more is never a deduction; Pts::from_f64 would
        // also call 1e300 "more than two decimals".
        Data::Int(i) if i.unsigned_abs() >= 10_000 => {
            cx.at(r, c, true, "数字过大".into());
            return None;
        }
        Data::Float(f) if !f.is_finite() || f.abs() >= 10_000.0 => {
            cx.at(r, c, true, "数字过大".into());
            return None;
        }
        Data::Int(i) => Pts::from_f64(*i as f64),
        Data::Float(f) => Pts::from_f64(*f),
        Data::String(s) if s.trim().is_empty() => return Some(None),
        Data::String(s) => match parse_number_text(s) {
            Some(p) => Some(p),
            None => {
                cx.at(
                    r,
                    c,
                    true,
                    format!(
                        "“{}”不是数字（扣分请填写如 0.5 的数字）",
                        s.chars().take(40).collect::<String>()
                    ),
                );
                return None;
            }
        },
        Data::Bool(_) => {
            cx.at(r, c, true, bad("逻辑值（TRUE/FALSE）"));
            return None;
        }
        Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            cx.at(r, c, true, bad("日期或时间（单元格格式可能被改成了日期）"));
            return None;
        }
        Data::Error(e) => {
            cx.at(r, c, true, bad(&format!("公式错误值 {e}")));
            return None;
        }
    };
    match v {
        Some(p) if p.hundredths().abs() < 1_000_000 => Some(Some(p)),
        Some(_) => {
            cx.at(r, c, true, "数字过大".into());
            None
        }
        None => {
            cx.at(r, c, true, format!("“{}”最多保留两位小数", cell_text(cell)));
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn read_deduction(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    points: Pts,
    how: Deduction,
    c_reason: u32,
) -> Option<Entry> {
    let d = number(cx, r, c, cell)?.unwrap_or(Pts::ZERO);
    if d < Pts::ZERO {
        cx.at(r, c, true, format!("扣分不能为负数（{d}）"));
        return None;
    }
    if d > points {
        cx.at(r, c, true, format!("扣分 {d} 超过本条分值 {points} 分"));
        return None;
    }
    if d > Pts::ZERO && reason.is_empty() {
        cx.at(
            r,
            c_reason,
            true,
            format!("扣了 {d} 分，但没有填写扣分原因"),
        );
        return None;
    }
    if !how.allows(d, points) {
        let step = how.step(points).unwrap_or(points);
        cx.at(
            r,
            c,
            false,
            format!(
                "本条每处扣 {step} 分，这里扣了 {d} 分，不是 {step} 分的整数倍，是不是填错了？"
            ),
        );
        cx.hint(format!(
            "请按本条的扣分标准核对：扣分应是 {step} 分的 1 倍、2 倍……；确实如此可以不理会"
        ));
    }
    if d == Pts::ZERO && !reason.is_empty() {
        cx.at(
            r,
            c_reason,
            false,
            format!(
                "填了扣分原因“{}”，但“扣分”栏没有扣分",
                reason.chars().take(20).collect::<String>()
            ),
        );
        cx.hint("如应扣分，请在同一行的“扣分”栏填写分数；否则这段文字作为备注保留在评分表存档中");
    }
    Some(Entry {
        amount: d,
        veto: false,
        reason: reason.to_string(),
    })
}

pub(crate) fn read_bonus(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    how: Deduction,
    c_reason: u32,
) -> Option<Entry> {
    let (per, cap) = match how {
        Deduction::Bonus { per, cap } => (per, cap),
        _ => (Pts::from_int(1), Pts::from_int(5)),
    };
    let b = number(cx, r, c, cell)?.unwrap_or(Pts::ZERO);
    if b < Pts::ZERO {
        cx.at(r, c, true, format!("加分不能为负数（{b}）"));
        return None;
    }
    if !b.is_multiple_of(per) {
        cx.at(
            r,
            c,
            true,
            format!("加分 {b} 应为 {per} 分的整数倍（每受表彰一项加 {per} 分）"),
        );
        return None;
    }
    if b > cap {
        cx.at(r, c, true, format!("加分 {b} 超过上限 {cap} 分"));
        return None;
    }
    if b > Pts::ZERO && reason.is_empty() {
        cx.at(r, c_reason, true, "申报了加分，但没有写明受表彰事项".into());
        return None;
    }
    Some(Entry {
        amount: b,
        veto: false,
        reason: reason.to_string(),
    })
}

pub(crate) fn read_veto(
    cx: &mut Ctx,
    r: u32,
    c: u32,
    cell: &Data,
    reason: &str,
    c_reason: u32,
) -> Option<Entry> {
    let v = cell_text(cell);
    let veto = match v.as_str() {
        "" | "否" => false,
        "是" => true,
        other => {
            cx.at(
                r,
                c,
                true,
                format!(
                    "一票否决只能填“是”或“否”，这里是“{}”",
                    other.chars().take(20).collect::<String>()
                ),
            );
            return None;
        }
    };
    if veto && reason.is_empty() {
        cx.at(
            r,
            c_reason,
            true,
            "填了一票否决“是”，但没有写明事故情况".into(),
        );
        return None;
    }
    Some(Entry {
        amount: Pts::ZERO,
        veto,
        reason: reason.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_meant() {
        assert_eq!(parse_number_text("０．５"), Some(Pts(50)));
        assert_eq!(parse_number_text(" 0.5分 "), Some(Pts(50)));
        assert_eq!(parse_number_text("1"), Some(Pts(100)));
        assert_eq!(parse_number_text("\u{3000}2 分"), Some(Pts(200)));
        assert_eq!(parse_number_text("0.5 1"), None);
        assert_eq!(parse_number_text("半分"), None);
        assert_eq!(parse_number_text("0.5或1"), None);
        assert_eq!(parse_number_text("1/2"), None);
    }

    #[test]
    fn cell_names() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 25), "Z10");
        assert_eq!(a1(0, 26), "AA1");
    }
}
