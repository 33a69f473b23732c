//! The DOCX backend: the same [`Document`] the Typst templates receive,
//! written as WordprocessingML for offices that finish a 公文 in WPS, Word
//! or LibreOffice.
//!
//! The parts are written by hand into a zip (the `zip` crate): docx-rs
//! cannot mark a repeated table header row (`w:tblHeader`), stamps its own
//! clock time into the properties and zip entries, and names no East Asian
//! font on its runs; here every byte comes from the document, so the same
//! inputs give the same file.

mod body;
mod chart;
mod tables;
pub mod xml;

use crate::doc::Document;
use crate::error::Result;
use crate::failed;
use chrono::Datelike;
use std::io::Write;
use xml::{Par, Style, esc, mm, pt, run};

/// The red of the 发文机关标志 and the separator (the PDF's `red`).
pub const RED: &str = "E60012";

/// Page geometry, GB/T 9704 5.2 (shared/docs/gbt9704.md).
pub const BLOCK_W_MM: f64 = 156.0;
pub const BLOCK_H_MM: f64 = 225.0;
/// Line pitch: 225 mm / 22 lines (28.99 pt), as whole twips that still fit
/// 22 lines into the text block.
pub const LINE: i64 = 579;
/// Character pitch: 156 mm / 28 characters, in points.
pub fn cw_pt() -> f64 {
    BLOCK_W_MM * 72.0 / 25.4 / 28.0
}
/// Spacing after each 16 pt character, in twips: 28 characters of
/// 16 − 0.3 pt fill 439.6 pt of the 442.2 pt line (justification spreads
/// the rest), as the PDF's tracking does. −0.3 and not −0.25 pt: in a
/// character grid LibreOffice trims the text block to whole cells
/// (28 × 315 twips = 441 pt), and 28 characters of 15.75 pt do not fit in
/// it, 28 of 15.7 pt do.
pub const GRID_SPACING: i64 = -6;
/// The character grid's pitch as `w:charSpace`: 4096ths of a point added
/// to the Normal style's 16 pt (ECMA-376 17.6.5), the largest pitch of
/// which 28 still fit into the 156 mm (8844 twips) line: 15.7927 pt.
pub fn char_space() -> i64 {
    let pitch = mm(BLOCK_W_MM) as f64 / 28.0 / 20.0;
    ((pitch - 16.0) * 4096.0).floor() as i64
}
/// n character pitches in twips.
pub fn chars(n: f64) -> i64 {
    pt(n * cw_pt())
}

/// What to put into the DOCX besides the document.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The seal image (PNG bytes) and its size in mm, when `--seal-in-docx`.
    pub seal: Option<(Vec<u8>, f64)>,
}

/// The fonts of each role: the first family of the campaign's lists.
pub(crate) struct Faces<'a> {
    pub xiaobiaosong: &'a str,
    pub fangsong: &'a str,
    pub heiti: &'a str,
    pub kaiti: &'a str,
    pub songti: &'a str,
}

impl<'a> Faces<'a> {
    fn of(doc: &'a Document) -> Faces<'a> {
        let f = &doc.fonts;
        let first = |v: &'a Vec<String>, d: &'a str| v.first().map_or(d, String::as_str);
        Faces {
            xiaobiaosong: first(&f.xiaobiaosong, "FandolSong"),
            fangsong: first(&f.fangsong, "FandolFang R"),
            heiti: first(&f.heiti, "FandolHei"),
            kaiti: first(&f.kaiti, "FandolKai"),
            songti: first(&f.songti, "FandolSong"),
        }
    }

    /// 3号仿宋 on the grid.
    pub fn body(&self) -> Style<'a> {
        grid(self.fangsong)
    }
}

/// 16 pt text of `font` set 28 to the line.
pub(crate) fn grid(font: &str) -> Style<'_> {
    let mut s = Style::new(font, 16.0);
    s.spacing = GRID_SPACING;
    s
}

/// The page number's exact line: 1.1 × 14 pt puts the top of its glyphs
/// on the line's top (baseline at 80 %, ascender 0.88 em).
const FOOTER_LINE: i64 = 308;

/// A section's page: portrait or landscape, and how it starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Page {
    Portrait,
    Landscape,
}

/// A section's properties; `grid`: whether it has the document grid (all
/// but the 版记's page, which holds no text of the body).
pub(crate) fn sect_pr(page: Page, start: Option<&str>, grid: bool) -> String {
    let mut s = String::from(
        "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFooterOdd\"/><w:footerReference w:type=\"even\" r:id=\"rIdFooterEven\"/>",
    );
    if let Some(t) = start {
        s.push_str(&format!("<w:type w:val=\"{t}\"/>"));
    }
    let (w, h) = (mm(210.0), mm(297.0));
    match page {
        Page::Portrait => {
            // the page number's top 7 mm below the text block: the footer
            // (one exact line of 1.1 × 14 pt, the glyphs' top on its top)
            // ends this far above the paper's bottom edge, and stays inside
            // the bottom margin (a footer reaching into the text block
            // would cost it its 22nd line)
            let footer = mm(297.0 - 37.0 - BLOCK_H_MM - 7.0) - FOOTER_LINE;
            s.push_str(&format!(
                "<w:pgSz w:w=\"{w}\" w:h=\"{h}\"/><w:pgMar w:top=\"{}\" w:right=\"{}\" w:bottom=\"{}\" w:left=\"{}\" w:header=\"851\" w:footer=\"{footer}\" w:gutter=\"0\"/>",
                mm(37.0),
                mm(26.0),
                mm(35.0),
                mm(28.0)
            ));
        }
        Page::Landscape => {
            // the portrait page turned: the table head faces the binding edge
            let footer = mm(26.0 - 7.0) - FOOTER_LINE;
            s.push_str(&format!(
                "<w:pgSz w:w=\"{h}\" w:h=\"{w}\" w:orient=\"landscape\"/><w:pgMar w:top=\"{}\" w:right=\"{}\" w:bottom=\"{}\" w:left=\"{}\" w:header=\"851\" w:footer=\"{footer}\" w:gutter=\"0\"/>",
                mm(28.0),
                mm(37.0),
                mm(26.0),
                mm(35.0)
            ));
        }
    }
    // 22 lines of 28 characters (GB/T 9704 5.2.3): WPS and Word show
    // this grid in their page setup and lay new paragraphs on it. The
    // paragraphs written here do not snap to it (`w:snapToGrid` 0): their
    // lines have the exact pitch and their characters the spacing of
    // GRID_SPACING, which gives 22 × 28 in Word, WPS and LibreOffice
    // alike. Snapped, LibreOffice 7.4 gives a 16 pt character two cells of
    // a grid narrower than 16 pt: 14 characters a line.
    //
    // The 版记's page has no grid: LibreOffice sets a table 9.65 pt (a third
    // of a line) lower in a section with a grid, and the 版记 must stand
    // on the foot of the text block.
    s.push_str("<w:pgNumType w:fmt=\"decimal\"/><w:cols w:space=\"425\"/>");
    if grid {
        s.push_str(&format!(
            "<w:docGrid w:type=\"linesAndChars\" w:linePitch=\"{LINE}\" w:charSpace=\"{}\"/>",
            char_space()
        ));
    }
    s.push_str("</w:sectPr>");
    s
}

/// A paragraph that only closes a section (as small as Word allows).
pub(crate) fn section_end(sect: &str) -> String {
    let p = Par {
        jc: "left",
        line: 20,
        ..Par::default()
    };
    format!(
        "<w:p>{}<w:r><w:rPr><w:sz w:val=\"2\"/><w:szCs w:val=\"2\"/></w:rPr></w:r></w:p>",
        p.ppr(Some(sect))
    )
}

const NS: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"";

fn footer(faces: &Faces, odd: bool) -> String {
    // "— N —" in 4号宋体, one character (14 pt) in from the outer side.
    let st = Style::new(faces.songti, 14.0);
    let p = Par {
        jc: if odd { "right" } else { "left" },
        line: FOOTER_LINE,
        ind_left: if odd { 0 } else { pt(14.0) },
        ind_right: if odd { pt(14.0) } else { 0 },
        ..Par::default()
    };
    let runs = format!(
        "{}<w:r>{rpr}<w:fldChar w:fldCharType=\"begin\"/></w:r><w:r>{rpr}<w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r><w:r>{rpr}<w:fldChar w:fldCharType=\"separate\"/></w:r><w:r>{rpr}<w:t>1</w:t></w:r><w:r>{rpr}<w:fldChar w:fldCharType=\"end\"/></w:r>{}",
        run(&st, "— "),
        run(&st, " —"),
        rpr = st.rpr()
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:ftr {NS}>{}</w:ftr>",
        p.with(&runs)
    )
}

fn styles(faces: &Faces) -> String {
    let f = esc(faces.fangsong);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/><w:kern w:val=\"0\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"zh-CN\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/><w:spacing w:after=\"0\" w:line=\"{LINE}\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/><w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\" w:cs=\"{f}\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/></w:rPr></w:style><w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/></w:style><w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style></w:styles>"
    )
}

const SETTINGS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:zoom w:percent=\"100\"/><w:evenAndOddHeaders/><w:defaultTabStop w:val=\"420\"/><w:autoHyphenation w:val=\"false\"/><w:characterSpacingControl w:val=\"doNotCompress\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>";

fn content_types(seal: bool) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>{}<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/><Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/><Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/><Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/><Override PartName=\"/word/footer2.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/><Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>",
        if seal {
            "<Default Extension=\"png\" ContentType=\"image/png\"/>"
        } else {
            ""
        }
    )
}

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/></Relationships>";

fn document_rels(seal: bool) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rIdStyles\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/><Relationship Id=\"rIdSettings\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/><Relationship Id=\"rIdFooterOdd\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/><Relationship Id=\"rIdFooterEven\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer2.xml\"/>{}</Relationships>",
        if seal {
            "<Relationship Id=\"rIdSeal\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/seal.png\"/>"
        } else {
            ""
        }
    )
}

/// Title, author (the issuer) and dates from the document: no user name,
/// no clock time.
fn core(doc: &Document) -> String {
    let d = doc.date;
    let when = format!("{:04}-{:02}-{:02}T00:00:00Z", d.year(), d.month(), d.day());
    let issuer = esc(&doc.signature.issuer);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>{issuer}</dc:creator><cp:lastModifiedBy>{issuer}</cp:lastModifiedBy><cp:revision>1</cp:revision><dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified></cp:coreProperties>",
        esc(&doc.title_text()),
        esc(&doc.head.number),
    )
}

fn app(doc: &Document) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>kaohe {}</Application><Company>{}</Company></Properties>",
        env!("CARGO_PKG_VERSION"),
        esc(&doc.signature.issuer)
    )
}

/// The DOCX file of `doc`.
pub fn write(doc: &Document, opts: &Options) -> Result<Vec<u8>> {
    let faces = Faces::of(doc);
    let body = body::document(doc, &faces, opts);
    let main = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document {NS}><w:body>{body}</w:body></w:document>"
    );
    let seal = opts.seal.is_some();
    let mut parts: Vec<(&str, Vec<u8>)> = vec![
        ("[Content_Types].xml", content_types(seal).into_bytes()),
        ("_rels/.rels", RELS.as_bytes().to_vec()),
        ("docProps/core.xml", core(doc).into_bytes()),
        ("docProps/app.xml", app(doc).into_bytes()),
        ("word/document.xml", main.into_bytes()),
        ("word/styles.xml", styles(&faces).into_bytes()),
        ("word/settings.xml", SETTINGS.as_bytes().to_vec()),
        ("word/footer1.xml", footer(&faces, true).into_bytes()),
        ("word/footer2.xml", footer(&faces, false).into_bytes()),
        (
            "word/_rels/document.xml.rels",
            document_rels(seal).into_bytes(),
        ),
    ];
    if let Some((png, _)) = &opts.seal {
        parts.push(("word/media/seal.png", png.clone()));
    }
    zip_parts(&parts, doc.date)
}

/// The parts in a zip whose entries all carry the document's date.
fn zip_parts(parts: &[(&str, Vec<u8>)], date: chrono::NaiveDate) -> Result<Vec<u8>> {
    let err = |e: &dyn std::fmt::Display| failed!("写 DOCX 失败：{e}");
    let time = zip::DateTime::from_date_and_time(
        date.year().clamp(1980, 2107) as u16,
        date.month() as u8,
        date.day() as u8,
        0,
        0,
        0,
    )
    .map_err(|e| err(&e))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in parts {
        w.start_file(*name, options).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(crate::archive::zip_as_on_unix(
        w.finish().map_err(|e| err(&e))?.into_inner(),
    ))
}
