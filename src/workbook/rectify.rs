//! 问题整改清单: one workbook per unit, a row per deduction the 考核组 made
//! (编号, 考核项目, 存在问题), with the columns the unit fills in unlocked and
//! validated: 整改措施, 责任人 and 完成时限 (a date not after the campaign's
//! rectification deadline). `kaohe check` recognises a returned list by its
//! hidden metadata sheet and reports the rows left empty
//! (`ingest::rectify`).

use super::{FORMAT_VERSION, META_CAMPAIGN, META_FORM, META_FORMAT, META_SHEET, META_UNIT};
use crate::campaign::{Campaign, Loaded, Unit, cn_date};
use crate::error::Result;
use crate::failed;
use crate::findings::Finding;
use crate::workbook::layout::FormKind;
use chrono::Datelike;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    Workbook, Worksheet, XlsxError,
};

/// The sheet the unit fills in.
pub const SHEET: &str = "整改清单";
/// Column headings, left to right; the reader finds its columns by them.
pub const H_CODE: &str = "编号";
pub const H_ITEM: &str = "考核项目";
pub const H_PROBLEM: &str = "存在问题";
pub const H_MEASURE: &str = "整改措施";
pub const H_PERSON: &str = "责任人";
pub const H_DUE: &str = "完成时限";
/// The metadata key holding the deadline ("2018-12-31"), when there is one.
pub const META_DEADLINE: &str = "deadline";
/// The row of the headings (0-based); the findings start below it.
pub const HEADER_ROW: u32 = 3;

const HEADINGS: [(&str, f64); 6] = [
    (H_CODE, 7.0),
    (H_ITEM, 40.0),
    (H_PROBLEM, 28.0),
    (H_MEASURE, 36.0),
    (H_PERSON, 10.0),
    (H_DUE, 13.0),
];

fn x(e: XlsxError) -> crate::error::Error {
    failed!("写入 XLSX 失败：{e}")
}

/// The list's title: "海原县人民政府2018年度全市安全生产工作考核问题整改清单".
pub fn title(c: &Campaign, unit: &str) -> String {
    format!("{unit}{}问题整改清单", c.name)
}

/// The deadline of the campaign, if it sets one.
pub fn deadline(c: &Campaign) -> Option<chrono::NaiveDate> {
    c.circular.rectify_deadline.as_deref().map(Campaign::date)
}

/// The workbook for `unit` listing `found`.
pub fn workbook(l: &Loaded, unit: &Unit, found: &[Finding]) -> Result<Vec<u8>> {
    crate::timing::time(crate::timing::Stage::Xlsx, || write(l, unit, found))
}

fn excel_date(d: chrono::NaiveDate) -> std::result::Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn write(l: &Loaded, unit: &Unit, found: &[Finding]) -> Result<Vec<u8>> {
    let c = &l.campaign;
    let mut wb = Workbook::new();
    let created = excel_date(Campaign::date(&c.circular.date)).map_err(x)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title(c, &unit.name))
            .set_subject(unit.name.clone())
            .set_author(c.issuer.name.clone())
            .set_company(c.issuer.name.clone())
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    list_sheet(ws, c, unit, found).map_err(x)?;
    let meta = wb.add_worksheet();
    meta_sheet(meta, c, unit).map_err(x)?;
    wb.save_to_buffer()
        .map(crate::archive::zip_as_on_unix)
        .map_err(x)
}

fn list_sheet(
    ws: &mut Worksheet,
    c: &Campaign,
    unit: &Unit,
    found: &[Finding],
) -> std::result::Result<(), XlsxError> {
    ws.set_name(SHEET)?;
    let base = crate::workbook::cell_format();
    let input = crate::workbook::INPUT_FILL;
    let title_f = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let info = Format::new().set_font_name("仿宋").set_font_size(12);
    let header = base
        .clone()
        .set_font_name("黑体")
        .set_align(FormatAlign::Center);
    let center = base.clone().set_align(FormatAlign::Center);
    let text_in = base.clone().set_unlocked().set_background_color(input);
    let date_in = text_in
        .clone()
        .set_align(FormatAlign::Center)
        .set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let last = HEADINGS.len() as u16 - 1;
    for (i, (_, w)) in HEADINGS.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    ws.merge_range(0, 0, 0, last, &title(c, &unit.name), &title_f)?;
    ws.set_row_height(0, 42)?;
    ws.merge_range(1, 0, 1, last, &format!("被考核单位：{}", unit.name), &info)?;
    let due = deadline(c);
    let line = match due {
        Some(d) => format!(
            "请逐条填写整改措施、责任人和完成时限（不晚于{}），于{}前报{}。",
            cn_date(d),
            cn_date(d),
            c.issuer.short
        ),
        None => format!(
            "请逐条填写整改措施、责任人和完成时限，按要求报{}。",
            c.issuer.short
        ),
    };
    ws.merge_range(2, 0, 2, last, &line, &info)?;
    for (i, (h, _)) in HEADINGS.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, i as u16, *h, &header)?;
    }
    let from = Campaign::date(&unit.date);
    let mut dv = DataValidation::new();
    dv = match due {
        Some(d) => dv
            .allow_date(DataValidationRule::Between(
                excel_date(from)?,
                excel_date(d)?,
            ))
            .set_error_message(format!(
                "完成时限应为 {} 至 {} 之间的日期，如 {}。",
                cn_date(from),
                cn_date(d),
                d.format("%Y-%m-%d")
            ))?,
        None => dv
            .allow_date(DataValidationRule::GreaterThanOrEqualTo(excel_date(from)?))
            .set_error_message(format!(
                "完成时限应为 {} 以后的日期，如 {}。",
                cn_date(from),
                from.format("%Y-%m-%d")
            ))?,
    };
    let dv = dv
        .set_input_title("完成时限")?
        .set_input_message("填写日期，如 2018-12-20。")?
        .set_error_title("完成时限不是有效日期")?;
    let measure = DataValidation::new()
        .allow_text_length(DataValidationRule::Between(2, 2000))
        .set_input_title("整改措施")?
        .set_input_message("写明针对本条问题采取的整改措施。")?;
    let person = DataValidation::new()
        .allow_text_length(DataValidationRule::Between(2, 40))
        .set_input_title("责任人")?
        .set_input_message("填写整改责任人的姓名（可附职务）。")?;
    let mut row = HEADER_ROW + 1;
    for f in found {
        // Unit and assessor text is written as text, never as a formula.
        ws.write_string_with_format(row, 0, &f.code, &center)?;
        ws.write_string_with_format(row, 1, &f.requirement, &base)?;
        ws.write_string_with_format(row, 2, &f.reason, &base)?;
        ws.write_blank(row, 3, &text_in)?;
        ws.write_blank(row, 4, &text_in)?;
        ws.write_blank(row, 5, &date_in)?;
        let chars = f
            .requirement
            .chars()
            .count()
            .max(f.reason.chars().count() * 3 / 2);
        ws.set_row_height(row, 15.0 * (chars as f64 / 20.0).ceil().max(2.0))?;
        row += 1;
    }
    if found.is_empty() {
        ws.merge_range(row, 0, row, last, "本次考核未发现需要整改的问题。", &center)?;
        row += 1;
    } else {
        ws.add_data_validation(HEADER_ROW + 1, 3, row - 1, 3, &measure)?;
        ws.add_data_validation(HEADER_ROW + 1, 4, row - 1, 4, &person)?;
        ws.add_data_validation(HEADER_ROW + 1, 5, row - 1, 5, &dv)?;
    }
    ws.merge_range(
        row + 1,
        0,
        row + 1,
        last,
        "单位负责人（签字）：                    填报日期：",
        &info,
    )?;
    super::print_landscape(ws, HEADER_ROW, 0.5)?;
    ws.protect();
    Ok(())
}

fn meta_sheet(ws: &mut Worksheet, c: &Campaign, unit: &Unit) -> std::result::Result<(), XlsxError> {
    ws.set_name(META_SHEET)?;
    let rows = [
        (META_FORMAT, FORMAT_VERSION.to_string()),
        (META_CAMPAIGN, c.id.clone()),
        (META_UNIT, unit.name.clone()),
        (META_FORM, FormKind::Rectify.meta().to_string()),
        (
            META_DEADLINE,
            deadline(c)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        ws.write_string(i as u32, 0, *k)?;
        ws.write_string(i as u32, 1, v)?;
    }
    ws.set_hidden(true);
    ws.protect();
    Ok(())
}
