//! The notice and the circular as a clerk signs them (issue 10, items 1, 3
//! and 6), measured on the PDFs of the 2018 example and of a second campaign
//! with other names and lengths (made with `kaohe init` and edited as an
//! office would): 署名 and 成文日期 by GB/T 9704 7.3.5.2, body text on the
//! signature's page, no heading at a page's foot, 楷体 only for a short
//! heading phrase, the leading group wrapped between words, the circular's
//! title, sections and ranking with its bar chart, and schedule.ics read by
//! the `icalendar` package.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::gbt::{self, LEFT, MM, Page, TOP, WIDTH, close, pages};
use crate::printed::raw_text;
use crate::support::{BIN, squeeze, tool};
use kaohe::campaign::{self, Loaded};
use serde_json::Value;

/// One character of the grid.
const CW: f64 = WIDTH / 28.0;

fn run(cwd: &Path, args: &[&str]) {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("KAOHE_FONTS")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("kaohe runs");
    assert!(
        o.status.success(),
        "kaohe {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn edit(file: &Path, f: impl FnOnce(String) -> String) {
    let s = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, f(s)).unwrap();
}

/// The 2018 example's output folder (the demo of documents.rs).
fn example() -> &'static Path {
    crate::documents::demo()
}

/// Units renamed in the second campaign: other names, other lengths.
const RENAMED: &[(&str, &str)] = &[
    ("海兴开发区管委会", "大河乡人民政府"),
    ("海原县人民政府", "新庄集乡人民政府"),
    ("中宁县人民政府", "红寺堡镇人民政府"),
    ("沙坡头区人民政府", "太阳山镇人民政府"),
    ("中卫工业园区管委会", "柳泉乡人民政府"),
    ("市旅发委", "区文化旅游广电局"),
    ("市公安局", "区公安分局"),
    ("市粮食局", "区发展和改革局"),
];

/// A long title that has to wrap in the leading group's list.
const LONG_TITLE: &str =
    "区安委会办公室主任、区应急管理局党组书记、局长、区安全生产应急救援指挥中心主任";

/// The second campaign: a district whose issuer name is shorter than its
/// date, its own title, group names, deadline, places and leading group;
/// run end to end by `kaohe demo` in its folder.
fn district() -> &'static (PathBuf, Loaded) {
    static DIR: OnceLock<(PathBuf, Loaded)> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = crate::support::shared_dir("paperwork");
        run(&base, &["init", "红寺堡", "-q"]);
        let dir = base.join("红寺堡");
        edit(&dir.join("kaohe.toml"), |s| {
            let mut s = s
                .replace("id = \"zhongwei-2018\"", "id = \"hongsibu-2018\"")
                .replace(
                    "name = \"中卫市安全生产委员会办公室\"",
                    "name = \"红寺堡区安委办\"",
                )
                .replace("short = \"市安委办\"", "short = \"区安委办\"")
                .replace(
                    "mark = \"中卫市安全生产委员会办公室文件\"",
                    "mark = \"红寺堡区安全生产委员会办公室文件\"",
                )
                .replace(
                    "title = [\"市安委会办公室关于2018年度全市\", \"安全生产工作考核结果的通报\"]",
                    "title = [\"红寺堡区安委办关于2018年度全区\", \"安全生产工作考核结果的通报\"]",
                )
                .replace(
                    "county-2018 = \"县（区）人民政府、管委会\"",
                    "county-2018 = \"乡镇人民政府\"",
                )
                .replace(
                    "member-2018 = \"市安委会成员单位\"",
                    "member-2018 = \"区直有关部门\"",
                )
                .replace(
                    "rectify_deadline = \"2018-12-31\"",
                    "rectify_deadline = \"2019年2月28日\"",
                )
                .replace(
                    "# location = \"被考核单位\"",
                    "location = \"各被考核单位会议室\"",
                )
                .replace(
                    "title = \"市安委办主任、市安全生产监督管理局局长\"",
                    &format!("title = \"{LONG_TITLE}\""),
                )
                .replace("role = \"副组长\"", "role = \"常务副组长\"");
            for (a, b) in RENAMED {
                s = s.replace(&format!("name = \"{a}\""), &format!("name = \"{b}\""));
            }
            s.replace(
                "name = \"大河乡人民政府\"\n",
                "name = \"大河乡人民政府\"\nlocation = \"大河乡政府三楼会议室\"\n",
            )
        });
        run(
            &dir,
            &["demo", "-q", "--campaign", "kaohe.toml", "--out", "output"],
        );
        let l = campaign::load(Some(&dir.join("kaohe.toml"))).unwrap();
        (dir.join("output"), l)
    })
}

// ---------------------------------------------------------------------------
// 署名 and 成文日期 (7.3.5.2), body text on the signature's page (7.3.5.5)
// ---------------------------------------------------------------------------

/// The page and the words of the signature: the issuer as a word of its own
/// in the right half of the page, the date on the line under it.
fn signature<'a>(
    ps: &'a [Page],
    issuer: &str,
    date: &str,
) -> (usize, &'a gbt::Word, &'a gbt::Word) {
    for (i, p) in ps.iter().enumerate() {
        let words: Vec<&gbt::Word> = p.lines.iter().flatten().collect();
        let Some(iw) = words
            .iter()
            .find(|w| w.text == issuer && w.x0 > LEFT + 3.0 * CW && close(w.height(), 16.0, 0.1))
        else {
            continue;
        };
        let dw = words
            .iter()
            .find(|w| w.text == date && w.y0 > iw.y0 && w.y0 < iw.y1 + 20.0)
            .unwrap_or_else(|| panic!("the date {date} under the issuer on page {}", i + 1));
        return (i, iw, dw);
    }
    panic!("no signature {issuer} / {date}");
}

/// The issuer 2 characters in from the right, the date starting 2 characters
/// right of its first character; a date longer than that allows ends 2
/// characters in, the issuer moving left with it.
fn assert_signature_by_7_3_5_2(pdf: &Path, issuer: &str, date: &str) {
    let ps = pages(pdf);
    let (page, iw, dw) = signature(&ps, issuer, date);
    let right = LEFT + WIDTH - 2.0 * CW;
    let what = format!("{} page {}", pdf.display(), page + 1);
    if dw.x1 - dw.x0 + 2.0 * CW <= iw.x1 - iw.x0 + 0.5 {
        assert!(
            close(iw.x1, right, 0.8),
            "{what}: issuer ends 2 characters in: {}",
            iw.x1
        );
        assert!(
            close(dw.x0, iw.x0 + 2.0 * CW, 0.8),
            "{what}: date starts 2 characters right of the issuer: {} vs {}",
            dw.x0,
            iw.x0
        );
    } else {
        assert!(
            close(dw.x1, right, 0.8),
            "{what}: a long date ends 2 characters in: {}",
            dw.x1
        );
        assert!(
            close(iw.x0, dw.x0 - 2.0 * CW, 0.8),
            "{what}: the issuer starts 2 characters left of the long date: {} vs {}",
            iw.x0,
            dw.x0
        );
        assert!(iw.x1 < right - 1.0, "{what}: the issuer moved left");
    }
    // the date is on the next line of the grid
    assert!(
        close(dw.y0 - iw.y0, HEIGHT_PITCH, 0.5),
        "{what}: date on the next line"
    );
    // 7.3.5.5: the signature's page has body text above the 附件说明/signature
    let p = &ps[page];
    let top_of_tail = p.find("附件：").map(|w| w.y0).unwrap_or(iw.y0).min(iw.y0);
    let body = p
        .lines
        .iter()
        .flatten()
        .any(|w| w.y1 < top_of_tail - 1.0 && close(w.height(), 16.0, 0.1));
    assert!(body, "{what}: body text on the signature's page");
}

const HEIGHT_PITCH: f64 = 225.0 * MM / 22.0;

#[test]
fn signature_and_date_by_7_3_5_2_with_body_text_on_their_page() {
    let out = example();
    let issuer = "中卫市安全生产委员会办公室";
    assert_signature_by_7_3_5_2(&out.join("notice.pdf"), issuer, "2018年11月2日");
    assert_signature_by_7_3_5_2(&out.join("circular.pdf"), issuer, "2018年12月10日");
    // a district whose name is shorter than the date
    let (out, _) = district();
    assert_signature_by_7_3_5_2(&out.join("notice.pdf"), "红寺堡区安委办", "2018年11月2日");
    assert_signature_by_7_3_5_2(
        &out.join("circular.pdf"),
        "红寺堡区安委办",
        "2018年12月10日",
    );
}

// ---------------------------------------------------------------------------
// Headings, 楷体, the leading group
// ---------------------------------------------------------------------------

/// A line that is a heading on its own: 一、… or （一）… shorter than a line.
fn heading_alone(text: &str) -> bool {
    const CN: &str = "一二三四五六七八九十";
    let t = text.trim();
    let chars: Vec<char> = t.chars().collect();
    let n = chars.iter().take_while(|c| CN.contains(**c)).count();
    let numbered = (n > 0 && chars.get(n) == Some(&'、'))
        || (chars.first() == Some(&'（')
            && chars[1..].iter().take_while(|c| CN.contains(**c)).count() > 0
            && chars
                .iter()
                .position(|c| *c == '）')
                .is_some_and(|i| i <= 4));
    numbered && chars.len() < 24
}

fn assert_no_heading_ends_a_page(pdf: &Path) {
    let ps = pages(pdf);
    let mut seen = 0;
    for (i, p) in ps.iter().enumerate() {
        if p.width > p.height {
            continue;
        }
        // the last line of body text above the page number
        let Some(last) = p
            .lines
            .iter()
            .rev()
            .find(|l| l[0].y1 < TOP + 225.0 * MM + 1.0 && close(l[0].height(), 16.0, 0.1))
        else {
            continue;
        };
        let text: String = last.iter().map(|w| w.text.as_str()).collect();
        assert!(
            !heading_alone(&text),
            "{} page {}: the heading “{text}” ends the page",
            pdf.display(),
            i + 1
        );
        seen += 1;
    }
    assert!(seen >= 3, "{}: pages checked {seen}", pdf.display());
}

#[test]
fn no_heading_ends_a_page() {
    assert!(heading_alone("一、基本情况"));
    assert!(heading_alone("（二）市安委会成员单位。"));
    assert!(!heading_alone(
        "（二）各县（区）、管委会、市安委会各成员单位要对2018"
    ));
    for out in [example(), district().0.as_path()] {
        assert_no_heading_ends_a_page(&out.join("notice.pdf"));
        assert_no_heading_ends_a_page(&out.join("circular.pdf"));
    }
}

#[test]
fn landscape_pages_are_turned_onto_portrait_paper() {
    for out in [example(), district().0.as_path()] {
        let turned = gbt::landscape_pages_turned_onto_portrait_paper;
        assert!(turned(&out.join("notice.pdf")) >= 20, "{}", out.display());
        assert!(turned(&out.join("circular.pdf")) >= 1, "{}", out.display());
        let filled: Vec<PathBuf> = std::fs::read_dir(out.join("filled"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
            .collect();
        assert!(filled.len() >= 8, "{}", out.display());
        for pdf in &filled {
            // Every page of a filled sheet is a landscape table.
            assert_eq!(turned(pdf), gbt::pdf_pages(pdf).len(), "{}", pdf.display());
        }
    }
}

/// The font family of the text element that starts with `start`, by
/// `pdftohtml -xml` (fonts and text runs as the PDF has them).
fn font_of(pdf: &Path, start: &str) -> String {
    let out = tool("pdftohtml")
        .args(["-xml", "-i", "-stdout"])
        .arg(pdf)
        .output()
        .unwrap();
    let xml = String::from_utf8_lossy(&out.stdout);
    let mut fonts = std::collections::HashMap::new();
    for spec in xml.split("<fontspec ").skip(1) {
        let get = |k: &str| {
            let key = format!("{k}=\"");
            let a = spec.find(&key).unwrap() + key.len();
            spec[a..a + spec[a..].find('"').unwrap()].to_string()
        };
        fonts.insert(get("id"), get("family"));
    }
    for t in xml.split("<text ").skip(1) {
        let body = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
        if body.starts_with(start) {
            let a = t.find("font=\"").unwrap() + 6;
            let id = &t[a..a + t[a..].find('"').unwrap()];
            return fonts[id].clone();
        }
    }
    panic!("{}: no text starting with {start}", pdf.display());
}

#[test]
fn kaiti_only_for_a_short_heading_phrase() {
    for out in [example(), district().0.as_path()] {
        let notice = out.join("notice.pdf");
        // a short heading phrase: 楷体, the sentence after it 仿宋
        assert!(font_of(&notice, "（四）考核组成员要严格遵守工作纪律和廉政纪律。").contains("Kai"));
        assert!(font_of(&notice, "在考核").contains("Fang"));
        // a long first sentence is running text: 仿宋 from its number on
        assert!(font_of(&notice, "（一）各县（区）、管委会").contains("Fang"));
        assert!(font_of(&notice, "（二）各县（区）、管委会").contains("Fang"));
        let circular = out.join("circular.pdf");
        assert!(font_of(&circular, "（一）认真整改。").contains("Kai"));
        assert!(font_of(&circular, "一、基本情况").contains("Hei"));
    }
}

#[test]
fn a_long_title_in_the_leading_group_wraps_between_posts_under_itself() {
    let (out, _) = district();
    let ps = pages(&out.join("notice.pdf"));
    let first_post = "区安委会办公室主任、";
    let page = ps
        .iter()
        .find(|p| p.find(first_post).is_some())
        .expect("the long title in the list");
    let title = page.find(first_post).unwrap();
    // the title's rows: words at or right of its first character, from its
    // row down, grouped by their line of the grid
    let mut words: Vec<&gbt::Word> = page
        .lines
        .iter()
        .flatten()
        .filter(|w| w.y0 >= title.y0 - 1.0 && w.x0 >= title.x0 - 0.6)
        .collect();
    words.sort_by(|a, b| (a.y0, a.x0).partial_cmp(&(b.y0, b.x0)).unwrap());
    let mut rows: Vec<Vec<&gbt::Word>> = Vec::new();
    for w in words {
        match rows.last_mut() {
            Some(r) if close(r[0].y0, w.y0, 1.0) => r.push(w),
            _ => rows.push(vec![w]),
        }
    }
    let mut joined = String::new();
    for row in &rows {
        if joined.len() >= LONG_TITLE.len() {
            break;
        }
        assert!(
            close(row[0].x0, title.x0, 0.6),
            "a wrapped line hangs under the title's first character: {} vs {}",
            row[0].x0,
            title.x0
        );
        if let Some(end) = joined.chars().last() {
            assert!(
                "、，".contains(end),
                "the title breaks only after a 、: “{joined}” | “{}”",
                row[0].text
            );
        }
        joined.extend(row.iter().map(|w| w.text.as_str()));
    }
    assert_eq!(joined, LONG_TITLE);
    assert!(rows.len() >= 3, "the long title wraps");
    // names never break: every name of the list is a word of its own
    let list: Vec<&str> = page
        .lines
        .iter()
        .flatten()
        .map(|w| w.text.as_str())
        .collect();
    for name in ["雍正嘉", "冯玉彦", "段永强", "杨有定"] {
        assert!(
            list.iter().any(|w| w.contains(name)),
            "{name} whole: {list:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The circular
// ---------------------------------------------------------------------------

fn results(out: &Path) -> Vec<Value> {
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    json["units"].as_array().unwrap().clone()
}

/// The text between two headings of the circular.
fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let a = text.find(from).unwrap_or_else(|| panic!("section {from}"));
    let b = a + text[a..]
        .find(to)
        .unwrap_or_else(|| panic!("section {to} after {from}"));
    &text[a..b]
}

fn assert_circular(out: &Path, l: &Loaded, title: &str, groups: [&str; 2], deadline: &str) {
    let pdf = out.join("circular.pdf");
    let ps = pages(&pdf);
    // the title names the issuer (7.3.1), 22 pt, on page 1
    let t = ps[0].find(title).unwrap_or_else(|| panic!("title {title}"));
    assert!(close(t.height(), 22.0, 0.1));
    let text = crate::support::without_page_numbers(&squeeze(&raw_text(&pdf)));
    let units = results(out);
    // 基本情况: how many units, how it was done, the thresholds
    let basics = section(&text, "一、基本情况", "二、取得的成效");
    assert!(
        basics.contains(&format!("本次考核共{}个单位参加", units.len())),
        "{basics}"
    );
    for (g, rubric) in groups.iter().zip(&l.rubrics) {
        let n = units
            .iter()
            .filter(|u| u["rubric"] == rubric.id.as_str())
            .count();
        assert!(
            basics.contains(&format!("{g}{n}个")),
            "{g}{n}个 in {basics}"
        );
    }
    assert!(basics.contains("听取汇报、查阅资料、实地检查"));
    assert!(
        basics.contains("90分（含）以上为“优秀”，80分（含）至90分为“良好”"),
        "{basics}"
    );
    // 成效: every unit graded 优秀 named
    let good = section(&text, "二、取得的成效", "三、存在的主要问题");
    let excellent: Vec<&str> = units
        .iter()
        .filter(|u| u["grade"] == "优秀" && u["veto"] == false)
        .map(|u| u["unit"].as_str().unwrap())
        .collect();
    assert!(!excellent.is_empty());
    for u in &excellent {
        assert!(good.contains(u), "{u} commended");
    }
    assert!(good.contains(&format!("{}个单位", excellent.len())) && good.contains("通报表扬"));
    // 存在的主要问题: per group, the item most units lost points on, with
    // how many of how many
    let problems = section(&text, "三、存在的主要问题", "四、一票否决情况");
    for rubric in &l.rubrics {
        let mine: Vec<&Value> = units
            .iter()
            .filter(|u| u["rubric"] == rubric.id.as_str())
            .collect();
        let mut counts: Vec<(usize, u64)> = Vec::new();
        for item in rubric.items.iter().filter(|i| i.kind.is_scored()) {
            let k =
                mine.iter()
                    .filter(|u| {
                        u["items"].as_array().unwrap().iter().any(|i| {
                            i["no"] == item.no && i["deducted"].as_f64().unwrap_or(0.0) > 0.0
                        })
                    })
                    .count();
            counts.push((k, item.no as u64));
        }
        counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let (k, no) = counts[0];
        assert!(
            k >= 2,
            "the demo deducts on some item of {} in most units",
            rubric.id
        );
        let want = format!("第{no}项");
        let at = problems
            .find(&want)
            .unwrap_or_else(|| panic!("{want} in {problems}"));
        assert!(
            problems[at..].contains(&format!("{}个单位中有{k}个被扣分", mine.len())),
            "{want}: {k} of {} units",
            mine.len()
        );
    }
    // 一票否决: the vetoed unit, the rubric's rule, no 辖区 for a department
    let veto = section(&text, "四、一票否决情况", "五、整改要求");
    let vetoed: Vec<&Value> = units.iter().filter(|u| u["veto"] == true).collect();
    assert_eq!(vetoed.len(), 1);
    let v = vetoed[0];
    assert!(veto.contains(v["unit"].as_str().unwrap()));
    assert!(
        veto.contains("依照《考核细则》“发生较大以上生产安全事故的，实行‘一票否决’”的规定"),
        "{veto}"
    );
    if v["rubric"] == l.rubrics[1].id.as_str() {
        assert!(!veto.contains("辖区"), "a department has no 辖区: {veto}");
    }
    // 整改要求: the campaign's deadline
    let rectify = section(&text, "五、整改要求", "附件：");
    assert!(
        rectify.contains(&format!("于{deadline}前将整改情况书面报")),
        "{rectify}"
    );
    // the ranking: groups by the campaign's names; 一票否决 in the rank and
    // grade cells of the vetoed unit (every row as results.json has it)
    for g in groups {
        assert!(text.contains(&format!("{g}得分情况")), "chart of {g}");
    }
    crate::printed::assert_printed_as_results(out, l);
    assert_bars_match_scores(&pdf, &units, groups[1], l);
}

/// The bar chart of a group: a label per unit at the end of its bar, the
/// bars' ends in proportion to the scores (one scale for the group), and
/// ink along each bar.
fn assert_bars_match_scores(pdf: &Path, units: &[Value], group: &str, l: &Loaded) {
    let ps = pages(pdf);
    let (n, page) = ps
        .iter()
        .enumerate()
        .find(|(_, p)| p.find(&format!("{group}得分情况")).is_some())
        .expect("the chart's page");
    let head = page.find(&format!("{group}得分情况")).unwrap();
    let rubric = &l.rubrics[1].id;
    let mine: Vec<&Value> = units
        .iter()
        .filter(|u| u["rubric"] == rubric.as_str())
        .collect();
    let mut ends = Vec::new();
    for u in &mine {
        let name = u["unit"].as_str().unwrap();
        // the unit's label in the chart (beside its head), then its score
        let label = page
            .lines
            .iter()
            .flatten()
            .find(|w| w.text == name && (w.x0 - head.x0).abs() < 300.0 && w.y0 > head.y0)
            .unwrap_or_else(|| panic!("{name} in the chart"));
        let score = crate::printed::pts(&u["score"]);
        let value = page
            .lines
            .iter()
            .flatten()
            .find(|w| w.text == score && close(w.y0, label.y0, 2.0) && w.x0 > label.x1)
            .unwrap_or_else(|| panic!("{name}'s score {score} at its bar"));
        ends.push((
            u["score"].as_f64().unwrap(),
            value.x0,
            label.x1,
            label.y0,
            label.y1,
        ));
    }
    let (hi, lo) = (
        ends.iter()
            .cloned()
            .fold(ends[0], |a, b| if b.0 > a.0 { b } else { a }),
        ends.iter()
            .cloned()
            .fold(ends[0], |a, b| if b.0 < a.0 { b } else { a }),
    );
    assert!(hi.0 > lo.0);
    let scale = (hi.1 - lo.1) / (hi.0 - lo.0);
    assert!(scale > 2.0, "a visible scale: {scale} pt a point");
    for e in &ends {
        let want = lo.1 + (e.0 - lo.0) * scale;
        assert!(
            close(e.1, want, 1.0),
            "bar end of score {} at {} (want {want})",
            e.0,
            e.1
        );
    }
    // ink along the highest bar, between its label and its end
    let (w, _h, px) = gbt::pdf_pixels(pdf, n + 1, 72);
    let y = ((hi.3 + hi.4) / 2.0) as usize;
    let dark = ((hi.2 + 10.0) as usize..(hi.1 - 6.0) as usize)
        .filter(|x| px[y * w + x][0] < 150)
        .count();
    let len = (hi.1 - 6.0 - hi.2 - 10.0) as usize;
    assert!(
        dark * 10 >= len * 9,
        "the bar is drawn: {dark} of {len} pixels dark"
    );
}

#[test]
fn the_circular_reports_what_was_done_found_and_required() {
    let l = campaign::load(Some(Path::new(crate::support::BUILTIN))).unwrap();
    assert_circular(
        example(),
        &l,
        "市安委会办公室关于2018年度全市",
        ["县（区）人民政府、管委会", "市安委会成员单位"],
        "2018年12月31日",
    );
    let (out, l) = district();
    assert_circular(
        out,
        l,
        "红寺堡区安委办关于2018年度全区",
        ["乡镇人民政府", "区直有关部门"],
        "2019年2月28日",
    );
}

// ---------------------------------------------------------------------------
// schedule.ics
// ---------------------------------------------------------------------------

fn read_ics(file: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ics_check.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3-icalendar is needed (.ci/run installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn schedule_ics_imports_in_beijing_time_with_stable_uids() {
    let cal = read_ics(&example().join("schedule.ics"));
    assert_eq!(cal["timezones"], serde_json::json!(["Asia/Shanghai"]));
    let events = cal["events"].as_array().unwrap();
    assert_eq!(events.len(), 25);
    let first = &events[0];
    assert_eq!(
        first["summary"],
        "2018年度全市安全生产工作考核：海兴开发区管委会"
    );
    assert_eq!(first["start"], "2018-11-14T10:00:00+08:00");
    assert_eq!(first["end"], "2018-11-14T12:00:00+08:00");
    assert_eq!(first["tzid"], "Asia/Shanghai");
    assert_eq!(first["organizer"], "mailto:601258421@qq.com");
    assert_eq!(first["cn"], "张垣");
    assert_eq!(
        first["location"],
        Value::Null,
        "the 2018 campaign names no place"
    );
    let mut uids: Vec<&str> = events.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 25, "one UID per unit");
    assert!(uids.iter().all(|u| u.starts_with("zhongwei-2018-")));

    // the district: places from the campaign; the same UIDs when the units
    // are listed in another order
    let (out, _) = district();
    let cal = read_ics(&out.join("schedule.ics"));
    let events = cal["events"].as_array().unwrap();
    let by = |name: &str| {
        events
            .iter()
            .find(|e| e["summary"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(by("大河乡人民政府")["location"], "大河乡政府三楼会议室");
    assert_eq!(by("区公安分局")["location"], "各被考核单位会议室");
    let dir = out.parent().unwrap();
    let toml = std::fs::read_to_string(dir.join("kaohe.toml")).unwrap();
    // the [[units]] tables are the file's last; each starts a line
    let at = toml.find("\n[[units]]\n").unwrap() + 1;
    let (head, units) = toml.split_at(at);
    let mut blocks: Vec<&str> = units
        .split("[[units]]\n")
        .filter(|b| !b.trim().is_empty())
        .collect();
    blocks.reverse();
    let swapped = dir.join("reversed.toml");
    std::fs::write(
        &swapped,
        format!(
            "{head}{}",
            blocks
                .iter()
                .map(|b| format!("[[units]]\n{}\n\n", b.trim_end()))
                .collect::<String>()
        ),
    )
    .unwrap();
    let o = dir.join("reversed-out");
    run(
        dir,
        &[
            "schedule",
            "-q",
            "--campaign",
            swapped.to_str().unwrap(),
            "--out",
            o.to_str().unwrap(),
        ],
    );
    let again = read_ics(&o.join("schedule.ics"));
    let again = again["events"].as_array().unwrap();
    assert_eq!(again.len(), events.len());
    assert_ne!(
        again[0]["summary"], events[0]["summary"],
        "the order changed"
    );
    for e in events {
        let same = again.iter().find(|x| x["summary"] == e["summary"]).unwrap();
        assert_eq!(same["uid"], e["uid"], "{}: UID kept", e["summary"]);
    }
}
