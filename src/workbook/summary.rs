//! `self-summary.xlsx`: every unit's self-assessed score, per level-1
//! heading, group by group, and the units whose self-assessment has not
//! come in. Unit names are always text cells.

use crate::campaign::Loaded;
use crate::error::Result;
use crate::failed;
use crate::render::docs::group_name;
use crate::score::UnitScore;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// What a unit without a self-assessment is listed as.
pub const NO_SELF: &str = "未交自评";

/// `own` holds the self-assessments scored as they were entered (not
/// ranked); `missing` the units without one.
pub fn workbook(l: &Loaded, own: &[UnitScore], missing: &[&str]) -> Result<Vec<u8>> {
    crate::timing::time(crate::timing::Stage::Xlsx, || write(l, own, missing))
}

fn write(l: &Loaded, own: &[UnitScore], missing: &[&str]) -> Result<Vec<u8>> {
    let x = |e: XlsxError| failed!("写入 self-summary.xlsx 失败：{e}");
    let c = &l.campaign;
    let mut wb = Workbook::new();
    wb.set_properties(&crate::workbook::properties(&c.notice.report_deadline).map_err(x)?);
    let cell = crate::workbook::cell_format().set_align(FormatAlign::Center);
    let num = cell.clone(); // General: 95 as "95" in Excel and WPS ("0.##" shows "95.")
    let left = cell.clone().set_align(FormatAlign::Left);
    let head = cell.clone().set_font_name("黑体");
    let title = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    for r in &l.rubrics {
        let units: Vec<&crate::campaign::Unit> =
            c.units.iter().filter(|u| u.rubric == r.id).collect();
        if units.is_empty() {
            continue;
        }
        let group = group_name(l, &r.id);
        let ws = wb.add_worksheet();
        let name: String = group
            .chars()
            .filter(|ch| !"[]:*?/\\".contains(*ch))
            .take(31)
            .collect();
        ws.set_name(if name.is_empty() { r.id.clone() } else { name })
            .map_err(x)?;
        let heads: Vec<String> = r
            .scored_level1_headings()
            .iter()
            .map(|h| h.to_string())
            .collect();
        let mut cols: Vec<(String, f64)> = vec![("序号".into(), 6.0), ("单位".into(), 24.0)];
        cols.extend(heads.iter().map(|h| (h.clone(), 9.0)));
        cols.extend([
            ("基本得分".into(), 9.0),
            ("加分".into(), 6.0),
            ("自评得分".into(), 9.0),
            ("一票否决".into(), 20.0),
        ]);
        let last = cols.len() as u16 - 1;
        ws.merge_range(
            0,
            0,
            0,
            last,
            &format!("{}单位自评汇总（{}）", c.name, group),
            &title,
        )
        .map_err(x)?;
        ws.set_row_height(0, 28).map_err(x)?;
        for (i, (h, w)) in cols.iter().enumerate() {
            ws.write_string_with_format(1, i as u16, h, &head)
                .map_err(x)?;
            ws.set_column_width(i as u16, *w).map_err(x)?;
        }
        // In the campaign's order of units: a summary, not a ranking.
        for (k, u) in units.iter().enumerate() {
            let row = 2 + k as u32;
            ws.write_number_with_format(row, 0, (k + 1) as f64, &cell)
                .map_err(x)?;
            ws.write_string_with_format(row, 1, &u.name, &left)
                .map_err(x)?;
            match own.iter().find(|s| s.unit == u.name) {
                Some(s) => {
                    let mut col = 2u16;
                    for (_, p) in &s.subtotals {
                        ws.write_number_with_format(row, col, p.to_f64(), &num)
                            .map_err(x)?;
                        col += 1;
                    }
                    for p in [s.base, s.bonus, s.score] {
                        ws.write_number_with_format(row, col, p.to_f64(), &num)
                            .map_err(x)?;
                        col += 1;
                    }
                    let veto = if s.veto {
                        format!("是：{}", s.veto_reason)
                    } else {
                        "否".to_string()
                    };
                    ws.write_string_with_format(row, col, &veto, &left)
                        .map_err(x)?;
                }
                None => {
                    for col in 2..=last {
                        ws.write_blank(row, col, &cell).map_err(x)?;
                    }
                    let status = if missing.contains(&u.name.as_str()) {
                        NO_SELF
                    } else {
                        ""
                    };
                    ws.write_string_with_format(row, last - 1, status, &cell)
                        .map_err(x)?;
                }
            }
        }
        ws.set_paper_size(9);
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(1, 1).map_err(x)?;
        ws.set_freeze_panes(2, 2).map_err(x)?;
    }
    wb.save_to_buffer()
        .map(crate::archive::zip_as_on_unix)
        .map_err(x)
}
