//! Hostile input, concurrent runs and an archive that can be verified (issue 6).
//!
//! Every bad workbook is made here, by the test (no downloads): byte-level
//! edits with the zip crate, cell-level rewrites with rust_xlsxwriter, and a
//! minimal OLE compound file for the password-protected cases. Each case
//! asserts the exact problem kaohe reports and that nothing was written.
//! Cases whose memory would be unbounded run in a child process under
//! `ulimit -v`, so a regression cannot take this test binary (or the machine)
//! down.

use calamine::{Data, Reader};
use kaohe::archive::{self, Manifest};
use kaohe::campaign::{self, Loaded, Unit};
use kaohe::cmd::demo::SplitMix64 as SplitMix;
use kaohe::points::Pts;
use kaohe::rubric::{Deduction, ItemKind, Rubric, Rule};
use kaohe::workbook::ingest::{self, Entry, Filled, Problem, Trace};
use kaohe::workbook::{META_SHEET, SCORING_SHEET, blank, safe_file_name};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{BIN, ROOT, shared_dir, squeeze};

/// The two rubrics of the built-in campaign.
const COUNTY: &str = "county-2018";
const MEMBER: &str = "member-2018";

// ---------------------------------------------------------------- helpers

fn builtin() -> &'static Loaded {
    static L: OnceLock<Loaded> = OnceLock::new();
    L.get_or_init(|| campaign::load(None).expect("built-in campaign loads"))
}

fn first_unit<'a>(l: &'a Loaded, rubric: &str) -> &'a Unit {
    l.campaign
        .units
        .iter()
        .find(|u| u.rubric == rubric)
        .expect("a unit of that rubric")
}

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kaohe-hostile-")
        .tempdir()
        .expect("temp dir")
}

/// A deduction the rule allows: all of it, or one step.
fn allowed(rule: &Rule) -> Pts {
    let p = rule.points.unwrap_or_default();
    match rule.deduction {
        Deduction::AllOrNothing => p,
        d => d.step(p).unwrap_or(p).min(p),
    }
}

/// The scored rules of a rubric with a positive deduction, in order.
fn scored_rules(r: &Rubric) -> Vec<(String, Pts)> {
    r.rules()
        .filter(|(i, _)| i.kind.is_scored())
        .map(|(i, rule)| (Rubric::code(i, rule), allowed(rule)))
        .filter(|(_, d)| *d > Pts::ZERO)
        .collect()
}

/// A form for `unit` with a deduction and `reason` on each of the first
/// scored rules (one rule per reason).
fn filled_for(l: &Loaded, unit: &Unit, reasons: &[&str]) -> Filled {
    let rules = scored_rules(l.rubric(&unit.rubric));
    let entries = reasons
        .iter()
        .zip(&rules)
        .map(|(reason, (code, amount))| {
            (
                code.clone(),
                Entry {
                    amount: *amount,
                    veto: false,
                    reason: reason.to_string(),
                },
            )
        })
        .collect();
    Filled {
        file: String::new(),
        sha256: String::new(),
        unit: unit.name.clone(),
        rubric: unit.rubric.clone(),
        entries,
        ..Filled::default()
    }
}

/// The entries a unit actually filled in (the reader also returns the
/// untouched rows, as zero deductions).
fn marked(e: &BTreeMap<String, Entry>) -> BTreeMap<String, Entry> {
    e.iter()
        .filter(|(_, e)| e.amount != Pts::ZERO || e.veto || !e.reason.is_empty())
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect()
}

fn workbook_for(l: &Loaded, f: &Filled) -> Vec<u8> {
    let unit = l.unit(&f.unit).expect("unit of the form");
    blank::filled_workbook(l, unit, Some(f)).expect("form writes")
}

/// The county form every corpus case starts from: three deductions.
fn good_form() -> (Filled, Vec<u8>) {
    let l = builtin();
    let f = filled_for(
        l,
        first_unit(l, COUNTY),
        &["会议记录不全", "未见督查通报", "台账缺一项"],
    );
    let bytes = workbook_for(l, &f);
    (f, bytes)
}

fn problem(file: &str, sheet: Option<&str>, cell: Option<&str>, msg: &str, error: bool) -> Problem {
    Problem {
        file: file.into(),
        sheet: sheet.map(Into::into),
        cell: cell.map(Into::into),
        message: msg.into(),
        error,
        hint: None,
    }
}

fn err(file: &str, msg: &str) -> Problem {
    problem(file, None, None, msg, true)
}

fn at(file: &str, cell: &str, msg: &str) -> Problem {
    problem(file, Some(SCORING_SHEET), Some(cell), msg, true)
}

/// Every file under `dir` (hidden ones too) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n == ".kaohe") {
                continue; // kaohe's private folder (the render cache)
            } else if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn is_tmp(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.starts_with(".kaohe-") && name.ends_with(".tmp")
}

fn tmp_files(dir: &Path) -> Vec<String> {
    snapshot(dir).into_keys().filter(|p| is_tmp(p)).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in snapshot(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn kaohe_cmd<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().into()).collect();
    let mut c = Command::new(BIN);
    c.args(&args)
        .args(builtin_campaign_unless_given(&args))
        .arg("--quiet")
        .arg("--fonts")
        .arg(Path::new(ROOT).join("fonts"))
        .current_dir(ROOT)
        .stdin(Stdio::null());
    c
}

fn kaohe<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    kaohe_cmd(args).output().expect("kaohe runs")
}

/// `--campaign` with the built-in campaign file for the commands that need
/// a campaign, unless the arguments name one.
fn builtin_campaign_unless_given<S: AsRef<OsStr>>(args: &[S]) -> Vec<std::ffi::OsString> {
    let first = args
        .first()
        .map(|a| a.as_ref().to_string_lossy().into_owned());
    let needs = matches!(
        first.as_deref(),
        Some("notice" | "blank" | "schedule" | "check" | "score")
    );
    if needs && !args.iter().any(|a| a.as_ref() == "--campaign") {
        vec![
            "--campaign".into(),
            Path::new(ROOT)
                .join("src/builtin/zhongwei-2018.toml")
                .into(),
        ]
    } else {
        Vec::new()
    }
}

/// Runs kaohe in a shell with `ulimit -v` (KiB), so unbounded memory ends
/// in a failed allocation instead of taking the machine down.
fn kaohe_limited(kib: u64, args: &[&OsStr]) -> Output {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$@\""))
        .arg("sh")
        .arg(BIN)
        .args(args)
        .args(builtin_campaign_unless_given(args))
        .arg("--quiet")
        .current_dir(ROOT)
        .stdin(Stdio::null());
    c.output().expect("sh runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    )
}

// ------------------------------------------------------------ zip editing

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The workbook with one part's text changed by `f`.
fn edit_part(bytes: &[u8], part: &str, f: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut parts = unzip(bytes);
    let p = parts
        .iter_mut()
        .find(|(n, _)| n == part)
        .unwrap_or_else(|| panic!("no part {part}"));
    p.1 = f(String::from_utf8(std::mem::take(&mut p.1)).unwrap()).into_bytes();
    rezip(&parts)
}

const SHEET1: &str = "xl/worksheets/sheet1.xml";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ------------------------------------------------- cell-level rewriting

/// A cell as this test writes it.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Empty,
    S(String),
    N(f64),
    B(bool),
    /// 2018-11-14 with a date format.
    Date,
    /// A formula whose cached result is an error such as `#DIV/0!`.
    Error(&'static str),
    /// A formula with its cached result.
    Formula(String, String),
    /// A formula without any cached result (as scripts write them).
    FormulaNoValue(String),
}

fn v_of(d: &Data) -> V {
    match d {
        Data::Empty => V::Empty,
        Data::String(s) => V::S(s.clone()),
        Data::Float(f) => V::N(*f),
        Data::Int(i) => V::N(*i as f64),
        Data::Bool(b) => V::B(*b),
        other => V::S(other.to_string()),
    }
}

/// A workbook as rows of cells: the scoring sheet and the hidden sheet.
#[derive(Clone, Debug)]
struct Grid {
    sheet: String,
    rows: Vec<Vec<V>>,
    meta: Option<Vec<Vec<V>>>,
}

fn sheet_rows(wb: &mut calamine::Sheets<Cursor<&[u8]>>, name: &str) -> Vec<Vec<V>> {
    let range = wb.worksheet_range(name).expect("sheet reads");
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let (r1, c1) = range.end().unwrap_or((0, 0));
    let mut rows = vec![vec![V::Empty; c1 as usize + 1]; r1 as usize + 1];
    for (r, c, d) in range.cells() {
        rows[r0 as usize + r][c0 as usize + c] = v_of(d);
    }
    rows
}

impl Grid {
    fn read(bytes: &[u8]) -> Grid {
        let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        Grid {
            sheet: SCORING_SHEET.into(),
            rows: sheet_rows(&mut wb, SCORING_SHEET),
            meta: Some(sheet_rows(&mut wb, META_SHEET)),
        }
    }

    /// (row, column) of the first cell holding `text`.
    fn find(&self, text: &str) -> (usize, usize) {
        for (r, row) in self.rows.iter().enumerate() {
            if let Some(c) = row.iter().position(|v| *v == V::S(text.into())) {
                return (r, c);
            }
        }
        panic!("no cell {text}")
    }

    fn col(&self, heading: &str) -> usize {
        self.find(heading).1
    }

    fn row_of(&self, code: &str) -> usize {
        let c = self.col("编号");
        self.rows
            .iter()
            .position(|row| row.get(c) == Some(&V::S(code.into())))
            .unwrap_or_else(|| panic!("no row {code}"))
    }

    fn set(&mut self, r: usize, c: usize, v: V) {
        let row = &mut self.rows[r];
        if row.len() <= c {
            row.resize(c + 1, V::Empty);
        }
        row[c] = v;
    }

    /// Sets the 扣分 (or 扣分原因) cell of the rule `code`; returns its A1 name.
    fn set_at(&mut self, code: &str, heading: &str, v: V) -> String {
        let (r, c) = (self.row_of(code), self.col(heading));
        self.set(r, c, v);
        ingest::a1(r as u32, c as u32)
    }

    fn write(&self) -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let mut long: Vec<String> = Vec::new();
        let mut sheets: Vec<(&str, &Vec<Vec<V>>)> = vec![(&self.sheet, &self.rows)];
        if let Some(m) = &self.meta {
            sheets.push((META_SHEET, m));
        }
        for (name, rows) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match v {
                        V::Empty => {}
                        V::S(s) if s.chars().count() > 32_767 => {
                            // Longer than Excel allows: put it in by hand.
                            ws.write_string(r, c, format!("KAOHE-LONG-{}", long.len()))
                                .unwrap();
                            long.push(s.clone());
                        }
                        V::S(s) => {
                            ws.write_string(r, c, s).unwrap();
                        }
                        V::N(n) => {
                            ws.write_number(r, c, *n).unwrap();
                        }
                        V::B(b) => {
                            ws.write_boolean(r, c, *b).unwrap();
                        }
                        V::Date => {
                            let d = ExcelDateTime::from_ymd(2018, 11, 14).unwrap();
                            ws.write_datetime_with_format(r, c, &d, &date).unwrap();
                        }
                        V::Error(e) => {
                            ws.write_formula(r, c, Formula::new("=1/0").set_result(*e))
                                .unwrap();
                        }
                        V::Formula(f, res) => {
                            ws.write_formula(r, c, Formula::new(f).set_result(res))
                                .unwrap();
                        }
                        V::FormulaNoValue(f) => {
                            ws.write_formula(r, c, Formula::new(f).set_result("KAOHE-NOVALUE"))
                                .unwrap();
                        }
                    }
                }
            }
        }
        let mut bytes = wb.save_to_buffer().unwrap();
        if !long.is_empty() {
            bytes = edit_part(&bytes, "xl/sharedStrings.xml", |mut x| {
                for (i, s) in long.iter().enumerate() {
                    x = x.replace(
                        &format!(">KAOHE-LONG-{i}<"),
                        &format!(">{}<", xml_escape(s)),
                    );
                }
                x
            });
        }
        if self
            .rows
            .iter()
            .flatten()
            .any(|v| matches!(v, V::FormulaNoValue(_)))
        {
            bytes = edit_part(&bytes, SHEET1, |x| {
                x.replace(" t=\"str\"", "")
                    .replace("<v>KAOHE-NOVALUE</v>", "")
            });
        }
        bytes
    }
}

/// `read_bytes` with the built-in campaign. A panic in kaohe's own code
/// escapes it and fails the test; a panic kaohe caught must come from
/// inside calamine.
fn read(bytes: &[u8], file: &str) -> (Option<Filled>, Vec<Problem>) {
    let r = ingest::read_bytes(bytes, file, builtin());
    assert_caught_in_calamine(file, &ingest::last_trace());
    r
}

/// Whether a panic location (`file:line:column`) is in calamine's sources.
fn in_calamine(at: &str) -> bool {
    at.contains("/calamine-")
}

fn assert_caught_in_calamine(label: &str, trace: &Trace) {
    for at in &trace.calamine_panics {
        assert!(
            in_calamine(at),
            "{label}: kaohe caught a panic outside calamine, at {at}"
        );
    }
}

/// Asserts that `bytes` are refused with exactly `expected`, in process and
/// through `kaohe score` (exit 1, every problem printed, --out untouched).
fn assert_refused(name: &str, bytes: &[u8], expected: &[Problem]) {
    let (filled, problems) = read(bytes, name);
    assert!(filled.is_none(), "{name}: read although it has errors");
    assert_eq!(problems, expected, "{name}");
    let dir = tmp();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("earlier.txt"), "an earlier output").unwrap();
    let before = snapshot(&out);
    let o = kaohe([
        OsStr::new("score"),
        path.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{name}: {}", show(&o));
    let stderr = text(&o.stderr);
    let file = path.display().to_string();
    for p in expected {
        let mut p = p.clone();
        p.file = file.clone();
        assert!(
            stderr.contains(&p.to_string()),
            "{name}: {p} not in\n{stderr}"
        );
    }
    let errors = expected.iter().filter(|p| p.error).count();
    assert!(
        stderr.ends_with(&format!(
            "kaohe: 评分表有 {errors} 个错误，未生成任何结果；请改正后重新运行\n"
        )),
        "{name}: {stderr}"
    );
    assert_eq!(snapshot(&out), before, "{name}: --out changed");
    assert!(tmp_files(&out).is_empty());
}

/// Problems whose message starts with `prefix`, for errors that quote a
/// third-party library's own words.
fn assert_refused_prefix(name: &str, bytes: &[u8], prefix: &str) {
    let (filled, problems) = read(bytes, name);
    assert!(filled.is_none(), "{name}");
    assert_eq!(problems.len(), 1, "{name}: {problems:?}");
    let p = &problems[0];
    assert!(
        p.error && p.file == name && p.sheet.is_none() && p.message.starts_with(prefix),
        "{name}: {p}"
    );
    assert_refused(name, bytes, &problems);
}

// ------------------------------------------------- OLE compound files

/// A minimal OLE compound file (CFB v3, 512-byte sectors) holding `streams`.
/// Each stream is padded to 4096 bytes so that none lives in the mini stream.
fn cfb(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    const FATSECT: u32 = 0xFFFF_FFFD;
    const NONE: u32 = 0xFFFF_FFFF;
    assert!(streams.len() <= 3);
    let mut data: Vec<Vec<u8>> = streams
        .iter()
        .map(|(_, d)| {
            let mut d = d.clone();
            d.resize(d.len().max(4096).div_ceil(512) * 512, 0);
            d
        })
        .collect();
    // Sector 0: FAT; sector 1: directory; then each stream.
    let mut fat = vec![FATSECT, END];
    let mut starts = Vec::new();
    for d in &data {
        let first = fat.len() as u32;
        starts.push(first);
        let n = d.len() / 512;
        for k in 0..n {
            fat.push(if k + 1 == n {
                END
            } else {
                first + k as u32 + 1
            });
        }
    }
    assert!(fat.len() <= 128);
    fat.resize(128, FREE);
    let mut out = Vec::new();
    // Header.
    out.extend([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    out.extend([0u8; 16]);
    out.extend(0x003Eu16.to_le_bytes());
    out.extend(3u16.to_le_bytes());
    out.extend(0xFFFEu16.to_le_bytes());
    out.extend(9u16.to_le_bytes());
    out.extend(6u16.to_le_bytes());
    out.extend([0u8; 6]);
    out.extend(0u32.to_le_bytes()); // directory sectors (v3: 0)
    out.extend(1u32.to_le_bytes()); // FAT sectors
    out.extend(1u32.to_le_bytes()); // first directory sector
    out.extend(0u32.to_le_bytes()); // transaction
    out.extend(4096u32.to_le_bytes()); // mini stream cutoff
    out.extend(END.to_le_bytes()); // first mini FAT sector
    out.extend(0u32.to_le_bytes());
    out.extend(END.to_le_bytes()); // first DIFAT sector
    out.extend(0u32.to_le_bytes());
    out.extend(0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
    for _ in 1..109 {
        out.extend(FREE.to_le_bytes());
    }
    assert_eq!(out.len(), 512);
    for v in &fat {
        out.extend(v.to_le_bytes());
    }
    // Directory: the root, then the streams as a chain of right siblings.
    let entry = |name: &str, kind: u8, child: u32, right: u32, start: u32, size: u32| {
        let mut e = Vec::with_capacity(128);
        let units: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for u in &units {
            e.extend(u.to_le_bytes());
        }
        e.resize(64, 0);
        e.extend(((units.len() * 2) as u16).to_le_bytes());
        e.push(kind);
        e.push(1); // black
        e.extend(NONE.to_le_bytes()); // left
        e.extend(right.to_le_bytes());
        e.extend(child.to_le_bytes());
        e.extend([0u8; 16 + 4 + 16]);
        e.extend(start.to_le_bytes());
        e.extend(size.to_le_bytes());
        e.extend(0u32.to_le_bytes());
        assert_eq!(e.len(), 128);
        e
    };
    let mut dir = entry("Root Entry", 5, 1, NONE, END, 0);
    for (i, (name, d)) in streams.iter().enumerate() {
        let right = if i + 1 < streams.len() {
            i as u32 + 2
        } else {
            NONE
        };
        let size = d.len().max(4096) as u32;
        dir.extend(entry(name, 2, NONE, right, starts[i], size));
    }
    dir.resize(512, 0);
    out.extend(dir);
    for d in data.iter_mut() {
        out.append(d);
    }
    out
}

/// A BIFF8 record.
fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

fn biff_bof(kind: u16) -> Vec<u8> {
    let mut d = 0x0600u16.to_le_bytes().to_vec();
    d.extend(kind.to_le_bytes());
    d.extend([0u8; 12]);
    biff(0x0809, &d)
}

// ================================================================ 1. corpus

#[test]
fn empty_file() {
    assert_refused(
        "empty.xlsx",
        b"",
        &[err("empty.xlsx", "文件是空的（0 字节）")],
    );
}

#[test]
fn pdf_renamed_xlsx() {
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    assert_refused(
        "renamed.xlsx",
        pdf,
        &[err(
            "renamed.xlsx",
            "这是 PDF 文件，不是表格文件；请提交 Excel、WPS 或 LibreOffice 保存的评分表",
        )],
    );
}

#[test]
fn not_a_spreadsheet() {
    let msg = "不是 Excel、WPS 或 LibreOffice 表格文件（.xlsx/.xls/.ods）";
    assert_refused(
        "notes.xlsx",
        "扣分原因：无".as_bytes(),
        &[err("notes.xlsx", msg)],
    );
    assert_refused(
        "png.xlsx",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        &[err("png.xlsx", msg)],
    );
}

#[test]
fn truncated_xlsx() {
    let (_, good) = good_form();
    for (k, len) in [good.len() / 2, good.len() - 30, 4, 200]
        .into_iter()
        .enumerate()
    {
        assert_refused_prefix(&format!("truncated-{k}.xlsx"), &good[..len], "文件已损坏");
    }
}

#[test]
fn corrupt_central_directory() {
    let (_, good) = good_form();
    let cd = good
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    let eocd = good
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .expect("end of central directory");
    // The signature of the first central directory entry.
    let mut a = good.clone();
    a[cd + 1] ^= 0xFF;
    assert_refused_prefix("cd-signature.xlsx", &a, "文件已损坏");
    // The offset of the central directory in the end record.
    let mut b = good.clone();
    for i in 16..20 {
        b[eocd + i] ^= 0x5A;
    }
    assert_refused_prefix("cd-offset.xlsx", &b, "文件已损坏");
    // Every entry's local header offset.
    let mut c = good.clone();
    let mut at = cd;
    while let Some(p) = c[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let e = at + p;
        for i in 42..46 {
            c[e + i] ^= 0xA5;
        }
        at = e + 46;
    }
    assert_refused_prefix("cd-local-offsets.xlsx", &c, "文件已损坏");
    // The compressed data of every part.
    let mut d = good.clone();
    for i in (64..cd).step_by(97) {
        d[i] ^= 0xFF;
    }
    let (filled, problems) = read(&d, "flipped-data.xlsx");
    assert!(filled.is_none());
    assert!(
        problems.iter().all(|p| p.file == "flipped-data.xlsx"
            && p.error
            && p.message.starts_with("文件已损坏")),
        "{problems:?}"
    );
}

const PASSWORD_MSG: &str = "文件设置了打开密码，无法读取；请取消密码后重新保存提交";

#[test]
fn encrypted_ooxml_workbook() {
    // What Excel and WPS write for an xlsx with an open password: an OLE
    // compound file with EncryptionInfo and EncryptedPackage streams.
    let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
    info.extend(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\"><keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue=\"AAAAAAAAAAAAAAAAAAAAAA==\"/></encryption>");
    let mut package = 5000u64.to_le_bytes().to_vec();
    package.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let file = cfb(&[("EncryptionInfo", info), ("EncryptedPackage", package)]);
    assert_refused(
        "password.xlsx",
        &file,
        &[err("password.xlsx", PASSWORD_MSG)],
    );
}

#[test]
fn encrypted_xls_workbook() {
    // A BIFF8 .xls saved with an open password: FILEPASS right after BOF.
    let mut filepass = 1u16.to_le_bytes().to_vec(); // RC4
    filepass.extend([1, 0, 1, 0]);
    filepass.extend([0x11; 48]);
    let mut stream = biff_bof(0x0005);
    stream.extend(biff(0x002F, &filepass));
    stream.extend(biff(0x000A, &[]));
    let file = cfb(&[("Workbook", stream)]);
    assert_refused("password.xls", &file, &[err("password.xls", PASSWORD_MSG)]);
}

/// A workbook whose scoring sheet holds `pad` more bytes of text before
/// `</sheetData>`, written in 1 MiB pieces.
fn padded(base: &[u8], pad: u64, piece: &dyn Fn(u64) -> Vec<u8>) -> Vec<u8> {
    let parts = unzip(base);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .large_file(pad > 1 << 31);
    for (name, data) in parts {
        w.start_file(name.as_str(), opts).unwrap();
        if name != SHEET1 {
            w.write_all(&data).unwrap();
            continue;
        }
        let xml = String::from_utf8(data).unwrap();
        let (head, tail) = xml.split_at(xml.find("</sheetData>").unwrap());
        w.write_all(head.as_bytes()).unwrap();
        let mut done = 0;
        let mut k = 0;
        while done < pad {
            let mut p = piece(k);
            p.truncate((pad - done) as usize);
            w.write_all(&p).unwrap();
            done += p.len() as u64;
            k += 1;
        }
        w.write_all(tail.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// 1 MiB of spaces: the most compressible padding there is.
fn spaces(_: u64) -> Vec<u8> {
    vec![b' '; 1 << 20]
}

/// 1 MiB of an XML comment that compresses about 3:1, as real content does.
fn comment(k: u64) -> Vec<u8> {
    let mut rng = SplitMix(k + 1);
    let mut v = b"<!--".to_vec();
    while v.len() < (1 << 20) - 3 {
        v.push(b"abcdefghijklmnopqrstuvwxyz0123456789 "[rng.below(37) as usize]);
    }
    v.extend(b"-->");
    v
}

#[test]
fn zip_bomb_refused_before_reading() {
    let (_, good) = good_form();
    // 300 MiB of spaces inflate from about 300 KiB.
    let bomb = padded(&good, 300 << 20, &spaces);
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    let (filled, problems) = read(&bomb, "bomb.xlsx");
    assert!(
        !ingest::last_trace().opened,
        "refused from the zip's directory, before anything was inflated"
    );
    assert!(filled.is_none());
    assert_eq!(
        problems,
        [err(
            "bomb.xlsx",
            "文件中的 xl/worksheets/sheet1.xml 解压后异常膨胀（压缩炸弹），拒绝读取"
        )]
    );
    assert_refused("bomb.xlsx", &bomb, &problems);
}

/// The built-in campaign as a file, with `units` (name, rubric) instead of
/// its own and `extra` TOML appended (e.g. a [limits] table).
fn campaign_file(dir: &Path, units: &[(&str, &str)], extra: &str) -> PathBuf {
    let src = crate::support::campaign_text(|_| None);
    let mut s = src[..src.find("[[units]]").unwrap()].to_string();
    for (i, (name, rubric)) in units.iter().enumerate() {
        s.push_str(&format!(
            "[[units]]\nname = {}\nrubric = \"{rubric}\"\ndate = \"2018-11-{}\"\ntime = \"08:30-10:20\"\n\n",
            serde_json::to_string(name).unwrap(),
            14 + i % 9
        ));
    }
    s.push_str(extra);
    let p = dir.join("campaign.toml");
    std::fs::write(&p, s).unwrap();
    p
}

#[test]
fn unpacked_limit_is_the_campaigns() {
    let l = builtin();
    let (f, good) = good_form();
    let unit = first_unit(l, COUNTY).name.as_str();
    // A legitimate form with 3 MiB of (incompressible enough) content.
    let big = padded(&good, 3 << 20, &comment);
    let dir = tmp();
    let low = campaign_file(
        &dir.path().join("low").tap_mkdir(),
        &[(unit, COUNTY)],
        "\n[limits]\nmax_unpacked_bytes = 2097152\n",
    );
    let high = campaign_file(
        &dir.path().join("high").tap_mkdir(),
        &[(unit, COUNTY)],
        "\n[limits]\nmax_unpacked_bytes = 8388608\n",
    );
    let low_l = campaign::load(Some(&low)).unwrap();
    let high_l = campaign::load(Some(&high)).unwrap();
    assert_eq!(low_l.campaign.limits.max_unpacked_bytes, 2 << 20);
    let (none, problems) = ingest::read_bytes(&big, "big.xlsx", &low_l);
    assert!(none.is_none());
    assert_eq!(
        problems,
        [err(
            "big.xlsx",
            "文件解压后共 3 MB，超过上限 2 MB（可在考核方案 [limits] max_unpacked_bytes 中调整）"
        )]
    );
    // The same file is read under the raised limit and under the default.
    for loaded in [&high_l, builtin()] {
        let (filled, problems) = ingest::read_bytes(&big, "big.xlsx", loaded);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(marked(&filled.unwrap().entries), f.entries);
    }
    // Through the command line: refused, and nothing written.
    let path = dir.path().join("big.xlsx");
    std::fs::write(&path, &big).unwrap();
    let out = dir.path().join("out");
    let o = kaohe([
        OsStr::new("score"),
        path.as_os_str(),
        "--campaign".as_ref(),
        low.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        text(&o.stderr).contains(&format!(
            "{}: 错误：文件解压后共 3 MB，超过上限 2 MB（可在考核方案 [limits] max_unpacked_bytes 中调整）",
            path.display()
        )),
        "{}",
        show(&o)
    );
    assert!(!out.exists());
    let o = kaohe([
        OsStr::new("check"),
        path.as_os_str(),
        "--campaign".as_ref(),
        high.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

/// Sets the sizes a zip declares for `part` (local header and central
/// directory) to `size`, leaving the data alone.
fn lie_about_size(bytes: &[u8], part: &str, size: u32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let name = part.as_bytes();
    let mut i = 0;
    while i + 46 < b.len() {
        if b[i..].starts_with(b"PK\x03\x04") {
            let n = u16::from_le_bytes([b[i + 26], b[i + 27]]) as usize;
            if &b[i + 30..i + 30 + n] == name {
                b[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            }
        } else if b[i..].starts_with(b"PK\x01\x02") {
            let n = u16::from_le_bytes([b[i + 28], b[i + 29]]) as usize;
            if &b[i + 46..i + 46 + n] == name {
                b[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            }
        }
        i += 1;
    }
    b
}

#[test]
fn zip_sizes_that_lie() {
    let (_, good) = good_form();
    // Declared: 4 KiB. Real: one shared string of 1 GiB. Reading it whole
    // would need gigabytes; kaohe must stop at the declared size.
    let parts = unzip(&good);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .large_file(true);
    let sst = "xl/sharedStrings.xml";
    for (name, data) in &parts {
        w.start_file(name.as_str(), opts).unwrap();
        if name == sst {
            let xml = String::from_utf8(data.clone()).unwrap();
            let at = xml.find("<si>").unwrap();
            w.write_all(&xml.as_bytes()[..at]).unwrap();
            w.write_all(b"<si><t>").unwrap();
            let chunk = vec![b'a'; 1 << 20];
            for _ in 0..1024 {
                w.write_all(&chunk).unwrap();
            }
            w.write_all(b"</t></si>").unwrap();
            w.write_all(&xml.as_bytes()[at..]).unwrap();
        } else {
            w.write_all(data).unwrap();
        }
    }
    let honest = w.finish().unwrap().into_inner();
    // Honest sizes: the ratio check refuses it.
    let (_, p) = read(&honest, "honest.xlsx");
    assert_eq!(
        p,
        [err(
            "honest.xlsx",
            "文件中的 xl/sharedStrings.xml 解压后异常膨胀（压缩炸弹），拒绝读取"
        )]
    );
    // Zip64 extra fields carry the real sizes; take them out of the picture
    // by lying in the 32-bit fields and in the zip64 ones alike.
    let liar = lie_zip64(&lie_about_size(&honest, sst, 4096), sst, 4096);
    let dir = tmp();
    let path = dir.path().join("liar.xlsx");
    std::fs::write(&path, &liar).unwrap();
    let o = kaohe_limited(1_000_000, &[OsStr::new("check"), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains(&format!("{}: 错误：文件已损坏", path.display())),
        "{stderr}"
    );
}

/// Sets the zip64 sizes of `part` (if it has any) to `size`.
fn lie_zip64(bytes: &[u8], part: &str, size: u64) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let name = part.as_bytes();
    let mut i = 0;
    while i + 46 < b.len() {
        let (hdr, name_len_at, extra_len_at) = if b[i..].starts_with(b"PK\x03\x04") {
            (30, 26, 28)
        } else if b[i..].starts_with(b"PK\x01\x02") {
            (46, 28, 30)
        } else {
            i += 1;
            continue;
        };
        let n = u16::from_le_bytes([b[i + name_len_at], b[i + name_len_at + 1]]) as usize;
        let x = u16::from_le_bytes([b[i + extra_len_at], b[i + extra_len_at + 1]]) as usize;
        if i + hdr + n <= b.len() && &b[i + hdr..i + hdr + n] == name {
            let mut e = i + hdr + n;
            let end = e + x;
            while e + 4 <= end {
                let id = u16::from_le_bytes([b[e], b[e + 1]]);
                let len = u16::from_le_bytes([b[e + 2], b[e + 3]]) as usize;
                if id == 1 && len >= 8 {
                    // The first zip64 field is the uncompressed size.
                    b[e + 4..e + 12].copy_from_slice(&size.to_le_bytes());
                }
                e += 4 + len;
            }
        }
        i += 1;
    }
    b
}

#[test]
fn hundred_thousand_rows() {
    let (_, good) = good_form();
    let mut g = Grid::read(&good);
    for k in 0..100_000 {
        g.rows.push(vec![V::S(format!("第{k}行")), V::N(k as f64)]);
    }
    let height = g.rows.len();
    let bytes = g.write();
    assert_refused(
        "rows.xlsx",
        &bytes,
        &[problem(
            "rows.xlsx",
            Some(SCORING_SHEET),
            None,
            &format!("工作表有 {height} 行，超过上限 2000 行，不是正常的评分表"),
            true,
        )],
    );
}

/// A cell at the far corner of the sheet (XFD1048576) is legal in Excel and
/// takes a few bytes; reading the sheet as one dense range would need
/// 17 179 869 184 cells. kaohe must refuse it with a message, not abort.
#[test]
fn far_corner_cell_does_not_exhaust_memory() {
    let (_, good) = good_form();
    let bytes = edit_part(&good, SHEET1, |x| {
        x.replace(
            "</sheetData>",
            "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
        )
    });
    let dir = tmp();
    let path = dir.path().join("corner.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let o = kaohe_limited(2_000_000, &[OsStr::new("check"), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_eq!(
        problem_lines(&o),
        [format!(
            "{}: {SCORING_SHEET}: 错误：工作表有 1048576 行，超过上限 2000 行，不是正常的评分表",
            path.display(),
        )],
        "{}",
        show(&o)
    );
}

/// The lines of kaohe's stderr that report a problem in a file (all but
/// its closing `kaohe: ` summary).
fn problem_lines(o: &Output) -> Vec<String> {
    text(&o.stderr)
        .lines()
        .filter(|l| !l.starts_with("kaohe: "))
        .map(String::from)
        .collect()
}

/// What `kaohe check` says of a file whose reading the memory limit stopped.
fn memory_refusal(path: &Path) -> String {
    format!(
        "{}: 错误：读取时超出内存（{} MB）或时间上限，拒绝读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再提交（上限可在考核方案 [limits] max_memory_bytes 中调整）",
        path.display(),
        builtin().campaign.limits.max_memory_bytes >> 20
    )
}

/// An .ods of one kilobyte whose single cell is repeated 16 384 times a row
/// over 6 000 rows: calamine expands it to 98 million cells (gigabytes).
#[test]
fn ods_repeat_bomb_does_not_exhaust_memory() {
    let content = |rows: u32, cols: u32| {
        ods_content(&format!(
            r#"<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated="{cols}" office:value-type="string"><text:p>扣分</text:p></table:table-cell></table:table-row>"#
        ))
    };
    let dir = tmp();
    // Control: the same file with small repeats is read and refused for
    // what it is (no 编号/扣分原因 headings).
    let small = dir.path().join("small.ods");
    std::fs::write(&small, ods(&content(3, 3))).unwrap();
    let o = kaohe_limited(2_000_000, &[OsStr::new("check"), small.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        text(&o.stderr).contains(&format!(
            "{}: 错误：“评分表”工作表中找不到“编号”“扣分”“扣分原因”表头行，表格结构被改动",
            small.display()
        )),
        "{}",
        show(&o)
    );
    let bytes = ods(&content(6000, 16384));
    assert!(bytes.len() < 4096);
    let path = dir.path().join("repeat.ods");
    std::fs::write(&path, &bytes).unwrap();
    let o = kaohe_limited(2_000_000, &[OsStr::new("check"), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_eq!(problem_lines(&o), [memory_refusal(&path)], "{}", show(&o));
}

/// A BIFF8 workbook stream: one sheet named `name` with `records`. The
/// sheet's offset in BOUNDSHEET can be overridden.
fn biff_workbook(name: &str, records: &[Vec<u8>], offset: Option<u32>) -> Vec<u8> {
    let units: Vec<u16> = name.encode_utf16().collect();
    let mut out = biff_bof(0x0005);
    let pos = out.len() + 4 + 8 + units.len() * 2 + 4;
    let mut bs = offset.unwrap_or(pos as u32).to_le_bytes().to_vec();
    bs.extend([0, 0, units.len() as u8, 1]);
    for u in &units {
        bs.extend(u.to_le_bytes());
    }
    out.extend(biff(0x0085, &bs));
    out.extend(biff(0x000A, &[]));
    assert_eq!(out.len(), pos);
    out.extend(biff_bof(0x0010));
    for r in records {
        out.extend(r);
    }
    out.extend(biff(0x000A, &[]));
    out
}

/// A LABEL record (a text cell).
fn biff_label(row: u16, col: u16, s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut d = Vec::new();
    d.extend(row.to_le_bytes());
    d.extend(col.to_le_bytes());
    d.extend(15u16.to_le_bytes());
    d.extend((units.len() as u16).to_le_bytes());
    d.push(1);
    for u in &units {
        d.extend(u.to_le_bytes());
    }
    biff(0x0204, &d)
}

/// A DIMENSIONS record (BIFF8): rows [first, last), columns [first, last).
fn biff_dimensions(r0: u32, r1: u32, c0: u16, c1: u16) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend(r0.to_le_bytes());
    d.extend(r1.to_le_bytes());
    d.extend(c0.to_le_bytes());
    d.extend(c1.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    biff(0x0200, &d)
}

fn xls(records: &[Vec<u8>], offset: Option<u32>) -> Vec<u8> {
    cfb(&[("Workbook", biff_workbook(SCORING_SHEET, records, offset))])
}

#[test]
fn xls_read_at_all() {
    // Control for the .xls cases below: a tiny .xls kaohe reads and refuses
    // for what it is.
    let b = xls(&[biff_label(0, 0, "你好")], None);
    assert_refused(
        "tiny.xls",
        &b,
        &[err(
            "tiny.xls",
            "“评分表”工作表中找不到“编号”“扣分”“扣分原因”表头行，表格结构被改动",
        )],
    );
}

/// calamine slices the stream at the sheet offset BOUNDSHEET gives, and
/// panics when it lies: the catch_unwind net in read_bytes must turn that
/// into a message.
#[test]
fn xls_sheet_offset_out_of_range() {
    let b = xls(&[biff_label(0, 0, "你好")], Some(1_000_000));
    let (filled, problems) = read(&b, "offset.xls");
    let caught = ingest::last_trace().calamine_panics;
    assert_eq!(caught.len(), 1, "calamine panicked once: {caught:?}");
    println!("calamine panicked on offset.xls at {caught:?}");
    assert!(filled.is_none());
    assert_eq!(problems, [err("offset.xls", "文件已损坏，无法读取")]);
    assert_refused("offset.xls", &b, &problems);
}

/// A 5 KB .xls whose DIMENSIONS record claims 100 million rows: calamine
/// reserves room for every cell up front (about a terabyte).
#[test]
fn xls_dimensions_do_not_exhaust_memory() {
    let dir = tmp();
    for (k, dims) in [
        biff_dimensions(0, 100_000_000, 0, 256),
        // Last row before the first: the subtraction wraps.
        biff_dimensions(10, 1, 0, 8),
    ]
    .into_iter()
    .enumerate()
    {
        let b = xls(&[dims, biff_label(0, 0, "编号")], None);
        assert!(b.len() < 8192);
        let path = dir.path().join(format!("dims-{k}.xls"));
        std::fs::write(&path, &b).unwrap();
        let o = kaohe_limited(2_000_000, &[OsStr::new("check"), path.as_os_str()]);
        assert_eq!(o.status.code(), Some(1), "{}", show(&o));
        assert_eq!(problem_lines(&o), [memory_refusal(&path)], "{}", show(&o));
    }
}

/// content.xml of an .ods whose one sheet, 评分表, holds `rows`.
fn ods_content(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="评分表">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    )
}

fn ods(content: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file("META-INF/manifest.xml", deflated).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    w.start_file("content.xml", deflated).unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn scoring_sheet_renamed_or_deleted() {
    let (f, good) = good_form();
    // Renamed: a warning, and the form still reads.
    let renamed = edit_part(&good, "xl/workbook.xml", |x| {
        x.replace("name=\"评分表\"", "name=\"Sheet1\"")
    });
    let (filled, problems) = read(&renamed, "renamed.xlsx");
    assert_eq!(
        problems,
        [problem(
            "renamed.xlsx",
            Some("Sheet1"),
            None,
            "评分工作表被改名为“Sheet1”，已按表头识别",
            false
        )]
    );
    assert_eq!(marked(&filled.expect("still read").entries), f.entries);
    let dir = tmp();
    let path = dir.path().join("renamed.xlsx");
    std::fs::write(&path, &renamed).unwrap();
    let o = kaohe([OsStr::new("check"), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(text(&o.stderr).contains(&format!(
        "{}: Sheet1: 警告：评分工作表被改名为“Sheet1”，已按表头识别",
        path.display()
    )));
    // Deleted: the workbook no longer lists it.
    let deleted = edit_part(&good, "xl/workbook.xml", |x| {
        let a = x.find("<sheet name=\"评分表\"").unwrap();
        let b = a + x[a..].find("/>").unwrap() + 2;
        format!("{}{}", &x[..a], &x[b..])
    });
    assert_refused(
        "deleted.xlsx",
        &deleted,
        &[err(
            "deleted.xlsx",
            "找不到“评分表”工作表（文件中的工作表：kaohe），不是本次考核的评分表",
        )],
    );
    // Headings typed over: the sheet is there but not the table.
    let mut g = Grid::read(&good);
    let (r, c) = g.find("编号");
    g.set(r, c, V::S("序号".into()));
    assert_refused(
        "headings.xlsx",
        &g.write(),
        &[err(
            "headings.xlsx",
            "“评分表”工作表中找不到“编号”“扣分”“扣分原因”表头行，表格结构被改动",
        )],
    );
}

#[test]
fn rows_moved_duplicated_deleted() {
    let (f, good) = good_form();
    let g = Grid::read(&good);
    let code_col = g.col("编号");
    let first = g.find("编号").0 + 1;
    let last = (first..g.rows.len())
        .filter(|&r| matches!(g.rows[r].get(code_col), Some(V::S(s)) if s.contains('-')))
        .max()
        .unwrap();
    // Re-sorted (reversed): the same entries.
    let mut moved = g.clone();
    moved.rows[first..=last].reverse();
    let (filled, problems) = read(&moved.write(), "moved.xlsx");
    assert!(problems.is_empty(), "{problems:?}");
    let filled = filled.unwrap();
    assert_eq!(marked(&filled.entries), f.entries);
    let rubric = builtin().rubric(COUNTY);
    let score = |f: &Filled| kaohe::score::score_unit(rubric, f).score;
    assert_eq!(score(&filled), score(&f));
    assert_eq!(score(&f), Pts::from_int(100) - Pts(125));
    // Shuffled rows and the hidden sheet gone: still the same entries.
    let mut shuffled = g.clone();
    let mut rng = SplitMix(7);
    for i in (first + 1..=last).rev() {
        let j = first + rng.below((i - first + 1) as u64) as usize;
        shuffled.rows.swap(i, j);
    }
    shuffled.meta = None;
    let (filled, problems) = read(&shuffled.write(), "shuffled.xlsx");
    assert_eq!(
        problems,
        [problem(
            "shuffled.xlsx",
            None,
            None,
            "隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别",
            false
        )]
    );
    assert_eq!(marked(&filled.unwrap().entries), f.entries);
    // Duplicated: the copy is an error at its 编号 cell.
    let mut dup = g.clone();
    let r = dup.row_of("1-1");
    let copy = dup.rows[r].clone();
    dup.rows.insert(last + 1, copy);
    assert_refused(
        "duplicated.xlsx",
        &dup.write(),
        &[at(
            "duplicated.xlsx",
            &ingest::a1(last as u32 + 1, code_col as u32),
            &format!("编号 1-1 重复（第一次在第 {} 行）", r + 1),
        )],
    );
    // Deleted.
    let mut del = g.clone();
    let r = del.row_of("2-1");
    del.rows.remove(r);
    assert_refused(
        "row-deleted.xlsx",
        &del.write(),
        &[problem(
            "row-deleted.xlsx",
            Some(SCORING_SHEET),
            None,
            "缺少 1 条细则的行（编号 2-1），行被删除或编号被改动",
            true,
        )],
    );
}

#[test]
fn codes_changed() {
    let (_, good) = good_form();
    let g = Grid::read(&good);
    let c = g.col("编号");
    let r = g.row_of("1-1");
    let cell = ingest::a1(r as u32, c as u32);
    let missing = |file: &str| {
        problem(
            file,
            Some(SCORING_SHEET),
            None,
            "缺少 1 条细则的行（编号 1-1），行被删除或编号被改动",
            true,
        )
    };
    let mut unknown = g.clone();
    unknown.set(r, c, V::S("99-1".into()));
    assert_refused(
        "code-unknown.xlsx",
        &unknown.write(),
        &[
            at(
                "code-unknown.xlsx",
                &cell,
                "编号 99-1 不在考核细则“county-2018”中",
            ),
            missing("code-unknown.xlsx"),
        ],
    );
    let mut twice = g.clone();
    twice.set(r, c, V::S("1-2".into()));
    let r2 = g.row_of("1-2");
    assert_refused(
        "code-twice.xlsx",
        &twice.write(),
        &[
            at(
                "code-twice.xlsx",
                &ingest::a1(r2 as u32, c as u32),
                &format!("编号 1-2 重复（第一次在第 {} 行）", r + 1),
            ),
            missing("code-twice.xlsx"),
        ],
    );
    // A code typed as a number or as text nobody can match: the rule's row
    // is missing, and the row left without a code is named with what it holds.
    let deduction = ingest::a1(r as u32, g.col("扣分") as u32);
    let uncoded = |file: &str| Problem {
        hint: Some(
            "扣分和扣分原因请填在对应细则那一行的“扣分”“扣分原因”栏；说明可写在扣分原因中".into(),
        ),
        ..problem(
            file,
            Some(SCORING_SHEET),
            Some(&deduction),
            "这一行不是评分表原有的行（没有编号），其中的“0.5”不会计入评分",
            false,
        )
    };
    for (k, v) in [V::N(1.1), V::S("一-1".into()), V::Empty]
        .into_iter()
        .enumerate()
    {
        let mut x = g.clone();
        x.set(r, c, v);
        let name = format!("code-{k}.xlsx");
        assert_refused(&name, &x.write(), &[uncoded(&name), missing(&name)]);
    }
}

/// What kaohe says about one value in the 扣分 cell of rule 1-1.
fn deduction_problems(v: V) -> (String, Option<Filled>, Vec<Problem>) {
    let (_, good) = good_form();
    let mut g = Grid::read(&good);
    let cell = g.set_at("1-1", "扣分", v);
    let bytes = g.write();
    let (f, p) = read(&bytes, "cell.xlsx");
    (cell, f, p)
}

#[test]
fn odd_values_in_deduction_cells() {
    let l = builtin();
    let rule = l.rubric(COUNTY).find_code("1-1").unwrap().1.clone();
    let points = rule.points.unwrap();
    let over = format!("扣分 {} 超过本条分值 {points} 分", points + Pts(50));
    let cases: Vec<(V, &str)> = vec![
        (
            V::S("半分".into()),
            "“半分”不是数字（扣分请填写如 0.5 的数字）",
        ),
        (
            V::S("0.5或1".into()),
            "“0.5或1”不是数字（扣分请填写如 0.5 的数字）",
        ),
        (
            V::S("1e300".into()),
            "“1e300”不是数字（扣分请填写如 0.5 的数字）",
        ),
        (
            V::Date,
            "应填数字，这里是日期或时间（单元格格式可能被改成了日期）",
        ),
        (V::B(true), "应填数字，这里是逻辑值（TRUE/FALSE）"),
        (V::B(false), "应填数字，这里是逻辑值（TRUE/FALSE）"),
        (V::N(0.125), "“0.125”最多保留两位小数"),
        (V::N(-0.5), "扣分不能为负数（-0.5）"),
        (V::N((points + Pts(50)).to_f64()), over.as_str()),
        (V::N(123_456.0), "数字过大"),
        (V::N(1e300), "数字过大"),
        (V::N(-1e300), "数字过大"),
        (V::N(1e15), "数字过大"),
        (V::Error("#DIV/0!"), "应填数字，这里是公式错误值 #DIV/0!"),
        (V::Error("#N/A"), "应填数字，这里是公式错误值 #N/A"),
        (V::Error("#VALUE!"), "应填数字，这里是公式错误值 #VALUE!"),
    ];
    let mut wrong = Vec::new();
    for (v, msg) in cases {
        let (cell, filled, problems) = deduction_problems(v.clone());
        let want = vec![at("cell.xlsx", &cell, msg)];
        if filled.is_some() || problems != want {
            wrong.push(format!(
                "{v:?}: want {msg}, got {:?}",
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn numbers_as_meant_in_deduction_cells() {
    for (v, want) in [
        (V::S("０．５".into()), Pts(50)),
        (V::S(" 0.5分 ".into()), Pts(50)),
        (V::N(0.5), Pts(50)),
        (V::N(1.0), Pts(100)),
        (V::Empty, Pts::ZERO),
        // A formula with its computed value: the value counts.
        (V::Formula("=0.25*2".into(), "0.5".into()), Pts(50)),
    ] {
        let (_, filled, problems) = deduction_problems(v.clone());
        assert!(problems.iter().all(|p| !p.error), "{v:?}: {problems:?}");
        let e = &filled.expect("read").entries["1-1"];
        assert_eq!(e.amount, want, "{v:?}");
    }
}

/// A formula saved without its result (as scripts write them) has no value
/// to score: reading it as "no deduction" would be a guess.
#[test]
fn formula_without_a_value_is_not_a_guess() {
    let (cell, filled, problems) = deduction_problems(V::FormulaNoValue("=0.25*2".into()));
    assert!(
        filled.is_none(),
        "read as {:?}",
        filled.map(|f| f.entries.get("1-1").cloned())
    );
    let errors: Vec<(Option<&str>, &str)> = problems
        .iter()
        .filter(|p| p.error)
        .map(|p| (p.cell.as_deref(), p.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(
            Some(cell.as_str()),
            "这里是公式，但文件中没有保存它的计算结果，无法判断扣分；请在 Excel 或 WPS 中打开并保存后再提交，或直接填写数字"
        )],
        "{problems:?}"
    );
}

#[test]
fn reason_of_100000_characters() {
    let (_, good) = good_form();
    let mut g = Grid::read(&good);
    let cell = g.set_at("1-2", "扣分原因", V::S("长".repeat(100_000)));
    assert_refused(
        "long-reason.xlsx",
        &g.write(),
        &[at(
            "long-reason.xlsx",
            &cell,
            "扣分原因有 100000 个字，超过上限 2000 个字",
        )],
    );
}

#[test]
fn messages_carry_no_control_characters() {
    // A cell may hold any character through the _xHHHH_ escape; a message
    // that echoes it must not send escape sequences to the terminal.
    let (_, good) = good_form();
    let mut g = Grid::read(&good);
    g.set_at("1-1", "扣分", V::S("KAOHE-ESC".into()));
    let bytes = edit_part(&g.write(), "xl/sharedStrings.xml", |x| {
        x.replace("KAOHE-ESC", "_x001B_]0;pwned_x0007__x001B_[2J")
    });
    let (_, problems) = read(&bytes, "esc.xlsx");
    assert_printable(&problems);
    // The unit's name in the hidden sheet is echoed too.
    let mut g = Grid::read(&good);
    let meta = g.meta.as_mut().unwrap();
    let r = meta
        .iter()
        .position(|row| row.first() == Some(&V::S("unit".into())))
        .unwrap();
    meta[r][1] = V::S("KAOHE-ESC".into());
    let bytes = edit_part(&g.write(), "xl/sharedStrings.xml", |x| {
        x.replace("KAOHE-ESC", "_x001B_[2J")
    });
    let (_, problems) = read(&bytes, "esc-unit.xlsx");
    assert_printable(&problems);
}

// ------------------------------------------------------------ unit names

#[test]
fn campaign_refuses_bad_unit_names() {
    let dir = tmp();
    for (name, msg) in [
        ("海原县\u{7}", "单位名称含有控制字符"),
        ("海原县\n人民政府", "单位名称含有控制字符"),
        ("\u{1b}[2J海原县", "单位名称含有控制字符"),
        ("", "单位名称为空或超过 100 个字"),
        ("   ", "单位名称为空或超过 100 个字"),
    ] {
        let p = campaign_file(dir.path(), &[(name, COUNTY)], "");
        let e = campaign::load(Some(&p)).expect_err(name);
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.starts_with(&p.display().to_string()), "{m}");
        assert!(m.ends_with(msg), "{m}");
        // The message names the unit without echoing control characters.
        assert!(!m.chars().any(char::is_control), "{m:?}");
        let o = kaohe([
            OsStr::new("blank"),
            "--campaign".as_ref(),
            p.as_os_str(),
            "--out".as_ref(),
            dir.path().join("out").as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", show(&o));
        assert!(!dir.path().join("out").exists());
    }
    let long = "长".repeat(200);
    let p = campaign_file(dir.path(), &[(&long, COUNTY)], "");
    let e = campaign::load(Some(&p)).expect_err("200 characters");
    assert!(
        e.to_string().ends_with("单位名称为空或超过 100 个字"),
        "{e}"
    );
    // 100 characters are fine.
    let ok = "长".repeat(100);
    let p = campaign_file(dir.path(), &[(&ok, COUNTY)], "");
    campaign::load(Some(&p)).expect("100 characters");
}

/// Unit names with `/`, `..` and `\` name files inside --out, one per unit.
#[test]
fn unit_names_stay_inside_out() {
    let dir = tmp();
    let names = [
        "../../逃逸县",
        "/etc/passwd",
        "..",
        "a\\..\\..\\b",
        "C:\\Windows\\局",
        "名称有*?\"<>|:",
        ".hidden",
    ];
    let long = "长".repeat(100);
    let mut units: Vec<(&str, &str)> = names.iter().map(|n| (*n, MEMBER)).collect();
    units.push((&long, COUNTY));
    let camp = campaign_file(&dir.path().join("c").tap_mkdir(), &units, "");
    let parent = dir.path().join("p").tap_mkdir();
    let out = parent.join("out");
    let o = kaohe([
        OsStr::new("blank"),
        "--campaign".as_ref(),
        camp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    // Nothing beside --out, nothing outside it.
    let beside: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(beside, [OsStr::new("out")]);
    assert!(!dir.path().join("etc").exists() && !Path::new("/etc/passwd.xlsx").exists());
    let l = campaign::load(Some(&camp)).unwrap();
    let files = snapshot(&out);
    let mut xlsx: Vec<&String> = files
        .keys()
        .filter(|p| p.ends_with(".xlsx") && p.starts_with("blank/"))
        .collect();
    xlsx.sort();
    assert_eq!(xlsx.len(), units.len(), "{xlsx:?}");
    for (name, _) in &units {
        let rel = format!("blank/{}.xlsx", safe_file_name(name));
        let file_name = rel.trim_start_matches("blank/");
        assert!(
            !file_name.contains(['/', '\\']) && !file_name.starts_with(".."),
            "{rel}"
        );
        assert!(file_name.len() <= 255);
        let bytes = files
            .get(&rel)
            .unwrap_or_else(|| panic!("{rel} missing: {xlsx:?}"));
        // And the file is that unit's own form.
        let (filled, problems) = ingest::read_bytes(bytes, &rel, &l);
        // A blank form read back is only said to look unfilled (issue 9).
        assert!(
            problems
                .iter()
                .all(|p| !p.error && p.message.contains("一格也没有填写")),
            "{problems:?}"
        );
        assert_eq!(&filled.unwrap().unit, name);
        let canon = out.join(&rel).canonicalize().unwrap();
        assert!(canon.starts_with(out.canonicalize().unwrap()));
    }
}

/// Two units whose names differ only in a character the file name replaces
/// (or after the 80th character) must not share one file: the campaign is
/// refused, naming both and the file name they share, and nothing written.
#[test]
fn unit_names_that_sanitise_alike() {
    let a = format!("{}甲", "长".repeat(85));
    let b = format!("{}乙", "长".repeat(85));
    for pair in [
        ["甲/乙局", "甲_乙局"],
        ["甲\\乙局", "甲:乙局"],
        [a.as_str(), b.as_str()],
    ] {
        let dir = tmp();
        let camp = campaign_file(dir.path(), &[(pair[0], MEMBER), (pair[1], MEMBER)], "");
        let out = dir.path().join("out");
        let o = kaohe([
            OsStr::new("blank"),
            "--campaign".as_ref(),
            camp.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{pair:?}: {}", show(&o));
        let e = text(&o.stderr);
        let shared = format!(
            "与“{}”生成的文件名相同（{}），请改用能区分的名称",
            pair[0],
            safe_file_name(pair[1])
        );
        assert!(e.contains(pair[1]) && e.contains(&shared), "{e}");
        assert!(!out.exists());
    }
}

/// Unit names of up to 100 characters are allowed; with 4-byte characters
/// their 80-character file names exceed the 255-byte limit of file systems.
/// kaohe shortens the file names to 240 bytes: the run succeeds, and each
/// unit's form reads back as that unit's.
#[test]
fn long_unit_names_in_bytes() {
    let dir = tmp();
    let name = "𠀀".repeat(90);
    let camp = campaign_file(dir.path(), &[("正常单位", MEMBER), (&name, MEMBER)], "");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("earlier.txt"), "earlier").unwrap();
    let o = kaohe([
        OsStr::new("blank"),
        "--campaign".as_ref(),
        camp.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let after = snapshot(&out);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let l = campaign::load(Some(&camp)).unwrap();
    let mut units: Vec<String> = after
        .iter()
        .filter(|(p, _)| p.starts_with("blank/") && p.ends_with(".xlsx"))
        .map(|(p, b)| ingest::read_bytes(b, p, &l).0.expect("a form").unit)
        .collect();
    units.sort();
    let mut want = vec!["正常单位".to_string(), name.clone()];
    want.sort();
    assert_eq!(units, want);
    assert!(after.keys().all(|p| p.split('/').all(|c| c.len() <= 255)));
}

// ================================================================== 2. fuzz

/// At least one problem, and none that would send a control character to
/// the terminal.
fn assert_printable(problems: &[Problem]) {
    assert!(!problems.is_empty());
    for p in problems {
        let shown = p.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
    }
}

#[derive(Default)]
struct FuzzReport {
    cases: usize,
    /// Cases whose scoring rows were read (past the headings, the unit and
    /// the rubric checks).
    rows: usize,
    read_ok: usize,
    caught: Vec<(String, String)>,
    slowest: Duration,
}

/// Reads one mutated input; asserts it returns without a panic in kaohe's
/// own code (only calamine's are caught), with every problem naming the
/// file.
fn fuzz_one(label: &str, bytes: &[u8], report: &mut FuzzReport) {
    let name = format!("{label}.xlsx");
    let t = Instant::now();
    let result = std::panic::catch_unwind(|| ingest::read_bytes(bytes, &name, builtin()));
    let took = t.elapsed();
    let (filled, problems) = match result {
        Ok(r) => r,
        Err(_) => {
            panic!("{label}: a panic in kaohe's own reading code (its location is printed above)")
        }
    };
    let trace = ingest::last_trace();
    assert_caught_in_calamine(label, &trace);
    for at in trace.calamine_panics {
        report.caught.push((label.to_string(), at));
    }
    report.rows += usize::from(trace.reached_rows);
    // Reported, not asserted: the time depends on the machine.
    report.slowest = report.slowest.max(took);
    report.cases += 1;
    assert!(
        problems.iter().all(|p| p.file == name),
        "{label}: {problems:?}"
    );
    match filled {
        Some(f) => {
            report.read_ok += 1;
            assert!(problems.iter().all(|p| !p.error), "{label}: {problems:?}");
            assert!(builtin().unit(&f.unit).is_some());
        }
        None => assert!(problems.iter().any(|p| p.error), "{label}: no error given"),
    }
}

fn mutate_bytes(rng: &mut SplitMix, mut b: Vec<u8>, interesting: &[u8]) -> Vec<u8> {
    let n = 1 + rng.below(8);
    for _ in 0..n {
        if b.is_empty() {
            b.push(0);
        }
        let i = rng.below(b.len() as u64) as usize;
        match rng.below(6) {
            0 => b[i] ^= 1 << rng.below(8),
            1 => b[i] = rng.next_u64() as u8,
            2 => b[i] = *rng.pick(interesting),
            3 => {
                b.remove(i);
            }
            4 => b.insert(i, *rng.pick(interesting)),
            _ => {
                // Copy a short run elsewhere.
                let len = 1 + rng.below(16) as usize;
                let j = rng.below(b.len() as u64) as usize;
                let run: Vec<u8> = b[i..(i + len).min(b.len())].to_vec();
                b.splice(j..j, run);
            }
        }
    }
    b
}

const XML_BYTES: &[u8] = b"<>/\"'=&;#x0123456789-. abcrstv:AFZ\xe4\xb8\x80";
const BIN_BYTES: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, 0xfe, b'P', b'K', 3, 4, 0x50];

const ERRORS: [&str; 7] = [
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
];

fn fuzz_values(rng: &mut SplitMix) -> V {
    let texts = [
        "",
        " ",
        "0",
        "-0",
        "0.5",
        "０．５分",
        "1e308",
        "NaN",
        "inf",
        "是",
        "否",
        "1-1",
        "99-99",
        "编号",
        "扣分",
        "扣分原因",
        "=1+1",
        "#DIV/0!",
        "\u{202e}反向",
        "𠀀𠀁",
        "9999999999999",
        "0.005",
        "--1",
        "+.5",
        ".",
    ];
    match rng.below(9) {
        0 => V::Empty,
        1 => V::S(rng.pick(&texts).to_string()),
        2 => V::S(
            (0..rng.below(40))
                .map(|_| char::from_u32(rng.below(0x3_0000) as u32).unwrap_or('?'))
                .filter(|c| !c.is_control())
                .collect(),
        ),
        3 => V::N(*rng.pick(&[
            0.0,
            -0.0,
            0.25,
            0.5,
            1.0,
            2.0,
            5.0,
            -1.0,
            1e-9,
            1e300,
            -1e300,
            3.0000001,
            f64::MAX,
            f64::MIN_POSITIVE,
            4_294_967_296.0,
        ])),
        4 => V::B(rng.below(2) == 0),
        5 => V::Date,
        6 => V::Error(ERRORS[rng.below(ERRORS.len() as u64) as usize]),
        7 => V::Formula(
            "=A1".into(),
            rng.pick(&["0.5", "abc", "TRUE", ""]).to_string(),
        ),
        _ => V::S(rng.pick(&texts).repeat(1 + rng.below(3) as usize)),
    }
}

#[test]
fn fuzz_ingest() {
    let l = builtin();
    let seeds: Vec<Vec<u8>> = vec![
        good_form().1,
        workbook_for(
            l,
            &filled_for(l, first_unit(l, MEMBER), &["未见会议记录", "x", "=1+2"]),
        ),
        blank::workbook(l, first_unit(l, COUNTY)).unwrap(),
    ];
    let mut report = FuzzReport::default();
    let mut rng = SplitMix(0x006b_616f_6865);
    let t = Instant::now();
    // Byte by byte on the zip.
    for k in 0..150 {
        let seed = rng.pick(&seeds).clone();
        let b = mutate_bytes(&mut rng, seed, BIN_BYTES);
        fuzz_one(&format!("zip-{k}"), &b, &mut report);
    }
    // Byte by byte inside each part, re-zipped.
    let parts: Vec<Vec<(String, Vec<u8>)>> = seeds.iter().map(|s| unzip(s)).collect();
    for k in 0..200 {
        let mut p = rng.pick(&parts).clone();
        let i = if rng.below(2) == 0 {
            p.iter().position(|(n, _)| n == SHEET1).unwrap()
        } else {
            rng.below(p.len() as u64) as usize
        };
        p[i].1 = mutate_bytes(&mut rng, std::mem::take(&mut p[i].1), XML_BYTES);
        if rng.below(10) == 0 {
            // A part dropped altogether.
            let j = rng.below(p.len() as u64) as usize;
            p.remove(j);
        }
        fuzz_one(&format!("xml-{k}"), &rezip(&p), &mut report);
    }
    // Cell by cell.
    let grids: Vec<Grid> = seeds[..2].iter().map(|s| Grid::read(s)).collect();
    for k in 0..80 {
        let mut g = rng.pick(&grids).clone();
        for _ in 0..1 + rng.below(6) {
            let r = rng.below(g.rows.len() as u64 + 2) as usize;
            let c = rng.below(12) as usize;
            if r < g.rows.len() {
                let v = fuzz_values(&mut rng);
                g.set(r, c, v);
            }
        }
        if rng.below(8) == 0
            && let Some(m) = g.meta.as_mut()
        {
            let r = rng.below(m.len() as u64) as usize;
            m[r][1] = fuzz_values(&mut rng);
        }
        fuzz_one(&format!("cell-{k}"), &g.write(), &mut report);
    }
    // The OLE side: the password-protected files and a tiny BIFF workbook.
    let mut xls = biff_bof(0x0005);
    xls.extend(biff(0x0085, &[0, 0, 0, 0, 0, 0, 3, 0, b'a', b'b', b'c']));
    xls.extend(biff(0x000A, &[]));
    let ole = [cfb(&[("Workbook", xls)]), cfb(&[("Book", vec![9; 100])])];
    // Inside the BIFF stream of a real one-sheet .xls (no DIMENSIONS or
    // NUMBER record, whose mutations would ask for terabytes; see
    // xls_dimensions_do_not_exhaust_memory).
    let sheet = biff_workbook(
        SCORING_SHEET,
        &[
            biff_label(0, 0, "编号"),
            biff_label(0, 1, "扣分"),
            biff_label(0, 2, "扣分原因"),
            biff_label(1, 0, "1-1"),
            biff(0x0205, &[1, 0, 1, 0, 15, 0, 1, 0]),
        ],
        None,
    );
    for k in 0..60 {
        let b = mutate_bytes(&mut rng, sheet.clone(), BIN_BYTES);
        fuzz_one(&format!("biff-{k}"), &cfb(&[("Workbook", b)]), &mut report);
    }
    for k in 0..40 {
        let seed = rng.pick(&ole).clone();
        let b = mutate_bytes(&mut rng, seed, BIN_BYTES);
        fuzz_one(&format!("ole-{k}"), &b, &mut report);
    }
    // An .ods, inside content.xml (no repeat attributes in the seed: see
    // ods_repeat_bomb_does_not_exhaust_memory).
    let ods_parts = unzip(&ods(&ods_content(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>编号</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>扣分</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>扣分原因</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>1-1</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="0.5"><text:p>0.5</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
    )));
    let content = ods_parts
        .iter()
        .position(|(n, _)| n == "content.xml")
        .unwrap();
    for k in 0..60 {
        let mut p = ods_parts.clone();
        p[content].1 = mutate_bytes(&mut rng, std::mem::take(&mut p[content].1), XML_BYTES);
        fuzz_one(&format!("ods-{k}"), &rezip(&p), &mut report);
    }
    // Structure-aware, in the decompressed XML of kaohe's own forms: cell
    // values and types, row numbers and cell references, shared-string
    // indices, merged ranges.
    for k in 0..200 {
        let mut p = rng.pick(&parts[..2]).clone();
        let i = p.iter().position(|(n, _)| n == SHEET1).unwrap();
        let sst = p
            .iter()
            .find(|(n, _)| n == "xl/sharedStrings.xml")
            .map(|(_, x)| shared_strings(&String::from_utf8_lossy(x)).len())
            .unwrap_or(0);
        let mut xml = String::from_utf8(std::mem::take(&mut p[i].1)).unwrap();
        for _ in 0..1 + rng.below(4) {
            xml = mutate_sheet_xml(&mut rng, &xml, sst);
        }
        p[i].1 = xml.into_bytes();
        fuzz_one(&format!("struct-{k}"), &rezip(&p), &mut report);
    }
    let caught: Vec<String> = report
        .caught
        .iter()
        .map(|(case, msg)| format!("  {case}: {msg}"))
        .collect();
    println!(
        "fuzz: {} cases in {:.1?} ({} read as forms), slowest {:.1?}; catch_unwind needed {} times{}{}",
        report.cases,
        t.elapsed(),
        report.read_ok,
        report.slowest,
        caught.len(),
        if caught.is_empty() { "" } else { ":\n" },
        caught.join("\n")
    );
    // The run is seeded: these figures change only when the forms, the
    // mutations or the reading change. A drop in `rows` means fewer cases
    // test the row reading; look at why before updating them.
    assert_eq!(
        (
            report.cases,
            report.rows,
            report.read_ok,
            report.caught.len()
        ),
        FUZZ_FIGURES,
        "(cases, reached the rows, read as forms, calamine panics caught)"
    );
}

const FUZZ_FIGURES: (usize, usize, usize, usize) = (790, 313, 208, 5);

/// Byte ranges of the values of attribute `attr` in every `<tag ` element.
fn attr_spans(xml: &str, tag: &str, attr: &str) -> Vec<(usize, usize)> {
    let open = format!("<{tag} ");
    let key = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = xml[from..].find(&open) {
        let start = from + p;
        let end = start + xml[start..].find('>').unwrap_or(xml.len() - start);
        if let Some(q) = xml[start..end].find(&key) {
            let v = start + q + key.len();
            if let Some(len) = xml[v..end].find('"') {
                out.push((v, v + len));
            }
        }
        from = start + open.len();
    }
    out
}

/// Byte ranges of the text of every `<v>` element, and whether its cell is
/// a shared string (`t="s"`).
fn value_spans(xml: &str) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = xml[from..].find("<c ") {
        let start = from + p;
        let Some(tag_end) = xml[start..].find('>').map(|e| start + e) else {
            break;
        };
        let shared = xml[start..tag_end].contains(" t=\"s\"");
        let close = xml[tag_end..].find("</c>").map(|e| tag_end + e);
        if let Some(close) = close
            && let Some(v) = xml[tag_end..close].find("<v>")
        {
            let v = tag_end + v + 3;
            if let Some(len) = xml[v..close].find("</v>") {
                out.push((v, v + len, shared));
            }
        }
        from = start + 3;
    }
    out
}

fn splice(xml: &str, (a, b): (usize, usize), with: &str) -> String {
    format!("{}{with}{}", &xml[..a], &xml[b..])
}

/// One structural edit of a worksheet's XML: a cell's value or type, a row
/// number or cell reference, a shared-string index, or a merged range.
fn mutate_sheet_xml(rng: &mut SplitMix, xml: &str, shared_count: usize) -> String {
    let n = shared_count.to_string();
    let n1 = (shared_count + 1).to_string();
    match rng.below(6) {
        0 => {
            let values = value_spans(xml);
            if values.is_empty() {
                return xml.to_string();
            }
            let (a, b, _) = *rng.pick(&values);
            let v = *rng.pick(&[
                "",
                "-1",
                "0.5",
                "0.25",
                "3",
                "1e309",
                "-1e309",
                "NaN",
                "abc",
                "4294967296",
                "1.5e-7",
                "-0",
                "0x10",
                "１",
            ]);
            splice(xml, (a, b), v)
        }
        1 => {
            // A cell's type: changed, added or removed.
            let cells = attr_spans(xml, "c", "r");
            if cells.is_empty() {
                return xml.to_string();
            }
            let (_, end) = *rng.pick(&cells);
            let t = *rng.pick(&["s", "n", "b", "e", "str", "inlineStr", "d", "x"]);
            let tag_end = end + xml[end..].find('>').unwrap();
            let tag = &xml[end..tag_end];
            let new_tag = match tag.find(" t=\"") {
                Some(q) if rng.below(4) == 0 => {
                    let close = q + 4 + tag[q + 4..].find('"').unwrap();
                    format!("{}{}", &tag[..q], &tag[close + 1..])
                }
                Some(q) => {
                    let close = q + 4 + tag[q + 4..].find('"').unwrap();
                    format!("{} t=\"{t}\"{}", &tag[..q], &tag[close + 1..])
                }
                None => format!("\" t=\"{t}\"{}", &tag[1..]),
            };
            splice(xml, (end, tag_end), &new_tag)
        }
        2 => {
            let rows = attr_spans(xml, "row", "r");
            if rows.is_empty() {
                return xml.to_string();
            }
            let span = *rng.pick(&rows);
            let old: u64 = xml[span.0..span.1].parse().unwrap_or(1);
            let v = match rng.below(7) {
                0 => "0".to_string(),
                1 => "1".to_string(),
                2 => (old.saturating_sub(1)).to_string(),
                3 => (old + 1).to_string(),
                4 => "1048576".to_string(),
                5 => "1048577".to_string(),
                _ => "4294967295".to_string(),
            };
            splice(xml, span, &v)
        }
        3 => {
            let cells = attr_spans(xml, "c", "r");
            if cells.is_empty() {
                return xml.to_string();
            }
            let span = *rng.pick(&cells);
            let other = xml[rng.pick(&cells).0..]
                .split('"')
                .next()
                .unwrap()
                .to_string();
            let v = match rng.below(6) {
                0 => "A0".to_string(),
                1 => "XFD1048576".to_string(),
                2 => "1A".to_string(),
                3 => String::new(),
                4 => "AAAA1".to_string(),
                _ => other,
            };
            splice(xml, span, &v)
        }
        4 => {
            let shared: Vec<(usize, usize)> = value_spans(xml)
                .into_iter()
                .filter(|v| v.2)
                .map(|(a, b, _)| (a, b))
                .collect();
            if shared.is_empty() {
                return xml.to_string();
            }
            let span = *rng.pick(&shared);
            let v = *rng.pick(&[n.as_str(), n1.as_str(), "4294967295", "-1", "x", "0", "1.5"]);
            splice(xml, span, v)
        }
        _ => {
            let range = *rng.pick(&[
                "A1:C3",
                "C3:A1",
                "A1:XFD1048576",
                "B5:B5",
                "A:A",
                "",
                "A1",
                "B6:D9",
                "A0:B2",
            ]);
            let merge = format!("<mergeCell ref=\"{range}\"/>");
            if let Some(p) = xml.find("<mergeCells") {
                let at = p + xml[p..].find('>').unwrap() + 1;
                splice(xml, (at, at), &merge)
            } else {
                let at = xml.find("</sheetData>").unwrap() + "</sheetData>".len();
                splice(
                    xml,
                    (at, at),
                    &format!("<mergeCells count=\"1\">{merge}</mergeCells>"),
                )
            }
        }
    }
}

// ============================================================= 3. injection

const INJECTIONS: &[&str] = &[
    "#panic(\"x\")",
    "#read(\"/etc/passwd\")",
    "资料]不全",
    "*加粗*",
    "$x^2$",
    "@引用",
    "<x>标签",
    "反\\斜杠",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1-1",
    "@SUM(1+1)",
    "=HYPERLINK(\"http://x\")",
];

/// The injection campaign: a unit of each group whose name is itself hostile.
fn injection_units() -> Vec<(&'static str, &'static str)> {
    vec![
        ("=1+1县", COUNTY),
        ("@SUM(A1)区", COUNTY),
        ("+1局", MEMBER),
        ("-1局", MEMBER),
    ]
}

fn injection_forms(l: &Loaded) -> Vec<Filled> {
    let mut forms: Vec<Filled> = l
        .campaign
        .units
        .iter()
        .map(|u| filled_for(l, u, INJECTIONS))
        .collect();
    // A veto and a bonus whose reasons start like formulas.
    for (f, kind, reason) in [
        (0, ItemKind::Veto, "=cmd|' /C calc'!A0"),
        (2, ItemKind::Bonus, "@SUM(1+1)"),
    ] {
        let r = l.rubric(&forms[f].rubric);
        let item = r.items.iter().find(|i| i.kind == kind).unwrap();
        forms[f].entries.insert(
            Rubric::code(item, &item.rules[0]),
            Entry {
                amount: if kind == ItemKind::Bonus {
                    Pts::from_int(1)
                } else {
                    Pts::ZERO
                },
                veto: kind == ItemKind::Veto,
                reason: reason.into(),
            },
        );
    }
    forms
}

/// One cell of a sheet's XML: reference, type, formula and value.
#[derive(Debug)]
struct XCell {
    r: String,
    t: Option<String>,
    f: Option<String>,
    v: Option<String>,
    inline: Option<String>,
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let a = s.find(open)?;
    let rest = &s[a..];
    let gt = rest.find('>')? + 1;
    if rest[..gt].ends_with("/>") {
        return Some("");
    }
    let b = rest.find(close)?;
    Some(&rest[gt..b])
}

fn xml_cells(xml: &str) -> Vec<XCell> {
    let mut out = Vec::new();
    for chunk in xml.split("<c ").skip(1) {
        let tag_end = chunk.find('>').unwrap();
        let tag = &chunk[..tag_end];
        let attr = |name: &str| {
            let k = format!("{name}=\"");
            tag.find(&k).map(|i| {
                let s = &tag[i + k.len()..];
                s[..s.find('"').unwrap()].to_string()
            })
        };
        let body = if tag.ends_with('/') {
            ""
        } else {
            &chunk[tag_end + 1..chunk.find("</c>").unwrap_or(chunk.len())]
        };
        out.push(XCell {
            r: attr("r").unwrap_or_default(),
            t: attr("t"),
            f: between(body, "<f", "</f>").map(xml_unescape),
            v: between(body, "<v", "</v>").map(xml_unescape),
            inline: between(body, "<t", "</t>").map(xml_unescape),
        });
    }
    out
}

fn shared_strings(xml: &str) -> Vec<String> {
    xml.split("<si>")
        .skip(1)
        .map(|si| {
            let si = &si[..si.find("</si>").unwrap_or(si.len())];
            si.split("<t")
                .skip(1)
                .filter_map(|t| {
                    let gt = t.find('>')? + 1;
                    Some(xml_unescape(&t[gt..t.find("</t>")?]))
                })
                .collect()
        })
        .collect()
}

/// Every text cell of an XLSX as (sheet part, cell, text), and every formula.
/// (sheet part, cell, text or formula).
type Cells = Vec<(String, String, String)>;

fn xlsx_cells(bytes: &[u8]) -> (Cells, Cells) {
    let parts = unzip(bytes);
    let sst = parts
        .iter()
        .find(|(n, _)| n == "xl/sharedStrings.xml")
        .map(|(_, x)| shared_strings(&text(x)))
        .unwrap_or_default();
    let mut texts = Vec::new();
    let mut formulas = Vec::new();
    for (name, data) in &parts {
        if !name.starts_with("xl/worksheets/sheet") {
            continue;
        }
        for c in xml_cells(&text(data)) {
            if let Some(f) = &c.f {
                formulas.push((name.clone(), c.r.clone(), f.clone()));
            }
            match c.t.as_deref() {
                Some("s") => {
                    let i: usize = c.v.as_deref().unwrap().parse().unwrap();
                    texts.push((name.clone(), c.r.clone(), sst[i].clone()));
                }
                Some("inlineStr") => {
                    texts.push((name.clone(), c.r.clone(), c.inline.clone().unwrap()))
                }
                _ => {}
            }
        }
    }
    (texts, formulas)
}

/// Asserts that every string in `wanted` is a whole text cell of `bytes` and
/// that no formula mentions any of them.
fn assert_text_cells(what: &str, bytes: &[u8], wanted: &[String]) {
    let (texts, formulas) = xlsx_cells(bytes);
    for w in wanted {
        assert!(
            texts.iter().any(|(_, _, t)| t == w),
            "{what}: no text cell holds {w:?}"
        );
    }
    // The only formulas are kaohe's own live totals: cell references,
    // SUM, IF and the words 是/否决, never a unit's text.
    for (part, r, f) in &formulas {
        assert!(
            f.chars().all(|c| c.is_ascii_uppercase()
                || c.is_ascii_digit()
                || "()+-:=,\" 是否决".contains(c)),
            "{what}: unexpected formula {part}!{r}: {f}"
        );
    }
}

fn names_of(l: &Loaded) -> Vec<String> {
    l.campaign.units.iter().map(|u| u.name.clone()).collect()
}

fn injection_campaign(dir: &Path) -> (PathBuf, Loaded) {
    let camp = campaign_file(dir, &injection_units(), "");
    let l = campaign::load(Some(&camp)).unwrap();
    (camp, l)
}

/// The XLSX kaohe writes (filled forms and results), made in process: no
/// Typst involved.
#[test]
fn injection_is_text_in_every_xlsx() {
    let dir = tmp();
    let (_, l) = injection_campaign(dir.path());
    let forms = injection_forms(&l);
    // Filled forms read back: the reasons are kept exactly.
    for f in &forms {
        let bytes = workbook_for(&l, f);
        let (back, problems) = ingest::read_bytes(&bytes, "f.xlsx", &l);
        assert!(problems.iter().all(|p| !p.error), "{problems:?}");
        assert_eq!(marked(&back.unwrap().entries), f.entries);
        let mut wanted: Vec<String> = f.entries.values().map(|e| e.reason.clone()).collect();
        wanted.push(format!("被考核单位：{}", f.unit));
        assert_text_cells(&format!("filled/{}.xlsx", f.unit), &bytes, &wanted);
    }
    let units = kaohe::cmd::score::score_forms(&l, &forms).unwrap();
    let results = kaohe::workbook::results::workbook(&l, &units).unwrap();
    let mut wanted = names_of(&l);
    wanted.push("是：=cmd|' /C calc'!A0".into());
    assert_text_cells("results.xlsx", &results, &wanted);
    for u in &l.campaign.units {
        let b = blank::workbook(&l, u).unwrap();
        assert_text_cells("blank", &b, &[format!("被考核单位：{}", u.name)]);
    }
    let schedule = kaohe::cmd::schedule::xlsx(&l).unwrap();
    assert_text_cells("schedule.xlsx", &schedule, &names_of(&l));
}

struct Scored {
    out: PathBuf,
    output: Output,
    loaded: Loaded,
    forms: Vec<Filled>,
}

/// `kaohe score` on the injection campaign, once.
fn injection_run() -> &'static Scored {
    static RUN: OnceLock<Scored> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = shared_dir("score");
        let (camp, l) = injection_campaign(&dir);
        let forms = injection_forms(&l);
        let inputs = dir.join("returned").tap_mkdir();
        for f in &forms {
            std::fs::write(
                inputs.join(format!("{}.xlsx", safe_file_name(&f.unit))),
                workbook_for(&l, f),
            )
            .unwrap();
        }
        let out = dir.join("out");
        let output = kaohe([
            OsStr::new("score"),
            inputs.as_os_str(),
            "--campaign".as_ref(),
            camp.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        Scored {
            out,
            output,
            loaded: l,
            forms,
        }
    })
}

#[test]
fn injection_written_by_score_is_text() {
    let s = injection_run();
    assert_eq!(s.output.status.code(), Some(0), "{}", show(&s.output));
    for f in &s.forms {
        let p = s
            .out
            .join(format!("filled/{}.xlsx", safe_file_name(&f.unit)));
        let bytes = std::fs::read(&p).unwrap();
        let wanted: Vec<String> = f.entries.values().map(|e| e.reason.clone()).collect();
        assert_text_cells(&p.display().to_string(), &bytes, &wanted);
    }
    let results = std::fs::read(s.out.join("results.xlsx")).unwrap();
    let names: Vec<String> = s
        .loaded
        .campaign
        .units
        .iter()
        .map(|u| u.name.clone())
        .collect();
    assert_text_cells("results.xlsx", &results, &names);
    let json = std::fs::read_to_string(s.out.join("results.json")).unwrap();
    assert!(json.contains("=cmd|' /C calc'!A0"));
}

fn pdf_text(p: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(p)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        o.status.success(),
        "pdftotext {}: {}",
        p.display(),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// The text of the 扣分原因 column of a filled sheet, top to bottom.
/// Plain pdftotext interleaves a wrapped cell with its neighbours' lines;
/// here the words are taken by position (`pdftotext -bbox`): those from
/// the left edge of the column (where "①扣…分：" lines start) rightwards.
fn reasons_column(p: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(p)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(o.status.success(), "pdftotext -bbox {}", p.display());
    let attr = |line: &str, name: &str| -> f64 {
        let k = format!("{name}=\"");
        let i = line.find(&k).unwrap() + k.len();
        line[i..i + line[i..].find('"').unwrap()].parse().unwrap()
    };
    let mut words: Vec<(usize, f64, f64, String)> = Vec::new();
    let mut page = 0;
    for line in text(&o.stdout).lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let gt = rest.find('>').unwrap();
            let word = xml_unescape(rest[gt + 1..].trim_end_matches("</word>"));
            words.push((page, attr(line, "xMin"), attr(line, "yMin"), word));
        }
    }
    let starts = |w: &str| {
        let mut cs = w.chars();
        matches!(cs.next(), Some('①'..='⑳')) && cs.next() == Some('扣')
    };
    let x0 = words
        .iter()
        .filter(|w| starts(&w.3))
        .map(|w| w.1)
        .fold(f64::INFINITY, f64::min);
    assert!(x0.is_finite(), "{}: no deduction printed", p.display());
    // up to the 得分 column, which stands right of the reasons
    let x1 = words
        .iter()
        .filter(|w| w.3 == "得分")
        .map(|w| w.1)
        .fold(f64::INFINITY, f64::min);
    let mut col: Vec<&(usize, f64, f64, String)> = words
        .iter()
        .filter(|w| w.1 >= x0 - 1.0 && w.1 < x1 - 6.0)
        .collect();
    col.sort_by(|a, b| {
        (a.0, (a.2 * 10.0).round() as i64)
            .cmp(&(b.0, (b.2 * 10.0).round() as i64))
            .then(a.1.total_cmp(&b.1))
    });
    col.iter().map(|w| w.3.as_str()).collect()
}

/// Needs the Typst templates: kept apart so that a template under repair
/// does not hide the XLSX results above.
#[test]
fn injection_prints_literally_in_pdf() {
    let s = injection_run();
    assert_eq!(s.output.status.code(), Some(0), "{}", show(&s.output));
    for f in &s.forms {
        let p = s
            .out
            .join(format!("filled/{}.pdf", safe_file_name(&f.unit)));
        let t = squeeze(&pdf_text(&p));
        let column = reasons_column(&p);
        for e in f.entries.values() {
            assert!(
                column.contains(&squeeze(&e.reason)),
                "{}: {:?} not printed literally",
                p.display(),
                e.reason
            );
        }
        assert!(t.contains(&squeeze(&f.unit)), "{}", p.display());
        assert!(
            !t.contains("root:x:0:0"),
            "{}: /etc/passwd was read",
            p.display()
        );
    }
    let circ = squeeze(&pdf_text(&s.out.join("circular.pdf")));
    for u in &s.loaded.campaign.units {
        assert!(circ.contains(&squeeze(&u.name)), "circular: {}", u.name);
    }
}

// ===================================================== 4–6. runs and archive

/// Two demo runs into two folders, shared by the tests below.
struct Demos {
    a: PathBuf,
    b: PathBuf,
    took: Duration,
}

fn demos() -> &'static Demos {
    static D: OnceLock<Demos> = OnceLock::new();
    D.get_or_init(|| {
        let dir = shared_dir("demo");
        let (a, b) = (dir.join("a"), dir.join("b"));
        let t = Instant::now();
        for d in [&a, &b] {
            let o = kaohe([OsStr::new("demo"), "--out".as_ref(), d.as_os_str()]);
            assert_eq!(o.status.code(), Some(0), "{}", show(&o));
        }
        Demos {
            a,
            b,
            took: t.elapsed() / 2,
        }
    })
}

#[test]
fn reproducible_demo() {
    let d = demos();
    let (a, b) = (snapshot(&d.a), snapshot(&d.b));
    assert_eq!(a["manifest.json"], b["manifest.json"], "manifests differ");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(differ.is_empty(), "files differ: {differ:?}");
    // The manifest lists every file, and nothing else is there.
    let m = Manifest::read(&d.a).unwrap();
    let listed: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    let present: Vec<&str> = a
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "manifest.json" && *k != ".kaohe.lock")
        .collect();
    assert_eq!(listed, present);
    assert_eq!(m.campaign, "zhongwei-2018");
    // the units' self-assessments and the 考核组's forms, 25 of each
    assert_eq!(m.inputs.len(), 50);
    assert_eq!(m.rubrics.len(), 2);
    println!("demo: {:.1?} a run", d.took);
}

#[test]
fn outputs_are_readable_like_any_file() {
    // Temporary files are created 0600; the renamed outputs must not stay so.
    use std::os::unix::fs::PermissionsExt;
    let d = demos();
    for rel in [
        "manifest.json",
        "results.json",
        "circular.pdf",
        "results.xlsx",
    ] {
        let mode = std::fs::metadata(d.a.join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o044, 0o044, "{rel} has mode {mode:o}");
    }
}

fn verify_cli(dir: &Path) -> Output {
    kaohe([OsStr::new("verify"), dir.as_os_str()])
}

#[test]
fn verify_catches_every_change() {
    let d = demos();
    let dir = tmp();
    let x = dir.path().join("archive");
    copy_dir(&d.a, &x);
    // Clean.
    let o = verify_cli(&x);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let m = Manifest::read(&x).unwrap();
    assert!(text(&o.stdout).contains(&format!(
        "{}: {} 个文件与清单一致（考核 zhongwei-2018，kaohe {}）",
        x.display(),
        m.files.len(),
        m.kaohe
    )));
    let summary = |missing, changed, extra| {
        format!(
            "kaohe: {}: 与清单不一致：缺失 {missing} 个，改动 {changed} 个，多出 {extra} 个\n",
            x.display()
        )
    };
    // One changed byte in a PDF, an XLSX and results.json.
    let pdf = m
        .files
        .iter()
        .find(|f| f.path.starts_with("filled/") && f.path.ends_with(".pdf"))
        .unwrap();
    for rel in [
        pdf.path.as_str(),
        "results.xlsx",
        "results.json",
        "circular.pdf",
    ] {
        let p = x.join(rel);
        let good = std::fs::read(&p).unwrap();
        let mut bad = good.clone();
        let i = bad.len() / 2;
        bad[i] ^= 0x01;
        std::fs::write(&p, &bad).unwrap();
        let o = verify_cli(&x);
        assert_eq!(o.status.code(), Some(1), "{rel}: {}", show(&o));
        assert_eq!(text(&o.stdout), format!("已改动：{rel}\n"));
        assert_eq!(text(&o.stderr), summary(0, 1, 0));
        std::fs::write(&p, &good).unwrap();
    }
    // Deleted.
    let rel = "schedule.ics";
    let good = std::fs::read(x.join(rel)).unwrap();
    std::fs::remove_file(x.join(rel)).unwrap();
    let o = verify_cli(&x);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), format!("缺失：{rel}\n"));
    assert_eq!(text(&o.stderr), summary(1, 0, 0));
    std::fs::write(x.join(rel), &good).unwrap();
    // Extra, at the top and in a folder.
    for rel in ["extra.pdf", "filled/extra.xlsx"] {
        std::fs::write(x.join(rel), b"not kaohe's").unwrap();
        let o = verify_cli(&x);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(text(&o.stdout), format!("多出：{rel}\n"));
        assert_eq!(text(&o.stderr), summary(0, 0, 1));
        std::fs::remove_file(x.join(rel)).unwrap();
    }
    // Same size, one byte: every archived file, checked in process.
    let mut rng = SplitMix(5);
    for f in &m.files {
        let p = x.join(&f.path);
        let good = std::fs::read(&p).unwrap();
        let mut bad = good.clone();
        let i = rng.below(bad.len() as u64) as usize;
        bad[i] = bad[i].wrapping_add(1 + rng.below(255) as u8);
        std::fs::write(&p, &bad).unwrap();
        let (_, r) = archive::verify(&x).unwrap();
        assert_eq!(r.changed, std::slice::from_ref(&f.path), "{}", f.path);
        assert!(r.missing.is_empty() && r.extra.is_empty());
        std::fs::write(&p, &good).unwrap();
    }
    assert!(archive::verify(&x).unwrap().1.is_clean());
    assert_eq!(verify_cli(&x).status.code(), Some(0));
}

/// A manifest is data from the archive itself: a path in it that leaves the
/// folder must not make a file elsewhere count as archived.
#[test]
fn verify_stays_inside_the_archive() {
    let dir = tmp();
    let x = dir.path().join("archive").tap_mkdir();
    std::fs::write(dir.path().join("outside.txt"), b"outside").unwrap();
    std::fs::write(x.join("a.txt"), b"a").unwrap();
    let entry = |p: &str, b: &[u8]| archive::FileEntry {
        path: p.into(),
        size: b.len() as u64,
        sha256: archive::sha256_hex(b),
    };
    let outside = dir.path().join("outside.txt").display().to_string();
    for bad in ["../outside.txt", outside.as_str()] {
        let m = Manifest {
            kaohe: "0.1.0".into(),
            campaign: "zhongwei-2018".into(),
            files: vec![entry("a.txt", b"a"), entry(bad, b"outside")],
            ..Default::default()
        };
        std::fs::write(x.join("manifest.json"), m.to_bytes()).unwrap();
        let o = verify_cli(&x);
        assert_eq!(o.status.code(), Some(1), "{bad}: {}", show(&o));
        assert!(text(&o.stdout).contains(bad), "{bad}: {}", show(&o));
    }
    // No manifest at all.
    let empty = dir.path().join("empty").tap_mkdir();
    let o = verify_cli(&empty);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "kaohe: {}: 无法读取：",
            empty.join("manifest.json").display()
        )),
        "{}",
        show(&o)
    );
}

#[test]
fn second_run_stops_while_locked() {
    let dir = tmp();
    let out = dir.path().join("out").tap_mkdir();
    let lock = archive::lock(&out).unwrap();
    let before = snapshot(&out);
    let o = kaohe([OsStr::new("schedule"), "--out".as_ref(), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert_eq!(
        text(&o.stderr),
        format!(
            "kaohe: {}: 另一个 kaohe 正在写入这个输出目录，请等它结束后再运行\n",
            out.display()
        )
    );
    assert_eq!(snapshot(&out), before);
    // In process too, and released on drop.
    let again = archive::lock(&out).err().expect("locked twice");
    assert!(
        again
            .to_string()
            .contains("另一个 kaohe 正在写入这个输出目录")
    );
    drop(lock);
    drop(archive::lock(&out).expect("free again"));
}

#[test]
fn killed_run_leaves_previous_outputs() {
    let d = demos();
    let dir = tmp();
    let x = dir.path().join("archive");
    copy_dir(&d.a, &x);
    let before = snapshot(&x);
    // The run is killed (SIGKILL, by the failpoints feature the tests build
    // kaohe with) when it writes its 10th file into the staging folder
    // beside the output folder: the PDFs are added batch by batch while the
    // rest of the 200 units are still being typeset.
    let o = kaohe_cmd([
        OsStr::new("demo"),
        "--units".as_ref(),
        "200".as_ref(),
        "--out".as_ref(),
        x.as_os_str(),
    ])
    .env("KAOHE_FAILPOINT", "10")
    .output()
    .unwrap();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(o.status.signal(), Some(libc::SIGKILL), "{}", show(&o));
    }
    assert!(
        text(&o.stderr).ends_with("kaohe: failpoint 10 (write)\n"),
        "{}",
        show(&o)
    );
    let staging = dir.path().join(".archive.kaohe-new");
    // Every earlier output is byte-identical, and nothing new is there.
    assert_eq!(snapshot(&x), before);
    assert!(staging.exists(), "the killed run's staging folder is left");
    assert!(archive::verify(&x).unwrap().1.is_clean());
    // The next run cleans it up and leaves a clean archive.
    let o = kaohe([OsStr::new("schedule"), "--out".as_ref(), x.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(!staging.exists());
    assert!(tmp_files(&x).is_empty(), "{:?}", tmp_files(&x));
    assert!(archive::verify(&x).unwrap().1.is_clean());
}

#[test]
fn failed_score_leaves_previous_outputs() {
    // A run that fails (one bad form among good ones) writes nothing.
    let d = demos();
    let dir = tmp();
    let x = dir.path().join("archive");
    copy_dir(&d.a, &x);
    let before = snapshot(&x);
    let inputs = dir.path().join("in").tap_mkdir();
    for (rel, bytes) in &before {
        if let Some(name) = rel.strip_prefix("returned/") {
            std::fs::write(inputs.join(name), bytes).unwrap();
        }
    }
    let victim = std::fs::read_dir(&inputs)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    std::fs::write(&victim, b"").unwrap();
    let o = kaohe([
        OsStr::new("score"),
        inputs.as_os_str(),
        "--out".as_ref(),
        x.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(text(&o.stderr).contains(&format!("{}: 错误：文件是空的（0 字节）", victim.display())));
    assert_eq!(snapshot(&x), before);
}
