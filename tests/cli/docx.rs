//! notice.docx and circular.docx: opened and printed to PDF by LibreOffice
//! (headless, with the bundled fonts installed for it as an office PC has
//! its fonts), the result meets the same GB/T 9704 checks and carries the
//! same text as the Typst PDF (tests/cli/gbt.rs); the parts read back
//! from the zip carry the page, grid, fonts and footers; a second run gives
//! the same bytes; a round trip through LibreOffice keeps the text.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::gbt::{self, LEFT, MM, Origin, TOP, WIDTH, close, pages};
use crate::support::campaign_text;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn campaign() -> PathBuf {
    root().join("src/builtin/zhongwei-2018.toml")
}

/// The demo's output folder, made once for all tests of this file.
fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::support::shared_dir("docx").join("demo");
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

/// A private home whose fonts folder holds the bundled fonts, so that
/// LibreOffice (through fontconfig) finds them as installed fonts.
fn office_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = demo().join("office-home");
        let fonts = home.join(".fonts");
        std::fs::create_dir_all(&fonts).unwrap();
        for e in std::fs::read_dir(root().join("fonts")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "otf") {
                let _ = std::os::unix::fs::symlink(&p, fonts.join(p.file_name().unwrap()));
            }
        }
        home
    })
}

/// LibreOffice converts `files` into `out` as `format` (pdf, docx).
fn soffice(files: &[PathBuf], format: &str, out: &Path) {
    let found = Command::new("sh")
        .args(["-c", "command -v soffice"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "soffice is needed: apt-get install libreoffice-writer-nogui (.ci/run does)"
    );
    // one LibreOffice at a time on one profile
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let home = office_home();
    let status = Command::new("soffice")
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .arg(format!(
            "-env:UserInstallation=file://{}",
            home.join("profile").display()
        ))
        .args(["--headless", "--norestore", "--convert-to"])
        // printed two-sided: the blank page an even-page break inserts
        // before the 版记 page is printed too ("Export automatically
        // inserted blank pages", whose filter option is IsSkipEmptyPages)
        .arg(if format == "pdf" {
            r#"pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}"#
        } else {
            format
        })
        .arg("--outdir")
        .arg(out)
        .args(files)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// notice.docx and circular.docx printed to PDF by LibreOffice, once.
fn printed(name: &str) -> PathBuf {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    let dir = DONE.get_or_init(|| {
        let out = demo().join("printed");
        std::fs::create_dir_all(&out).unwrap();
        soffice(
            &[demo().join("notice.docx"), demo().join("circular.docx")],
            "pdf",
            &out,
        );
        out
    });
    let pdf = dir.join(name).with_extension("pdf");
    assert!(pdf.exists(), "LibreOffice printed {}", pdf.display());
    pdf
}

/// Every part of a DOCX, by name.
fn parts(docx: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        out.insert(
            f.name().unwrap().to_string(),
            String::from_utf8_lossy(&bytes).to_string(),
        );
    }
    out
}

/// The elements `<tag .../>` or `<tag ...>` in `xml`, as their opening tags.
fn tags<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let s = from + i;
        let after = xml.as_bytes()[s + open.len()];
        let e = s + xml[s..].find('>').unwrap() + 1;
        if matches!(after, b' ' | b'/' | b'>') {
            out.push(&xml[s..e]);
        }
        from = e;
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let s = tag.find(&key)? + key.len();
    Some(&tag[s..s + tag[s..].find('"')?])
}

/// The text of a part's runs, paragraph by paragraph.
fn paragraphs(xml: &str) -> Vec<String> {
    xml.split("</w:p>")
        .map(|p| {
            let mut text = String::new();
            for chunk in p.split("<w:t").skip(1) {
                let Some(gt) = chunk.find('>') else { continue };
                if chunk[..gt].ends_with('/') {
                    continue;
                }
                let body = &chunk[gt + 1..];
                if let Some(end) = body.find("</w:t>") {
                    text.push_str(&body[..end]);
                }
            }
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .filter(|t| !t.trim().is_empty())
        .collect()
}

/// Where LibreOffice starts the lines: it lays out whole cells of the
/// document grid and centres them in the text block, 22 lines of 579 twips
/// (28.95 pt) in 225 mm and 28 characters of 315 twips (its rounding of
/// the 15.79 pt pitch) in 156 mm: 0.45 pt down and 0.6 pt right. Word and
/// WPS start the grid on the block's corner.
fn lo_origin() -> Origin {
    Origin {
        dx: (WIDTH - 28.0 * 15.75) / 2.0,
        dy: (gbt::HEIGHT - 22.0 * 28.95) / 2.0,
    }
}

#[test]
fn notice_docx_printed_by_libreoffice_meets_gbt9704() {
    let pdf = printed("notice");
    let o = lo_origin();
    gbt::head_title_and_sizes_at(&pdf, o);
    gbt::the_mark_and_the_separator_are_red(&pdf);
    gbt::page_numbers_on_the_outer_side(&pdf);
    // the 版记's table is centred on the text block, not on the grid
    gbt::colophon_on_an_even_last_page(&pdf);
    colophon_on_the_foot_of_an_even_last_page(&pdf);
    // Page 2 is all body text: 22 lines at the pitch. An exact line puts
    // its baseline at 80 % of its height, so the glyphs of the first line
    // stand 0.8 × 28.95 − 0.88 × 16 = 9.08 pt under the top of its line,
    // as in Word and WPS with the same grid (Typst puts them on it).
    // LibreOffice writes coordinates in tenths of a point.
    gbt::a_full_page_has_22_lines_at(&pdf, 2, 0.8 * 28.95 - 0.88 * 16.0 + o.dy, 0.1);
    inside_the_text_block(&pdf);
}

/// The 版记 on the foot of the last page, which is even (7.4, 7.5): its last
/// line, 印发, on the text block's last line; a page left blank by the
/// even-page break, if any, right before it and without a page number.
fn colophon_on_the_foot_of_an_even_last_page(pdf: &Path) {
    let ps = pages(pdf);
    assert_eq!(ps.len() % 2, 0, "the last page is even: {}", ps.len());
    for (i, p) in ps.iter().enumerate().take(ps.len() - 1) {
        if p.lines.is_empty() {
            assert_eq!(i + 2, ps.len(), "page {} blank", i + 1);
        }
    }
    let last = ps.last().unwrap();
    let printed = last.find("印发").expect("印发 on the last page");
    // in LibreOffice's grid the rule under it is 0.45 pt above the foot
    assert!(
        printed.y1 > TOP + gbt::HEIGHT - 28.95 && printed.y1 < TOP + gbt::HEIGHT,
        "印发 on the last line of the text block: {}",
        printed.y1
    );
}

/// Every page A4 and all text inside the text block, but for a closing
/// punctuation mark that LibreOffice lets hang past the right edge (its
/// Asian typography default; Word and WPS keep it inside).
fn inside_the_text_block(pdf: &Path) {
    for (i, p) in pages(pdf).iter().enumerate() {
        let (w, h) = if p.width < p.height {
            (p.width, p.height)
        } else {
            (p.height, p.width)
        };
        assert!(
            close(w, 210.0 * MM, 0.5) && close(h, 297.0 * MM, 0.5),
            "page {} is A4",
            i + 1
        );
        if p.width > p.height {
            continue;
        }
        for wd in p
            .lines
            .iter()
            .flatten()
            .filter(|w| w.y0 < TOP + gbt::HEIGHT)
        {
            let hang = if wd
                .text
                .ends_with(['；', '，', '。', '、', '：', '）', '》'])
            {
                16.5
            } else {
                0.0
            };
            assert!(
                wd.x0 >= LEFT - 8.5,
                "page {}: {:?} left of the block",
                i + 1,
                wd.text
            );
            assert!(
                wd.x1 <= LEFT + WIDTH + 8.5 + hang,
                "page {}: {:?} past the block: {}",
                i + 1,
                wd.text,
                wd.x1
            );
            assert!(
                wd.y0 >= TOP - 1.0 && wd.y1 <= TOP + gbt::HEIGHT + 1.0,
                "page {}: {:?} outside vertically",
                i + 1,
                wd.text
            );
        }
    }
}

#[test]
fn notice_docx_printed_by_libreoffice_has_every_sentence_of_the_seed() {
    gbt::every_sentence_of_the_seed_in_order(&printed("notice"));
}

#[test]
fn circular_docx_printed_by_libreoffice_keeps_the_format() {
    let pdf = printed("circular");
    inside_the_text_block(&pdf);
    let ps = pages(&pdf);
    gbt::page_numbers_on_the_outer_side(&pdf);
    colophon_on_the_foot_of_an_even_last_page(&pdf);
    let last = ps.last().unwrap();
    let cc = last.find("抄送：").expect("版记 on the last page");
    assert!(
        close(cc.height(), 14.0, 0.05),
        "版记 14 pt: {}",
        cc.height()
    );
    assert!(
        close(cc.x0, LEFT + 14.0, 0.6),
        "抄送 one character in: {}",
        cc.x0
    );
    // the ranking is there, whole: every unit of the campaign once
    let text = gbt::strip(
        &ps.iter()
            .map(|p| {
                (0..p.lines.len())
                    .map(|i| p.line_text(i))
                    .collect::<String>()
            })
            .collect::<String>(),
    );
    let toml = std::fs::read_to_string(campaign()).unwrap();
    let units: Vec<&str> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.split('"').next())
        .filter(|n| n.ends_with("局") || n.ends_with("政府") || n.ends_with("管委会"))
        .collect();
    assert!(units.len() >= 20, "{units:?}");
    for u in units {
        assert!(text.contains(u), "{u} in the ranking");
    }
    let first = &ps[0];
    let mark = first.find("中卫市安全生产委员会办公室文件").expect("标志");
    assert!(
        close(mark.y0, TOP + lo_origin().dy + 35.0 * MM, 0.5),
        "标志 35 mm down: {}",
        mark.y0
    );
    assert!(close((mark.x0 + mark.x1) / 2.0, LEFT + WIDTH / 2.0, 0.5));
}

#[test]
fn page_grid_fonts_and_footers_in_the_parts() {
    for name in ["notice.docx", "circular.docx"] {
        let p = parts(&demo().join(name));
        let doc = &p["word/document.xml"];
        // every section: A4, the text block's margins, 22 lines a page
        let sects = tags(doc, "w:pgSz");
        assert!(sects.len() >= 3, "{name}: sections {}", sects.len());
        for (sz, mar) in sects.iter().zip(tags(doc, "w:pgMar")) {
            let land = attr(sz, "w:orient") == Some("landscape");
            let (w, h) = if land {
                ("16838", "11906")
            } else {
                ("11906", "16838")
            };
            assert_eq!(
                (attr(sz, "w:w"), attr(sz, "w:h")),
                (Some(w), Some(h)),
                "{name}: A4"
            );
            let m = |k| attr(mar, k).unwrap().parse::<i64>().unwrap();
            // 37 / 26 / 35 / 28 mm in twips (turned on landscape pages)
            let want = if land {
                [1587, 2098, 1474, 1984]
            } else {
                [2098, 1474, 1984, 1587]
            };
            assert_eq!(
                [m("w:top"), m("w:right"), m("w:bottom"), m("w:left")],
                want,
                "{name}: margins"
            );
        }
        // 22 lines of 28 characters: the grid of every section but the
        // 版记's page (which has no body text); the character pitch is
        // counted from the Normal style's 16 pt (ECMA-376 17.6.5), which
        // LibreOffice reads from that style alone, not the defaults
        let grids = tags(doc, "w:docGrid");
        assert_eq!(grids.len(), sects.len() - 1, "{name}: grids");
        for g in grids {
            assert_eq!(attr(g, "w:type"), Some("linesAndChars"));
            assert_eq!(attr(g, "w:linePitch"), Some("579"), "225 mm / 22");
            let cs: f64 = attr(g, "w:charSpace").unwrap().parse().unwrap();
            let pitch = (16.0 + cs / 4096.0) * 20.0;
            assert!(28.0 * pitch <= 8844.0 && 29.0 * pitch > 8844.0, "{pitch}");
        }
        let styles = &p["word/styles.xml"];
        let normal = &styles[styles.find("w:styleId=\"Normal\"").unwrap()..];
        let normal = &normal[..normal.find("</w:style>").unwrap()];
        assert!(normal.contains("<w:sz w:val=\"32\"/>"), "{normal}");
        // the text does not snap to it: 16 pt characters 0.3 pt tighter
        // make 28 a line in Word, WPS and LibreOffice alike
        assert!(
            doc.matches("<w:spacing w:val=\"-6\"/><w:sz w:val=\"32\"/>")
                .count()
                > 5
        );
        // every run of text names its fonts, East Asian included; no theme fonts
        let fonts = ["FandolSong", "FandolFang R", "FandolHei", "FandolKai"];
        for part in ["word/document.xml", "word/footer1.xml", "word/footer2.xml"] {
            let xml = &p[part];
            assert!(!xml.contains("Theme"), "{name} {part}: theme fonts");
            let runs: Vec<&str> = xml.split("<w:r>").skip(1).collect();
            assert!(!runs.is_empty());
            for r in runs {
                let r = &r[..r.find("</w:r>").unwrap()];
                if !r.contains("<w:t") {
                    continue;
                }
                let f = tags(r, "w:rFonts");
                assert_eq!(f.len(), 1, "{name} {part}: a run without fonts: {r}");
                let ea = attr(f[0], "w:eastAsia").unwrap();
                assert!(fonts.contains(&ea), "{name}: {ea}");
                assert_eq!(attr(f[0], "w:ascii"), Some(ea));
                assert!(tags(r, "w:sz").len() == 1, "{name}: a run without a size");
            }
        }
        // 16 pt body, 22 pt title, 14 pt page numbers
        assert!(doc.contains("<w:sz w:val=\"32\"/>") && doc.contains("<w:sz w:val=\"44\"/>"));
        // odd and even footers: "— PAGE —" in 14 pt 宋体, outer side, one character in
        assert!(p["word/settings.xml"].contains("<w:evenAndOddHeaders/>"));
        for (part, jc, ind) in [
            ("word/footer1.xml", "right", "w:right=\"280\""),
            ("word/footer2.xml", "left", "w:left=\"280\""),
        ] {
            let f = &p[part];
            assert!(f.contains(&format!("<w:jc w:val=\"{jc}\"/>")), "{part}");
            assert!(f.contains(ind), "{part}");
            assert!(f.contains(" PAGE ") && f.contains("— ") && f.contains(" —"));
            assert!(f.contains("w:eastAsia=\"FandolSong\"") && f.contains("<w:sz w:val=\"28\"/>"));
        }
        let rels = &p["word/_rels/document.xml.rels"];
        for s in tags(doc, "w:sectPr") {
            let _ = s;
        }
        assert_eq!(
            doc.matches("<w:footerReference w:type=\"even\"").count(),
            tags(doc, "w:sectPr").len()
        );
        assert!(rels.contains("footer1.xml") && rels.contains("footer2.xml"));
        // every table but the 版记 and the circular's charts (borderless)
        // repeats its header row
        let tables = doc.matches("<w:tbl>").count();
        let charts = doc.matches("得分情况</w:t>").count();
        assert_eq!(
            charts,
            if name == "circular.docx" { 2 } else { 0 },
            "{name}: charts"
        );
        assert_eq!(
            doc.matches("<w:tblHeader/>").count(),
            tables - 1 - charts,
            "{name}"
        );
        // merged label cells
        if name == "notice.docx" {
            assert!(doc.contains("<w:vMerge w:val=\"restart\"/>") && doc.contains("<w:vMerge/>"));
            assert!(doc.contains("<w:gridSpan w:val=\"2\"/>"));
        }
        // properties: title, the issuer as author, the campaign's date
        let core = &p["docProps/core.xml"];
        assert!(core.contains("<dc:creator>中卫市安全生产委员会办公室</dc:creator>"));
        assert!(core.contains("<cp:lastModifiedBy>中卫市安全生产委员会办公室</cp:lastModifiedBy>"));
        let date = if name == "notice.docx" {
            "2018-11-02"
        } else {
            "2018-12-10"
        };
        assert_eq!(
            core.matches(&format!(">{date}T00:00:00Z<")).count(),
            2,
            "{name}: {core}"
        );
        assert!(core.contains("<dc:title>") && !core.contains("<dc:title></dc:title>"));
    }
}

#[test]
fn the_same_inputs_give_the_same_docx_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["notice", "-q", "--campaign"])
        .arg(campaign())
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = std::fs::read(dir.path().join("notice.docx")).unwrap();
    assert_eq!(
        again,
        std::fs::read(demo().join("notice.docx")).unwrap(),
        "notice.docx is reproducible"
    );
    // zip entries dated from the campaign (2018-11-02), not the clock
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(again)).unwrap();
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day()),
            (2018, 11, 2),
            "{:?}",
            f.name()
        );
    }
}

/// The widths of a part's tables: their `w:gridCol`s, table by table.
fn grid_columns(xml: &str) -> Vec<Vec<i64>> {
    xml.split("<w:tblGrid>")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</w:tblGrid>").unwrap()];
            tags(t, "w:gridCol")
                .iter()
                .map(|c| attr(c, "w:w").unwrap().parse().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn a_round_trip_through_libreoffice_keeps_the_text_tables_footers_and_properties() {
    let out = demo().join("round-trip");
    std::fs::create_dir_all(&out).unwrap();
    soffice(&[demo().join("notice.docx")], "docx", &out);
    let ours = parts(&demo().join("notice.docx"));
    let theirs = parts(&out.join("notice.docx"));
    let (doc, saved) = (&ours["word/document.xml"], &theirs["word/document.xml"]);
    let before = paragraphs(doc);
    let after = gbt::strip(&paragraphs(saved).concat());
    assert!(before.len() > 100, "{} paragraphs", before.len());
    for p in before {
        let p = gbt::strip(&p);
        assert!(after.contains(&p), "lost in the round trip: {p}");
    }
    // the landscape attachment sections
    let landscape = |xml: &str| {
        tags(xml, "w:pgSz")
            .iter()
            .filter(|t| attr(t, "w:orient") == Some("landscape"))
            .count()
    };
    assert_eq!(landscape(doc), 2);
    assert_eq!(landscape(saved), 2, "landscape sections kept");
    // header rows repeated, merged cells, the same column widths (LibreOffice
    // rounds through 1/100 mm: a twip either way)
    assert_eq!(
        saved.matches("<w:tblHeader").count(),
        doc.matches("<w:tblHeader/>").count(),
        "repeated header rows kept"
    );
    // (a merge of one cell, which LibreOffice drops, has no continuation)
    assert_eq!(
        saved.matches("<w:vMerge w:val=\"continue\"/>").count()
            + saved.matches("<w:vMerge/>").count(),
        doc.matches("<w:vMerge/>").count(),
        "merged cells kept"
    );
    assert_eq!(
        saved.matches("<w:gridSpan w:val=\"2\"/>").count(),
        doc.matches("<w:gridSpan w:val=\"2\"/>").count(),
        "cells spanning two columns kept"
    );
    let (a, b) = (grid_columns(doc), grid_columns(saved));
    assert_eq!(a.len(), b.len(), "{a:?} {b:?}");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.len(), y.len(), "{x:?} {y:?}");
        for (p, q) in x.iter().zip(y) {
            assert!((p - q).abs() <= 2, "column {p} became {q}");
        }
    }
    // odd and even footers: "— PAGE —" on each side
    assert!(theirs["word/settings.xml"].contains("<w:evenAndOddHeaders/>"));
    for kind in ["default", "even"] {
        let refs: Vec<&str> = tags(saved, "w:footerReference")
            .into_iter()
            .filter(|t| attr(t, "w:type") == Some(kind))
            .collect();
        assert!(!refs.is_empty(), "{kind} footers kept");
    }
    let footers: Vec<&String> = theirs
        .iter()
        .filter(|(k, _)| k.starts_with("word/footer"))
        .map(|(_, v)| v)
        .collect();
    assert!(
        footers
            .iter()
            .all(|f| f.contains("PAGE") && f.contains("— ") && f.contains(" —")),
        "page numbers in every footer"
    );
    // the properties: the issuer as author, the campaign's date at
    // midnight, no user name, no clock time
    let core = &theirs["docProps/core.xml"];
    assert!(
        core.contains("<dc:creator>中卫市安全生产委员会办公室</dc:creator>"),
        "{core}"
    );
    assert!(
        core.contains("<cp:lastModifiedBy>中卫市安全生产委员会办公室</cp:lastModifiedBy>"),
        "{core}"
    );
    assert_eq!(core.matches(">2018-11-02T00:00:00Z<").count(), 2, "{core}");
    assert_eq!(
        core.matches("xsi:type=\"dcterms:W3CDTF\">").count(),
        2,
        "no other time: {core}"
    );
    let user = std::env::var("USER").unwrap_or_default();
    if !user.is_empty() {
        assert!(!core.contains(&format!(">{user}<")), "{core}");
    }
}

/// The rubric tables of the attachments printed by LibreOffice have the
/// column rules of the Typst PDF's, to the pixel (72 dpi).
#[test]
fn libreoffice_prints_the_tables_with_the_pdfs_column_widths() {
    let lo = printed("notice");
    let typst = demo().join("notice.pdf");
    // the first page of each attachment
    let first = |pdf: &Path, label: &str| {
        pages(pdf)
            .iter()
            .position(|p| (0..p.lines.len()).any(|i| p.line_text(i) == label))
            .unwrap_or_else(|| panic!("{label} in {}", pdf.display()))
            + 1
    };
    for label in ["附件1", "附件2", "附件3"] {
        // the rules on the first page of the attachment that has its table:
        // the attachment's own first page, or the next one when the table's
        // first row moved whole off the title's page (the Typst PDF does this
        // since rows that fit move whole; a known fault of issue 10)
        let rules_on = |pdf: &Path, page: usize| {
            let (w, h, px) = gbt::pdf_pixels(pdf, page, 72);
            // columns of pixels dark over a third of the page: the rules
            (0..w)
                .filter(|x| {
                    let (mut run, mut best) = (0, 0);
                    for y in 0..h {
                        if px[y * w + x][0] < 128 {
                            run += 1;
                            best = best.max(run);
                        } else {
                            run = 0;
                        }
                    }
                    best * 3 > h
                })
                .collect::<Vec<usize>>()
        };
        let rules = |pdf: &Path| {
            let page = first(pdf, label);
            let here = rules_on(pdf, page);
            if here.len() >= 4 {
                here
            } else {
                rules_on(pdf, page + 1)
            }
        };
        let (a, b) = (rules(&typst), rules(&lo));
        assert!(a.len() >= 4, "{label}: rules {a:?}");
        assert_eq!(a.len(), b.len(), "{label}: {a:?} {b:?}");
        for (x, y) in a.iter().zip(&b) {
            assert!(x.abs_diff(*y) <= 1, "{label}: {a:?} {b:?}");
        }
    }
}

#[test]
fn python_docx_reads_pages_footers_header_rows_and_fonts() {
    let script = root().join("tests/data/docx_check.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(demo().join("notice.docx"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3-docx is needed (.ci/run installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = v["sections"].as_array().unwrap();
    // the body, two landscape rubrics, the schedule, the 版记
    assert_eq!(sections.len(), 5, "{sections:?}");
    for s in sections {
        let land = s["width"].as_f64() > s["height"].as_f64();
        let (w, h) = if land { (297.0, 210.0) } else { (210.0, 297.0) };
        assert!(
            close(s["width"].as_f64().unwrap(), w, 0.1)
                && close(s["height"].as_f64().unwrap(), h, 0.1)
        );
        let m = |k: &str| s[k].as_f64().unwrap();
        let want = if land {
            [28.0, 26.0, 35.0, 37.0]
        } else {
            [37.0, 35.0, 28.0, 26.0]
        };
        for (k, x) in ["top", "bottom", "left", "right"].iter().zip(want) {
            assert!(close(m(k), x, 0.1), "{k}: {} mm", m(k));
        }
        assert_eq!(s["odd_footer"].as_str().unwrap().replace(' ', ""), "—1—");
        assert_eq!(s["even_footer"].as_str().unwrap().replace(' ', ""), "—1—");
    }
    let tables = v["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 4, "two rubrics, the schedule, the 版记");
    for t in &tables[..3] {
        assert_eq!(t["header_rows"], 1, "{t}");
        assert!(t["rows"].as_u64().unwrap() > 10);
    }
    assert_eq!(v["runs_without_font"], 0);
    let fonts = v["fonts"].as_object().unwrap();
    for f in ["FandolSong", "FandolFang R", "FandolHei", "FandolKai"] {
        assert!(fonts.contains_key(f), "{f} used: {fonts:?}");
    }
    assert_eq!(v["author"], "中卫市安全生产委员会办公室");
    assert!(
        v["created"]
            .as_str()
            .unwrap()
            .starts_with("2018-11-02T00:00:00")
    );
}

// ------------------------------------------------ the seal and the 版头 (7.2, 7.3.5.1)

/// A PNG of `w` × `w` RGBA pixels from `px(x, y)`, written by hand (zlib
/// stored blocks), so the test needs no image library.
fn png(w: u32, px: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= *b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    let mut raw = Vec::new();
    for y in 0..w {
        raw.push(0);
        for x in 0..w {
            raw.extend(px(x, y));
        }
    }
    let mut z = vec![0x78, 0x01];
    for (i, chunk) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(last as u8);
        let n = chunk.len() as u16;
        z.extend(n.to_le_bytes());
        z.extend((!n).to_le_bytes());
        z.extend(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for x in &raw {
        a = (a + *x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(w.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    out
}

/// A red seal: a ring and a disc in its middle, transparent elsewhere.
fn seal_png() -> Vec<u8> {
    png(240, |x, y| {
        let (dx, dy) = (x as f64 - 119.5, y as f64 - 119.5);
        let r = (dx * dx + dy * dy).sqrt();
        if (106.0..=119.0).contains(&r) || r <= 20.0 {
            [230, 0, 18, 255]
        } else {
            [0, 0, 0, 0]
        }
    })
}

/// A campaign folder with a seal and every optional 版头 element.
fn sealed_campaign(dir: &Path, seal: &str) -> PathBuf {
    std::fs::write(dir.join("印章.png"), seal_png()).unwrap();
    let mut section = String::new();
    let out = campaign_text(|line| {
        if line.starts_with('[') {
            section = line.to_string();
        }
        if section == "[issuer]" && line.starts_with("mark = ") {
            return Some(format!(
                "{line}\nseal = \"{seal}\"\nseal_size = 42\njoint = [\"中卫市应急管理局\"]"
            ));
        }
        if section == "[notice]" && line.starts_with("number = ") {
            return Some(format!(
                "{line}\ncopy_no = \"000001\"\nsecrecy = \"秘密★1年\"\nurgency = \"特急\"\nsigner = \"张龙\""
            ));
        }
        None
    });
    let file = dir.join("kaohe.toml");
    std::fs::write(&file, out).unwrap();
    file
}

fn kaohe(args: &[&str], campaign: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .arg("-q")
        .arg("--campaign")
        .arg(campaign)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The box of the line of `p` whose text (without spaces) contains `text`.
fn line_box(p: &gbt::Page, text: &str) -> Option<gbt::Word> {
    p.lines.iter().find_map(|l| {
        let joined: String = l.iter().map(|w| w.text.as_str()).collect();
        joined.contains(text).then(|| gbt::Word {
            x0: l.iter().map(|w| w.x0).fold(f64::MAX, f64::min),
            y0: l.iter().map(|w| w.y0).fold(f64::MAX, f64::min),
            x1: l.iter().map(|w| w.x1).fold(f64::MIN, f64::max),
            y1: l.iter().map(|w| w.y1).fold(f64::MIN, f64::max),
            text: joined,
        })
    })
}

/// Red pixels of page `n` (72 dpi, one per point) as their bounding box.
fn red_box(pdf: &Path, n: usize, below: f64) -> Option<(f64, f64, f64, f64)> {
    let (w, px) = gbt::pixels(pdf, n);
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for (i, c) in px.iter().enumerate() {
        let (x, y) = ((i % w) as f64, (i / w) as f64);
        if y > below && c[0] > 200 && c[1] < 80 && c[2] < 80 {
            b = Some(match b {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            });
        }
    }
    b
}

#[test]
fn a_sealed_notice_with_every_head_element_in_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let file = sealed_campaign(dir.path(), "印章.png");
    let out = dir.path().join("out");
    let o = kaohe(&["notice"], &file, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("notice.pdf");
    let ps = pages(&pdf);
    let p = &ps[0];
    let pitch = gbt::HEIGHT / 22.0;
    // 份号, 密级, 紧急程度 on lines 1–3, flush left (7.2.1–7.2.3)
    for (i, t) in ["000001", "秘密★1年", "特急"].iter().enumerate() {
        let w = p.find(t).unwrap_or_else(|| panic!("{t} on page 1"));
        assert!(close(w.x0, LEFT, 0.5), "{t} flush left: {}", w.x0);
        assert!(
            close(w.y0, TOP + i as f64 * pitch, 0.6),
            "{t} on line {}: {}",
            i + 1,
            w.y0
        );
    }
    // 联合行文: names stacked, 文件 right of them, vertically centred
    let lead = p.find("中卫市安全生产委员会办公室").expect("lead issuer");
    let other = p.find("中卫市应急管理局").expect("joint issuer");
    let wenjian = p.find("文件").expect("文件");
    assert!(
        close(lead.y0, TOP + 35.0 * MM, 0.5),
        "标志 35 mm down: {}",
        lead.y0
    );
    assert!(other.y0 > lead.y1, "joint issuer under the lead");
    assert!(
        wenjian.x0 > lead.x1.max(other.x1) - 1.0,
        "文件 to the right"
    );
    let mid = (lead.y0 + other.y1) / 2.0;
    assert!(
        close((wenjian.y0 + wenjian.y1) / 2.0, mid, 1.0),
        "文件 vertically centred"
    );
    assert!(lead.x0 >= LEFT - 0.5 && wenjian.x1 <= LEFT + WIDTH + 0.5);
    // 签发人: 发文字号 one character in from the left, 签发人 one in from the right
    let number = p.find("卫安办发〔2018〕110号").expect("发文字号");
    let cw = WIDTH / 28.0;
    assert!(
        close(number.x0, LEFT + cw, 0.6),
        "发文字号 one character in: {}",
        number.x0
    );
    let signer = p.find("张龙").expect("签发人 name");
    assert!(
        close(signer.x1, LEFT + WIDTH - cw, 1.0),
        "签发人 one character in from the right: {}",
        signer.x1
    );
    assert!(
        close(signer.y0, number.y0, 0.5),
        "签发人 on the 发文字号's line"
    );
    // the seal on the signature page: red, 42 mm, centred over the date,
    // its top within one line of the body, the date 4 characters in
    let (si, sp) = ps
        .iter()
        .enumerate()
        .find(|(_, p)| p.find("2018年11月2日").is_some() && p.find("（此件公开发布）").is_some())
        .expect("the signature page");
    let date = sp.find("2018年11月2日").unwrap();
    assert!(
        close(date.x1, LEFT + WIDTH - 4.0 * cw, 1.0),
        "date 4 characters in: {}",
        date.x1
    );
    let issuer = sp
        .lines
        .iter()
        .flatten()
        .rfind(|w| w.text.contains("中卫市安全生产委员会办公室") && w.y0 < date.y0)
        .expect("署名");
    let centre = (date.x0 + date.x1) / 2.0;
    assert!(
        close((issuer.x0 + issuer.x1) / 2.0, centre, 1.0),
        "issuer centred over the date"
    );
    let body_bottom = sp
        .lines
        .iter()
        .flatten()
        .filter(|w| w.y1 < issuer.y0 - 1.0)
        .map(|w| w.y1)
        .fold(0.0, f64::max);
    let (x0, y0, x1, y1) = red_box(&pdf, si + 1, body_bottom - 1.0).expect("a red seal");
    assert!(
        close(x1 - x0, 42.0 * MM, 3.0) && close(y1 - y0, 42.0 * MM, 3.0),
        "42 mm: {x0} {y0} {x1} {y1}"
    );
    assert!(
        close((x0 + x1) / 2.0, centre, 2.0),
        "seal centred over the date"
    );
    assert!(
        y0 >= body_bottom - 1.0 && y0 - body_bottom <= pitch,
        "seal top within one line of the body: {y0} vs {body_bottom}"
    );
    let text_mid = (issuer.y0 + date.y1) / 2.0;
    assert!(
        (y0 + y1) / 2.0 <= text_mid + 0.5,
        "署名 and date a little below the seal's centre"
    );
    assert!(y1 > date.y1, "the seal covers the date");
}

#[test]
fn the_seal_reaches_the_docx_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let file = sealed_campaign(dir.path(), "印章.png");
    let plain = dir.path().join("plain");
    let o = kaohe(&["notice"], &file, &plain);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = parts(&plain.join("notice.docx"));
    assert!(
        !p.contains_key("word/media/seal.png") && !p["word/document.xml"].contains("<w:drawing>")
    );
    // the head elements are in the DOCX too
    let doc = &p["word/document.xml"];
    for t in [
        "000001",
        "秘密★1年",
        "特急",
        "签发人：",
        "张龙",
        "中卫市应急管理局",
    ] {
        assert!(doc.contains(t), "{t} in notice.docx");
    }
    let sealed = dir.path().join("sealed");
    let o = kaohe(&["notice", "--seal-in-docx"], &file, &sealed);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let docx = sealed.join("notice.docx");
    let p = parts(&docx);
    assert_eq!(
        std::fs::read(dir.path().join("印章.png")).unwrap(),
        std::fs::read({
            let mut z = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
            let mut f = z.by_name("word/media/seal.png").unwrap();
            let t = dir.path().join("extracted.png");
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            std::fs::write(&t, b).unwrap();
            t
        })
        .unwrap()
    );
    assert!(p["word/document.xml"].contains("r:embed=\"rIdSeal\""));
    // printed by LibreOffice: a red seal of 42 mm below the body on the signature page
    let printed = sealed.join("printed");
    std::fs::create_dir_all(&printed).unwrap();
    soffice(&[docx], "pdf", &printed);
    let pdf = printed.join("notice.pdf");
    let ps = pages(&pdf);
    let (si, sp) = ps
        .iter()
        .enumerate()
        .find(|(_, p)| p.find("（此件公开发布）").is_some())
        .expect("the signature page");
    let date = line_box(sp, "2018年11月2日").expect("the date");
    let (x0, y0, x1, y1) = red_box(&pdf, si + 1, 0.0).expect("a red seal");
    assert!(
        close(x1 - x0, 42.0 * MM, 3.0) && close(y1 - y0, 42.0 * MM, 3.0),
        "42 mm: {x0} {y0} {x1} {y1}"
    );
    assert!(
        close((x0 + x1) / 2.0, (date.x0 + date.x1) / 2.0, 10.0),
        "centred over the date: seal {x0}..{x1}, date {}..{}",
        date.x0,
        date.x1
    );
    assert!(y0 < date.y0 && y1 > date.y1, "over the date");
}

#[test]
fn a_missing_or_unreadable_seal_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = sealed_campaign(dir.path(), "没有这个印章.png");
    let o = kaohe(&["notice"], &file, &dir.path().join("out"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("没有这个印章.png") && err.contains("文件不存在"),
        "{err}"
    );
    assert!(!dir.path().join("out/notice.pdf").exists());
    std::fs::write(dir.path().join("坏印章.png"), b"not a picture").unwrap();
    let file = sealed_campaign(dir.path(), "坏印章.png");
    let o = kaohe(&["notice"], &file, &dir.path().join("out"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("坏印章.png") && err.contains("PNG"), "{err}");
    assert!(!err.is_ascii());
}

/// The circular's DOCX draws each group's bar chart natively under the
/// ranking (no image file): after "…得分情况", a table whose bar rows hold
/// one shaded cell per unit, in the ranking's order, spanning as many of
/// the bar area's grid columns as the unit's score is above the axis' low
/// end (the PDF's axis: from ten below the lowest score's tens to the
/// highest's tens, at least 100), the score beside it.
#[test]
fn the_circular_docx_draws_the_bar_charts_as_shaded_cells() {
    let out = demo();
    let xml = &parts(&out.join("circular.docx"))["word/document.xml"];
    assert!(
        !xml.contains("<w:drawing") && !xml.contains("<pic:"),
        "no picture"
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let units = v["units"].as_array().unwrap();
    let l = kaohe::campaign::load(None).unwrap();
    let mut charts = 0;
    for r in &l.rubrics {
        let group = kaohe::render::docs::group_name(&l, &r.id);
        let mut mine: Vec<&serde_json::Value> = units
            .iter()
            .filter(|u| u["rubric"] == r.id.as_str())
            .collect();
        mine.sort_by_key(|u| u["rank"].as_u64().unwrap());
        let at = xml
            .find(&format!("{group}得分情况"))
            .unwrap_or_else(|| panic!("no chart of {group}"));
        let tbl = &xml[at..at + xml[at..].find("</w:tbl>").unwrap()];
        let grid = tags(tbl, "w:gridCol").len();
        let n = (grid - 2) as f64;
        let scores: Vec<f64> = mine.iter().map(|u| u["score"].as_f64().unwrap()).collect();
        let hi = (scores.iter().copied().fold(100.0, f64::max) / 10.0).ceil() * 10.0;
        let lo = ((scores.iter().copied().fold(f64::MAX, f64::min) / 10.0).floor() * 10.0 - 10.0)
            .max(0.0);
        let bars: Vec<f64> = tbl
            .split("<w:tc>")
            .filter(|c| c.contains("w:fill=\"5A5A5A\"") || c.contains("w:fill=\"C8C8C8\""))
            .map(|c| {
                tags(c, "w:gridSpan")
                    .first()
                    .and_then(|t| attr(t, "w:val"))
                    .map_or(1.0, |s| s.parse().unwrap())
            })
            .collect();
        assert_eq!(bars.len(), mine.len(), "{group}: one bar per unit");
        for (b, (u, s)) in bars.iter().zip(mine.iter().zip(&scores)) {
            let want = (s - lo) / (hi - lo) * n;
            assert!(
                (b - want).abs() <= 1.0,
                "{group}: {} scored {s}, its bar spans {b} of {n} columns, not {want}",
                u["unit"]
            );
            let label = squeeze_num(*s);
            assert!(
                tbl.contains(&format!(">{label}")),
                "{group}: the score {label} beside its bar"
            );
        }
        charts += 1;
    }
    assert_eq!(charts, 2);
}

/// A score as printed ("95", "88.5").
fn squeeze_num(s: f64) -> String {
    let t = format!("{s}");
    t.trim_end_matches(".0").to_string()
}
