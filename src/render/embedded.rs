//! What kaohe carries inside its one file: the bundled Fandol fonts and the
//! Typst templates, so that the program copied alone to any folder (a USB
//! stick, a share, a Windows desk) typesets the same bytes as a run beside
//! the source tree. Folders only add to or override these, never replace
//! the need for them.

/// The bundled fonts, in file-name order (the order fonts are loaded in,
/// which keeps the output the same everywhere). `&'static` bytes: nothing is
/// copied or decompressed, the pages of a font are read when a glyph needs them.
pub const FONTS: &[(&str, &[u8])] = &[
    (
        "FandolFang-Regular.otf",
        include_bytes!("../../fonts/FandolFang-Regular.otf"),
    ),
    (
        "FandolHei-Bold.otf",
        include_bytes!("../../fonts/FandolHei-Bold.otf"),
    ),
    (
        "FandolHei-Regular.otf",
        include_bytes!("../../fonts/FandolHei-Regular.otf"),
    ),
    (
        "FandolKai-Regular.otf",
        include_bytes!("../../fonts/FandolKai-Regular.otf"),
    ),
    (
        "FandolSong-Bold.otf",
        include_bytes!("../../fonts/FandolSong-Bold.otf"),
    ),
    (
        "FandolSong-Regular.otf",
        include_bytes!("../../fonts/FandolSong-Regular.otf"),
    ),
];

/// The fonts' licence (GPL-3 with the font exception), shipped beside the
/// program in the release archives.
pub const FONT_LICENCE: &str = include_str!("../../fonts/COPYING");

/// The Typst templates by their path inside the Typst project. A campaign's
/// `templates/` folder may hold a file of the same name to override one.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "/templates/document.typ",
        include_str!("../../templates/document.typ"),
    ),
    (
        "/templates/sheets.typ",
        include_str!("../../templates/sheets.typ"),
    ),
    (
        "/templates/feedback.typ",
        include_str!("../../templates/feedback.typ"),
    ),
    (
        "/templates/manual.typ",
        include_str!("../../templates/manual.typ"),
    ),
    (
        "/templates/lib/gbt9704.typ",
        include_str!("../../templates/lib/gbt9704.typ"),
    ),
    (
        "/templates/lib/tables.typ",
        include_str!("../../templates/lib/tables.typ"),
    ),
    (
        "/templates/lib/chart.typ",
        include_str!("../../templates/lib/chart.typ"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every font and template file of the repository is built in, so a new
    /// one cannot be forgotten here.
    #[test]
    fn every_font_and_template_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut fonts: Vec<String> = std::fs::read_dir(root.join("fonts"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".otf") || n.ends_with(".ttf"))
            .collect();
        fonts.sort();
        let have: Vec<&str> = FONTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(fonts, have);
        let mut typ = Vec::new();
        for sub in ["templates", "templates/lib"] {
            for e in std::fs::read_dir(root.join(sub)).unwrap() {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                if n.ends_with(".typ") {
                    typ.push(format!("/{sub}/{n}"));
                }
            }
        }
        typ.sort();
        let mut have: Vec<&str> = TEMPLATES.iter().map(|(p, _)| *p).collect();
        have.sort();
        assert_eq!(typ, have);
    }
}
