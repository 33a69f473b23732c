//! Blank scoring workbooks (rust_xlsxwriter): the seed's table with one row per
//! sub-rule, input cells for 扣分 and 扣分原因, validation, live formulas, a
//! protected layout and a hidden sheet that says which campaign, rubric and
//! unit the form belongs to.

use super::*;
use crate::campaign::{Campaign, Loaded, Unit};
use crate::error::Result;
use crate::failed;
use crate::points::Pts;
use crate::rubric::{Deduction, Item, ItemKind, Rubric, Rule as RubricRule};
use crate::score::UnitScore;
use crate::workbook::ingest::{Entry, Filled};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    Formula, Workbook, Worksheet, XlsxError,
};

pub use super::layout::{Col, FormKind, Layout};
use super::layout::{H_ASSESSOR, W_CONTENT, W_RULE};

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
    /// The self-assessment on the assessor form: shown, not changed.
    locked_num: Format,
    locked_text: Format,
}

fn formats() -> Formats {
    let base = crate::workbook::cell_format();
    let input = crate::workbook::INPUT_FILL;
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
        locked_num: base
            .clone()
            .set_align(FormatAlign::Center)
            .set_num_format("0.##")
            .set_background_color(Color::RGB(0xEDEDED)),
        locked_text: base.clone().set_background_color(Color::RGB(0xEDEDED)),
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
    crate::timing::time(crate::timing::Stage::Xlsx, || {
        write_form(l, unit, fill, None)
    })
}

/// The archive copy in `filled/`: the record sheet (考核记录, shown when
/// the file opens and printed first) with the unit's scores, then the form
/// as it came back, unchanged.
pub fn archive_workbook(
    l: &Loaded,
    unit: &Unit,
    fill: &Filled,
    score: &UnitScore,
) -> Result<Vec<u8>> {
    crate::timing::time(crate::timing::Stage::Xlsx, || {
        write_form(l, unit, Some(fill), Some(score))
    })
}

fn write_form(
    l: &Loaded,
    unit: &Unit,
    fill: Option<&Filled>,
    record: Option<&UnitScore>,
) -> Result<Vec<u8>> {
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
    if let Some(u) = record {
        super::record::add_record_sheet(&mut wb, l, u).map_err(x)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(SCORING_SHEET).map_err(x)?;
    scoring_sheet(ws, c, r, unit, fill).map_err(x)?;
    let meta = wb.add_worksheet();
    meta_sheet(meta, c, r, unit, fill).map_err(x)?;
    wb.save_to_buffer()
        .map(crate::archive::zip_as_on_unix)
        .map_err(x)
}

/// What one sheet is written from: the layout, the campaign, the unit's
/// rubric and, for a filled or assessor form, the entries.
struct Sheet<'a> {
    lay: Layout,
    c: &'a Campaign,
    r: &'a Rubric,
    unit: &'a Unit,
    f: Formats,
    fill: Option<&'a Filled>,
    /// The score of the entries, stored beside each formula: LibreOffice
    /// shows stored values of an .xlsx until it recalculates.
    sc: crate::score::UnitScore,
}

/// Rows of the sheet that the totals refer to.
#[derive(Default)]
struct Marks {
    first_data: u32,
    bonus: Option<u32>,
    veto: Option<u32>,
}

fn scoring_sheet(
    ws: &mut Worksheet,
    c: &Campaign,
    r: &Rubric,
    unit: &Unit,
    fill: Option<&Filled>,
) -> std::result::Result<(), XlsxError> {
    let kind = fill.map(|f| f.kind).unwrap_or_default();
    let empty = Filled {
        unit: unit.name.clone(),
        rubric: r.id.clone(),
        ..Filled::default()
    };
    let s = Sheet {
        lay: Layout::new(r, kind),
        c,
        r,
        unit,
        f: formats(),
        fill,
        sc: crate::score::score_unit(r, fill.unwrap_or(&empty)),
    };
    s.title_rows(ws)?;
    s.header_row(ws)?;
    let (marks, end) = s.rule_rows(ws)?;
    let end = s.totals(ws, &marks, end)?;
    s.print_and_protect(ws, end)
}

impl Sheet<'_> {
    fn entry(&self, code: &str) -> Option<&Entry> {
        self.fill.and_then(|fl| fl.entries.get(code))
    }

    fn self_entry(&self, code: &str) -> Option<&Entry> {
        self.fill
            .and_then(|fl| fl.self_assessment.as_ref())
            .and_then(|s| s.entries.get(code))
    }

    /// The title, the unit and rubric line, and on the assessor form the
    /// 考核人 line with its input cell.
    fn title_rows(&self, ws: &mut Worksheet) -> std::result::Result<(), XlsxError> {
        let (lay, f) = (&self.lay, &self.f);
        let title = match lay.kind {
            FormKind::Unit | FormKind::Rectify => form_title(self.c),
            FormKind::Assessor => format!("{}（考核组）", form_title(self.c)),
        };
        ws.merge_range(0, 0, 0, lay.last(), &title, &f.title)?;
        ws.set_row_height(0, 30)?;
        let rule = lay.at(Col::Rule);
        ws.merge_range(
            1,
            0,
            1,
            rule,
            &format!("被考核单位：{}", self.unit.name),
            &f.info,
        )?;
        ws.merge_range(1, rule + 1, 1, lay.last(), &self.r.title, &f.info)?;
        if lay.kind == FormKind::Assessor {
            let code = lay.at(Col::Code);
            ws.merge_range(
                2,
                0,
                2,
                code,
                &format!("{H_ASSESSOR}（填写本人姓名）："),
                &f.info,
            )?;
            let name = self
                .fill
                .and_then(|fl| fl.assessor.as_deref())
                .unwrap_or("");
            ws.write_string_with_format(2, rule, name, &f.input_text)?;
            ws.merge_range(
                2,
                rule + 1,
                2,
                lay.last(),
                "左侧“自评扣分”“自评说明”是单位自评，不能修改；考核组在“扣分”“扣分原因”栏评分",
                &f.info,
            )?;
            ws.set_row_height(2, 22)?;
        }
        Ok(())
    }

    fn header_row(&self, ws: &mut Worksheet) -> std::result::Result<(), XlsxError> {
        let lay = &self.lay;
        for (i, col) in lay.cols().iter().enumerate() {
            let i = i as u16;
            ws.write_string_with_format(lay.header_row, i, col.heading(self.r), &self.f.header)?;
            ws.set_column_width(i, col.width())?;
        }
        ws.set_row_height(lay.header_row, 24)?;
        Ok(())
    }

    /// Every rule's row, item by item, then the level-1 and level-2 cells
    /// merged over runs of equal headings. Returns the first row after.
    fn rule_rows(&self, ws: &mut Worksheet) -> std::result::Result<(Marks, u32), XlsxError> {
        let lay = &self.lay;
        let mut row = lay.header_row + 1;
        let mut marks = Marks {
            first_data: row,
            ..Marks::default()
        };
        let mut runs: Vec<(u16, u32, u32, String)> = Vec::new();
        for item in &self.r.items {
            let top = row;
            for rule in &item.rules {
                self.rule_row(ws, item, rule, row, &mut marks)?;
                row += 1;
            }
            self.item_cells(ws, item, top, row - 1)?;
            let mut push_run =
                |col: u16, text: &str| match runs.iter_mut().rev().find(|x| x.0 == col) {
                    Some(last) if last.3 == text && last.2 + 1 == top => last.2 = row - 1,
                    _ => runs.push((col, top, row - 1, text.to_string())),
                };
            push_run(lay.at(Col::Level1), &item.level1);
            if lay.level2 {
                push_run(lay.at(Col::Level2), item.level2.as_deref().unwrap_or(""));
            }
        }
        for (col, a, b, text) in runs {
            if b > a {
                ws.merge_range(a, col, b, col, &text, &self.f.center)?;
            } else {
                ws.write_string_with_format(a, col, &text, &self.f.center)?;
            }
        }
        Ok((marks, row))
    }

    /// One rule: 编号, its text, 分值 and the input cells with their
    /// validation (a deduction, the bonus or the veto), the entries when
    /// there are some, and the self-assessment beside them.
    fn rule_row(
        &self,
        ws: &mut Worksheet,
        item: &Item,
        rule: &RubricRule,
        row: u32,
        marks: &mut Marks,
    ) -> std::result::Result<(), XlsxError> {
        let (lay, f) = (&self.lay, &self.f);
        let code = Rubric::code(item, rule);
        let (c_deduct, c_reason) = (lay.at(Col::Deduct), lay.at(Col::Reason));
        ws.write_string_with_format(row, lay.at(Col::Code), &code, &f.center)?;
        ws.write_string_with_format(row, lay.at(Col::Rule), &rule.text, &f.cell)?;
        let d = col_name(c_deduct);
        let c_points = lay.at(Col::Points);
        let c_score = lay.at(Col::Score);
        match item.kind {
            ItemKind::Bonus => {
                let cap = match rule.deduction {
                    Deduction::Bonus { cap, .. } => cap,
                    _ => Pts::from_int(5),
                };
                ws.write_string_with_format(row, c_points, format!("≤{cap}"), &f.center)?;
                let dv = DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(
                        0,
                        (cap.hundredths() / 100) as i32,
                    ))
                    .set_input_title("加分")?
                    .set_input_message(format!(
                        "在“扣分”栏填写所得加分（0至{cap}的整数），在“扣分原因”栏写明受表彰事项。"
                    ))?
                    .set_error_title("加分超出范围")?
                    .set_error_message(format!("加分应为 0 至 {cap} 的整数。"))?;
                ws.add_data_validation(row, c_deduct, row, c_deduct, &dv)?;
                ws.write_blank(row, c_deduct, &f.input_num)?;
                let got = self.entry(&code).map(|e| e.amount).unwrap_or_default();
                ws.write_formula_with_format(
                    row,
                    c_score,
                    Formula::new(format!("=IF({d}{0}=\"\",0,{d}{0})", row + 1))
                        .set_result(got.to_string()),
                    &f.score,
                )?;
                marks.bonus = Some(row);
            }
            ItemKind::Veto => {
                ws.write_string_with_format(row, c_points, "", &f.center)?;
                let dv = DataValidation::new()
                    .allow_list_strings(&["否", "是"])?
                    .set_input_title("一票否决")?
                    .set_input_message("发生较大以上生产安全事故填“是”，并在“扣分原因”栏写明事故情况；否则填“否”。")?
                    .set_error_title("只能填“是”或“否”")?
                    .set_error_message("请从列表中选择“是”或“否”。")?;
                ws.add_data_validation(row, c_deduct, row, c_deduct, &dv)?;
                ws.write_blank(row, c_deduct, &f.input_num)?;
                ws.write_formula_with_format(
                    row,
                    c_score,
                    // "否" rather than "": an empty cached text reads as 0.
                    Formula::new(format!("=IF({d}{}=\"是\",\"否决\",\"否\")", row + 1))
                        .set_result(if self.sc.veto { "否决" } else { "否" }),
                    &f.center,
                )?;
                marks.veto = Some(row);
            }
            _ => {
                let pts = rule.points.unwrap_or_default();
                ws.write_number_with_format(row, c_points, pts.to_f64(), &f.score)?;
                let dv = DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(0.0, pts.to_f64()))
                    .set_input_title(format!("{code} 扣分（0至{pts}分）"))?
                    .set_input_message(format!("填写本条扣分，0 至 {pts} 分；扣分时须在“扣分原因”栏写明原因。不扣分可留空或填 0。"))?
                    .set_error_title("扣分超出范围")?
                    .set_error_message(format!("本条分值为 {pts} 分，扣分应在 0 至 {pts} 之间。"))?;
                ws.add_data_validation(row, c_deduct, row, c_deduct, &dv)?;
                ws.write_blank(row, c_deduct, &f.input_num)?;
            }
        }
        ws.write_blank(row, c_reason, &f.input_text)?;
        if let Some(e) = self.entry(&code) {
            self.write_entry(
                ws,
                row,
                c_deduct,
                c_reason,
                item.kind,
                e,
                &f.input_num,
                &f.input_text,
            )?;
        }
        if lay.kind == FormKind::Assessor {
            let (sd, sr) = (lay.at(Col::SelfDeduct), lay.at(Col::SelfReason));
            ws.write_blank(row, sd, &f.locked_num)?;
            ws.write_blank(row, sr, &f.locked_text)?;
            if let Some(e) = self.self_entry(&code) {
                self.write_entry(ws, row, sd, sr, item.kind, e, &f.locked_num, &f.locked_text)?;
            }
        }
        Ok(())
    }

    /// An entry into its 扣分 and 扣分原因 cells (text always as text).
    #[allow(clippy::too_many_arguments)]
    fn write_entry(
        &self,
        ws: &mut Worksheet,
        row: u32,
        c_amount: u16,
        c_reason: u16,
        kind: ItemKind,
        e: &Entry,
        num: &Format,
        text: &Format,
    ) -> std::result::Result<(), XlsxError> {
        if kind == ItemKind::Veto {
            ws.write_string_with_format(row, c_amount, if e.veto { "是" } else { "否" }, num)?;
        } else if e.amount > Pts::ZERO {
            ws.write_number_with_format(row, c_amount, e.amount.to_f64(), num)?;
        }
        if !e.reason.is_empty() {
            ws.write_string_with_format(row, c_reason, &e.reason, text)?;
        }
        Ok(())
    }

    /// The item's content over its rules, the rows tall enough to show
    /// them, and the item's live score.
    fn item_cells(
        &self,
        ws: &mut Worksheet,
        item: &Item,
        top: u32,
        bottom: u32,
    ) -> std::result::Result<(), XlsxError> {
        let (lay, f) = (&self.lay, &self.f);
        let content = format!("{}.{}", item.no, item.content);
        // Neither Excel nor LibreOffice sizes rows under merged cells: set
        // heights that show every rule, and the item's content over them.
        let mut heights: Vec<f64> = item
            .rules
            .iter()
            .map(|r| {
                let own = self
                    .self_entry(&Rubric::code(item, r))
                    .map(|e| height_for(&e.reason, Col::SelfReason.width()))
                    .unwrap_or(0.0);
                height_for(&r.text, W_RULE).max(own)
            })
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
        let c_content = lay.at(Col::Content);
        if bottom > top {
            ws.merge_range(top, c_content, bottom, c_content, &content, &f.cell)?;
        } else {
            ws.write_string_with_format(top, c_content, &content, &f.cell)?;
        }
        if item.kind.is_scored() {
            let (p, d) = (col_name(lay.at(Col::Points)), col_name(lay.at(Col::Deduct)));
            let formula = Formula::new(format!(
                "=SUM({p}{a}:{p}{b})-SUM({d}{a}:{d}{b})",
                a = top + 1,
                b = bottom + 1
            ))
            .set_result(
                self.sc
                    .items
                    .iter()
                    .find(|i| i.no == item.no)
                    .map(|i| i.score)
                    .unwrap_or_default()
                    .to_string(),
            );
            let c_score = lay.at(Col::Score);
            if bottom > top {
                ws.merge_range(top, c_score, bottom, c_score, "", &f.score)?;
            }
            ws.write_formula_with_format(top, c_score, formula, &f.score)?;
        }
        Ok(())
    }

    /// 基本得分, 加分, 总分 and 一票否决: live, so the person filling the
    /// form sees the score as they type. Returns the row after them.
    fn totals(
        &self,
        ws: &mut Worksheet,
        marks: &Marks,
        mut row: u32,
    ) -> std::result::Result<u32, XlsxError> {
        let (lay, f, sc) = (&self.lay, &self.f, &self.sc);
        let s = col_name(lay.at(Col::Score));
        let (c_label, c_reason, c_score) = (
            lay.at(Col::Reason) - 1,
            lay.at(Col::Reason),
            lay.at(Col::Score),
        );
        let bonus = marks
            .bonus
            .map(|b| format!("{s}{}", b + 1))
            .unwrap_or_else(|| "0".into());
        let base_sum = format!("SUM({s}{}:{s}{})-{bonus}", marks.first_data + 1, row);
        let total_rows: [(&str, String, String); 3] = [
            (
                "基本得分（计分项目与减分项）",
                format!("={base_sum}"),
                sc.base.to_string(),
            ),
            ("加分", format!("={bonus}"), sc.bonus.to_string()),
            ("总分", format!("={base_sum}+{bonus}"), sc.score.to_string()),
        ];
        for (label, formula, value) in total_rows {
            ws.merge_range(row, 0, row, c_label, label, &f.total_label)?;
            ws.write_blank(row, c_reason, &f.cell)?;
            ws.write_formula_with_format(
                row,
                c_score,
                Formula::new(formula).set_result(value),
                &f.score,
            )?;
            row += 1;
        }
        if let Some(v) = marks.veto {
            let d = col_name(lay.at(Col::Deduct));
            ws.merge_range(row, 0, row, c_label, "一票否决", &f.total_label)?;
            ws.write_blank(row, c_reason, &f.cell)?;
            ws.write_formula_with_format(
                row,
                c_score,
                Formula::new(format!("=IF({d}{}=\"是\",\"是\",\"否\")", v + 1))
                    .set_result(if sc.veto { "是" } else { "否" }),
                &f.center,
            )?;
            row += 1;
        }
        Ok(row)
    }

    /// A4 landscape, headings on every page, one page wide; everything but
    /// the input cells locked (no password).
    fn print_and_protect(
        &self,
        ws: &mut Worksheet,
        _end: u32,
    ) -> std::result::Result<(), XlsxError> {
        let lay = &self.lay;
        super::print_landscape(ws, lay.header_row, 0.5)?;
        ws.protect();
        Ok(())
    }
}

fn meta_sheet(
    ws: &mut Worksheet,
    c: &Campaign,
    r: &Rubric,
    unit: &Unit,
    fill: Option<&Filled>,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    let kind = fill.map(|f| f.kind).unwrap_or_default();
    let mut rows = vec![
        (META_FORMAT, FORMAT_VERSION.to_string()),
        (META_CAMPAIGN, c.id.clone()),
        (META_RUBRIC, r.id.clone()),
        (META_RUBRIC_HASH, r.content_hash.clone()),
        (META_UNIT, unit.name.clone()),
    ];
    // The assessor form says so, and carries what the self columns must
    // hold: an edited self-assessment is found when the form comes back.
    if kind == FormKind::Assessor {
        let own = fill.and_then(|f| f.self_assessment.as_ref());
        rows.push((META_FORM, kind.meta().to_string()));
        rows.push((META_SELF_HASH, own.map(|s| s.hash()).unwrap_or_default()));
        rows.push((
            META_SELF_FILE,
            own.map(|s| s.file_sha256.clone()).unwrap_or_default(),
        ));
    }
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string(i as u32, 0, *k)?;
        ws.write_string(i as u32, 1, v)?;
    }
    ws.set_hidden(true);
    ws.protect();
    Ok(())
}
