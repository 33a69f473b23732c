//! Blank scoring workbooks (rust_xlsxwriter): the seed's table with one row per
//! sub-rule, input cells for 扣分 and 扣分原因, validation, live formulas, a
//! protected layout and a hidden sheet that says which campaign, rubric and
//! unit the form belongs to.

use super::*;
use crate::campaign::{Campaign, Loaded, Unit};
use crate::error::Result;
use crate::failed;
use crate::rubric::{Deduction, ItemKind, Rubric};
use crate::workbook::ingest::Filled;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

/// Where the columns are on the scoring sheet.
pub struct Layout {
    pub level2: bool,
    pub c_level1: u16,
    pub c_level2: u16,
    pub c_content: u16,
    pub c_code: u16,
    pub c_rule: u16,
    pub c_points: u16,
    pub c_deduct: u16,
    pub c_reason: u16,
    pub c_score: u16,
    pub header_row: u32,
}

impl Layout {
    pub fn for_rubric(r: &Rubric) -> Layout {
        let level2 = r.has_level2();
        let o = if level2 { 1 } else { 0 };
        Layout {
            level2,
            c_level1: 0,
            c_level2: 1,
            c_content: 1 + o,
            c_code: 2 + o,
            c_rule: 3 + o,
            c_points: 4 + o,
            c_deduct: 5 + o,
            c_reason: 6 + o,
            c_score: 7 + o,
            header_row: 2,
        }
    }
}

/// Display width of a text in column units: a hanzi is two, ASCII one.
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.05 })
        .sum()
}

/// Row height in points that shows `text` wrapped in a column `width` wide.
fn height_for(text: &str, width: f64) -> f64 {
    let lines = (text_width(text) / (width - 1.0).max(1.0)).ceil().max(1.0);
    lines * 14.5 + 4.0
}

const W_CONTENT: f64 = 36.0;
const W_RULE: f64 = 52.0;
const W_REASON: f64 = 28.0;

fn col_name(c: u16) -> String {
    ((b'A' + c as u8) as char).to_string()
}

fn x(e: XlsxError) -> crate::error::Error {
    failed!("写入 XLSX 失败：{e}")
}

struct Formats {
    title: Format,
    info: Format,
    header: Format,
    cell: Format,
    center: Format,
    input_num: Format,
    input_text: Format,
    score: Format,
    total_label: Format,
}

fn formats() -> Formats {
    let base = Format::new()
        .set_font_name("仿宋")
        .set_font_size(11)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin);
    let input = Color::RGB(0xFFF8DC);
    Formats {
        title: Format::new()
            .set_font_name("黑体")
            .set_font_size(18)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        info: Format::new().set_font_name("仿宋").set_font_size(12),
        header: base
            .clone()
            .set_font_name("黑体")
            .set_align(FormatAlign::Center),
        cell: base.clone().set_align(FormatAlign::Left),
        center: base.clone().set_align(FormatAlign::Center),
        input_num: base
            .clone()
            .set_align(FormatAlign::Center)
            .set_unlocked()
            .set_background_color(input),
        input_text: base.clone().set_unlocked().set_background_color(input),
        score: base
            .clone()
            .set_align(FormatAlign::Center)
            .set_num_format("0.##"),
        total_label: base.set_font_name("黑体").set_align(FormatAlign::Center),
    }
}

/// The title printed above the table.
pub fn form_title(c: &Campaign) -> String {
    format!("{}评分表", c.name)
}

/// Writes the blank workbook for `unit` and returns its bytes.
pub fn workbook(l: &Loaded, unit: &Unit) -> Result<Vec<u8>> {
    filled_workbook(l, unit, None)
}

/// The same form with a unit's entries in the input cells (the archive copy,
/// and the demo's sample forms). Entered text is always written as text.
pub fn filled_workbook(l: &Loaded, unit: &Unit, fill: Option<&Filled>) -> Result<Vec<u8>> {
    crate::timing::time(crate::timing::Stage::Xlsx, || write_form(l, unit, fill))
}

fn write_form(l: &Loaded, unit: &Unit, fill: Option<&Filled>) -> Result<Vec<u8>> {
    let c = &l.campaign;
    let r = l.rubric(&unit.rubric);
    let mut wb = Workbook::new();
    let date = Campaign::date(&c.notice.date);
    use chrono::Datelike;
    let created = ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
        .map_err(x)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(form_title(c))
            .set_subject(unit.name.clone())
            .set_author(c.issuer.name.clone())
            .set_company(c.issuer.name.clone())
            .set_creation_datetime(&created),
    );
    let f = formats();
    let ws = wb.add_worksheet();
    ws.set_name(SCORING_SHEET).map_err(x)?;
    scoring_sheet(ws, c, r, unit, &f, fill).map_err(x)?;
    let meta = wb.add_worksheet();
    meta_sheet(meta, c, r, unit).map_err(x)?;
    wb.save_to_buffer().map_err(x)
}

fn scoring_sheet(
    ws: &mut Worksheet,
    c: &Campaign,
    r: &Rubric,
    unit: &Unit,
    f: &Formats,
    fill: Option<&Filled>,
) -> std::result::Result<(), XlsxError> {
    let lay = Layout::for_rubric(r);
    let last = lay.c_score;
    ws.merge_range(0, 0, 0, last, &form_title(c), &f.title)?;
    ws.set_row_height(0, 30)?;
    ws.merge_range(
        1,
        0,
        1,
        lay.c_rule,
        &format!("被考核单位：{}", unit.name),
        &f.info,
    )?;
    ws.merge_range(1, lay.c_points, 1, last, &r.title, &f.info)?;
    // Headings: the seed's columns, then the input columns.
    let h = &r.headers;
    let mut heads: Vec<(u16, &str, f64)> = vec![(
        lay.c_level1,
        h.first().map(String::as_str).unwrap_or("一级标题"),
        8.0,
    )];
    if lay.level2 {
        heads.push((
            lay.c_level2,
            h.get(1).map(String::as_str).unwrap_or("二级标题"),
            12.0,
        ));
    }
    heads.extend([
        (
            lay.c_content,
            h.get(if lay.level2 { 2 } else { 1 })
                .map(String::as_str)
                .unwrap_or("考核内容"),
            W_CONTENT,
        ),
        (lay.c_code, H_CODE, 6.0),
        (
            lay.c_rule,
            h.get(if lay.level2 { 3 } else { 2 })
                .map(String::as_str)
                .unwrap_or("评分细则"),
            W_RULE,
        ),
        (lay.c_points, "分值", 6.0),
        (lay.c_deduct, H_DEDUCT, 7.0),
        (lay.c_reason, H_REASON, W_REASON),
        (lay.c_score, "得分", 7.0),
    ]);
    for (col, text, width) in heads {
        ws.write_string_with_format(lay.header_row, col, text, &f.header)?;
        ws.set_column_width(col, width)?;
    }
    ws.set_row_height(lay.header_row, 24)?;

    // The values the formulas compute, stored with them: LibreOffice shows
    // stored values of an .xlsx until it recalculates.
    let empty;
    let fill_or_empty = match fill {
        Some(f) => f,
        None => {
            empty = Filled {
                file: String::new(),
                sha256: String::new(),
                unit: unit.name.clone(),
                rubric: r.id.clone(),
                entries: Default::default(),
            };
            &empty
        }
    };
    let sc = crate::score::score_unit(r, fill_or_empty);
    let entered = |code: &str| fill.and_then(|fl| fl.entries.get(code));
    let mut row = lay.header_row + 1;
    let first_data = row;
    let mut bonus_cell = None;
    let mut veto_cell = None;
    // level-1 and level-2 cells merge over runs of equal values
    let mut runs: Vec<(u16, u32, u32, String)> = Vec::new();
    for item in &r.items {
        let top = row;
        for rule in &item.rules {
            let code = Rubric::code(item, rule);
            ws.write_string_with_format(row, lay.c_code, &code, &f.center)?;
            ws.write_string_with_format(row, lay.c_rule, &rule.text, &f.cell)?;
            let d = col_name(lay.c_deduct);
            match item.kind {
                ItemKind::Bonus => {
                    let cap = match rule.deduction {
                        Deduction::Bonus { cap, .. } => cap,
                        _ => crate::points::Pts::from_int(5),
                    };
                    ws.write_string_with_format(row, lay.c_points, format!("≤{cap}"), &f.center)?;
                    let dv = DataValidation::new()
                        .allow_whole_number(DataValidationRule::Between(0, (cap.hundredths() / 100) as i32))
                        .set_input_title("加分")?
                        .set_input_message(format!("在“扣分”栏填写所得加分（0至{cap}的整数），在“扣分原因”栏写明受表彰事项。"))?
                        .set_error_title("加分超出范围")?
                        .set_error_message(format!("加分应为 0 至 {cap} 的整数。"))?;
                    ws.add_data_validation(row, lay.c_deduct, row, lay.c_deduct, &dv)?;
                    ws.write_blank(row, lay.c_deduct, &f.input_num)?;
                    ws.write_formula_with_format(
                        row,
                        lay.c_score,
                        Formula::new(format!("=IF({d}{0}=\"\",0,{d}{0})", row + 1)).set_result(
                            entered(&code)
                                .map(|e| e.amount)
                                .unwrap_or_default()
                                .to_string(),
                        ),
                        &f.score,
                    )?;
                    bonus_cell = Some(row);
                }
                ItemKind::Veto => {
                    ws.write_string_with_format(row, lay.c_points, "", &f.center)?;
                    let dv = DataValidation::new()
                        .allow_list_strings(&["否", "是"])?
                        .set_input_title("一票否决")?
                        .set_input_message("发生较大以上生产安全事故填“是”，并在“扣分原因”栏写明事故情况；否则填“否”。")?
                        .set_error_title("只能填“是”或“否”")?
                        .set_error_message("请从列表中选择“是”或“否”。")?;
                    ws.add_data_validation(row, lay.c_deduct, row, lay.c_deduct, &dv)?;
                    ws.write_blank(row, lay.c_deduct, &f.input_num)?;
                    ws.write_formula_with_format(
                        row,
                        lay.c_score,
                        // "否" rather than "": an empty cached text reads as 0.
                        Formula::new(format!("=IF({d}{}=\"是\",\"否决\",\"否\")", row + 1))
                            .set_result(if sc.veto { "否决" } else { "否" }),
                        &f.center,
                    )?;
                    veto_cell = Some(row);
                }
                _ => {
                    let pts = rule.points.unwrap_or_default();
                    ws.write_number_with_format(row, lay.c_points, pts.to_f64(), &f.score)?;
                    let dv = DataValidation::new()
                        .allow_decimal_number(DataValidationRule::Between(0.0, pts.to_f64()))
                        .set_input_title(format!("{code} 扣分（0至{pts}分）"))?
                        .set_input_message(format!("填写本条扣分，0 至 {pts} 分；扣分时须在“扣分原因”栏写明原因。不扣分可留空或填 0。"))?
                        .set_error_title("扣分超出范围")?
                        .set_error_message(format!("本条分值为 {pts} 分，扣分应在 0 至 {pts} 之间。"))?;
                    ws.add_data_validation(row, lay.c_deduct, row, lay.c_deduct, &dv)?;
                    ws.write_blank(row, lay.c_deduct, &f.input_num)?;
                }
            }
            ws.write_blank(row, lay.c_reason, &f.input_text)?;
            if let Some(e) = fill.and_then(|fl| fl.entries.get(&code)) {
                if item.kind == ItemKind::Veto {
                    ws.write_string_with_format(
                        row,
                        lay.c_deduct,
                        if e.veto { "是" } else { "否" },
                        &f.input_num,
                    )?;
                } else if e.amount > crate::points::Pts::ZERO {
                    ws.write_number_with_format(
                        row,
                        lay.c_deduct,
                        e.amount.to_f64(),
                        &f.input_num,
                    )?;
                }
                if !e.reason.is_empty() {
                    ws.write_string_with_format(row, lay.c_reason, &e.reason, &f.input_text)?;
                }
            }
            row += 1;
        }
        let bottom = row - 1;
        let content = format!("{}.{}", item.no, item.content);
        // Neither Excel nor LibreOffice sizes rows under merged cells: set
        // heights that show every rule, and the item's content over them.
        let mut heights: Vec<f64> = item
            .rules
            .iter()
            .map(|r| height_for(&r.text, W_RULE))
            .collect();
        let need = height_for(&content, W_CONTENT);
        let have: f64 = heights.iter().sum();
        if need > have {
            let extra = (need - have) / heights.len() as f64;
            heights.iter_mut().for_each(|h| *h += extra);
        }
        for (k, h) in heights.iter().enumerate() {
            ws.set_row_height(top + k as u32, h.min(409.0))?;
        }
        if bottom > top {
            ws.merge_range(top, lay.c_content, bottom, lay.c_content, &content, &f.cell)?;
        } else {
            ws.write_string_with_format(top, lay.c_content, &content, &f.cell)?;
        }
        if item.kind.is_scored() {
            let (p, d) = (col_name(lay.c_points), col_name(lay.c_deduct));
            let formula = Formula::new(format!(
                "=SUM({p}{a}:{p}{b})-SUM({d}{a}:{d}{b})",
                a = top + 1,
                b = bottom + 1
            ))
            .set_result(
                sc.items
                    .iter()
                    .find(|i| i.no == item.no)
                    .map(|i| i.score)
                    .unwrap_or_default()
                    .to_string(),
            );
            if bottom > top {
                ws.merge_range(top, lay.c_score, bottom, lay.c_score, "", &f.score)?;
            }
            ws.write_formula_with_format(top, lay.c_score, formula, &f.score)?;
        }
        let mut push_run = |col: u16, text: &str| match runs.iter_mut().rev().find(|x| x.0 == col) {
            Some(last) if last.3 == text && last.2 + 1 == top => last.2 = bottom,
            _ => runs.push((col, top, bottom, text.to_string())),
        };
        push_run(lay.c_level1, &item.level1);
        if lay.level2 {
            push_run(lay.c_level2, item.level2.as_deref().unwrap_or(""));
        }
    }
    for (col, a, b, text) in runs {
        if b > a {
            ws.merge_range(a, col, b, col, &text, &f.center)?;
        } else {
            ws.write_string_with_format(a, col, &text, &f.center)?;
        }
    }
    // Totals: live, so the unit sees its score as it types.
    let s = col_name(lay.c_score);
    let base_sum = format!(
        "SUM({s}{}:{s}{})-{}",
        first_data + 1,
        row,
        bonus_cell
            .map(|b| format!("{s}{}", b + 1))
            .unwrap_or_else(|| "0".into())
    );
    let total_rows: [(&str, String, String); 3] = [
        (
            "基本得分（计分项目与减分项）",
            format!("={base_sum}"),
            sc.base.to_string(),
        ),
        (
            "加分",
            bonus_cell
                .map(|b| format!("={s}{}", b + 1))
                .unwrap_or_else(|| "=0".into()),
            sc.bonus.to_string(),
        ),
        (
            "总分",
            format!(
                "={base_sum}+{}",
                bonus_cell
                    .map(|b| format!("{s}{}", b + 1))
                    .unwrap_or_else(|| "0".into())
            ),
            sc.score.to_string(),
        ),
    ];
    for (label, formula, value) in total_rows {
        ws.merge_range(row, 0, row, lay.c_deduct, label, &f.total_label)?;
        ws.write_blank(row, lay.c_reason, &f.cell)?;
        ws.write_formula_with_format(
            row,
            lay.c_score,
            Formula::new(formula).set_result(value),
            &f.score,
        )?;
        row += 1;
    }
    if let Some(v) = veto_cell {
        let d = col_name(lay.c_deduct);
        ws.merge_range(row, 0, row, lay.c_deduct, "一票否决", &f.total_label)?;
        ws.write_blank(row, lay.c_reason, &f.cell)?;
        ws.write_formula_with_format(
            row,
            lay.c_score,
            Formula::new(format!("=IF({d}{}=\"是\",\"是\",\"否\")", v + 1))
                .set_result(if sc.veto { "是" } else { "否" }),
            &f.center,
        )?;
    }
    // Print: A4 landscape, headings on every page, one page wide.
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(lay.header_row, lay.header_row)?;
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    ws.set_freeze_panes(lay.header_row + 1, 0)?;
    // Everything but the input cells is locked; no password.
    ws.protect();
    Ok(())
}

fn meta_sheet(
    ws: &mut Worksheet,
    c: &Campaign,
    r: &Rubric,
    unit: &Unit,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    let rows = [
        (META_FORMAT, FORMAT_VERSION),
        (META_CAMPAIGN, c.id.as_str()),
        (META_RUBRIC, r.id.as_str()),
        (META_RUBRIC_HASH, r.content_hash.as_str()),
        (META_UNIT, unit.name.as_str()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string(i as u32, 0, *k)?;
        ws.write_string(i as u32, 1, *v)?;
    }
    ws.set_hidden(true);
    ws.protect();
    Ok(())
}
