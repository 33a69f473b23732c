//! GB/T 9704-2012 conformance and text fidelity, measured on the PDFs kaohe
//! writes: positions and sizes from `pdftotext -bbox-layout`, colours from
//! pixels (`pdftoppm`), fonts from `pdffonts`, structure from `qpdf`. The
//! tools come from poppler-utils and qpdf (installed by .ci/run).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::gbt::{self, LEFT, WIDTH, close, pages};
use crate::support::{BUILTIN, campaign_copy, kaohe_in, tool};

/// The demo's output folder, made once for all tests of this binary (under
/// target/tmp, removed by the next run).
pub(crate) fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::support::shared_dir("documents").join("demo");
        let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .args(["demo", "-q", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn notice() -> PathBuf {
    demo().join("notice.pdf")
}

#[test]
fn paper_margins_and_text_block() {
    gbt::paper_margins_and_text_block(&notice());
}

#[test]
fn a_full_page_has_22_lines_and_a_full_line_28_characters() {
    // Page 2 is all body text.
    gbt::a_full_page_has_22_lines(&notice(), 2, 0.0);
}

#[test]
fn a_full_line_of_hanzi_holds_28_characters() {
    // A campaign whose 考核内容 paragraph is plain hanzi, so that its lines
    // are full lines with nothing to compress.
    let scope = "安全生产责任落实".repeat(12);
    let dir = tempfile::tempdir().unwrap();
    let file = campaign_copy(dir.path(), |l| {
        l.starts_with("scope = ")
            .then(|| format!("scope = \"{scope}\""))
    });
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["notice", "-q", "--campaign"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ps = pages(&dir.path().join("notice.pdf"));
    let mut full = 0;
    for p in &ps[..3] {
        for (i, line) in p.lines.iter().enumerate() {
            let text = p.line_text(i);
            if !scope.contains(&text) || text.chars().count() < 20 {
                continue;
            }
            let (x0, x1) = (line[0].x0, line.last().unwrap().x1);
            if close(x0, LEFT, 0.5) {
                assert_eq!(text.chars().count(), 28, "{text}");
                assert!(
                    close(x1, LEFT + WIDTH, 0.6),
                    "a full line spans the text block: {x1}"
                );
                full += 1;
            }
        }
    }
    assert!(full >= 2, "full lines of the plain paragraph found: {full}");
}

#[test]
fn landscape_attachment_pages() {
    // The rubric tables of the notice (附件1, 附件2) and the ranking table
    // of the circular.
    assert!(gbt::landscape_pages(&notice()) >= 20);
    assert!(gbt::landscape_pages(&demo().join("circular.pdf")) >= 1);
}

#[test]
fn circular_and_schedule_layout() {
    let circular = demo().join("circular.pdf");
    gbt::paper_margins_and_text_block(&circular);
    gbt::page_numbers_on_the_outer_side(&circular);
    gbt::the_mark_and_the_separator_are_red(&circular);
    gbt::a_full_page_has_22_lines(&circular, 2, 0.0);
    let schedule = demo().join("schedule.pdf");
    gbt::paper_margins_and_text_block(&schedule);
    assert_eq!(
        gbt::portrait_page_numbers(&schedule),
        pages(&schedule).len()
    );
}

#[test]
fn head_title_and_sizes() {
    gbt::head_title_and_sizes(&notice());
}

#[test]
fn page_numbers_on_the_outer_side_7mm_below_the_text_block() {
    gbt::page_numbers_on_the_outer_side(&notice());
}

#[test]
fn colophon_on_an_even_last_page() {
    gbt::colophon_on_an_even_last_page(&notice());
    let circular = demo().join("circular.pdf");
    let ps = pages(&circular);
    assert_eq!(ps.len() % 2, 0, "circular.pdf: the last page is even");
    assert!(
        ps.last().unwrap().find("抄送：").is_some(),
        "circular.pdf: 版记 last"
    );
}

#[test]
fn the_mark_and_the_separator_are_red() {
    gbt::the_mark_and_the_separator_are_red(&notice());
}

#[test]
fn only_embedded_subset_fonts_from_fonts_dir() {
    for name in [
        "notice.pdf",
        "circular.pdf",
        "schedule.pdf",
        "filled/市公安局.pdf",
    ] {
        let out = tool("pdffonts").arg(demo().join(name)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let rows: Vec<&str> = text.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{name}: fonts listed");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert!(
                cols[0].contains('+') && cols[0].contains("Fandol"),
                "{name}: {row}"
            );
            let n = cols.len();
            // emb sub uni are the three yes/no columns before the object id
            assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{name}: {row}");
        }
    }
}

#[test]
fn qpdf_finds_no_structural_problem() {
    let mut files = vec![
        demo().join("notice.pdf"),
        demo().join("circular.pdf"),
        demo().join("schedule.pdf"),
        demo().join("filled/海原县人民政府.pdf"),
    ];
    for e in std::fs::read_dir(demo().join("blank")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "pdf") {
            files.push(p);
        }
    }
    for f in files {
        let out = tool("qpdf").arg("--check").arg(&f).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn filled_sheets_are_pdfa_2b() {
    let bytes = std::fs::read(demo().join("filled/市公安局.pdf")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("<pdfaid:part>2</pdfaid:part>"));
    assert!(text.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(
        text.contains("2018-12-10T00:00:00"),
        "dated from the campaign, not the clock"
    );
}

#[test]
fn every_sentence_of_the_seed_is_in_the_notice_in_order() {
    gbt::every_sentence_of_the_seed_in_order(&notice());
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["notice", "-q", "--campaign", BUILTIN, "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let again = std::fs::read(dir.path().join("notice.pdf")).unwrap();
    assert_eq!(
        again,
        std::fs::read(notice()).unwrap(),
        "notice.pdf is reproducible"
    );
}

#[test]
fn fonts_are_built_in_and_folders_only_add_to_them() {
    let dir = tempfile::tempdir().unwrap();
    // From a folder with no fonts/: the built-in fonts.
    let out = kaohe_in(dir.path(), &["schedule", "-q", "--out", "o1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A fonts folder that does not exist: says which one.
    let out = kaohe_in(
        dir.path(),
        &["schedule", "-q", "--fonts", "nowhere", "--out", "o2"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kaohe: 找不到字体目录 nowhere（--fonts）。请确认该目录存在，或不指定它而只用 kaohe 内置的字体。\n"
    );
    assert!(!dir.path().join("o2/schedule.pdf").exists());
    // The same for KAOHE_FONTS, which names itself.
    let nowhere = dir.path().join("nowhere");
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["schedule", "-q", "--campaign", BUILTIN, "--out", "o3"])
        .current_dir(dir.path())
        .env("KAOHE_FONTS", &nowhere)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "kaohe: 找不到字体目录 {}（环境变量 KAOHE_FONTS）。请确认该目录存在，或不指定它而只用 kaohe 内置的字体。\n",
            nowhere.display()
        )
    );
    assert!(!dir.path().join("o3").exists());
    // A folder with one font adds to the built-in ones: same bytes.
    let fonts = dir.path().join("fonts-hei-only");
    std::fs::create_dir(&fonts).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("fonts/FandolHei-Regular.otf"),
        fonts.join("FandolHei-Regular.otf"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["schedule", "-q", "--campaign", BUILTIN, "--out", "o4"])
        .current_dir(dir.path())
        .env("KAOHE_FONTS", &fonts)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(dir.path().join("o1/schedule.pdf")).unwrap(),
        std::fs::read(dir.path().join("o4/schedule.pdf")).unwrap()
    );
    // A file that is no font in a named folder: named.
    std::fs::write(fonts.join("broken.otf"), b"not a font").unwrap();
    let out = kaohe_in(
        dir.path(),
        &["schedule", "-q", "--fonts", "fonts-hei-only", "--out", "o3"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.otf") && err.contains("不是可用的字体文件"),
        "{err}"
    );
}

#[test]
fn a_character_no_font_has_stops_the_run_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // 凊 is in none of the Fandol fonts.
    let file = campaign_copy(dir.path(), |l| {
        l.starts_with("scope = ")
            .then(|| "scope = \"考核内容凊。\"".to_string())
    });
    let out = kaohe_in(
        dir.path(),
        &[
            "notice",
            "-q",
            "--campaign",
            file.to_str().unwrap(),
            "--out",
            "o",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("“凊”(U+51CA"), "{err}");
    assert!(!dir.path().join("o/notice.pdf").exists(), "nothing written");
}

#[test]
fn pdfa_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaohe_in(dir.path(), &["schedule", "-q", "--pdfa", "--out", "o"]);
    assert!(out.status.success());
    let bytes = std::fs::read(dir.path().join("o/schedule.pdf")).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("<pdfaid:part>2</pdfaid:part>"));
    let plain = std::fs::read(demo().join("schedule.pdf")).unwrap();
    assert!(!String::from_utf8_lossy(&plain).contains("pdfaid:part"));
}

/// A group of more units than one page's chart holds (the synthetic
/// campaign's 48 bureaux) is drawn as several charts, the later ones titled
/// （续）, each on the page: every unit's name is in the circular twice, in
/// the ranking and under its bar, and all the text of the landscape pages
/// lies inside the text block. One chart of 48 bars ran off the page.
#[test]
fn a_large_group_s_chart_is_cut_into_charts_that_fit_the_page() {
    let dir = crate::support::shared_dir("documents").join("sixty");
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["demo", "-q", "--units", "60", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let circular = dir.join("circular.pdf");
    assert!(gbt::landscape_pages(&circular) >= 3);
    let o = tool("pdftotext").arg(&circular).arg("-").output().unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    for i in 1..=60 {
        let name = if i % 5 == 1 {
            format!("虚拟县区{i:05}")
        } else {
            format!("虚拟部门{i:05}")
        };
        assert!(text.matches(&name).count() >= 2, "{name}");
    }
    assert_eq!(text.matches("市安委会成员单位得分情况（续）").count(), 1);
    assert_eq!(text.matches("得分情况（续）").count(), 1);
}
