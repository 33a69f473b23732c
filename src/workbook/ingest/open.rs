//! Opening a returned workbook safely: what its first bytes say it is, a
//! zip that would inflate past the limits, calamine's panics caught, each
//! sheet streamed and sized before anything is allocated for it.

use super::*;
use calamine::{DataRef, Range, Reader, Sheets};
use std::io::Cursor;

/// The file's kind from its first bytes, or a message saying what it is not.
pub(super) fn sniff(bytes: &[u8]) -> Result<(), String> {
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
pub(super) fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), String> {
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

/// What a file is reported as when calamine panicked reading it.
pub(super) const DAMAGED: &str = "文件已损坏，无法读取";

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
    pub(super) static TRACE: std::cell::RefCell<Trace> = std::cell::RefCell::default();
    static IN_CALAMINE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The trace of the last `read_bytes` on this thread.
pub fn last_trace() -> Trace {
    TRACE.with(|t| t.borrow().clone())
}

/// A panic caught inside calamine; its location is in the [`Trace`].
pub(super) struct CalaminePanicked;

/// Runs one call into calamine. calamine is not meant to panic, but a
/// damaged file must never take the whole run down: a panic inside it is
/// caught, its location recorded, and the file reported as damaged. Only
/// calls into calamine go through here, so a panic in kaohe's own reading
/// code is never mistaken for a damaged file.
pub(super) fn calamine<T>(f: impl FnOnce() -> T) -> Result<T, CalaminePanicked> {
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
pub(super) fn open(bytes: &[u8]) -> Result<Sheets<Cursor<&[u8]>>, String> {
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
pub(super) fn sheet_range(
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
pub(super) struct SheetCells {
    pub(super) range: Range<Data>,
    pub(super) no_value: Vec<(u32, u32)>,
}

pub(super) enum SheetError {
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

pub(super) const PASSWORD: &str = "文件设置了打开密码，无法读取；请取消密码后重新保存提交";

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
/// same guarded calls into calamine as [`super::read`]: the workbench files a
/// form that has errors under that unit. Only for a form `read` already took
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
