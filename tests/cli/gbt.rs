//! GB/T 9704-2012 checks on a PDF, shared by the tests of the Typst PDFs
//! (tests/documents.rs) and of the DOCX printed by LibreOffice (tests/docx.rs):
//! positions and sizes from `pdftotext -bbox-layout`, colours from pixels
//! (`pdftoppm`).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// How far a word's box reaches above and below its baseline, in em, in
/// `pdf`: Typst writes the fonts' em box (0.88, 0.12); LibreOffice embeds
/// its fonts without an ascent, so poppler gives them its defaults (0.95,
/// 0.35). Words are measured as em boxes either way. Told by the PDF's
/// producer, per file: the tests of one binary print both kinds.
fn word_box(pdf: &Path) -> (f64, f64) {
    let bytes = std::fs::read(pdf).unwrap();
    // the name as text or, as LibreOffice writes it, UTF-16 in hex
    let hex: String = "LibreOffice"
        .chars()
        .map(|c| format!("00{:02X}", c as u8))
        .collect();
    let libreoffice = bytes
        .windows(b"/Producer".len())
        .position(|w| w == b"/Producer")
        .is_some_and(|i| {
            let end = (i + 200).min(bytes.len());
            let after = String::from_utf8_lossy(&bytes[i..end]);
            after.contains("LibreOffice") || after.contains(&hex)
        });
    if libreoffice {
        (0.95, 0.35)
    } else {
        (0.88, 0.12)
    }
}

/// Where the lines and characters of a page start, relative to the text
/// block: Typst and Word put the first line and the line starts on the
/// block's top and left edges; LibreOffice lays out whole cells of the
/// document grid and centres them in the block (`dx`, `dy` points in).
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub dx: f64,
    pub dy: f64,
}

impl Origin {
    pub const BLOCK: Origin = Origin { dx: 0.0, dy: 0.0 };
}

pub const MM: f64 = 72.0 / 25.4;
/// The text block: 37 mm from the top, 28 mm from the left, 156 x 225 mm.
pub const TOP: f64 = 37.0 * MM;
pub const LEFT: f64 = 28.0 * MM;
pub const WIDTH: f64 = 156.0 * MM;
pub const HEIGHT: f64 = 225.0 * MM;

pub fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is needed: apt-get install poppler-utils qpdf (.ci/run does)"
    );
    Command::new(name)
}

#[derive(Debug, Clone)]
pub struct Word {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub text: String,
}

impl Word {
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

#[derive(Debug)]
pub struct Page {
    pub width: f64,
    pub height: f64,
    /// Lines, each the words of one `<line>`.
    pub lines: Vec<Vec<Word>>,
}

impl Page {
    pub fn line_text(&self, i: usize) -> String {
        self.lines[i].iter().map(|w| w.text.as_str()).collect()
    }

    /// The word containing `needle`, or else the words of one line that
    /// together hold it (LibreOffice sets a quarter em between hanzi and
    /// digits, where pdftotext sees a word break), as one box.
    pub fn find(&self, needle: &str) -> Option<Word> {
        if let Some(w) = self
            .lines
            .iter()
            .flatten()
            .find(|w| w.text.contains(needle))
        {
            return Some(w.clone());
        }
        self.lines.iter().find_map(|l| {
            let joined: String = l.iter().map(|w| w.text.as_str()).collect();
            let start = joined.find(needle)?;
            let end = start + needle.len();
            let mut at = 0;
            let mut span: Option<Word> = None;
            for w in l {
                let (a, b) = (at, at + w.text.len());
                at = b;
                if b <= start || a >= end {
                    continue;
                }
                span = Some(match span {
                    None => w.clone(),
                    Some(s) => Word {
                        x0: s.x0.min(w.x0),
                        y0: s.y0.min(w.y0),
                        x1: s.x1.max(w.x1),
                        y1: s.y1.max(w.y1),
                        text: s.text + &w.text,
                    },
                });
            }
            span
        })
    }
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let start = tag.find(&key).unwrap() + key.len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].parse().unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A page's MediaBox in pt and its `/Rotate`, from `pdfinfo`.
#[derive(Clone, Copy, Debug)]
pub struct PageBox {
    pub width: f64,
    pub height: f64,
    pub rot: u32,
}

impl PageBox {
    /// Width and height as a viewer shows the page (turned by `/Rotate`).
    pub fn shown(&self) -> (f64, f64) {
        if self.rot % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// Every page's box and rotation, from `pdfinfo`.
pub fn pdf_pages(pdf: &Path) -> Vec<PageBox> {
    let out = tool("pdfinfo")
        .args(["-f", "1", "-l", "9999"])
        .arg(pdf)
        .output()
        .unwrap();
    assert!(out.status.success(), "pdfinfo {}", pdf.display());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |l: &str, key: &str| l.split(key).nth(1).map(|s| s.trim().to_string());
    let mut boxes = Vec::new();
    for l in text.lines().filter(|l| l.starts_with("Page")) {
        if let Some(s) = field(l, " size: ") {
            let mut it = s.split_whitespace();
            let width: f64 = it.next().unwrap().parse().unwrap();
            it.next();
            let height: f64 = it.next().unwrap().parse().unwrap();
            boxes.push(PageBox {
                width,
                height,
                rot: 0,
            });
        } else if let Some(r) = field(l, " rot: ") {
            boxes.last_mut().unwrap().rot = r.parse().unwrap();
        }
    }
    boxes
}

/// GB/T 9704 clause 8: a printer must not choose how a landscape page is
/// turned. Every page of `pdf` is portrait A4 on paper; a page shown
/// landscape has its content turned so that its top (the table head) is the
/// paper's left edge, and `/Rotate 90` shows it upright on screen (turned
/// the other way, 270, the head would face the cutting edge of odd pages).
/// Returns how many pages are turned.
pub fn landscape_pages_turned_onto_portrait_paper(pdf: &Path) -> usize {
    let boxes = pdf_pages(pdf);
    let words = pages(pdf);
    assert_eq!(boxes.len(), words.len());
    let mut turned = 0;
    for (i, (b, p)) in boxes.iter().zip(&words).enumerate() {
        let what = format!("{} page {}", pdf.display(), i + 1);
        assert!(
            close(b.width, 210.0 * MM, 0.5) && close(b.height, 297.0 * MM, 0.5),
            "{what}: paper {} x {} pt",
            b.width,
            b.height
        );
        let landscape = p.width > p.height;
        assert_eq!(b.rot, if landscape { 90 } else { 0 }, "{what}");
        turned += usize::from(landscape);
    }
    turned
}

/// Every page of a PDF with its words, from `pdftotext -bbox-layout`, in
/// the page's coordinates as a viewer shows it: pdftotext gives the words
/// of a turned page (`/Rotate 90`) turned, and its MediaBox unturned.
pub fn pages(pdf: &Path) -> Vec<Page> {
    let boxes = pdf_pages(pdf);
    let out = tool("pdftotext")
        .args(["-bbox-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let xml = String::from_utf8(out.stdout).unwrap();
    let (a, d) = word_box(pdf);
    let mut pages = Vec::new();
    for chunk in xml.split("<page ").skip(1) {
        let head = &chunk[..chunk.find('>').unwrap()];
        let (width, height) = (attr(head, "width"), attr(head, "height"));
        let (width, height) = match boxes.get(pages.len()) {
            Some(b) if b.rot % 180 == 90 => (height, width),
            _ => (width, height),
        };
        let mut page = Page {
            width,
            height,
            lines: Vec::new(),
        };
        for line in chunk.split("<line ").skip(1) {
            let mut words = Vec::new();
            for w in line.split("<word ").skip(1) {
                let close = w.find('>').unwrap();
                let tag = &w[..close];
                let text = &w[close + 1..w.find("</word>").unwrap()];
                let (mut y0, mut y1) = (attr(tag, "yMin"), attr(tag, "yMax"));
                let size = (y1 - y0) / (a + d);
                let base = y1 - d * size;
                (y0, y1) = (base - 0.88 * size, base + 0.12 * size);
                words.push(Word {
                    x0: attr(tag, "xMin"),
                    y0,
                    x1: attr(tag, "xMax"),
                    y1,
                    text: unescape(text),
                });
            }
            if !words.is_empty() {
                page.lines.push(words);
            }
        }
        pages.push(page);
    }
    pages
}

pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Page numbers "— N —": the words of the last line below the text block.
pub fn page_number(p: &Page) -> Option<(String, f64, f64, f64, f64)> {
    let words: Vec<&Word> = p
        .lines
        .iter()
        .flatten()
        .filter(|w| w.y0 > TOP + HEIGHT + 1.0 && w.y0 < p.height)
        .collect();
    if words.is_empty() {
        return None;
    }
    let text: String = words.iter().map(|w| w.text.as_str()).collect();
    let x0 = words.iter().map(|w| w.x0).fold(f64::MAX, f64::min);
    let x1 = words.iter().map(|w| w.x1).fold(f64::MIN, f64::max);
    Some((text, x0, x1, words[0].y0, words[0].height()))
}

/// Pixels of page `n` at 72 dpi as (width, rgb rows).
pub fn pixels(pdf: &Path, n: usize) -> (usize, Vec<[u8; 3]>) {
    let (w, _, px) = pdf_pixels(pdf, n, 72);
    (w, px)
}

/// Pixels of a PDF page at `dpi` as (width, height, rgb), by pdftoppm.
pub fn pdf_pixels(pdf: &Path, page: usize, dpi: u32) -> (usize, usize, Vec<[u8; 3]>) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("p");
    let p = page.to_string();
    let ok = tool("pdftoppm")
        .args(["-r", &dpi.to_string(), "-f", &p, "-l", &p, "-singlefile"])
        .arg(pdf)
        .arg(&base)
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(base.with_extension("ppm")).unwrap();
    // P6 header: "P6\n<w> <h>\n255\n"
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let start = pos;
        while !bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..pos]).to_string());
    }
    pos += 1;
    let w: usize = fields[1].parse().unwrap();
    let h: usize = fields[2].parse().unwrap();
    let px = bytes[pos..].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    (w, h, px)
}

pub fn strip(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Finds the earliest place at or after `from` where `piece` stands whole, or
/// split once by page furniture (a page number, the repeated table head, the
/// continuation of the cells before it in the row) of at most 3000 bytes.
/// Returns where the piece starts.
pub fn find_piece(hay: &str, piece: &str, from: usize) -> Option<usize> {
    let first: String = piece.chars().take(2).collect();
    let mut start = from;
    while let Some(i) = hay[start..].find(&first) {
        let p = start + i;
        // the longest prefix of the piece standing at p
        let common = hay[p..]
            .char_indices()
            .zip(piece.char_indices())
            .take_while(|((_, a), (_, b))| a == b)
            .last()
            .map(|((_, _), (j, c))| j + c.len_utf8())
            .unwrap_or(0);
        if common == piece.len() {
            return Some(p);
        }
        let rest = &piece[common..];
        let from_gap = p + common;
        let mut end = (from_gap + 3000).min(hay.len());
        while !hay.is_char_boundary(end) {
            end -= 1;
        }
        if common >= first.len() && hay[from_gap..end].contains(rest) {
            return Some(p);
        }
        start = p + first.len();
    }
    None
}

/// Every page is A4; on portrait pages all text is inside the text block.
pub fn paper_margins_and_text_block(pdf: &Path) {
    let ps = pages(pdf);
    for (i, p) in ps.iter().enumerate() {
        let portrait = p.width < p.height;
        let (w, h) = if portrait {
            (p.width, p.height)
        } else {
            (p.height, p.width)
        };
        assert!(
            close(w, 210.0 * MM, 0.5) && close(h, 297.0 * MM, 0.5),
            "page {} is A4",
            i + 1
        );
        if !portrait {
            continue;
        }
        for line in &p.lines {
            for wd in line {
                if wd.y0 > TOP + HEIGHT {
                    continue; // the page number
                }
                inside_across(wd, LEFT, LEFT + WIDTH, &format!("page {}", i + 1));
                assert!(
                    wd.y0 >= TOP - 1.0 && wd.y1 <= TOP + HEIGHT + 1.0,
                    "page {}: {:?} outside vertically",
                    i + 1,
                    wd.text
                );
            }
        }
    }
}

/// How far a word may pass the left or right edge of the text block: a
/// justified line ends 0.22 pt past it as measured, because pdftotext
/// rebuilds word boxes from the font's advance widths in whole thousandths
/// of an em, and over the 28 characters of a full line the rounding adds
/// up. 0.25 pt is that and no more; the old ±8.5 pt let a whole misplaced
/// half character through.
pub const EDGE: f64 = 0.25;

/// An opening bracket or quote at the start of a line hangs half a
/// character into the left margin, and a closing one or a comma/full stop
/// at the end of a line into the right margin, as Chinese typesetting does
/// (measured: 7.89 and 8.11 pt for 16 pt text). Nothing else passes the
/// edge.
fn hangs_left(c: char) -> bool {
    "（《“‘〔【〈「『".contains(c)
}

fn hangs_right(c: char) -> bool {
    "，。、；：！？）》”’〕】〉」』".contains(c)
}

/// `wd` lies between `left` and `right`, but for a hanging punctuation mark
/// by at most half its size (its em box height).
pub fn inside_across(wd: &Word, left: f64, right: f64, what: &str) {
    let half = wd.height() / 2.0;
    let first = wd.text.chars().next().unwrap_or(' ');
    let last = wd.text.chars().last().unwrap_or(' ');
    let lo = left - EDGE - if hangs_left(first) { half } else { 0.0 };
    let hi = right + EDGE + if hangs_right(last) { half } else { 0.0 };
    assert!(
        wd.x0 >= lo,
        "{what}: {:?} starts {:.2} pt left of the text block",
        wd.text,
        left - wd.x0
    );
    assert!(
        wd.x1 <= hi,
        "{what}: {:?} runs {:.2} pt past the text block",
        wd.text,
        wd.x1 - right
    );
}

/// The text block of a landscape page as displayed (x0, y0, x1, y1): the
/// portrait block turned a quarter left, so that its foot (and the page
/// number under it) is on the left and the portrait page's left edge
/// (the binding edge of an odd page) is at the top, where the table head
/// is. 35 mm from the left, 28 mm from the top, 225 x 156 mm.
pub fn landscape_block(page_width: f64) -> (f64, f64, f64, f64) {
    let x0 = page_width - TOP - HEIGHT;
    (x0, LEFT, x0 + HEIGHT, LEFT + WIDTH)
}

/// The landscape pages (as displayed: pdftotext and pdftoppm apply a page's
/// /Rotate, so a portrait page turned by /Rotate is measured the same way
/// as a landscape page): all text inside the turned text block, the page
/// number turned with the page in its portrait place (7 mm outside the
/// block's foot, one character in from the outer side), and every inked
/// pixel (the table's rules too) inside the block, in black and grey only.
/// Returns how many landscape pages there are.
pub fn landscape_pages(pdf: &Path) -> usize {
    let ps = pages(pdf);
    let mut n_landscape = 0;
    for (i, p) in ps.iter().enumerate() {
        if p.width <= p.height {
            continue;
        }
        n_landscape += 1;
        let n = i + 1;
        let (bx0, by0, bx1, by1) = landscape_block(p.width);
        let mut number: Vec<&Word> = Vec::new();
        for wd in p.lines.iter().flatten() {
            if wd.x1 < bx0 - 1.0 {
                number.push(wd);
                continue;
            }
            // The words of a landscape page are its table's (upright).
            inside_across(wd, bx0, bx1, &format!("page {n}"));
            assert!(
                wd.y0 >= by0 - EDGE && wd.y1 <= by1 + EDGE,
                "page {n}: {:?} outside the block vertically ({:.2}..{:.2})",
                wd.text,
                wd.y0,
                wd.y1
            );
        }
        // The page number, turned: its glyphs stacked top to bottom, each
        // 14 pt across, their tops (now their right sides) 7 mm from the foot.
        number.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        let text: String = number.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(text, format!("—{n}—"), "page {n}: the page number");
        for w in &number {
            assert!(
                close(w.x1 - w.x0, 14.0, 0.05),
                "page {n}: page number 14 pt: {}",
                w.x1 - w.x0
            );
            assert!(
                close(w.x1, bx0 - 7.0 * MM, 0.6),
                "page {n}: page number 7 mm outside the block: {}",
                w.x1
            );
        }
        let (top, bottom) = (number[0].y0, number.last().unwrap().y1);
        if n % 2 == 1 {
            assert!(
                close(bottom, by1 - 14.0, 0.6),
                "odd page {n}: the number one character in from the outer side: {bottom}"
            );
        } else {
            assert!(
                close(top, by0 + 14.0, 0.6),
                "even page {n}: the number one character in from the outer side: {top}"
            );
        }
        // Every inked pixel is inside the block or the page number's box. A
        // pixel at 72 dpi is 1 pt; a rule drawn on the block's edge inks the
        // pixel it falls in, half its stroke beyond: half a point allowed.
        let (w, h, px) = pdf_pixels(pdf, n, 72);
        let (lo_x, hi_x) = ((bx0 - 0.5).floor() as usize, (bx1 + 0.5).floor() as usize);
        let (lo_y, hi_y) = ((by0 - 0.5).floor() as usize, (by1 + 0.5).floor() as usize);
        let (nx0, nx1) = (
            (bx0 - 7.0 * MM - 15.0) as usize,
            (bx0 - 7.0 * MM + 1.0) as usize,
        );
        let mut inked = 0;
        for y in 0..h {
            for x in 0..w {
                let c = px[y * w + x];
                if c.iter().all(|&v| v >= 250) {
                    continue;
                }
                assert!(
                    c[0].abs_diff(c[1]) < 8 && c[1].abs_diff(c[2]) < 8,
                    "page {n}: a pixel of colour {c:?} at ({x}, {y}): tables are black"
                );
                let in_block = (lo_x..=hi_x).contains(&x) && (lo_y..=hi_y).contains(&y);
                let in_number = (nx0..=nx1).contains(&x);
                assert!(
                    in_block || in_number,
                    "page {n}: ink at ({x}, {y}) outside the block x {lo_x}..={hi_x}, y {lo_y}..={hi_y}"
                );
                inked += 1;
            }
        }
        assert!(
            inked > 2000,
            "page {n}: the table is drawn ({inked} pixels)"
        );
    }
    n_landscape
}

/// Page `page` (all body text) has 22 lines at the grid's pitch, the first
/// with its glyph tops `first_line` points under the top of the text block.
pub fn a_full_page_has_22_lines(pdf: &Path, page: usize, first_line: f64) {
    a_full_page_has_22_lines_at(pdf, page, first_line, 0.0);
}

/// As [`a_full_page_has_22_lines`], in a PDF whose coordinates are
/// rounded to `quantum` points (LibreOffice writes tenths of a point): each
/// step between two lines may be off by that much more, the pitch over the
/// page (first to last line) no more than in an exact PDF.
pub fn a_full_page_has_22_lines_at(pdf: &Path, page: usize, first_line: f64, quantum: f64) {
    let ps = pages(pdf);
    let p = &ps[page - 1];
    let mut rows: Vec<f64> = p
        .lines
        .iter()
        .flatten()
        .filter(|w| w.y0 < TOP + HEIGHT && close(w.height(), 16.0, 0.05))
        .map(|w| w.y0)
        .collect();
    rows.sort_by(f64::total_cmp);
    rows.dedup_by(|a, b| close(*a, *b, 1.0));
    assert_eq!(rows.len(), 22, "22 lines on a full page: {rows:?}");
    let pitch = HEIGHT / 22.0;
    for w in rows.windows(2) {
        assert!(
            close(w[1] - w[0], pitch, 0.05 + quantum),
            "line pitch {} != {pitch}",
            w[1] - w[0]
        );
    }
    let mean = (rows[21] - rows[0]) / 21.0;
    assert!(close(mean, pitch, 0.05), "line pitch {mean} != {pitch}");
    assert!(
        close(rows[0], TOP + first_line, 0.5),
        "first line at the top of the text block"
    );
}

/// The 版头 of the 2018 notice: 标志 35 mm down and centred, 发文字号, title,
/// body and 主送 in their sizes and places.
pub fn head_title_and_sizes(pdf: &Path) {
    head_title_and_sizes_at(pdf, Origin::BLOCK);
}

/// As [`head_title_and_sizes`], the lines starting at `o`.
pub fn head_title_and_sizes_at(pdf: &Path, o: Origin) {
    let (top, left) = (TOP + o.dy, LEFT + o.dx);
    let ps = pages(pdf);
    let p = &ps[0];
    let mark = p
        .find("中卫市安全生产委员会办公室文件")
        .expect("发文机关标志");
    assert!(
        close(mark.y0, top + 35.0 * MM, 0.5),
        "标志 top edge 35 mm below the text block: {}",
        mark.y0
    );
    assert!(mark.x0 >= LEFT - 0.5 && mark.x1 <= LEFT + WIDTH + 0.5);
    assert!(
        close((mark.x0 + mark.x1) / 2.0, LEFT + WIDTH / 2.0, 0.5),
        "标志 centred"
    );
    let number = p.find("卫安办发〔2018〕110号").expect("发文字号");
    assert!(close(number.height(), 16.0, 0.05));
    assert!(
        close((number.x0 + number.x1) / 2.0, LEFT + WIDTH / 2.0, 0.5),
        "发文字号 centred"
    );
    let title = p.find("市安委会办公室关于对全市2018年度").expect("title");
    assert!(
        close(title.height(), 22.0, 0.05),
        "title 22 pt: {}",
        title.height()
    );
    assert!(
        close((title.x0 + title.x1) / 2.0, LEFT + WIDTH / 2.0, 0.5),
        "title centred"
    );
    let body = p.find("根据市人民政府").expect("body");
    assert!(close(body.height(), 16.0, 0.05), "body 16 pt");
    assert!(
        close(body.x0, left + 2.0 * WIDTH / 28.0, 0.6),
        "paragraph indented 2 characters: {}",
        body.x0
    );
    let recipients = p.find("各县（区）人民政府").expect("主送");
    assert!(
        close(recipients.x0, left, 0.5),
        "主送 flush left: {}",
        recipients.x0
    );
}

/// "— N —" 14 pt, 7 mm under the text block, odd pages right and even
/// pages left, one character in.
pub fn page_numbers_on_the_outer_side(pdf: &Path) {
    assert!(portrait_page_numbers(pdf) >= 3);
}

/// The page numbers of the portrait pages checked as
/// [`page_numbers_on_the_outer_side`] says; returns how many there are.
pub fn portrait_page_numbers(pdf: &Path) -> usize {
    let ps = pages(pdf);
    let mut seen = 0;
    for (i, p) in ps.iter().enumerate() {
        if p.width > p.height {
            continue; // landscape table pages: the number is turned with the page
        }
        let Some((text, x0, x1, y0, h)) = page_number(p) else {
            continue;
        };
        let n = i + 1;
        assert_eq!(text.replace(' ', ""), format!("—{n}—"), "page {n}");
        assert!(close(h, 14.0, 0.05), "page number 14 pt");
        assert!(
            close(y0, TOP + HEIGHT + 7.0 * MM, 0.6),
            "page {n}: 7 mm under the text block: {y0}"
        );
        if n % 2 == 1 {
            assert!(
                close(x1, LEFT + WIDTH - 14.0, 0.6),
                "odd page {n}: right, one character in: {x1}"
            );
        } else {
            assert!(
                close(x0, LEFT + 14.0, 0.6),
                "even page {n}: left, one character in: {x0}"
            );
        }
        seen += 1;
    }
    seen
}

/// The 版记 of the 2018 notice on the last page, which is even.
pub fn colophon_on_an_even_last_page(pdf: &Path) {
    colophon_on_an_even_last_page_at(pdf, Origin::BLOCK);
}

/// As [`colophon_on_an_even_last_page`], the lines starting at `o` (and
/// ending as far in from the right).
pub fn colophon_on_an_even_last_page_at(pdf: &Path, o: Origin) {
    let (left, right) = (LEFT + o.dx, LEFT + WIDTH - o.dx);
    let ps = pages(pdf);
    assert_eq!(ps.len() % 2, 0, "the last page is even");
    let last = ps.last().unwrap();
    let cc = last.find("抄送：").expect("抄送 on the last page");
    assert!(
        close(cc.height(), 14.0, 0.05),
        "版记 14 pt: {}",
        cc.height()
    );
    assert!(
        close(cc.x0, left + 14.0, 0.6),
        "抄送 one character in: {}",
        cc.x0
    );
    let printed = last.find("2018年11月2日印发").expect("印发日期");
    assert!(
        close(printed.x1, right - 14.0, 0.6),
        "印发日期 one character in from the right: {}",
        printed.x1
    );
    let printer = last.find("中卫市安全生产委员会办公室").expect("印发机关");
    assert!(
        close(printer.y0, printed.y0, 0.5),
        "印发机关 and 印发日期 on one line"
    );
}

/// The 标志 and the rule under the 发文字号 are red, the body black.
pub fn the_mark_and_the_separator_are_red(pdf: &Path) {
    let p = &pages(pdf)[0];
    let mark = p.find("中卫市安全生产委员会办公室文件").unwrap();
    let number = p.find("卫安办").unwrap();
    let (w, px) = pixels(pdf, 1);
    let red = |c: &[u8; 3]| c[0] > 200 && c[1] < 60 && c[2] < 60;
    let at = |x: f64, y: f64| px[y as usize * w + x as usize];
    // Inside the mark: red ink, and no other colour but white in between.
    let mut red_px = 0;
    for y in (mark.y0 as usize)..(mark.y1 as usize) {
        for x in (mark.x0 as usize)..(mark.x1 as usize) {
            let c = at(x as f64, y as f64);
            if red(&c) {
                red_px += 1;
            }
            // Red (#E60012) blended with white keeps red at 230 and up and
            // green and blue within 18 of each other: nothing else is there.
            assert!(
                c[0] >= 200 && c[1].abs_diff(c[2]) <= 25,
                "a pixel of colour {c:?} inside the 标志 at ({x}, {y})"
            );
        }
    }
    assert!(red_px > 500, "the 标志 is red ({red_px} red pixels)");
    // The separator: a red rule about 4 mm under the 发文字号, across the block.
    let y = number.y1 + 4.0 * MM;
    let row_red = |yy: f64| {
        (0..10)
            .filter(|k: &i32| red(&at(LEFT + 5.0 + *k as f64 * WIDTH / 10.0, yy)))
            .count()
    };
    let best = (-3..=3).map(|d| row_red(y + d as f64)).max().unwrap();
    assert_eq!(
        best, 10,
        "a red rule across the text block 4 mm under the 发文字号"
    );
    // The body text is black.
    let body = p.find("根据").unwrap();
    let dark = (body.y0 as usize..body.y1 as usize)
        .flat_map(|yy| (body.x0 as usize..body.x1 as usize).map(move |xx| (xx, yy)))
        .map(|(xx, yy)| at(xx as f64, yy as f64))
        .filter(|c| c[0] < 100)
        .collect::<Vec<_>>();
    assert!(
        !dark.is_empty()
            && dark
                .iter()
                .all(|c| c[0].abs_diff(c[1]) < 30 && c[1].abs_diff(c[2]) < 30),
        "body is black"
    );
}

/// Every sentence of the 2018 seed is in the PDF, in order.
pub fn every_sentence_of_the_seed_in_order(file: &Path) {
    let seed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed-2018.txt"),
    )
    .unwrap();
    // -raw keeps the order Typst wrote the text in: cell by cell in tables.
    let out = tool("pdftotext")
        .arg("-raw")
        .arg(file)
        .arg("-")
        .output()
        .unwrap();
    let pdf = strip(&String::from_utf8_lossy(&out.stdout));
    let mut pos = 0;
    let mut checked = 0;
    let mut recent: Vec<String> = Vec::new();
    for raw in seed.split(['\n', '\t']) {
        let piece = strip(raw);
        // The seed's table dump repeats a merged cell (a heading spanning
        // pages, a date spanning units) where kaohe prints it once.
        if piece.chars().count() < 2 || recent.contains(&piece) {
            continue;
        }
        // GB/T 9704 7.3.6 puts the 附注 right under the 成文日期; the seed's
        // text dump has it after the attachments. Present, in its place.
        if piece == "（此件公开发布）" {
            let date = pdf.find("2018年11月2日").expect("成文日期");
            assert!(
                pdf[date..].starts_with("2018年11月2日（此件公开发布）"),
                "附注 under the date"
            );
            continue;
        }
        recent.push(piece.clone());
        if recent.len() > 8 {
            recent.remove(0);
        }
        if piece.chars().count() < 6 {
            // Short cells (table heads, 一、 / 责任 / 落实 of a vertical label):
            // present near where the text has got to.
            // A row split by a page break puts its short cells (分值) before
            // the end of the long ones: look a little back too.
            let back = pdf[..pos]
                .char_indices()
                .rev()
                .nth(1500)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let window: String = pdf[back..].chars().take(4500).collect();
            assert!(
                window.contains(&piece),
                "“{piece}” not found near position {pos}"
            );
            continue;
        }
        // A row split by a page break interleaves its cells, so a piece must
        // start after the previous piece starts (not after it ends).
        match find_piece(&pdf, &piece, pos) {
            Some(start) => pos = start + piece.chars().next().unwrap().len_utf8(),
            None => {
                panic!(
                    "“{piece}” is missing or out of order in {} (searched from {pos})",
                    file.display()
                )
            }
        }
        checked += 1;
    }
    assert!(checked > 250, "{checked} pieces checked");
}
