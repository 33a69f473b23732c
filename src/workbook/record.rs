//! The archive record sheet (考核记录) of a filled workbook in `filled/`: the
//! filled PDF's table as cells, made from the same data
//! (`doc::filled_sheet`): 分值, 扣分, 扣分原因 and 得分 on every item, the
//! bonus and the veto in their own rows, a subtotal per level-1 heading, the
//! total, the summary, the 考核日期 and the signature lines; with a
//! self-assessment, a 自评扣分 column beside 扣分. Set up to print on A4
//! landscape, one page wide, the head repeated on every page. The sheet the
//! unit filled in (评分表) stays as it was, beside it.

use crate::campaign::Loaded;
use crate::score::UnitScore;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::Value;

/// The record sheet's name.
pub const RECORD_SHEET: &str = "考核记录";
/// The self-assessment column, beside 扣分.
pub const H_SELF: &str = "自评扣分";

/// Display width of a text in column units: a hanzi is two, ASCII one.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.05 })
        .sum()
}

/// Lines a cell's text takes in a column `width` wide (each paragraph on
/// lines of its own).
fn lines_in(text: &str, width: f64) -> f64 {
    text.split('\n')
        .map(|p| (text_width(p) / (width - 1.0).max(1.0)).ceil().max(1.0))
        .sum()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// `text` across columns c0..=c1 of row r (one cell when c0 == c1: Excel
/// has no merge of a single cell).
fn across(
    ws: &mut Worksheet,
    r: u32,
    (c0, c1): (u16, u16),
    text: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    if c0 == c1 {
        ws.write_with_format(r, c0, text, f)?;
    } else {
        ws.merge_range(r, c0, r, c1, text, f)?;
    }
    Ok(())
}

/// Column width (Excel's units) of a heading of the filled sheet.
fn width_of(head: &str, mark_width: Option<f64>) -> f64 {
    match head {
        "一级标题" | "考核项目" => 9.0,
        "二级标题" => 13.0,
        "考核内容" => 30.0,
        "评分细则" => 42.0,
        _ if head.starts_with("分值") => 6.5,
        _ => mark_width.map_or(8.0, |w| w * 2.1 + 2.0),
    }
}

/// Adds the record sheet of unit `u` to `wb` (as its next sheet).
pub fn add_record_sheet(wb: &mut Workbook, l: &Loaded, u: &UnitScore) -> Result<(), XlsxError> {
    let data = crate::doc::sheet::filled_sheet(l, u);
    let a = &data["attachments"][0];
    let table = &a["rubric"];
    let mut heads = strs(&table["headers"]);
    let marks: Vec<f64> = table["marks"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|c| c["width"].as_f64().unwrap_or(4.0))
                .collect()
        })
        .unwrap_or_default();
    let has2 = table["has_level2"].as_bool().unwrap_or(true);
    let nl = if has2 { 2 } else { 1 };
    // columns: labels, content, rules, 分值, then the marks
    let first_mark = nl + 3;
    let mut widths: Vec<f64> = heads
        .iter()
        .enumerate()
        .map(|(i, h)| {
            width_of(
                h,
                i.checked_sub(first_mark)
                    .and_then(|k| marks.get(k).copied()),
            )
        })
        .collect();
    // the self-assessment beside 扣分, when the unit has one and the
    // filled sheet does not show it already
    let self_col = (u.items.iter().any(|i| i.self_deducted.is_some())
        && !heads.iter().any(|h| h == H_SELF))
    .then(|| heads.iter().position(|h| h == "扣分").map(|p| p + 1))
    .flatten();
    if let Some(c) = self_col {
        heads.insert(c, H_SELF.into());
        widths.insert(c, 9.0);
    }
    let ncol = heads.len() as u16;

    let base = Format::new()
        .set_font_name("仿宋")
        .set_font_size(10.5)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let cell = base.clone().set_border(FormatBorder::Thin);
    let left = cell
        .clone()
        .set_align(FormatAlign::Left)
        .set_align(FormatAlign::Top);
    let center = cell.clone().set_align(FormatAlign::Center);
    let head = center.clone().set_font_name("黑体");
    let sum = cell
        .clone()
        .set_font_name("黑体")
        .set_align(FormatAlign::Right);
    let title = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let plain = base.clone().set_align(FormatAlign::Left);
    let label = plain.clone().set_font_name("黑体");

    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(RECORD_SHEET)?;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let last = ncol - 1;
    let mut r = 0u32;
    ws.merge_range(r, 0, r, last, s(a, "title"), &title)?;
    ws.set_row_height(r, 30)?;
    r += 1;
    for line in strs(&a["subtitle"]) {
        ws.merge_range(r, 0, r, last, &line, &plain)?;
        r += 1;
    }
    let head_row = r;
    for (c, h) in heads.iter().enumerate() {
        ws.write_with_format(r, c as u16, h.as_str(), &head)?;
    }
    ws.set_row_height(r, 30)?;
    r += 1;

    let mut items = u.items.iter();
    // the self-deducted sum of the scored items since the last subtotal
    let (mut run, mut all) = (crate::points::Pts::ZERO, crate::points::Pts::ZERO);
    for row in table["rows"].as_array().into_iter().flatten() {
        let kind = s(row, "kind");
        let mut texts: Vec<String> = row["marks"]
            .as_array()
            .map(|m| m.iter().map(|c| strs(c).join("\n")).collect())
            .unwrap_or_default();
        if let Some(c) = self_col {
            let own = match kind {
                "item" => items.next().and_then(|i| {
                    if i.kind.is_scored() {
                        let d = i.self_deducted.unwrap_or(crate::points::Pts::ZERO);
                        run += d;
                        all += d;
                    }
                    i.self_deducted
                        .filter(|_| i.kind.is_scored())
                        .map(|d| d.to_string())
                }),
                "subtotal" => Some(std::mem::take(&mut run).to_string()),
                _ => Some(all.to_string()),
            };
            texts.insert(c - first_mark, own.unwrap_or_else(|| "—".into()));
        }
        // (column, text, format) of the row's cells
        let mut cells: Vec<(usize, String, &Format)> = Vec::new();
        let mut lines: f64 = 1.0;
        if kind == "item" {
            if has2 && s(row, "level2").is_empty() {
                ws.merge_range(r, 0, r, 1, s(row, "level1"), &center)?;
                lines = lines.max(lines_in(s(row, "level1"), widths[0] + widths[1]));
            } else {
                cells.push((0, s(row, "level1").into(), &center));
                if has2 {
                    cells.push((1, s(row, "level2").into(), &center));
                }
            }
            cells.push((nl, s(row, "content").into(), &left));
            cells.push((nl + 1, strs(&row["rules"]).join("\n"), &left));
        } else {
            ws.merge_range(r, 0, r, (nl + 1) as u16, s(row, "content"), &sum)?;
        }
        cells.push((nl + 2, s(row, "points").into(), &center));
        for (k, t) in texts.into_iter().enumerate() {
            let c = first_mark + k;
            cells.push((
                c,
                t,
                if heads[c] == "扣分原因" {
                    &left
                } else {
                    &center
                },
            ));
        }
        for (c, text, f) in &cells {
            lines = lines.max(lines_in(text, widths[*c]));
            ws.write_with_format(r, *c as u16, text.as_str(), f)?;
        }
        ws.set_row_height(r, lines * 14.0 + 6.0)?;
        r += 1;
    }

    let formats = Tail {
        head: &head,
        left: &left,
        label: &label,
    };
    summary_and_signature(ws, a, &widths, nl, r + 1, &formats)?;
    super::print_landscape(ws, head_row, 0.4)
}

/// The formats of the rows under the table.
struct Tail<'a> {
    head: &'a Format,
    left: &'a Format,
    label: &'a Format,
}

/// Under the table from row `r`: the summary (基本得分 … 等次), each label
/// beside its value, then the signature lines (考核组成员、被考核单位负责人、
/// 日期) across the page.
fn summary_and_signature(
    ws: &mut Worksheet,
    a: &Value,
    widths: &[f64],
    nl: usize,
    mut r: u32,
    f: &Tail,
) -> Result<(), XlsxError> {
    // the summary: each label over its value, in pairs of cells
    let last = (widths.len() - 1) as u16;
    let summary = a["summary"]["rows"].as_array().cloned().unwrap_or_default();
    for pair in &summary {
        let p = strs(pair);
        let (k, v) = (
            p.first().cloned().unwrap_or_default(),
            p.get(1).cloned().unwrap_or_default(),
        );
        across(ws, r, (0, (nl - 1) as u16), &k, f.head)?;
        across(ws, r, (nl as u16, last), &v, f.left)?;
        let w: f64 = widths[nl..].iter().sum();
        ws.set_row_height(r, lines_in(&v, w) * 14.0 + 6.0)?;
        r += 1;
    }
    // the signature lines, across the page
    r += 1;
    let sign = strs(&a["signature"]);
    let spans = [
        (0u16, nl as u16),
        ((nl + 1) as u16, (nl + 1) as u16),
        ((nl + 2) as u16, last),
    ];
    for (t, (c0, c1)) in sign.iter().zip(spans) {
        let text = if t.ends_with("日期：") {
            format!("{t}      年    月    日")
        } else {
            t.clone()
        };
        across(ws, r, (c0, c1), &text, f.label)?;
    }
    ws.set_row_height(r, 40)?;
    Ok(())
}
