//! The one Typst environment of a run: standard library, font book, fonts and
//! templates, built once and shared by every document. Each document is a
//! light [`DocWorld`] that adds its data as the virtual file `/data.json`, so
//! no value ever becomes Typst code.

use super::FontDir;
use super::embedded::{FONTS, TEMPLATES};
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

const DATA_PATH: &str = "/data.json";

/// Which main template a document uses.
#[derive(Clone, Copy, Debug)]
pub enum Template {
    /// A red-header 公文 with attachments (notice, circular).
    Document,
    /// Attachment pages only (blank tables, schedule, filled sheets).
    Sheets,
    /// The 《使用说明》 (`render::manual`).
    Manual,
    /// A plain document: the 考核情况反馈意见.
    Feedback,
}

impl Template {
    fn path(self) -> &'static str {
        match self {
            Template::Document => "/templates/document.typ",
            Template::Sheets => "/templates/sheets.typ",
            Template::Manual => "/templates/manual.typ",
            Template::Feedback => "/templates/feedback.typ",
        }
    }
}

pub struct Engine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    sources: HashMap<FileId, Source>,
    data_id: FileId,
    /// Where the fonts came from, for messages: "--fonts x、内置字体".
    pub font_sources: String,
    /// Files a template may read besides its data (the seal image), by path.
    assets: HashMap<FileId, Bytes>,
    /// The families found, for messages.
    pub families: Vec<String>,
    /// Every font used, in load order, with where it came from.
    pub entries: Vec<FontEntry>,
    /// SHA-256 of the template sources and the fonts (each folder font's
    /// name, size and modification time; the built-in ones are part of the
    /// build): part of every render-cache key.
    pub fingerprint: String,
}

/// One font of the run, for `kaohe fonts`.
#[derive(Clone, Debug)]
pub struct FontEntry {
    pub family: String,
    /// 常规, 粗体, 斜体…
    pub style: String,
    /// "内置" or the folder and how it was named.
    pub source: String,
    pub file: String,
}

/// The built-in fonts' source name in messages and listings.
pub const BUILTIN: &str = "内置";

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("template paths are valid"),
    )
    .intern()
}

impl Engine {
    /// Loads the fonts of `dirs` (strongest first, each parsed once), then
    /// the built-in fonts; a font whose family and style an earlier one
    /// already has is left out, so a folder overrides the built-in font.
    /// The Typst templates are the built-in ones unless `templates` (a
    /// campaign's `templates/` folder) holds a file of the same name.
    pub fn new(dirs: &[FontDir], templates: Option<&Path>) -> Result<Engine> {
        let mut fonts = Vec::new();
        let mut entries = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut key = super::cache::Key::new("engine");
        let mut add = |data: Bytes, source: &str, file: &str| -> bool {
            let mut any = false;
            for font in Font::iter(data) {
                any = true;
                let info = font.info();
                let key = (info.family.to_lowercase(), info.variant);
                if seen.insert(key) {
                    entries.push(FontEntry {
                        family: info.family.clone(),
                        style: style_name(info.variant),
                        source: source.to_string(),
                        file: file.to_string(),
                    });
                    fonts.push(font);
                }
            }
            any
        };
        for dir in dirs {
            let source = format!("{}（{}）", dir.path.display(), dir.how);
            for path in font_files(&dir.path)? {
                let data = map_font(&path).map_err(|e| {
                    failed!(
                        "{}: 无法读取字体文件：{}",
                        path.display(),
                        crate::error::os(&e)
                    )
                })?;
                let file = path.file_name().unwrap_or_default().to_string_lossy();
                font_fingerprint(&mut key, &path);
                if !add(data, &source, &file) {
                    return Err(failed!("{}: 不是可用的字体文件", path.display()));
                }
            }
        }
        for (file, data) in FONTS {
            add(Bytes::new(*data), BUILTIN, file);
        }
        let book = FontBook::from_fonts(&fonts);
        let mut families: Vec<String> = Vec::new();
        for e in &entries {
            if !families.contains(&e.family) {
                families.push(e.family.clone());
            }
        }
        let mut named: Vec<String> = dirs
            .iter()
            .map(|d| format!("{}（{}）", d.path.display(), d.how))
            .collect();
        named.push("内置字体".into());
        let mut sources = HashMap::new();
        for (path, text) in TEMPLATES {
            let id = file_id(path);
            let text = match templates.map(|d| d.join(path.trim_start_matches("/templates/"))) {
                Some(own) if own.is_file() => std::fs::read_to_string(&own).map_err(|e| {
                    failed!(
                        "{}: 无法读取排版模板：{}",
                        own.display(),
                        crate::error::os(&e)
                    )
                })?,
                _ => text.to_string(),
            };
            key.add(path.as_bytes()).add(text.as_bytes());
            sources.insert(id, Source::new(id, text));
        }
        Ok(Engine {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
            sources,
            data_id: file_id(DATA_PATH),
            font_sources: named.join("、"),
            assets: HashMap::new(),
            families,
            entries,
            fingerprint: key.hex(),
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
                    "没有{role}字体（考核方案指定：{}；可用的字体：{}）。请把该字体文件放入考核方案目录的 fonts 文件夹，或用 --fonts DIR 指定存放它的目录。",
                    fams.join("、"),
                    self.families.join("、")
                ));
            }
        }
        Ok(())
    }

    /// Serves `bytes` to the templates at `path` (such as "/seal.png").
    pub fn add_asset(&mut self, path: &str, bytes: Vec<u8>) {
        // What a template can read is part of every cache key.
        let mut k = super::cache::Key::new("engine+asset");
        k.add(self.fingerprint.as_bytes())
            .add(path.as_bytes())
            .add(&bytes);
        self.fingerprint = k.hex();
        self.assets.insert(file_id(path), Bytes::new(bytes));
    }

    /// Lays out one document. Any Typst warning is an error, and so is a
    /// character that no font has (it would print as an empty box).
    ///
    /// GB/T 9704 7.3.5.5: a 公文 whose signature would start a page (the
    /// template marks it with `<kh-sig-alone>`, naming the first body block
    /// of the page before) is laid out again with those blocks' lines set a
    /// little wider apart (`fit`), in steps, until body text comes with the
    /// signature onto its page.
    pub fn layout(
        &self,
        template: Template,
        data: &serde_json::Value,
        name: &str,
    ) -> Result<PagedDocument> {
        let mut doc = self.layout_once(template, data, name)?;
        if !matches!(template, Template::Document | Template::Feedback) {
            return Ok(doc);
        }
        for extra in [1.5, 3.0, 4.5, 6.0] {
            let Some(from) = signature_alone(&doc) else {
                break;
            };
            let mut fitted = data.clone();
            fitted["fit"] = serde_json::json!({"from": from, "extra": extra});
            doc = self.layout_once(template, &fitted, name)?;
        }
        Ok(doc)
    }

    fn layout_once(
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
                "{name}: 字体（{}）缺少这些字符：{}",
                self.font_sources,
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

/// A folder font's part of [`Engine::fingerprint`]: its name, size and
/// modification time (hashing 20 MB of fonts on every run would cost more
/// than a cached rerun saves).
/// The first body block of the page before a signature that starts a page,
/// as the template marks it.
fn signature_alone(doc: &PagedDocument) -> Option<i64> {
    use typst::introspection::Introspector;
    let label = typst::foundations::Label::new(typst::utils::PicoStr::intern("kh-sig-alone"))?;
    let mark = doc.introspector().query_label(label).ok()?;
    mark.get_by_name("value").ok()?.cast::<i64>().ok()
}

fn font_fingerprint(k: &mut super::cache::Key, f: &Path) {
    let meta = std::fs::metadata(f).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    k.add(f.to_string_lossy().as_bytes())
        .add(&meta.map_or(0, |m| m.len()).to_le_bytes())
        .add(&modified.to_le_bytes());
}

/// The font files of a folder (.otf .ttf .ttc .otc), sorted so that the
/// fonts load in the same order on every machine.
fn font_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            failed!(
                "{}: 无法读取字体目录：{}",
                dir.display(),
                crate::error::os(&e)
            )
        })?
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
    files.sort();
    Ok(files)
}

/// "常规", "粗体", "斜体", "粗斜体", or the weight's number.
fn style_name(v: typst::text::FontVariant) -> String {
    use typst::text::{FontStyle, FontWeight};
    let italic = v.style != FontStyle::Normal;
    let w = v.weight.to_number();
    let weight = if v.weight == FontWeight::REGULAR {
        "常规".to_string()
    } else if v.weight == FontWeight::BOLD {
        "粗体".to_string()
    } else {
        format!("字重{w}")
    };
    match (italic, weight.as_str()) {
        (false, _) => weight,
        (true, "常规") => "斜体".into(),
        (true, "粗体") => "粗斜体".into(),
        (true, _) => format!("{weight}斜体"),
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
