//! The workbook side of kaohe, end to end: the rubrics against the seed, the
//! blank forms, reading filled forms back (kaohe's own and hand-made ones),
//! scoring, every validation message with its cell, LibreOffice opening and
//! re-saving the forms, and the command line.
//!
//! Every expected number here was worked out by hand from the seed's rules.

use calamine::{Data, Reader, SheetVisible};
use kaohe::campaign::{self, Loaded, Unit};
use kaohe::points::Pts;
use kaohe::rubric::{self, ItemKind, Rubric};
use kaohe::score::{self, UnitScore};
use kaohe::workbook::blank;
use kaohe::workbook::ingest::{self, Entry, Filled, Problem};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support::{ROOT, kaohe_in as kaohe, squeeze, tool};

const CAMPAIGN_ID: &str = "zhongwei-2018";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn loaded() -> Loaded {
    campaign::load(None).expect("the built-in campaign loads")
}

fn unit<'a>(l: &'a Loaded, name: &str) -> &'a Unit {
    l.unit(name)
        .unwrap_or_else(|| panic!("{name} is a unit of the campaign"))
}

fn pts(s: &str) -> Pts {
    Pts::parse(s).unwrap_or_else(|| panic!("{s} is a number"))
}

/// A form's entries as kaohe's own `Filled` (what a unit typed).
/// Each entry: (code, amount, veto, reason).
fn form(l: &Loaded, unit_name: &str, entries: &[(&str, &str, bool, &str)]) -> Filled {
    let u = unit(l, unit_name);
    let mut m = BTreeMap::new();
    for (code, amount, veto, reason) in entries {
        m.insert(
            code.to_string(),
            Entry {
                amount: pts(amount),
                veto: *veto,
                reason: reason.to_string(),
            },
        );
    }
    Filled {
        file: String::new(),
        sha256: String::new(),
        unit: u.name.clone(),
        rubric: u.rubric.clone(),
        entries: m,
        ..Filled::default()
    }
}

/// The workbook kaohe writes for `f` (the same writer as the blank forms).
fn kaohe_book(l: &Loaded, f: &Filled) -> Vec<u8> {
    blank::filled_workbook(l, unit(l, &f.unit), Some(f)).expect("filled workbook")
}

/// Reads a workbook's bytes as `kaohe check`/`kaohe score` do.
fn read(l: &Loaded, bytes: &[u8], file: &str) -> (Option<Filled>, Vec<String>) {
    let (f, problems) = ingest::read_bytes(bytes, file, l);
    (f, problems.iter().map(Problem::to_string).collect())
}

/// The warning on a form with no input cell filled (issue 9); the forms
/// of these tests that carry no entry get it, and it is checked in
/// tests/campaign.rs.
const UNFILLED: &str = "警告：这份评分表的“扣分”“扣分原因”栏一格也没有填写，看起来是下发时的空白表\n提示：如果该单位确实没有任何扣分，可以不理会；否则请确认交回的是不是填好的那份文件";

/// `s` without the lines of the [`UNFILLED`] warning.
fn without_unfilled(s: &str) -> String {
    let mut out = String::new();
    let mut skip_next = false;
    for line in s.lines() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if line.contains("一格也没有填写，看起来是下发时的空白表") {
            skip_next = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Reads a form that must have no problem at all (but the unfilled warning).
fn read_clean(l: &Loaded, bytes: &[u8], file: &str) -> Filled {
    let (f, problems) = read(l, bytes, file);
    let problems: Vec<String> = problems
        .into_iter()
        .filter(|p| !p.ends_with(UNFILLED))
        .collect();
    assert_eq!(problems, Vec::<String>::new(), "{file}");
    f.unwrap_or_else(|| panic!("{file} reads"))
}

/// Only what a unit typed: code → (amount, veto, reason), zero rows left out.
fn typed(f: &Filled) -> BTreeMap<String, (Pts, bool, String)> {
    f.entries
        .iter()
        .filter(|(_, e)| e.amount != Pts::ZERO || e.veto || !e.reason.is_empty())
        .map(|(c, e)| (c.clone(), (e.amount, e.veto, e.reason.clone())))
        .collect()
}

fn score_of(l: &Loaded, f: &Filled) -> UnitScore {
    score::score_unit(l.rubric(&f.rubric), f)
}

fn ranked(l: &Loaded, units: Vec<UnitScore>) -> Vec<UnitScore> {
    let ids: Vec<String> = l.rubrics.iter().map(|r| r.id.clone()).collect();
    score::rank(units, &l.campaign, &ids)
}

/// (unit, score, rank, grade) of ranked units.
fn table(units: &[UnitScore]) -> Vec<(String, String, usize, String)> {
    units
        .iter()
        .map(|u| (u.unit.clone(), u.score.to_string(), u.rank, u.grade.clone()))
        .collect()
}

fn row(unit: &str, score: &str, rank: usize, grade: &str) -> (String, String, usize, String) {
    (unit.into(), score.into(), rank, grade.into())
}

fn open(bytes: &[u8]) -> calamine::Sheets<Cursor<&[u8]>> {
    calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("calamine opens the workbook")
}

fn text(d: Option<&Data>) -> String {
    match d {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn is_code(s: &str) -> bool {
    s.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// One part of an XLSX (zip) as text.
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("xlsx is a zip");
    let mut s = String::new();
    z.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the xlsx"))
        .read_to_string(&mut s)
        .expect("utf-8 part");
    s
}

/// The `<xf>` entries of an XLSX's cellXfs, by style index.
fn cell_styles(bytes: &[u8]) -> Vec<String> {
    let styles = xlsx_part(bytes, "xl/styles.xml");
    let start = styles.find("<cellXfs").expect("cellXfs");
    let end = styles[start..].find("</cellXfs>").expect("</cellXfs>") + start;
    styles[start..end]
        .split("<xf ")
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Whether a cell of a sheet's XML is locked (the default unless its style
/// says `locked="0"`).
fn is_locked(sheet_xml: &str, styles: &[String], cell: &str) -> bool {
    let tag = format!("<c r=\"{cell}\"");
    let at = sheet_xml
        .find(&tag)
        .unwrap_or_else(|| panic!("cell {cell} in the sheet"));
    let attrs = &sheet_xml[at + tag.len()..];
    let attrs = &attrs[..attrs.find('>').unwrap()];
    let style: usize = attrs
        .split(" s=\"")
        .nth(1)
        .map(|x| x.split('"').next().unwrap().parse().unwrap())
        .unwrap_or(0);
    !styles[style].contains("<protection locked=\"0\"/>")
}

/// A sheet's data validations: cell → (type, formula1, formula2).
fn validations(sheet_xml: &str) -> BTreeMap<String, (String, String, String)> {
    let attr = |block: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        block
            .find(&key)
            .map(|i| {
                let rest = &block[i + key.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .unwrap_or_default()
    };
    let elem = |block: &str, name: &str| -> String {
        let (open, close) = (format!("<{name}>"), format!("</{name}>"));
        block
            .find(&open)
            .map(|i| {
                let rest = &block[i + open.len()..];
                rest[..rest.find(&close).unwrap()].to_string()
            })
            .unwrap_or_default()
    };
    sheet_xml
        .split("<dataValidation ")
        .skip(1)
        .map(|b| {
            // The attributes, each after a space.
            let b = format!(" {}", &b[..b.find("</dataValidation>").unwrap()]);
            (
                attr(&b, "sqref"),
                (attr(&b, "type"), elem(&b, "formula1"), elem(&b, "formula2")),
            )
        })
        .collect()
}

fn col_letter(c: u32) -> char {
    (b'A' + c as u8) as char
}

fn codes(r: &Rubric) -> Vec<String> {
    r.rules().map(|(i, x)| Rubric::code(i, x)).collect()
}

// ---------------------------------------------------------------------------
// Hand-made workbooks: what a unit (or another office tool) might send back,
// written with rust_xlsxwriter directly, not by kaohe.
// ---------------------------------------------------------------------------

/// A value typed into a 扣分 cell.
#[derive(Clone, Debug)]
enum V {
    Empty,
    Num(f64),
    Text(&'static str),
    Bool(bool),
    Date,
    DivZero,
    /// A formula and the value it last showed.
    Formula(&'static str, &'static str),
}

struct Hand {
    sheet: String,
    unit_line: Option<String>,
    /// 0-based header row; the codes follow it.
    header_row: u32,
    /// Columns of 编号, 扣分, 扣分原因.
    cols: [u16; 3],
    rows: Vec<(String, V, String)>,
    meta: Option<Vec<(String, String)>>,
}

impl Hand {
    /// The seed's layout for `unit_name` (as kaohe's county form: 编号 in D,
    /// 扣分 in G, 扣分原因 in H, headings in row 3), every rule in order,
    /// nothing typed, the right metadata.
    fn new(l: &Loaded, unit_name: &str) -> Hand {
        let u = unit(l, unit_name);
        let r = l.rubric(&u.rubric);
        Hand {
            sheet: "评分表".into(),
            unit_line: Some(format!("被考核单位：{}", u.name)),
            header_row: 2,
            cols: [3, 6, 7],
            rows: codes(r)
                .into_iter()
                .map(|c| (c, V::Empty, String::new()))
                .collect(),
            meta: Some(vec![
                ("format".into(), "kaohe-form-1".into()),
                ("campaign".into(), l.campaign.id.clone()),
                ("rubric".into(), r.id.clone()),
                ("rubric_sha256".into(), r.content_hash.clone()),
                ("unit".into(), u.name.clone()),
            ]),
        }
    }

    fn set(mut self, code: &str, v: V, reason: &str) -> Hand {
        let row = self
            .rows
            .iter_mut()
            .find(|r| r.0 == code)
            .unwrap_or_else(|| panic!("row {code}"));
        row.1 = v;
        row.2 = reason.into();
        self
    }

    fn remove(mut self, code: &str) -> Hand {
        self.rows.retain(|r| r.0 != code);
        self
    }

    fn push(mut self, code: &str, v: V, reason: &str) -> Hand {
        self.rows.push((code.into(), v, reason.into()));
        self
    }

    fn meta(mut self, key: &str, value: &str) -> Hand {
        for (k, v) in self.meta.as_mut().expect("metadata").iter_mut() {
            if k == key {
                *v = value.into();
            }
        }
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let ws = wb.add_worksheet();
        ws.set_name(&self.sheet).unwrap();
        ws.write_string(0, 0, "2018年度全市安全生产工作考核评分表")
            .unwrap();
        if let Some(line) = &self.unit_line {
            ws.write_string(1, 0, line).unwrap();
        }
        let [c_code, c_deduct, c_reason] = self.cols;
        ws.write_string(self.header_row, c_code, "编号").unwrap();
        ws.write_string(self.header_row, c_deduct, "扣分").unwrap();
        ws.write_string(self.header_row, c_reason, "扣分原因")
            .unwrap();
        for (i, (code, v, reason)) in self.rows.iter().enumerate() {
            let r = self.header_row + 1 + i as u32;
            ws.write_string(r, c_code, code).unwrap();
            match v {
                V::Empty => {}
                V::Num(x) => {
                    ws.write_number(r, c_deduct, *x).unwrap();
                }
                V::Text(s) => {
                    ws.write_string(r, c_deduct, *s).unwrap();
                }
                V::Bool(b) => {
                    ws.write_boolean(r, c_deduct, *b).unwrap();
                }
                V::Date => {
                    let d = ExcelDateTime::from_ymd(2018, 11, 14).unwrap();
                    ws.write_datetime_with_format(r, c_deduct, &d, &date)
                        .unwrap();
                }
                V::DivZero => {
                    ws.write_formula(r, c_deduct, Formula::new("=1/0").set_result("#DIV/0!"))
                        .unwrap();
                }
                V::Formula(f, shown) => {
                    ws.write_formula(r, c_deduct, Formula::new(*f).set_result(*shown))
                        .unwrap();
                }
            }
            if !reason.is_empty() {
                ws.write_string(r, c_reason, reason).unwrap();
            }
        }
        if let Some(meta) = &self.meta {
            let m = wb.add_worksheet();
            m.set_name("kaohe").unwrap();
            for (i, (k, v)) in meta.iter().enumerate() {
                m.write_string(i as u32, 0, k).unwrap();
                m.write_string(i as u32, 1, v).unwrap();
            }
            m.set_hidden(true);
        }
        wb.save_to_buffer().unwrap()
    }
}

// ---------------------------------------------------------------------------
// 1. The rubrics against the seed
// ---------------------------------------------------------------------------

/// The seed's text of attachment `n` (1 or 2).
fn seed_attachment(n: usize) -> String {
    let seed = std::fs::read_to_string(Path::new(ROOT).join("tests/data/seed-2018.txt"))
        .expect("tests/data/seed-2018.txt");
    let start = seed
        .find(&format!("\n附件{n}\n"))
        .unwrap_or_else(|| panic!("附件{n} in the seed"));
    let end = seed[start + 1..]
        .find(&format!("\n附件{}\n", n + 1))
        .map(|e| start + 1 + e)
        .expect("next attachment");
    seed[start..end].to_string()
}

/// Walks the squeezed seed: each item is "N." + content, right after it its
/// rule texts in order, right after them the item's points; between one item
/// and the next only the next item's headings.
fn check_against_seed(r: &Rubric, attachment: usize, items: u32) {
    let seed = squeeze(&seed_attachment(attachment));
    let nos: Vec<u32> = r.items.iter().map(|i| i.no).collect();
    assert_eq!(
        nos,
        (1..=items).collect::<Vec<_>>(),
        "{} item numbers",
        r.id
    );
    let starts: Vec<(usize, usize)> = r
        .items
        .iter()
        .scan(0usize, |from, item| {
            let head = squeeze(&format!("{}.{}", item.no, item.content));
            let at = seed[*from..]
                .find(&head)
                .map(|p| *from + p)
                .unwrap_or_else(|| panic!("{} item {}: “{head}” not in the seed", r.id, item.no));
            *from = at + head.len();
            Some((at, at + head.len()))
        })
        .collect();
    let mut seed_total = Pts::ZERO;
    for (k, item) in r.items.iter().enumerate() {
        let mut at = starts[k].1;
        for rule in &item.rules {
            let t = squeeze(&rule.text);
            assert!(
                seed[at..].starts_with(&t),
                "{} item {} rule {}: the seed has “{}” where the rubric has “{t}”",
                r.id,
                item.no,
                rule.no,
                seed[at..].chars().take(60).collect::<String>()
            );
            at += t.len();
            if let Some(p) = rule.points {
                let tail = t.trim_end_matches('）').trim_end_matches('。');
                assert!(
                    tail.ends_with(&format!("（{p}分")),
                    "{} {}-{}: text ends with （{p}分）",
                    r.id,
                    item.no,
                    rule.no
                );
            }
        }
        let end = starts.get(k + 1).map(|s| s.0).unwrap_or(seed.len());
        let mut gap = &seed[at..end];
        match item.points {
            Some(p) => {
                let p = p.to_string();
                assert!(
                    gap.starts_with(&p),
                    "{} item {}: the seed gives 分值 “{}”, the rubric {p}",
                    r.id,
                    item.no,
                    gap.chars().take(10).collect::<String>()
                );
                seed_total += pts(&p);
                gap = &gap[p.len()..];
            }
            None => assert!(matches!(item.kind, ItemKind::Bonus | ItemKind::Veto)),
        }
        // Only headings of the next item may stand between two items.
        let heads: Vec<String> = r
            .items
            .get(k + 1)
            .map(|n| {
                [Some(&n.level1), n.level2.as_ref()]
                    .into_iter()
                    .flatten()
                    .map(|h| squeeze(h))
                    .collect()
            })
            .unwrap_or_default();
        while let Some(h) = heads.iter().find(|h| gap.starts_with(h.as_str())) {
            gap = &gap[h.len()..];
        }
        assert_eq!(
            gap, "",
            "{} item {}: unexpected seed text after the item",
            r.id, item.no
        );
    }
    assert_eq!(seed_total, Pts::from_int(100), "{}: 分值 in the seed", r.id);
}

#[test]
fn rubric_items_and_points_match_the_seed() {
    let county = rubric::load_file(&Path::new(ROOT).join("rubrics/2018-county.toml")).unwrap();
    let member = rubric::load_file(&Path::new(ROOT).join("rubrics/2018-member.toml")).unwrap();
    check_against_seed(&county, 1, 38);
    check_against_seed(&member, 2, 31);

    // The walk notices a change the totals would not: 分值 moved between
    // items, a rule's wording, an item's content, a dropped rule.
    let mut moved = county.clone();
    moved.items[0].points = Some(pts("4"));
    moved.items[1].points = Some(pts("4"));
    let mut worded = county.clone();
    worded.items[1].rules[1].text = worded.items[1].rules[1].text.replace("缺一项", "缺1项");
    let mut content = member.clone();
    content.items[4].content = content.items[4].content.trim_end_matches("2分").into();
    let mut dropped = member.clone();
    dropped.items[2].rules.pop();
    for (r, n, items) in [
        (&moved, 1, 38),
        (&worded, 1, 38),
        (&content, 2, 31),
        (&dropped, 2, 31),
    ] {
        let caught = std::panic::catch_unwind(|| check_against_seed(r, n, items));
        assert!(caught.is_err(), "the seed check missed a change");
    }

    // The facts of design.md, by hand.
    let kinds = |r: &Rubric| -> Vec<(u32, ItemKind)> {
        r.items
            .iter()
            .filter(|i| i.kind != ItemKind::Scored)
            .map(|i| (i.no, i.kind))
            .collect()
    };
    assert_eq!(
        kinds(&county),
        [
            (36, ItemKind::Penalty),
            (37, ItemKind::Bonus),
            (38, ItemKind::Veto)
        ]
    );
    assert_eq!(
        kinds(&member),
        [
            (29, ItemKind::Penalty),
            (30, ItemKind::Bonus),
            (31, ItemKind::Veto)
        ]
    );
    let sum = |r: &Rubric, nos: std::ops::RangeInclusive<u32>| -> Pts {
        r.items
            .iter()
            .filter(|i| nos.contains(&i.no))
            .filter_map(|i| i.points)
            .sum()
    };
    assert_eq!(sum(&county, 1..=35), Pts::from_int(94));
    assert_eq!(sum(&county, 36..=36), Pts::from_int(6));
    assert_eq!(sum(&member, 1..=28), Pts::from_int(94));
    assert_eq!(sum(&member, 29..=29), Pts::from_int(6));
    assert_eq!(county.level1_headings().len(), 8);
    let level2: std::collections::BTreeSet<&str> = county
        .items
        .iter()
        .filter_map(|i| i.level2.as_deref())
        .collect();
    assert_eq!(level2.len(), 19);
    assert!(!member.has_level2());
    assert_eq!((codes(&county).len(), codes(&member).len()), (93, 70));
}

#[test]
fn rubric_lint_county_is_clean_member_has_the_two_seed_quirks() {
    let county = rubric::load_file(&Path::new(ROOT).join("rubrics/2018-county.toml")).unwrap();
    assert_eq!(rubric::lint::lint(&county), vec![]);
    let path = Path::new(ROOT).join("rubrics/2018-member.toml");
    let member = rubric::load_file(&path).unwrap();
    let f = path.display();
    let got: Vec<(bool, String)> = rubric::lint::lint(&member)
        .into_iter()
        .map(|l| (l.error, l.message))
        .collect();
    assert_eq!(
        got,
        [
            (
                false,
                format!(
                    "{f}: 第80行，细则 4-1：每次扣 1.5 分，超过该条分值 1 分；扣分以 1 分为限（按原文保留）"
                )
            ),
            (
                false,
                format!("{f}: 第92行，第5项：考核内容写“2分”，而分值为 3 分（按原文保留）")
            ),
        ]
    );
}

/// The county rubric with `edit` applied to its text, written to `dir`.
fn edited_rubric(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let src = std::fs::read_to_string(Path::new(ROOT).join("rubrics/2018-county.toml")).unwrap();
    let out = edit(&src);
    assert_ne!(out, src, "{name}: the edit changed something");
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p
}

/// The 1-based line of the `n`-th (1-based) line equal to `line` in `src`.
fn line_no(src: &str, line: &str, n: usize) -> usize {
    src.lines()
        .enumerate()
        .filter(|(_, l)| *l == line)
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("{line} #{n}"))
}

fn config_message(p: &Path) -> String {
    match rubric::load_file(p) {
        Err(kaohe::Error::Config(m)) => m,
        Err(e) => panic!("{}: not a config error: {e}", p.display()),
        Ok(_) => panic!("{} loaded", p.display()),
    }
}

#[test]
fn malformed_rubrics_are_config_errors_naming_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(Path::new(ROOT).join("rubrics/2018-county.toml")).unwrap();
    // The second [[items]] (item 2) and its first rule.
    let item2 = line_no(&src, "[[items]]", 2);
    let item2_rule1 = line_no(&src, "[[items.rules]]", 3);

    // Bad TOML: a value missing on line 16 (item 1's `points = 3`).
    let bad = edited_rubric(dir.path(), "bad-toml.toml", |s| {
        s.replacen("points = 3\n", "points = \n", 1)
    });
    assert_eq!(line_no(&src, "points = 3", 1), 16);
    let m = config_message(&bad);
    assert!(
        m.starts_with(&format!("{}: 第16行第10列: 格式错误：", bad.display())),
        "{m}"
    );

    // Item 1 says 4 points while its rules give 3: the sum and the total.
    let sums = edited_rubric(dir.path(), "sums.toml", |s| {
        s.replacen("points = 3\n", "points = 4\n", 1)
    });
    let f = sums.display();
    // The wrong total names the items that add up to it.
    let county = rubric::load_file(&Path::new(ROOT).join("rubrics/2018-county.toml")).unwrap();
    let parts: Vec<String> = county
        .items
        .iter()
        .filter(|i| i.kind.is_scored())
        .map(|i| {
            let p = if i.no == 1 {
                Pts::from_int(4)
            } else {
                i.points.unwrap()
            };
            format!("第{}项 {p} 分", i.no)
        })
        .collect();
    assert_eq!(
        config_message(&sums),
        format!(
            "{f}: 第10行，第1项：细则分值合计 3 分，与该项分值 4 分不符\n{f}: 计分项目与减分项合计 101 分，应为满分 100 分（{}）",
            parts.join(" + ")
        )
    );

    // An unknown kind of item.
    let kind = edited_rubric(dir.path(), "kind.toml", |s| {
        let at = s.find("no = 2\n").unwrap();
        format!(
            "{}{}",
            &s[..at],
            s[at..].replacen("kind = \"scored\"", "kind = \"scoring\"", 1)
        )
    });
    assert_eq!(
        config_message(&kind),
        format!(
            "{}: 第{item2}行，第2项：未知的项目类型 “scoring”（应为 scored、penalty、bonus 或 veto）",
            kind.display()
        )
    );

    // A scored item without its points, and a rule without its points.
    let missing = edited_rubric(dir.path(), "missing.toml", |s| {
        s.replacen("kind = \"scored\"\npoints = 5\n", "kind = \"scored\"\n", 1)
    });
    assert_eq!(
        config_message(&missing),
        format!(
            "{}: 第{item2}行，第2项：计分项目缺少分值（points）",
            missing.display()
        )
    );
    let rule = edited_rubric(dir.path(), "rule.toml", |s| {
        let at = s.find("no = 2\n").unwrap();
        format!("{}{}", &s[..at], s[at..].replacen("points = 2\n", "", 1))
    });
    assert_eq!(
        config_message(&rule),
        format!(
            "{}: 第{item2_rule1}行，第2项第1条细则：缺少分值（points）",
            rule.display()
        )
    );

    // `kaohe rubric show` on each: exit 2, the file named on stderr, nothing on stdout.
    for p in [&bad, &sums, &kind, &missing, &rule] {
        let out = kaohe(
            dir.path(),
            &["rubric", "show", &p.to_string_lossy(), "--json"],
        );
        assert_eq!(out.status.code(), Some(2), "{}", p.display());
        assert!(
            stderr(&out).contains(&p.display().to_string()),
            "{}",
            stderr(&out)
        );
        assert_eq!(out.stdout, b"", "{}", p.display());
    }
}

#[test]
fn rubric_show_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let member = Path::new(ROOT).join("rubrics/2018-member.toml");
    let out = kaohe(
        dir.path(),
        &["rubric", "show", &member.to_string_lossy(), "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The two quirks are shown as warnings, not errors.
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("警告："))
            .count(),
        2,
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["id", "items", "title"]);
    assert_eq!(v["id"], "member-2018");
    assert_eq!(v["title"], "2018年度市安委会成员单位安全生产工作考核细则");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 31);
    for it in items {
        assert_eq!(
            keys(it),
            [
                "content", "kind", "level1", "level2", "no", "points", "rules"
            ]
        );
        for r in it["rules"].as_array().unwrap() {
            assert_eq!(keys(r), ["deduction", "no", "points", "text"]);
        }
    }
    assert_eq!(
        items[3],
        serde_json::json!({
            "no": 4,
            "level1": "一、责任落实",
            "level2": null,
            "content": "组织对行业领域安全生产工作考核，严格落实《宁夏回族自治区安全生产“一票否决”实施办法（试行）》。落实自治区政府98号令，本部门“三定”方案中明确安全生产和职业健康工作职责；按照“谁主管谁负责、谁审批谁负责”的要求，完善本部门的安全生产权力清单和责任清单。",
            "kind": "scored",
            "points": 3,
            "rules": [
                {"no": 1, "text": "①查看对下级部门安全生产工作考核情况。每年考核不少于1次。少一次扣1.5分。（1分）", "points": 1, "deduction": {"kind": "step", "step": 1.5}},
                {"no": 2, "text": "②严格落实《自治区安全生产“一票否决”实施办法（试行）》和安全生产约谈、警示教育制度。检查相关档案资料，未建立相关制度的不得分，无约谈、警示记录的扣0.5分。（2分）", "points": 2, "deduction": {"kind": "partial_or_all", "partial": 0.5}},
            ],
        })
    );
    assert_eq!(items[28]["kind"], "penalty");
    assert_eq!(items[28]["points"], 6);
    assert_eq!(items[29]["kind"], "bonus");
    assert_eq!(items[29]["points"], serde_json::Value::Null);
    assert_eq!(items[29]["rules"][0]["points"], serde_json::Value::Null);
    assert_eq!(
        items[29]["rules"][0]["deduction"],
        serde_json::json!({"kind": "bonus", "per": 1, "cap": 5})
    );
    assert_eq!(items[30]["kind"], "veto");
    assert_eq!(items[30]["points"], serde_json::Value::Null);
    assert_eq!(
        items[30]["rules"][0]["deduction"],
        serde_json::json!({"kind": "veto"})
    );
}

// ---------------------------------------------------------------------------
// 2. Blank workbooks read back with calamine
// ---------------------------------------------------------------------------

#[test]
fn blank_workbooks_for_all_25_units_read_back() {
    let l = loaded();
    assert_eq!(l.campaign.units.len(), 25);
    let mut per_rubric = BTreeMap::new();
    for u in &l.campaign.units {
        let r = l.rubric(&u.rubric);
        *per_rubric.entry(r.id.clone()).or_insert(0) += 1;
        let bytes = blank::workbook(&l, u).unwrap();
        let mut wb = open(&bytes);
        let sheets: Vec<(String, SheetVisible)> = wb
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible))
            .collect();
        assert_eq!(
            sheets,
            [
                ("评分表".to_string(), SheetVisible::Visible),
                ("kaohe".to_string(), SheetVisible::Hidden)
            ],
            "{}",
            u.name
        );

        // The hidden sheet says which campaign, rubric and unit.
        let meta = wb.worksheet_range("kaohe").unwrap();
        let meta: Vec<(String, String)> = meta
            .rows()
            .map(|r| (text(r.first()), text(r.get(1))))
            .collect();
        assert_eq!(
            meta,
            [
                ("format".to_string(), "kaohe-form-1".to_string()),
                ("campaign".into(), CAMPAIGN_ID.into()),
                ("rubric".into(), r.id.clone()),
                ("rubric_sha256".into(), r.content_hash.clone()),
                ("unit".into(), u.name.clone()),
            ],
            "{}",
            u.name
        );
        assert_eq!(r.content_hash.len(), 64);
        assert!(r.content_hash.bytes().all(|b| b.is_ascii_hexdigit()));

        // The scoring sheet: title, unit, headings, one row per rule.
        let ws = wb.worksheet_range("评分表").unwrap();
        let cell = |row: u32, col: u32| text(ws.get_value((row, col)));
        assert_eq!(cell(0, 0), "2018年度全市安全生产工作考核评分表");
        assert_eq!(cell(1, 0), format!("被考核单位：{}", u.name));
        let heads: Vec<String> = (0..ws.width() as u32).map(|c| cell(2, c)).collect();
        let county = r.id == "county-2018";
        let expect: &[&str] = if county {
            &[
                "一级标题",
                "二级标题",
                "考核内容",
                "编号",
                "评分细则",
                "分值",
                "扣分",
                "扣分原因",
                "得分",
            ]
        } else {
            &[
                "考核项目",
                "考核内容",
                "编号",
                "评分细则",
                "分值",
                "扣分",
                "扣分原因",
                "得分",
            ]
        };
        assert_eq!(heads, expect, "{}", u.name);
        let col = |h: &str| expect.iter().position(|x| *x == h).unwrap() as u32;
        let (c_code, c_rule, c_points, c_deduct, c_reason) = (
            col("编号"),
            col("评分细则"),
            col("分值"),
            col("扣分"),
            col("扣分原因"),
        );
        let mut found = Vec::new();
        let mut rows = Vec::new();
        for row in 3..ws.end().unwrap().0 + 1 {
            let code = cell(row, c_code);
            if !is_code(&code) {
                continue;
            }
            let (item, rule) = r.find_code(&code).expect("a code of the rubric");
            assert_eq!(cell(row, c_rule), rule.text, "{} {code}", u.name);
            let points = ws.get_value((row, c_points));
            match item.kind {
                ItemKind::Bonus => assert_eq!(points, Some(&Data::String("≤5".into()))),
                ItemKind::Veto => assert_eq!(text(points), ""),
                _ => assert_eq!(
                    points,
                    Some(&Data::Float(rule.points.unwrap().to_f64())),
                    "{} {code}",
                    u.name
                ),
            }
            assert_eq!(ws.get_value((row, c_deduct)), Some(&Data::Empty), "{code}");
            assert_eq!(ws.get_value((row, c_reason)), Some(&Data::Empty), "{code}");
            found.push(code);
            rows.push((row + 1, item.kind, rule.points));
        }
        assert_eq!(found, codes(r), "{}: exactly one 编号 row per rule", u.name);
        let last = 3 + found.len() as u32;
        let labels: Vec<String> = (last..last + 4).map(|row| cell(row, 0)).collect();
        assert_eq!(
            labels,
            ["基本得分（计分项目与减分项）", "加分", "总分", "一票否决"]
        );

        // Locked layout, validation on every input, the metadata sheet hidden.
        let sheet1 = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
        let sheet2 = xlsx_part(&bytes, "xl/worksheets/sheet2.xml");
        assert!(sheet1.contains("<sheetProtection"), "{}", u.name);
        assert!(sheet2.contains("<sheetProtection"), "{}", u.name);
        let styles = cell_styles(&bytes);
        let dv = validations(&sheet1);
        assert_eq!(
            dv.len(),
            found.len(),
            "{}: one validation per input row",
            u.name
        );
        let at = |c: u32, row: u32| format!("{}{row}", col_letter(c));
        for (row, kind, points) in rows {
            for c in [c_deduct, c_reason] {
                assert!(
                    !is_locked(&sheet1, &styles, &at(c, row)),
                    "{} {}",
                    u.name,
                    at(c, row)
                );
            }
            for c in [c_code, c_rule, c_points] {
                assert!(
                    is_locked(&sheet1, &styles, &at(c, row)),
                    "{} {}",
                    u.name,
                    at(c, row)
                );
            }
            let want = match kind {
                ItemKind::Bonus => ("whole", "0".to_string(), "5".to_string()),
                ItemKind::Veto => ("list", "\"否,是\"".to_string(), String::new()),
                _ => ("decimal", "0".to_string(), points.unwrap().to_string()),
            };
            let got = dv
                .get(&at(c_deduct, row))
                .unwrap_or_else(|| panic!("validation at {}", at(c_deduct, row)));
            assert_eq!(
                (got.0.as_str(), got.1.clone(), got.2.clone()),
                want,
                "{} {}",
                u.name,
                at(c_deduct, row)
            );
        }
        assert!(
            xlsx_part(&bytes, "xl/workbook.xml")
                .contains(r#"name="kaohe" sheetId="2" state="hidden""#)
        );

        // A blank form reads back clean: nothing typed, a score of 100.
        let f = read_clean(&l, &bytes, "blank.xlsx");
        assert_eq!(f.unit, u.name);
        assert_eq!(f.rubric, r.id);
        assert_eq!(f.entries.len(), found.len());
        assert_eq!(typed(&f), BTreeMap::new());
        let s = score_of(&l, &f);
        assert_eq!(
            (s.base, s.bonus, s.score, s.veto),
            (Pts::from_int(100), Pts::ZERO, Pts::from_int(100), false)
        );
    }
    assert_eq!(
        per_rubric,
        BTreeMap::from([
            ("county-2018".to_string(), 5),
            ("member-2018".to_string(), 20)
        ])
    );
}

// ---------------------------------------------------------------------------
// 3. Filled forms read back and scored
// ---------------------------------------------------------------------------

/// The five county forms: a clean one, two tied at 99.5, one at 93.75, and a
/// vetoed one whose own score (104.75) is the highest.
fn county_forms(l: &Loaded) -> Vec<Filled> {
    vec![
        form(l, "海兴开发区管委会", &[]),
        // 0.5 + 0.25 + 0.75 + 0.25 + 2.5 + 2 = 6.25
        form(
            l,
            "海原县人民政府",
            &[
                ("1-1", "0.5", false, "学习资料不全"),
                ("2-1", "0.25", false, "缺路线图"),
                ("2-2", "0.75", false, "缺三次督查通报"),
                ("4-4", "0.25", false, "=SUM(A1:A9)"),
                ("15-3", "2.5", false, "#panic(\"x\") *bold* $"),
                ("36-1", "2", false, "两项督办事项未落实"),
            ],
        ),
        form(l, "中宁县人民政府", &[("1-1", "0.5", false, "资料不全")]),
        form(l, "沙坡头区人民政府", &[("10-4", "0.5", false, "缺一项")]),
        form(
            l,
            "中卫工业园区管委会",
            &[
                ("3-1", "0.25", false, "缺会议纪要"),
                ("37-1", "5", false, "受到国家表彰5项"),
                ("38-1", "0", true, "2018年6月发生较大生产安全事故，3人死亡"),
            ],
        ),
    ]
}

#[test]
fn kaohe_forms_round_trip_and_score_by_hand() {
    let l = loaded();
    let forms = county_forms(&l);
    let mut units = Vec::new();
    for f in &forms {
        let back = read_clean(&l, &kaohe_book(&l, f), "form.xlsx");
        assert_eq!(back.unit, f.unit);
        assert_eq!(back.rubric, "county-2018");
        assert_eq!(back.entries.len(), 93, "{}: every rule read", f.unit);
        assert_eq!(typed(&back), typed(f), "{}", f.unit);
        units.push(score_of(&l, &back));
    }
    let by = |name: &str| units.iter().find(|u| u.unit == name).unwrap().clone();

    let h = by("海原县人民政府");
    assert_eq!(
        (h.base, h.bonus, h.score),
        (pts("93.75"), Pts::ZERO, pts("93.75"))
    );
    let item = |u: &UnitScore, no: u32| {
        let i = u.items.iter().find(|i| i.no == no).unwrap();
        (i.points, i.deducted, i.score, i.reasons.clone())
    };
    assert_eq!(
        item(&h, 2),
        (
            Some(pts("5")),
            pts("1"),
            pts("4"),
            vec![
                "①扣0.25分：缺路线图".to_string(),
                "②扣0.75分：缺三次督查通报".into()
            ]
        )
    );
    assert_eq!(
        item(&h, 4).3,
        ["④扣0.25分：=SUM(A1:A9)"],
        "a reason is text, kept as typed"
    );
    assert_eq!(item(&h, 15).3, ["③扣2.5分：#panic(\"x\") *bold* $"]);
    assert_eq!(
        item(&h, 36),
        (
            Some(pts("6")),
            pts("2"),
            pts("4"),
            vec!["①扣2分：两项督办事项未落实".to_string()]
        )
    );
    let subtotals: Vec<(String, String)> = h
        .subtotals
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    assert_eq!(
        subtotals[0],
        ("一、责任落实".to_string(), "37.25".to_string())
    );
    assert_eq!(subtotals.last().unwrap().0, "六、减分项");
    assert_eq!(subtotals.last().unwrap().1, "4");
    assert_eq!(subtotals.len(), 6, "bonus and veto are not subtotals");

    let v = by("中卫工业园区管委会");
    assert_eq!(
        (v.base, v.bonus, v.score, v.veto, v.veto_reason.as_str()),
        (
            pts("99.75"),
            pts("5"),
            pts("104.75"),
            true,
            "2018年6月发生较大生产安全事故，3人死亡"
        )
    );
    assert_eq!(v.bonus_reason, "受到国家表彰5项");

    let ranked = ranked(&l, units);
    assert_eq!(
        table(&ranked),
        [
            row("海兴开发区管委会", "100", 1, "优秀"),
            row("中宁县人民政府", "99.5", 2, "优秀"),
            row("沙坡头区人民政府", "99.5", 2, "优秀"),
            row("海原县人民政府", "93.75", 4, "优秀"),
            row("中卫工业园区管委会", "104.75", 5, "不合格"),
        ]
    );

    // results.json: numbers with at most two decimals, the veto's reason.
    let json = score::results_json(&ranked);
    let last = &json["units"][4];
    assert_eq!(last["score"].to_string(), "104.75");
    assert_eq!(last["veto"], true);
    assert_eq!(
        last["veto_reason"],
        "2018年6月发生较大生产安全事故，3人死亡"
    );
    assert_eq!(json["units"][3]["score"].to_string(), "93.75");
    assert_eq!(json["units"][0]["veto_reason"], serde_json::Value::Null);
}

#[test]
fn results_xlsx_ranks_each_group_with_level1_subtotals() {
    let l = loaded();
    let mut units: Vec<UnitScore> = county_forms(&l).iter().map(|f| score_of(&l, f)).collect();
    units.push(score_of(&l, &form(&l, "市旅发委", &[])));
    units.push(score_of(
        &l,
        &form(&l, "市公安局", &[("29-2", "1.5", false, "通报3次")]),
    ));
    let ranked = ranked(&l, units);
    let bytes = kaohe::workbook::results::workbook(&l, &ranked).unwrap();
    let mut wb = open(&bytes);
    assert_eq!(
        wb.sheet_names(),
        ["县（区）人民政府、管委会", "市安委会成员单位"]
    );
    let grid = |wb: &mut calamine::Sheets<Cursor<&[u8]>>, name: &str| -> Vec<Vec<String>> {
        let ws = wb.worksheet_range(name).unwrap();
        ws.rows()
            .map(|r| r.iter().map(|d| text(Some(d))).collect())
            .collect()
    };
    let county = grid(&mut wb, "县（区）人民政府、管委会");
    assert_eq!(
        county[0][0],
        "2018年度全市安全生产工作考核结果（县（区）人民政府、管委会）"
    );
    assert_eq!(
        county[1..],
        crate::support::table(
            "名次 | 单位 | 一、责任落实 | 二、依法治理 | 三、体制机制 | 四、风险管控 | 五、基础建设 | 六、减分项 | 基本得分 | 加分 | 总分 | 等次 | 一票否决
             1 | 海兴开发区管委会 | 39 | 14 | 4 | 22 | 15 | 6 | 100 | 0 | 100 | 优秀 | 否
             2 | 中宁县人民政府 | 38.5 | 14 | 4 | 22 | 15 | 6 | 99.5 | 0 | 99.5 | 优秀 | 否
             2 | 沙坡头区人民政府 | 38.5 | 14 | 4 | 22 | 15 | 6 | 99.5 | 0 | 99.5 | 优秀 | 否
             4 | 海原县人民政府 | 37.25 | 11.5 | 4 | 22 | 15 | 4 | 93.75 | 0 | 93.75 | 优秀 | 否
             5 | 中卫工业园区管委会 | 38.75 | 14 | 4 | 22 | 15 | 6 | 99.75 | 5 | 104.75 | 不合格 | 是：2018年6月发生较大生产安全事故，3人死亡"
        )
    );
    let member = grid(&mut wb, "市安委会成员单位");
    assert_eq!(member[1][..3], ["名次", "单位", "一、责任落实"]);
    let rows: Vec<(&str, &str, &str, &str)> = member[2..]
        .iter()
        .map(|r| {
            (
                r[0].as_str(),
                r[1].as_str(),
                r[r.len() - 3].as_str(),
                r[r.len() - 2].as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("1", "市旅发委", "100", "优秀"),
            ("2", "市公安局", "98.5", "优秀")
        ]
    );
}

#[test]
fn bonus_is_capped_at_5_and_must_be_whole() {
    let l = loaded();
    // Scoring alone caps a claimed bonus at 5.
    let f = form(&l, "海原县人民政府", &[("37-1", "7", false, "表彰7项")]);
    let s = score_of(&l, &f);
    assert_eq!((s.bonus, s.score), (pts("5"), pts("105")));
    // On a form, 5 is read, 6 and 1.5 are errors with their cell (G95).
    let ok = read_clean(
        &l,
        &kaohe_book(
            &l,
            &form(&l, "海原县人民政府", &[("37-1", "5", false, "表彰5项")]),
        ),
        "ok.xlsx",
    );
    assert_eq!(score_of(&l, &ok).score, pts("105"));
    for (amount, message) in [
        ("6", "错误：加分 6 超过上限 5 分"),
        (
            "1.5",
            "错误：加分 1.5 应为 1 分的整数倍（每受表彰一项加 1 分）",
        ),
    ] {
        let bytes = kaohe_book(
            &l,
            &form(&l, "海原县人民政府", &[("37-1", amount, false, "表彰")]),
        );
        let (f, problems) = read(&l, &bytes, "b.xlsx");
        assert!(f.is_none());
        assert_eq!(problems, [format!("b.xlsx: 评分表!G95: {message}")]);
    }
}

/// Member forms written by hand: headings in row 6, 扣分原因 before 扣分,
/// the rows in reverse order: found by their codes, not by position.
fn member_hand(l: &Loaded, unit_name: &str, entries: &[(&str, f64, &str)]) -> Vec<u8> {
    let mut h = Hand::new(l, unit_name);
    h.header_row = 5;
    h.cols = [1, 4, 2];
    h.rows.reverse();
    for (code, amount, reason) in entries {
        h = h.set(code, V::Num(*amount), reason);
    }
    h.bytes()
}

/// 85 (良好), 60 (合格, on the line) and 59.75 (不合格) by hand.
const MEMBER_60: &[(&str, f64, &str)] = &[
    ("1-1", 2.0, "未建立"),
    ("1-2", 1.0, "未建立"),
    ("1-3", 2.0, "缺8项"),
    ("3-1", 1.0, "未建立"),
    ("3-2", 2.0, "未落实"),
    ("3-3", 1.0, "未建立"),
    ("3-4", 3.0, "缺12项"),
    ("11-1", 2.0, "缺2项"),
    ("12-1", 1.0, "未建立"),
    ("12-2", 2.0, "缺8项"),
    ("12-3", 7.0, "缺14项"),
    ("15-1", 2.0, "未落实"),
    ("15-2", 2.0, "未落实"),
    ("15-3", 1.0, "未落实"),
    ("16-1", 2.0, "未落实"),
    ("16-2", 1.0, "未落实"),
    ("16-3", 1.0, "未落实"),
    ("16-4", 1.0, "未落实"),
    ("29-1", 3.0, "3项未落实"),
    ("29-2", 3.0, "通报6次"),
];

#[test]
fn hand_made_workbooks_score_by_hand() {
    let l = loaded();
    let mut forms = vec![
        member_hand(&l, "市旅发委", &[]),
        member_hand(
            &l,
            "市民族宗教局",
            &[
                ("9-1", 2.0, "未落实"),
                ("12-3", 7.0, "缺14项"),
                ("29-1", 3.0, "3项未落实"),
                ("29-2", 3.0, "通报6次"),
            ],
        ),
        member_hand(&l, "市商务和经济协作局", MEMBER_60),
    ];
    let mut below = MEMBER_60.to_vec();
    below.push(("2-1", 0.25, "缺一项"));
    forms.push(member_hand(&l, "市卫计局", &below));
    let units: Vec<UnitScore> = forms
        .iter()
        .map(|b| score_of(&l, &read_clean(&l, b, "hand.xlsx")))
        .collect();
    assert_eq!(
        table(&ranked(&l, units)),
        [
            row("市旅发委", "100", 1, "优秀"),
            row("市民族宗教局", "85", 2, "良好"),
            row("市商务和经济协作局", "60", 3, "合格"),
            row("市卫计局", "59.75", 4, "不合格"),
        ]
    );

    // A hand-made county form in kaohe's layout scores as kaohe's own does.
    let hand = Hand::new(&l, "海原县人民政府")
        .set("1-1", V::Num(0.5), "学习资料不全")
        .set("2-1", V::Num(0.25), "缺路线图")
        .set("2-2", V::Num(0.75), "缺三次督查通报")
        .set("4-4", V::Num(0.25), "=SUM(A1:A9)")
        .set("15-3", V::Num(2.5), "#panic(\"x\") *bold* $")
        .set("36-1", V::Num(2.0), "两项督办事项未落实")
        .bytes();
    let hand = read_clean(&l, &hand, "hand.xlsx");
    let own = &county_forms(&l)[1];
    assert_eq!(typed(&hand), typed(own));
    assert_eq!(score_of(&l, &hand).score, pts("93.75"));

    // Two units with equal scores in the member group share their rank.
    let tie = |name: &str| {
        score_of(
            &l,
            &read_clean(
                &l,
                &member_hand(&l, name, &[("5-2", 0.5, "缺一次")]),
                "t.xlsx",
            ),
        )
    };
    let units = vec![
        tie("市农牧局"),
        score_of(
            &l,
            &read_clean(&l, &member_hand(&l, "市林业局", &[]), "t.xlsx"),
        ),
        tie("市卫计局"),
        score_of(
            &l,
            &read_clean(
                &l,
                &member_hand(&l, "市教育局", &[("2-1", 1.0, "缺四项")]),
                "t.xlsx",
            ),
        ),
    ];
    assert_eq!(
        table(&ranked(&l, units)),
        [
            row("市林业局", "100", 1, "优秀"),
            row("市卫计局", "99.5", 2, "优秀"),
            row("市农牧局", "99.5", 2, "优秀"),
            row("市教育局", "99", 4, "优秀"),
        ]
    );
}

// ---------------------------------------------------------------------------
// 4. Validation: every problem with its cell, all at once
// ---------------------------------------------------------------------------

/// County rows (headings in row 3): 1-1 is row 4, …, 36-2 row 94, 37-1 row
/// 95, 38-1 row 96. In this file 36-2 is deleted, so 37-1 and 38-1 move up.
fn bad_county(l: &Loaded) -> Vec<u8> {
    Hand::new(l, "海原县人民政府")
        .set("1-1", V::Num(3.0), "超过分值") // G4, 2 points
        .set("1-2", V::Num(-0.5), "负数") // G5
        .set("2-1", V::Text("abc"), "文字") // G6
        .set("2-2", V::Date, "日期") // G7
        .set("2-3", V::Bool(true), "逻辑值") // G8
        .set("3-1", V::DivZero, "公式错误") // G9
        .set("4-1", V::Num(1.0), "") // H10: no reason
        .set("4-4", V::Text("０．５"), "全角") // G13: read as 0.5
        .set("5-1", V::Text(" 0.5分 "), "带分字") // G14: read as 0.5
        .set("5-2", V::Text("0.5 1"), "两个数") // G15
        .set("6-1", V::Num(0.125), "三位小数") // G16
        .set("6-2", V::Num(0.25), "不是0.5的倍数") // G17: warning only
        .set("7-1", V::Formula("=0.25*2", "0.5"), "公式") // G18: read by its value
        .remove("36-2")
        .set("37-1", V::Num(6.0), "表彰6项") // G94
        .set("38-1", V::Text("可能"), "") // G95
        .push("1-1", V::Num(0.5), "重复") // D96
        .push("39-1", V::Num(0.5), "没有这一条") // D97
        .bytes()
}

#[test]
fn every_validation_error_is_reported_with_its_cell_at_once() {
    let l = loaded();
    let (f, problems) = read(&l, &bad_county(&l), "bad.xlsx");
    assert!(f.is_none(), "a form with errors is not scored");
    // The formula error's wording is checked on its own below.
    let (div0, rest): (Vec<String>, Vec<String>) = problems
        .into_iter()
        .partition(|p| p.starts_with("bad.xlsx: 评分表!G9: "));
    assert_eq!(div0.len(), 1, "{div0:?}");
    assert!(
        div0[0].starts_with("bad.xlsx: 评分表!G9: 错误：应填数字，这里是公式错误值 "),
        "{}",
        div0[0]
    );
    assert_eq!(
        rest,
        [
            "bad.xlsx: 评分表!G4: 错误：扣分 3 超过本条分值 2 分",
            "bad.xlsx: 评分表!G5: 错误：扣分不能为负数（-0.5）",
            "bad.xlsx: 评分表!G6: 错误：“abc”不是数字（扣分请填写如 0.5 的数字）",
            "bad.xlsx: 评分表!G7: 错误：应填数字，这里是日期或时间（单元格格式可能被改成了日期）",
            "bad.xlsx: 评分表!G8: 错误：应填数字，这里是逻辑值（TRUE/FALSE）",
            "bad.xlsx: 评分表!H10: 错误：扣了 1 分，但没有填写扣分原因",
            "bad.xlsx: 评分表!G15: 错误：“0.5 1”不是数字（扣分请填写如 0.5 的数字）",
            "bad.xlsx: 评分表!G16: 错误：“0.125”最多保留两位小数",
            "bad.xlsx: 评分表!G17: 警告：本条每处扣 0.5 分，这里扣了 0.25 分，不是 0.5 分的整数倍，是不是填错了？\n提示：请按本条的扣分标准核对：扣分应是 0.5 分的 1 倍、2 倍……；确实如此可以不理会",
            "bad.xlsx: 评分表!G94: 错误：加分 6 超过上限 5 分",
            "bad.xlsx: 评分表!G95: 错误：一票否决只能填“是”或“否”，这里是“可能”",
            "bad.xlsx: 评分表!D96: 错误：编号 1-1 重复（第一次在第 4 行）",
            "bad.xlsx: 评分表!D97: 错误：编号 39-1 不在考核细则“county-2018”中",
            "bad.xlsx: 评分表: 错误：缺少 1 条细则的行（编号 36-2），行被删除或编号被改动",
        ]
    );

    // The other bonus and veto mistakes (one such row per form).
    let bytes = Hand::new(&l, "海原县人民政府")
        .set("37-1", V::Num(1.5), "表彰")
        .set("38-1", V::Text("是"), "")
        .bytes();
    let (f, problems) = read(&l, &bytes, "bad2.xlsx");
    assert!(f.is_none());
    assert_eq!(
        problems,
        [
            "bad2.xlsx: 评分表!G95: 错误：加分 1.5 应为 1 分的整数倍（每受表彰一项加 1 分）",
            "bad2.xlsx: 评分表!H96: 错误：填了一票否决“是”，但没有写明事故情况",
        ]
    );
    let bytes = Hand::new(&l, "海原县人民政府")
        .set("37-1", V::Num(2.0), "")
        .bytes();
    assert_eq!(
        read(&l, &bytes, "bad3.xlsx").1,
        ["bad3.xlsx: 评分表!H95: 错误：申报了加分，但没有写明受表彰事项"]
    );
}

#[test]
fn a_formula_error_is_named_as_the_cell_shows_it() {
    let l = loaded();
    let bytes = Hand::new(&l, "海原县人民政府")
        .set("3-1", V::DivZero, "公式错误")
        .bytes();
    assert_eq!(
        read(&l, &bytes, "f.xlsx").1,
        ["f.xlsx: 评分表!G9: 错误：应填数字，这里是公式错误值 #DIV/0!"]
    );
}

#[test]
fn numbers_are_read_as_meant_and_step_mismatch_is_a_warning() {
    let l = loaded();
    let bytes = Hand::new(&l, "海原县人民政府")
        .set("4-4", V::Text("０．５"), "全角")
        .set("5-1", V::Text(" 0.5分 "), "带分字")
        .set("6-2", V::Num(0.25), "少一项")
        .set("7-1", V::Formula("=0.25*2", "0.5"), "公式")
        .set("38-1", V::Text("否"), "")
        .bytes();
    let (f, problems) = read(&l, &bytes, "n.xlsx");
    assert_eq!(
        problems,
        [
            "n.xlsx: 评分表!G17: 警告：本条每处扣 0.5 分，这里扣了 0.25 分，不是 0.5 分的整数倍，是不是填错了？\n提示：请按本条的扣分标准核对：扣分应是 0.5 分的 1 倍、2 倍……；确实如此可以不理会"
        ]
    );
    let f = f.expect("warnings do not stop scoring");
    assert_eq!(
        typed(&f),
        BTreeMap::from([
            ("4-4".to_string(), (pts("0.5"), false, "全角".to_string())),
            ("5-1".to_string(), (pts("0.5"), false, "带分字".to_string())),
            (
                "6-2".to_string(),
                (pts("0.25"), false, "少一项".to_string())
            ),
            ("7-1".to_string(), (pts("0.5"), false, "公式".to_string())),
        ])
    );
    assert_eq!(score_of(&l, &f).score, pts("98.25"));
}

#[test]
fn forms_of_other_campaigns_or_rubrics_are_rejected() {
    let l = loaded();
    let cases: Vec<(&str, Hand, &str)> = vec![
        (
            "campaign.xlsx",
            Hand::new(&l, "海原县人民政府").meta("campaign", "zhongwei-2017"),
            "campaign.xlsx: 错误：这是考核“zhongwei-2017”的评分表，不是本次考核（zhongwei-2018）的\n提示：可能是在错误的考核文件夹中运行，或忘了 --campaign（本次用的考核方案：内置示例 zhongwei-2018）；也可能是单位交回了往年的评分表",
        ),
        (
            "hash.xlsx",
            Hand::new(&l, "海原县人民政府").meta(
                "rubric_sha256",
                "0000000000000000000000000000000000000000000000000000000000000000",
            ),
            "hash.xlsx: 错误：考核细则在这份评分表下发后被修改过（考核细则“county-2018”）：改动不在评分细则的文字和分值中（可能是考核内容、标题或扣分方式）\n提示：请把用新细则生成的评分表（kaohe blank）发给该单位重新填报；如改动不影响这份评分表，可加 --accept-changed-rubric 按新细则评分，改动会列在结果中",
        ),
        (
            "rubric.xlsx",
            Hand::new(&l, "海原县人民政府").meta("rubric", "member-2018"),
            "rubric.xlsx: 错误：这份评分表用的是考核细则“member-2018”，而海原县人民政府应使用“county-2018”",
        ),
    ];
    for (file, hand, message) in cases {
        let (f, problems) = read(&l, &hand.bytes(), file);
        assert!(f.is_none(), "{file}");
        assert_eq!(problems, [message]);
    }
}

#[test]
fn an_unknown_unit_is_reported_with_the_cell_that_names_it() {
    let l = loaded();
    // Named by the metadata (kaohe!B5) …
    let mut h = Hand::new(&l, "海原县人民政府").meta("unit", "某某县人民政府");
    h.unit_line = Some("被考核单位：某某县人民政府".into());
    let (f, problems) = read(&l, &h.bytes(), "unit.xlsx");
    assert!(f.is_none());
    assert_eq!(
        problems,
        [
            "unit.xlsx: kaohe!B5: 错误：被考核单位“某某县人民政府”不在本次考核（zhongwei-2018）的单位名单中"
        ]
    );
    // … or, without metadata, by the line on the scoring sheet (评分表!A2).
    let mut h = Hand::new(&l, "海原县人民政府");
    h.meta = None;
    h.unit_line = Some("被考核单位：某某局".into());
    let (f, problems) = read(&l, &h.bytes(), "u.xlsx");
    assert!(f.is_none());
    assert_eq!(
        problems,
        ["u.xlsx: 评分表!A2: 错误：被考核单位“某某局”不在本次考核（zhongwei-2018）的单位名单中"]
    );
}

#[test]
fn a_form_of_another_campaign_is_named_so_even_for_a_unit_not_in_this_one() {
    // Next year's form of a bureau that did not exist in 2018: the office
    // must be told it is the wrong year's form, not that the unit is unknown.
    let l = loaded();
    let mut h = Hand::new(&l, "市安监局")
        .meta("campaign", "zhongwei-2019")
        .meta("unit", "市应急管理局");
    h.unit_line = Some("被考核单位：市应急管理局".into());
    assert_eq!(
        read(&l, &h.bytes(), "next.xlsx").1,
        [
            "next.xlsx: 错误：这是考核“zhongwei-2019”的评分表，不是本次考核（zhongwei-2018）的\n提示：可能是在错误的考核文件夹中运行，或忘了 --campaign（本次用的考核方案：内置示例 zhongwei-2018）；也可能是单位交回了往年的评分表"
        ]
    );
}

#[test]
fn stripped_metadata_and_renamed_sheet_are_warnings_and_still_read() {
    let l = loaded();
    let entries: &[(&str, &str, bool, &str)] = &[
        ("1-1", "0.5", false, "资料不全"),
        ("29-2", "1.5", false, "通报3次"),
    ];
    let want = typed(&form(&l, "市公安局", entries));
    let base = || {
        let mut h = Hand::new(&l, "市公安局");
        for (code, a, _, reason) in entries {
            h = h.set(code, V::Num(pts(a).to_f64()), reason);
        }
        h
    };
    let mut stripped = base();
    stripped.meta = None;
    let (f, problems) = read(&l, &stripped.bytes(), "s.xlsx");
    assert_eq!(
        problems,
        ["s.xlsx: 警告：隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别"]
    );
    let f = f.expect("still read");
    assert_eq!(
        (f.unit.as_str(), f.rubric.as_str()),
        ("市公安局", "member-2018")
    );
    assert_eq!(typed(&f), want);
    assert_eq!(score_of(&l, &f).score, pts("98"));

    let mut renamed = base();
    renamed.sheet = "Sheet1".into();
    let (f, problems) = read(&l, &renamed.bytes(), "r.xlsx");
    assert_eq!(
        problems,
        ["r.xlsx: Sheet1: 警告：评分工作表被改名为“Sheet1”，已按表头识别"]
    );
    assert_eq!(typed(&f.expect("still read")), want);

    // Both at once, on a form kaohe wrote: still the same unit and entries.
    let mut both = base();
    both.meta = None;
    both.sheet = "工作表1".into();
    let (f, problems) = read(&l, &both.bytes(), "b.xlsx");
    assert_eq!(
        problems,
        [
            "b.xlsx: 工作表1: 警告：评分工作表被改名为“工作表1”，已按表头识别",
            "b.xlsx: 警告：隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别",
        ]
    );
    assert_eq!(typed(&f.expect("still read")), want);
}

// ---------------------------------------------------------------------------
// 5. LibreOffice
// ---------------------------------------------------------------------------

/// `soffice` on PATH, or a failure that says what to install.
fn soffice() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("soffice"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "soffice (LibreOffice) is not installed: these tests need it. \
                 Install libreoffice-calc-nogui (apt-get install libreoffice-calc-nogui; \
                 CI installs it via .ci/run)"
            )
        })
}

/// One soffice run converting every file in `files` to `to` into `outdir`,
/// with its own fresh profile.
fn convert(profile: &Path, to: &str, files: &[PathBuf], outdir: &Path) {
    let out = Command::new(soffice())
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(outdir)
        .args(files)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice --convert-to {to} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy();
        let ext = to.split(':').next().unwrap();
        let p = outdir.join(format!("{stem}.{ext}"));
        assert!(
            p.is_file(),
            "soffice did not write {} ({})",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn libreoffice_opens_every_blank_workbook() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (xlsx, pdf) = (dir.path().join("xlsx"), dir.path().join("pdf"));
    std::fs::create_dir_all(&xlsx).unwrap();
    let mut files = Vec::new();
    for u in &l.campaign.units {
        let p = xlsx.join(format!("{}.xlsx", u.name));
        std::fs::write(&p, blank::workbook(&l, u).unwrap()).unwrap();
        files.push(p);
    }
    convert(profile.path(), "pdf", &files, &pdf);
    for u in &l.campaign.units {
        let p = pdf.join(format!("{}.pdf", u.name));
        let info = tool("pdfinfo").arg(&p).output().unwrap();
        assert!(info.status.success(), "{}: pdfinfo failed", p.display());
        let info = String::from_utf8_lossy(&info.stdout);
        let pages: u32 = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        // The whole table is there: many pages, and its last code.
        assert!(pages >= 2, "{}: {pages} pages", u.name);
        let txt = tool("pdftotext")
            .args([p.as_os_str(), "-".as_ref()])
            .output()
            .unwrap();
        let txt = String::from_utf8_lossy(&txt.stdout);
        let last = codes(l.rubric(&u.rubric)).pop().unwrap();
        assert!(txt.contains(&last), "{}: {last} not printed", u.name);
    }
}

/// A filled form as kaohe (or a hand) wrote it and as LibreOffice re-saved it.
struct Resaved {
    name: &'static str,
    xlsx: Vec<u8>,
    /// Re-saved with LibreOffice's default settings, as a unit would.
    ods: Vec<u8>,
    xls: Vec<u8>,
    lo_xlsx: Vec<u8>,
    /// Re-saved by a LibreOffice set to recalculate every formula on load.
    ods_recalculated: Vec<u8>,
}

/// A profile that makes LibreOffice recalculate XLSX formulas on load
/// (Tools > Options > Calc > Formula > Recalculation on file load: Always).
fn recalculating_profile(dir: &Path) {
    std::fs::create_dir_all(dir.join("user")).unwrap();
    std::fs::write(
        dir.join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
}

/// Four filled forms converted by LibreOffice once for all the tests that
/// need them: ods, xls and xlsx with a default profile, and ods with a
/// recalculating one (in parallel, each soffice run with its own profile).
fn resaved() -> &'static [Resaved] {
    static RESAVED: OnceLock<Vec<Resaved>> = OnceLock::new();
    RESAVED.get_or_init(|| {
        let l = loaded();
        let dir = tempfile::tempdir().unwrap();
        let (plain, recalc) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        recalculating_profile(recalc.path());
        let forms: Vec<(&'static str, Vec<u8>)> = vec![
            ("clean", kaohe_book(&l, &county_forms(&l)[0])),
            ("county", kaohe_book(&l, &county_forms(&l)[1])),
            ("vetoed", kaohe_book(&l, &county_forms(&l)[4])),
            (
                "member-hand",
                member_hand(
                    &l,
                    "市民族宗教局",
                    &[
                        ("9-1", 2.0, "未落实"),
                        ("12-3", 7.0, "缺14项"),
                        ("29-1", 3.0, "3项未落实"),
                        ("29-2", 3.0, "通报6次"),
                        ("4-2", 0.5, "无约谈记录"),
                    ],
                ),
            ),
        ];
        let mut files = Vec::new();
        for (name, bytes) in &forms {
            let p = dir.path().join(format!("{name}.xlsx"));
            std::fs::write(&p, bytes).unwrap();
            files.push(p);
        }
        let out = |sub: &str| dir.path().join(sub);
        std::thread::scope(|s| {
            s.spawn(|| convert(recalc.path(), "ods", &files, &out("recalc")));
            convert(plain.path(), "ods", &files, &out("ods"));
            convert(plain.path(), "xls", &files, &out("xls"));
            convert(plain.path(), "xlsx", &files, &out("xlsx"));
        });
        let get = |sub: &str, name: &str, ext: &str| {
            std::fs::read(out(sub).join(format!("{name}.{ext}"))).unwrap()
        };
        forms
            .into_iter()
            .map(|(name, xlsx)| Resaved {
                name,
                xlsx,
                ods: get("ods", name, "ods"),
                xls: get("xls", name, "xls"),
                lo_xlsx: get("xlsx", name, "xlsx"),
                ods_recalculated: get("recalc", name, "ods"),
            })
            .collect()
    })
}

#[test]
fn libreoffice_resaved_ods_and_xls_score_the_same() {
    let l = loaded();
    let mut scores = Vec::new();
    for r in resaved() {
        let name = r.name;
        assert!(r.ods.starts_with(b"PK"), "{name}.ods is a zip");
        assert!(
            r.xls.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
            "{name}.xls is OLE"
        );
        assert_ne!(r.lo_xlsx, r.xlsx, "{name}: LibreOffice wrote its own xlsx");
        let a = read_clean(&l, &r.xlsx, &format!("{name}.xlsx"));
        let mut again = vec![
            ("ods", read_clean(&l, &r.ods, &format!("{name}.ods"))),
            ("xls", read_clean(&l, &r.xls, &format!("{name}.xls"))),
            (
                "lo.xlsx",
                read_clean(&l, &r.lo_xlsx, &format!("{name}.lo.xlsx")),
            ),
        ];
        again.push((
            "recalculated.ods",
            read_clean(&l, &r.ods_recalculated, &format!("{name}.r.ods")),
        ));
        let sa = score_of(&l, &a);
        for (ext, f) in &again {
            assert_eq!((&f.unit, &f.rubric), (&a.unit, &a.rubric), "{name}.{ext}");
            assert_eq!(typed(f), typed(&a), "{name}.{ext}");
            let s = score_of(&l, f);
            assert_eq!(
                (s.base, s.bonus, s.score, s.veto, &s.veto_reason),
                (sa.base, sa.bonus, sa.score, sa.veto, &sa.veto_reason),
                "{name}.{ext}"
            );
            assert_eq!(s.subtotals, sa.subtotals, "{name}.{ext}");
        }
        scores.push((name, sa.score.to_string(), sa.veto));
    }
    // `kaohe check` takes a folder of re-saved forms of each kind.
    let dir = tempfile::tempdir().unwrap();
    for (ext, pick) in [
        ("ods", (|r: &Resaved| &r.ods) as fn(&Resaved) -> &Vec<u8>),
        ("xls", |r: &Resaved| &r.xls),
        ("xlsx", |r: &Resaved| &r.lo_xlsx),
    ] {
        let sub = dir.path().join(ext);
        std::fs::create_dir(&sub).unwrap();
        for r in resaved() {
            std::fs::write(sub.join(format!("{}.{ext}", r.name)), pick(r)).unwrap();
        }
        let out = kaohe(dir.path(), &["check", ext]);
        assert_eq!(out.status.code(), Some(0), "{ext}: {}", stderr(&out));
        // The clean form (nothing entered) is said to look unfilled.
        assert_eq!(
            without_unfilled(&stderr(&out)),
            "检查了 4 个文件，4 份评分表无错误（1 个警告）\n",
            "{ext}"
        );
    }
    assert_eq!(
        scores,
        [
            ("clean", "100".to_string(), false),
            ("county", "93.75".to_string(), false),
            ("vetoed", "104.75".to_string(), true),
            ("member-hand", "84.5".to_string(), false),
        ]
    );
}

/// The 得分 column as a spreadsheet shows it: each item's first rule
/// (`N-1`) with its item's score, then the rows of totals.
fn shown_scores(book: &[u8]) -> Vec<(String, String)> {
    let mut wb = open(book);
    let ws = wb.worksheet_range("评分表").unwrap();
    let rows: Vec<&[Data]> = ws.rows().collect();
    let head = rows
        .iter()
        .position(|r| r.iter().any(|d| text(Some(d)) == "得分"))
        .expect("得分 heading");
    let col = |h: &str| rows[head].iter().position(|d| text(Some(d)) == h).unwrap();
    let (c_code, c_score) = (col("编号"), col("得分"));
    let mut out = Vec::new();
    for r in &rows[head + 1..] {
        let code = text(r.get(c_code));
        let label = text(r.first());
        if code.ends_with("-1") {
            out.push((code, text(r.get(c_score))));
        } else if ["基本得分（计分项目与减分项）", "加分", "总分", "一票否决"]
            .contains(&label.as_str())
        {
            out.push((label, text(r.get(c_score))));
        }
    }
    out
}

/// What `shown_scores` should be for a unit's score.
fn expected_shown(u: &UnitScore) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = u
        .items
        .iter()
        .map(|i| {
            let v = match i.kind {
                ItemKind::Bonus => u.bonus.to_string(),
                ItemKind::Veto if u.veto => "否决".to_string(),
                ItemKind::Veto => "否".to_string(),
                _ => i.score.to_string(),
            };
            (format!("{}-1", i.no), v)
        })
        .collect();
    out.extend([
        (
            "基本得分（计分项目与减分项）".to_string(),
            u.base.to_string(),
        ),
        ("加分".to_string(), u.bonus.to_string()),
        ("总分".to_string(), u.score.to_string()),
        (
            "一票否决".to_string(),
            if u.veto { "是" } else { "否" }.to_string(),
        ),
    ]);
    out
}

#[test]
fn libreoffice_recalculating_the_form_formulas_gets_the_scores() {
    // kaohe's live formulas, evaluated by LibreOffice itself.
    let l = loaded();
    for r in resaved().iter().filter(|r| r.name != "member-hand") {
        let u = score_of(&l, &read_clean(&l, &r.xlsx, r.name));
        assert_eq!(
            shown_scores(&r.ods_recalculated),
            expected_shown(&u),
            "{}",
            r.name
        );
    }
}

#[test]
fn libreoffice_shows_the_scores_of_a_form_as_opened() {
    // A unit opening its form in LibreOffice (default settings: XLSX
    // formulas are not recalculated on load) sees the values stored in the
    // file: they must be the form's scores (a blank form shows 100).
    let l = loaded();
    for r in resaved().iter().filter(|r| r.name != "member-hand") {
        let u = score_of(&l, &read_clean(&l, &r.xlsx, r.name));
        assert_eq!(shown_scores(&r.ods), expected_shown(&u), "{}", r.name);
    }
}

// ---------------------------------------------------------------------------
// 6. The command line
// ---------------------------------------------------------------------------

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` (relative paths, sorted), with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Clean forms for all 25 units in `dir` (kaohe's own workbooks).
fn all_forms(l: &Loaded, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for u in &l.campaign.units {
        let f = form(l, &u.name, &[]);
        std::fs::write(dir.join(format!("{}.xlsx", u.name)), kaohe_book(l, &f)).unwrap();
    }
}

#[test]
fn check_command_exit_codes_and_messages() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.xlsx");
    std::fs::write(&good, kaohe_book(&l, &county_forms(&l)[1])).unwrap();
    let out = kaohe(dir.path(), &["check", "good.xlsx"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "检查了 1 个文件，1 份评分表无错误（0 个警告）\n"
    );

    // County form, 4-3 (row 12) deducted 2 on a 1-point rule, and no reason on 4-1.
    let bad = dir.path().join("bad.xlsx");
    let f = form(
        &l,
        "海原县人民政府",
        &[("4-3", "2", false, "超过分值"), ("4-1", "1", false, "")],
    );
    std::fs::write(&bad, kaohe_book(&l, &f)).unwrap();
    let out = kaohe(dir.path(), &["check", "good.xlsx", "bad.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "bad.xlsx: 评分表!H10: 错误：扣了 1 分，但没有填写扣分原因\n\
         bad.xlsx: 评分表!G12: 错误：扣分 2 超过本条分值 1 分\n\
         kaohe: 检查了 2 个文件：2 个错误，0 个警告\n"
    );

    // Two forms of one unit.
    std::fs::copy(&good, dir.path().join("copy.xlsx")).unwrap();
    let out = kaohe(dir.path(), &["check", "good.xlsx", "copy.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "copy.xlsx: 错误：与 good.xlsx 是同一单位（海原县人民政府）的评分表，每个单位只能提交一份\n\
         kaohe: 检查了 2 个文件：1 个错误，0 个警告\n"
    );

    // Warnings alone exit 0; a folder is read whole, office lock files skipped.
    let forms = dir.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    let mut stripped = Hand::new(&l, "市公安局");
    stripped.meta = None;
    std::fs::write(forms.join("a.xlsx"), stripped.bytes()).unwrap();
    std::fs::write(forms.join(".~lock.a.xlsx#"), b"lock").unwrap();
    std::fs::write(forms.join("~$a.xlsx"), b"lock").unwrap();
    let out = kaohe(dir.path(), &["check", "forms"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // (Since issue 9 the files not read are named, one line each.)
    assert_eq!(
        without_unfilled(&stderr(&out)),
        "forms/.~lock.a.xlsx#: 警告：未读取：这是 LibreOffice 打开文件时留下的锁定文件\n\
         forms/~$a.xlsx: 警告：未读取：这是 Excel 或 WPS 打开文件时留下的临时文件\n\
         forms/a.xlsx: 警告：隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别\n\
         检查了 1 个文件，1 份评分表无错误（4 个警告）\n"
    );

    // Not a workbook; a missing file.
    std::fs::write(dir.path().join("x.xlsx"), b"%PDF-1.7").unwrap();
    let out = kaohe(dir.path(), &["check", "x.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with(
        "x.xlsx: 错误：这是 PDF 文件，不是表格文件；请提交 Excel、WPS 或 LibreOffice 保存的评分表\n"
    ));
    let out = kaohe(dir.path(), &["check", "nothing.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "kaohe: nothing.xlsx: 没有这个文件或文件夹\n提示：请检查文件名；要检查一个文件夹中的全部评分表，写文件夹名，如 kaohe check 交回\n"
    );

    // Wrong usage exits 2.
    for args in [
        &["check"][..],
        &["score", "--no-such-option", "x"],
        &["rubric", "show"],
    ] {
        let out = kaohe(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = kaohe(dir.path(), &["rubric", "show", "no-such.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("kaohe: no-such.toml: 无法读取考核细则文件："),
        "{}",
        stderr(&out)
    );
}

#[test]
fn score_command_with_a_bad_form_writes_nothing() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    all_forms(&l, &forms);
    // One unit's form has a deduction above its rule's points (member 1-1, F4).
    let f = form(&l, "市公安局", &[("1-1", "2.5", false, "资料不全")]);
    std::fs::write(forms.join("市公安局.xlsx"), kaohe_book(&l, &f)).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("results.json"), b"{\"previous\": true}").unwrap();
    let before = tree(&out_dir);
    let out = kaohe(dir.path(), &["score", "forms", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        without_unfilled(&stderr(&out)),
        "forms/市公安局.xlsx: 评分表!F4: 错误：扣分 2.5 超过本条分值 2 分\n\
         kaohe: 评分表有 1 个错误，未生成任何结果；请改正后重新运行\n"
    );
    assert_eq!(tree(&out_dir), before, "--out is untouched");

    // A unit without a form: nothing written either.
    std::fs::remove_file(forms.join("市公安局.xlsx")).unwrap();
    let out = kaohe(dir.path(), &["score", "forms", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        without_unfilled(&stderr(&out)),
        "kaohe: 还有 1 个单位没有评分表：市公安局；所有单位的评分表收齐后才能评分、排名和印发结果通报\n\
         提示：收齐后再运行；要先对已交回的单位评分和排名（列出未报送的单位，不印发结果通报），加 --partial，如 kaohe score . --partial\n"
    );
    assert_eq!(tree(&out_dir), before, "--out is untouched");
}

#[test]
fn malformed_campaign_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let builtin =
        std::fs::read_to_string(Path::new(ROOT).join("src/builtin/zhongwei-2018.toml")).unwrap();
    // Broken TOML.
    std::fs::write(dir.path().join("broken.toml"), "id = \"x\"\nyear = \n").unwrap();
    // Valid TOML whose unit names a rubric that does not exist.
    let wrong = builtin.replacen("rubric = \"county-2018\"", "rubric = \"county-2019\"", 1);
    let rubrics = Path::new(ROOT).join("rubrics");
    let wrong = wrong.replace("../../rubrics", &rubrics.to_string_lossy());
    std::fs::write(dir.path().join("wrong.toml"), wrong).unwrap();
    let form = dir.path().join("f.xlsx");
    let l = loaded();
    std::fs::write(&form, kaohe_book(&l, &county_forms(&l)[0])).unwrap();
    for (file, says) in [
        ("broken.toml", "broken.toml: 第2行第8列: 格式错误："),
        (
            "wrong.toml",
            "wrong.toml: 第1个被考核单位（海兴开发区管委会）：考核细则 “county-2019” 不存在（已有：county-2018、member-2018）",
        ),
    ] {
        for cmd in [
            &["check", "f.xlsx"][..],
            &["score", "f.xlsx", "--out", "out"],
        ] {
            let mut args = cmd.to_vec();
            args.extend(["--campaign", file]);
            let out = kaohe(dir.path(), &args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(
                stderr(&out).starts_with(&format!("kaohe: {says}")),
                "{args:?}: {}",
                stderr(&out)
            );
        }
    }
    assert!(!dir.path().join("out").exists(), "nothing written");
    // A campaign whose rubric file is malformed names the rubric file.
    let bad_rubric = dir.path().join("r.toml");
    std::fs::write(
        &bad_rubric,
        "id = \"r\"\ntitle = \"t\"\nheaders = []\nitems = []\n",
    )
    .unwrap();
    let c = builtin.replacen(
        "../../rubrics/2018-county.toml",
        &bad_rubric.to_string_lossy(),
        1,
    );
    let c = c.replace("../../rubrics", &rubrics.to_string_lossy());
    std::fs::write(dir.path().join("c.toml"), c).unwrap();
    let out = kaohe(dir.path(), &["check", "f.xlsx", "--campaign", "c.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "kaohe: {}: 没有任何考核项目（[[items]]）\n",
            bad_rubric.display()
        )
    );
}

// ---------------------------------------------------------------------------
// 7. Needs the Typst templates (being written by a colleague): `kaohe score`
//    and `kaohe demo` also typeset PDFs, so only these two tests depend on
//    the templates; a template error fails them and nothing else.
// ---------------------------------------------------------------------------

#[test]
fn score_command_publishes_results_for_all_units() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    all_forms(&l, &forms);
    for f in county_forms(&l) {
        std::fs::write(forms.join(format!("{}.xlsx", f.unit)), kaohe_book(&l, &f)).unwrap();
    }
    let out = kaohe(dir.path(), &["score", "forms", "--out", "out", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out_dir = dir.path().join("out");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("results.json")).unwrap()).unwrap();
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), 25);
    let county: Vec<(String, String, u64, String)> = units[..5]
        .iter()
        .map(|u| {
            (
                u["unit"].as_str().unwrap().to_string(),
                u["score"].to_string(),
                u["rank"].as_u64().unwrap(),
                u["grade"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64, String)> = [
        ("海兴开发区管委会", "100", 1, "优秀"),
        ("中宁县人民政府", "99.5", 2, "优秀"),
        ("沙坡头区人民政府", "99.5", 2, "优秀"),
        ("海原县人民政府", "93.75", 4, "优秀"),
        ("中卫工业园区管委会", "104.75", 5, "不合格"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, d.to_string()))
    .collect();
    assert_eq!(county, want);
    assert!(
        units[5..]
            .iter()
            .all(|u| u["score"] == 100 && u["rank"] == 1)
    );
    for u in &l.campaign.units {
        for ext in ["pdf", "xlsx"] {
            assert!(
                out_dir.join(format!("filled/{}.{ext}", u.name)).is_file(),
                "filled/{}.{ext}",
                u.name
            );
        }
    }
    assert!(out_dir.join("results.xlsx").is_file());
    assert!(out_dir.join("circular.pdf").is_file());
    // What is printed, against the hand-computed figures above.
    let ranking = crate::printed::circular_rows(&out_dir.join("circular.pdf"), &l);
    for (unit, score, rank, grade) in &want {
        let r = &ranking[unit];
        // a vetoed unit shows 一票否决 in the rank and grade columns
        let vetoed = unit == "中卫工业园区管委会";
        let (rank, grade) = if vetoed {
            ("一票否决".to_string(), "一票否决")
        } else {
            (rank.to_string(), grade.as_str())
        };
        assert_eq!(
            (&r.total, &r.rank, r.grade.as_str(), r.vetoed),
            (score, &rank, grade, vetoed),
            "{unit} in circular.pdf"
        );
    }
    let filled = |unit: &str| out_dir.join(format!("filled/{unit}.pdf"));
    let printed = crate::printed::filled_summary(&filled("海原县人民政府"));
    assert_eq!(printed, "93.750否93.754（县（区）人民政府、管委会）优秀");
    assert_eq!(
        crate::printed::filled_item_scores(&filled("海原县人民政府")),
        ["2.5", "4", "7.75", "1.5", "4"]
    );
    let printed = crate::printed::filled_summary(&filled("中卫工业园区管委会"));
    assert_eq!(
        printed,
        "99.755（受到国家表彰5项）是（2018年6月发生较大生产安全事故，3人死亡）104.755（县（区）人民政府、管委会）不合格"
    );
    assert_eq!(
        crate::printed::filled_item_scores(&filled("中卫工业园区管委会")),
        ["2.75"]
    );
    // And every unit as results.json has it.
    crate::printed::assert_printed_as_results(&out_dir, &l);
    // The archive copy reads back as the form it came from.
    let back = read_clean(
        &l,
        &std::fs::read(out_dir.join("filled/海原县人民政府.xlsx")).unwrap(),
        "filled.xlsx",
    );
    assert_eq!(typed(&back), typed(&county_forms(&l)[1]));
}

#[test]
fn demo_sample_forms_read_back_and_match_its_results() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let out = kaohe(dir.path(), &["demo", "--out", "out", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out_dir = dir.path().join("out");
    // Every sample form and its archive copy read back clean and agree.
    let mut units = Vec::new();
    for u in &l.campaign.units {
        // the 考核组's forms are scored (returned/ holds the units' own)
        let returned = std::fs::read(out_dir.join(format!("assessed/{}.xlsx", u.name))).unwrap();
        let filled = std::fs::read(out_dir.join(format!("filled/{}.xlsx", u.name))).unwrap();
        let a = read_clean(&l, &returned, "assessed.xlsx");
        let b = read_clean(&l, &filled, "filled.xlsx");
        assert_eq!(typed(&a), typed(&b), "{}", u.name);
        assert_eq!(a.unit, u.name);
        units.push(score_of(&l, &a));
        assert!(out_dir.join(format!("blank/{}.xlsx", u.name)).is_file());
    }
    let ranked = ranked(&l, units);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("results.json")).unwrap()).unwrap();
    let got: Vec<(String, String, usize, String)> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit"].as_str().unwrap().to_string(),
                u["score"].to_string(),
                u["rank"].as_u64().unwrap() as usize,
                u["grade"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        table(&ranked),
        "results.json is the score of the 考核组's forms"
    );
    // What the demo promises: one bonus, one veto (last of its group), a tie.
    let bonus: Vec<(&str, String)> = ranked
        .iter()
        .filter(|u| u.bonus != Pts::ZERO)
        .map(|u| (u.unit.as_str(), u.bonus.to_string()))
        .collect();
    assert_eq!(bonus, [("海兴开发区管委会", "2".to_string())]);
    let vetoed: Vec<&str> = ranked
        .iter()
        .filter(|u| u.veto)
        .map(|u| u.unit.as_str())
        .collect();
    assert_eq!(vetoed, ["市粮食局"]);
    let last = ranked.iter().rfind(|u| u.rubric == "member-2018").unwrap();
    assert_eq!(
        (last.unit.as_str(), last.rank, last.grade.as_str()),
        ("市粮食局", 20, "不合格")
    );
    let tied: Vec<(String, usize)> = ranked
        .iter()
        .filter(|u| u.unit == "市发改委" || u.unit == "市安监局")
        .map(|u| (u.score.to_string(), u.rank))
        .collect();
    assert_eq!(tied.len(), 2);
    assert_eq!(tied[0], tied[1], "the two tied units share score and rank");
}
