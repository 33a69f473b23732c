//! Tables as printed, measured from the PDFs and workbooks kaohe writes,
//! on the built-in 2018 campaign and on a second one with other names and
//! lengths (`support::synthetic_campaign`): filled sheets as archive
//! records (分值, 扣分, 扣分原因, 得分 on every item, subtotals, total, bonus
//! and veto rows, 考核日期, signature lines), rows that split across pages
//! cleanly, numbers that keep their units, balanced label cells in one size,
//! and results.xlsx as Excel, WPS and LibreOffice print it.

use crate::gbt::{Page, Word, pages};
use crate::printed::{SheetRow, filled_rows, raw_text};
use crate::support::{squeeze, tool};
use kaohe::campaign::{self, Loaded};
use kaohe::points::Pts;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The two campaigns: (loaded campaign, output folder).
fn campaigns() -> Vec<(Loaded, PathBuf)> {
    let synthetic = crate::support::synthetic_campaign();
    vec![
        (
            campaign::load(None).unwrap(),
            crate::documents::demo().to_path_buf(),
        ),
        (
            campaign::load(Some(&synthetic.join("kaohe.toml"))).unwrap(),
            synthetic.join("output"),
        ),
    ]
}

fn results(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap()
}

fn pts(v: &Value) -> String {
    Pts::from_f64(v.as_f64().unwrap()).unwrap().to_string()
}

/// The rows a unit's filled sheet must print in its 扣分 and 得分 columns:
/// every item in rubric order (a bonus as "+N" or "0", a veto as "否决" or
/// "—", both with "—" for 扣分), a subtotal after each level-1 heading's
/// scored items, and the total of the scored items after the last of them.
fn wanted_rows(l: &Loaded, u: &Value) -> Vec<SheetRow> {
    let r = l.rubric(u["rubric"].as_str().unwrap());
    let items = u["items"].as_array().unwrap();
    let subtotal = |h: &str| {
        u["subtotals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["heading"] == h)
            .map(|s| pts(&s["score"]))
            .unwrap()
    };
    let row = |d: String, s: String, sum: bool| SheetRow {
        deducted: d,
        score: s,
        sum,
    };
    let scored = |i: usize| r.items[i].kind.is_scored();
    let last = (0..r.items.len()).rev().find(|&i| scored(i)).unwrap();
    let mut out = Vec::new();
    let mut run = Pts::ZERO;
    let mut all = Pts::ZERO;
    for (i, (item, v)) in r.items.iter().zip(items).enumerate() {
        if scored(i) {
            let d = Pts::from_f64(v["deducted"].as_f64().unwrap()).unwrap();
            out.push(row(d.to_string(), pts(&v["score"]), false));
            run += d;
            all += d;
            let next_other = i + 1 >= r.items.len() || r.items[i + 1].level1 != item.level1;
            if next_other {
                out.push(row(run.to_string(), subtotal(&item.level1), true));
                run = Pts::ZERO;
            }
            if i == last {
                out.push(row(all.to_string(), pts(&u["base"]), true));
            }
        } else if matches!(item.kind, kaohe::rubric::ItemKind::Bonus) {
            let b = pts(&u["bonus"]);
            out.push(row(
                "—".into(),
                if b == "0" { b } else { format!("+{b}") },
                false,
            ));
        } else {
            let veto = u["veto"].as_bool().unwrap();
            out.push(row(
                "—".into(),
                if veto { "否决" } else { "—" }.into(),
                false,
            ));
        }
    }
    out
}

#[test]
fn a_filled_sheet_is_an_archive_record_with_every_score_and_the_signatures() {
    for (l, out) in campaigns() {
        let json = results(&out);
        for u in json["units"].as_array().unwrap() {
            let name = u["unit"].as_str().unwrap();
            let pdf = out.join(format!("filled/{name}.pdf"));
            assert_eq!(filled_rows(&pdf), wanted_rows(&l, u), "{}", pdf.display());
            let text = squeeze(&raw_text(&pdf));
            let unit = l.unit(name).unwrap();
            let date = campaign::cn_date(campaign::Campaign::date(&unit.date));
            assert!(
                text.contains(&format!("考核日期：{date}")),
                "{name}: 考核日期 {date}"
            );
            for h in l.rubric(&unit.rubric).scored_level1_headings() {
                assert!(text.contains(&format!("{h}小计")), "{name}: {h}小计");
            }
            assert!(text.contains("基本得分合计"), "{name}: the total row");
            if u["veto"].as_bool().unwrap() {
                let why = squeeze(u["veto_reason"].as_str().unwrap());
                assert!(
                    text.contains(&format!("一票否决：{why}")),
                    "{name}: the veto row"
                );
            }
            let bonus = pts(&u["bonus"]);
            if bonus != "0" {
                assert!(
                    text.contains(&format!("加{bonus}分：")),
                    "{name}: the bonus row"
                );
            }
            // the summary and the signature lines on the last page
            let last = pages(&pdf).pop().unwrap();
            let last: String = (0..last.lines.len()).map(|i| last.line_text(i)).collect();
            for s in [
                "总分",
                "等次",
                "考核组成员：",
                "被考核单位负责人：",
                "日期：",
                "年",
                "月",
                "日",
            ] {
                assert!(last.contains(s), "{name}: {s} on the last page");
            }
        }
    }
}

/// The PDFs with rubric tables of a campaign's output: the notice (its
/// attachments), the blank tables and a few filled sheets.
fn table_pdfs(out: &Path) -> Vec<PathBuf> {
    let mut v = vec![out.join("notice.pdf")];
    for dir in ["blank", "filled"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(out.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        files.sort();
        v.extend(files.into_iter().take(6));
    }
    v
}

#[test]
fn numbers_keep_their_units_on_one_line() {
    for (_, out) in campaigns() {
        for pdf in table_pdfs(&out) {
            let text = raw_text(&pdf);
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            for w in lines.windows(2) {
                let (a, b) = (w[0], w[1]);
                let (Some(end), Some(start)) = (a.chars().last(), b.chars().next()) else {
                    continue;
                };
                // "扣" / "0.5分": a number moved away from its 扣 (not "未扣"
                // ending one cell and the next cell's score after it)
                let amount = b.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
                let broken = (end.is_ascii_digit() && "分项次个人家天%".contains(start))
                    || ("扣".contains(end) && start.is_ascii_digit() && amount.starts_with('分'));
                assert!(
                    !broken,
                    "{}: a number parted from its unit: {a:?} / {b:?}",
                    pdf.display()
                );
            }
        }
    }
}

fn hanzi(s: &str) -> usize {
    s.chars().filter(|c| !c.is_ascii()).count()
}

/// A rubric table's page: the left edge of its 考核内容 column (where each
/// row's "N." starts) and the bottom of its header, or `None` for a page
/// without one.
fn table_geometry(p: &Page) -> Option<(f64, f64)> {
    let head = p.lines.iter().flatten().find(|w| w.text == "考核内容")?;
    let left = p
        .lines
        .iter()
        .flatten()
        .filter(|w| w.y0 > head.y1 && row_start(w))
        .map(|w| w.x0)
        .fold(f64::MAX, f64::min);
    (left < f64::MAX).then_some((left, head.y1))
}

/// The first word of a row: "12.…" in 考核内容, or a subtotal's label.
fn row_start(w: &Word) -> bool {
    let digits = w.text.chars().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0 && w.text[digits..].starts_with('.'))
        || w.text.contains("小计")
        || w.text.contains("合计")
}

#[test]
fn label_cells_break_in_balanced_lines_at_one_size() {
    for (_, out) in campaigns() {
        for pdf in table_pdfs(&out) {
            let mut sizes: Vec<f64> = Vec::new();
            for (n, p) in pages(&pdf).iter().enumerate() {
                let Some((left, top)) = table_geometry(p) else {
                    continue;
                };
                // the table's left edge: a little left of its leftmost
                // heading (the page number stands further out)
                let head = p
                    .lines
                    .iter()
                    .flatten()
                    .find(|w| w.text == "考核内容")
                    .unwrap();
                let edge = p
                    .lines
                    .iter()
                    .flatten()
                    .filter(|w| (w.y0 - head.y0).abs() < 15.0)
                    .map(|w| w.x0)
                    .fold(f64::MAX, f64::min)
                    - 14.0;
                // the label columns' lines: words on one line, each
                // within a character of the one before
                let mut label: Vec<&Word> = p
                    .lines
                    .iter()
                    .flatten()
                    .filter(|w| {
                        w.y0 > top
                            && w.x0 > edge
                            && w.x1 <= left - 2.0
                            && !w.text.starts_with('—')
                            && !w.text.chars().all(|c| c.is_ascii_digit())
                    })
                    .collect();
                label.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
                let mut lines: Vec<(f64, f64, String)> = Vec::new();
                for w in &label {
                    sizes.push(w.height());
                    match lines.last_mut() {
                        Some((y, x1, t)) if (w.y0 - *y).abs() < 1.5 && w.x0 - *x1 < w.height() => {
                            *x1 = w.x1;
                            t.push_str(&w.text);
                        }
                        _ => lines.push((w.y0, w.x1, w.text.clone())),
                    }
                }
                for (_, _, t) in &lines {
                    assert!(
                        !(hanzi(t) == 1 && t.chars().count() == 1),
                        "{} page {}: a label line of one character: {t:?}",
                        pdf.display(),
                        n + 1,
                    );
                }
            }
            if let Some(first) = sizes.first() {
                assert!(
                    sizes.iter().all(|s| (s - first).abs() < 0.3),
                    "{}: label columns set in more than one size: {sizes:?}",
                    pdf.display()
                );
            }
        }
    }
}

/// The distinct lines (by their top) among `words`.
fn line_count(words: &[&Word]) -> usize {
    let mut ys: Vec<f64> = words.iter().map(|w| w.y0).collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup_by(|a, b| (*a - *b).abs() < 1.5);
    ys.len()
}

#[test]
fn a_row_split_across_pages_leaves_two_lines_on_each_side() {
    for (_, out) in campaigns() {
        for pdf in table_pdfs(&out) {
            let ps = pages(&pdf);
            // per page with a table: lines of the row continued from the
            // page before, and lines of the last row begun on the page
            let mut parts: Vec<Option<(usize, usize)>> = Vec::new();
            for p in &ps {
                let Some((left, top)) = table_geometry(p) else {
                    parts.push(None);
                    continue;
                };
                let body: Vec<&Word> = p
                    .lines
                    .iter()
                    .flatten()
                    .filter(|w| w.y0 > top && w.x0 > left - 2.0)
                    .collect();
                let starts: Vec<f64> = body.iter().filter(|w| row_start(w)).map(|w| w.y0).collect();
                let first = starts.iter().copied().fold(f64::MAX, f64::min);
                let last = starts.iter().copied().fold(f64::MIN, f64::max);
                let head: Vec<&Word> = body
                    .iter()
                    .copied()
                    .filter(|w| w.y0 < first - 1.0)
                    .collect();
                let tail: Vec<&Word> = body.iter().copied().filter(|w| w.y0 > last - 1.0).collect();
                parts.push(Some((line_count(&head), line_count(&tail))));
            }
            for k in 1..parts.len() {
                let (Some((_, before)), Some((after, _))) = (parts[k - 1], parts[k]) else {
                    continue;
                };
                if after > 0 {
                    assert!(
                        before >= 2 && after >= 2,
                        "{}: a row split {before} / {after} lines over pages {} and {}",
                        pdf.display(),
                        k,
                        k + 1
                    );
                }
            }
        }
    }
}

/// Whether the page opens an attachment: a line that is just "附件N".
fn opens_attachment(p: &Page) -> bool {
    (0..p.lines.len()).any(|i| {
        let t = p.line_text(i);
        t.strip_prefix("附件")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

/// The lowest text bottom under a table page's head (the page number, "—
/// N —", left out; so are bare numbers, never a row's lowest line alone).
fn table_bottom(p: &Page, top: f64) -> f64 {
    p.lines
        .iter()
        .flatten()
        .filter(|w| w.y0 > top && !w.text.chars().all(|c| c == '—' || c.is_ascii_digit()))
        .map(|w| w.y1)
        .fold(f64::MIN, f64::max)
}

/// An attachment's title page carries its table's head and first row (the
/// title never stands alone on its page), and every page of a rubric table
/// but its last is filled: its lowest line within about three table lines
/// of the lowest on any of the document's table pages (only a row of at
/// most three lines moves whole; longer rows split, two lines or more on
/// each side).
#[test]
fn attachment_tables_start_under_their_title_and_fill_their_pages() {
    for (_, out) in campaigns() {
        for pdf in table_pdfs(&out) {
            let ps = pages(&pdf);
            let geo: Vec<Option<(f64, f64)>> = ps.iter().map(table_geometry).collect();
            for (k, p) in ps.iter().enumerate() {
                if !opens_attachment(p) {
                    continue;
                }
                // a rubric attachment: its next pages (up to the next
                // attachment) hold a rubric table
                let rubric = ps[k..]
                    .iter()
                    .zip(&geo[k..])
                    .take_while({
                        let mut first = true;
                        move |(q, _)| std::mem::take(&mut first) || !opens_attachment(q)
                    })
                    .any(|(_, g)| g.is_some());
                if !rubric {
                    continue;
                }
                let Some((left, top)) = geo[k] else {
                    panic!(
                        "{} page {}: an attachment's title alone on its page, its table starts on the next",
                        pdf.display(),
                        k + 1
                    );
                };
                assert!(
                    p.lines
                        .iter()
                        .flatten()
                        .any(|w| w.y0 > top && w.x0 > left - 2.0 && row_start(w)),
                    "{} page {}: the table's head without a row under the attachment's title",
                    pdf.display(),
                    k + 1
                );
            }
            let lowest = ps
                .iter()
                .zip(&geo)
                .filter_map(|(p, g)| g.map(|(_, t)| table_bottom(p, t)))
                .fold(f64::MIN, f64::max);
            for k in 0..ps.len().saturating_sub(1) {
                let (Some((_, top)), Some(_)) = (geo[k], geo[k + 1]) else {
                    continue;
                };
                if opens_attachment(&ps[k + 1]) {
                    continue;
                }
                // a table line's pitch: the height of its text and the leading
                let pitch = ps[k]
                    .lines
                    .iter()
                    .flatten()
                    .find(|w| w.y0 > top && row_start(w))
                    .map_or(12.0, |w| w.height())
                    * 1.5;
                let bottom = table_bottom(&ps[k], top);
                assert!(
                    lowest - bottom < 3.5 * pitch + 10.0,
                    "{} page {}: the table stops {:.0} pt above the lowest table line of the document, the page is not filled",
                    pdf.display(),
                    k + 1,
                    lowest - bottom
                );
            }
        }
    }
}

/// A sheet's cells as text, row by row.
pub fn sheet_cells(xlsx: &Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(xlsx).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|d| d.to_string()).collect())
        .collect()
}

/// The column whose heading (in row `head`) is `h`.
fn col(rows: &[Vec<String>], head: usize, h: &str) -> usize {
    rows[head]
        .iter()
        .position(|c| c == h)
        .unwrap_or_else(|| panic!("no column {h} in {:?}", rows[head]))
}

/// The filled workbook in `filled/` is an archive record like the filled
/// PDF: its first sheet (考核记录) has 分值, 扣分, 扣分原因 and 得分, the
/// same 扣分 and 得分 rows as the PDF (every item, bonus and veto rows, a
/// subtotal per level-1 heading, the total), the summary, the 考核日期 and
/// the signature lines, and prints on A4 landscape one page wide with its
/// head repeated; the form that was filled in (评分表) is still there with
/// its own columns.
#[test]
fn the_filled_workbook_is_an_archive_record_like_the_filled_pdf() {
    for (l, out) in campaigns() {
        let json = results(&out);
        for u in json["units"].as_array().unwrap() {
            let name = u["unit"].as_str().unwrap();
            let xlsx = out.join(format!("filled/{name}.xlsx"));
            let names = {
                use calamine::Reader;
                calamine::open_workbook_auto(&xlsx).unwrap().sheet_names()
            };
            assert_eq!(names[0], "考核记录", "{}: {names:?}", xlsx.display());
            // the form that was scored: the 考核组's where the demo made
            // one (its self columns beside the blank form's), else the blank
            let scored = out.join(format!("assessed/{name}.xlsx"));
            let blank = if scored.is_file() {
                sheet_cells(&scored, "评分表")
            } else {
                sheet_cells(&out.join(format!("blank/{name}.xlsx")), "评分表")
            };
            let form = sheet_cells(&xlsx, "评分表");
            let head_of = |rows: &[Vec<String>]| {
                rows.iter()
                    .find(|r| r.iter().any(|c| c == "扣分原因"))
                    .cloned()
                    .unwrap()
            };
            assert_eq!(
                head_of(&form),
                head_of(&blank),
                "{name}: the form's columns"
            );
            let rows = sheet_cells(&xlsx, "考核记录");
            let head = rows
                .iter()
                .position(|r| r.iter().any(|c| c == "扣分原因"))
                .unwrap();
            for h in ["分值", "扣分", "得分"] {
                assert!(
                    rows[head].iter().any(|c| c.starts_with(h)),
                    "{name}: no {h} column"
                );
            }
            let (cd, cs) = (col(&rows, head, "扣分"), col(&rows, head, "得分"));
            let body: Vec<&Vec<String>> = rows[head + 1..]
                .iter()
                .take_while(|r| r.iter().any(|c| !c.is_empty()))
                .collect();
            let got: Vec<SheetRow> = body
                .iter()
                .map(|r| SheetRow {
                    deducted: r[cd].clone(),
                    score: r[cs].clone(),
                    sum: r.iter().any(|c| c.ends_with("小计") || c == "基本得分合计"),
                })
                .collect();
            assert_eq!(got, wanted_rows(&l, u), "{}", xlsx.display());
            let all: String = rows.iter().flatten().map(String::as_str).collect();
            let unit = l.unit(name).unwrap();
            let date = campaign::cn_date(campaign::Campaign::date(&unit.date));
            for s in [
                format!("考核日期：{date}"),
                format!("总分{}", pts(&u["score"])),
                "考核组成员：".into(),
                "被考核单位负责人：".into(),
                "日期：".into(),
            ] {
                assert!(all.contains(&s), "{name}: {s}");
            }
            let ws = zip_part(&xlsx, "xl/worksheets/sheet1.xml");
            for s in [
                "orientation=\"landscape\"",
                "paperSize=\"9\"",
                "fitToPage=\"1\"",
                "fitToHeight=\"0\"",
                "<oddFooter>",
            ] {
                assert!(ws.contains(s), "{name}: print setup {s}");
            }
            // one page wide: fitToWidth left at its default, 1
            assert!(
                !ws.contains("fitToWidth=") || ws.contains("fitToWidth=\"1\""),
                "{name}: one page wide"
            );
            assert!(
                zip_part(&xlsx, "xl/workbook.xml").contains("考核记录!$"),
                "{name}: the head repeated on every printed page"
            );
        }
    }
}

/// The text of one part of an XLSX.
fn zip_part(xlsx: &Path, part: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(part).unwrap(), &mut s).unwrap();
    s
}

#[test]
fn results_xlsx_prints_whole_numbers_without_a_point_and_every_text_whole() {
    for (_, out) in campaigns() {
        let xlsx = out.join("results.xlsx");
        let styles = zip_part(&xlsx, "xl/styles.xml");
        assert!(
            !styles.contains("0.##"),
            "a format that shows 95 as \"95.\""
        );
        let sheet = zip_part(&xlsx, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains("<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter>"),
            "page number footer: {sheet}"
        );
        // printed by LibreOffice: whole numbers without a point, no ###,
        // every unit name and veto reason whole in its cell
        let tmp = tempfile::tempdir().unwrap();
        let o = tool("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(tmp.path())
            .arg(&xlsx)
            .env("HOME", tmp.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let pdf = tmp.path().join("results.pdf");
        let text = raw_text(&pdf);
        assert!(!text.contains("###"), "a column too narrow: {text}");
        for w in text.split_whitespace() {
            assert!(
                !(w.ends_with('.') && w.trim_end_matches('.').parse::<f64>().is_ok()),
                "{w:?} printed with a point: {text}"
            );
        }
        assert!(text.contains("第 1 页"), "page number footer: {text}");
        let flat = squeeze(&text);
        for u in results(&out)["units"].as_array().unwrap() {
            let name = u["unit"].as_str().unwrap();
            assert!(flat.contains(name), "{name} in results.xlsx as printed");
            if u["veto"].as_bool().unwrap() {
                let why = squeeze(u["veto_reason"].as_str().unwrap());
                assert!(
                    flat.contains(&format!("是：{why}")),
                    "{name}: its veto reason whole"
                );
            }
        }
        // the unit names each on one line, not wrapped
        let layout = tool("pdftotext")
            .args(["-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let layout = String::from_utf8(layout.stdout).unwrap();
        for u in results(&out)["units"].as_array().unwrap() {
            let name = u["unit"].as_str().unwrap();
            assert!(layout.contains(name), "{name} on one line in results.xlsx");
        }
    }
}
