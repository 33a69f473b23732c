//! Every number a user reads, read back from the PDFs kaohe prints: each
//! unit's filled score sheet (item scores, base, bonus, veto, total, rank,
//! grade), its row in the circular's ranking (rank, level-1 subtotals,
//! bonus, total, grade, the 一票否决 mark and note), and the schedule's
//! dates and times. Compared with results.json for every unit here, and with
//! hand-computed values in `workbooks::score_command_publishes_results_for_all_units`.
//! Text comes from `pdftotext -raw` (content order, so wrapped cells stay
//! whole).

use crate::support::{squeeze, tool};
use kaohe::campaign::{self, Loaded};
use kaohe::points::Pts;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The text of a PDF in content order.
pub fn raw_text(pdf: &Path) -> String {
    let out = tool("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8(out.stdout).unwrap()
}

/// Whitespace-separated words, without the page numbers ("— 5 —").
fn words(text: &str) -> Vec<String> {
    let w: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if w[i] == "—" && i + 2 < w.len() && w[i + 2] == "—" {
            i += 3;
            continue;
        }
        out.push(w[i].to_string());
        i += 1;
    }
    out
}

/// A number as results.json has it, as kaohe prints it.
pub fn pts(v: &Value) -> String {
    Pts::from_f64(v.as_f64().unwrap_or_else(|| panic!("{v} is a number")))
        .unwrap()
        .to_string()
}

/// One row of the circular's ranking.
#[derive(Debug, PartialEq)]
pub struct Row {
    pub rank: String,
    pub subtotals: Vec<String>,
    pub bonus: String,
    pub total: String,
    pub grade: String,
    /// 自评得分, when the ranking has the column ("—" for a unit without).
    pub own: Option<String>,
    /// Printed with ※.
    pub vetoed: bool,
}

/// The ranking rows of circular.pdf by unit: `rank unit[※] subtotals… bonus
/// total grade`, for the units of `l` (whose groups have `headings` level-1
/// headings each).
pub fn circular_rows(pdf: &Path, l: &Loaded) -> BTreeMap<String, Row> {
    let text = raw_text(pdf);
    let mut rows = BTreeMap::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        // a vetoed unit has 一票否决 in its rank (and grade) cell
        if w.len() < 5 || (w[0].parse::<u32>().is_err() && w[0] != "一票否决") {
            continue;
        }
        let name = w[1].trim_end_matches('※');
        let Some(unit) = l.unit(name) else {
            continue;
        };
        let n = l.rubric(&unit.rubric).scored_level1_headings().len();
        // the units' self-assessed scores in a last column, when known
        assert!(
            w.len() == 2 + n + 3 || w.len() == 2 + n + 4,
            "a ranking row of {name}: {line}"
        );
        let row = Row {
            rank: w[0].to_string(),
            subtotals: w[2..2 + n].iter().map(|s| s.to_string()).collect(),
            bonus: w[2 + n].to_string(),
            total: w[3 + n].to_string(),
            grade: w[4 + n].to_string(),
            own: w.get(5 + n).map(|s| s.to_string()),
            vetoed: w[1].ends_with('※'),
        };
        assert!(
            rows.insert(name.to_string(), row).is_none(),
            "{name} ranked twice"
        );
    }
    rows
}

/// The summary under a filled sheet, whitespace removed: base, bonus,
/// veto, total, rank (group), grade.
pub fn filled_summary(pdf: &Path) -> String {
    let text = raw_text(pdf);
    // with 自评得分 after 总分 when the unit's self-assessment is known
    let (at, head) = [
        "基本得分 加分 一票否决 总分 名次 等次",
        "基本得分 加分 一票否决 总分 自评得分 名次 等次",
    ]
    .iter()
    .find_map(|h| text.find(h).map(|at| (at, *h)))
    .unwrap_or_else(|| panic!("{}: no summary", pdf.display()));
    let rest = &text[at + head.len()..];
    // up to the page number or the signature lines under it
    let end = [rest.find('—'), rest.find("考核组成员")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    squeeze(&rest[..end])
}

/// One row of a filled sheet as printed in its 扣分 and 得分 columns.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub deducted: String,
    pub score: String,
    /// A subtotal ("…小计") or the total ("基本得分合计") row.
    pub sum: bool,
}

/// The words under the heading `head` of a filled sheet's table on one
/// page: those whose middle is within the heading's width (and a little).
fn column_words<'a>(page: &'a crate::gbt::Page, head: &str) -> Vec<&'a crate::gbt::Word> {
    // the rightmost: 扣分 is the 考核组's, 自评/扣分 left of it the unit's own
    let Some(h) = page
        .lines
        .iter()
        .flatten()
        .filter(|w| w.text == head)
        .max_by(|a, b| a.x0.total_cmp(&b.x0))
    else {
        return Vec::new();
    };
    // the table ends where the summary under it begins
    let end = page
        .lines
        .iter()
        .flatten()
        .find(|w| w.text == "基本得分")
        .map_or(f64::MAX, |w| w.y0);
    page.lines
        .iter()
        .flatten()
        .filter(|w| {
            let mid = (w.x0 + w.x1) / 2.0;
            w.y0 > h.y1 && w.y1 < end && mid > h.x0 - 8.0 && mid < h.x1 + 8.0
        })
        .collect()
}

/// Every row of a filled sheet's table, page by page, from its 扣分 and
/// 得分 columns (their cells start on the same line).
pub fn filled_rows(pdf: &Path) -> Vec<SheetRow> {
    let mut out = Vec::new();
    for page in crate::gbt::pages(pdf) {
        let deducted = column_words(&page, "扣分");
        let mut scores = column_words(&page, "得分");
        scores.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        for s in scores {
            let d = deducted
                .iter()
                .find(|d| (d.y0 - s.y0).abs() < 2.0)
                .unwrap_or_else(|| panic!("{}: 得分 {} without its 扣分", pdf.display(), s.text));
            let sum = page.lines.iter().flatten().any(|w| {
                (w.y0 - s.y0).abs() < 4.0 && (w.text.contains("小计") || w.text.contains("合计"))
            });
            out.push(SheetRow {
                deducted: d.text.clone(),
                score: s.text.clone(),
                sum,
            });
        }
    }
    out
}

/// The scores of the items with a deduction, as printed in the 得分 column
/// of a filled sheet, in order.
pub fn filled_item_scores(pdf: &Path) -> Vec<String> {
    filled_rows(pdf)
        .into_iter()
        .filter(|r| !r.sum && Pts::parse(&r.deducted).is_some_and(|d| d > Pts::ZERO))
        .map(|r| r.score)
        .collect()
}

/// Asserts that every unit of results.json in `out` is printed as it is
/// there: on its filled sheet and in the circular's ranking.
pub fn assert_printed_as_results(out: &Path, l: &Loaded) {
    let json: Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap())
        .expect("results.json");
    let units = json["units"].as_array().unwrap();
    assert!(!units.is_empty());
    let ranking = circular_rows(&out.join("circular.pdf"), l);
    assert_eq!(ranking.len(), units.len(), "units in the ranking");
    let circular = squeeze(&raw_text(&out.join("circular.pdf")));
    for u in units {
        let name = u["unit"].as_str().unwrap();
        let veto = u["veto"].as_bool().unwrap();
        let row = &ranking[name];
        let want = Row {
            rank: if veto {
                "一票否决".to_string()
            } else {
                u["rank"].to_string()
            },
            subtotals: u["subtotals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| pts(&s["score"]))
                .collect(),
            bonus: pts(&u["bonus"]),
            total: pts(&u["score"]),
            grade: if veto {
                "一票否决".to_string()
            } else {
                u["grade"].as_str().unwrap().to_string()
            },
            own: row.own.as_ref().map(|_| {
                if u["self_score"].is_null() {
                    "—".to_string()
                } else {
                    pts(&u["self_score"])
                }
            }),
            vetoed: veto,
        };
        assert_eq!(
            row.own.is_some(),
            units.iter().any(|u| !u["self_score"].is_null()),
            "{name}: 自评得分 in the ranking exactly when self-assessments are known"
        );
        assert_eq!(row, &want, "{name}: its row in circular.pdf");
        let note = format!("{name}发生较大以上生产安全事故，实行“一票否决”，排在本组最后。");
        assert_eq!(circular.contains(&note), veto, "{name}: the veto note");

        let pdf = out.join(format!("filled/{name}.pdf"));
        let summary = filled_summary(&pdf);
        let group = kaohe::render::docs::group_name(l, u["rubric"].as_str().unwrap());
        let bonus = pts(&u["bonus"]);
        let start = if bonus == "0" {
            format!("{}0", pts(&u["base"]))
        } else {
            format!("{}{bonus}（", pts(&u["base"]))
        };
        let veto_cell = if veto {
            format!("是（{}）", squeeze(u["veto_reason"].as_str().unwrap()))
        } else {
            "否".to_string()
        };
        let own = if u["self_score"].is_null() {
            String::new()
        } else {
            pts(&u["self_score"])
        };
        let end = format!(
            "{veto_cell}{}{own}{}（{group}）{}",
            pts(&u["score"]),
            u["rank"],
            u["grade"].as_str().unwrap()
        );
        assert!(
            summary.starts_with(&start) && summary.ends_with(&end),
            "{name}: filled sheet summary {summary:?}, want {start:?}…{end:?}"
        );
        let scores: Vec<String> = u["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| !i["score"].is_null() && i["deducted"].as_f64().unwrap() > 0.0)
            .map(|i| pts(&i["score"]))
            .collect();
        assert_eq!(
            filled_item_scores(&pdf),
            scores,
            "{name}: item scores on its filled sheet"
        );
    }
}

/// "2018-11-14" as the schedule prints it: 11月14日.
fn month_day(date: &str) -> String {
    let mut p = date.split('-').skip(1).map(|x| x.parse::<u32>().unwrap());
    format!("{}月{}日", p.next().unwrap(), p.next().unwrap())
}

/// Asserts that schedule.pdf lists every unit in order with its date (once
/// per day, on the day's first row) and time, as the campaign says.
pub fn assert_schedule_as_campaign(pdf: &Path, l: &Loaded) {
    let w = words(&raw_text(pdf));
    let head = w
        .iter()
        .position(|x| x == "考核安排")
        .expect("the schedule's header");
    let mut want = Vec::new();
    let mut day = String::new();
    for (i, u) in l.campaign.units.iter().enumerate() {
        want.push((i + 1).to_string());
        want.push(u.name.clone());
        let d = month_day(&u.date);
        if d != day {
            want.push(d.clone());
            day = d;
        }
        want.push(u.time.clone());
    }
    let got: Vec<String> = w[head + 1..]
        .iter()
        .filter(|x| !["序号", "考核单位", "考核安排"].contains(&x.as_str()))
        .take(want.len())
        .cloned()
        .collect();
    assert_eq!(got, want, "{}", pdf.display());
}

#[test]
fn the_demo_prints_every_number_of_results_json() {
    let l = campaign::load(None).unwrap();
    let out = crate::documents::demo();
    assert_printed_as_results(out, &l);
}

#[test]
fn the_schedule_prints_the_campaigns_dates_and_times() {
    let l = campaign::load(None).unwrap();
    assert_schedule_as_campaign(&crate::documents::demo().join("schedule.pdf"), &l);
}
