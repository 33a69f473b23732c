//! OFD (GB/T 33190-2016) from the pages Typst laid out for the PDF: the same
//! glyphs at the same places, text kept as text with its embedded font
//! subsets, so that an OFD reader shows, searches and indexes what the PDF
//! does.
//!
//! The package is written directly (plain strings and the `zip` crate the
//! project already uses): OFD.xml, Doc_0/Document.xml, PublicRes.xml
//! (fonts), DocumentRes.xml (images), and one Content.xml per page. Every
//! name, id and number is derived from the layout and the campaign, and the
//! zip entries carry a fixed date, so the same inputs give the same bytes.

mod content;
mod fonts;
mod xml;

use crate::error::Result;
use crate::failed;
use chrono::NaiveDate;
use std::fmt::Write as _;
use std::io::Write as _;
use typst::layout::Transform;
use typst::model::Document as _;
use typst_layout::PagedDocument;
use xml::{HEADER, MM_PER_PT, NS, escaped, n};

/// What the OFD says about itself (DocInfo).
pub struct Meta<'a> {
    /// The title when the document sets none (`set document(title:)`).
    pub title: &'a str,
    /// The issuing office.
    pub author: &'a str,
    /// The document's date (from the campaign, never the clock).
    pub date: NaiveDate,
    /// A stable identifier (campaign id + path); the DocID is its hash.
    pub ident: &'a str,
}

/// Unit ids, one counter for the whole document as GB/T 33190 asks.
#[derive(Default)]
pub struct Ids(u32);

impl Ids {
    pub fn take(&mut self) -> u32 {
        self.0 += 1;
        self.0
    }
}

/// An image file of the package.
pub struct Media {
    pub id: u32,
    pub format: &'static str,
    pub data: Vec<u8>,
}

/// Writes the OFD package of a laid-out document. `name` is for messages.
pub fn ofd(doc: &PagedDocument, meta: &Meta, name: &str) -> Result<Vec<u8>> {
    let mut ids = Ids::default();
    let mut fonts = fonts::FontSet::default();
    let mut media = Vec::new();
    let mut pages: Vec<(u32, String)> = Vec::new();
    for page in doc.pages() {
        let size = page.frame.size();
        let (w, h) = (size.x.to_pt() * MM_PER_PT, size.y.to_pt() * MM_PER_PT);
        let page_id = ids.take();
        let layer_id = ids.take();
        let boundary = format!("0 0 {} {}", n(w), n(h));
        let mut sink = content::Sink {
            ids: &mut ids,
            fonts: &mut fonts,
            media: &mut media,
            boundary: boundary.clone(),
            out: String::new(),
            name,
        };
        sink.frame(&page.frame, Transform::identity())?;
        let body = sink.out;
        let xml = format!(
            "{HEADER}<ofd:Page xmlns:ofd=\"{NS}\"><ofd:Area><ofd:PhysicalBox>{boundary}</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID=\"{layer_id}\" Type=\"Body\">\n{body}</ofd:Layer></ofd:Content></ofd:Page>\n"
        );
        pages.push((page_id, xml));
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // Fonts: PublicRes.xml and one subset file each.
    let mut public = format!("{HEADER}<ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"Res\"><ofd:Fonts>");
    for f in &fonts.entries {
        let variant = f.font.info().variant;
        let file = format!("font_{}.otf", f.id);
        let _ = write!(
            public,
            "<ofd:Font ID=\"{}\" FontName=\"{fam}\" FamilyName=\"{fam}\"",
            f.id,
            fam = escaped(f.family())
        );
        if variant.weight.to_number() >= 600 {
            public.push_str(" Bold=\"true\"");
        }
        if variant.style != typst::text::FontStyle::Normal {
            public.push_str(" Italic=\"true\"");
        }
        let _ = write!(public, "><ofd:FontFile>{file}</ofd:FontFile></ofd:Font>");
        files.push((format!("Doc_0/Res/{file}"), f.subset(name)?));
    }
    public.push_str("</ofd:Fonts></ofd:Res>\n");
    // Images: DocumentRes.xml and their files.
    let mut document_res = format!("{HEADER}<ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"Res\">");
    if !media.is_empty() {
        document_res.push_str("<ofd:MultiMedias>");
        for m in &media {
            let file = format!("image_{}.{}", m.id, m.format.to_ascii_lowercase());
            let _ = write!(
                document_res,
                "<ofd:MultiMedia ID=\"{}\" Type=\"Image\" Format=\"{}\"><ofd:MediaFile>{file}</ofd:MediaFile></ofd:MultiMedia>",
                m.id, m.format
            );
            files.push((format!("Doc_0/Res/{file}"), m.data.clone()));
        }
        document_res.push_str("</ofd:MultiMedias>");
    }
    document_res.push_str("</ofd:Res>\n");
    // The first page's size is the default page area; every page has its own.
    let first = doc
        .pages()
        .first()
        .map(|p| p.frame.size())
        .ok_or_else(|| failed!("{name}: 文档没有页面"))?;
    let mut document = format!(
        "{HEADER}<ofd:Document xmlns:ofd=\"{NS}\"><ofd:CommonData><ofd:MaxUnitID>{}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>",
        ids.0,
        n(first.x.to_pt() * MM_PER_PT),
        n(first.y.to_pt() * MM_PER_PT)
    );
    for (i, (id, _)) in pages.iter().enumerate() {
        let _ = write!(
            document,
            "<ofd:Page ID=\"{id}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>"
        );
    }
    document.push_str("</ofd:Pages></ofd:Document>\n");
    let info = doc.info();
    let title = info.title.as_deref().unwrap_or(meta.title);
    let doc_id: String = crate::archive::sha256_hex(meta.ident.as_bytes())[..32].to_string();
    let ofd_xml = format!(
        "{HEADER}<ofd:OFD xmlns:ofd=\"{NS}\" Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>{doc_id}</ofd:DocID><ofd:Title>{}</ofd:Title><ofd:Author>{}</ofd:Author><ofd:CreationDate>{}</ofd:CreationDate><ofd:Creator>kaohe</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n",
        escaped(title),
        escaped(meta.author),
        meta.date.format("%Y-%m-%d"),
        env!("CARGO_PKG_VERSION")
    );
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        ("OFD.xml".into(), ofd_xml.into_bytes()),
        ("Doc_0/Document.xml".into(), document.into_bytes()),
        ("Doc_0/PublicRes.xml".into(), public.into_bytes()),
        ("Doc_0/DocumentRes.xml".into(), document_res.into_bytes()),
    ];
    for (i, (_, xml)) in pages.into_iter().enumerate() {
        entries.push((
            format!("Doc_0/Pages/Page_{i}/Content.xml"),
            xml.into_bytes(),
        ));
    }
    entries.extend(files);
    zip(entries).map_err(|e| failed!("{name}: 写 OFD 失败：{e}"))
}

/// The zip container: entries in the given order, a fixed date (1980-01-01)
/// and fixed permissions, deflated.
fn zip(entries: Vec<(String, Vec<u8>)>) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, data) in entries {
        w.start_file(path, options)?;
        w.write_all(&data)?;
    }
    Ok(crate::archive::zip_as_on_unix(w.finish()?.into_inner()))
}
