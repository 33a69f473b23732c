//! After the 考核组's visit: the 考核情况反馈意见 for the exchange of views
//! (problems only, never a score), the 问题整改清单 (one row per deduction,
//! read back by `kaohe check`), and `kaohe demo` running the whole cycle
//! from self-assessment to circular.

use calamine::{Data, Reader};
use std::collections::BTreeSet;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::cycle::replace_in_part;
use crate::support::{kaohe_in as kaohe, shared_dir, squeeze, tool, without_page_numbers};

/// One `kaohe demo` shared by the tests here.
fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = shared_dir("feedback");
        let out = kaohe(&dir, &["demo", "--out", "out", "--quiet"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        dir.join("out")
    })
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

fn pdf_text(pdf: &Path) -> String {
    let out = tool("pdftotext").arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "{}", pdf.display());
    String::from_utf8(out.stdout).unwrap()
}

/// The text of a document's pages run together, whitespace and the page
/// numbers ("—1—") taken out.
fn body_text(pdf: &Path) -> String {
    without_page_numbers(&squeeze(&pdf_text(pdf)))
}

/// The rules (`N-k`) on which a unit lost points, from results.json: each
/// item's reasons name their rule by its circled number ("②扣0.5分：…").
fn deducted_rules(u: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in u["items"].as_array().unwrap() {
        for r in item["reasons"].as_array().unwrap() {
            let r = r.as_str().unwrap();
            let first = r.chars().next().unwrap();
            if ('①'..='⑳').contains(&first) && r[first.len_utf8()..].starts_with('扣') {
                let k = first as u32 - '①' as u32 + 1;
                out.insert(format!("{}-{k}", item["no"]));
            }
        }
    }
    out
}

/// Whether the text has a number directly followed by 分 (not 分钟).
fn has_points(s: &str) -> Option<String> {
    let c: Vec<char> = s.chars().collect();
    (0..c.len().saturating_sub(1))
        .find(|&i| {
            (c[i].is_ascii_digit() || ('０'..='９').contains(&c[i]))
                && c[i + 1] == '分'
                && c.get(i + 2) != Some(&'钟')
        })
        .map(|i| {
            c[i.saturating_sub(8)..(i + 3).min(c.len())]
                .iter()
                .collect()
        })
}

#[test]
fn the_demo_runs_the_whole_cycle() {
    let d = demo();
    let v = results(d);
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), 25);
    for u in units {
        let name = u["unit"].as_str().unwrap();
        for f in [
            format!("returned/{name}.xlsx"),
            format!("assess/{name}.xlsx"),
            format!("assessed/{name}.xlsx"),
            format!("filled/{name}.pdf"),
            format!("feedback/{name}.pdf"),
            format!("rectify/{name}.xlsx"),
        ] {
            assert!(d.join(&f).is_file(), "{f} is written");
        }
        assert!(
            u["self_score"].is_number(),
            "{name} has its self-assessment"
        );
    }
    assert!(d.join("self-summary.xlsx").is_file());
    // Some units are laxer than the 考核组, some stricter, some agree.
    let (mut higher, mut lower, mut same) = (0, 0, 0);
    for u in units {
        let (own, got) = (
            u["self_score"].as_f64().unwrap(),
            u["score"].as_f64().unwrap(),
        );
        match own.partial_cmp(&got).unwrap() {
            std::cmp::Ordering::Greater => higher += 1,
            std::cmp::Ordering::Less => lower += 1,
            std::cmp::Ordering::Equal => same += 1,
        }
    }
    assert!(
        higher > 0 && lower > 0 && same > 0,
        "{higher} {lower} {same}"
    );
    // The circular says so, and its ranking shows both scores.
    let circular = squeeze(&pdf_text(&d.join("circular.pdf")));
    let said = format!(
        "与各单位自评得分相比，{higher}个单位自评得分高于考核得分，{lower}个低于考核得分，{same}个一致。"
    );
    assert!(circular.contains(&said), "the circular compares: {said}");
    assert!(circular.contains("自评得分"), "the ranking has the column");
    // The filled sheet of a unit that deducted less than the 考核组 shows
    // its own deduction beside the 考核组's and names the difference.
    let lax = units
        .iter()
        .find(|u| u["self_score"].as_f64() > u["score"].as_f64())
        .unwrap();
    let sheet = squeeze(&pdf_text(
        &d.join(format!("filled/{}.pdf", lax["unit"].as_str().unwrap())),
    ));
    assert!(sheet.contains("自评扣分"), "the column is there");
    assert!(
        sheet.contains("自评得分"),
        "the summary names the self-assessed score"
    );
    let diff = &lax["differences"][0];
    assert!(
        sheet.contains(diff["text"].as_str().unwrap()),
        "{} is printed",
        diff["text"]
    );
}

#[test]
fn feedback_names_every_problem_and_no_score() {
    let d = demo();
    let v = results(d);
    let l = kaohe::campaign::load(None).unwrap();
    for u in v["units"].as_array().unwrap() {
        let name = u["unit"].as_str().unwrap();
        let pdf = d.join(format!("feedback/{name}.pdf"));
        let body = body_text(&pdf);
        assert!(body.contains(&format!("{name}：")), "addressed to {name}");
        assert!(body.contains("考核情况反馈意见"));
        let unit = l.unit(name).unwrap();
        let day = kaohe::campaign::Campaign::date(&unit.date);
        assert!(
            body.contains(&kaohe::campaign::cn_date(day)),
            "{name}: the date of the visit"
        );
        assert!(body.contains("市安委办考核组"), "signed by the 考核组");
        if let Some(found) = has_points(&body) {
            panic!("{name}: the feedback tells points: “{found}”");
        }
        // (the rubric may name 《…“一票否决”实施办法》: the verdict is "否决：")
        for word in ["得分", "扣分", "名次", "排名", "等次", "否决："] {
            assert!(!body.contains(word), "{name}: “{word}” in the feedback");
        }
        // Every reason of every deducted rule is there, in rubric order.
        let mut at = 0;
        for item in u["items"].as_array().unwrap() {
            for r in item["reasons"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                let Some((_, reason)) = r.split_once('：') else {
                    continue;
                };
                if !r.contains('扣') || r.starts_with("加") {
                    continue;
                }
                let pos = body[at..].find(&squeeze(reason)).unwrap_or_else(|| {
                    panic!("{name}: “{reason}” (item {}) after byte {at}", item["no"])
                });
                at += pos;
            }
        }
        let n = deducted_rules(u).len();
        assert_eq!(
            body.matches("存在问题：").count(),
            n,
            "{name}: one problem per deducted rule"
        );
    }
}

/// The cells of `sheet` as text, row by row.
fn sheet_rows(book: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(book.to_vec())).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    c => c.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn rectification_rows_are_the_deductions() {
    let d = demo();
    let v = results(d);
    for u in v["units"].as_array().unwrap() {
        let name = u["unit"].as_str().unwrap();
        let book = std::fs::read(d.join(format!("rectify/{name}.xlsx"))).unwrap();
        let rows = sheet_rows(&book, "整改清单");
        let head = rows
            .iter()
            .position(|r| r.first().map(String::as_str) == Some("编号"))
            .unwrap();
        assert_eq!(
            rows[head][..6],
            [
                "编号",
                "考核项目",
                "存在问题",
                "整改措施",
                "责任人",
                "完成时限"
            ]
            .map(String::from)
        );
        let codes: BTreeSet<String> = rows[head + 1..]
            .iter()
            .filter(|r| r.first().is_some_and(|c| c.contains('-')))
            .map(|r| {
                assert!(r[3].is_empty() && r[4].is_empty() && r[5].is_empty());
                assert!(!r[2].is_empty(), "{name}: the problem is stated");
                r[0].clone()
            })
            .collect();
        assert_eq!(codes, deducted_rules(u), "{name}");
    }
}

/// The worksheet cell `cell` (written blank with a style) given `value`:
/// text as an inline string, a number as a number.
fn fill(xml: &str, cell: &str, value: &str, number: bool) -> String {
    let start = xml
        .find(&format!("<c r=\"{cell}\" "))
        .unwrap_or_else(|| panic!("{cell} is on the sheet"));
    let end = start + xml[start..].find("/>").unwrap();
    let open = &xml[start..end];
    let filled = if number {
        format!("{open}><v>{value}</v></c>")
    } else {
        format!("{open} t=\"inlineStr\"><is><t>{value}</t></is></c>")
    };
    format!("{}{}{}", &xml[..start], filled, &xml[end + 2..])
}

#[test]
fn check_reports_rectification_rows_left_empty() {
    let d = demo();
    let name = "海原县人民政府";
    let book = std::fs::read(d.join(format!("rectify/{name}.xlsx"))).unwrap();
    let rows = sheet_rows(&book, "整改清单");
    let first = rows.iter().position(|r| r[0] == "编号").unwrap() + 1;
    let n = rows[first..].iter().filter(|r| r[0].contains('-')).count();
    assert!(n >= 2, "the unit has problems to rectify");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("整改清单.xlsx");
    // As it went out: every row's three cells are reported, with the cell.
    std::fs::write(&path, &book).unwrap();
    let out = kaohe(dir.path(), &["check", "整改清单.xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    let code = &rows[first][0];
    let row = first + 1;
    for (col, what) in [("D", "整改措施"), ("E", "责任人"), ("F", "完成时限")] {
        let line =
            format!("整改清单.xlsx: 整改清单!{col}{row}: 错误：第{code}条问题的{what}未填写");
        assert!(said.contains(&line), "{line}\n{said}");
    }
    assert_eq!(said.matches("未填写").count(), 3 * n, "{said}");
    // Filled in, one date after the deadline (2018-12-31): that one cell.
    let sheet = String::from_utf8(part(&book, "xl/worksheets/sheet1.xml")).unwrap();
    let mut xml = sheet.clone();
    for i in 0..n {
        let r = first + 1 + i;
        xml = fill(&xml, &format!("D{r}"), "补齐台账，建立月度检查制度", false);
        xml = fill(&xml, &format!("E{r}"), "马某某", false);
        // 43465 is 2018-12-31; the last row one day later
        let day = if i + 1 == n { "43466" } else { "43454" };
        xml = fill(&xml, &format!("F{r}"), day, true);
    }
    let late = replace_in_part(&book, "xl/worksheets/sheet1.xml", &sheet, &xml);
    std::fs::write(&path, &late).unwrap();
    let out = kaohe(dir.path(), &["check", "整改清单.xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let line = format!(
        "整改清单!F{}: 错误：第{}条问题的完成时限2019年1月1日晚于整改期限2018年12月31日",
        first + n,
        rows[first + n - 1][0]
    );
    assert!(text(&out).contains(&line), "{line}\n{}", text(&out));
    assert_eq!(text(&out).matches("错误：").count(), 1, "{}", text(&out));
    // All in time: the list is complete.
    let done = replace_in_part(
        &late,
        "xl/worksheets/sheet1.xml",
        "<v>43466</v>",
        "<v>43465</v>",
    );
    std::fs::write(&path, &done).unwrap();
    let out = kaohe(dir.path(), &["check", "整改清单.xlsx"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "{name}的问题整改清单，{n} 条问题的整改措施、责任人和完成时限均已填写"
        )),
        "{}",
        text(&out)
    );
    // Among scoring forms it is refused, by name.
    let out = kaohe(dir.path(), &["score", "整改清单.xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "整改清单.xlsx: 错误：这是{name}的问题整改清单，不是评分表，不参与评分"
        )),
        "{}",
        text(&out)
    );
}

fn part(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut f = zip.by_name(name).unwrap();
    let mut data = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut data).unwrap();
    data
}
