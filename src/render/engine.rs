//! The one Typst environment of a run: standard library, font book, fonts and
//! templates, built once and shared by every document. Each document is a
//! light [`DocWorld`] that adds its data as the virtual file `/data.json`, so
//! no value ever becomes Typst code.

use crate::error::{Error, Result};
use crate::failed;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The Typst templates, compiled into the binary so kaohe runs from any folder.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "/templates/document.typ",
        include_str!("../../templates/document.typ"),
    ),
    (
        "/templates/sheets.typ",
        include_str!("../../templates/sheets.typ"),
    ),
    (
        "/templates/lib/gbt9704.typ",
        include_str!("../../templates/lib/gbt9704.typ"),
    ),
    (
        "/templates/lib/tables.typ",
        include_str!("../../templates/lib/tables.typ"),
    ),
];

const DATA_PATH: &str = "/data.json";

/// Which main template a document uses.
#[derive(Clone, Copy, Debug)]
pub enum Template {
    /// A red-header 公文 with attachments (notice, circular).
    Document,
    /// Attachment pages only (blank tables, schedule, filled sheets).
    Sheets,
}

impl Template {
    fn path(self) -> &'static str {
        match self {
            Template::Document => "/templates/document.typ",
            Template::Sheets => "/templates/sheets.typ",
        }
    }
}

pub struct Engine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: HashMap<FileId, Source>,
    data_id: FileId,
    /// Files a template may read besides its data (the seal image), by path.
    assets: HashMap<FileId, Bytes>,
    /// Where the fonts came from, for messages.
    pub font_dir: PathBuf,
    /// The families found, for messages.
    pub families: Vec<String>,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("template paths are valid"),
    )
    .intern()
}

impl Engine {
    /// Loads every font file in `font_dir` (parsed once) and the templates.
    pub fn new(font_dir: &Path) -> Result<Engine> {
        let mut fonts = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(font_dir)
            .map_err(|e| failed!("{}: 无法读取字体目录：{e}", font_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                    matches!(
                        x.to_ascii_lowercase().as_str(),
                        "otf" | "ttf" | "ttc" | "otc"
                    )
                })
            })
            .collect();
        // A fixed order keeps font indices, and so the output, the same on every machine.
        entries.sort();
        for path in &entries {
            let data =
                map_font(path).map_err(|e| failed!("{}: 无法读取字体文件：{e}", path.display()))?;
            let before = fonts.len();
            fonts.extend(Font::iter(data));
            if fonts.len() == before {
                return Err(failed!("{}: 不是可用的字体文件", path.display()));
            }
        }
        if fonts.is_empty() {
            return Err(failed!(
                "{}: 字体目录中没有字体文件（.otf/.ttf）",
                font_dir.display()
            ));
        }
        let book = FontBook::from_fonts(&fonts);
        let mut families: Vec<String> = fonts.iter().map(|f| f.info().family.clone()).collect();
        families.dedup();
        let sources = TEMPLATES
            .iter()
            .map(|(path, text)| {
                let id = file_id(path);
                (id, Source::new(id, text.to_string()))
            })
            .collect();
        Ok(Engine {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
            sources,
            data_id: file_id(DATA_PATH),
            assets: HashMap::new(),
            font_dir: font_dir.to_path_buf(),
            families,
        })
    }

    /// Checks that every font role names at least one family that is present.
    pub fn check_fonts(&self, roles: &[(&str, &Vec<String>)]) -> Result<()> {
        for (role, fams) in roles {
            let found = fams.iter().any(|f| {
                self.families
                    .iter()
                    .any(|have| have.eq_ignore_ascii_case(f))
            });
            if !found {
                return Err(failed!(
                    "字体目录 {} 中没有{role}字体（考核方案指定：{}；目录中有：{}）",
                    self.font_dir.display(),
                    fams.join("、"),
                    self.families.join("、")
                ));
            }
        }
        Ok(())
    }

    /// Serves `bytes` to the templates at `path` (such as "/seal.png").
    pub fn add_asset(&mut self, path: &str, bytes: Vec<u8>) {
        self.assets.insert(file_id(path), Bytes::new(bytes));
    }

    /// Lays out one document. Any Typst warning is an error, and so is a
    /// character that no font has (it would print as an empty box).
    pub fn layout(
        &self,
        template: Template,
        data: &serde_json::Value,
        name: &str,
    ) -> Result<PagedDocument> {
        let world = DocWorld {
            engine: self,
            main: file_id(template.path()),
            data: Bytes::new(data.to_string().into_bytes()),
        };
        let warned = typst::compile::<PagedDocument>(&world);
        let doc = warned
            .output
            .map_err(|errs| self.diagnostics(name, "排版失败", errs.as_slice()))?;
        if !warned.warnings.is_empty() {
            return Err(self.diagnostics(name, "排版警告（按错误处理）", &warned.warnings));
        }
        let mut missing = Vec::new();
        for page in doc.pages() {
            missing_glyphs(&page.frame, &mut missing);
        }
        if !missing.is_empty() {
            missing.sort();
            missing.dedup();
            let list: Vec<String> = missing
                .iter()
                .map(|(c, fam)| format!("“{c}”(U+{:04X}，字体 {fam})", *c as u32))
                .collect();
            return Err(failed!(
                "{name}: 字体目录 {} 中的字体缺少这些字符：{}",
                self.font_dir.display(),
                list.join("，")
            ));
        }
        Ok(doc)
    }

    /// "templates/lib/tables.typ:120: " for a diagnostic in a template, or
    /// "" when it has no place there.
    fn place(&self, d: &SourceDiagnostic) -> String {
        let Some(id) = d.span.id() else {
            return String::new();
        };
        let Some(source) = self.sources.get(&id) else {
            return String::new();
        };
        let world = DocWorld {
            engine: self,
            main: id,
            data: Bytes::new(Vec::new()),
        };
        use typst::WorldExt;
        match world
            .range(d.span)
            .and_then(|r| source.lines().byte_to_line(r.start))
        {
            Some(line) => format!(
                "{}:{}: ",
                id.get().vpath().get_with_slash().trim_start_matches('/'),
                line + 1
            ),
            None => String::new(),
        }
    }

    fn diagnostics(&self, name: &str, what: &str, diags: &[SourceDiagnostic]) -> Error {
        let lines: Vec<String> = diags
            .iter()
            .map(|d| {
                let sev = match d.severity {
                    Severity::Error => "错误",
                    Severity::Warning => "警告",
                };
                let mut s = format!("  {sev}：{}{}", self.place(d), d.message);
                for h in &d.hints {
                    s.push_str(&format!("（提示：{}）", h.v));
                }
                s
            })
            .collect();
        failed!("{name}: {what}：\n{}", lines.join("\n"))
    }
}

/// A font file's bytes, mapped rather than read: a CJK font is 5 to 8 MB
/// and a document touches only the pages of its glyphs, so mapping saves
/// reading some 35 MB before the first document can start.
fn map_font(path: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the mapping is read-only; kaohe's fonts folder is not written
    // while a run reads it (as with any program that maps its fonts).
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Ok(Bytes::new(map)),
        Err(_) => std::fs::read(path).map(Bytes::new),
    }
}

fn missing_glyphs(frame: &Frame, out: &mut Vec<(char, String)>) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(g) => missing_glyphs(&g.frame, out),
            FrameItem::Text(t) => {
                for g in &t.glyphs {
                    if g.id == 0 {
                        let fam = t.font.font().info().family.clone();
                        for c in t.text[g.range()].chars().filter(|c| !c.is_whitespace()) {
                            out.push((c, fam.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

struct DocWorld<'a> {
    engine: &'a Engine,
    main: FileId,
    data: Bytes,
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.engine
            .sources
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.engine.data_id {
            return Ok(self.data.clone());
        }
        if let Some(b) = self.engine.assets.get(&id) {
            return Ok(b.clone());
        }
        match self.engine.sources.get(&id) {
            Some(s) => Ok(Bytes::from_string(s.clone())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    /// Documents carry their own dates; the clock never reaches the output.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.get().vpath().get_with_slash()))
}
