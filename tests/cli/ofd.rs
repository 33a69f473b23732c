//! OFD (GB/T 33190) beside the PDFs, read back by two independent readers:
//! the `ofd-core` crate (parse, structural check, rendering) and the
//! `ofdkit` Python package (text runs with positions in mm, through
//! `tests/data/ofd_runs.py`; .ci/run installs it). Positions and pages are
//! compared with the PDF of the same layout, read with poppler-utils.

use crate::gbt::{find_piece, pdf_pages, pdf_pixels, strip};
use crate::support::campaign_text;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const PT_PER_MM: f64 = 72.0 / 25.4;

fn kaohe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn builtin_campaign() -> PathBuf {
    root().join("src/builtin/zhongwei-2018.toml")
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kaohe demo --ofd`, once for all tests of this file.
fn demo() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kaohe-ofd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        run_ok(kaohe().args(["demo", "-q", "--ofd", "--out"]).arg(&dir));
        dir
    })
}

fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(found, "{name} is needed (.ci/run installs it)");
    Command::new(name)
}

fn filled_pdfs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(demo().join("filled"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    v.sort();
    v
}

/// The documents that have an OFD twin: (pdf, ofd).
fn twins() -> Vec<(PathBuf, PathBuf)> {
    let mut v = vec![demo().join("notice.pdf"), demo().join("circular.pdf")];
    v.extend(filled_pdfs());
    v.into_iter()
        .map(|p| {
            let o = p.with_extension("ofd");
            (p, o)
        })
        .collect()
}

#[test]
fn ofd_beside_the_notice_the_circular_and_every_filled_sheet() {
    let filled = filled_pdfs();
    assert!(filled.len() >= 20, "{} filled sheets", filled.len());
    for (pdf, ofd) in twins() {
        assert!(ofd.is_file(), "{} has no OFD beside it", pdf.display());
    }
    // Only those: the blank tables and the schedule stay PDF only.
    for dir in [demo().to_path_buf(), demo().join("blank")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ofd") {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    name == "notice.ofd" || name == "circular.ofd",
                    "unexpected {}",
                    p.display()
                );
            }
        }
    }
    // In the manifest, and checked by verify.
    let manifest = std::fs::read_to_string(demo().join("manifest.json")).unwrap();
    assert!(manifest.contains("\"notice.ofd\""));
    assert!(manifest.contains("\"circular.ofd\""));
    assert!(manifest.contains("\"filled/市公安局.ofd\""));
    let copy = tempfile::tempdir().unwrap();
    run_ok(Command::new("cp").arg("-r").arg(demo()).arg(copy.path()));
    let dir = copy.path().join(demo().file_name().unwrap());
    run_ok(kaohe().arg("verify").arg(&dir));
    let target = dir.join("circular.ofd");
    let mut bytes = std::fs::read(&target).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let out = kaohe().arg("verify").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已改动：circular.ofd"));
}

#[test]
fn ofd_core_reads_and_checks_every_ofd_with_the_pdfs_pages() {
    for (pdf, ofd) in twins() {
        let report = ofd_core::check_path(&ofd);
        assert!(
            report.conforms(),
            "{}: {:?}",
            ofd.display(),
            report.problems
        );
        let mut reader = ofd_core::OfdReader::open(&ofd).unwrap();
        let body = reader.ofd().doc_bodies[0].clone();
        let doc = reader.load_document(&body).unwrap();
        let sizes: Vec<(f64, f64)> = pdf_pages(&pdf).iter().map(|p| p.shown()).collect();
        assert_eq!(
            doc.pages().len(),
            sizes.len(),
            "{}: page count",
            ofd.display()
        );
        for (i, page_ref) in doc.pages().iter().enumerate() {
            let page = reader.load_page(&doc, page_ref).unwrap();
            let b = &page
                .area
                .as_ref()
                .expect("every page has its area")
                .physical_box;
            let (w, h) = sizes[i];
            assert!(
                (b.width * PT_PER_MM - w).abs() < 0.1 && (b.height * PT_PER_MM - h).abs() < 0.1,
                "{} page {}: {} x {} mm, PDF {w} x {h} pt",
                ofd.display(),
                i + 1,
                b.width,
                b.height
            );
        }
    }
}

/// The entries of a zip file.
fn unzip(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            (f.name().unwrap().to_string(), v)
        })
        .collect()
}

#[test]
fn fonts_are_embedded_subsets_and_the_ofd_stays_small() {
    for (pdf, ofd) in twins() {
        let files = unzip(&ofd);
        let get = |name: &str| {
            files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| panic!("{}: no {name}", ofd.display()))
        };
        let public = String::from_utf8(get("Doc_0/PublicRes.xml")).unwrap();
        let fonts: Vec<&str> = public.split("<ofd:FontFile>").skip(1).collect();
        assert!(!fonts.is_empty(), "{}: no font", ofd.display());
        for f in fonts {
            let file = &f[..f.find("</ofd:FontFile>").unwrap()];
            let data = get(&format!("Doc_0/Res/{file}"));
            assert!(
                data.starts_with(b"OTTO") || data.starts_with(&[0, 1, 0, 0]),
                "{file} is an OpenType font"
            );
            // A subset (the Fandol fonts are 2-9 MB) that maps characters.
            assert!(data.len() < 1_500_000, "{file}: {} bytes", data.len());
            let tables = u16::from_be_bytes([data[4], data[5]]) as usize;
            let tags: Vec<&[u8]> = (0..tables)
                .map(|i| &data[12 + 16 * i..16 + 16 * i])
                .collect();
            assert!(tags.contains(&b"cmap".as_slice()), "{file} has a cmap");
        }
        let (a, b) = (
            std::fs::metadata(&ofd).unwrap().len(),
            std::fs::metadata(&pdf).unwrap().len(),
        );
        assert!(a <= 2 * b, "{}: {a} bytes, PDF {b}", ofd.display());
    }
}

#[test]
fn the_same_inputs_give_the_same_ofd() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        kaohe()
            .args(["notice", "-q", "--ofd", "--campaign"])
            .arg(builtin_campaign())
            .arg("--out")
            .arg(dir.path()),
    );
    assert_eq!(
        std::fs::read(dir.path().join("notice.ofd")).unwrap(),
        std::fs::read(demo().join("notice.ofd")).unwrap(),
        "notice.ofd is reproducible"
    );
}

#[test]
fn the_campaign_asks_for_ofd_with_output_ofd() {
    let dir = tempfile::tempdir().unwrap();
    // Without --ofd or [output] ofd = true: PDF only.
    let plain = dir.path().join("plain");
    run_ok(
        kaohe()
            .args(["notice", "-q", "--campaign"])
            .arg(builtin_campaign())
            .arg("--out")
            .arg(&plain),
    );
    assert!(plain.join("notice.pdf").is_file());
    assert!(!plain.join("notice.ofd").exists());
    // A campaign file with [output] ofd = true.
    let mut text = campaign_text(|_| None);
    text.push_str("\n[output]\nofd = true\n");
    let campaign = dir.path().join("campaign.toml");
    std::fs::write(&campaign, text).unwrap();
    let out = dir.path().join("out");
    run_ok(
        kaohe()
            .args(["notice", "-q", "--campaign"])
            .arg(&campaign)
            .arg("--out")
            .arg(&out),
    );
    assert!(out.join("notice.ofd").is_file());
}

/// What ofdkit reads: (info, pages of (box, runs of (text, x, y, size))).
struct Read {
    info: serde_json::Value,
    pages: Vec<Vec<(String, f64, f64, f64)>>,
}

fn ofdkit(ofd: &Path) -> Read {
    let out = Command::new("python3")
        .arg(root().join("tests/data/ofd_runs.py"))
        .arg(ofd)
        .output()
        .expect("python3 with ofdkit is needed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "ofdkit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        v["warnings"]
    );
    let pages = v["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["runs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r[0].as_str().unwrap().to_string(),
                        r[1].as_f64().unwrap(),
                        r[2].as_f64().unwrap(),
                        r[3].as_f64().unwrap(),
                    )
                })
                .collect()
        })
        .collect();
    Read {
        info: v["info"].clone(),
        pages,
    }
}

#[test]
fn ofdkit_finds_every_sentence_of_the_seed_and_the_metadata() {
    let read = ofdkit(&demo().join("notice.ofd"));
    assert_eq!(
        read.info["title"],
        "市安委会办公室关于对全市2018年度安全生产工作进行考核的通知"
    );
    assert_eq!(read.info["author"], "中卫市安全生产委员会办公室");
    assert_eq!(read.info["creation_date"], "2018-11-02");
    assert_eq!(read.info["doc_id"].as_str().unwrap().len(), 32);
    let text: String = read.pages.iter().flatten().map(|r| strip(&r.0)).collect();
    let seed = std::fs::read_to_string(root().join("tests/data/seed-2018.txt")).unwrap();
    let mut pos = 0;
    let mut checked = 0;
    let mut recent: Vec<String> = Vec::new();
    for raw in seed.split(['\n', '\t']) {
        let piece = strip(raw);
        if piece.chars().count() < 2 || recent.contains(&piece) {
            continue;
        }
        recent.push(piece.clone());
        if recent.len() > 8 {
            recent.remove(0);
        }
        if piece.chars().count() < 6 || piece == "（此件公开发布）" {
            // Short cells, and the 附注 (under the date in GB/T 9704, after
            // the attachments in the seed): present.
            assert!(text.contains(&piece), "“{piece}” not in notice.ofd");
            continue;
        }
        match find_piece(&text, &piece, pos) {
            Some(start) => pos = start + piece.chars().next().unwrap().len_utf8(),
            None => panic!("“{piece}” is missing or out of order in notice.ofd (from {pos})"),
        }
        checked += 1;
    }
    assert!(checked > 250, "{checked} pieces checked");
}

/// Words of a PDF page from `pdftotext -bbox`: (text, xMin, yMin, xMax, yMax) in mm.
fn pdf_words(pdf: &Path, page: usize) -> Vec<(String, f64, f64, f64, f64)> {
    let out = tool("pdftotext")
        .args(["-bbox", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f64 {
        let k = format!("{name}=\"");
        let s = &tag[tag.find(&k).unwrap() + k.len()..];
        s[..s.find('"').unwrap()].parse::<f64>().unwrap() / PT_PER_MM
    };
    xml.split("<word ")
        .skip(1)
        .map(|w| {
            let close = w.find('>').unwrap();
            let tag = &w[..close];
            let text = w[close + 1..w.find("</word>").unwrap()].to_string();
            (
                text,
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            )
        })
        .collect()
}

/// A font's ascent and descent around the baseline, in em: OS/2
/// sTypoAscender and sTypoDescender over unitsPerEm, which the PDF's
/// FontDescriptor carries and poppler spans a word's box with.
fn metrics(font: &str) -> (f64, f64) {
    let d = std::fs::read(root().join("fonts").join(font)).unwrap();
    let u16at = |o: usize| u16::from_be_bytes([d[o], d[o + 1]]);
    let u32at = |o: usize| u32::from_be_bytes([d[o], d[o + 1], d[o + 2], d[o + 3]]) as usize;
    let table = |tag: &[u8]| {
        (0..u16at(4) as usize)
            .map(|i| 12 + 16 * i)
            .find(|r| &d[*r..*r + 4] == tag)
            .map(|r| u32at(r + 8))
            .unwrap()
    };
    let upem = u16at(table(b"head") + 18) as f64;
    let os2 = table(b"OS/2");
    (
        u16at(os2 + 68) as i16 as f64 / upem,
        -(u16at(os2 + 70) as i16 as f64) / upem,
    )
}

/// The baseline of a PDF word (mm) from its box: the box spans ascent to
/// descent of the font at the word's size.
fn pdf_baseline(w: &(String, f64, f64, f64, f64), font: &str) -> f64 {
    let (ascent, descent) = metrics(font);
    let size = (w.4 - w.2) / (ascent + descent);
    w.4 - descent * size
}

/// Checks that the text `what` starts at the same place in both: the OFD
/// run's pen position and baseline against the PDF word's box (its left
/// edge is the pen position; its bottom lies the font's descent below the
/// baseline), within 0.5 mm.
fn same_place(pdf: &Path, read: &Read, page: usize, what: &str, font: &str) {
    let words = pdf_words(pdf, page);
    let w = words
        .iter()
        .find(|w| w.0.starts_with(what))
        .unwrap_or_else(|| panic!("“{what}” not on page {page} of the PDF"));
    let r = read.pages[page - 1]
        .iter()
        .find(|r| strip(&r.0).starts_with(what))
        .unwrap_or_else(|| panic!("“{what}” not on page {page} of the OFD"));
    assert!(
        (w.1 - r.1).abs() <= 0.5,
        "“{what}” p.{page}: x {:.2} mm in the OFD, {:.2} in the PDF",
        r.1,
        w.1
    );
    let pdf_baseline = pdf_baseline(w, font);
    assert!(
        (pdf_baseline - r.2).abs() <= 0.5,
        "“{what}” p.{page}: baseline {:.2} mm in the OFD, {:.2} in the PDF",
        r.2,
        pdf_baseline
    );
}

#[test]
fn masthead_page_numbers_and_signature_where_the_pdf_has_them() {
    let pdf = demo().join("notice.pdf");
    let read = ofdkit(&demo().join("notice.ofd"));
    same_place(
        &pdf,
        &read,
        1,
        "中卫市安全生产委员会办公室",
        "FandolSong-Bold.otf",
    );
    same_place(&pdf, &read, 1, "卫安办发", "FandolFang-Regular.otf");
    let pages = pdf_pages(&pdf).len();
    assert_eq!(read.pages.len(), pages);
    for p in [1, 2, 3] {
        let words = pdf_words(&pdf, p);
        // The page number: the last word on the page holding its number.
        let num = p.to_string();
        let w = words
            .iter()
            .rev()
            .find(|w| w.0 == num || w.0.contains(&format!("{num}—")) || w.0 == format!("—{num}—"))
            .unwrap_or_else(|| panic!("no page number on page {p} of the PDF"));
        let r = read.pages[p - 1]
            .iter()
            .rev()
            .find(|r| strip(&r.0).contains(&num) && r.2 > 260.0)
            .unwrap_or_else(|| panic!("no page number on page {p} of the OFD"));
        let pdf_baseline = pdf_baseline(w, "FandolSong-Regular.otf");
        assert!(
            (pdf_baseline - r.2).abs() <= 0.5,
            "page number of page {p}: baseline {:.2} mm in the OFD, {pdf_baseline:.2} in the PDF",
            r.2
        );
    }
    // The signature: the issuer above the date, on the page that has them.
    let sig = (1..=pages)
        .find(|p| {
            pdf_words(&pdf, *p)
                .iter()
                .any(|w| w.0.starts_with("2018年11月2日"))
        })
        .expect("成文日期 in the PDF");
    same_place(&pdf, &read, sig, "2018年11月2日", "FandolFang-Regular.otf");
    same_place(
        &pdf,
        &read,
        sig,
        "中卫市安全生产委员会办公室",
        "FandolFang-Regular.otf",
    );
}

#[test]
fn page_one_rendered_by_ofd_core_matches_the_pdf() {
    const DPI: u32 = 100;
    let (w, h, pdf) = pdf_pixels(&demo().join("notice.pdf"), 1, DPI);
    let mut reader = ofd_core::OfdReader::open(demo().join("notice.ofd")).unwrap();
    let body = reader.ofd().doc_bodies[0].clone();
    let doc = reader.load_document(&body).unwrap();
    let pix = reader
        .render_page(&doc, 0, &ofd_core::RenderOptions::with_dpi(DPI as f64))
        .unwrap();
    let (ow, oh) = (pix.width() as usize, pix.height() as usize);
    assert!(
        ow.abs_diff(w) <= 1 && oh.abs_diff(h) <= 1,
        "{ow}x{oh} vs {w}x{h}"
    );
    let ofd: Vec<[u8; 3]> = pix.data().chunks(4).map(|c| [c[0], c[1], c[2]]).collect();
    let (cw, ch) = (w.min(ow), h.min(oh));
    let at = |v: &Vec<[u8; 3]>, stride: usize, x: usize, y: usize| v[y * stride + x];
    let ink = |c: [u8; 3]| (c[0] as u32 + c[1] as u32 + c[2] as u32) < 3 * 160;
    let red = |c: [u8; 3]| c[0] > 180 && c[1] < 90 && c[2] < 90;
    // Every ink pixel of one has ink within 1 px in the other.
    let near =
        |v: &Vec<[u8; 3]>, stride: usize, x: usize, y: usize, f: &dyn Fn([u8; 3]) -> bool| {
            (y.saturating_sub(1)..=(y + 1).min(ch - 1)).any(|yy| {
                (x.saturating_sub(1)..=(x + 1).min(cw - 1)).any(|xx| f(at(v, stride, xx, yy)))
            })
        };
    let (mut inked, mut missed, mut extra) = (0usize, 0usize, 0usize);
    let (mut red_pdf, mut red_ofd) = (0usize, 0usize);
    let mut red_rows_pdf = vec![0usize; ch];
    let mut red_rows_ofd = vec![0usize; ch];
    for y in 0..ch {
        for x in 0..cw {
            let (a, b) = (at(&pdf, w, x, y), at(&ofd, ow, x, y));
            if ink(a) {
                inked += 1;
                if !near(&ofd, ow, x, y, &ink) {
                    missed += 1;
                }
            }
            if ink(b) && !near(&pdf, w, x, y, &ink) {
                extra += 1;
            }
            if red(a) {
                red_pdf += 1;
                red_rows_pdf[y] += 1;
            }
            if red(b) {
                red_ofd += 1;
                red_rows_ofd[y] += 1;
            }
        }
    }
    assert!(inked > 10_000, "page 1 has ink ({inked} px)");
    assert!(
        missed * 100 < inked * 2 && extra * 100 < inked * 2,
        "page 1: {missed} ink pixels of the PDF missing in the OFD, {extra} extra, of {inked}"
    );
    assert!(
        red_pdf > 1000 && red_ofd.abs_diff(red_pdf) * 10 < red_pdf,
        "red: {red_ofd} px in the OFD, {red_pdf} in the PDF"
    );
    // The red separator: the row with the most red, in both, within 0.5 mm.
    let line = |rows: &Vec<usize>| (0..ch).max_by_key(|y| (rows[*y], *y)).unwrap();
    let (lp, lo) = (line(&red_rows_pdf), line(&red_rows_ofd));
    let mm = lp.abs_diff(lo) as f64 * 25.4 / DPI as f64;
    assert!(
        red_rows_pdf[lp] > w / 2 && mm <= 0.5,
        "red line at row {lo} in the OFD, {lp} in the PDF ({mm:.2} mm)"
    );
}
