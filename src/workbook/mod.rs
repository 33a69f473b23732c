//! The scoring workbooks: blank forms written for each unit, filled forms read
//! back. The two sides share the names below, so a form kaohe wrote is a form
//! kaohe can read.

pub mod assessor;
pub mod blank;
pub mod ingest;
pub mod layout;
#[cfg(test)]
mod reader_tests;
pub mod record;
pub mod rectify;
pub mod results;
pub mod scan;
pub mod summary;

/// The sheet a unit fills in.
pub const SCORING_SHEET: &str = "评分表";
/// The hidden sheet that identifies the form.
pub const META_SHEET: &str = "kaohe";
/// Column headings the reader looks for (the rest of the layout may move).
pub const H_CODE: &str = "编号";
pub const H_DEDUCT: &str = "扣分";
pub const H_REASON: &str = "扣分原因";
/// Keys of the metadata sheet, one per row: key in column A, value in B.
pub const META_CAMPAIGN: &str = "campaign";
pub const META_RUBRIC: &str = "rubric";
pub const META_RUBRIC_HASH: &str = "rubric_sha256";
pub const META_UNIT: &str = "unit";
pub const META_FORMAT: &str = "format";
/// Which round the form belongs to (`assessor` on the 考核组's form; absent
/// on the unit's own form).
pub const META_FORM: &str = "form";
/// On the assessor form: the hash of the self-assessment its read-only
/// columns carry, and the SHA-256 of the unit's file it came from.
pub const META_SELF_HASH: &str = "self_sha256";
pub const META_SELF_FILE: &str = "self_file_sha256";
/// Version of the form layout.
pub const FORMAT_VERSION: &str = "kaohe-form-1";

/// A file name made from a unit's name: no path separators, no `..`, no
/// control characters, at most 80 characters and 240 bytes (file systems
/// allow 255 bytes, and 80 characters of 𠀀 are 320); the unit's name stays
/// readable.
pub fn safe_file_name(name: &str) -> String {
    let mut bytes = 0;
    let mut s: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(80)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= 240
        })
        .collect();
    s = s
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_string();
    if s.is_empty() {
        "_".to_string()
    } else {
        crate::os::not_a_device(&s)
    }
}

/// Workbook properties dated `date` (a campaign date): rust_xlsxwriter
/// stamps the current time otherwise, and the same inputs must give the
/// same bytes.
pub fn properties(
    date: &str,
) -> Result<rust_xlsxwriter::DocProperties, rust_xlsxwriter::XlsxError> {
    use chrono::Datelike;
    let d = crate::campaign::Campaign::date(date);
    let created =
        rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
    Ok(rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created))
}

/// A bordered table cell of kaohe's workbooks: 仿宋 11 pt, wrapped,
/// centred vertically (the forms, the rectification list, the results and
/// the self-assessment summary).
pub fn cell_format() -> rust_xlsxwriter::Format {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};
    Format::new()
        .set_font_name("仿宋")
        .set_font_size(11)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
}

/// The fill of the cells a unit or an assessor types into.
pub const INPUT_FILL: rust_xlsxwriter::Color = rust_xlsxwriter::Color::RGB(0xFFF8DC);

/// The print setup of every form and record: A4 landscape, one page wide,
/// the heading row `header` repeated and frozen, centred, `side` inches left
/// and right, "第 N 页，共 M 页" in the footer.
pub fn print_landscape(
    ws: &mut rust_xlsxwriter::Worksheet,
    header: u32,
    side: f64,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(header, header)?;
    ws.set_print_center_horizontally(true);
    ws.set_margins(side, side, 0.6, 0.6, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    ws.set_freeze_panes(header + 1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_stay_inside() {
        assert_eq!(safe_file_name("市安监局"), "市安监局");
        assert_eq!(safe_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_file_name(".."), "_");
        assert_eq!(safe_file_name("a\\b\u{7}c"), "a_b_c");
        assert_eq!(safe_file_name(&"长".repeat(200)).chars().count(), 80);
    }
}
