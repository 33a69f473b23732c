//! The campaign's dates and times, checked when it loads: each one readable,
//! in order (notice ≤ report deadline ≤ period start ≤ period end ≤
//! circular), every unit's slot inside the period. Every error names the
//! file, the line and the field, with an example in the campaign's terms.

use crate::campaign::{Campaign, cn_date, parse_date, parse_slot};
use crate::config_err;
use crate::error::{Error, Result, printable};
use chrono::NaiveDate;

/// The 1-based line of `key = …` in table `[table]` (or in the `index`-th
/// `[[table]]`), 0 when it cannot be found.
pub fn line_of_field(src: &str, table: &str, index: Option<usize>, key: &str) -> usize {
    let mut current = String::new();
    let mut seen: Option<usize> = None;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            current = h.trim().to_string();
            if current == table {
                seen = Some(seen.map_or(0, |n| n + 1));
            }
            continue;
        }
        if let Some(h) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = h.trim().to_string();
            continue;
        }
        let in_table = current == table && (index.is_none() || seen == index);
        if in_table
            && let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return i + 1;
        }
    }
    0
}

struct Field<'a> {
    table: &'a str,
    index: Option<usize>,
    key: &'a str,
    /// What the field is, in the office's words.
    what: &'a str,
    value: &'a str,
}

impl Field<'_> {
    fn name(&self) -> String {
        match self.index {
            Some(i) => format!("第{}个 [[{}]] 的 {}", i + 1, self.table, self.key),
            None => format!("{}.{}", self.table, self.key),
        }
    }

    fn error(&self, src: &str, file: &str, msg: String) -> Error {
        let line = line_of_field(src, self.table, self.index, self.key);
        let place = if line > 0 {
            format!("第{line}行 ")
        } else {
            String::new()
        };
        config_err!(
            "{}: {place}{}（{}）：{}",
            printable(file),
            self.name(),
            self.what,
            printable(&msg)
        )
    }
}

/// Checks every date and time of the campaign.
pub fn check(c: &Campaign, src: &str, file: &str) -> Result<()> {
    let n = &c.notice;
    let order = [
        Field {
            table: "notice",
            index: None,
            key: "date",
            what: "通知日期",
            value: &n.date,
        },
        Field {
            table: "notice",
            index: None,
            key: "report_deadline",
            what: "自评报告截止日期",
            value: &n.report_deadline,
        },
        Field {
            table: "notice",
            index: None,
            key: "period_start",
            what: "考核开始日期",
            value: &n.period_start,
        },
        Field {
            table: "notice",
            index: None,
            key: "period_end",
            what: "考核结束日期",
            value: &n.period_end,
        },
        Field {
            table: "circular",
            index: None,
            key: "date",
            what: "结果通报日期",
            value: &c.circular.date,
        },
    ];
    let mut dates: Vec<NaiveDate> = Vec::new();
    for f in &order {
        let d = parse_date(f.value).map_err(|m| {
            f.error(src, file, m)
                .hint(format!("例如 {} = \"{}年11月5日\"", f.key, c.year))
        })?;
        dates.push(d);
    }
    let sequence = || {
        order
            .iter()
            .zip(&dates)
            .map(|(f, d)| format!("{} {}", f.what, cn_date(*d)))
            .collect::<Vec<_>>()
            .join(" ≤ ")
    };
    for (i, (b, d)) in order.iter().zip(&dates).enumerate().skip(1) {
        let (a, prev) = (&order[i - 1], dates[i - 1]);
        if *d < prev {
            return Err(b
                .error(
                    src,
                    file,
                    format!("{}早于{}（{}）", cn_date(*d), a.what, cn_date(prev)),
                )
                .hint(format!(
                    "日期应依次不早于前一个：通知日期 ≤ 自评报告截止日期 ≤ 考核开始日期 ≤ 考核结束日期 ≤ 结果通报日期；本方案现在是 {}",
                    sequence()
                )));
        }
    }
    if let Some(value) = &c.circular.rectify_deadline {
        let f = Field {
            table: "circular",
            index: None,
            key: "rectify_deadline",
            what: "整改期限",
            value,
        };
        let d = parse_date(value).map_err(|m| {
            f.error(src, file, m).hint(format!(
                "例如 rectify_deadline = \"{}年1月10日\"",
                c.year + 1
            ))
        })?;
        if d < dates[4] {
            return Err(f
                .error(
                    src,
                    file,
                    format!("{}早于结果通报日期（{}）", cn_date(d), cn_date(dates[4])),
                )
                .hint("整改期限应在结果通报印发之后，请改晚 rectify_deadline"));
        }
    }
    let (start, end) = (dates[2], dates[3]);
    for (i, u) in c.units.iter().enumerate() {
        let what = format!("{}的考核日期", printable(&u.name));
        let f = Field {
            table: "units",
            index: Some(i),
            key: "date",
            what: &what,
            value: &u.date,
        };
        let d = parse_date(&u.date).map_err(|m| {
            f.error(src, file, m).hint(format!(
                "例如 date = \"{}\"（考核期间 {} 至 {} 中的一天）",
                start.format("%Y-%m-%d"),
                cn_date(start),
                cn_date(end)
            ))
        })?;
        if d < start || d > end {
            return Err(f
                .error(
                    src,
                    file,
                    format!(
                        "{}不在考核期间（{}至{}）内",
                        cn_date(d),
                        cn_date(start),
                        cn_date(end)
                    ),
                )
                .hint(format!(
                    "请把 date 改为 {} 至 {} 中的一天，或修改 [notice] 的 period_start、period_end",
                    cn_date(start),
                    cn_date(end)
                )));
        }
        let what = format!("{}的考核时间", printable(&u.name));
        let f = Field {
            table: "units",
            index: Some(i),
            key: "time",
            what: &what,
            value: &u.time,
        };
        parse_slot(f.value).map_err(|m| {
            f.error(src, file, m)
                .hint("例如 time = \"09:00-10:30\"（开始时间在前，结束时间在后）")
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_table_and_index() {
        let src = "id = 1\n[notice]\ndate = \"x\"\n[circular]\ndate = \"y\"\n[[units]]\nname = \"a\"\ndate = \"1\"\n[[units]]\nname = \"b\"\ndate = \"2\"\n";
        assert_eq!(line_of_field(src, "notice", None, "date"), 3);
        assert_eq!(line_of_field(src, "circular", None, "date"), 5);
        assert_eq!(line_of_field(src, "units", Some(0), "date"), 8);
        assert_eq!(line_of_field(src, "units", Some(1), "date"), 11);
        assert_eq!(line_of_field(src, "units", Some(2), "date"), 0);
    }
}
