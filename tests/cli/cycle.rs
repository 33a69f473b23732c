//! The assessment as the seed runs it: the units' self-assessments
//! (`kaohe self`), the 考核组's forms carrying them, several assessors for
//! one unit, and scoring self against assessed.
//!
//! Every expected number is worked out by hand from the 2018 county rubric:
//! rule 1-1 is worth 2 points, 2-1 2 points, 3-1 3 points (100 in all).

use calamine::{Data, Reader};
use kaohe::campaign::{self, Loaded};
use kaohe::points::Pts;
use kaohe::workbook::blank;
use kaohe::workbook::ingest::{Entry, Filled, SelfAssessment};
use kaohe::workbook::layout::FormKind;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use crate::support::kaohe_in as kaohe;

const UNIT: &str = "海原县人民政府";

fn loaded() -> Loaded {
    campaign::load(None).expect("the built-in campaign loads")
}

fn entries(list: &[(&str, &str, &str)]) -> BTreeMap<String, Entry> {
    list.iter()
        .map(|(code, amount, reason)| {
            (
                code.to_string(),
                Entry {
                    amount: Pts::parse(amount).unwrap(),
                    veto: false,
                    reason: reason.to_string(),
                },
            )
        })
        .collect()
}

/// The unit's self-assessment: 1-1 −0.5, 2-1 −0.25 → 99.25.
fn own(l: &Loaded) -> Filled {
    let u = l.unit(UNIT).unwrap();
    Filled {
        unit: u.name.clone(),
        rubric: u.rubric.clone(),
        entries: entries(&[("1-1", "0.5", "学习资料不全"), ("2-1", "0.25", "缺路线图")]),
        sha256: "0".repeat(64),
        ..Filled::default()
    }
}

/// The unit's self-assessment as the unit returns it.
fn own_book(l: &Loaded) -> Vec<u8> {
    blank::filled_workbook(l, l.unit(UNIT).unwrap(), Some(&own(l))).unwrap()
}

/// An assessor form as `kaohe self` writes it, filled by `who`.
fn assessor_book(l: &Loaded, who: Option<&str>, list: &[(&str, &str, &str)]) -> Vec<u8> {
    let u = l.unit(UNIT).unwrap();
    let f = Filled {
        unit: u.name.clone(),
        rubric: u.rubric.clone(),
        entries: entries(list),
        kind: FormKind::Assessor,
        assessor: who.map(str::to_string),
        self_assessment: Some(SelfAssessment::of(&own(l))),
        ..Filled::default()
    };
    blank::filled_workbook(l, u, Some(&f)).unwrap()
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap()
}

fn unit_json<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == name)
        .unwrap()
}

/// A campaign folder of the built-in example with `[scoring] assessors`
/// set to `mode`.
fn campaign_with(dir: &Path, mode: &str) -> std::path::PathBuf {
    let out = kaohe(dir, &["init", "c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let toml = dir.join("c/kaohe.toml");
    let s = std::fs::read_to_string(&toml).unwrap();
    assert!(
        s.contains("assessors = \"agree\""),
        "the default is written"
    );
    std::fs::write(
        &toml,
        s.replace("assessors = \"agree\"", &format!("assessors = \"{mode}\"")),
    )
    .unwrap();
    toml
}

#[test]
fn self_round_writes_assessor_forms_with_the_self_assessment_locked() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("self")).unwrap();
    std::fs::write(dir.path().join("self/海原县.xlsx"), own_book(&l)).unwrap();
    let out = kaohe(dir.path(), &["self", "self", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("24 个单位未交自评"), "{}", text(&out));

    // The assessor form: self columns filled, assessor columns empty.
    let bytes = std::fs::read(dir.path().join(format!("out/assess/{UNIT}.xlsx"))).unwrap();
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
    let sheet = wb.worksheet_range("评分表").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|d| d.to_string()).collect())
        .collect();
    let header = rows
        .iter()
        .position(|r| r.contains(&"编号".into()))
        .unwrap();
    let col = |h: &str| rows[header].iter().position(|x| x == h).unwrap();
    let (code, sd, sr, d, r) = (
        col("编号"),
        col("自评扣分"),
        col("自评说明"),
        col("扣分"),
        col("扣分原因"),
    );
    assert!(
        sd < d && sr < d,
        "the self columns come before the assessor's"
    );
    let row = |c: &str| rows.iter().find(|x| x[code] == c).unwrap();
    assert_eq!(row("1-1")[sd], "0.5");
    assert_eq!(row("1-1")[sr], "学习资料不全");
    assert_eq!(row("2-1")[sd], "0.25");
    assert_eq!((row("1-1")[d].as_str(), row("1-1")[r].as_str()), ("", ""));
    assert!(
        rows[..header]
            .iter()
            .flatten()
            .any(|x| x.starts_with("考核人")),
        "the 考核人 line is above the table"
    );
    // The input columns are unlocked, the self columns are not.
    let (sheet_xml, styles) = (
        part(&bytes, "xl/worksheets/sheet1.xml"),
        part(&bytes, "xl/styles.xml"),
    );
    assert!(sheet_xml.contains("<sheetProtection"));
    let first = header as u32 + 2;
    let letter = |c: usize| ((b'A' + c as u8) as char).to_string();
    assert!(!unlocked(
        &sheet_xml,
        &styles,
        &format!("{}{first}", letter(sd))
    ));
    assert!(!unlocked(
        &sheet_xml,
        &styles,
        &format!("{}{first}", letter(sr))
    ));
    assert!(unlocked(
        &sheet_xml,
        &styles,
        &format!("{}{first}", letter(d))
    ));
    assert!(unlocked(
        &sheet_xml,
        &styles,
        &format!("{}{first}", letter(r))
    ));

    // The summary: 100 − 0.5 − 0.25, and the units without one.
    let bytes = std::fs::read(dir.path().join("out/self-summary.xlsx")).unwrap();
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
    let names = wb.sheet_names();
    let county = wb.worksheet_range(&names[0]).unwrap();
    let line: Vec<String> = county
        .rows()
        .find(|r| r.iter().any(|d| *d == Data::String(UNIT.into())))
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    let head: Vec<String> = county
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    let at = head.iter().position(|h| h == "自评得分").unwrap();
    assert_eq!(line[at], "99.25");
    let missing = county
        .rows()
        .filter(|r| r.iter().any(|d| *d == Data::String("未交自评".into())))
        .count();
    assert_eq!(
        missing, 4,
        "the other four county units have no self-assessment"
    );
}

/// One part of an xlsx, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Whether the cell's style is unlocked (`<protection locked="0"/>`).
fn unlocked(sheet: &str, styles: &str, cell: &str) -> bool {
    let at = sheet
        .find(&format!("<c r=\"{cell}\""))
        .unwrap_or_else(|| panic!("{cell} is written"));
    let tag = &sheet[at..at + sheet[at..].find('>').unwrap()];
    let s: usize = tag
        .split("s=\"")
        .nth(1)
        .map(|x| x[..x.find('"').unwrap()].parse().unwrap())
        .unwrap_or(0);
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf = xfs.split("<xf ").nth(s + 1).unwrap();
    let xf = &xf[..xf.find("</xf>").or_else(|| xf.find("/>")).unwrap()];
    xf.contains("locked=\"0\"")
}

#[test]
fn assessed_scores_sit_beside_the_self_assessment() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    // The group agrees on 1-1, deducts 1 on 3-1 the unit did not, and
    // none on 2-1 where the unit deducted 0.25: 100 − 0.5 − 1 = 98.5.
    std::fs::write(
        dir.path().join("in/a.xlsx"),
        assessor_book(
            &l,
            Some("张三"),
            &[
                ("1-1", "0.5", "学习资料不全"),
                ("3-1", "1", "未开展隐患排查"),
            ],
        ),
    )
    .unwrap();
    let out = kaohe(
        dir.path(),
        &["score", "in", "--partial", "--out", "out", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = results(&dir.path().join("out"));
    let u = unit_json(&v, UNIT);
    assert_eq!(u["score"], 98.5);
    assert_eq!(u["self_score"], 99.25);
    let item = |no: u64| {
        u["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["no"] == no)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            item(1)["deducted"].clone(),
            item(1)["self_deducted"].clone()
        ),
        (0.5.into(), 0.5.into())
    );
    assert_eq!(
        (
            item(2)["deducted"].clone(),
            item(2)["self_deducted"].clone()
        ),
        (0.into(), 0.25.into())
    );
    assert_eq!(
        (
            item(3)["deducted"].clone(),
            item(3)["self_deducted"].clone()
        ),
        (1.into(), 0.into())
    );
    let diffs: Vec<(String, String)> = u["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().into(),
                d["text"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        diffs,
        [
            ("2-1".to_string(), "自评扣0.25分、考核未扣".to_string()),
            ("3-1".to_string(), "自评未扣、考核扣1分".to_string()),
        ]
    );
    // The archive record in filled/ shows the self-assessment beside 扣分,
    // item by item (issue 11 item 2).
    let rec = crate::tables::sheet_cells(
        &dir.path().join(format!("out/filled/{UNIT}.xlsx")),
        "考核记录",
    );
    let head = rec
        .iter()
        .position(|r| r.iter().any(|c| c == "扣分原因"))
        .unwrap();
    let cd = rec[head].iter().position(|c| c == "扣分").unwrap();
    let cs = rec[head]
        .iter()
        .position(|c| c == "自评扣分")
        .unwrap_or_else(|| panic!("{:?}", rec[head]));
    assert_eq!(cs + 1, cd, "自评扣分 just left of 扣分: {:?}", rec[head]);
    let cc = rec[head].iter().position(|c| c == "考核内容").unwrap();
    let self_of = |no: u32| {
        let row = rec
            .iter()
            .find(|r| r[cc].starts_with(&format!("{no}.")))
            .unwrap();
        (row[cd].clone(), row[cs].clone())
    };
    assert_eq!(
        [self_of(1), self_of(2), self_of(3)],
        [
            ("0.5".to_string(), "0.5".to_string()),
            ("0".into(), "0.25".into()),
            ("1".into(), "0".into()),
        ]
    );
    // results.xlsx shows them side by side, the largest gap first.
    let bytes = std::fs::read(dir.path().join("out/results.xlsx")).unwrap();
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
    let gaps = wb.worksheet_range("自评与考核对照").unwrap();
    let rows: Vec<Vec<String>> = gaps
        .rows()
        .map(|r| r.iter().map(|d| d.to_string()).collect())
        .collect();
    assert_eq!(
        rows[1][..6],
        [UNIT, "99.25", "98.5", "-0.75", "3-1", "自评未扣、考核扣1分"]
    );
    assert_eq!(rows[2][4..6], ["2-1", "自评扣0.25分、考核未扣"]);
    // The archived sheet is the assessor form, self columns included.
    let bytes = std::fs::read(dir.path().join(format!("out/filled/{UNIT}.xlsx"))).unwrap();
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
    let s = wb.worksheet_range("评分表").unwrap();
    assert!(
        s.rows()
            .any(|r| r.iter().any(|d| *d == Data::String("自评扣分".into())))
    );
}

#[test]
fn assessors_who_must_agree_and_do_not_are_an_error_naming_both() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::write(
        dir.path().join("in/甲.xlsx"),
        assessor_book(&l, Some("张三"), &[("3-1", "1", "未开展")]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("in/乙.xlsx"),
        assessor_book(&l, Some("李四"), &[("3-1", "0.5", "开展不全")]),
    )
    .unwrap();
    let out = kaohe(dir.path(), &["check", "in"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    let line = err
        .lines()
        .find(|x| x.contains("细则 3-1"))
        .unwrap_or_else(|| panic!("{err}"));
    // The file read second is named with its cell, the first in the message.
    assert!(line.starts_with("in/甲.xlsx: 评分表!I"), "{line}");
    assert!(
        line.contains("in/乙.xlsx 中") && line.contains("（评分表!I"),
        "{line}"
    );
    assert!(line.contains("0.5 分") && line.contains("1 分"), "{line}");
    assert!(line.contains("张三") && line.contains("李四"), "{line}");
    assert!(
        err.contains("assessors = \\\"mean\\\"") || err.contains("assessors = \"mean\""),
        "{err}"
    );
    // The same assessor twice, or twice no assessor: two versions of one sheet.
    for who in [Some("张三"), None] {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("1.xlsx"), assessor_book(&l, who, &[])).unwrap();
        std::fs::write(
            d.path().join("2.xlsx"),
            assessor_book(&l, who, &[("3-1", "1", "x")]),
        )
        .unwrap();
        let out = kaohe(
            d.path(),
            &["score", "1.xlsx", "2.xlsx", "--partial", "--out", "o"],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("2.xlsx: 错误：与 1.xlsx 是同一单位"),
            "{}",
            text(&out)
        );
        assert!(text(&out).contains("不会平均"), "{}", text(&out));
        assert!(!d.path().join("o/results.json").exists());
    }
    // A self-assessment returned twice is the same error.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("1.xlsx"), own_book(&l)).unwrap();
    std::fs::write(d.path().join("2.xlsx"), own_book(&l)).unwrap();
    let out = kaohe(d.path(), &["self", "1.xlsx", "2.xlsx", "--out", "o"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("2.xlsx: 错误：与 1.xlsx 是同一单位"),
        "{}",
        text(&out)
    );
}

/// Scores `forms` (assessor, deduction on 3-1) in a campaign whose
/// assessors combine by `mode`; returns the unit's results.
fn score_mode(mode: &str, forms: &[(&str, &str)]) -> serde_json::Value {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let toml = campaign_with(dir.path(), mode);
    let input = dir.path().join("c/交回");
    std::fs::create_dir_all(&input).unwrap();
    for (who, d) in forms {
        std::fs::write(
            input.join(format!("{who}.xlsx")),
            assessor_book(&l, Some(who), &[("3-1", d, "隐患排查不到位")]),
        )
        .unwrap();
    }
    let toml = toml.to_string_lossy().into_owned();
    let out = kaohe(
        dir.path(),
        &[
            "score",
            "c/交回",
            "--partial",
            "--campaign",
            &toml,
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    unit_json(&results(&dir.path().join("out")), UNIT).clone()
}

#[test]
fn several_assessors_combine_by_mean_and_trimmed_mean_rounded_half_up() {
    // (1 + 0.5 + 0.25) / 3 = 0.58333… → 0.58: 100 − 0.58 = 99.42.
    let u = score_mode("mean", &[("甲", "1"), ("乙", "0.5"), ("丙", "0.25")]);
    assert_eq!(u["score"], 99.42);
    let who: Vec<(&str, f64)> = u["assessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["score"].as_f64().unwrap()))
        .collect();
    assert_eq!(who.len(), 3);
    assert!(
        who.contains(&("甲", 99.0)) && who.contains(&("乙", 99.5)) && who.contains(&("丙", 99.75)),
        "{who:?}"
    );
    // (0.25 + 0) / 2 = 0.125 → 0.13 (half up): 99.87.
    let u = score_mode("mean", &[("甲", "0.25"), ("乙", "0")]);
    assert_eq!(u["score"], 99.87);
    // Without 1 and 0: (0.5 + 0.25) / 2 = 0.375 → 0.38: 99.62.
    let u = score_mode(
        "trimmed-mean",
        &[("甲", "1"), ("乙", "0.5"), ("丙", "0.25"), ("丁", "0")],
    );
    assert_eq!(u["score"], 99.62);
    assert_eq!(u["self_score"], 99.25);
}

#[test]
fn an_edited_self_column_is_detected() {
    let l = loaded();
    let dir = tempfile::tempdir().unwrap();
    let book = assessor_book(&l, Some("张三"), &[("3-1", "1", "未开展")]);
    // The self reason 学习资料不全 changed in the file, the metadata not.
    let edited = replace_in_part(&book, "xl/sharedStrings.xml", "学习资料不全", "资料齐全");
    std::fs::write(dir.path().join("a.xlsx"), &edited).unwrap();
    let out = kaohe(dir.path(), &["check", "a.xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("a.xlsx: 评分表!"), "{}", text(&out));
    assert!(text(&out).contains("单位自评被改动过"), "{}", text(&out));
    // Unchanged, the same form reads.
    std::fs::write(dir.path().join("a.xlsx"), &book).unwrap();
    let out = kaohe(dir.path(), &["check", "a.xlsx"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// The workbook with `from` replaced by `to` in one part.
pub fn replace_in_part(bytes: &[u8], name: &str, from: &str, to: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let file = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if file == name {
            let s = String::from_utf8(data).unwrap();
            assert!(s.contains(from), "{from} is in {name}");
            data = s.replace(from, to).into_bytes();
        }
        out.start_file(file, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}
