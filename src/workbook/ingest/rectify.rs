//! Reading a returned 问题整改清单 (`workbook::rectify`): found by its
//! metadata, its columns by their headings, every row with a 编号 checked
//! for 整改措施, 责任人 and a 完成时限 that is a date not after the deadline.
//! A row left empty is an error naming its cell, so `kaohe check` tells the
//! office which lists to send back.

use super::open::{SheetError, sheet_range};
use super::*;
use crate::campaign::{cn_date, parse_date};
use crate::workbook::rectify::{H_CODE, H_DUE, H_MEASURE, H_PERSON, META_DEADLINE, SHEET};

type Read = (Option<Filled>, Vec<Problem>);

/// Reads the list whose metadata `meta` was read from `wb`.
pub(super) fn read(
    wb: &mut calamine::Sheets<std::io::Cursor<&[u8]>>,
    meta: &BTreeMap<String, String>,
    bytes: &[u8],
    file: &str,
    l: &Loaded,
) -> Read {
    let get = |k: &str| meta.get(k).map(String::as_str).unwrap_or("");
    let c = &l.campaign;
    let campaign = get(META_CAMPAIGN);
    if campaign != c.id {
        return (
            None,
            vec![whole(
                file,
                format!(
                    "这是考核“{campaign}”的问题整改清单，不是本次考核（{}）的",
                    c.id
                ),
            )],
        );
    }
    let unit = get(META_UNIT);
    if l.unit(unit).is_none() {
        return (
            None,
            vec![whole(
                file,
                format!("问题整改清单中的单位“{unit}”不在本次考核的被考核单位中"),
            )],
        );
    }
    let range = match sheet_range(wb, SHEET, &c.limits) {
        Ok(cells) => cells.range,
        Err(SheetError::TooBig(m)) => return (None, vec![whole(file, m)]),
        Err(_) => {
            return (
                None,
                vec![whole(
                    file,
                    format!(
                        "找不到“{SHEET}”工作表，问题整改清单的结构被改动；请在下发的清单上填写"
                    ),
                )],
            );
        }
    };
    let deadline = parse_date(get(META_DEADLINE)).ok();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let rows: Vec<&[Data]> = range.rows().collect();
    let find = |h: &str| -> Option<(usize, usize)> {
        rows.iter()
            .take(20)
            .enumerate()
            .find_map(|(i, row)| row.iter().position(|d| cell_text(d) == h).map(|j| (i, j)))
    };
    let (Some((hr, code)), Some((_, measure)), Some((_, person)), Some((_, due))) =
        (find(H_CODE), find(H_MEASURE), find(H_PERSON), find(H_DUE))
    else {
        return (
            None,
            vec![whole(
                file,
                format!(
                    "“{SHEET}”工作表中找不到“{H_CODE}”“{H_MEASURE}”“{H_PERSON}”“{H_DUE}”表头行，表格结构被改动"
                ),
            )],
        );
    };
    let at = |i: usize, j: usize| a1(r0 + i as u32, c0 + j as u32);
    let mut problems = Vec::new();
    let mut say = |i: usize, j: usize, message: String| {
        problems.push(Problem {
            file: file.into(),
            sheet: Some(SHEET.into()),
            cell: Some(at(i, j)),
            message,
            error: true,
            hint: Some(format!("请{unit}补填后重新报送")),
        })
    };
    let mut entries = BTreeMap::new();
    for (i, row) in rows.iter().enumerate().skip(hr + 1) {
        let cell = |j: usize| row.get(j).unwrap_or(&Data::Empty);
        let no = cell_text(cell(code));
        if no.is_empty() || !no.chars().next().is_some_and(|ch| ch.is_ascii_digit()) {
            continue;
        }
        let text = cell_text(cell(measure));
        if text.is_empty() {
            say(i, measure, format!("第{no}条问题的整改措施未填写"));
        }
        if cell_text(cell(person)).is_empty() {
            say(i, person, format!("第{no}条问题的责任人未填写"));
        }
        match due_date(cell(due)) {
            Err(None) => say(i, due, format!("第{no}条问题的完成时限未填写")),
            Err(Some(t)) => say(
                i,
                due,
                format!("第{no}条问题的完成时限“{t}”不是日期（请填写如 2018-12-20 的日期）"),
            ),
            Ok(d) => {
                if let Some(limit) = deadline.filter(|limit| d > *limit) {
                    say(
                        i,
                        due,
                        format!(
                            "第{no}条问题的完成时限{}晚于整改期限{}",
                            cn_date(d),
                            cn_date(limit)
                        ),
                    );
                }
            }
        }
        entries.insert(
            no,
            Entry {
                amount: crate::points::Pts::ZERO,
                veto: false,
                reason: text,
            },
        );
    }
    if problems.is_empty() {
        let unit = l.unit(unit).expect("checked above");
        (
            Some(Filled {
                file: file.into(),
                sha256: crate::archive::sha256_hex(bytes),
                unit: unit.name.clone(),
                rubric: unit.rubric.clone(),
                entries,
                kind: FormKind::Rectify,
                sheet: SHEET.into(),
                ..Filled::default()
            }),
            problems,
        )
    } else {
        (None, problems)
    }
}

/// A 完成时限 cell as a date: a date cell, a date serial, or text such as
/// "2018-12-20" or "2018年12月20日". `Err(None)`: empty; `Err(Some(text))`:
/// not a date.
fn due_date(d: &Data) -> Result<chrono::NaiveDate, Option<String>> {
    match d {
        Data::Empty => Err(None),
        Data::String(s) if s.trim().is_empty() => Err(None),
        Data::DateTime(_) | Data::Float(_) | Data::Int(_) => {
            let serial = match d {
                Data::DateTime(x) => x.as_f64(),
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => unreachable!(),
            };
            parse_date(&excel_date(serial)).map_err(|_| Some(cell_text(d)))
        }
        other => {
            let t = cell_text(other);
            parse_date(&t).map_err(|_| Some(t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            due_date(&Data::String("2018-12-20".into())),
            Ok(d(2018, 12, 20))
        );
        assert_eq!(
            due_date(&Data::String("2018年12月5日".into())),
            Ok(d(2018, 12, 5))
        );
        assert_eq!(due_date(&Data::Float(43454.0)), Ok(d(2018, 12, 20)));
        assert_eq!(due_date(&Data::Empty), Err(None));
        assert_eq!(
            due_date(&Data::String("年底前".into())),
            Err(Some("年底前".into()))
        );
    }
}
