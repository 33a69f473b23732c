//! The body of the DOCX: 版头, 主体, attachments (each in its own section),
//! and the 版记 in a last section that starts on an even page.
//!
//! Vertical places follow the PDF (templates/lib/gbt9704.typ). Lines have an
//! exact height; Word and LibreOffice set a line's baseline at 80 % of an
//! exact line height, so a line of `1.1 × size` puts the top of a CJK glyph
//! (ascender 0.88 em) on the line's top edge, and a body line (28.95 pt)
//! puts it 9 pt below.

use super::tables;
use super::xml::{Par, Style, mm, pt, run};
use super::{Faces, LINE, Options, Page, RED, chars, cw_pt, grid, sect_pr, section_end};
use crate::doc::{Attachment, AttachmentBody, Block, Document, MemberRow};

/// The PDF's line pitch (225 mm / 22) and the gap between two lines of
/// 16 pt text there, in points.
const PITCH: f64 = 225.0 * 72.0 / 25.4 / 22.0;
const LEADING: f64 = PITCH - 16.0;
/// The 发文机关标志's top edge below the top of the text block (7.2.4).
const MARK_TOP: f64 = 35.0 * 72.0 / 25.4;

/// Where the top of a glyph of `size` sits below the top of an exact line
/// `line` (twips) high.
fn glyph_offset(line: i64, size: f64) -> f64 {
    0.8 * line as f64 / 20.0 - 0.88 * size
}

/// The 发文机关标志's size and horizontal scale, as the PDF sets it: at most
/// 15 mm a character and 48 pt, condensed to no less than 75 %.
fn mark_size(mark: &str) -> (f64, u32) {
    let n = mark.chars().count().max(1) as f64;
    let char_w = (15.0f64).min(super::BLOCK_W_MM / n) * 72.0 / 25.4;
    let size = 48.0f64.min(char_w / 0.75);
    let ratio = (char_w / size).min(1.0);
    // half points, and a scale that keeps the mark inside the text block
    let size = (size * 2.0).floor() / 2.0;
    (size, (ratio * 100.0).floor() as u32)
}

pub fn document(doc: &Document, f: &Faces, opts: &Options) -> String {
    let mut sections: Vec<(String, Page, Option<&str>)> = Vec::new();
    let mut main = String::new();
    head(doc, f, &mut main);
    main.push_str(&body(doc, f));
    main.push_str(&signature(doc, f, opts));
    sections.push((main, Page::Portrait, None));
    for a in &doc.attachments {
        let page = if a.landscape {
            Page::Landscape
        } else {
            Page::Portrait
        };
        sections.push((attachment(a, f), page, Some("nextPage")));
    }
    // The 版记 at the foot of the last page, which is even (7.4, 7.5).
    sections.push((colophon(doc, f), Page::Portrait, Some("evenPage")));
    let n = sections.len();
    let mut out = String::new();
    for (i, (content, page, start)) in sections.into_iter().enumerate() {
        out.push_str(&content);
        if i + 1 < n {
            out.push_str(&section_end(&sect_pr(page, start, true)));
        } else {
            out.push_str(&sect_pr(page, start, false));
        }
    }
    out
}

/// 份号, 密级, 紧急程度 on lines 1–3; the 标志 35 mm down; two blank lines;
/// the 发文字号 with the red line 4 mm under it; two blank lines; the title.
fn head(doc: &Document, f: &Faces, out: &mut String) {
    let h = &doc.head;
    let mut lines = 0;
    for (text, face) in [
        (&h.copy_no, f.fangsong),
        (&h.secrecy, f.heiti),
        (&h.urgency, f.heiti),
    ] {
        if let Some(t) = text.as_deref().filter(|t| !t.is_empty()) {
            out.push_str(&Par::new("left", LINE).with(&run(&Style::new(face, 16.0), t)));
            lines += 1;
        }
    }
    let joint = !h.issuers.is_empty();
    let longest = h
        .issuers
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    let (size, scale) = if joint {
        mark_size(&"字".repeat(longest + 2))
    } else {
        mark_size(&h.mark)
    };
    let mark_line = pt(size * 1.1);
    let mut mark_style = Style::new(f.xiaobiaosong, size).bold().color(RED);
    mark_style.scale = scale;
    let mark_before =
        pt(MARK_TOP - lines as f64 * LINE as f64 / 20.0 - glyph_offset(mark_line, size));
    // how far the 标志's last line top is under the first line's top
    let mut extra = 0.0;
    if joint {
        // names stacked, "文件" to the right, vertically centred (7.2.4)
        out.push_str(&Par::new("left", mark_before.max(20)).with(""));
        let em = size * scale as f64 / 100.0;
        let (w1, w2) = (pt(em * longest as f64 + 2.0), pt(em * 2.0 + 2.0));
        let name = Par::new("center", mark_line);
        let names: String = h
            .issuers
            .iter()
            .map(|n| name.with(&run(&mark_style, n)))
            .collect();
        let cell = |w: i64, body: &str| {
            format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>{body}</w:tc>"
            )
        };
        out.push_str(&format!(
            "<w:tbl><w:tblPr><w:tblW w:w=\"{}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"0\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar><w:tblLook w:val=\"0000\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"{w1}\"/><w:gridCol w:w=\"{w2}\"/></w:tblGrid><w:tr>{}{}</w:tr></w:tbl>",
            w1 + w2,
            cell(w1, &names),
            cell(w2, &name.with(&run(&mark_style, "文件")))
        ));
        extra = (h.issuers.len() - 1) as f64 * mark_line as f64 / 20.0;
    } else {
        let mark = Par {
            before: mark_before,
            ..Par::new("center", mark_line)
        };
        out.push_str(&mark.with(&run(&mark_style, &h.mark)));
    }
    // 发文字号: its glyph top 2 blank lines under the 标志 (as the PDF: the
    // 标志's em box, two pitches and a leading).
    let mark_bottom = glyph_offset(mark_line, size) + size + extra; // below the mark line's top
    let num_glyph = mark_bottom + 2.0 * PITCH + LEADING; // likewise
    let off = glyph_offset(LINE, 16.0);
    let before = num_glyph - off - mark_line as f64 / 20.0 - extra;
    // the red line: 4 mm under the 发文字号's em box, 0.5 mm thick
    let line_top = num_glyph + 16.0 + 4.0 * 72.0 / 25.4; // below the mark line's top
    let space = line_top - (before + extra + mark_line as f64 / 20.0 + LINE as f64 / 20.0);
    let thick: f64 = 0.5 * 72.0 / 25.4;
    let signer = h.signer.as_deref().filter(|s| !s.is_empty());
    let number = Par {
        before: pt(before),
        // 上行文: 发文字号 one character in from the left, 签发人 one in from the right
        ind_left: if signer.is_some() { chars(1.0) } else { 0 },
        tabs: if signer.is_some() {
            vec![("right", mm(super::BLOCK_W_MM) - chars(1.0))]
        } else {
            Vec::new()
        },
        extra: format!(
            "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"{}\" w:space=\"{}\" w:color=\"{RED}\"/></w:pBdr>",
            (thick * 8.0).round() as i64,
            space.round().max(0.0) as i64
        ),
        ..Par::new(if signer.is_some() { "left" } else { "center" }, LINE)
    };
    let mut runs = run(&Style::new(f.fangsong, 16.0), &h.number);
    if let Some(name) = signer {
        runs.push_str(&run(&Style::new(f.fangsong, 16.0), "\t签发人："));
        runs.push_str(&run(&Style::new(f.kaiti, 16.0), name));
    }
    out.push_str(&number.with(&runs));
    // the title two blank lines under the red line
    let rule_bottom = line_top + thick;
    let title_glyph = rule_bottom + 2.0 * PITCH + LEADING;
    let para_bottom =
        before + extra + mark_line as f64 / 20.0 + LINE as f64 / 20.0 + space.round() + thick;
    let title_off = glyph_offset(LINE, 22.0);
    let title = Par {
        before: pt(title_glyph - title_off - para_bottom),
        ..Par::new("center", LINE)
    };
    let st = Style::new(f.xiaobiaosong, 22.0).bold();
    out.push_str(&title.with(&run(&st, &doc.title.join("\n"))));
    // 主送: one blank line under the title, flush left
    let rec_glyph = 22.0 + PITCH + LEADING; // below the last title glyph top
    let rec = Par {
        before: pt(rec_glyph + title_off - LINE as f64 / 20.0 - off),
        ..Par::new("both", LINE)
    };
    out.push_str(&rec.with(&run(&f.body(), &doc.recipients)));
}

/// A body paragraph indented two characters.
fn indented() -> Par {
    Par {
        first: chars(2.0),
        ..Par::new("both", LINE)
    }
}

fn body(doc: &Document, f: &Faces) -> String {
    let mut out = String::new();
    for b in &doc.body {
        match b {
            Block::Par { level, lead, text } => {
                let face = match level {
                    1 => f.heiti,
                    2 => f.kaiti,
                    _ => f.fangsong,
                };
                let mut runs = String::new();
                if !lead.is_empty() {
                    runs.push_str(&run(&grid(face), lead));
                }
                if !text.is_empty() {
                    runs.push_str(&run(&f.body(), text));
                }
                out.push_str(&indented().with(&runs));
            }
            Block::Members { rows } => out.push_str(&members(rows, f)),
        }
    }
    out
}

/// Spreads a short text over `n` characters with ideographic spaces
/// (组长 → 组　长), as the PDF does.
fn spread(s: &str, n: usize) -> String {
    let cs: Vec<char> = s.chars().collect();
    if cs.len() >= n || cs.len() < 2 {
        return s.to_string();
    }
    let gaps = cs.len() - 1;
    let fill = n - cs.len();
    let mut out = String::new();
    for (i, c) in cs.iter().enumerate() {
        out.push(*c);
        if i < gaps {
            // the spaces spread as evenly as whole characters allow
            let k = fill * (i + 1) / gaps - fill * i / gaps;
            out.extend(std::iter::repeat_n('\u{3000}', k));
        }
    }
    out
}

/// The leading group: "组　长：张　龙　title", titles aligned, wrapped
/// title lines under the first character of the title.
fn members(rows: &[MemberRow], f: &Faces) -> String {
    let role_n = rows
        .iter()
        .map(|r| r.role.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let name_n = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let name_at = 2 + role_n + 1;
    let title_at = name_at + name_n + 1;
    let mut out = String::new();
    for r in rows {
        let p = Par {
            ind_left: chars(title_at as f64),
            first: -chars((title_at - 2) as f64),
            tabs: vec![("left", chars(name_at as f64))],
            ..Par::new("both", LINE)
        };
        // the role and its colon fill the characters up to the name; the
        // hanging indent is the stop before the title
        let role = if r.role.is_empty() {
            "\t".to_string()
        } else {
            format!("{}：", spread(&r.role, role_n))
        };
        let text = format!("{role}{}\t{}", spread(&r.name, name_n), r.title);
        out.push_str(&p.with(&run(&f.body(), &text)));
    }
    out
}

/// 附件说明, the signature and date, the 附注 (7.3.4–7.3.6).
fn signature(doc: &Document, f: &Faces, opts: &Options) -> String {
    let mut out = String::new();
    let names = &doc.attachment_list;
    // "1." is about one character wide in the body face
    let num_w = chars(1.0);
    for (i, name) in names.iter().enumerate() {
        let label = if i == 0 { "附件：" } else { "" };
        let number = if names.len() > 1 {
            format!("{}.", i + 1)
        } else {
            String::new()
        };
        let text_at = 5.0 * cw_pt()
            + if names.len() > 1 {
                num_w as f64 / 20.0
            } else {
                0.0
            };
        let p = Par {
            before: if i == 0 { LINE } else { 0 },
            ind_left: pt(text_at),
            first: -pt(text_at - 2.0 * cw_pt()),
            tabs: vec![("left", chars(5.0)), ("left", pt(text_at))],
            ..Par::new("left", LINE)
        };
        let text = if i == 0 {
            format!("{label}{number}\t{name}")
        } else {
            format!("\t{number}\t{name}")
        };
        let text = if names.len() == 1 {
            format!("{label}{name}")
        } else {
            text
        };
        out.push_str(&p.with(&run(&f.body(), &text)));
    }
    let sig = &doc.signature;
    // widths on the grid: a hanzi 15.75 pt, a digit half of it
    let width = |s: &str| -> f64 {
        s.chars()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .sum::<f64>()
            * (16.0 + super::GRID_SPACING as f64 / 20.0)
    };
    let (issuer_right, date_right) = if sig.seal.is_some() {
        // sealed (7.3.5.1): the date 4 characters in, the issuer centred over it
        let shift = (width(&sig.date) - width(&sig.issuer)) / 2.0;
        (chars(4.0) + pt(shift.max(-4.0 * cw_pt())), chars(4.0))
    } else {
        // 7.3.5.2: the issuer 2 characters in, the date starting 2 characters
        // right of the issuer's first character; a longer date ends 2 in and
        // the issuer moves left with it
        let (iw, dw, two) = (width(&sig.issuer), width(&sig.date), 2.0 * cw_pt());
        let date_right = (iw - dw).max(two);
        (pt((date_right + dw + two - iw).max(two)), pt(date_right))
    };
    let seal = opts
        .seal
        .as_ref()
        .map(|(_, size)| {
            let centre = super::BLOCK_W_MM * 72.0 / 25.4 - 4.0 * cw_pt() - width(&sig.date) / 2.0;
            super::tables::seal_anchor(centre, *size)
        })
        .unwrap_or_default();
    let issuer = Par {
        before: LINE,
        ind_right: issuer_right,
        keep_next: true,
        ..Par::new("right", LINE)
    };
    out.push_str(&issuer.with(&format!("{seal}{}", run(&f.body(), &sig.issuer))));
    let date = Par {
        ind_right: date_right,
        keep_next: doc.note.is_some(),
        ..Par::new("right", LINE)
    };
    out.push_str(&date.with(&run(&f.body(), &sig.date)));
    if let Some(note) = doc.note.as_deref().filter(|n| !n.is_empty()) {
        out.push_str(&indented().with(&run(&f.body(), note)));
    }
    out
}

/// An attachment: label on line 1 (3号黑体), title on line 3 (2号小标宋,
/// centred), then its table.
fn attachment(a: &Attachment, f: &Faces) -> String {
    let mut out = String::new();
    if !a.label.is_empty() {
        out.push_str(&Par::new("left", LINE).with(&run(&Style::new(f.heiti, 16.0), &a.label)));
    }
    let title = Par {
        before: if a.label.is_empty() { 0 } else { LINE },
        ..Par::new("center", LINE)
    };
    out.push_str(&title.with(&run(&Style::new(f.xiaobiaosong, 22.0).bold(), &a.title)));
    for s in a.subtitle.iter().flatten() {
        out.push_str(&Par::new("center", LINE).with(&run(&f.body(), s)));
    }
    let width = if a.landscape { 225.0 } else { 156.0 };
    let width = mm(width);
    match &a.body {
        AttachmentBody::Rubric { rubric } => out.push_str(&tables::rubric(rubric, f, width)),
        AttachmentBody::Schedule { schedule } => {
            out.push_str(&tables::schedule(schedule, f, width))
        }
        AttachmentBody::Ranking { ranking } => out.push_str(&tables::ranking(ranking, f, width)),
    }
    out
}

/// 版记: a table with a thick rule above and below and a thin one between
/// 抄送 and 印发 (7.4), on the foot of the text block of its own page: an
/// empty line as high as the block less the table stands above it (no
/// floating table: LibreOffice 7.4 leaves one at the top of the page).
fn colophon(doc: &Document, f: &Faces) -> String {
    let (table, height) = tables::colophon(&doc.colophon, f);
    // the paragraph a document must end with, after the table: 1 pt
    let end = 20;
    let spacer = mm(super::BLOCK_H_MM) - height - end;
    let tiny = "<w:r><w:rPr><w:sz w:val=\"2\"/><w:szCs w:val=\"2\"/></w:rPr></w:r>";
    Par::new("left", spacer).with("") + &table + &Par::new("left", end).with(tiny)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_like_the_pdf() {
        assert_eq!(spread("组长", 3), "组\u{3000}长");
        assert_eq!(spread("副组长", 3), "副组长");
        assert_eq!(spread("成员", 3), "成\u{3000}员");
        assert_eq!(spread("张龙", 3), "张\u{3000}龙");
    }

    #[test]
    fn mark_fits_the_text_block() {
        let (size, scale) = mark_size("中卫市安全生产委员会办公室文件");
        let width = 15.0 * size * scale as f64 / 100.0;
        assert!(width <= 156.0 * 72.0 / 25.4, "{width}");
        assert!(size <= 48.0);
    }
}
