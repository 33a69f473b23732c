//! `kaohe schedule`: the schedule (附件3) as PDF, XLSX and an iCalendar file
//! (written by `doc::ics`).

use super::{Ctx, Files, Job, publish, write_outputs};
use crate::campaign::{Campaign, Loaded, cn_month_day, parse_slot};
use crate::error::Result;
use crate::failed;
use crate::render::{Template, docs};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// Slots that overlap on the same day: an error naming both units.
pub fn check(l: &Loaded) -> Result<()> {
    let units = &l.campaign.units;
    let mut problems = Vec::new();
    for (i, a) in units.iter().enumerate() {
        let (a0, a1) = parse_slot(&a.time).expect("checked on load");
        for b in &units[i + 1..] {
            let (b0, b1) = parse_slot(&b.time).expect("checked on load");
            if Campaign::date(&a.date) == Campaign::date(&b.date) && a0 < b1 && b0 < a1 {
                problems.push(format!(
                    "{}: 考核时间重叠：{}（{} {}）与{}（{} {}）",
                    l.source, a.name, a.date, a.time, b.name, b.date, b.time
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::config_err!("{}", problems.join("\n"))
            .hint("请在考核方案的 [[units]] 中把其中一个单位的 date 或 time 改开"))
    }
}

pub fn job(l: &Loaded) -> Job<'static> {
    Job::new(
        l,
        "schedule.pdf".into(),
        Template::Sheets,
        docs::schedule(l),
        &l.campaign.notice.date,
        false,
    )
    .whole()
}

/// The schedule as a workbook, the date cell merged over its units.
pub fn xlsx(l: &Loaded) -> Result<Vec<u8>> {
    let x = |e: XlsxError| failed!("写入 schedule.xlsx 失败：{e}");
    let c = &l.campaign;
    let mut wb = Workbook::new();
    wb.set_properties(&crate::workbook::properties(&c.notice.date).map_err(x)?);
    let ws = wb.add_worksheet();
    ws.set_name("考核时间安排").map_err(x)?;
    let cell = Format::new()
        .set_font_name("仿宋")
        .set_font_size(12)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let head = cell.clone().set_font_name("黑体");
    let title = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    ws.merge_range(0, 0, 0, 3, &c.schedule.title, &title)
        .map_err(x)?;
    for (col, (h, w)) in [
        ("序号", 6.0),
        ("考核单位", 24.0),
        ("考核日期", 12.0),
        ("考核时间", 14.0),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(1, col as u16, *h, &head)
            .map_err(x)?;
        ws.set_column_width(col as u16, *w).map_err(x)?;
    }
    let mut row = 2u32;
    let mut i = 0;
    while i < c.units.len() {
        let date = &c.units[i].date;
        let mut j = i;
        while j + 1 < c.units.len() && &c.units[j + 1].date == date {
            j += 1;
        }
        let text = cn_month_day(Campaign::date(date));
        if j > i {
            ws.merge_range(row, 2, row + (j - i) as u32, 2, &text, &cell)
                .map_err(x)?;
        } else {
            ws.write_string_with_format(row, 2, &text, &cell)
                .map_err(x)?;
        }
        for (k, u) in c.units[i..=j].iter().enumerate() {
            let r = row + k as u32;
            ws.write_number_with_format(r, 0, (i + k + 1) as f64, &cell)
                .map_err(x)?;
            ws.write_string_with_format(r, 1, &u.name, &cell)
                .map_err(x)?;
            ws.write_string_with_format(r, 3, crate::campaign::slot_text(&u.time), &cell)
                .map_err(x)?;
        }
        row += (j - i + 1) as u32;
        i = j + 1;
    }
    let note = Format::new().set_font_name("仿宋").set_font_size(12);
    ws.merge_range(row, 0, row, 3, &c.schedule.note, &note)
        .map_err(x)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    wb.save_to_buffer()
        .map(crate::archive::zip_as_on_unix)
        .map_err(x)
}

/// schedule.xlsx and schedule.ics.
pub fn files(l: &Loaded) -> Result<Files> {
    Ok(vec![
        ("schedule.xlsx".into(), xlsx(l)?),
        (
            "schedule.ics".into(),
            crate::doc::ics::calendar(l).into_bytes(),
        ),
    ])
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    check(&l)?;
    let engine = ctx.engine(&l)?;
    write_outputs(ctx, &l, None, |s| {
        publish(ctx, &engine, vec![job(&l)], |k| k.extend(files(&l)?), s)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_schedule_has_no_overlaps() {
        let l = crate::campaign::load(None).unwrap();
        check(&l).unwrap();
    }
}
