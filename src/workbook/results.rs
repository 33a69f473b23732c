//! `results.xlsx`: the ranked table of each group with level-1 subtotals,
//! ready to print. Unit names and reasons are always text cells.

use crate::campaign::Loaded;
use crate::error::Result;
use crate::failed;
use crate::render::docs::group_name;
use crate::score::UnitScore;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// The status of a unit whose form has not come in (`score --partial`).
pub const NOT_IN: &str = "未报送";

pub fn workbook(l: &Loaded, units: &[UnitScore]) -> Result<Vec<u8>> {
    workbook_partial(l, units, &[])
}

/// As [`workbook`], with the `missing` units listed under each group's
/// ranking as 未报送.
pub fn workbook_partial(l: &Loaded, units: &[UnitScore], missing: &[&str]) -> Result<Vec<u8>> {
    crate::timing::time(crate::timing::Stage::Xlsx, || write(l, units, missing))
}

fn write(l: &Loaded, units: &[UnitScore], missing: &[&str]) -> Result<Vec<u8>> {
    let x = |e: XlsxError| failed!("写入 results.xlsx 失败：{e}");
    let c = &l.campaign;
    let mut wb = Workbook::new();
    wb.set_properties(&crate::workbook::properties(&c.circular.date).map_err(x)?);
    let cell = crate::workbook::cell_format().set_align(FormatAlign::Center);
    // General: 95 as "95", 88.5 as "88.5" in Excel, WPS and LibreOffice
    // ("0.##" leaves "95." in Excel and WPS).
    let num = cell.clone();
    let left = cell.clone().set_align(FormatAlign::Left);
    let head = cell.clone().set_font_name("黑体");
    let title = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    for r in &l.rubrics {
        let mine: Vec<&UnitScore> = units.iter().filter(|u| u.rubric == r.id).collect();
        let absent: Vec<&str> = missing
            .iter()
            .copied()
            .filter(|m| l.unit(m).is_some_and(|u| u.rubric == r.id))
            .collect();
        if mine.is_empty() && absent.is_empty() {
            continue;
        }
        let group = group_name(l, &r.id);
        let ws = wb.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\
        let name: String = group
            .chars()
            .filter(|ch| !"[]:*?/\\".contains(*ch))
            .take(31)
            .collect();
        ws.set_name(if name.is_empty() { r.id.clone() } else { name })
            .map_err(x)?;
        let heads: Vec<String> = match mine.first() {
            Some(u) => u.subtotals.iter().map(|(h, _)| h.clone()).collect(),
            None => r
                .scored_level1_headings()
                .iter()
                .map(|h| h.to_string())
                .collect(),
        };
        // The columns, in order: one entry each.
        let mut cols: Vec<String> = vec!["名次".into(), "单位".into()];
        cols.extend(heads.iter().cloned());
        cols.extend(["基本得分", "加分", "总分", "等次", "一票否决"].map(String::from));
        let last = cols.len() as u16 - 1;
        // Every cell's text, to size the columns and rows by.
        let mut texts: Vec<Vec<String>> = mine
            .iter()
            .map(|u| {
                let mut t = vec![u.rank.to_string(), u.unit.clone()];
                t.extend(u.subtotals.iter().map(|(_, p)| p.to_string()));
                t.extend([u.base, u.bonus, u.score].map(|p| p.to_string()));
                t.push(u.grade.clone());
                t.push(veto_text(u));
                t
            })
            .collect();
        texts.extend(absent.iter().map(|n| vec!["—".into(), n.to_string()]));
        let widths = column_widths(&cols, &texts);
        ws.merge_range(
            0,
            0,
            0,
            last,
            &format!("{}结果（{}）", c.name, group),
            &title,
        )
        .map_err(x)?;
        ws.set_row_height(0, 28).map_err(x)?;
        for (i, (h, w)) in cols.iter().zip(&widths).enumerate() {
            ws.write_string_with_format(1, i as u16, h, &head)
                .map_err(x)?;
            ws.set_column_width(i as u16, *w).map_err(x)?;
        }
        // Heights set, not left to the reader: Excel does not grow a row
        // for wrapped text in a file it did not write.
        ws.set_row_height(1, row_height(&cols, &widths))
            .map_err(x)?;
        for (k, t) in texts.iter().enumerate() {
            ws.set_row_height(2 + k as u32, row_height(t, &widths))
                .map_err(x)?;
        }
        for (k, u) in mine.iter().enumerate() {
            let row = 2 + k as u32;
            ws.write_number_with_format(row, 0, u.rank as f64, &cell)
                .map_err(x)?;
            ws.write_string_with_format(row, 1, &u.unit, &left)
                .map_err(x)?;
            let mut col = 2u16;
            for (_, p) in &u.subtotals {
                ws.write_number_with_format(row, col, p.to_f64(), &num)
                    .map_err(x)?;
                col += 1;
            }
            for p in [u.base, u.bonus, u.score] {
                ws.write_number_with_format(row, col, p.to_f64(), &num)
                    .map_err(x)?;
                col += 1;
            }
            ws.write_string_with_format(row, col, &u.grade, &cell)
                .map_err(x)?;
            ws.write_string_with_format(row, col + 1, veto_text(u), &left)
                .map_err(x)?;
        }
        let grade_col = 2 + heads.len() as u16 + 3;
        for (k, name) in absent.iter().enumerate() {
            let row = 2 + (mine.len() + k) as u32;
            for col in 0..=last {
                ws.write_blank(row, col, &cell).map_err(x)?;
            }
            ws.write_string_with_format(row, 0, "—", &cell).map_err(x)?;
            ws.write_string_with_format(row, 1, *name, &left)
                .map_err(x)?;
            ws.write_string_with_format(row, grade_col, NOT_IN, &cell)
                .map_err(x)?;
        }
        ws.set_paper_size(9);
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_footer("&C第 &P 页，共 &N 页");
        ws.set_repeat_rows(1, 1).map_err(x)?;
        ws.set_freeze_panes(2, 2).map_err(x)?;
    }
    gaps_sheet(&mut wb, units).map_err(x)?;
    wb.save_to_buffer()
        .map(crate::archive::zip_as_on_unix)
        .map_err(x)
}

/// The 一票否决 cell: "否", or "是：" and the reason, whole in its cell.
fn veto_text(u: &UnitScore) -> String {
    if u.veto {
        format!("是：{}", u.veto_reason)
    } else {
        "否".to_string()
    }
}

/// The widest a column grows, in Excel's character widths; longer texts
/// (a unit's name, the veto reason) wrap inside it.
const MAX_WIDTH: f64 = 30.0;

/// How wide `s` shows in Excel's character widths: a hanzi is about two.
fn text_width(s: &str) -> f64 {
    unicode_width::UnicodeWidthStr::width(s) as f64 * 1.1
}

/// Each column as wide as its widest value (up to [`MAX_WIDTH`]) and at
/// least half its heading (which then wraps onto two lines), with room for
/// the cell's margins.
fn column_widths(heads: &[String], rows: &[Vec<String>]) -> Vec<f64> {
    heads
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let values = rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| text_width(s))
                .fold(0.0, f64::max);
            let head = (text_width(h) / 2.0).max(4.4);
            values.max(head).min(MAX_WIDTH) + 2.0
        })
        .collect()
}

/// The lines `s` takes in a column `width` wide.
fn lines(s: &str, width: f64) -> f64 {
    (text_width(s) / (width - 2.0)).ceil().max(1.0)
}

/// A row's height in points: its tallest cell's lines at 11 pt.
fn row_height(texts: &[String], widths: &[f64]) -> f64 {
    let n = texts
        .iter()
        .zip(widths)
        .map(|(s, w)| lines(s, *w))
        .fold(1.0, f64::max);
    n * 15.0 + 6.0
}

/// The largest gaps between a unit's self-assessment and the 考核组's
/// scoring shown per unit (at most five each).
const GAPS_PER_UNIT: usize = 5;

/// `自评与考核对照`: each unit with a self-assessment, its self-assessed
/// and assessed scores side by side, and the rules where the two differ
/// most (`自评未扣、考核扣1分`). Only when some unit has one.
fn gaps_sheet(wb: &mut Workbook, units: &[UnitScore]) -> std::result::Result<(), XlsxError> {
    let with: Vec<&UnitScore> = units.iter().filter(|u| u.self_score.is_some()).collect();
    if with.is_empty() {
        return Ok(());
    }
    let cell = crate::workbook::cell_format().set_align(FormatAlign::Center);
    let num = cell.clone(); // General: 95 as "95" in Excel and WPS ("0.##" shows "95.")
    let left = cell.clone().set_align(FormatAlign::Left);
    let head = cell.clone().set_font_name("黑体");
    let ws = wb.add_worksheet();
    ws.set_name("自评与考核对照")?;
    let cols = [
        ("单位", 22.0),
        ("自评得分", 9.0),
        ("考核得分", 9.0),
        ("相差", 7.0),
        ("编号", 7.0),
        ("差异", 30.0),
    ];
    for (i, (h, w)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &head)?;
        ws.set_column_width(i as u16, *w)?;
    }
    let mut row = 1u32;
    for u in with {
        let own = u.self_score.unwrap_or_default();
        let mut gaps: Vec<&crate::score::Difference> = u.differences.iter().collect();
        // Largest first; equal gaps in the rubric's order.
        gaps.sort_by_key(|d| std::cmp::Reverse(d.gap()));
        gaps.truncate(GAPS_PER_UNIT);
        let rows = gaps.len().max(1) as u32;
        let span = |ws: &mut rust_xlsxwriter::Worksheet,
                    col: u16,
                    f: &Format,
                    text: Option<&str>,
                    n: Option<f64>|
         -> std::result::Result<(), XlsxError> {
            if rows > 1 {
                ws.merge_range(row, col, row + rows - 1, col, "", f)?;
            }
            match (text, n) {
                (Some(t), _) => ws.write_string_with_format(row, col, t, f)?,
                (None, Some(n)) => ws.write_number_with_format(row, col, n, f)?,
                _ => ws.write_blank(row, col, f)?,
            };
            Ok(())
        };
        span(ws, 0, &left, Some(&u.unit), None)?;
        span(ws, 1, &num, None, Some(own.to_f64()))?;
        span(ws, 2, &num, None, Some(u.score.to_f64()))?;
        span(ws, 3, &num, None, Some((u.score - own).to_f64()))?;
        if gaps.is_empty() {
            ws.write_blank(row, 4, &cell)?;
            ws.write_string_with_format(row, 5, "自评与考核一致", &left)?;
        }
        for (k, d) in gaps.iter().enumerate() {
            ws.write_string_with_format(row + k as u32, 4, &d.code, &cell)?;
            ws.write_string_with_format(row + k as u32, 5, &d.text, &left)?;
        }
        row += rows;
    }
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}
